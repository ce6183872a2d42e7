//! Scenario files: parse, validate (every error, with file, line, field, expectation
//! and hint), and build a ready-to-run [`faultline_engine::Simulation`].
//!
//! Validation runs in three passes, all before anything is written: TOML syntax; a walk
//! of the document against the JSON Schema generated from [`schema`] (every unknown
//! key, wrong type and out-of-range value in one report); then rules across fields
//! (tier ordering, market references, gap blocks, data files).
#![forbid(unsafe_code)]

mod build;
mod check;
mod columns;
mod error;
mod load;
mod locate;
pub mod migrate;
pub mod network;
pub mod one_venue;
pub mod replay;
pub mod schema;
mod wiring;
pub mod world_file;

pub use build::{build, build_with_reference, build_with_references, BuildError, Built};
pub use error::{ValidationError, ValidationReport};
pub use load::{load, parse, Scenario};
pub use schema::ScenarioFile;

/// The bundled default scenario's text.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/default.toml");
/// The name the bundled default is reported under.
pub const DEFAULT_SCENARIO_NAME: &str = "scenarios/default.toml (bundled)";

/// Parse the bundled default scenario.
pub fn default_scenario() -> Result<Scenario, ValidationReport> {
    parse(
        DEFAULT_SCENARIO,
        std::path::Path::new(DEFAULT_SCENARIO_NAME),
        std::path::Path::new("."),
    )
}

/// The JSON Schema of the scenario format, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ScenarioFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// The kinds of file Faultline reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One perp venue: a one-venue world (`schema_version = 2`) or a version-1 scenario.
    Scenario,
    /// A world of several protocols, assets and venues (`schema_version = 2`).
    World,
    /// A retired version-1 system file (it has an `[eth]` market): refused with a pointer
    /// to world files.
    System,
    /// An exposure network (`faultline contagion`).
    Network,
    /// A replay manifest (`replay.toml`).
    Replay,
}

/// What kind of file `path` is, told apart by its top-level keys (a scenario when it
/// cannot be read or parsed: the scenario validator then reports why).
pub fn file_kind(path: &std::path::Path) -> FileKind {
    let Ok(text) = std::fs::read_to_string(path) else {
        return FileKind::Scenario;
    };
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return FileKind::Scenario;
    };
    let has = |k: &str| doc.as_table().contains_key(k);
    if doc
        .get("schema_version")
        .and_then(toml_edit::Item::as_integer)
        == Some(2)
        && !one_venue::is_one_venue(doc.as_table())
    {
        FileKind::World
    } else if has("eth") {
        FileKind::System
    } else if has("exposure") || has("recovery_external") {
        FileKind::Network
    } else if has("calibration") || has("outcome") || has("title") {
        FileKind::Replay
    } else {
        FileKind::Scenario
    }
}
