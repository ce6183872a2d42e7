//! Tiered initial and maintenance margin.
//!
//! Both Hyperliquid and Binance publish margin as brackets of position notional. Inside
//! bracket *k* the maintenance requirement is linear with a deduction that keeps it
//! continuous across bracket boundaries:
//!
//! ```text
//! MM(n) = n × mmr_k − deduction_k
//! deduction_0 = 0
//! deduction_k = deduction_{k-1} + floor_k × (mmr_k − mmr_{k-1})
//! ```
//!
//! Sources: Hyperliquid docs, "Trading → Margin tiers" (`maintenance_deduction_i =
//! maintenance_deduction_{i-1} + notional_lower_bound_i × (mmr_i − mmr_{i-1})`, with
//! `mmr_i` half of the initial margin rate at the tier's maximum leverage), and Binance
//! Futures, "Leverage and Margin of USDⓈ-M Futures" (`Maintenance Margin = Notional ×
//! Maintenance Margin Rate − Maintenance Amount`, the maintenance amount built the same
//! way). Initial margin is `n / leverage` with the leverage capped by the bracket's
//! maximum, so it is always at least the bracket's initial rate.

use faultline_units::{ArithmeticError, Ppm, Quote, Rounding, PPM_SCALE};
use thiserror::Error;

/// A bracket as a user writes it: where it starts, its maximum leverage and (optionally)
/// its maintenance rate. Without a rate, Hyperliquid's rule applies: half the initial
/// rate at maximum leverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierSpec {
    /// Lower bound of position notional covered by the bracket (inclusive).
    pub notional_floor: Quote,
    /// Maximum leverage, as a ratio (20× = 20,000,000 ppm).
    pub max_leverage: Ppm,
    /// Maintenance margin rate; `None` means `1 / (2 × max_leverage)`.
    pub maintenance_rate: Option<Ppm>,
}

/// A validated bracket with its derived rates and deduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarginTier {
    /// Lower bound of position notional (inclusive).
    pub notional_floor: Quote,
    /// Maximum leverage.
    pub max_leverage: Ppm,
    /// Initial margin rate at maximum leverage, `1 / max_leverage`, rounded up.
    pub initial_rate: Ppm,
    /// Maintenance margin rate.
    pub maintenance_rate: Ppm,
    /// Maintenance deduction (Binance: "maintenance amount").
    pub maintenance_deduction: Quote,
}

/// Why a margin schedule is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarginError {
    /// No tiers were given.
    #[error("a margin schedule needs at least one tier")]
    Empty,
    /// The first tier must start at notional zero.
    #[error("the first margin tier must start at notional 0, not {0}")]
    FirstFloorNotZero(Quote),
    /// Floors must strictly increase.
    #[error("margin tier {index} starts at {floor}, not above the previous tier's floor")]
    FloorsNotIncreasing { index: usize, floor: Quote },
    /// Leverage must be at least 1× and must not rise with size.
    #[error("margin tier {index}: max leverage {leverage} must be ≥ 1 and not above the previous tier's")]
    BadLeverage { index: usize, leverage: Ppm },
    /// Maintenance rate must be positive, below the initial rate and not fall with size.
    #[error("margin tier {index}: maintenance rate {rate} must be > 0, below the initial rate {initial} and not below the previous tier's")]
    BadMaintenanceRate {
        index: usize,
        rate: Ppm,
        initial: Ppm,
    },
    /// Fixed-point overflow while deriving the schedule.
    #[error(transparent)]
    Arithmetic(#[from] ArithmeticError),
}

/// A validated, tiered margin schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarginSchedule {
    tiers: Vec<MarginTier>,
}

impl MarginSchedule {
    /// A single bracket with flat rates.
    pub fn flat(max_leverage: Ppm, maintenance_rate: Option<Ppm>) -> Result<Self, MarginError> {
        Self::new(&[TierSpec {
            notional_floor: Quote::ZERO,
            max_leverage,
            maintenance_rate,
        }])
    }

    /// Validate brackets and derive their rates and deductions.
    pub fn new(specs: &[TierSpec]) -> Result<Self, MarginError> {
        let first = specs.first().ok_or(MarginError::Empty)?;
        if !first.notional_floor.is_zero() {
            return Err(MarginError::FirstFloorNotZero(first.notional_floor));
        }
        let mut tiers: Vec<MarginTier> = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let prev = tiers.last();
            if let Some(prev) = prev {
                if spec.notional_floor <= prev.notional_floor {
                    return Err(MarginError::FloorsNotIncreasing {
                        index,
                        floor: spec.notional_floor,
                    });
                }
            }
            if spec.max_leverage < Ppm::ONE
                || prev.is_some_and(|p| spec.max_leverage > p.max_leverage)
            {
                return Err(MarginError::BadLeverage {
                    index,
                    leverage: spec.max_leverage,
                });
            }
            let initial_rate = reciprocal(spec.max_leverage, Rounding::Ceil)?;
            let maintenance_rate = match spec.maintenance_rate {
                Some(rate) => rate,
                None => reciprocal(
                    spec.max_leverage.mul_div(2, 1, Rounding::Floor)?,
                    Rounding::Ceil,
                )?,
            };
            let falls = prev.is_some_and(|p| maintenance_rate < p.maintenance_rate);
            if !maintenance_rate.is_positive() || maintenance_rate >= initial_rate || falls {
                return Err(MarginError::BadMaintenanceRate {
                    index,
                    rate: maintenance_rate,
                    initial: initial_rate,
                });
            }
            let maintenance_deduction = match prev {
                None => Quote::ZERO,
                Some(p) => {
                    let step = maintenance_rate.checked_sub(p.maintenance_rate)?;
                    // The deduction lowers a requirement, so it rounds down (against the account).
                    p.maintenance_deduction
                        .checked_add(spec.notional_floor.mul_ppm(step, Rounding::Floor)?)?
                }
            };
            tiers.push(MarginTier {
                notional_floor: spec.notional_floor,
                max_leverage: spec.max_leverage,
                initial_rate,
                maintenance_rate,
                maintenance_deduction,
            });
        }
        Ok(Self { tiers })
    }

    /// All tiers, lowest first.
    pub fn tiers(&self) -> &[MarginTier] {
        &self.tiers
    }

    /// The tier that covers an absolute notional.
    pub fn tier_for(&self, notional: Quote) -> &MarginTier {
        let n = notional.abs();
        let idx = self.tiers.partition_point(|t| t.notional_floor <= n);
        &self.tiers[idx.saturating_sub(1)]
    }

    /// Maintenance margin for a position of absolute notional `notional`, rounded up.
    pub fn maintenance_margin(&self, notional: Quote) -> Result<Quote, ArithmeticError> {
        let n = notional.abs();
        let tier = self.tier_for(n);
        let gross = n.mul_ppm(tier.maintenance_rate, Rounding::Ceil)?;
        Ok(gross
            .checked_sub(tier.maintenance_deduction)?
            .max(Quote::ZERO))
    }

    /// Initial margin for `notional` at the user's chosen `leverage` (`None`: the tier's
    /// maximum). A leverage above the tier's maximum is capped to it. Rounded up.
    pub fn initial_margin(
        &self,
        notional: Quote,
        leverage: Option<Ppm>,
    ) -> Result<Quote, ArithmeticError> {
        let n = notional.abs();
        let tier = self.tier_for(n);
        let rate = match leverage {
            Some(l) if l < tier.max_leverage => reciprocal(l, Rounding::Ceil)?,
            _ => tier.initial_rate,
        };
        n.mul_ppm(rate, Rounding::Ceil)
    }
}

/// `1 / x` for a ratio `x`, rounded as named.
pub fn reciprocal(x: Ppm, rounding: Rounding) -> Result<Ppm, ArithmeticError> {
    Ppm::ONE.mul_div(i128::from(PPM_SCALE), i128::from(x.atoms()), rounding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(units: i64) -> Quote {
        Quote::from_units(units).unwrap()
    }
    fn lev(x: i64) -> Ppm {
        Ppm::from_units(x).unwrap()
    }

    /// Hyperliquid docs, "Margin tiers": a 40× asset has maintenance rate 1/80 = 1.25%;
    /// a 20× asset 2.5%; 50× 1%.
    #[test]
    fn hyperliquid_maintenance_rate_is_half_the_initial_rate_at_max_leverage() {
        for (max_lev, mmr_bps) in [(40, 125), (20, 250), (50, 100), (10, 500), (3, 1667)] {
            let s = MarginSchedule::flat(lev(max_lev), None).unwrap();
            let rate = s.tiers()[0].maintenance_rate;
            // 1/(2·3) = 16.67%: rounded up to the ppm.
            let expected = if max_lev == 3 {
                Ppm::from_atoms(166_667)
            } else {
                Ppm::from_bps(mmr_bps)
            };
            assert_eq!(rate, expected, "max leverage {max_lev}");
        }
    }

    /// Deductions keep the requirement continuous at every bracket floor (the property
    /// both Hyperliquid and Binance build their deductions for).
    #[test]
    fn maintenance_margin_is_continuous_across_tiers() {
        let s = MarginSchedule::new(&[
            TierSpec {
                notional_floor: q(0),
                max_leverage: lev(40),
                maintenance_rate: None,
            },
            TierSpec {
                notional_floor: q(150_000_000),
                max_leverage: lev(20),
                maintenance_rate: None,
            },
        ])
        .unwrap();
        // deduction_1 = 150M × (2.5% − 1.25%) = 1,875,000.
        assert_eq!(s.tiers()[1].maintenance_deduction, q(1_875_000));
        let below = s
            .maintenance_margin(q(150_000_000).checked_sub(Quote::from_atoms(1)).unwrap())
            .unwrap();
        let at = s.maintenance_margin(q(150_000_000)).unwrap();
        assert!(
            at.checked_sub(below).unwrap() <= Quote::from_atoms(1),
            "jump {below} → {at}"
        );
        assert_eq!(at, q(1_875_000));
        // 200M notional: 200M × 2.5% − 1.875M = 3.125M.
        assert_eq!(s.maintenance_margin(q(200_000_000)).unwrap(), q(3_125_000));
    }

    #[test]
    fn initial_margin_uses_user_leverage_capped_by_the_tier() {
        let s = MarginSchedule::flat(lev(50), None).unwrap();
        assert_eq!(
            s.initial_margin(q(10_000), Some(lev(10))).unwrap(),
            q(1_000)
        );
        assert_eq!(s.initial_margin(q(10_000), Some(lev(100))).unwrap(), q(200));
        assert_eq!(s.initial_margin(q(10_000), None).unwrap(), q(200));
    }

    #[test]
    fn invalid_schedules_are_rejected_with_the_tier_named() {
        assert_eq!(MarginSchedule::new(&[]), Err(MarginError::Empty));
        let bad_lev = MarginSchedule::flat(Ppm::from_f64(0.5).unwrap(), None);
        assert!(matches!(
            bad_lev,
            Err(MarginError::BadLeverage { index: 0, .. })
        ));
        let mm_above_im = MarginSchedule::flat(lev(10), Some(Ppm::from_bps(1_500)));
        assert!(matches!(
            mm_above_im,
            Err(MarginError::BadMaintenanceRate { index: 0, .. })
        ));
        let unordered = MarginSchedule::new(&[
            TierSpec {
                notional_floor: q(0),
                max_leverage: lev(20),
                maintenance_rate: None,
            },
            TierSpec {
                notional_floor: q(0),
                max_leverage: lev(10),
                maintenance_rate: None,
            },
        ]);
        assert!(matches!(
            unordered,
            Err(MarginError::FloorsNotIncreasing { index: 1, .. })
        ));
    }
}
