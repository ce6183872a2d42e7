//! Paired comparison of a baseline scenario and variants on identical random streams:
//! path `i` of every scenario uses the same seed, so each difference is measured path by
//! path (common random numbers) and its confidence interval is that of a paired mean.

use crate::path::{run_path, PathResult};
use faultline_scenario::Scenario;
use rayon::prelude::*;
use serde::Serialize;

const Z95: f64 = 1.959_963_984_540_054;

/// Reads one metric from a path.
pub type MetricFn = fn(&PathResult) -> f64;

/// The metrics compared, with how each is read from a path.
pub const COMPARED: [(&str, MetricFn); 9] = [
    ("total_bad_debt", |p| p.bad_debt + p.latent_bad_debt),
    ("loss_past_bankruptcy", |p| p.loss_past_bankruptcy),
    ("fund_depleted", |p| f64::from(u8::from(p.fund_depleted))),
    #[allow(clippy::cast_precision_loss)]
    ("adl_events", |p| p.adl_events as f64),
    ("adl_volume", |p| p.adl_volume),
    ("liquidations", |p| p.liquidations as f64),
    ("liquidation_volume", |p| p.liquidation_volume),
    ("halted_blocks", |p| p.halted_blocks as f64),
    ("volume_lost_to_halts", |p| p.halted_volume),
];

/// One metric, baseline against variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedMetric {
    /// Metric name.
    pub metric: String,
    /// Baseline mean.
    pub base_mean: f64,
    /// Variant mean.
    pub variant_mean: f64,
    /// Mean of the per-path differences (variant − baseline).
    pub diff_mean: f64,
    /// 95% interval of that mean (paired).
    pub diff_ci: [f64; 2],
    /// Share of paths where the variant is higher.
    pub share_higher: f64,
    /// Share of paths where the variant is lower.
    pub share_lower: f64,
}

/// A variant against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantComparison {
    /// Variant name (its scenario name).
    pub variant: String,
    /// Paths compared.
    pub paths: u64,
    /// Paired metrics.
    pub metrics: Vec<PairedMetric>,
}

/// Run `paths` paths of the baseline and every variant on the same seeds and compare.
pub fn compare(
    base: &Scenario,
    variants: &[&Scenario],
    paths: u64,
    seed: u64,
    threads: Option<usize>,
) -> Result<Vec<VariantComparison>, String> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t.max(1));
    }
    let pool = b.build().map_err(|e| e.to_string())?;
    let run = |s: &Scenario| -> Vec<PathResult> {
        pool.install(|| {
            (0..paths)
                .into_par_iter()
                .map(|i| run_path(s, seed, i))
                .collect()
        })
    };
    let base_rows = run(base);
    Ok(variants
        .iter()
        .map(|v| paired(&v.file.name, &base_rows, &run(v)))
        .collect())
}

/// Paired statistics of two runs over the same paths (rows in path order).
pub fn paired(name: &str, base: &[PathResult], variant: &[PathResult]) -> VariantComparison {
    let metrics = COMPARED
        .iter()
        .map(|(metric, f)| {
            let b: Vec<f64> = base.iter().map(f).collect();
            let v: Vec<f64> = variant.iter().map(f).collect();
            paired_metric(metric, &b, &v)
        })
        .collect();
    VariantComparison {
        variant: name.to_string(),
        paths: base.len() as u64,
        metrics,
    }
}

/// One metric's paired statistics: `base[i]` and `variant[i]` come from path `i` of each.
pub fn paired_metric(metric: &str, base: &[f64], variant: &[f64]) -> PairedMetric {
    #[allow(clippy::cast_precision_loss)]
    let n = base.len().min(variant.len()).max(1) as f64;
    let d: Vec<f64> = base.iter().zip(variant).map(|(b, v)| v - b).collect();
    let mean = d.iter().sum::<f64>() / n;
    let sd = if d.len() > 1 {
        (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let half = Z95 * sd / n.sqrt();
    #[allow(clippy::cast_precision_loss)]
    let share = |pred: &dyn Fn(f64) -> bool| d.iter().filter(|x| pred(**x)).count() as f64 / n;
    PairedMetric {
        metric: metric.to_string(),
        base_mean: base.iter().sum::<f64>() / n,
        variant_mean: variant.iter().sum::<f64>() / n,
        diff_mean: mean,
        diff_ci: [mean - half, mean + half],
        share_higher: share(&|x| x > 0.0),
        share_lower: share(&|x| x < 0.0),
    }
}
