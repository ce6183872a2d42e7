//! Debt auctions (`flop.sol`, called by `vow.flop`): when the debt no auction and no
//! surplus covers (`Woe`) reaches `sump`, the CDP sells newly minted governance token
//! for a fixed `sump` of stablecoin. Bidders `dent` — offer to take a smaller lot for
//! the same bid, each at least `beg` smaller — the first paying the bid to the surplus
//! (which then cancels that much bad debt), each later one paying the previous bidder
//! back. A bid wins `ttl` after it was placed or at the auction's `end`; the lot is then
//! minted to the winner (`deal`). An auction that ends with no bid restarts with its lot
//! raised by `pad` (`tick`). Maker's defaults: `beg` 1.05, `pad` 1.5, `ttl` 3 hours,
//! `tau` 2 days; in March 2020 `sump` was 50,000 DAI and `dump` 250 MKR.

use super::{Cdp, PPM};
use crate::ledger::{HolderId, Ledger};
use crate::WorldError;
use faultline_units::{mul_div_wide, Amount, AssetId, Ppm, Rounding};

/// A CDP's debt auction parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebtAuction {
    /// The governance token minted.
    pub token: AssetId,
    /// Its decimals.
    pub token_decimals: u8,
    /// Stablecoin raised per auction (`sump`), atoms.
    pub sump: i128,
    /// Token offered at the start (`dump`), atoms.
    pub dump: i128,
    /// Each bid's lot at most the previous over this (`beg`, 1.05 → 1,050,000).
    pub beg: Ppm,
    /// A restarted auction's lot grows by this (`pad`, 1.5 → 1,500,000).
    pub pad: Ppm,
    /// A bid wins this long after it was placed (`ttl`), seconds.
    pub ttl_s: u64,
    /// An auction ends this long after its kick (`tau`), seconds.
    pub tau_s: u64,
    /// Barked debt waits this long in the queue before it may be auctioned (`vow.wait`;
    /// 48 hours in March 2020), seconds.
    pub wait_s: u64,
}

/// A running debt auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flop {
    /// Token offered, atoms.
    pub lot: i128,
    /// The standing bidder (an index the world gives) and its wallet.
    pub guy: Option<(usize, HolderId)>,
    /// When the standing bid wins, ms.
    pub tic_ms: u64,
    /// When the auction ends, ms.
    pub end_ms: u64,
}

/// A lot minted to its winner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlopWon {
    /// The bidder's index.
    pub bidder: usize,
    /// Token atoms minted to it.
    pub lot: i128,
}

impl Cdp {
    fn flop_spec(&self) -> Option<DebtAuction> {
        self.spec.debt_auction
    }

    /// `Woe`: debt neither in a collateral auction, nor still waiting out `vow.wait`
    /// (`Sin`), nor on a debt auction awaiting its first bid (`Ash`).
    fn woe(&self, now_ms: u64) -> i128 {
        let in_auction: i128 = self.auctions.iter().map(|a| a.debt_left).sum();
        let wait_ms = self.spec.debt_auction.map_or(0, |d| d.wait_s * 1_000);
        let waiting: i128 = self
            .fessed
            .iter()
            .filter(|&&(at, _)| at + wait_ms > now_ms)
            .map(|&(_, atoms)| atoms)
            .sum();
        (self.sin - in_auction - self.ash).min(self.sin - self.ash - waiting)
    }

    /// `vow.fess`: barked debt enters the queue at `now_ms` (only when debt auctions
    /// wait); matured entries are dropped.
    pub fn fess(&mut self, atoms: i128, now_ms: u64) {
        let Some(d) = self.spec.debt_auction.filter(|d| d.wait_s > 0) else {
            return;
        };
        self.fessed
            .retain(|&(at, _)| at + d.wait_s * 1_000 > now_ms);
        if atoms > 0 {
            self.fessed.push((now_ms, atoms));
        }
    }

    /// `vow.flop` as often as it may: while `Woe ≥ sump` and the surplus is empty, a new
    /// auction of `dump` for `sump`. Returns how many were kicked.
    pub fn flop_kick(&mut self, ledger: &Ledger, now_ms: u64) -> u64 {
        let Some(d) = self.flop_spec() else {
            return 0;
        };
        let joy = ledger.balance(self.vow, self.spec.stablecoin).atoms() - self.escrowed_bids();
        if d.sump <= 0 || joy > 0 {
            return 0;
        }
        let mut kicked = 0;
        while self.woe(now_ms) >= d.sump {
            self.flops.push(Flop {
                lot: d.dump,
                guy: None,
                tic_ms: 0,
                end_ms: now_ms + d.tau_s * 1_000,
            });
            self.ash += d.sump;
            self.stats.flops += 1;
            kicked += 1;
        }
        kicked
    }

    /// `dent`: bidder `who` (index, wallet) offers to take `lot` for `sump`. Returns false
    /// (nothing moves) when the contract would reject it: the auction is over, its bid
    /// has won, or the lot is not `beg` smaller.
    pub fn flop_dent(
        &mut self,
        ledger: &mut Ledger,
        k: usize,
        who: (usize, HolderId),
        lot: i128,
        now_ms: u64,
    ) -> Result<bool, WorldError> {
        let Some(d) = self.flop_spec() else {
            return Ok(false);
        };
        let f = self.flops[k];
        let live = now_ms < f.end_ms && (f.tic_ms == 0 || now_ms < f.tic_ms);
        // `lot * beg <= bids[id].lot * ONE`.
        let small_enough = mul_div_wide(lot, i128::from(d.beg.atoms()), 1, Rounding::Ceil)?
            <= mul_div_wide(f.lot, PPM, 1, Rounding::Floor)?;
        if !live || lot <= 0 || !small_enough {
            return Ok(false);
        }
        let stable = Amount::new(self.spec.stablecoin, d.sump);
        match f.guy {
            Some((_, prev)) => ledger.transfer(who.1, prev, stable)?,
            None => {
                ledger.transfer(who.1, self.vow, stable)?;
                self.ash -= d.sump;
                self.stats.flop_raised += d.sump;
            }
        }
        let fm = &mut self.flops[k];
        fm.lot = lot;
        fm.guy = Some(who);
        fm.tic_ms = now_ms + d.ttl_s * 1_000;
        Ok(true)
    }

    /// `deal` every debt auction whose bid has won (the lot minted to the winner) and
    /// `tick` every one that ended with no bid. Returns the lots minted.
    pub fn flop_settle(
        &mut self,
        ledger: &mut Ledger,
        now_ms: u64,
    ) -> Result<Vec<FlopWon>, WorldError> {
        let Some(d) = self.flop_spec() else {
            return Ok(Vec::new());
        };
        let mut won = Vec::new();
        let mut k = 0;
        while k < self.flops.len() {
            let f = self.flops[k];
            match f.guy {
                Some((i, wallet)) if now_ms >= f.tic_ms || now_ms >= f.end_ms => {
                    ledger.mint(wallet, Amount::new(d.token, f.lot))?;
                    self.stats.flop_minted += f.lot;
                    won.push(FlopWon {
                        bidder: i,
                        lot: f.lot,
                    });
                    self.flops.remove(k);
                    continue;
                }
                None if now_ms >= f.end_ms => {
                    let fm = &mut self.flops[k];
                    fm.lot = mul_div_wide(f.lot, i128::from(d.pad.atoms()), PPM, Rounding::Floor)?;
                    fm.end_ms = now_ms + d.tau_s * 1_000;
                }
                _ => {}
            }
            k += 1;
        }
        Ok(won)
    }
}
