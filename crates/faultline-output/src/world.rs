//! The run directory of a world: manifest, summary in the loss vocabulary, the
//! cross-protocol failure sequence and one timeline per kind of element.

use crate::write::{json_line, pretty, write_dir_atomically, OutputError};
use faultline_world::{WorldEvent, WorldRecords, WorldSummary};
use serde::Serialize;
use std::path::Path;

/// manifest.json of a world run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorldManifest {
    /// World name.
    pub world: String,
    /// File it came from.
    pub world_path: String,
    /// Schema version of the file (2).
    pub schema_version: u32,
    /// Seed.
    pub seed: u64,
    /// SHA-256 of the file's text.
    pub config_hash: String,
    /// Engine version.
    pub engine_version: String,
    /// Tick length, ms.
    pub tick_ms: u64,
    /// Ticks.
    pub ticks: u64,
    /// Asset symbols in id order.
    pub assets: Vec<String>,
    /// Protocol names in file order.
    pub protocols: Vec<String>,
}

fn csv_of<T: Serialize>(what: &'static str, rows: &[T]) -> Result<Vec<u8>, OutputError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| OutputError::Serialize {
            what,
            message: e.to_string(),
        })?;
    }
    w.into_inner().map_err(|e| OutputError::Serialize {
        what,
        message: e.to_string(),
    })
}

/// Write a world run into `dir` atomically: `manifest.json`, `summary.json`,
/// `events.jsonl`, `assets.csv`, `venues.csv`, `oracles.csv`, `protocols.csv`, and the
/// `extra` files (the exposure networks).
pub fn write_world_dir(
    dir: &Path,
    manifest: &WorldManifest,
    summary: &WorldSummary,
    events: &[WorldEvent],
    records: &WorldRecords,
    extra: &[(&str, Vec<u8>)],
) -> Result<(), OutputError> {
    let mut ev = String::new();
    for e in events {
        ev.push_str(&json_line("event", e)?);
    }
    let mut files = vec![
        ("manifest.json", pretty("manifest", manifest)?.into_bytes()),
        ("summary.json", pretty("summary", summary)?.into_bytes()),
        ("events.jsonl", ev.into_bytes()),
        ("assets.csv", csv_of("assets", &records.assets)?),
        ("venues.csv", csv_of("venues", &records.venues)?),
        ("oracles.csv", csv_of("oracles", &records.oracles)?),
        ("protocols.csv", csv_of("protocols", &records.protocols)?),
    ];
    files.extend(extra.iter().cloned());
    write_dir_atomically(dir, &files)
}
