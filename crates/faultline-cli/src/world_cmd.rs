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

pub(crate) fn load(path: &Path) -> Result<LoadedWorld> {
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

/// Any scenario file as a world: a world file as it is, a version-1 scenario checked as
/// written (so its errors point at its own lines) and then read in its migrated form; no
/// file: the bundled default.
pub(crate) fn load_any(file: Option<&Path>) -> Result<LoadedWorld> {
    use faultline_scenario::{file_kind, FileKind};
    let Some(path) = file else {
        let name = Path::new(faultline_scenario::DEFAULT_SCENARIO_NAME);
        return faultline_scenario::world_file::parse_world(
            faultline_scenario::DEFAULT_SCENARIO,
            name,
        )
        .map_err(|r| InvalidInput(r).into());
    };
    match file_kind(path) {
        FileKind::System => return Err(crate::system_cmd::retired(path)),
        FileKind::Scenario if !faultline_scenario::world_file::is_one_venue(&read(path)?) => {
            faultline_scenario::load(path).map_err(InvalidInput)?;
            let world = faultline_scenario::migrate::migrate(&read(path)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            return faultline_scenario::world_file::parse_world(&world, path)
                .map_err(|r| InvalidInput(r).into());
        }
        _ => {}
    }
    load(path)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))
}

/// `faultline run [FILE]`: any scenario file as a world.
pub(crate) fn run(
    file: Option<&Path>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    contagion: bool,
) -> Result<()> {
    let w = load_any(file)?;
    let path = file.unwrap_or(Path::new(faultline_scenario::DEFAULT_SCENARIO_NAME));
    let seed = seed.unwrap_or(w.file.seed);
    let stem = file.and_then(Path::file_stem).map_or_else(
        || "default".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let out = out.unwrap_or_else(|| PathBuf::from("runs").join(format!("{stem}-seed{seed}")));
    let mut world = World::new(w.spec.clone(), seed)
        .and_then(World::with_perp_timelines)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // Keep every completed tick: the run directory records the error.
    let error = world.run().err().map(|e| e.to_string());
    let mut summary = world.summary(error.clone())?;
    if contagion && error.is_none() {
        summary.contagion = Some(faultline_world::contagion::dynamic_contagion(
            &w.spec, seed, &summary,
        )?);
    }
    let manifest = manifest(&w, path, seed);
    let files = extra_files(&w, &world)?;
    write_world_dir(
        &out,
        &manifest,
        &summary,
        world.events(),
        world.records(),
        &files,
    )?;
    print(&render(&summary, world.events(), &out))?;
    crate::report_cmd::report(&out)?;
    match error {
        Some(e) => Err(anyhow::anyhow!(
            "the run stopped early at tick {}: {e} (completed ticks were written to {})",
            summary.ticks,
            out.display()
        )),
        None => Ok(()),
    }
}

/// `manifest.json` of a run of `w` read from `path`.
fn manifest(w: &LoadedWorld, path: &Path, seed: u64) -> WorldManifest {
    WorldManifest {
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
    }
}

/// The run directory's files beside the timelines: the exposure networks at the start
/// and the end, and the perp venues' `markets.csv`.
fn extra_files(w: &LoadedWorld, world: &World) -> Result<Vec<(&'static str, Vec<u8>)>> {
    use faultline_scenario::network::{from_world, to_toml};
    let mut files = Vec::new();
    if let Some(n) = world.network_start() {
        files.push((
            "network-start.toml",
            to_toml(&from_world(&w.file.name, n)).into_bytes(),
        ));
    }
    files.push((
        "network-end.toml",
        to_toml(&from_world(&w.file.name, &world.network()?)).into_bytes(),
    ));
    let perps = world.perp_timelines();
    if !perps.is_empty() {
        let venues: Vec<faultline_output::VenueTimeline<'_>> = perps
            .iter()
            .map(|t| faultline_output::VenueTimeline {
                protocol: t.protocol,
                block_time_ms: t.block_time_ms,
                symbols: &t.symbols,
                rows: t.rows,
            })
            .collect();
        files.push(("markets.csv", faultline_output::markets_csv(&venues)?));
    }
    Ok(files)
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
    t.push_str(&perp_lines(s));
    for v in &s.venues {
        t.push_str(&format!(
            "  venue {:<24} mid {:.4} → low {:.4} → end {:.4}\n",
            v.name, v.mid_start, v.mid_low, v.mid_end
        ));
    }
    if let Some(rows) = &s.contagion {
        t.push_str("  dynamic Contagion Index (reruns with each protocol's links cut):\n");
        t.push_str("  protocol                     loss   harm caused  loss received   index\n");
        for r in rows {
            t.push_str(&format!(
                "  {:<20} {:>12.0} {:>13.0} {:>14.0} {:>7.3}\n",
                r.protocol, r.loss, r.harm_caused, r.loss_received, r.contagion_index
            ));
        }
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
            match e.kind {
                faultline_world::WorldEventKind::Perp(k) => format!("{k:?}"),
                k => format!("{k:?}"),
            },
            e.subject,
            e.detail
        ));
    }
    t.push_str(&format!("wrote {}", out.display()));
    t
}

/// One line per perp venue: its fund, liquidations, losses past bankruptcy and ADL.
fn perp_lines(s: &WorldSummary) -> String {
    let mut t = String::new();
    for p in &s.protocols {
        if let Some(d) = &p.perp {
            t.push_str(&format!(
                "  {}: insurance fund {:.2} → {:.2}; liquidation volume {:.2} ({} partial); \
                 loss past bankruptcy {:.2}; ADL {} fills, {:.2} notional; socialized {:.2}\n",
                p.name,
                d.insurance_fund_start,
                d.insurance_fund_end,
                p.liquidation_volume,
                d.mechanics.partial_liquidations,
                d.mechanics.loss_past_bankruptcy,
                d.adl_fills,
                d.adl_volume,
                p.borne_by.socialized_loss
            ));
        }
    }
    t
}

/// What `faultline stress WORLD` prints: every protocol's losses over the paths.
pub(crate) fn render_stress(
    name: &str,
    seed: u64,
    columns: &[String],
    d: &faultline_stress::WorldDistribution,
    out: &Path,
) -> String {
    let mut t = format!(
        "{name} — {} paths from seed {seed} ({} stopped early)\n",
        d.paths, d.failed_paths
    );
    t.push_str("  metric                                   mean          p50          p99\n");
    for name in columns {
        if let Some(m) = d
            .metrics
            .get(name)
            .filter(|_| faultline_stress::is_loss_column(name))
        {
            let q = |k: &str| m.quantiles.get(k).copied().unwrap_or(f64::NAN);
            t.push_str(&format!(
                "  {name:<34} {:>12.0} {:>12.0} {:>12.0}\n",
                m.mean,
                q("p50"),
                q("p99")
            ));
        }
    }
    for lvl in ["95", "99", "99.9"] {
        if let (Some(v), Some(c)) = (d.var.get(lvl), d.cvar.get(lvl)) {
            t.push_str(&format!(
                "  total shortfall VaR {lvl:<5} {v:>14.0}   CVaR {c:>14.0}\n"
            ));
        }
    }
    for (name, p) in &d.probabilities {
        let what = if faultline_stress::is_flag_column(name) {
            name.clone()
        } else {
            format!("{name} > $1")
        };
        t.push_str(&format!(
            "  P({what}) = {:.3} [{:.3}, {:.3}]\n",
            p.p, p.ci_low, p.ci_high
        ));
    }
    t.push_str(&format!("wrote {}", out.display()));
    t
}

/// An error when every path stopped early (its figures are not a distribution of
/// outcomes); a warning naming the first failure when some did.
pub(crate) fn stopped_early(d: &faultline_stress::WorldDistribution) -> Result<()> {
    let Some(why) = &d.first_failure else {
        return Ok(());
    };
    if d.failed_paths == d.paths {
        anyhow::bail!(
            "every one of {} paths stopped early, so the figures above describe failed \
             runs, not outcomes; first, {why}",
            d.paths
        );
    }
    eprintln!(
        "warning: {} of {} paths stopped early (their rows hold the ticks they ran); \
         first, {why}",
        d.failed_paths, d.paths
    );
    Ok(())
}

/// `faultline compare BASE VARIANT... --paths N` on world files: every world on the same
/// path seeds, paired differences on every column they share.
pub(crate) fn compare(
    base: &Path,
    variants: &[PathBuf],
    paths: u64,
    seed: Option<u64>,
    threads: Option<usize>,
) -> Result<(String, u64, Vec<faultline_stress::VariantComparison>)> {
    use faultline_stress::{paired_world, run_world_paths, world_columns};
    let b = load(base)?;
    let seed = seed.unwrap_or(b.file.seed);
    let paths = paths.max(1);
    let base_cols = world_columns(&b.spec);
    let bar = crate::progress::Progress::new("paths", paths * (1 + variants.len() as u64));
    let base_rows = run_world_paths(&b.spec, seed, paths, threads, &|n| bar.set(n))?;
    let mut out = Vec::new();
    for v in variants {
        if !is_world_file(v) {
            anyhow::bail!(
                "{}: a world baseline is compared with world variants (schema_version = 2)",
                v.display()
            );
        }
        let w = load(v)?;
        let cols = world_columns(&w.spec);
        let before = paths * (1 + out.len() as u64);
        let rows = run_world_paths(&w.spec, seed, paths, threads, &|n| bar.set(before + n))?;
        out.push(paired_world(
            &w.file.name,
            &base_cols,
            &base_rows,
            &cols,
            &rows,
        ));
    }
    bar.finish();
    Ok((b.file.name, seed, out))
}

/// `faultline inspect WORLD`: every position of every protocol at genesis — health (1 is
/// the liquidation line), the collateral price that liquidates it, a perp position's ADL
/// rank — then, per protocol, how many positions lie within 10% and 25% of the line.
pub(crate) fn inspect(path: &Path, seed: Option<u64>, json: bool) -> Result<()> {
    let w = load(path)?;
    let seed = seed.unwrap_or(w.file.seed);
    let world = faultline_world::World::new(w.spec, seed)
        .map_err(|e| anyhow::anyhow!("{}: building the world: {e}", path.display()))?;
    let rows = world
        .inspect()
        .map_err(|e| anyhow::anyhow!("{}: inspecting the world: {e}", path.display()))?;
    if json {
        return print(&serde_json::to_string_pretty(&rows)?);
    }
    let mut t = format!(
        "{:<18} {:<8} {:<14} {:<14} {:>16} {:>16} {:>8} {:>12} {:>10}\n",
        "protocol",
        "kind",
        "account",
        "market",
        "collateral",
        "debt",
        "health",
        "liq. price",
        "ADL rank"
    );
    for r in &rows {
        t.push_str(&format!(
            "{:<18} {:<8} {:<14} {:<14} {:>16.2} {:>16.2} {:>8.3} {:>12} {:>10}\n",
            r.protocol,
            r.kind,
            r.account,
            r.market,
            r.collateral_usd,
            r.debt_usd,
            r.health,
            r.liquidation_price
                .map_or("-".to_string(), |p| format!("{p:.4}")),
            r.adl_rank
                .map_or("-".to_string(), |(k, n)| format!("{k}/{n}"))
        ));
    }
    let mut names: Vec<&str> = rows.iter().map(|r| r.protocol.as_str()).collect();
    names.dedup();
    for name in names {
        let of: Vec<_> = rows.iter().filter(|r| r.protocol == name).collect();
        let within = |x: f64| of.iter().filter(|r| r.health < 1.0 + x).count();
        t.push_str(&format!(
            "{name}: {} positions, {} below health 1, {} within 10% of it, {} within 25%\n",
            of.len(),
            of.iter().filter(|r| r.health < 1.0).count(),
            within(0.10),
            within(0.25)
        ));
    }
    print(t.trim_end())
}
