//! Distribution summaries with confidence intervals.
//!
//! - Quantiles: linear interpolation between order statistics (Hyndman & Fan type 7,
//!   numpy's default).
//! - Quantile confidence intervals: distribution-free, from the order statistics at
//!   ranks `n·q ± 1.96·√(n·q·(1−q))` (the normal approximation to the binomial).
//! - VaR at level α: the α-quantile of the loss; CVaR (expected shortfall): the mean of
//!   the losses at or above it.
//! - Mean: ± 1.96 standard errors. Probabilities: Wilson score interval (Wilson 1927).
//!
//! Sums run over results sorted by path index, so the figures are bit-identical for any
//! thread count.

use crate::path::PathResult;
use serde::Serialize;
use std::collections::BTreeMap;

const Z95: f64 = 1.959_963_984_540_054;

/// A proportion with its 95% Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probability {
    /// Estimate.
    pub p: f64,
    /// Lower bound.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
}

/// Summary of one metric across paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSummary {
    /// Paths counted.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// 95% interval of the mean.
    pub mean_ci: [f64; 2],
    /// Standard deviation.
    pub sd: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Quantiles by name (p50, p90, p95, p99, p99.9).
    pub quantiles: BTreeMap<String, f64>,
    /// 95% intervals of those quantiles.
    pub quantile_ci: BTreeMap<String, [f64; 2]>,
}

/// The distribution summary of a stress run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// Paths summarized.
    pub paths: usize,
    /// Paths the engine stopped early (their partial results are included).
    pub failed_paths: usize,
    /// Per-metric summaries.
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Value at risk of total bad debt (recorded + latent) at 95, 99 and 99.9%.
    pub var: BTreeMap<String, f64>,
    /// Conditional value at risk (expected shortfall) at the same levels.
    pub cvar: BTreeMap<String, f64>,
    /// P(fund depleted), P(ADL), P(insolvent).
    pub probabilities: BTreeMap<String, Probability>,
    /// Blocks to the first failure of each kind, over paths where it happened.
    pub time_to_first_failure: BTreeMap<String, MetricSummary>,
}

const LEVELS: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

/// Value at risk (the type-7 quantile) and conditional value at risk (the mean of the
/// values at or beyond it) of a loss at 95, 99 and 99.9%; NaN values are left out.
pub fn var_cvar(values: &[f64]) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut var = BTreeMap::new();
    let mut cvar = BTreeMap::new();
    for (name, a) in [("95", 0.95), ("99", 0.99), ("99.9", 0.999)] {
        let v = quantile(&sorted, a);
        let tail: Vec<f64> = sorted.iter().copied().filter(|x| *x >= v).collect();
        #[allow(clippy::cast_precision_loss)]
        let es = if tail.is_empty() {
            v
        } else {
            tail.iter().sum::<f64>() / tail.len() as f64
        };
        var.insert(name.to_string(), v);
        cvar.insert(name.to_string(), es);
    }
    (var, cvar)
}

/// Type-7 quantile of sorted data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss)]
    let h = (sorted.len() - 1) as f64 * q;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
}

fn order_stat(sorted: &[f64], rank: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = rank.clamp(0.0, (sorted.len() - 1) as f64).round() as usize;
    sorted[i]
}

/// Summarize values (in path order).
pub fn metric(values: &[f64]) -> MetricSummary {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    #[allow(clippy::cast_precision_loss)]
    let nf = n.max(1) as f64;
    let mean = values.iter().filter(|v| !v.is_nan()).sum::<f64>() / nf;
    let var = if n > 1 {
        values
            .iter()
            .filter(|v| !v.is_nan())
            .map(|v| (v - mean).powi(2))
            .sum::<f64>()
            / (nf - 1.0)
    } else {
        0.0
    };
    let sd = var.sqrt();
    let half = Z95 * sd / nf.sqrt();
    let mut quantiles = BTreeMap::new();
    let mut quantile_ci = BTreeMap::new();
    for (name, q) in LEVELS {
        quantiles.insert(name.to_string(), quantile(&sorted, q));
        if n > 0 {
            let spread = Z95 * (nf * q * (1.0 - q)).sqrt();
            let center = nf * q;
            quantile_ci.insert(
                name.to_string(),
                [
                    order_stat(&sorted, center - spread - 1.0),
                    order_stat(&sorted, center + spread),
                ],
            );
        }
    }
    MetricSummary {
        n,
        mean,
        mean_ci: [mean - half, mean + half],
        sd,
        min: sorted.first().copied().unwrap_or(f64::NAN),
        max: sorted.last().copied().unwrap_or(f64::NAN),
        quantiles,
        quantile_ci,
    }
}

/// Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: usize, n: usize) -> Probability {
    if n == 0 {
        return Probability {
            p: f64::NAN,
            ci_low: 0.0,
            ci_high: 1.0,
        };
    }
    #[allow(clippy::cast_precision_loss)]
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let center = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Probability {
        p,
        ci_low: (center - half).max(0.0),
        ci_high: (center + half).min(1.0),
    }
}

/// Summarize path results (sorted by path index first).
pub fn summarize(results: &[PathResult]) -> Distribution {
    let mut r: Vec<&PathResult> = results.iter().collect();
    r.sort_by_key(|p| p.path);
    let col = |f: &dyn Fn(&PathResult) -> f64| r.iter().map(|p| f(p)).collect::<Vec<f64>>();
    let mut metrics = BTreeMap::new();
    let total = col(&|p| p.bad_debt + p.latent_bad_debt);
    metrics.insert("total_bad_debt".into(), metric(&total));
    metrics.insert("bad_debt".into(), metric(&col(&|p| p.bad_debt)));
    metrics.insert(
        "latent_bad_debt".into(),
        metric(&col(&|p| p.latent_bad_debt)),
    );
    metrics.insert(
        "loss_past_bankruptcy".into(),
        metric(&col(&|p| p.loss_past_bankruptcy)),
    );
    metrics.insert(
        "insurance_fund_end".into(),
        metric(&col(&|p| p.insurance_fund_end)),
    );
    #[allow(clippy::cast_precision_loss)]
    metrics.insert(
        "liquidations".into(),
        metric(&col(&|p| p.liquidations as f64)),
    );
    metrics.insert(
        "liquidation_volume".into(),
        metric(&col(&|p| p.liquidation_volume)),
    );
    #[allow(clippy::cast_precision_loss)]
    metrics.insert("adl_events".into(), metric(&col(&|p| p.adl_events as f64)));
    metrics.insert("adl_volume".into(), metric(&col(&|p| p.adl_volume)));
    metrics.insert(
        "socialized_loss".into(),
        metric(&col(&|p| p.socialized_loss)),
    );
    let (var, cvar) = var_cvar(&total);
    let n = r.len();
    let count = |f: &dyn Fn(&PathResult) -> bool| r.iter().filter(|p| f(p)).count();
    let mut probabilities = BTreeMap::new();
    probabilities.insert(
        "fund_depletion".into(),
        wilson(count(&|p| p.fund_depleted), n),
    );
    probabilities.insert("adl".into(), wilson(count(&|p| p.adl), n));
    probabilities.insert("insolvency".into(), wilson(count(&|p| p.insolvent), n));
    let mut ttf = BTreeMap::new();
    #[allow(clippy::cast_precision_loss)]
    for (name, f) in [
        (
            "liquidation",
            &(|p: &PathResult| p.first_liquidation_block) as &dyn Fn(&PathResult) -> Option<u64>,
        ),
        ("loss_past_bankruptcy", &|p: &PathResult| p.first_loss_block),
        ("fund_depletion", &|p: &PathResult| p.fund_depletion_block),
    ] {
        let v: Vec<f64> = r.iter().filter_map(|p| f(p)).map(|b| b as f64).collect();
        ttf.insert(name.to_string(), metric(&v));
    }
    Distribution {
        paths: n,
        failed_paths: count(&|p| p.error.is_some()),
        metrics,
        var,
        cvar,
        probabilities,
        time_to_first_failure: ttf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quantiles_match_numpy() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        // numpy.quantile(range(1, 11), [0.5, 0.9, 0.99]) = 5.5, 9.1, 9.91
        assert!((quantile(&v, 0.5) - 5.5).abs() < 1e-12);
        assert!((quantile(&v, 0.9) - 9.1).abs() < 1e-12);
        assert!((quantile(&v, 0.99) - 9.91).abs() < 1e-12);
    }

    #[test]
    fn wilson_interval_matches_the_textbook_example() {
        // 8 successes in 10: 95% Wilson interval ≈ [0.4902, 0.9433].
        let w = wilson(8, 10);
        assert!(
            (w.ci_low - 0.4902).abs() < 1e-3 && (w.ci_high - 0.9433).abs() < 1e-3,
            "{w:?}"
        );
        let zero = wilson(0, 100);
        assert!(
            zero.ci_low < 1e-12 && zero.ci_high > 0.03 && zero.ci_high < 0.04,
            "{zero:?}"
        );
    }

    #[test]
    fn mean_interval_and_cvar() {
        let v: Vec<f64> = (0..1000).map(|i| f64::from(i % 10)).collect();
        let m = metric(&v);
        assert!((m.mean - 4.5).abs() < 1e-12);
        assert!(m.mean_ci[0] < 4.5 && m.mean_ci[1] > 4.5 && m.mean_ci[1] - m.mean_ci[0] < 0.4);
        let q = m.quantile_ci.get("p50").unwrap();
        assert!(q[0] <= 4.0 && q[1] >= 5.0);
    }
}
