//! Fixed-point newtypes and checked, direction-named arithmetic.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::panic::Location;

/// Quote atoms per one unit of quote (USD-like, 6 decimals as USDC).
pub const QUOTE_SCALE: i64 = 1_000_000;
/// Base atoms per one unit of base (8 decimals as BTC).
pub const BASE_SCALE: i64 = 100_000_000;
/// Price atoms per one quote-per-base (8 decimals, so sub-cent assets keep precision).
pub const PRICE_SCALE: i64 = 100_000_000;
/// Parts per million: `PPM_SCALE` is a ratio of one.
pub const PPM_SCALE: i64 = 1_000_000;
/// Funding index atoms per one quote-per-base.
pub const FUNDING_INDEX_SCALE: i128 = 1_000_000_000_000;

/// `base atoms × price atoms / NOTIONAL_DIVISOR = quote atoms`.
const NOTIONAL_DIVISOR: i128 = (BASE_SCALE as i128) * (PRICE_SCALE as i128) / (QUOTE_SCALE as i128);
/// `base atoms × index atoms / FUNDING_DIVISOR = quote atoms`.
const FUNDING_DIVISOR: i128 = (BASE_SCALE as i128) * FUNDING_INDEX_SCALE / (QUOTE_SCALE as i128);

/// The direction a division rounds in. Chosen against the account at every call site:
/// credits to an account round [`Rounding::Floor`], debits round [`Rounding::Ceil`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceil,
}

/// An arithmetic operation overflowed or divided by zero. Carries the caller's location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArithmeticError {
    /// What was being computed.
    pub op: &'static str,
    /// Where the checked helper was called from.
    pub location: &'static Location<'static>,
}

impl fmt::Display for ArithmeticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fixed-point {} overflowed at {}", self.op, self.location)
    }
}

impl std::error::Error for ArithmeticError {}

impl ArithmeticError {
    /// An error for `op`, located at the caller.
    #[track_caller]
    pub fn new(op: &'static str) -> Self {
        Self {
            op,
            location: Location::caller(),
        }
    }
}

/// `a × b / c` computed in `i128` with the named rounding. Errors on overflow or `c == 0`.
#[track_caller]
pub fn mul_div(a: i128, b: i128, c: i128, rounding: Rounding) -> Result<i128, ArithmeticError> {
    let product = a
        .checked_mul(b)
        .ok_or_else(|| ArithmeticError::new("mul_div product"))?;
    div_round(product, c, rounding)
}

#[track_caller]
fn div_round(n: i128, d: i128, rounding: Rounding) -> Result<i128, ArithmeticError> {
    if d == 0 {
        return Err(ArithmeticError::new("division by zero"));
    }
    let q = n
        .checked_div(d)
        .ok_or_else(|| ArithmeticError::new("division"))?;
    let r = n % d;
    if r == 0 {
        return Ok(q);
    }
    // Truncation went toward zero; adjust when the exact quotient lies on the other side.
    let exact_is_negative = (r < 0) != (d < 0);
    Ok(match (rounding, exact_is_negative) {
        (Rounding::Floor, true) => q - 1,
        (Rounding::Ceil, false) => q + 1,
        _ => q,
    })
}

#[track_caller]
fn narrow(v: i128, op: &'static str) -> Result<i64, ArithmeticError> {
    i64::try_from(v).map_err(|_| ArithmeticError::new(op))
}

#[track_caller]
fn from_f64_scaled(x: f64, scale: i64, op: &'static str) -> Result<i64, ArithmeticError> {
    let scaled = (x * scale as f64).round();
    // i64::MAX as f64 rounds up to 2^63, so compare with a strict bound.
    if !scaled.is_finite() || scaled >= 9.2e18 || scaled <= -9.2e18 {
        return Err(ArithmeticError::new(op));
    }
    #[allow(clippy::cast_possible_truncation)] // range checked just above
    Ok(scaled as i64)
}

fn fmt_fixed(f: &mut fmt::Formatter<'_>, atoms: i128, scale: i128, decimals: usize) -> fmt::Result {
    let sign = if atoms < 0 { "-" } else { "" };
    let abs = atoms.unsigned_abs();
    let scale = scale.unsigned_abs();
    write!(f, "{sign}{}.{:0decimals$}", abs / scale, abs % scale)
}

macro_rules! fixed_type {
    ($(#[$doc:meta])* $name:ident, $scale:expr, $decimals:expr) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// Exactly one unit.
            pub const ONE: Self = Self($scale);
            /// Atoms per unit.
            pub const SCALE: i64 = $scale;

            /// From a raw count of atoms.
            pub const fn from_atoms(atoms: i64) -> Self {
                Self(atoms)
            }
            /// The raw count of atoms.
            pub const fn atoms(self) -> i64 {
                self.0
            }
            /// From whole units, checked.
            #[track_caller]
            pub fn from_units(units: i64) -> Result<Self, ArithmeticError> {
                units.checked_mul($scale).map(Self).ok_or_else(|| ArithmeticError::new(concat!(stringify!($name), "::from_units")))
            }
            /// From a float, rounded to the nearest atom. The one float → fixed entry point.
            #[track_caller]
            pub fn from_f64(x: f64) -> Result<Self, ArithmeticError> {
                from_f64_scaled(x, $scale, concat!(stringify!($name), "::from_f64")).map(Self)
            }
            /// To a float, for statistics and reports only.
            #[allow(clippy::cast_precision_loss)] // reporting only
            pub fn to_f64(self) -> f64 {
                self.0 as f64 / $scale as f64
            }
            /// Checked addition.
            #[track_caller]
            pub fn checked_add(self, rhs: Self) -> Result<Self, ArithmeticError> {
                self.0.checked_add(rhs.0).map(Self).ok_or_else(|| ArithmeticError::new(concat!(stringify!($name), " add")))
            }
            /// Checked subtraction.
            #[track_caller]
            pub fn checked_sub(self, rhs: Self) -> Result<Self, ArithmeticError> {
                self.0.checked_sub(rhs.0).map(Self).ok_or_else(|| ArithmeticError::new(concat!(stringify!($name), " sub")))
            }
            /// Checked negation.
            #[track_caller]
            pub fn checked_neg(self) -> Result<Self, ArithmeticError> {
                self.0.checked_neg().map(Self).ok_or_else(|| ArithmeticError::new(concat!(stringify!($name), " neg")))
            }
            /// Absolute value (saturating at `i64::MAX`, which no valid amount reaches).
            pub fn abs(self) -> Self {
                Self(self.0.saturating_abs())
            }
            /// True if strictly above zero.
            pub fn is_positive(self) -> bool {
                self.0 > 0
            }
            /// True if strictly below zero.
            pub fn is_negative(self) -> bool {
                self.0 < 0
            }
            /// True if zero.
            pub fn is_zero(self) -> bool {
                self.0 == 0
            }
            /// The sign as -1, 0 or 1.
            pub fn signum(self) -> i64 {
                self.0.signum()
            }
            /// `self × ratio`, rounded as named.
            #[track_caller]
            pub fn mul_ppm(self, ratio: Ppm, rounding: Rounding) -> Result<Self, ArithmeticError> {
                let v = mul_div(i128::from(self.0), i128::from(ratio.atoms()), i128::from(PPM_SCALE), rounding)?;
                narrow(v, concat!(stringify!($name), "::mul_ppm")).map(Self)
            }
            /// `self × num / den`, rounded as named (for pro-rata shares).
            #[track_caller]
            pub fn mul_div(self, num: i128, den: i128, rounding: Rounding) -> Result<Self, ArithmeticError> {
                let v = mul_div(i128::from(self.0), num, den, rounding)?;
                narrow(v, concat!(stringify!($name), "::mul_div")).map(Self)
            }
            /// `self / other` as a ratio in ppm, rounded as named.
            #[track_caller]
            pub fn ratio_to(self, other: Self, rounding: Rounding) -> Result<Ppm, ArithmeticError> {
                let v = mul_div(i128::from(self.0), i128::from(PPM_SCALE), i128::from(other.0), rounding)?;
                narrow(v, "ratio_to").map(Ppm)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_fixed(f, i128::from(self.0), i128::from($scale), $decimals)
            }
        }
    };
}

fixed_type!(
    /// An amount of the quote asset (collateral, PnL, fees), signed. 1 atom = 10⁻⁶.
    Quote,
    QUOTE_SCALE,
    6
);
fixed_type!(
    /// A quantity of a market's base asset, signed: long positive, short negative. 1 atom = 10⁻⁸.
    Base,
    BASE_SCALE,
    8
);
fixed_type!(
    /// A price in quote per one base. 1 atom = 10⁻⁸. Valid prices are ≥ 0.
    Price,
    PRICE_SCALE,
    8
);
fixed_type!(
    /// A dimensionless ratio in parts per million, signed (1% = 10,000 ppm).
    Ppm,
    PPM_SCALE,
    6
);

impl Base {
    /// Signed notional value `self × price` in quote, rounded as named.
    #[track_caller]
    pub fn notional(self, price: Price, rounding: Rounding) -> Result<Quote, ArithmeticError> {
        let v = mul_div(
            i128::from(self.0),
            i128::from(price.0),
            NOTIONAL_DIVISOR,
            rounding,
        )?;
        narrow(v, "Base::notional").map(Quote)
    }

    /// The base quantity worth `quote` at `price`, rounded as named.
    #[track_caller]
    pub fn from_quote(
        quote: Quote,
        price: Price,
        rounding: Rounding,
    ) -> Result<Self, ArithmeticError> {
        let v = mul_div(
            i128::from(quote.0),
            NOTIONAL_DIVISOR,
            i128::from(price.0),
            rounding,
        )?;
        narrow(v, "Base::from_quote").map(Self)
    }

    /// Funding owed by this position between two index values: positive means the
    /// position pays. `(index_now - index_then) × self`, rounded as named.
    #[track_caller]
    pub fn funding_owed(
        self,
        index_then: FundingIndex,
        index_now: FundingIndex,
        rounding: Rounding,
    ) -> Result<Quote, ArithmeticError> {
        let delta = index_now
            .0
            .checked_sub(index_then.0)
            .ok_or_else(|| ArithmeticError::new("funding delta"))?;
        let v = mul_div(i128::from(self.0), delta, FUNDING_DIVISOR, rounding)?;
        narrow(v, "Base::funding_owed").map(Quote)
    }
}

impl Price {
    /// The price at which `base` is worth `quote`: `quote / base`, rounded as named.
    #[track_caller]
    pub fn from_ratio(
        quote: Quote,
        base: Base,
        rounding: Rounding,
    ) -> Result<Self, ArithmeticError> {
        let v = mul_div(
            i128::from(quote.0),
            NOTIONAL_DIVISOR,
            i128::from(base.0),
            rounding,
        )?;
        narrow(v, "Price::from_ratio").map(Self)
    }
}

impl Ppm {
    /// A ratio from a fraction given as a float (0.01 → 10,000 ppm).
    #[track_caller]
    pub fn from_fraction(x: f64) -> Result<Self, ArithmeticError> {
        Self::from_f64(x)
    }
    /// From a count of basis points.
    pub const fn from_bps(bps: i64) -> Self {
        Self(bps * 100)
    }
}

/// Cumulative funding per one base, in quote, with 12 decimals. The index only grows by
/// per-block increments, so funding costs O(1) per block and is settled per position
/// lazily from the difference of two index values.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct FundingIndex(i128);

impl FundingIndex {
    /// The index at market creation.
    pub const ZERO: Self = Self(0);

    /// From raw atoms.
    pub const fn from_atoms(atoms: i128) -> Self {
        Self(atoms)
    }
    /// Raw atoms.
    pub const fn atoms(self) -> i128 {
        self.0
    }
    /// The increment for one period: `price × rate`, in index atoms, rounded as named.
    #[track_caller]
    pub fn increment(price: Price, rate: Ppm, rounding: Rounding) -> Result<Self, ArithmeticError> {
        // price atoms (1e-8) × rate (1e-6) → 1e-14; index atoms are 1e-12.
        let scale = i128::from(PRICE_SCALE) * i128::from(PPM_SCALE) / FUNDING_INDEX_SCALE;
        mul_div(i128::from(price.0), i128::from(rate.0), scale, rounding).map(Self)
    }
    /// Checked addition.
    #[track_caller]
    pub fn checked_add(self, rhs: Self) -> Result<Self, ArithmeticError> {
        self.0
            .checked_add(rhs.0)
            .map(Self)
            .ok_or_else(|| ArithmeticError::new("FundingIndex add"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_div_rounds_in_the_named_direction_for_both_signs() {
        assert_eq!(mul_div(7, 1, 2, Rounding::Floor), Ok(3));
        assert_eq!(mul_div(7, 1, 2, Rounding::Ceil), Ok(4));
        assert_eq!(mul_div(-7, 1, 2, Rounding::Floor), Ok(-4));
        assert_eq!(mul_div(-7, 1, 2, Rounding::Ceil), Ok(-3));
        assert_eq!(mul_div(7, 1, -2, Rounding::Floor), Ok(-4));
        assert_eq!(mul_div(6, 1, 2, Rounding::Ceil), Ok(3));
    }

    #[test]
    fn division_by_zero_and_overflow_are_errors_with_a_location() {
        let err = mul_div(1, 1, 0, Rounding::Floor).unwrap_err();
        assert!(err.location.file().ends_with("fixed.rs"));
        assert!(mul_div(i128::MAX, 2, 1, Rounding::Floor).is_err());
        assert!(Quote::from_atoms(i64::MAX)
            .checked_add(Quote::from_atoms(1))
            .is_err());
        assert!(Quote::from_f64(f64::NAN).is_err());
        assert!(Quote::from_f64(1e30).is_err());
    }

    #[test]
    fn notional_of_one_btc_at_100k_is_100k_quote() {
        let q = Base::from_units(1).unwrap();
        let p = Price::from_units(100_000).unwrap();
        assert_eq!(
            q.notional(p, Rounding::Floor).unwrap(),
            Quote::from_units(100_000).unwrap()
        );
        let short = q.checked_neg().unwrap();
        assert_eq!(
            short.notional(p, Rounding::Floor).unwrap(),
            Quote::from_units(-100_000).unwrap()
        );
    }

    #[test]
    fn notional_rounding_goes_against_the_account() {
        // 1 base atom at 0.5 quote: 0.5e-8 quote, below one quote atom.
        let q = Base::from_atoms(1);
        let p = Price::from_f64(0.5).unwrap();
        assert_eq!(q.notional(p, Rounding::Floor).unwrap(), Quote::ZERO);
        assert_eq!(q.notional(p, Rounding::Ceil).unwrap(), Quote::from_atoms(1));
    }

    #[test]
    fn price_and_base_round_trip_through_quote() {
        let p = Price::from_ratio(
            Quote::from_units(250).unwrap(),
            Base::from_units(2).unwrap(),
            Rounding::Floor,
        )
        .unwrap();
        assert_eq!(p, Price::from_f64(125.0).unwrap());
        let b = Base::from_quote(Quote::from_units(250).unwrap(), p, Rounding::Floor).unwrap();
        assert_eq!(b, Base::from_units(2).unwrap());
    }

    #[test]
    fn funding_index_settles_eight_hours_of_one_basis_point() {
        // 0.01% per period at price 50,000 → 5 quote per base per period.
        let inc = FundingIndex::increment(
            Price::from_units(50_000).unwrap(),
            Ppm::from_bps(1),
            Rounding::Ceil,
        )
        .unwrap();
        let idx = FundingIndex::ZERO.checked_add(inc).unwrap();
        let owed = Base::from_units(2)
            .unwrap()
            .funding_owed(FundingIndex::ZERO, idx, Rounding::Ceil)
            .unwrap();
        assert_eq!(owed, Quote::from_units(10).unwrap());
        let received = Base::from_units(-2)
            .unwrap()
            .funding_owed(FundingIndex::ZERO, idx, Rounding::Floor)
            .unwrap();
        assert_eq!(received, Quote::from_units(-10).unwrap());
    }

    #[test]
    fn display_is_exact_decimal() {
        assert_eq!(Quote::from_atoms(-1_500_001).to_string(), "-1.500001");
        assert_eq!(Price::from_atoms(12_345).to_string(), "0.00012345");
        assert_eq!(Ppm::from_bps(50).to_string(), "0.005000");
    }
}
