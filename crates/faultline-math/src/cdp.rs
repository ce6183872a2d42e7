//! Maker's Liquidations 2.0 (MIP45; the `dog.sol`, `clip.sol` and `abaci.sol` contracts):
//! what a vault owes when it is liquidated, the Dutch-auction price curves, when an
//! auction must be reset, and the keeper incentive for starting one.
//!
//! Values are `f64` (DAI and collateral units); times in seconds since the auction began.

/// The price curve of a collateral auction (`abaci.sol`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PriceCurve {
    /// `top · (tau − t) / tau`, zero from `tau` seconds on.
    LinearDecrease {
        /// Seconds to reach zero.
        tau: f64,
    },
    /// `top · cut^⌊t / step⌋`: falls by the factor `cut` every `step` seconds.
    StairstepExponentialDecrease {
        /// Factor per step, in (0, 1].
        cut: f64,
        /// Seconds per step.
        step: f64,
    },
    /// `top · cut^t`: continuous exponential decay per second.
    ExponentialDecrease {
        /// Factor per second, in (0, 1].
        cut: f64,
    },
}

impl PriceCurve {
    /// The auction price `elapsed` seconds after it started at `top`.
    pub fn price(&self, top: f64, elapsed: f64) -> f64 {
        let t = elapsed.max(0.0);
        match *self {
            Self::LinearDecrease { tau } => {
                if t >= tau {
                    0.0
                } else {
                    top * (tau - t) / tau
                }
            }
            Self::StairstepExponentialDecrease { cut, step } => top * cut.powf((t / step).floor()),
            Self::ExponentialDecrease { cut } => top * cut.powf(t),
        }
    }
}

/// Debt to raise from a liquidated vault (`dog.bark`): its debt times the liquidation
/// penalty `chop` (e.g. 1.13 for 13%).
pub fn tab(debt: f64, chop: f64) -> f64 {
    debt * chop
}

/// The auction's starting price (`clip.kick`): the oracle price times `buf` (e.g. 1.2).
pub fn top(oracle_price: f64, buf: f64) -> f64 {
    oracle_price * buf
}

/// Whether an auction must be reset (`clip.status`): it ran longer than `tail` seconds,
/// or its price fell below `cusp` (e.g. 0.4) of its starting price.
pub fn needs_redo(top: f64, price: f64, elapsed: f64, tail: f64, cusp: f64) -> bool {
    elapsed > tail || price < top * cusp
}

/// The keeper incentive paid (by the protocol, as new debt) for starting or resetting an
/// auction: a flat `tip` plus `chip` of the tab (`clip.kick`, `clip.redo`).
pub fn keeper_incentive(tab: f64, tip: f64, chip: f64) -> f64 {
    tip + chip * tab
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * (1.0 + b.abs())
    }

    #[test]
    fn the_price_curves() {
        let lin = PriceCurve::LinearDecrease { tau: 3_600.0 };
        assert!(close(lin.price(1_200.0, 900.0), 900.0));
        assert!(close(lin.price(1_200.0, 3_600.0), 0.0));
        // ETH-A's curve: 1% every 90 s.
        let stair = PriceCurve::StairstepExponentialDecrease {
            cut: 0.99,
            step: 90.0,
        };
        assert!(close(stair.price(1_000.0, 89.0), 1_000.0));
        assert!(close(stair.price(1_000.0, 180.0), 980.1));
        let exp = PriceCurve::ExponentialDecrease { cut: 0.999 };
        assert!(close(exp.price(1_000.0, 2.0), 998.001));
    }

    #[test]
    fn auctions_reset_after_tail_or_past_cusp() {
        // Black Thursday's lesson: a curve that runs to zero sells collateral for nothing
        // unless the auction is reset.
        let stair = PriceCurve::StairstepExponentialDecrease {
            cut: 0.99,
            step: 90.0,
        };
        let t0 = top(150.0, 1.2);
        assert!(close(t0, 180.0));
        // 0.99^n < 0.4 from n = 92 steps (8,280 s).
        let at = |s: f64| stair.price(t0, s);
        assert!(!needs_redo(t0, at(8_190.0), 8_190.0, 8_400.0, 0.4));
        assert!(needs_redo(t0, at(8_280.0), 8_280.0, 8_400.0, 0.4));
        assert!(needs_redo(t0, t0, 8_401.0, 8_400.0, 0.4), "too long");
    }

    #[test]
    fn the_penalty_and_the_keeper_incentive() {
        let owed = tab(100_000.0, 1.13);
        assert!(close(owed, 113_000.0));
        assert!(close(keeper_incentive(owed, 300.0, 0.001), 413.0));
    }
}
