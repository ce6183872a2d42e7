//! Vault owners defending the peg: above `1 + band` they draw more debt where their
//! vaults stay above a collateralization floor and sell it into the named pool; below
//! `1 − band` they buy the stablecoin there and repay debt with it. Both trades settle
//! their other leg outside the world (the quote asset comes in from, or goes out to, the
//! owners' outside holdings). This is the arbitrage that holds a CDP stablecoin near
//! its target when nothing else does (MakerDAO's original peg mechanism before the PSM;
//! Klages-Mundt and Minca, "(In)Stability for the Blockchain: Deleveraging Spirals and
//! Stablecoin Attacks", 2019, model the same supply response).

use super::{Cdp, PPM};
use crate::ledger::Ledger;
use crate::spec::VenueId;
use crate::WorldError;
use faultline_units::{mul_div_wide, Amount, Ppm, Price, Rounding, Value};

/// The owners' peg defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PegDefence {
    /// The pool they trade (the stablecoin against an outside-priced asset).
    pub venue: VenueId,
    /// They act when the price is further than this from $1.
    pub band: Ppm,
    /// Most they trade in one block, dollars.
    pub per_block: Value,
    /// They draw only while a vault stays at or above this collateralization.
    pub min_collateralization: Ppm,
}

impl Cdp {
    /// Stablecoin atoms vault `i` may still draw and stay at `floor` at `prices`.
    fn headroom(&self, i: usize, prices: &[Price], floor: Ppm) -> Result<i128, WorldError> {
        let v = &self.vaults[i];
        let ilk = &self.spec.ilks[v.ilk];
        let coll =
            Amount::new(ilk.asset, v.ink).value(prices[v.ilk], ilk.decimals, Rounding::Floor)?;
        let allowed = Amount::for_value(
            self.spec.stablecoin,
            coll.mul_div(PPM, i128::from(floor.atoms()).max(1), Rounding::Floor)?,
            Price::from_atoms(100_000_000),
            self.spec.stable_decimals,
            Rounding::Floor,
        )?
        .atoms();
        Ok((allowed - v.art).max(0))
    }

    /// Owners draw up to `want` atoms of new debt, vault by vault in index order, each
    /// only down to `floor`; minted to the owners' wallet. Returns what was drawn.
    pub fn draw(
        &mut self,
        ledger: &mut Ledger,
        prices: &[Price],
        floor: Ppm,
        want: i128,
    ) -> Result<i128, WorldError> {
        let mut left = want;
        for i in 0..self.vaults.len() {
            if left <= 0 {
                break;
            }
            let d = self.headroom(i, prices, floor)?.min(left);
            if d > 0 {
                self.vaults[i].art += d;
                self.art_total += d;
                left -= d;
            }
        }
        let drawn = want - left;
        if drawn > 0 {
            ledger.mint(self.owners, Amount::new(self.spec.stablecoin, drawn))?;
            self.stats.owners_drew += drawn;
        }
        Ok(drawn)
    }

    /// Owners repay up to `amount` atoms of debt (burned from their wallet), vault by
    /// vault in index order. Returns what was repaid.
    pub fn wipe(&mut self, ledger: &mut Ledger, amount: i128) -> Result<i128, WorldError> {
        let mut left = amount;
        for v in &mut self.vaults {
            if left <= 0 {
                break;
            }
            let r = v.art.min(left);
            v.art -= r;
            left -= r;
        }
        let repaid = amount - left;
        if repaid > 0 {
            self.art_total -= repaid;
            ledger.burn(self.owners, Amount::new(self.spec.stablecoin, repaid))?;
            self.stats.owners_repaid += repaid;
        }
        Ok(repaid)
    }

    /// A dollar bound in stablecoin atoms at par.
    pub fn at_par(&self, v: Value) -> Result<i128, WorldError> {
        Ok(Amount::for_value(
            self.spec.stablecoin,
            v,
            Price::from_atoms(100_000_000),
            self.spec.stable_decimals,
            Rounding::Floor,
        )?
        .atoms())
    }

    /// `1 ± band` as a price.
    pub fn band_edge(band: Ppm, above: bool) -> Result<Price, WorldError> {
        let one = 100_000_000i128;
        let b = mul_div_wide(one, i128::from(band.atoms()), PPM, Rounding::Floor)?;
        let edge = if above { one + b } else { one - b };
        Ok(Price::from_atoms(i64::try_from(edge).map_err(|_| {
            faultline_units::ArithmeticError::new("peg band")
        })?))
    }
}
