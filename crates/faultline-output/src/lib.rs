//! Run outputs: a world's run directory (`manifest.json`, `summary.json`, `events.jsonl`,
//! the timelines and `markets.csv`), written atomically (all files land together or none
//! do).
#![forbid(unsafe_code)]

mod world;
mod write;

pub use world::{write_world_dir, WorldManifest};
pub use write::{json_line, markets_csv, pretty, write_dir_atomically, OutputError, VenueTimeline};
