//! On-chain AMM pools: constant product (Uniswap v2) and stableswap (Curve), walked by
//! the same market orders as the order book.
//!
//! - Constant product (Adams et al., "Uniswap v2 Core", 2020): `x·y = k`; selling `Δx`
//!   base with fee `f` pays out `y − k / (x + Δx·(1 − f))` quote.
//! - Stableswap (Egorov, "StableSwap", 2019), two coins: the invariant
//!   `A·n^n·Σx + D = A·D·n^n + D^{n+1} / (n^n·Πx)`, solved for `D` and for the new
//!   balance by Newton's method as Curve's `get_D` / `get_y` do. Both coins are counted
//!   in quote units (base × its peg price), which is what stableswap is for: two assets
//!   meant to trade at a fixed ratio.
//!
//! Curve arithmetic runs in `f64` (only `+ − × ÷ √`, so the result is the same on every
//! IEEE machine) and amounts paid out are floored to atoms in the pool's favour; the pool's
//! reserves move by exactly the integer amounts exchanged.

use crate::book::{BookSide, Fill, WalkLimit};
use faultline_units::{ArithmeticError, Base, Ppm, Price, Quote, Rounding};

/// The pricing curve of a pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AmmCurve {
    /// `x·y = k`.
    ConstantProduct,
    /// Curve stableswap with amplification `A`, base pegged at `peg` quote.
    StableSwap {
        /// Amplification coefficient.
        amplification: f64,
        /// Quote per base at which the two coins are meant to trade.
        peg: f64,
    },
}

/// A two-asset pool.
#[derive(Debug, Clone, PartialEq)]
pub struct AmmPool {
    base: Base,
    quote: Quote,
    fee: Ppm,
    curve: AmmCurve,
}

impl AmmPool {
    /// A pool holding `base` and `quote`, charging `fee` on the input.
    pub fn new(base: Base, quote: Quote, fee: Ppm, curve: AmmCurve) -> Self {
        Self {
            base,
            quote,
            fee,
            curve,
        }
    }

    /// Reserves.
    pub fn reserves(&self) -> (Base, Quote) {
        (self.base, self.quote)
    }

    fn xy(&self) -> (f64, f64) {
        let scale = match self.curve {
            AmmCurve::ConstantProduct => 1.0,
            AmmCurve::StableSwap { peg, .. } => peg,
        };
        (self.base.to_f64() * scale, self.quote.to_f64())
    }

    /// Marginal price (quote per base, before fees).
    pub fn price(&self) -> Result<Price, ArithmeticError> {
        let (x, y) = self.xy();
        match self.curve {
            AmmCurve::ConstantProduct => Price::from_f64(if x > 0.0 { y / x } else { 0.0 }),
            AmmCurve::StableSwap { peg, .. } => {
                // dy/dx by a small symmetric trade on the invariant.
                let h = (x.min(y) * 1e-6).max(1e-9);
                let dy = stableswap_out(self, x, y, h);
                Price::from_f64(dy / h * peg)
            }
        }
    }

    /// Quote paid out for selling `dx` base (in curve units), fee applied, before flooring.
    fn out_for_sell(&self, dx_units: f64) -> f64 {
        let (x, y) = self.xy();
        let dx = dx_units * (1.0 - self.fee.to_f64());
        match self.curve {
            AmmCurve::ConstantProduct => y - x * y / (x + dx),
            AmmCurve::StableSwap { .. } => stableswap_out(self, x, y, dx),
        }
    }

    /// Base paid out for `dy` quote in, fee applied (in curve units).
    fn out_for_buy(&self, dy: f64) -> f64 {
        let (x, y) = self.xy();
        let dy = dy * (1.0 - self.fee.to_f64());
        match self.curve {
            AmmCurve::ConstantProduct => x - x * y / (y + dy),
            AmmCurve::StableSwap { .. } => stableswap_out(self, y, x, dy),
        }
    }

    fn peg(&self) -> f64 {
        match self.curve {
            AmmCurve::ConstantProduct => 1.0,
            AmmCurve::StableSwap { peg, .. } => peg,
        }
    }

    /// Quote cost of buying `q` base (curve units), fee included, by bisection on
    /// [`Self::out_for_buy`] (monotone).
    fn cost_for_base(&self, q: f64) -> Option<f64> {
        let (x, y) = self.xy();
        if q >= x {
            return None;
        }
        let (mut lo, mut hi) = (0.0, y.max(1.0));
        while self.out_for_buy(hi) < q {
            hi *= 2.0;
            if hi > 1e30 {
                return None;
            }
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.out_for_buy(mid) >= q {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    }

    /// Value of a market order of `qty` base against the pool: proceeds of a sell
    /// (`BookSide::Bid`) or cost of a buy (`BookSide::Ask`), limited as for a book. The
    /// largest quantity inside the limit is found by bisection; a pool never runs dry,
    /// it only gets dearer.
    pub fn preview(
        &self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        let peg = self.peg();
        let mut want = qty.abs().to_f64() * peg;
        if side == BookSide::Ask {
            // A pool can be bought down to 1% of its base, never to nothing.
            want = want.min(self.xy().0 * 0.99);
        }
        let value = |q: f64| -> Option<f64> {
            match side {
                BookSide::Bid => Some(self.out_for_sell(q)),
                BookSide::Ask => self.cost_for_base(q),
            }
        };
        let within = |q: f64| -> bool {
            let Some(v) = value(q) else { return false };
            match limit {
                WalkLimit::None => true,
                WalkLimit::Price(p) => {
                    // Marginal price after the trade no worse than p.
                    let eps = (q * 1e-9).max(1e-12);
                    let marginal = match side {
                        BookSide::Bid => (self.out_for_sell(q + eps) - v) / eps * peg,
                        BookSide::Ask => value(q + eps).map_or(f64::MAX, |v2| (v2 - v) / eps * peg),
                    };
                    if side == BookSide::Bid {
                        marginal >= p.to_f64()
                    } else {
                        marginal <= p.to_f64()
                    }
                }
                WalkLimit::LossBudget { reference, budget } => {
                    let at_reference = q / peg * reference.to_f64();
                    let loss = if side == BookSide::Bid {
                        at_reference - v
                    } else {
                        v - at_reference
                    };
                    loss <= budget.to_f64()
                }
            }
        };
        let q = if within(want) {
            want
        } else {
            let (mut lo, mut hi) = (0.0, want);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if within(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        let filled = Base::from_f64(q / peg)?.min(qty.abs());
        if !filled.is_positive() {
            return Ok(Fill::default());
        }
        let v = value(filled.to_f64() * peg).unwrap_or(0.0);
        // Proceeds round down, costs up: the pool never loses to rounding.
        let notional = match side {
            BookSide::Bid => {
                Quote::from_atoms(Quote::from_f64(v)?.atoms().saturating_sub(1).max(0))
            }
            BookSide::Ask => Quote::from_atoms(Quote::from_f64(v)?.atoms().saturating_add(1)),
        };
        let avg = Price::from_ratio(notional, filled, Rounding::Floor)?;
        Ok(Fill {
            filled,
            notional,
            worst_price: avg,
            exhausted: false,
        })
    }

    /// Execute a market order and move the reserves by the amounts exchanged.
    pub fn execute(
        &mut self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        let fill = self.preview(side, qty, limit)?;
        match side {
            BookSide::Bid => {
                self.base = self.base.checked_add(fill.filled)?;
                self.quote = self.quote.checked_sub(fill.notional)?;
            }
            BookSide::Ask => {
                self.base = self.base.checked_sub(fill.filled)?;
                self.quote = self.quote.checked_add(fill.notional)?;
            }
        }
        let after = self.price()?;
        Ok(Fill {
            worst_price: after,
            ..fill
        })
    }
}

/// Output of the stableswap curve for `dx` in, with balances `(x, y)` (both in quote units).
fn stableswap_out(pool: &AmmPool, x: f64, y: f64, dx: f64) -> f64 {
    let AmmCurve::StableSwap { amplification, .. } = pool.curve else {
        return 0.0;
    };
    let d = stableswap_d(x, y, amplification);
    let y_new = stableswap_y(x + dx, d, amplification);
    (y - y_new).max(0.0)
}

/// Curve's `get_D` for two coins.
pub fn stableswap_d(x: f64, y: f64, a: f64) -> f64 {
    let s = x + y;
    if s == 0.0 {
        return 0.0;
    }
    let ann = a * 4.0;
    let mut d = s;
    for _ in 0..255 {
        let d_p = d * d * d / (4.0 * x * y);
        let prev = d;
        d = (ann * s + 2.0 * d_p) * d / ((ann - 1.0) * d + 3.0 * d_p);
        if (d - prev).abs() <= 1e-12 * d.max(1.0) {
            break;
        }
    }
    d
}

/// Curve's `get_y` for two coins: the other balance given one balance `x` and `D`.
pub fn stableswap_y(x: f64, d: f64, a: f64) -> f64 {
    let ann = a * 4.0;
    let c = d * d * d / (4.0 * x * ann);
    let b = x + d / ann;
    let mut y = d;
    for _ in 0..255 {
        let prev = y;
        y = (y * y + c) / (2.0 * y + b - d);
        if (y - prev).abs() <= 1e-12 * y.max(1.0) {
            break;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp() -> AmmPool {
        // 1,000 ETH / 3,000,000 USDC, 0.3% fee: price 3,000.
        AmmPool::new(
            Base::from_units(1_000).unwrap(),
            Quote::from_units(3_000_000).unwrap(),
            Ppm::from_bps(30),
            AmmCurve::ConstantProduct,
        )
    }

    #[test]
    fn constant_product_swap_matches_the_formula() {
        let mut p = cp();
        assert_eq!(p.price().unwrap(), Price::from_units(3_000).unwrap());
        let fill = p
            .execute(
                BookSide::Bid,
                Base::from_units(10).unwrap(),
                WalkLimit::None,
            )
            .unwrap();
        // y − k/(x + 10·0.997) = 3,000,000 − 3e9/1009.97 = 29,614.74…
        let expected = 3_000_000.0 - 3e9 / (1_000.0 + 10.0 * 0.997);
        assert!(
            (fill.notional.to_f64() - expected).abs() < 2e-6,
            "{}",
            fill.notional
        );
        let (x, y) = p.reserves();
        assert_eq!(x, Base::from_units(1_010).unwrap());
        assert_eq!(
            y,
            Quote::from_units(3_000_000)
                .unwrap()
                .checked_sub(fill.notional)
                .unwrap()
        );
        assert!(p.price().unwrap() < Price::from_units(2_950).unwrap());
    }

    #[test]
    fn a_price_limit_stops_the_sale_at_that_marginal_price() {
        let p = cp();
        let fill = p
            .preview(
                BookSide::Bid,
                Base::from_units(1_000).unwrap(),
                WalkLimit::Price(Price::from_units(2_700).unwrap()),
            )
            .unwrap();
        // The seller's marginal proceeds after selling Δ are 0.997·k/(x + 0.997Δ)²:
        // 2,700 at x + 0.997Δ = √(0.997·k / 2,700).
        let x_after = (0.997 * 3e9f64 / 2_700.0).sqrt();
        let expected = (x_after - 1_000.0) / 0.997;
        assert!(
            (fill.filled.to_f64() - expected).abs() < 0.01,
            "{} vs {expected}",
            fill.filled
        );
    }

    #[test]
    fn stableswap_is_flat_near_the_peg_and_steep_away_from_it() {
        let pool = |a| {
            AmmPool::new(
                Base::from_units(1_000_000).unwrap(),
                Quote::from_units(1_000_000).unwrap(),
                Ppm::ZERO,
                AmmCurve::StableSwap {
                    amplification: a,
                    peg: 1.0,
                },
            )
        };
        let s = pool(100.0)
            .preview(
                BookSide::Bid,
                Base::from_units(10_000).unwrap(),
                WalkLimit::None,
            )
            .unwrap();
        let c = AmmPool::new(
            Base::from_units(1_000_000).unwrap(),
            Quote::from_units(1_000_000).unwrap(),
            Ppm::ZERO,
            AmmCurve::ConstantProduct,
        )
        .preview(
            BookSide::Bid,
            Base::from_units(10_000).unwrap(),
            WalkLimit::None,
        )
        .unwrap();
        assert!(
            s.notional.to_f64() > 9_999.0,
            "stableswap keeps the peg: {}",
            s.notional
        );
        assert!(
            c.notional.to_f64() < 9_902.0,
            "constant product slips ~1%: {}",
            c.notional
        );
        // Draining most of one side moves the marginal price far from the peg.
        let mut deep = pool(100.0);
        deep.execute(
            BookSide::Bid,
            Base::from_units(900_000).unwrap(),
            WalkLimit::None,
        )
        .unwrap();
        assert!(
            deep.price().unwrap().to_f64() < 0.9,
            "{}",
            deep.price().unwrap()
        );
        // The invariant D of a balanced pool is the sum of balances.
        assert!((stableswap_d(1e6, 1e6, 100.0) - 2e6).abs() < 1e-3);
    }

    #[test]
    fn buys_cost_more_than_sells_pay_and_move_the_price_up() {
        let mut p = cp();
        let sell = p
            .preview(BookSide::Bid, Base::from_units(5).unwrap(), WalkLimit::None)
            .unwrap();
        let buy = p
            .execute(BookSide::Ask, Base::from_units(5).unwrap(), WalkLimit::None)
            .unwrap();
        assert!(buy.notional > sell.notional);
        assert!(p.price().unwrap() > Price::from_units(3_000).unwrap());
    }
}
