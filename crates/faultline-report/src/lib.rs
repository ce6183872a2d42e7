//! `faultline report RUN_DIR`: one self-contained HTML page (no network, no external
//! files: charts are inline SVG, styles and the small script inline) plus every chart as
//! an SVG and a PNG file, for any run directory — a single run, a world run, a Monte
//! Carlo stress run, a comparison or a replay.
//!
//! The kind is read from the directory: `compare.json` (a comparison),
//! `distribution.json` (a stress run; a world's when `stress-manifest.json` says
//! `kind = "world"`), a
//! manifest naming a `world`, or a single-run
//! manifest. A replay is a single run with a `replay.json` beside it, whose
//! published figures are shown next to the simulated ones.

pub mod chart;
mod html;
mod kinds;
mod png;
mod world;

use std::fs;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use chart::{Chart, Series};

/// Why a report could not be made.
#[derive(Debug, Error)]
pub enum ReportError {
    /// The directory is not a run directory.
    #[error("{0} is not a Faultline run directory (no manifest.json, stress-manifest.json or compare.json); pass the directory a run, stress, compare or replay command of this version wrote")]
    NotARun(PathBuf),
    /// A run directory an earlier version wrote, in a format this one no longer reports.
    #[error("{0} was written by an earlier version of Faultline (a version-1 run directory); run its scenario again with `faultline run` for a report")]
    EarlierVersion(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file's content was not what the run writes.
    #[error("{path}: {message} (was it written by this version of faultline?)")]
    Format {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// What a report wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The HTML page.
    pub html: PathBuf,
    /// Chart files (SVG and PNG).
    pub charts: Vec<PathBuf>,
}

/// A page before rendering.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    pub title: String,
    pub subtitle: String,
    /// (label, value) rows of key figures.
    pub figures: Vec<(String, String)>,
    pub charts: Vec<Chart>,
    /// Failure sequence: (block, who, what).
    pub events: Vec<(f64, String, String)>,
    pub events_x_max: f64,
    /// Extra tables: (heading, header row, rows).
    pub tables: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
    /// Notes shown under the heading.
    pub notes: Vec<String>,
}

pub(crate) fn read(path: &Path) -> Result<String, ReportError> {
    fs::read_to_string(path).map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

pub(crate) fn json(path: &Path) -> Result<serde_json::Value, ReportError> {
    serde_json::from_str(&read(path)?).map_err(|e| ReportError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let io = |e: std::io::Error| ReportError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let tmp = path.with_extension("tmp-report");
    fs::write(&tmp, bytes).map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

/// Build the report of `dir` and write `report.html` and `charts/*.svg|png` into it.
pub fn report(dir: &Path) -> Result<Written, ReportError> {
    let manifest = if dir.join("manifest.json").exists() {
        json(&dir.join("manifest.json"))?
    } else {
        serde_json::Value::Null
    };
    let stress = if dir.join("stress-manifest.json").exists() {
        json(&dir.join("stress-manifest.json"))?
    } else {
        serde_json::Value::Null
    };
    let is_world = manifest.get("world").is_some();
    let is_world_stress = stress.get("kind").and_then(serde_json::Value::as_str) == Some("world");
    let page = if dir.join("compare.json").exists() {
        kinds::compare(dir)?
    } else if dir.join("distribution.json").exists() && is_world_stress {
        world::world_stress(dir, &stress)?
    } else if dir.join("distribution.json").exists() {
        kinds::stress(dir)?
    } else if is_world {
        world::world(dir, &manifest)?
    } else if dir.join("manifest.json").exists() {
        // A version-1 venue run (`timeline.csv`) or the retired `faultline system`'s.
        return Err(ReportError::EarlierVersion(dir.to_path_buf()));
    } else {
        return Err(ReportError::NotARun(dir.to_path_buf()));
    };
    let charts_dir = dir.join("charts");
    fs::create_dir_all(&charts_dir).map_err(|e| ReportError::Io {
        path: charts_dir.clone(),
        message: e.to_string(),
    })?;
    let mut files = Vec::new();
    let mut svgs = Vec::new();
    for c in page.charts.iter().filter(|c| c.has_data()) {
        svgs.push((c.id.clone(), c.title.clone(), chart::svg(c)));
    }
    if !page.events.is_empty() {
        svgs.push((
            "failure-sequence".into(),
            "Failure sequence".into(),
            chart::timeline_svg("Failure sequence", &page.events, page.events_x_max),
        ));
    }
    let fonts = png::fonts();
    for (id, _, svg) in &svgs {
        let svg_path = charts_dir.join(format!("{id}.svg"));
        write_atomic(&svg_path, svg.as_bytes())?;
        let png_path = charts_dir.join(format!("{id}.png"));
        let bytes = png::render(svg, &fonts).map_err(|message| ReportError::Format {
            path: svg_path.clone(),
            message,
        })?;
        write_atomic(&png_path, &bytes)?;
        files.push(svg_path);
        files.push(png_path);
    }
    let html = html::render(&page, &svgs);
    let html_path = dir.join("report.html");
    write_atomic(&html_path, html.as_bytes())?;
    Ok(Written {
        html: html_path,
        charts: files,
    })
}
