//! `faultline replay --list` and `faultline replay EVENT`: bundled replays of real
//! events, run like any scenario or system, with the published figures set beside the
//! simulated ones in `replay.json` and the report.

use crate::{print, InvalidInput};
use anyhow::{bail, Context, Result};
use clap::Args;
use faultline_scenario::replay::{list_replays, FoundReplay, ReplayKind};
use std::path::{Path, PathBuf};

/// Arguments of `faultline replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The event (see --list).
    pub event: Option<String>,
    /// List the bundled replays.
    #[arg(long)]
    pub list: bool,
    /// Seed; defaults to the replay file's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory; defaults to runs/replay-<event>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Where the replays live (default: scenarios/replays here, or in the source tree
    /// this binary was built from).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn replays_dir(given: Option<&Path>) -> PathBuf {
    if let Some(d) = given {
        return d.to_path_buf();
    }
    let here = PathBuf::from("scenarios/replays");
    if here.is_dir() {
        return here;
    }
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/replays"
    ))
}

/// `--list`: one line per bundled replay.
fn list(found: &[FoundReplay], dir: &Path) -> Result<()> {
    if found.is_empty() {
        bail!("no replays found in {} (pass --dir)", dir.display());
    }
    let mut t = String::from("bundled replays (faultline replay EVENT):\n");
    for r in found {
        t.push_str(&format!(
            "  {:<22} {}  {:<9} {}\n",
            r.name,
            r.manifest.date,
            format!("{:?}", r.manifest.data).to_lowercase(),
            r.manifest.short
        ));
    }
    print(t.trim_end())
}

/// Run it.
pub fn replay_cmd(a: ReplayArgs) -> Result<()> {
    let dir = replays_dir(a.dir.as_deref());
    let found = list_replays(&dir).map_err(InvalidInput)?;
    if a.list || a.event.is_none() {
        return list(&found, &dir);
    }
    let event = a.event.unwrap_or_default();
    let Some(r) = found.iter().find(|r| r.name == event) else {
        let names: Vec<&str> = found.iter().map(|r| r.name.as_str()).collect();
        bail!(
            "no replay named \"{event}\"; the bundled ones are: {}",
            names.join(", ")
        );
    };
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("replay-{event}")));
    let file = r
        .path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&r.manifest.file);
    match r.manifest.kind {
        ReplayKind::Scenario | ReplayKind::World => {
            crate::world_cmd::run(Some(&file), a.seed, Some(out.clone()), false)?;
        }
    }
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("summary.json")).context("reading the run's summary")?,
    )?;
    let doc = replay_json(r, &summary);
    let path = out.join("replay.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    let mut t = format!(
        "{} — simulated beside the published record:\n",
        r.manifest.title
    );
    for o in doc["outcomes"].as_array().into_iter().flatten() {
        t.push_str(&format!(
            "  {:<48} simulated {:>16}   published {}\n",
            o["what"].as_str().unwrap_or(""),
            match &o["simulated"] {
                serde_json::Value::Number(n) => format!("{:.2}", n.as_f64().unwrap_or(0.0)),
                serde_json::Value::Null => "—".into(),
                v => v.to_string(),
            },
            o["published"].as_str().unwrap_or("")
        ));
    }
    print(t.trim_end())?;
    crate::report_cmd::report(&out)
}

/// The replay's record: its manifest with each outcome's simulated value read from the
/// run's summary (by JSON pointer; `null` where the run has no counterpart).
fn replay_json(r: &FoundReplay, summary: &serde_json::Value) -> serde_json::Value {
    let m = &r.manifest;
    let outcomes: Vec<serde_json::Value> = m
        .outcome
        .iter()
        .map(|o| {
            let sim = if o.simulated.is_empty() {
                serde_json::Value::Null
            } else {
                summary
                    .pointer(&o.simulated)
                    .cloned()
                    .unwrap_or(serde_json::Value::Null)
            };
            serde_json::json!({
                "what": o.what,
                "simulated": sim,
                "simulated_from": o.simulated,
                "published": o.published,
                "source": o.source,
            })
        })
        .collect();
    serde_json::json!({
        "event": r.name,
        "title": m.title,
        "date": m.date,
        "data": m.data,
        "summary": m.summary,
        "calibration": m.calibration,
        "outcomes": outcomes,
    })
}
