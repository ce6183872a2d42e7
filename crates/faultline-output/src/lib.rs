//! Run outputs: a run directory with `manifest.json`, `timeline.csv`, `events.jsonl`
//! and `summary.json`, written atomically (all files land together or none do).
#![forbid(unsafe_code)]

mod summary;
mod world;
mod write;

pub use summary::{LiquidatorSummary, Manifest, Summary};
pub use world::{write_world_dir, WorldManifest};
pub use write::{
    json_line, markets_csv, pretty, write_dir_atomically, write_run_dir, OutputError, RunArtifacts,
    VenueTimeline,
};
