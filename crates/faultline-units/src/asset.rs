//! Amounts of named assets for the world ledger.
//!
//! A world declares any number of assets, each with its own decimals, so an amount
//! carries its asset with it ([`Amount`]) and arithmetic between two amounts of
//! different assets is an error, not a silent sum. Atoms are `i128`: an 18-decimal
//! asset (ETH, wstETH) holds up to 1.7 × 10²⁰ units, far beyond any supply.
//!
//! Valuations are [`Value`]s: US dollars with 8 decimals, the unit of Aave v3's base
//! currency and of Chainlink's USD feeds. `atoms × price / 10^decimals` overflows
//! `i128` for large 18-decimal amounts, so products go through a 256-bit intermediate
//! ([`mul_div_wide`]) and every division names its rounding.

use crate::fixed::{ArithmeticError, Price, Rounding};
use ethnum::I256;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Atoms per one dollar of [`Value`] (8 decimals, as Aave v3's base currency).
pub const VALUE_SCALE: i128 = 100_000_000;

/// The largest number of decimals an asset may declare.
pub const MAX_DECIMALS: u8 = 24;

/// An asset of the world: a dense index into its asset table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(pub u16);

impl AssetId {
    /// The id as a `Vec` index.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "asset#{}", self.0)
    }
}

/// `a × b / c` with a 256-bit product, so the result only has to fit `i128`. Errors on
/// `c == 0` or a result that does not fit.
#[track_caller]
pub fn mul_div_wide(
    a: i128,
    b: i128,
    c: i128,
    rounding: Rounding,
) -> Result<i128, ArithmeticError> {
    if c == 0 {
        return Err(ArithmeticError::new("division by zero"));
    }
    // Fast path: the product fits in 128 bits (the common case), same rounding.
    if let Some(n) = a.checked_mul(b) {
        if c != -1 || n != i128::MIN {
            let (q, r) = (n / c, n % c);
            if r == 0 {
                return Ok(q);
            }
            let exact_is_negative = (r < 0) != (c < 0);
            return Ok(match (rounding, exact_is_negative) {
                (Rounding::Floor, true) => q - 1,
                (Rounding::Ceil, false) => q + 1,
                _ => q,
            });
        }
    }
    mul_div_256(a, b, c, rounding)
}

/// [`mul_div_wide`] through 256-bit integers throughout.
fn mul_div_256(a: i128, b: i128, c: i128, rounding: Rounding) -> Result<i128, ArithmeticError> {
    let n = I256::from(a) * I256::from(b);
    let d = I256::from(c);
    let q = n / d;
    let r = n % d;
    let q = if r == 0 {
        q
    } else {
        let exact_is_negative = (r < 0) != (d < 0);
        match (rounding, exact_is_negative) {
            (Rounding::Floor, true) => q - 1,
            (Rounding::Ceil, false) => q + 1,
            _ => q,
        }
    };
    i128::try_from(q).map_err(|_| ArithmeticError::new("mul_div_wide result"))
}

/// `10^decimals` as atoms per unit.
#[track_caller]
pub fn scale_of(decimals: u8) -> Result<i128, ArithmeticError> {
    if decimals > MAX_DECIMALS {
        return Err(ArithmeticError::new("asset decimals"));
    }
    Ok(10i128.pow(u32::from(decimals)))
}

/// A non-negative-or-signed count of atoms of one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Amount {
    asset: AssetId,
    atoms: i128,
}

impl Amount {
    /// `atoms` of `asset`.
    pub const fn new(asset: AssetId, atoms: i128) -> Self {
        Self { asset, atoms }
    }
    /// Nothing of `asset`.
    pub const fn zero(asset: AssetId) -> Self {
        Self { asset, atoms: 0 }
    }
    /// The asset.
    pub const fn asset(self) -> AssetId {
        self.asset
    }
    /// The raw count of atoms.
    pub const fn atoms(self) -> i128 {
        self.atoms
    }
    /// True for zero atoms.
    pub const fn is_zero(self) -> bool {
        self.atoms == 0
    }
    /// True for more than zero atoms.
    pub const fn is_positive(self) -> bool {
        self.atoms > 0
    }

    #[track_caller]
    fn same(self, rhs: Self) -> Result<(), ArithmeticError> {
        if self.asset == rhs.asset {
            Ok(())
        } else {
            Err(ArithmeticError::new("amounts of two different assets"))
        }
    }

    /// `self + rhs`; both must be of the same asset.
    #[track_caller]
    pub fn checked_add(self, rhs: Self) -> Result<Self, ArithmeticError> {
        self.same(rhs)?;
        let atoms = self
            .atoms
            .checked_add(rhs.atoms)
            .ok_or_else(|| ArithmeticError::new("amount addition"))?;
        Ok(Self { atoms, ..self })
    }

    /// `self − rhs`; both must be of the same asset.
    #[track_caller]
    pub fn checked_sub(self, rhs: Self) -> Result<Self, ArithmeticError> {
        self.same(rhs)?;
        let atoms = self
            .atoms
            .checked_sub(rhs.atoms)
            .ok_or_else(|| ArithmeticError::new("amount subtraction"))?;
        Ok(Self { atoms, ..self })
    }

    /// The smaller of two amounts of the same asset.
    #[track_caller]
    pub fn min(self, rhs: Self) -> Result<Self, ArithmeticError> {
        self.same(rhs)?;
        Ok(if rhs.atoms < self.atoms { rhs } else { self })
    }

    /// `self × num / den` in the same asset, rounded as named.
    #[track_caller]
    pub fn mul_div(
        self,
        num: i128,
        den: i128,
        rounding: Rounding,
    ) -> Result<Self, ArithmeticError> {
        Ok(Self {
            atoms: mul_div_wide(self.atoms, num, den, rounding)?,
            ..self
        })
    }

    /// What the amount is worth at `price` (dollars per unit, 8 decimals) for an asset
    /// of `decimals` decimals: `atoms × price / 10^decimals`, in [`Value`] atoms.
    #[track_caller]
    pub fn value(
        self,
        price: Price,
        decimals: u8,
        rounding: Rounding,
    ) -> Result<Value, ArithmeticError> {
        // Value and Price share 8 decimals, so the price's scale cancels.
        let v = mul_div_wide(
            self.atoms,
            i128::from(price.atoms()),
            scale_of(decimals)?,
            rounding,
        )?;
        Ok(Value(v))
    }

    /// The amount of `asset` worth `value` at `price`: `value × 10^decimals / price`.
    #[track_caller]
    pub fn for_value(
        asset: AssetId,
        value: Value,
        price: Price,
        decimals: u8,
        rounding: Rounding,
    ) -> Result<Self, ArithmeticError> {
        let atoms = mul_div_wide(
            value.0,
            scale_of(decimals)?,
            i128::from(price.atoms()),
            rounding,
        )?;
        Ok(Self { asset, atoms })
    }

    /// Units as a float, for reports only.
    pub fn to_units_f64(self, decimals: u8) -> f64 {
        self.atoms as f64 / 10f64.powi(i32::from(decimals))
    }
}

/// US dollars, 8 decimals: what amounts are worth at an oracle's price.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Value(pub i128);

impl Value {
    /// Zero dollars.
    pub const ZERO: Self = Self(0);

    /// Whole dollars.
    #[track_caller]
    pub fn from_dollars(d: i128) -> Result<Self, ArithmeticError> {
        d.checked_mul(VALUE_SCALE)
            .map(Self)
            .ok_or_else(|| ArithmeticError::new("value from dollars"))
    }

    /// Dollars as a float, for reports and statistics only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / VALUE_SCALE as f64
    }

    /// From a float number of dollars (input edges only), rounded to the nearest atom.
    #[track_caller]
    pub fn from_f64(x: f64) -> Result<Self, ArithmeticError> {
        let scaled = (x * VALUE_SCALE as f64).round();
        if !scaled.is_finite() || scaled.abs() >= 1.0e37 {
            return Err(ArithmeticError::new("value from f64"));
        }
        #[allow(clippy::cast_possible_truncation)] // range checked just above
        Ok(Self(scaled as i128))
    }

    /// `self + rhs`.
    #[track_caller]
    pub fn checked_add(self, rhs: Self) -> Result<Self, ArithmeticError> {
        self.0
            .checked_add(rhs.0)
            .map(Self)
            .ok_or_else(|| ArithmeticError::new("value addition"))
    }

    /// `self − rhs`.
    #[track_caller]
    pub fn checked_sub(self, rhs: Self) -> Result<Self, ArithmeticError> {
        self.0
            .checked_sub(rhs.0)
            .map(Self)
            .ok_or_else(|| ArithmeticError::new("value subtraction"))
    }

    /// `self × num / den`, rounded as named.
    #[track_caller]
    pub fn mul_div(
        self,
        num: i128,
        den: i128,
        rounding: Rounding,
    ) -> Result<Self, ArithmeticError> {
        mul_div_wide(self.0, num, den, rounding).map(Self)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = VALUE_SCALE.unsigned_abs();
        write!(f, "{sign}{}.{:08}", abs / scale, abs % scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETH: AssetId = AssetId(1);
    const USDC: AssetId = AssetId(0);

    #[test]
    fn amounts_of_different_assets_do_not_add() {
        let a = Amount::new(ETH, 5);
        assert!(a.checked_add(Amount::new(USDC, 1)).is_err());
        assert_eq!(a.checked_add(Amount::new(ETH, 2)).unwrap().atoms(), 7);
        assert!(a.checked_sub(Amount::new(USDC, 1)).is_err());
    }

    #[test]
    fn a_billion_ether_is_valued_without_overflow() {
        // 10⁹ ETH at 18 decimals is 10²⁷ atoms; × a $3,000.00000001 price (3 × 10¹¹
        // price atoms) the product passes i128 but the value fits.
        let big = Amount::new(ETH, 1_000_000_000 * 10i128.pow(18));
        let p = Price::from_atoms(300_000_000_001);
        let v = big.value(p, 18, Rounding::Floor).unwrap();
        assert_eq!(v, Value(300_000_000_001_000_000_000));
        let back = Amount::for_value(ETH, v, p, 18, Rounding::Floor).unwrap();
        assert_eq!(back, big);
    }

    #[test]
    fn valuation_rounds_in_the_named_direction() {
        // 1 atom of a 6-decimal asset at $0.5 is 50 value atoms exactly; at $0.33333333
        // it is 33.333333 → 33 floored, 34 ceiled.
        let a = Amount::new(USDC, 1);
        let p = Price::from_atoms(33_333_333);
        assert_eq!(a.value(p, 6, Rounding::Floor).unwrap(), Value(33));
        assert_eq!(a.value(p, 6, Rounding::Ceil).unwrap(), Value(34));
        assert_eq!(
            mul_div_wide(-7, 1, 2, Rounding::Floor).unwrap(),
            -4,
            "floor goes toward −∞"
        );
        assert_eq!(mul_div_wide(-7, 1, 2, Rounding::Ceil).unwrap(), -3);
        assert!(mul_div_wide(1, 1, 0, Rounding::Floor).is_err());
        // The 128-bit fast path rounds exactly as the 256-bit one, signs and all.
        let values = [
            0,
            1,
            -1,
            2,
            -3,
            7,
            10,
            999_999,
            -1_000_001,
            1 << 40,
            -(1 << 62),
            i128::MAX / 3,
            i128::MIN / 5,
            123_456_789_012_345_678,
            -987_654_321_987_654_321,
        ];
        for &a in &values {
            for &b in &values {
                for &c in values.iter().filter(|&&c| c != 0) {
                    for r in [Rounding::Floor, Rounding::Ceil] {
                        let fast = mul_div_wide(a, b, c, r);
                        let wide = mul_div_256(a, b, c, r);
                        assert_eq!(fast.is_ok(), wide.is_ok(), "{a}·{b}/{c}");
                        if let (Ok(f), Ok(w)) = (fast, wide) {
                            assert_eq!(f, w, "{a}·{b}/{c} {r:?}");
                        }
                    }
                }
            }
        }
        assert!(mul_div_wide(i128::MAX, 4, 1, Rounding::Floor).is_err());
    }

    #[test]
    fn values_print_as_dollars() {
        assert_eq!(Value(-150_000_000).to_string(), "-1.50000000");
        assert_eq!(Value::from_dollars(2).unwrap().to_string(), "2.00000000");
    }
}
