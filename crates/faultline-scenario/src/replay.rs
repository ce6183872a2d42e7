//! Bundled replays of real events: `scenarios/replays/<event>/replay.toml` names the
//! scenario or system file to run, cites the source of every parameter, and lists the
//! published outcomes to set beside the simulated ones (each read from the run's
//! `summary.json` by a JSON pointer, never typed in).

use crate::error::ValidationReport;
use crate::load::{parse_checked, read_input};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One replay's description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayManifest {
    /// Format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Title shown in the report.
    pub title: String,
    /// When it happened (UTC date).
    pub date: String,
    /// One line for `faultline replay --list`.
    pub short: String,
    /// What the replay shows and how it is built.
    pub summary: String,
    /// Real data (the price and gas paths come from files) or stylized (a scenario
    /// shaped after the event where no public minute data exists).
    pub data: ReplayData,
    /// `scenario` (the perp engine), `system` (several protocols, version 1) or `world`
    /// (any number of protocols, version 2).
    pub kind: ReplayKind,
    /// The file to run, relative to this manifest.
    pub file: String,
    /// Where each parameter comes from.
    #[serde(default)]
    pub calibration: Vec<Calibration>,
    /// Published figures and where the run's value is read.
    #[serde(default)]
    pub outcome: Vec<Outcome>,
}

/// Real or stylized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplayData {
    /// Replays real market data.
    Real,
    /// Shaped after the event; no public minute data.
    Stylized,
}

/// What runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplayKind {
    /// A scenario file (`faultline run`).
    Scenario,
    /// A world file (`faultline run`, schema version 2).
    World,
}

/// One parameter's source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The parameter (file key).
    pub parameter: String,
    /// Its value.
    pub value: String,
    /// Where it comes from (or why it is an assumption).
    pub source: String,
}

/// A published figure and the run's counterpart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// What is compared.
    pub what: String,
    /// The published figure, as published.
    pub published: String,
    /// Its source.
    pub source: String,
    /// JSON pointer into the run's summary.json (e.g. `/system/losses/cdp`); empty when
    /// the run has no counterpart.
    #[serde(default)]
    pub simulated: String,
}

/// A bundled replay found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundReplay {
    /// Event name (its directory).
    pub name: String,
    /// Its manifest file.
    pub path: PathBuf,
    /// Parsed manifest.
    pub manifest: ReplayManifest,
}

/// Read and check one manifest.
pub fn load_replay(path: &Path) -> Result<ReplayManifest, ValidationReport> {
    let text = read_input(path)?;
    let (m, _): (ReplayManifest, _) = parse_checked(&text, path, "a valid replay manifest")?;
    Ok(m)
}

/// Every replay under `dir` (one sub-directory per event, each with a replay.toml),
/// in name order.
pub fn list_replays(dir: &Path) -> Result<Vec<FoundReplay>, ValidationReport> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    for d in names {
        let path = d.join("replay.toml");
        if path.exists() {
            let manifest = load_replay(&path)?;
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push(FoundReplay {
                name,
                path,
                manifest,
            });
        }
    }
    Ok(out)
}
