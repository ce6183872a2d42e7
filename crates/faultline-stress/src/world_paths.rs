//! Monte Carlo over a world: path `i` runs the world with the seed `path_seed(seed, i)` on
//! a rayon pool; results are ordered by path before anything is summed or written, so the
//! thread count never changes an output byte. Every path records the loss vocabulary per
//! protocol, so the distribution speaks it too.

use crate::compare::{paired_metric, VariantComparison};
use crate::stats::{metric, var_cvar, wilson, MetricSummary, Probability};
use faultline_engine::rng::path_seed;
use faultline_engine::EventKind;
use faultline_world::{World, WorldEvent, WorldEventKind, WorldSpec, WorldSummary};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

/// Why world paths could not run.
#[derive(Debug, Error)]
pub enum WorldPathsError {
    /// The thread pool could not start.
    #[error("starting {threads:?} worker threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: Option<usize>,
        /// The pool's error.
        message: String,
    },
    /// Writing the per-path table.
    #[error("writing the per-path table: {0}")]
    Csv(#[from] csv::Error),
    /// Writing the per-path table.
    #[error("writing the per-path table: {0}")]
    Io(#[from] std::io::Error),
}

/// One path's outcome: the values of the columns, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorldPath {
    /// Path index.
    pub path: u64,
    /// Its seed.
    pub seed: u64,
    /// Values, in column order (NaN when the world could not start).
    pub values: Vec<f64>,
    /// Why it stopped early (its values are those of the ticks it ran) or could not start.
    pub error: Option<String>,
}

/// The distribution over paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorldDistribution {
    /// Paths.
    pub paths: usize,
    /// Paths that stopped early or could not start.
    pub failed_paths: usize,
    /// The first of them: `path i (seed s): why`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    /// Per column.
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Probabilities with Wilson intervals: any shortfall, and per protocol a shortfall,
    /// an uncovered deficit and a latent shortfall at the end (losses of at least $1);
    /// per perp venue its fund running dry and ADL.
    pub probabilities: BTreeMap<String, Probability>,
    /// Value at risk of the total shortfall (all protocols, recognized at the end) at
    /// 95, 99 and 99.9%.
    pub var: BTreeMap<String, f64>,
    /// Conditional value at risk (expected shortfall beyond the VaR) at the same levels.
    pub cvar: BTreeMap<String, f64>,
}

/// What a path records per protocol, in column order (`<protocol>.<field>`).
const PROTOCOL_FIELDS: [&str; 8] = [
    "shortfall",
    "reserve",
    "adl_haircut",
    "socialized_loss",
    "protocol_deficit",
    "latent_shortfall",
    "liquidations",
    "liquidation_volume",
];

/// What a path records per perp venue besides the loss vocabulary: its insurance fund at
/// the end, ADL fills, and two flags (1 or 0): the fund ran dry at some block, ADL closed
/// a position.
const PERP_FIELDS: [&str; 4] = ["insurance_fund_end", "adl_fills", "fund_depleted", "adl"];

/// The columns of a world's per-path table: totals, the loss vocabulary per protocol (and
/// a perp venue's fund, ADL and their flags), each asset's lowest reference and each
/// venue's lowest mid.
pub fn world_columns(spec: &WorldSpec) -> Vec<String> {
    let mut c = vec![
        "total_shortfall".to_string(),
        "total_latent_shortfall".to_string(),
    ];
    for p in &spec.protocols {
        c.extend(PROTOCOL_FIELDS.iter().map(|f| format!("{}.{f}", p.name())));
        if matches!(p, faultline_world::spec::ProtocolSpec::Perp(_)) {
            c.extend(PERP_FIELDS.iter().map(|f| format!("{}.{f}", p.name())));
        }
    }
    c.extend(
        spec.assets
            .iter()
            .map(|a| format!("{}.reference_low", a.name)),
    );
    c.extend(spec.venues.iter().map(|v| format!("{}.mid_low", v.name)));
    c
}

fn row(s: &WorldSummary, events: &[WorldEvent]) -> Vec<f64> {
    let mut v = vec![s.total_shortfall, s.total_latent_shortfall];
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    for p in &s.protocols {
        v.extend([
            p.shortfall,
            p.borne_by.reserve,
            p.borne_by.adl_haircut,
            p.borne_by.socialized_loss,
            p.borne_by.protocol_deficit,
            p.latent_shortfall,
            p.liquidations as f64,
            p.liquidation_volume,
        ]);
        if let Some(d) = &p.perp {
            let depleted = events.iter().any(|e| {
                e.subject == p.name
                    && e.kind == WorldEventKind::Perp(EventKind::InsuranceFundDepleted)
            });
            v.extend([
                d.insurance_fund_end,
                d.adl_fills as f64,
                flag(depleted),
                flag(d.adl_fills > 0),
            ]);
        }
    }
    v.extend(s.assets.iter().map(|a| a.reference_low));
    v.extend(s.venues.iter().map(|x| x.mid_low));
    v
}

/// True for the flag columns (1 or 0 per path): a perp venue's fund ran dry, ADL
/// happened. Their probability is the share of paths where the flag is set.
pub fn is_flag_column(name: &str) -> bool {
    name.ends_with(".fund_depleted") || name.ends_with(".adl")
}

/// True for the loss columns: total shortfall and each protocol's shortfall, protocol
/// deficit and latent shortfall (those that get probabilities and are printed first).
pub fn is_loss_column(name: &str) -> bool {
    name == "total_shortfall"
        || name.ends_with(".shortfall")
        || name.ends_with(".protocol_deficit")
        || name.ends_with(".latent_shortfall")
}

/// Run path `i`: the world with seed `path_seed(seed, i)`.
pub fn run_world_path(spec: &WorldSpec, seed: u64, i: u64) -> WorldPath {
    let s = path_seed(seed, i);
    let width = world_columns(spec).len();
    let failed = |e: String| WorldPath {
        path: i,
        seed: s,
        values: vec![f64::NAN; width],
        error: Some(e),
    };
    let mut world = match World::new(spec.clone(), s) {
        Ok(w) => w,
        Err(e) => return failed(e.to_string()),
    };
    let error = world.run().err().map(|e| e.to_string());
    match world.summary(error.clone()) {
        Ok(summary) => WorldPath {
            path: i,
            seed: s,
            values: row(&summary, world.events()),
            error,
        },
        Err(e) => failed(e.to_string()),
    }
}

/// Run `paths` paths on `threads` threads (all cores when `None`), calling `progress`
/// with the number of paths finished so far.
pub fn run_world_paths(
    spec: &WorldSpec,
    seed: u64,
    paths: u64,
    threads: Option<usize>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<WorldPath>, WorldPathsError> {
    let finished = std::sync::atomic::AtomicU64::new(0);
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t.max(1));
    }
    let pool = builder.build().map_err(|e| WorldPathsError::Threads {
        threads,
        message: e.to_string(),
    })?;
    let mut out: Vec<WorldPath> = pool.install(|| {
        (0..paths)
            .into_par_iter()
            .map(|i| {
                let path = run_world_path(spec, seed, i);
                progress(finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                path
            })
            .collect()
    });
    out.sort_by_key(|p| p.path);
    Ok(out)
}

/// Summarize paths over `columns`.
pub fn summarize_world(columns: &[String], paths: &[WorldPath]) -> WorldDistribution {
    let col = |k: usize| -> Vec<f64> { paths.iter().map(|p| p.values[k]).collect() };
    let metrics = columns
        .iter()
        .enumerate()
        .map(|(k, name)| (name.clone(), metric(&col(k))))
        .collect();
    let n = paths.len();
    // Losses count from $1: below it is rounding dust.
    let share = |k: usize| wilson(paths.iter().filter(|p| p.values[k] > 1.0).count(), n);
    let mut probabilities = BTreeMap::new();
    for (k, name) in columns.iter().enumerate() {
        if is_loss_column(name) {
            probabilities.insert(name.clone(), share(k));
        } else if is_flag_column(name) {
            let set = paths.iter().filter(|p| p.values[k] >= 0.5).count();
            probabilities.insert(name.clone(), wilson(set, n));
        }
    }
    let total = columns
        .iter()
        .position(|c| c == "total_shortfall")
        .map_or_else(Vec::new, col);
    let (var, cvar) = var_cvar(&total);
    WorldDistribution {
        paths: n,
        failed_paths: paths.iter().filter(|p| p.error.is_some()).count(),
        first_failure: paths.iter().find_map(|p| {
            p.error
                .as_ref()
                .map(|e| format!("path {} (seed {}): {e}", p.path, p.seed))
        }),
        metrics,
        probabilities,
        var,
        cvar,
    }
}

/// The per-path table as CSV.
pub fn world_paths_csv(
    columns: &[String],
    paths: &[WorldPath],
) -> Result<Vec<u8>, WorldPathsError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["path".to_string(), "seed".to_string()];
    header.extend(columns.iter().cloned());
    header.push("error".into());
    w.write_record(&header)?;
    for p in paths {
        let mut r = vec![p.path.to_string(), p.seed.to_string()];
        r.extend(p.values.iter().map(|v| format!("{v}")));
        r.push(p.error.clone().unwrap_or_default());
        w.write_record(&r)?;
    }
    w.into_inner()
        .map_err(|e| WorldPathsError::Io(e.into_error()))
}

/// Paired comparison of a baseline world's paths with a variant's (same seeds, path
/// order) on every column both have.
pub fn paired_world(
    name: &str,
    base_columns: &[String],
    base: &[WorldPath],
    variant_columns: &[String],
    variant: &[WorldPath],
) -> VariantComparison {
    let metrics = base_columns
        .iter()
        .enumerate()
        .filter_map(|(k, m)| {
            let j = variant_columns.iter().position(|c| c == m)?;
            let b: Vec<f64> = base.iter().map(|p| p.values[k]).collect();
            let v: Vec<f64> = variant.iter().map(|p| p.values[j]).collect();
            Some(paired_metric(m, &b, &v))
        })
        .collect();
    VariantComparison {
        variant: name.to_string(),
        paths: base.len() as u64,
        metrics,
    }
}
