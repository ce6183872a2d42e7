//! Black–Scholes prices and greeks for European options (Black and Scholes, "The Pricing
//! of Options and Corporate Liabilities", Journal of Political Economy 81(3), 1973), for
//! marking an options vault's short calls or puts and margining it on its greeks.
//!
//! `spot`, `strike` in quote per base; `rate` continuously compounded per year; `vol`
//! annualized; `years` to expiry.

use normal::{norm_cdf, norm_pdf};

/// Option type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// The right to buy at the strike.
    Call,
    /// The right to sell at the strike.
    Put,
}

/// Price and sensitivities of one option.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Greeks {
    /// Premium.
    pub price: f64,
    /// ∂price/∂spot.
    pub delta: f64,
    /// ∂²price/∂spot².
    pub gamma: f64,
    /// ∂price/∂vol (per 1.00 of volatility).
    pub vega: f64,
    /// ∂price/∂time, per year (negative for a long option as time passes).
    pub theta: f64,
}

/// Black–Scholes price and greeks. At or past expiry (or with zero volatility) the
/// option is worth its discounted intrinsic value and gamma and vega are zero.
pub fn black_scholes(
    kind: OptionKind,
    spot: f64,
    strike: f64,
    rate: f64,
    vol: f64,
    years: f64,
) -> Greeks {
    let discount = (-rate * years.max(0.0)).exp();
    if years <= 0.0 || vol <= 0.0 || spot <= 0.0 || strike <= 0.0 {
        let forward_intrinsic = match kind {
            OptionKind::Call => (spot - strike * discount).max(0.0),
            OptionKind::Put => (strike * discount - spot).max(0.0),
        };
        let delta = match kind {
            OptionKind::Call if forward_intrinsic > 0.0 => 1.0,
            OptionKind::Put if forward_intrinsic > 0.0 => -1.0,
            _ => 0.0,
        };
        return Greeks {
            price: forward_intrinsic,
            delta,
            gamma: 0.0,
            vega: 0.0,
            theta: 0.0,
        };
    }
    let sqrt_t = years.sqrt();
    let d1 = ((spot / strike).ln() + (rate + 0.5 * vol * vol) * years) / (vol * sqrt_t);
    let d2 = d1 - vol * sqrt_t;
    let pdf = norm_pdf(d1);
    let gamma = pdf / (spot * vol * sqrt_t);
    let vega = spot * pdf * sqrt_t;
    let decay = -spot * pdf * vol / (2.0 * sqrt_t);
    match kind {
        OptionKind::Call => Greeks {
            price: spot * norm_cdf(d1) - strike * discount * norm_cdf(d2),
            delta: norm_cdf(d1),
            gamma,
            vega,
            theta: decay - rate * strike * discount * norm_cdf(d2),
        },
        OptionKind::Put => Greeks {
            price: strike * discount * norm_cdf(-d2) - spot * norm_cdf(-d1),
            delta: norm_cdf(d1) - 1.0,
            gamma,
            vega,
            theta: decay + rate * strike * discount * norm_cdf(-d2),
        },
    }
}

/// The standard normal distribution, with the error function from `libm`.
mod normal {
    /// Standard normal CDF: `½·erfc(−x/√2)`.
    pub fn norm_cdf(x: f64) -> f64 {
        0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
    }

    /// Standard normal density.
    pub fn norm_pdf(x: f64) -> f64 {
        (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_hulls_worked_example() {
        // Hull, "Options, Futures, and Other Derivatives", the Black–Scholes–Merton
        // example: S = 42, K = 40, r = 10%, σ = 20%, T = 0.5 → c = 4.76, p = 0.81.
        let c = black_scholes(OptionKind::Call, 42.0, 40.0, 0.1, 0.2, 0.5);
        let p = black_scholes(OptionKind::Put, 42.0, 40.0, 0.1, 0.2, 0.5);
        assert!((c.price - 4.76).abs() < 0.005, "{}", c.price);
        assert!((p.price - 0.81).abs() < 0.005, "{}", p.price);
        // Put–call parity: c − p = S − K e^{−rT}.
        let parity = 42.0 - 40.0 * (-0.05f64).exp();
        assert!((c.price - p.price - parity).abs() < 1e-12);
        assert!((c.delta - p.delta - 1.0).abs() < 1e-12);
    }

    #[test]
    fn greeks_match_finite_differences() {
        let f = |s: f64, v: f64, t: f64| black_scholes(OptionKind::Call, s, 100.0, 0.03, v, t);
        let g = f(95.0, 0.6, 0.25);
        let h = 1e-3;
        let delta = (f(95.0 + h, 0.6, 0.25).price - f(95.0 - h, 0.6, 0.25).price) / (2.0 * h);
        let gamma =
            (f(95.0 + h, 0.6, 0.25).price - 2.0 * g.price + f(95.0 - h, 0.6, 0.25).price) / (h * h);
        let vega = (f(95.0, 0.6 + h, 0.25).price - f(95.0, 0.6 - h, 0.25).price) / (2.0 * h);
        let theta = -(f(95.0, 0.6, 0.25 + h).price - f(95.0, 0.6, 0.25 - h).price) / (2.0 * h);
        assert!((g.delta - delta).abs() < 1e-6);
        assert!((g.gamma - gamma).abs() < 1e-4);
        assert!((g.vega - vega).abs() < 1e-5);
        assert!((g.theta - theta).abs() < 1e-4);
    }

    #[test]
    fn a_short_call_loses_more_than_linearly_through_a_gap() {
        // Gamma: the loss of a covered-call vault's short call for a 30% jump is more
        // than delta × move.
        let before = black_scholes(OptionKind::Call, 100.0, 110.0, 0.0, 0.8, 7.0 / 365.0);
        let after = black_scholes(OptionKind::Call, 130.0, 110.0, 0.0, 0.8, 7.0 / 365.0);
        assert!(after.price - before.price > before.delta * 30.0 * 1.5);
    }

    #[test]
    fn at_expiry_an_option_is_its_intrinsic_value() {
        let c = black_scholes(OptionKind::Call, 120.0, 100.0, 0.05, 0.5, 0.0);
        assert_eq!((c.price, c.delta, c.gamma), (20.0, 1.0, 0.0));
        let p = black_scholes(OptionKind::Put, 120.0, 100.0, 0.05, 0.5, 0.0);
        assert_eq!((p.price, p.delta), (0.0, 0.0));
    }
}
