//! Monte Carlo stress testing: many paths of one scenario, in parallel, reproducible
//! bit for bit whatever the thread count or the split, resumable, shardable, and
//! summarized as distributions with confidence intervals.
//!
//! **Architecture invariant: path `i` depends only on the scenario, the run seed and
//! `i`.** Its seed is [`path_seed`]`(seed, i)`; results are ordered by path index before
//! anything is summed or written, so thread scheduling never reaches an output.
#![forbid(unsafe_code)]

mod compare;
mod path;
mod run;
mod stats;
mod sweep;
mod table;
mod world_paths;
mod world_sweep;
mod world_table;

pub use compare::{compare, paired, paired_metric, PairedMetric, VariantComparison, COMPARED};
pub use path::{path_seed, run_path, PathResult};
pub use run::{
    merge, merge_of, run_stress, run_stress_of, stress_kind, PathTable, RunIdentity, RunKind,
    Shard, StressConfig, StressError, StressManifest, StressOutcome, VenueTable,
};
pub use stats::{metric, summarize, var_cvar, wilson, Distribution, MetricSummary, Probability};
pub use sweep::venue_metrics;
pub use sweep::{
    apply, parse_param, recommend, run_sweep, Budget, ParamRange, SweepConfig, SweepError,
    SweepPoint, SweepResult, METRICS,
};
pub use table::{read_paths_csv, write_paths_csv, write_paths_parquet};
pub use world_paths::{
    is_flag_column, is_loss_column, paired_world, run_world_path, run_world_paths, summarize_world,
    world_columns, world_paths_csv, WorldDistribution, WorldPath, WorldPathsError,
};
pub use world_sweep::{run_world_sweep, world_metrics};
pub use world_table::WorldTable;
