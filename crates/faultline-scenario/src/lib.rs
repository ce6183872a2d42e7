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
mod error;
mod load;
mod locate;
pub mod network;
pub mod replay;
pub mod schema;
pub mod system_file;
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
