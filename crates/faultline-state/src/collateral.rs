//! Collateral other than the quote asset: multi-asset margin with haircuts.
//!
//! An account may post assets besides the quote (a stablecoin, a liquid-staking token).
//! Each counts toward its cross group's equity at its oracle price times
//! `1 − haircut`, the way Drift's spot deposits count toward "total collateral" at
//! oracle value × asset weight and Binance's multi-assets mode counts them at a
//! collateral ratio below one. Isolated positions are margined in quote only.
//!
//! When a cross group is liquidated, its collateral is **seized first**: the account is
//! credited its haircut value in quote (so seizure leaves the margin check unchanged)
//! from a per-asset conversion pot, which goes negative; the asset waits in the venue's
//! inventory until it is sold. The sale's proceeds enter the conversion pot; once the
//! inventory is gone, a surplus (the haircut exceeded the slippage) goes to the
//! insurance fund and a deficit is paid by it, the rest recorded as bad debt. A depeg of
//! the collateral therefore bites twice: accounts lose margin as its price falls, and
//! the venue loses when it sells what it seized into a falling market.
//!
//! The insurance fund may hold a **reserve** in such assets: when a loss exceeds the
//! fund's quote, reserve is drawn at its haircut value (the same conversion pot, the
//! same sale and settlement), so a reserve in a depegged stablecoin covers what its
//! market pays for it, not what it was counted at.
//!
//! Amounts are integer atoms of the asset (`10^decimals` per unit), so the world's
//! ledger and the venue's holdings agree to the atom.

use faultline_units::{mul_div_wide, AccountId, ArithmeticError, Ppm, Price, Quote, Rounding};
use std::collections::BTreeMap;

/// One collateral asset the venue accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollateralAsset {
    /// Its name (the world asset's).
    pub name: String,
    /// Atoms per unit, `10^decimals`.
    pub scale: i128,
    /// Current oracle price in quote.
    pub price: Price,
    /// Share of its value not counted as margin (and not credited when seized).
    pub haircut: Ppm,
    /// Atoms seized from liquidated accounts (or drawn from the reserve) and not yet sold.
    pub seized: i128,
    /// Atoms held by the insurance fund as its reserve.
    pub reserve: i128,
}

impl CollateralAsset {
    /// `atoms × price × (1 − haircut)` in quote, rounded down (margin is never overstated).
    pub fn haircut_value(&self, atoms: i128) -> Result<Quote, ArithmeticError> {
        let kept = i128::from(Ppm::ONE.atoms() - self.haircut.atoms());
        // atoms/scale × price_atoms/10⁸ × 10⁶ × kept/10⁶ quote atoms.
        let v = mul_div_wide(
            atoms,
            i128::from(self.price.atoms()) * kept,
            self.scale * 100 * i128::from(Ppm::ONE.atoms()),
            Rounding::Floor,
        )?;
        i64::try_from(v)
            .map(Quote::from_atoms)
            .map_err(|_| ArithmeticError::new("collateral value"))
    }

    /// The fewest atoms whose haircut value is at least `value`.
    pub fn atoms_covering(&self, value: Quote) -> Result<i128, ArithmeticError> {
        let atoms = self.atoms_for(value)?;
        Ok(if self.haircut_value(atoms)? < value {
            atoms + 1
        } else {
            atoms
        })
    }

    /// The atoms whose haircut value is at most `value` (rounded down).
    pub fn atoms_for(&self, value: Quote) -> Result<i128, ArithmeticError> {
        let kept = i128::from(Ppm::ONE.atoms() - self.haircut.atoms());
        let per = i128::from(self.price.atoms()) * kept;
        if per <= 0 {
            return Err(ArithmeticError::new("collateral priced at zero"));
        }
        mul_div_wide(
            i128::from(value.atoms()),
            self.scale * 100 * i128::from(Ppm::ONE.atoms()),
            per,
            Rounding::Floor,
        )
    }
}

/// The venue's non-quote collateral: the accepted assets and what each account holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollateralBook {
    /// Accepted assets, by index.
    pub assets: Vec<CollateralAsset>,
    /// Atoms each account holds of each asset (only accounts that hold any).
    holdings: BTreeMap<AccountId, Vec<i128>>,
}

impl CollateralBook {
    /// True when no account holds anything (the common, quote-only venue).
    pub fn is_empty(&self) -> bool {
        self.holdings.is_empty()
    }

    /// Atoms of asset `k` held by `account`.
    pub fn holding(&self, account: AccountId, k: usize) -> i128 {
        self.holdings
            .get(&account)
            .and_then(|h| h.get(k))
            .copied()
            .unwrap_or(0)
    }

    /// Haircut value of everything `account` holds.
    pub fn account_value(&self, account: AccountId) -> Result<Quote, ArithmeticError> {
        let Some(h) = self.holdings.get(&account) else {
            return Ok(Quote::ZERO);
        };
        let mut total = Quote::ZERO;
        for (asset, &atoms) in self.assets.iter().zip(h) {
            if atoms != 0 {
                total = total.checked_add(asset.haircut_value(atoms)?)?;
            }
        }
        Ok(total)
    }

    /// Add `atoms` (≥ 0) of asset `k` to `account`'s holdings.
    pub(crate) fn post(&mut self, account: AccountId, k: usize, atoms: i128) {
        let n = self.assets.len();
        let h = self.holdings.entry(account).or_default();
        h.resize(n.max(h.len()), 0);
        h[k] += atoms;
    }

    /// Take everything `account` holds: `(asset, atoms)` for each non-zero holding,
    /// moved to the seized inventory.
    pub(crate) fn take_all(&mut self, account: AccountId) -> Vec<(usize, i128)> {
        let Some(h) = self.holdings.remove(&account) else {
            return Vec::new();
        };
        let taken: Vec<(usize, i128)> =
            h.into_iter().enumerate().filter(|&(_, a)| a != 0).collect();
        for &(k, atoms) in &taken {
            self.assets[k].seized += atoms;
        }
        taken
    }

    /// Accounts holding asset `k`, in id order.
    pub fn holders(&self, k: usize) -> impl Iterator<Item = AccountId> + '_ {
        self.holdings
            .iter()
            .filter(move |(_, h)| h.get(k).is_some_and(|&a| a != 0))
            .map(|(&id, _)| id)
    }

    /// Everything the venue holds of asset `k`: accounts' holdings, seized inventory and
    /// the fund's reserve.
    pub fn held(&self, k: usize) -> i128 {
        let a = &self.assets[k];
        let held: i128 = self.holdings.values().filter_map(|h| h.get(k)).sum();
        held + a.seized + a.reserve
    }

    /// Haircut value of the insurance fund's reserve.
    pub fn reserve_value(&self) -> Result<Quote, ArithmeticError> {
        let mut total = Quote::ZERO;
        for a in self.assets.iter().filter(|a| a.reserve > 0) {
            total = total.checked_add(a.haircut_value(a.reserve)?)?;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fusd() -> CollateralAsset {
        CollateralAsset {
            name: "FUSD".into(),
            scale: 10i128.pow(18),
            price: Price::from_atoms(100_000_000),
            haircut: Ppm::from_atoms(50_000),
            seized: 0,
            reserve: 0,
        }
    }

    #[test]
    fn value_is_price_times_one_minus_haircut_rounded_down() {
        let a = fusd();
        // 1,000 FUSD at $1 with a 5% haircut: $950.
        let v = a.haircut_value(1_000 * 10i128.pow(18)).unwrap();
        assert_eq!(v, Quote::from_atoms(950_000_000));
        // One atom is worth less than a quote atom: rounds to zero, never up.
        assert_eq!(a.haircut_value(1).unwrap(), Quote::ZERO);
        // atoms_for inverts it from below, atoms_covering from above.
        let atoms = a.atoms_for(Quote::from_atoms(950_000_000)).unwrap();
        assert_eq!(atoms, 1_000 * 10i128.pow(18));
        let odd = Quote::from_atoms(950_000_001);
        let under = a.atoms_for(odd).unwrap();
        let over = a.atoms_covering(odd).unwrap();
        assert!(a.haircut_value(under).unwrap() <= odd);
        assert!(a.haircut_value(over).unwrap() >= odd);
        assert_eq!(over, under + 1);
        let b = CollateralAsset {
            price: Price::from_atoms(90_000_000),
            ..fusd()
        };
        assert_eq!(
            b.haircut_value(1_000 * 10i128.pow(18)).unwrap(),
            Quote::from_atoms(855_000_000)
        );
    }

    #[test]
    fn seizure_moves_holdings_to_inventory_and_keeps_the_total() {
        let mut book = CollateralBook {
            assets: vec![fusd()],
            ..CollateralBook::default()
        };
        book.post(AccountId(3), 0, 500);
        book.post(AccountId(1), 0, 200);
        assert_eq!(
            book.holders(0).collect::<Vec<_>>(),
            [AccountId(1), AccountId(3)]
        );
        assert_eq!(book.held(0), 700);
        assert_eq!(book.take_all(AccountId(3)), [(0, 500)]);
        assert_eq!(book.holding(AccountId(3), 0), 0);
        assert_eq!(book.assets[0].seized, 500);
        assert_eq!(book.held(0), 700);
        assert!(book.take_all(AccountId(3)).is_empty());
    }
}
