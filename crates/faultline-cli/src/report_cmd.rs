//! `faultline report RUN_DIR`, also run after every command that writes a run directory.

use crate::print;
use anyhow::{Context, Result};
use std::path::Path;

/// Write `report.html` and `charts/` into `dir` and say where.
pub fn report(dir: &Path) -> Result<()> {
    let w = faultline_report::report(dir).with_context(|| {
        format!(
            "the results in {} are complete; writing their report failed",
            dir.display()
        )
    })?;
    print(&format!(
        "report: {} ({} charts as SVG and PNG in {})",
        w.html.display(),
        w.charts.len() / 2,
        dir.join("charts").display()
    ))
}
