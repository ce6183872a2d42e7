//! Monte Carlo over a multi-protocol system: path `i` runs the system with the seed
//! `path_seed(seed, i)` on a rayon pool; results are ordered by path before anything is
//! summed or written, so thread count never changes an output byte.

use crate::compare::{paired_metric, VariantComparison};
use crate::stats::{metric, wilson, MetricSummary, Probability};
use faultline_engine::rng::path_seed;
use faultline_system::system::Isolation;
use faultline_system::{run_with, PerpFactory, SystemConfig};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// What is recorded per path, in column order.
pub const SYSTEM_METRICS: [&str; 11] = [
    "system_loss",
    "cdp_loss",
    "lending_loss",
    "vault_loss",
    "perp_loss",
    "fusd_min",
    "eth_pool_min_ratio",
    "mkr_min_ratio",
    "lending_liquidations",
    "lending_withdrawn",
    "cdp_auctions",
];

/// One path's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemPath {
    /// Path index.
    pub path: u64,
    /// Its seed.
    pub seed: u64,
    /// Values of [`SYSTEM_METRICS`], in order.
    pub values: Vec<f64>,
    /// Why it stopped early, if it did (its values are those of the blocks it ran), or
    /// why it could not start (its values are NaN).
    pub error: Option<String>,
}

/// The distribution over paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemDistribution {
    /// Paths.
    pub paths: usize,
    /// Paths that stopped early or could not start.
    pub failed_paths: usize,
    /// Per metric.
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Probabilities with Wilson intervals (losses of at least $1): a system loss, a lending deficit, FUSD
    /// below $0.99, a perp loss.
    pub probabilities: BTreeMap<String, Probability>,
}

/// Run `paths` paths on `threads` threads (all cores when `None`).
pub fn run_system_paths(
    cfg: &SystemConfig,
    seed: u64,
    paths: u64,
    threads: Option<usize>,
    perp: Option<PerpFactory<'_>>,
) -> Result<Vec<SystemPath>, String> {
    let one = |i: u64| {
        let s = path_seed(seed, i);
        match run_with(cfg, s, Isolation::default(), perp) {
            Ok(r) => {
                let m = &r.summary;
                let l = m.lending.as_ref();
                SystemPath {
                    path: i,
                    seed: s,
                    values: vec![
                        m.system_loss,
                        m.losses.cdp,
                        m.losses.lending,
                        m.losses.vault,
                        m.losses.perp,
                        m.fusd_min,
                        m.eth_pool_min_ratio,
                        m.mkr_min_ratio,
                        l.map_or(0.0, |l| l.liquidations as f64),
                        l.map_or(0.0, |l| l.withdrawn),
                        m.cdp.as_ref().map_or(0.0, |c| c.kicks as f64),
                    ],
                    error: m.error.clone(),
                }
            }
            Err(e) => SystemPath {
                path: i,
                seed: s,
                values: vec![f64::NAN; SYSTEM_METRICS.len()],
                error: Some(e.to_string()),
            },
        }
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t.max(1));
    }
    let pool = builder.build().map_err(|e| e.to_string())?;
    let mut out: Vec<SystemPath> = pool.install(|| (0..paths).into_par_iter().map(one).collect());
    out.sort_by_key(|p| p.path);
    Ok(out)
}

/// Summarize paths.
pub fn summarize_system(paths: &[SystemPath]) -> SystemDistribution {
    let col = |k: usize| -> Vec<f64> { paths.iter().map(|p| p.values[k]).collect() };
    let metrics = SYSTEM_METRICS
        .iter()
        .enumerate()
        .map(|(k, name)| ((*name).to_string(), metric(&col(k))))
        .collect();
    let count = |f: &dyn Fn(&SystemPath) -> bool| paths.iter().filter(|p| f(p)).count();
    let n = paths.len();
    let mut probabilities = BTreeMap::new();
    // Losses count from $1: below it is rounding dust (an ADL fill leaves at most one
    // quote atom).
    probabilities.insert(
        "system_loss".into(),
        wilson(count(&|p| p.values[0] > 1.0), n),
    );
    probabilities.insert(
        "lending_deficit".into(),
        wilson(count(&|p| p.values[2] > 1.0), n),
    );
    probabilities.insert(
        "fusd_below_0_99".into(),
        wilson(count(&|p| p.values[5] < 0.99), n),
    );
    probabilities.insert("perp_loss".into(), wilson(count(&|p| p.values[4] > 1.0), n));
    SystemDistribution {
        paths: n,
        failed_paths: count(&|p| p.error.is_some()),
        metrics,
        probabilities,
    }
}

/// The per-path table as CSV.
pub fn system_paths_csv(paths: &[SystemPath]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["path".to_string(), "seed".to_string()];
    header.extend(SYSTEM_METRICS.iter().map(|s| (*s).to_string()));
    header.push("error".into());
    w.write_record(&header).map_err(|e| e.to_string())?;
    for p in paths {
        let mut row = vec![p.path.to_string(), p.seed.to_string()];
        row.extend(p.values.iter().map(|v| format!("{v}")));
        row.push(p.error.clone().unwrap_or_default());
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// Paired comparison of a baseline system's paths with a variant's (same seeds, path
/// order): every metric of [`SYSTEM_METRICS`].
pub fn paired_system(name: &str, base: &[SystemPath], variant: &[SystemPath]) -> VariantComparison {
    let metrics = SYSTEM_METRICS
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let b: Vec<f64> = base.iter().map(|p| p.values[k]).collect();
            let v: Vec<f64> = variant.iter().map(|p| p.values[k]).collect();
            paired_metric(m, &b, &v)
        })
        .collect();
    VariantComparison {
        variant: name.to_string(),
        paths: base.len() as u64,
        metrics,
    }
}
