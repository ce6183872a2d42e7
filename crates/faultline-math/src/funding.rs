//! Funding rate and its per-block accrual into a cumulative index.
//!
//! Binance Futures, "Introduction to Binance Futures Funding Rates": the funding rate of
//! one interval is `F = P + clamp(I − P, −0.05%, +0.05%)` with `P` the premium index
//! (`(impact price − index price) / index price`) and `I` the interest rate (0.01% per
//! 8 h). Venues additionally cap `F` (Binance by contract, Hyperliquid at 4% per hour).
//! Longs pay shorts when `F > 0`.
//!
//! The engine accrues `mark × F × block_time / interval` into a cumulative index each
//! block (O(1)), and each position settles the index difference since it last settled;
//! Drift and dYdX v4 keep funding the same way (a per-market cumulative index with a
//! per-position snapshot).

use faultline_units::{
    mul_div, ArithmeticError, FundingIndex, Ppm, Price, Rounding, FUNDING_INDEX_SCALE, PPM_SCALE,
    PRICE_SCALE,
};

/// Parameters of the funding formula, per funding interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingParams {
    /// Interest component per interval (Binance: 0.01% per 8 h).
    pub interest_rate: Ppm,
    /// Clamp on `I − P` (Binance: 0.05%).
    pub premium_clamp: Ppm,
    /// Absolute cap on the resulting rate per interval.
    pub rate_cap: Ppm,
    /// Interval length in milliseconds (Binance: 8 h; Hyperliquid: 1 h).
    pub interval_ms: u64,
}

/// Premium of the venue's traded price over the oracle (index) price, `(venue − index) / index`.
pub fn premium_index(venue_price: Price, index_price: Price) -> Result<Ppm, ArithmeticError> {
    let diff = venue_price.checked_sub(index_price)?;
    diff.ratio_to(index_price, Rounding::Floor)
}

/// The funding rate for one interval, `clamp(P + clamp(I − P, ±c), ±cap)`.
pub fn funding_rate(premium: Ppm, params: &FundingParams) -> Result<Ppm, ArithmeticError> {
    let c = params.premium_clamp.abs();
    let adj = params
        .interest_rate
        .checked_sub(premium)?
        .clamp(c.checked_neg()?, c);
    let cap = params.rate_cap.abs();
    Ok(premium.checked_add(adj)?.clamp(cap.checked_neg()?, cap))
}

/// Index increment for one block: `mark × rate × block_time / interval`. Rounded toward
/// positive infinity: longs pay a rounded-up amount when the rate is positive, and
/// shorts, who pay when it is negative, settle against their own rounding at the
/// position level, so the index itself only needs one fixed direction.
pub fn index_increment(
    mark: Price,
    rate_per_interval: Ppm,
    block_time_ms: u64,
    interval_ms: u64,
) -> Result<FundingIndex, ArithmeticError> {
    // price atoms (1e-8) × rate atoms (1e-6) = 1e-14 quote per base; index atoms are 1e-12.
    let unit = i128::from(PRICE_SCALE) * i128::from(PPM_SCALE) / FUNDING_INDEX_SCALE;
    let numerator = i128::from(mark.atoms())
        .checked_mul(i128::from(rate_per_interval.atoms()))
        .ok_or_else(|| ArithmeticError::new("funding increment"))?;
    let denominator = i128::from(interval_ms.max(1)) * unit;
    mul_div(
        numerator,
        i128::from(block_time_ms),
        denominator,
        Rounding::Ceil,
    )
    .map(FundingIndex::from_atoms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binance() -> FundingParams {
        FundingParams {
            interest_rate: Ppm::from_bps(1),
            premium_clamp: Ppm::from_bps(5),
            rate_cap: Ppm::from_bps(75),
            interval_ms: 8 * 3_600_000,
        }
    }

    /// Binance's worked cases: a premium inside ±0.05% of the interest rate gives exactly
    /// the interest rate (0.01%); a larger premium passes through less the clamp.
    #[test]
    fn binance_funding_rate_formula() {
        let p = binance();
        assert_eq!(
            funding_rate(Ppm::from_bps(3), &p).unwrap(),
            Ppm::from_bps(1)
        );
        assert_eq!(
            funding_rate(Ppm::from_bps(-2), &p).unwrap(),
            Ppm::from_bps(1)
        );
        assert_eq!(
            funding_rate(Ppm::from_bps(20), &p).unwrap(),
            Ppm::from_bps(15)
        );
        assert_eq!(
            funding_rate(Ppm::from_bps(-20), &p).unwrap(),
            Ppm::from_bps(-15)
        );
        assert_eq!(
            funding_rate(Ppm::from_bps(500), &p).unwrap(),
            Ppm::from_bps(75)
        );
    }

    #[test]
    fn premium_is_relative_to_index() {
        let venue = Price::from_units(101).unwrap();
        let index = Price::from_units(100).unwrap();
        assert_eq!(premium_index(venue, index).unwrap(), Ppm::from_bps(100));
    }

    #[test]
    fn one_interval_of_blocks_accrues_the_interval_rate() {
        let mark = Price::from_units(50_000).unwrap();
        let inc = index_increment(mark, Ppm::from_bps(1), 3_600_000, 8 * 3_600_000).unwrap();
        // 8 hourly blocks of 0.01%/8h at 50,000 accrue 5 quote per base.
        let total = (0..8).fold(FundingIndex::ZERO, |acc, _| acc.checked_add(inc).unwrap());
        assert_eq!(
            total,
            FundingIndex::increment(mark, Ppm::from_bps(1), Rounding::Ceil).unwrap()
        );
    }
}
