//! Units and identifiers: the bottom of the Faultline stack.
//!
//! Money is integer fixed-point and the unit lives in the type, so a price can never be
//! added to a quantity by accident:
//!
//! | type | meaning | one atom |
//! |------|---------|----------|
//! | [`Quote`] | an amount of the quote asset (USD-like), signed | 10⁻⁶ |
//! | [`Base`] | a quantity of a market's base asset, signed (long > 0) | 10⁻⁸ |
//! | [`Price`] | quote per one base, non-negative | 10⁻⁸ |
//! | [`Ppm`] | a dimensionless ratio in parts per million, signed | 10⁻⁶ |
//! | [`FundingIndex`] | cumulative funding, quote per one base | 10⁻¹² |
//! | [`Amount`] | atoms of a named asset of the world, the asset carried with it | 10⁻ᵈᵉᶜⁱᵐᵃˡˢ |
//! | [`Value`] | US dollars (a world's base currency, as Aave v3's) | 10⁻⁸ |
//!
//! Every operation that can overflow is checked and returns [`ArithmeticError`], which
//! records the caller's source location (`#[track_caller]`, as drift's `SafeMath` does).
//! Every operation that must round names its direction. The convention used across
//! the engine is **rounding against the account**: anything credited to an account is
//! rounded down (floor), anything debited is rounded up (ceil), so rounding dust always
//! stays with the venue and the books still balance to the last atom.
//!
//! Floats appear only at the edges (scenario input, statistics); the conversions
//! `from_f64` / `to_f64` are the single place where the two worlds meet.
#![forbid(unsafe_code)]

mod asset;
mod fixed;
mod ids;

pub use asset::{mul_div_wide, scale_of, Amount, AssetId, Value, MAX_DECIMALS, VALUE_SCALE};
pub use fixed::{
    mul_div, ArithmeticError, Base, FundingIndex, Ppm, Price, Quote, Rounding, BASE_SCALE,
    FUNDING_INDEX_SCALE, PPM_SCALE, PRICE_SCALE, QUOTE_SCALE,
};
pub use ids::{AccountId, Block, MarketId};
