//! Sweeps over a world's keys: every setting of the swept keys is a world file, checked
//! like any other before anything runs, and run over the same path seeds (common random
//! numbers); its risk is the distribution of every protocol's losses in the loss
//! vocabulary. A key is any value of the file, by its place (`protocol[1].reserve[0].ltv`)
//! or by the names of the elements it passes through (`protocol.lender.reserve.WETH.ltv`).

use crate::sweep::{apply, describe, finish, pool, settings};
use crate::world_paths::{
    is_flag_column, is_loss_column, run_world_path, summarize_world, world_columns,
};
use crate::{SweepConfig, SweepError, SweepPoint, SweepResult, WorldPath};
use faultline_scenario::world_file::parse_world;
use faultline_world::WorldSpec;
use rayon::prelude::*;
use std::path::Path;

/// Statistics a world sweep reports per loss column, as `<column>.<statistic>`: the mean
/// and the 99th percentile in dollars, and `p_loss`, the probability of a loss of at least
/// $1.
const STATISTICS: [&str; 3] = ["mean", "p99", "p_loss"];

/// The risk metrics of a world's sweep: each statistic of each loss column of its
/// per-path table (`total_shortfall.p99`, `lender.protocol_deficit.p_loss`, ...), and the
/// probability of each flag (`perp.fund_depleted.p`, `perp.adl.p`).
pub fn world_metrics(spec: &WorldSpec) -> Vec<String> {
    let columns = world_columns(spec);
    let losses = columns
        .iter()
        .filter(|c| is_loss_column(c))
        .flat_map(|c| STATISTICS.map(|s| format!("{c}.{s}")));
    let flags = columns
        .iter()
        .filter(|c| is_flag_column(c))
        .map(|c| format!("{c}.p"));
    losses.chain(flags).collect()
}

/// Run the sweep over the world `text` (read from `path`, which resolves its data and
/// venue files). Every setting is validated before any is run.
pub fn run_world_sweep(
    text: &str,
    path: &Path,
    cfg: &SweepConfig,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SweepResult, SweepError> {
    let keys: Vec<String> = cfg.params.iter().map(|p| p.key.clone()).collect();
    let settings = settings(cfg)?;
    let mut worlds = Vec::with_capacity(settings.len());
    for values in &settings {
        let t = apply(text, &keys, values)?;
        let w = parse_world(&t, path).map_err(|report| SweepError::Invalid {
            setting: describe(&keys, values),
            report: Box::new(report),
        })?;
        worlds.push(w.spec);
    }
    let pool = pool(cfg)?;
    let mut points = Vec::with_capacity(settings.len());
    for (n, (values, spec)) in settings.iter().zip(&worlds).enumerate() {
        let rows: Vec<WorldPath> = pool.install(|| {
            (0..cfg.paths)
                .into_par_iter()
                .map(|i| run_world_path(spec, cfg.seed, i))
                .collect()
        });
        points.push(point(values.clone(), spec, &rows));
        progress(n + 1, settings.len());
    }
    Ok(finish(keys, points, cfg))
}

fn point(values: Vec<f64>, spec: &WorldSpec, rows: &[WorldPath]) -> SweepPoint {
    let columns = world_columns(spec);
    let d = summarize_world(&columns, rows);
    let mut metrics = std::collections::BTreeMap::new();
    for c in columns.iter().filter(|c| is_loss_column(c)) {
        let (m, p) = (&d.metrics[c], &d.probabilities[c]);
        let p99 = m.quantiles.get("p99").copied().unwrap_or(f64::NAN);
        for (s, v) in STATISTICS.into_iter().zip([m.mean, p99, p.p]) {
            metrics.insert(format!("{c}.{s}"), v);
        }
    }
    for c in columns.iter().filter(|c| is_flag_column(c)) {
        metrics.insert(format!("{c}.p"), d.probabilities[c].p);
    }
    SweepPoint {
        values,
        metrics,
        on_frontier: false,
        meets_budget: None,
    }
}
