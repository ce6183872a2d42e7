//! World files (schema version 2) through `run`, `validate` and `schema`.

use crate::{print, InvalidInput};
use anyhow::Result;
use faultline_output::{write_world_dir, WorldManifest};
use faultline_scenario::world_file::{load_world, LoadedWorld};
use faultline_world::{World, WorldSummary};
use std::path::{Path, PathBuf};

/// True when the file declares `schema_version = 2`.
pub(crate) fn is_world_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| faultline_scenario::world_file::is_world(&t))
}

fn load(path: &Path) -> Result<LoadedWorld> {
    load_world(path).map_err(|r| InvalidInput(r).into())
}

pub(crate) fn validate(path: &Path) -> Result<()> {
    let w = load(path)?;
    let s = &w.spec;
    print(&format!(
        "ok: {} is a valid world ({} assets, {} chains, {} venues, {} oracles, {} protocols, {} agents, {} ticks of {} ms)",
        path.display(),
        s.assets.len(),
        s.chains.len(),
        s.venues.len(),
        s.oracles.len(),
        s.protocols.len(),
        s.agents.len(),
        s.ticks,
        s.tick_ms
    ))
}

pub(crate) fn run(path: &Path, seed: Option<u64>, out: Option<PathBuf>) -> Result<()> {
    let w = load(path)?;
    let seed = seed.unwrap_or(w.file.seed);
    let stem = path
        .file_stem()
        .map_or_else(|| "world".to_string(), |n| n.to_string_lossy().into_owned());
    let out = out.unwrap_or_else(|| PathBuf::from("runs").join(format!("{stem}-seed{seed}")));
    let mut world =
        World::new(w.spec.clone(), seed).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // Keep every completed tick: the run directory records the error.
    let error = world.run().err().map(|e| e.to_string());
    let summary = world.summary(error.clone())?;
    let manifest = WorldManifest {
        world: w.file.name.clone(),
        world_path: path.display().to_string(),
        schema_version: w.file.schema_version,
        seed,
        config_hash: w.config_hash.clone(),
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
        tick_ms: w.spec.tick_ms,
        ticks: w.spec.ticks,
        assets: w.spec.assets.iter().map(|a| a.name.clone()).collect(),
        protocols: w
            .spec
            .protocols
            .iter()
            .map(|p| p.name().to_string())
            .collect(),
    };
    write_world_dir(&out, &manifest, &summary, world.events(), world.records())?;
    print(&render(&summary, world.events(), &out))?;
    match error {
        Some(e) => Err(anyhow::anyhow!(
            "the run stopped early at tick {}: {e} (completed ticks were written to {})",
            summary.ticks,
            out.display()
        )),
        None => Ok(()),
    }
}

fn render(s: &WorldSummary, events: &[faultline_world::WorldEvent], out: &Path) -> String {
    let mut t = format!(
        "{} — seed {}, {} ticks of {} ms\n",
        s.name, s.seed, s.ticks, s.tick_ms
    );
    t.push_str("  protocol              liquidations  skipped   shortfall    reserve        ADL    deficit     latent  liquidatable\n");
    for p in &s.protocols {
        t.push_str(&format!(
            "  {:<20} {:>13} {:>8} {:>11.0} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>13}\n",
            p.name,
            p.liquidations,
            p.skipped_unprofitable + p.skipped_no_capital + p.skipped_no_cash,
            p.shortfall,
            p.borne_by.reserve,
            p.borne_by.adl_haircut,
            p.borne_by.protocol_deficit,
            p.latent_shortfall,
            p.liquidatable_at_end
        ));
    }
    for v in &s.venues {
        t.push_str(&format!(
            "  venue {:<24} mid {:.4} → low {:.4} → end {:.4}\n",
            v.name, v.mid_start, v.mid_low, v.mid_end
        ));
    }
    let err: i128 = s
        .assets
        .iter()
        .map(|a| a.conservation_error_atoms.abs())
        .sum();
    t.push_str(&format!(
        "  conservation error     {err} atoms (every asset, every tick)\n"
    ));
    t.push_str("failure sequence:\n");
    for e in events {
        t.push_str(&format!(
            "  tick {:>6}  {:<24} {:<22} {}\n",
            e.tick,
            format!("{:?}", e.kind),
            e.subject,
            e.detail
        ));
    }
    t.push_str(&format!("wrote {}", out.display()));
    t
}
