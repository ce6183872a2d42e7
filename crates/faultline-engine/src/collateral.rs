//! Non-quote collateral in the engine: set-up, prices, seizure at liquidation and the
//! settlement of what seized collateral sold for. The mechanism and its sources are in
//! [`faultline_state::CollateralBook`]; selling the inventory is the caller's (a world
//! sends it to a named venue), so the sale moves a market other protocols use.

use crate::events::EventKind;
use crate::index;
use crate::sim::{EngineError, Simulation};
use faultline_state::{AccountKind, CollateralAsset, MarginGroup, MarginMode};
use faultline_units::{AccountId, Price, Quote};

impl Simulation {
    /// Traders with cross positions and a positive cross balance, with that balance:
    /// the accounts that may post other collateral.
    pub fn cross_traders(&self) -> Vec<(AccountId, Quote)> {
        self.venue
            .accounts
            .iter()
            .filter(|a| {
                a.kind == AccountKind::Trader
                    && a.cross_balance.is_positive()
                    && a.positions.iter().any(|p| p.mode == MarginMode::Cross)
            })
            .map(|a| (a.id, a.cross_balance))
            .collect()
    }

    /// Accept a non-quote collateral asset; returns its index.
    pub fn add_collateral_asset(&mut self, asset: CollateralAsset) -> usize {
        self.venue.add_collateral_asset(asset)
    }

    /// Set-up: `account` posts asset `k` in place of `value` of its cross balance (see
    /// [`faultline_state::Venue::post_collateral_for`]). Returns the atoms posted.
    pub fn post_collateral_for(
        &mut self,
        account: AccountId,
        k: usize,
        value: Quote,
    ) -> Result<i128, EngineError> {
        let atoms = self.venue.post_collateral_for(account, k, value)?;
        self.index
            .mark_dirty(index::key(account, MarginGroup::Cross));
        Ok(atoms)
    }

    /// The oracle price of collateral `k`. A change re-checks every group holding it next
    /// liquidation phase (its equity moved without a trade).
    pub fn set_collateral_price(&mut self, k: usize, price: Price) {
        let asset = &mut self.venue.collateral.assets[k];
        if asset.price == price {
            return;
        }
        asset.price = price;
        for a in self.venue.collateral.holders(k) {
            self.index.mark_dirty(index::key(a, MarginGroup::Cross));
        }
    }

    /// Set-up: the insurance fund holds `atoms` of collateral `k` as its reserve.
    pub fn fund_reserve(&mut self, k: usize, atoms: i128) {
        self.venue.fund_reserve(k, atoms);
    }

    /// Before the fund pays `loss`, convert reserve for what its quote does not cover.
    pub(crate) fn draw_reserve_for(
        &mut self,
        loss: Quote,
        market: faultline_units::MarketId,
    ) -> Result<(), EngineError> {
        let fund = self.venue.ledger.insurance_fund.max(Quote::ZERO);
        if loss <= fund {
            return Ok(());
        }
        let drawn = self.venue.draw_reserve(loss.checked_sub(fund)?)?;
        if drawn.is_positive() {
            self.totals.reserve_drawn = self.totals.reserve_drawn.checked_add(drawn)?;
            self.emit(
                EventKind::ReserveDrawn,
                Some(market),
                None,
                Some(drawn),
                format!("the insurance fund converted {drawn} of its reserve"),
            );
        }
        Ok(())
    }

    /// Seize a liquidated cross group's collateral (equity-neutral; the assets wait in
    /// the venue's inventory for the caller to sell).
    pub(crate) fn seize_collateral(&mut self, account: AccountId) -> Result<(), EngineError> {
        if self.venue.collateral.is_empty() {
            return Ok(());
        }
        let credited = self.venue.seize_collateral(account)?;
        if credited.is_positive() {
            self.totals.collateral_seized = self.totals.collateral_seized.checked_add(credited)?;
            self.emit(
                EventKind::CollateralSeized,
                None,
                Some(account),
                Some(credited),
                format!("{account}'s non-quote collateral seized, credited {credited}"),
            );
        }
        Ok(())
    }

    /// `atoms` of seized collateral `k` sold outside the venue for `proceeds` (which
    /// the caller has paid into the venue's account). Once the inventory is gone the
    /// difference from what was credited is settled against the insurance fund.
    pub fn collateral_sold(
        &mut self,
        k: usize,
        atoms: i128,
        proceeds: Quote,
    ) -> Result<(), EngineError> {
        let (gain, paid, rest) = self.venue.settle_collateral_sale(k, atoms, proceeds)?;
        let t = &mut self.totals;
        t.conversion_gain = t.conversion_gain.checked_add(gain)?;
        let loss = paid.checked_add(rest)?;
        t.conversion_loss = t.conversion_loss.checked_add(loss)?;
        t.insurance_paid = t.insurance_paid.checked_add(paid)?;
        if loss.is_positive() {
            let name = self.venue.collateral.assets[k].name.clone();
            self.emit(
                EventKind::CollateralConversionLoss,
                None,
                None,
                Some(loss),
                format!("seized {name} sold {loss} below what was credited for it"),
            );
        }
        Ok(())
    }
}
