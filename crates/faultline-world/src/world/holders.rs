//! Holders and reserves trading on their own account: sellers (price-triggered, running
//! by the herd rule, or on a schedule), reserves buying below a level, and the
//! arbitrageurs of an algorithmic stablecoin's swap, who act in its issuer's block.

use super::{Protocol, World};
use crate::agents::{size_toward, swap};
use crate::issuer::{Issuer, Market};
use crate::record::WorldEventKind;
use crate::WorldError;
use faultline_units::{mul_div_wide, Amount, Price, Rounding, PRICE_SCALE};

impl World {
    pub(super) fn sellers_phase(&mut self) -> Result<(), WorldError> {
        for i in 0..self.sellers.len() {
            let sp = self.sellers[i].spec.clone();
            if !self.acts(self.spec.venues[sp.venue.index()].chain) {
                continue;
            }
            self.scheduled_sales(i)?;
            if self.tick < sp.from_tick {
                continue;
            }
            let price = self.reference[sp.asset.index()];
            let mut distressed = price < sp.below && price.is_positive();
            for w in &sp.watch {
                // Cut from the others, the watched protocol's losses are not seen.
                if self.isolated != Some(w.index()) {
                    distressed = distressed || self.shows_loss(w.index())?;
                }
            }
            let mut allowed = i128::MAX;
            if let (Some((_, rule)), Some((herd, rng))) = (sp.run, self.sellers[i].herd.as_mut()) {
                let (left, active) = herd.step(rule, distressed, |_| true, rng);
                if left > 0 {
                    let name = sp.name.clone();
                    self.emit(
                        WorldEventKind::BankRun,
                        name,
                        format!("{left} of {active} holders ran"),
                    );
                }
                let gone = self.sellers[i].herd.as_ref().map_or(0, |(h, _)| h.left());
                let share = mul_div_wide(
                    sp.holding,
                    i128::try_from(gone).unwrap_or(0),
                    i128::from(sp.run.map_or(1, |r| r.0).max(1)),
                    Rounding::Floor,
                )?;
                allowed = share - self.sellers[i].sold;
            }
            if !distressed || allowed <= 0 {
                continue;
            }
            let d = self.spec.assets[sp.asset.index()].decimals;
            let most = Amount::for_value(sp.asset, sp.per_block, price, d, Rounding::Floor)?;
            let amount = most.min(Amount::new(sp.asset, allowed))?;
            let sold = self.seller_sells(i, amount)?;
            self.sellers[i].sold += sold;
        }
        Ok(())
    }

    /// Seller `i`'s scheduled sales that are due, whatever the price.
    fn scheduled_sales(&mut self, i: usize) -> Result<(), WorldError> {
        loop {
            let (next, _) = self.sellers[i].scheduled;
            let Some(&(at, atoms)) = self.sellers[i].spec.sales.get(next) else {
                return Ok(());
            };
            if at > self.tick {
                return Ok(());
            }
            let asset = self.sellers[i].spec.asset;
            let sold = self.seller_sells(i, Amount::new(asset, atoms))?;
            let s = &mut self.sellers[i];
            s.scheduled = (next + 1, s.scheduled.1 + sold);
        }
    }

    /// Seller `i` sells up to `amount` (no more than it holds) into its venue; returns
    /// the atoms sold (0 when the pool pays nothing).
    fn seller_sells(&mut self, i: usize, amount: Amount) -> Result<i128, WorldError> {
        let (wallet, venue) = (self.sellers[i].wallet, self.sellers[i].spec.venue);
        let amount = amount.min(self.ledger.balance(wallet, amount.asset()))?;
        if !amount.is_positive() {
            return Ok(0);
        }
        let got = swap(&mut self.ledger, &self.pools[venue.index()], wallet, amount)?;
        if got.atoms() <= 0 {
            return Ok(0);
        }
        self.sellers[i].trades += 1;
        Ok(amount.atoms())
    }

    /// Reserves buy while their asset's price is below their level: each block at most
    /// its per-block budget, and no more than brings the pool's mid up to the level.
    pub(super) fn buyers_phase(&mut self) -> Result<(), WorldError> {
        for i in 0..self.buyers.len() {
            let sp = self.buyers[i].spec.clone();
            let pool = self.pools[sp.venue.index()].clone();
            if self.tick < sp.from_tick || !self.acts(self.spec.venues[sp.venue.index()].chain) {
                continue;
            }
            let price = self.reference[sp.asset.index()];
            let quote_price = self.reference[pool.quote.index()];
            if !(price < sp.below && price.is_positive() && quote_price.is_positive()) {
                continue;
            }
            let wallet = self.buyers[i].wallet;
            // The level in quote units per base unit, and the block's budget in quote.
            let level = mul_div_wide(
                i128::from(sp.below.atoms()),
                i128::from(PRICE_SCALE),
                i128::from(quote_price.atoms()),
                Rounding::Floor,
            )?;
            let level = Price::from_atoms(
                i64::try_from(level)
                    .map_err(|_| faultline_units::ArithmeticError::new("buyer level"))?,
            );
            let budget = Amount::for_value(
                pool.quote,
                sp.per_block,
                quote_price,
                pool.quote_decimals,
                Rounding::Floor,
            )?
            .min(self.ledger.balance(wallet, pool.quote))?;
            let pay = size_toward(&self.ledger, &pool, false, level, budget.atoms())?;
            if pay <= 0 {
                continue;
            }
            let got = swap(
                &mut self.ledger,
                &pool,
                wallet,
                Amount::new(pool.quote, pay),
            )?;
            if got.atoms() > 0 {
                self.buyers[i].bought += got.atoms();
                self.buyers[i].spent += pay;
                self.buyers[i].trades += 1;
            }
        }
        Ok(())
    }

    /// An issuer's block: its capacity renews and, unless its chain was halted, the
    /// arbitrageurs watching it (in file order) trade its swap.
    pub(super) fn issuer_block(&mut self, issuer: &mut Issuer, p: usize) -> Result<(), WorldError> {
        issuer.open_block();
        if issuer.halted(self.tick) {
            return Ok(());
        }
        let share_price = self.oracles[issuer.spec.share_oracle.index()].price();
        for k in 0..self.issuer_arbitrageurs.len() {
            let spec = &self.issuer_arbitrageurs[k].spec;
            if spec.protocol.index() != p {
                continue;
            }
            let (stable, share) = (
                &self.pools[spec.stable_venue.index()],
                &self.pools[spec.share_venue.index()],
            );
            let m = Market {
                stable,
                share,
                quote_price: self.reference[stable.quote.index()],
                share_price,
            };
            let before = issuer.stats.redeemed;
            self.issuer_arbitrageurs[k].act(&mut self.ledger, issuer, &m)?;
            if issuer.stats.redeemed > before {
                let name = issuer.spec.name.clone();
                let detail = format!(
                    "{} redeemed the stablecoin for newly minted share at {:.6}",
                    self.issuer_arbitrageurs[k].spec.name,
                    share_price.to_f64()
                );
                self.emit(WorldEventKind::Redemption, name, detail);
            }
        }
        Ok(())
    }
}

impl World {
    /// True when protocol `p` shows a loss, recognized or latent, at its own prices: a
    /// CDP's bad debt or under-water vaults and auctions, a lending market's deficit or
    /// under-water loans, an options vault's unpaid expiry. Others: false.
    pub(super) fn shows_loss(&self, p: usize) -> Result<bool, WorldError> {
        Ok(match &self.protocols[p] {
            Protocol::Cdp(c) => {
                c.stats.bad_debt > 0 || c.latent_shortfall(&self.ilk_prices(c))?.0 > 0
            }
            Protocol::Lending(m) => {
                m.reserves.iter().any(|r| r.deficit > 0)
                    || m.latent_shortfall(&self.reserve_prices(m))?.0 > 0
            }
            Protocol::Vault(v) => v.stats.shortfall > 0,
            Protocol::Perp(_) | Protocol::Issuer(_) => false,
        })
    }
}

impl Protocol {
    /// The stablecoin it issues, if it issues one.
    pub fn stablecoin(&self) -> Option<faultline_units::AssetId> {
        match self {
            Protocol::Cdp(c) => Some(c.spec.stablecoin),
            Protocol::Issuer(i) => Some(i.spec.stable),
            Protocol::Lending(_) | Protocol::Perp(_) | Protocol::Vault(_) => None,
        }
    }
}
