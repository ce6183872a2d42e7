//! Exogenous reference price processes: what the asset is worth outside the venue.
//!
//! Geometric Brownian motion, `P ← P · exp((μ − σ²/2)·Δt + σ·√Δt·Z)` with `Z` standard
//! normal (Black–Scholes dynamics), plus scheduled gaps that multiply the level at a
//! given block; or a replayed series (for example candle closes resampled to the block
//! time). Floats are fine here: the path is statistical, and it becomes fixed-point at
//! the boundary, once per block.

use faultline_units::{ArithmeticError, Price};
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, StandardNormal};

const MS_PER_YEAR: f64 = 365.0 * 24.0 * 3_600_000.0;

/// A scheduled jump: at `block`, the level is multiplied by `1 + fraction`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// The block at which the gap happens.
    pub block: u64,
    /// Relative move (−0.30 is a 30% gap down).
    pub fraction: f64,
}

/// Parameters of geometric Brownian motion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbmParams {
    /// Starting price.
    pub initial: f64,
    /// Annualized drift μ.
    pub drift_annual: f64,
    /// Annualized volatility σ.
    pub volatility_annual: f64,
    /// Block time, to scale μ and σ to one block.
    pub block_time_ms: u64,
}

/// A reference price process.
#[derive(Debug, Clone)]
pub enum ReferenceModel {
    /// Geometric Brownian motion with gaps.
    Gbm {
        /// Current level.
        level: f64,
        /// Per-block log drift `(μ − σ²/2)·Δt`.
        log_drift: f64,
        /// Per-block log volatility `σ·√Δt`.
        log_vol: f64,
        /// Scheduled gaps, by block.
        gaps: Vec<Gap>,
        /// The process's own random stream.
        rng: Box<ChaCha12Rng>,
        /// Blocks advanced so far.
        block: u64,
    },
    /// A replayed series, one price per block; holds its last value after the end.
    Series {
        /// Prices by block (index 0 is the opening price).
        prices: Vec<Price>,
        /// Scheduled gaps applied on top of the series.
        gaps: Vec<Gap>,
        /// Product of the gaps applied so far.
        multiplier: f64,
        /// Blocks advanced so far.
        block: u64,
    },
}

impl ReferenceModel {
    /// A GBM process.
    pub fn gbm(params: GbmParams, gaps: Vec<Gap>, rng: ChaCha12Rng) -> Self {
        #[allow(clippy::cast_precision_loss)] // block times are far below 2^52 ms
        let dt = params.block_time_ms as f64 / MS_PER_YEAR;
        let sigma = params.volatility_annual;
        Self::Gbm {
            level: params.initial,
            log_drift: (params.drift_annual - 0.5 * sigma * sigma) * dt,
            log_vol: sigma * dt.sqrt(),
            gaps,
            rng: Box::new(rng),
            block: 0,
        }
    }

    /// A replayed series (must not be empty; the scenario layer checks).
    pub fn series(prices: Vec<Price>, gaps: Vec<Gap>) -> Self {
        Self::Series {
            prices,
            gaps,
            multiplier: 1.0,
            block: 0,
        }
    }

    /// The price at block 0.
    pub fn initial(&self) -> Result<Price, ArithmeticError> {
        match self {
            Self::Gbm { level, .. } => Price::from_f64(*level),
            Self::Series { prices, .. } => Ok(prices.first().copied().unwrap_or(Price::ZERO)),
        }
    }

    /// Advance one block and return the new price.
    pub fn advance(&mut self) -> Result<Price, ArithmeticError> {
        match self {
            Self::Gbm {
                level,
                log_drift,
                log_vol,
                gaps,
                rng,
                block,
            } => {
                *block += 1;
                let z: f64 = StandardNormal.sample(rng.as_mut());
                *level *= libm::exp(*log_drift + *log_vol * z);
                for g in gaps.iter().filter(|g| g.block == *block) {
                    *level *= 1.0 + g.fraction;
                }
                Price::from_f64(*level)
            }
            Self::Series {
                prices,
                gaps,
                multiplier,
                block,
            } => {
                *block += 1;
                for g in gaps.iter().filter(|g| g.block == *block) {
                    *multiplier *= 1.0 + g.fraction;
                }
                let i = usize::try_from(*block)
                    .unwrap_or(usize::MAX)
                    .min(prices.len().saturating_sub(1));
                let base = prices.get(i).copied().unwrap_or(Price::ZERO);
                if (*multiplier - 1.0).abs() < f64::EPSILON {
                    Ok(base)
                } else {
                    Price::from_f64(base.to_f64() * *multiplier)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Stream};

    fn params() -> GbmParams {
        GbmParams {
            initial: 100.0,
            drift_annual: 0.0,
            volatility_annual: 0.8,
            block_time_ms: 12_000,
        }
    }

    #[test]
    fn same_seed_same_path_and_the_gap_lands_on_its_block() {
        let gaps = vec![Gap {
            block: 5,
            fraction: -0.30,
        }];
        let mut a = ReferenceModel::gbm(params(), gaps.clone(), stream(1, Stream::Reference(0)));
        let mut b = ReferenceModel::gbm(params(), gaps, stream(1, Stream::Reference(0)));
        let pa: Vec<Price> = (0..10).map(|_| a.advance().unwrap()).collect();
        let pb: Vec<Price> = (0..10).map(|_| b.advance().unwrap()).collect();
        assert_eq!(pa, pb);
        let drop = pa[4].to_f64() / pa[3].to_f64();
        assert!((drop - 0.70).abs() < 0.01, "gap ratio {drop}");
    }

    #[test]
    fn gbm_log_returns_have_the_configured_volatility() {
        let mut m = ReferenceModel::gbm(params(), vec![], stream(3, Stream::Reference(0)));
        let mut prev = m.initial().unwrap().to_f64();
        let n = 20_000;
        let mut sum_sq = 0.0;
        for _ in 0..n {
            let p = m.advance().unwrap().to_f64();
            sum_sq += (p / prev).ln().powi(2);
            prev = p;
        }
        let per_block = (sum_sq / f64::from(n)).sqrt();
        let expected = 0.8 * (12_000.0 / MS_PER_YEAR).sqrt();
        assert!(
            (per_block / expected - 1.0).abs() < 0.03,
            "{per_block} vs {expected}"
        );
    }

    #[test]
    fn series_replays_and_holds_its_last_value() {
        let p = |x| Price::from_units(x).unwrap();
        let mut m = ReferenceModel::series(vec![p(10), p(11), p(12)], vec![]);
        assert_eq!(m.initial().unwrap(), p(10));
        assert_eq!(m.advance().unwrap(), p(11));
        assert_eq!(m.advance().unwrap(), p(12));
        assert_eq!(m.advance().unwrap(), p(12));
    }
}
