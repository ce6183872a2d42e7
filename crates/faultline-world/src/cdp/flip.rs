//! Liquidations 1.2's English auctions (`flip.sol`): bids, deals and restarts. Keepers'
//! decisions are the world's (`world/keepers.rs`); this is the contract's side.

use super::Cdp;
use crate::ledger::{HolderId, Ledger};
use crate::WorldError;
use faultline_math::maker::{dent_ok, tend_ok};
use faultline_units::{Amount, Price, Rounding};

/// A won lot handed to its keeper at `deal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Won {
    /// The liquidator that won it.
    pub keeper: usize,
    /// Collateral atoms.
    pub lot: i128,
    /// The ilk.
    pub ilk: usize,
}

/// Who bids in an English auction, and whom the bid displaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bidder {
    /// The liquidator bidding.
    pub keeper: usize,
    /// Its wallet.
    pub wallet: HolderId,
    /// The wallet of the standing bidder, paid back.
    pub previous: Option<HolderId>,
}

impl Cdp {
    /// Auction `k` and its ilk's English parameters, while it still takes bids.
    fn biddable(&self, k: usize, now_ms: u64) -> Option<(super::Auction, super::EnglishAuction)> {
        let a = self.auctions[k];
        let e = self.spec.ilks[a.ilk].english?;
        (now_ms < a.end_ms).then_some((a, e))
    }

    /// The bidder's bid stands: it wins `ttl` from now unless beaten.
    fn stands(&mut self, k: usize, by: Bidder, ttl_s: u64, now_ms: u64) {
        let am = &mut self.auctions[k];
        am.winner = Some(by.keeper);
        am.tic_ms = now_ms + ttl_s * 1_000;
    }

    /// `tend`: `by` bids `bid` for the whole lot of auction `k`; it pays the previous
    /// bidder back and the raise to the surplus. Returns false (nothing moves) when the
    /// contract would reject the bid.
    pub fn tend(
        &mut self,
        ledger: &mut Ledger,
        k: usize,
        by: Bidder,
        bid: i128,
        now_ms: u64,
    ) -> Result<bool, WorldError> {
        let Some((a, e)) = self.biddable(k, now_ms) else {
            return Ok(false);
        };
        if !tend_ok(bid, a.bid, a.tab, i128::from(e.beg.atoms())) {
            return Ok(false);
        }
        let stable = self.spec.stablecoin;
        if let Some(prev) = by.previous {
            ledger.transfer(by.wallet, prev, Amount::new(stable, a.bid))?;
        }
        ledger.transfer(by.wallet, self.vow, Amount::new(stable, bid - a.bid))?;
        self.auctions[k].bid = bid;
        self.stands(k, by, e.ttl_s, now_ms);
        Ok(true)
    }

    /// `dent`: `by` takes only `lot` for the full tab (the bid already equals it); it
    /// pays the previous bidder back; the collateral given up goes to the owners.
    pub fn dent(
        &mut self,
        ledger: &mut Ledger,
        k: usize,
        by: Bidder,
        lot: i128,
        now_ms: u64,
    ) -> Result<bool, WorldError> {
        let Some((a, e)) = self.biddable(k, now_ms) else {
            return Ok(false);
        };
        if a.bid < a.tab || !dent_ok(lot, a.lot, i128::from(e.beg.atoms())) {
            return Ok(false);
        }
        let stable = self.spec.stablecoin;
        let payee = by.previous.unwrap_or(self.vow);
        ledger.transfer(by.wallet, payee, Amount::new(stable, a.bid))?;
        let asset = self.spec.ilks[a.ilk].asset;
        ledger.transfer(self.clipper, self.owners, Amount::new(asset, a.lot - lot))?;
        self.auctions[k].lot = lot;
        self.stands(k, by, e.ttl_s, now_ms);
        Ok(true)
    }

    /// `deal` every English auction whose standing bid has won (its `ttl` or the
    /// auction's end passed): the lot goes to the winner, the bid cancels the auction's
    /// debt (burned from the surplus) and what it did not raise is bad debt; `tick` every
    /// one that ended with no bid (it restarts for `tau`). Returns the lots won.
    pub fn english_settle(
        &mut self,
        ledger: &mut Ledger,
        winners: &[HolderId],
        prices: &[Price],
        now_ms: u64,
    ) -> Result<Vec<Won>, WorldError> {
        let mut won = Vec::new();
        let mut k = 0;
        while k < self.auctions.len() {
            let a = self.auctions[k];
            let Some(e) = self.spec.ilks[a.ilk].english else {
                k += 1;
                continue;
            };
            match a.winner {
                Some(w) if now_ms >= a.tic_ms || now_ms >= a.end_ms => {
                    self.deal(ledger, k, winners[w], prices)?;
                    won.push(Won {
                        keeper: w,
                        lot: a.lot,
                        ilk: a.ilk,
                    });
                    continue; // removed
                }
                None if now_ms >= a.end_ms => {
                    self.auctions[k].end_ms = now_ms + e.tau_s * 1_000;
                    self.stats.redos += 1;
                }
                _ => {}
            }
            k += 1;
        }
        Ok(won)
    }

    fn deal(
        &mut self,
        ledger: &mut Ledger,
        k: usize,
        winner: HolderId,
        prices: &[Price],
    ) -> Result<(), WorldError> {
        let a = self.auctions.remove(k);
        let ilk = self.spec.ilks[a.ilk].clone();
        let stable = self.spec.stablecoin;
        ledger.transfer(self.clipper, winner, Amount::new(ilk.asset, a.lot))?;
        let burn = a.bid.min(a.debt_left);
        ledger.burn(self.vow, Amount::new(stable, burn))?;
        self.sin -= burn;
        let bad = a.debt_left - burn;
        self.stats.bad_debt += bad;
        self.stats.takes += 1;
        self.stats.raised += a.bid;
        let value =
            Amount::new(ilk.asset, a.lot).value(prices[a.ilk], ilk.decimals, Rounding::Floor)?;
        self.stats.collateral_sold = self.stats.collateral_sold.checked_add(value)?;
        let unit = faultline_units::scale_of(self.spec.stable_decimals)?;
        if a.bid < unit {
            self.stats.zero_bid_auctions += 1;
            self.stats.zero_bid_value = self.stats.zero_bid_value.checked_add(value)?;
        }
        Ok(())
    }

    /// Stablecoin the surplus holds as standing English bids (not yet its own).
    pub(super) fn escrowed_bids(&self) -> i128 {
        self.auctions.iter().map(|a| a.bid).sum()
    }
}
