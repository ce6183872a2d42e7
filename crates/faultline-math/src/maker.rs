//! Maker Liquidations 2.0 auction prices in integer arithmetic, as `abaci.sol` computes
//! them (MIP45): prices are [`Price`] atoms, ratios ray (10²⁷), times whole seconds.

use faultline_units::{mul_div_wide, ArithmeticError, Price, Rounding};

/// One ray.
pub const RAY: i128 = 1_000_000_000_000_000_000_000_000_000;

/// How a Dutch auction's price falls from `top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuctionCurve {
    /// `LinearDecrease`: `top × (tau − dur) / tau`, zero from `tau` on.
    Linear {
        /// Seconds to reach zero.
        tau_s: u64,
    },
    /// `StairstepExponentialDecrease`: `top × cut^⌊dur / step⌋`.
    Stairstep {
        /// Seconds per step.
        step_s: u64,
        /// Multiplier per step, ray (0.99 → 0.99 × 10²⁷).
        cut_ray: i128,
    },
}

/// `x^n` in ray by squaring (`abaci.sol`'s `rpow`), each product floored.
pub fn rpow(mut x: i128, mut n: u64) -> Result<i128, ArithmeticError> {
    let mut z = RAY;
    while n > 0 {
        if n % 2 == 1 {
            z = mul_div_wide(z, x, RAY, Rounding::Floor)?;
        }
        n /= 2;
        if n > 0 {
            x = mul_div_wide(x, x, RAY, Rounding::Floor)?;
        }
    }
    Ok(z)
}

impl AuctionCurve {
    /// The auction price `elapsed_s` seconds after it (re)started at `top`.
    pub fn price(&self, top: Price, elapsed_s: u64) -> Result<Price, ArithmeticError> {
        let top = i128::from(top.atoms());
        let p = match *self {
            AuctionCurve::Linear { tau_s } => {
                if elapsed_s >= tau_s {
                    0
                } else {
                    mul_div_wide(
                        top,
                        i128::from(tau_s - elapsed_s),
                        i128::from(tau_s),
                        Rounding::Floor,
                    )?
                }
            }
            AuctionCurve::Stairstep { step_s, cut_ray } => {
                let steps = elapsed_s / step_s.max(1);
                mul_div_wide(top, rpow(cut_ray, steps)?, RAY, Rounding::Floor)?
            }
        };
        i64::try_from(p)
            .map(Price::from_atoms)
            .map_err(|_| ArithmeticError::new("auction price"))
    }
}

/// `clip.sol`'s reset rule: an auction must be redone once `tail` seconds have passed or
/// its price fell below `cusp × top` (`cusp` ray).
pub fn needs_redo(
    top: Price,
    price: Price,
    elapsed_s: u64,
    tail_s: u64,
    cusp_ray: i128,
) -> Result<bool, ArithmeticError> {
    let floor = mul_div_wide(i128::from(top.atoms()), cusp_ray, RAY, Rounding::Floor)?;
    Ok(elapsed_s > tail_s || i128::from(price.atoms()) < floor)
}

/// Liquidations 1.2's English auction (`flip.sol`, Multi-Collateral Dai as of March 2020):
/// a `tend` raises the stablecoin bid for the whole lot; once the bid reaches the tab, a
/// `dent` lowers the lot taken for it. `beg` is the minimum step as a multiplier in ppm
/// (1.03 → 1,030,000).
///
/// `tend(bid)` is valid when `bid > previous`, `bid ≤ tab`, and `bid × ONE ≥ beg ×
/// previous` or `bid == tab` (`require(mul(bid, ONE) >= mul(beg, bids[id].bid) || bid ==
/// tab)`).
pub fn tend_ok(bid: i128, previous: i128, tab: i128, beg_ppm: i128) -> bool {
    bid > previous
        && bid <= tab
        && (bid.saturating_mul(1_000_000) >= beg_ppm.saturating_mul(previous) || bid == tab)
}

/// The smallest valid `tend` after `previous` (capped at the tab).
pub fn min_tend(previous: i128, tab: i128, beg_ppm: i128) -> Result<i128, ArithmeticError> {
    if previous <= 0 {
        return Ok(1.min(tab));
    }
    let raised = mul_div_wide(previous, beg_ppm, 1_000_000, Rounding::Ceil)?.max(previous + 1);
    Ok(raised.min(tab))
}

/// `dent(lot)` is valid when `lot < previous` and `beg × lot ≤ previous × ONE`
/// (`require(mul(beg, lot) <= mul(bids[id].lot, ONE))`).
pub fn dent_ok(lot: i128, previous: i128, beg_ppm: i128) -> bool {
    lot < previous && beg_ppm.saturating_mul(lot) <= previous.saturating_mul(1_000_000)
}

/// The largest valid `dent` after `previous`.
pub fn max_dent(previous: i128, beg_ppm: i128) -> Result<i128, ArithmeticError> {
    let lot = mul_div_wide(previous, 1_000_000, beg_ppm, Rounding::Floor)?;
    Ok(if lot >= previous { previous - 1 } else { lot })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i64) -> Price {
        Price::from_units(x).unwrap()
    }

    #[test]
    fn linear_decrease_reaches_zero_at_tau() {
        let c = AuctionCurve::Linear { tau_s: 3_600 };
        assert_eq!(c.price(p(1_000), 0).unwrap(), p(1_000));
        assert_eq!(c.price(p(1_000), 1_800).unwrap(), p(500));
        assert_eq!(c.price(p(1_000), 3_600).unwrap(), Price::ZERO);
    }

    #[test]
    fn stairstep_cuts_once_per_step() {
        // ETH-A's 2021 parameters: 1% every 90 s.
        let c = AuctionCurve::Stairstep {
            step_s: 90,
            cut_ray: RAY / 100 * 99,
        };
        assert_eq!(c.price(p(1_000), 89).unwrap(), p(1_000));
        assert_eq!(c.price(p(1_000), 90).unwrap(), p(990));
        // 0.99^10 = 0.9043820750088: 904.38207500 within an atom.
        let ten = c.price(p(1_000), 900).unwrap().atoms();
        assert!((ten - 90_438_207_500).abs() <= 1, "{ten}");
        assert_eq!(rpow(RAY / 2, 3).unwrap(), RAY / 8);
    }

    #[test]
    fn an_auction_is_redone_after_tail_or_below_cusp() {
        let cusp = RAY / 10 * 4;
        assert!(!needs_redo(p(1_000), p(500), 100, 8_400, cusp).unwrap());
        assert!(needs_redo(p(1_000), p(399), 100, 8_400, cusp).unwrap());
        assert!(needs_redo(p(1_000), p(900), 8_401, 8_400, cusp).unwrap());
    }

    #[test]
    fn flip_bids_step_by_beg() {
        let beg = 1_030_000; // 3%
                             // The first bid may be anything above zero; the next must be 3% higher.
        assert!(tend_ok(1, 0, 1_000, beg));
        assert_eq!(min_tend(0, 1_000, beg).unwrap(), 1);
        assert_eq!(min_tend(100, 1_000, beg).unwrap(), 103);
        assert!(!tend_ok(102, 100, 1_000, beg));
        assert!(tend_ok(103, 100, 1_000, beg));
        // Reaching the tab is always allowed, beyond it never.
        assert!(tend_ok(1_000, 990, 1_000, beg));
        assert!(!tend_ok(1_001, 990, 1_000, beg));
        assert_eq!(min_tend(990, 1_000, beg).unwrap(), 1_000);
        // A one-atom bid still steps by at least one atom.
        assert_eq!(min_tend(1, 1_000, beg).unwrap(), 2);
        // Dent: take at most lot / 1.03.
        assert_eq!(max_dent(1_030, beg).unwrap(), 1_000);
        assert!(dent_ok(1_000, 1_030, beg));
        assert!(!dent_ok(1_001, 1_030, beg));
        assert!(!dent_ok(1_030, 1_030, beg));
    }
}
