//! `faultline system FILE`: several protocols in one block pipeline.

use crate::{print, InvalidInput};
use anyhow::{Context, Result};
use clap::Args;
use faultline_output::{json_line, pretty, write_dir_atomically};
use faultline_scenario::network::{analyse, from_exposures, to_toml};
use faultline_scenario::system_file::{load_perp, load_system, perp_factory};
use faultline_system::contagion::dynamic_contagion;
use faultline_system::system::Isolation;
use faultline_system::{run_with, PerpFactory};
use std::path::{Path, PathBuf};

/// Arguments of `faultline system`.
#[derive(Args, Debug)]
pub struct SystemArgs {
    /// System file (TOML): [eth], [eth_pool], [gas], [cdp], [lending], [vault], [[breaker]].
    pub file: PathBuf,
    /// Seed; defaults to the file's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory; defaults to runs/<name>-seed<seed>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Skip the counterfactual runs behind the dynamic Contagion Index.
    #[arg(long)]
    pub no_contagion: bool,
    /// Monte Carlo: run this many paths (path i seeded by SplitMix64(seed, i)) and write
    /// their distribution instead of one run.
    #[arg(long, default_value_t = 1)]
    pub paths: u64,
    /// Worker threads for --paths (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Run it.
pub fn system_cmd(a: SystemArgs) -> Result<()> {
    let cfg = load_system(&a.file).map_err(InvalidInput)?;
    let perp_scenario = load_perp(&cfg, &a.file).map_err(InvalidInput)?;
    let factory = perp_scenario.as_ref().map(perp_factory);
    let perp = factory.as_ref().map(|f| f as PerpFactory<'_>);
    let seed = a.seed.unwrap_or(cfg.seed);
    if a.paths > 1 {
        let out = a.out.unwrap_or_else(|| {
            PathBuf::from("runs").join(format!("{}-seed{seed}-paths{}", cfg.name, a.paths))
        });
        return monte_carlo(&cfg, &a.file, seed, a.paths, a.threads, perp, &out);
    }
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-seed{seed}", cfg.name)));
    let run = run_with(&cfg, seed, Isolation::default(), perp)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.file.display()))?;
    let dynamic = if a.no_contagion || run.summary.error.is_some() {
        Vec::new()
    } else {
        dynamic_contagion(&cfg, seed, &run, perp).context("counterfactual runs")?
    };
    let net_start = from_exposures(&format!("{} at the start", cfg.name), &run.exposures_start);
    let net_end = from_exposures(&format!("{} at the end", cfg.name), &run.exposures_end);
    let static_start = analyse(&net_start).ok();
    let static_end = analyse(&net_end).ok();
    let summary = serde_json::json!({
        "system": run.summary,
        "dynamic_contagion": dynamic,
        "static_contagion_start": static_start,
        "static_contagion_end": static_end,
    });
    let protocols: Vec<&str> = [
        cfg.cdp.as_ref().map(|_| "cdp"),
        cfg.lending.as_ref().map(|_| "lending"),
        cfg.vault.as_ref().map(|_| "vault"),
        cfg.perp.as_ref().map(|_| "perp"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let manifest = serde_json::json!({
        "kind": "system",
        "system": cfg.name,
        "system_path": a.file.display().to_string(),
        "schema_version": cfg.schema_version,
        "seed": seed,
        "engine_version": env!("CARGO_PKG_VERSION"),
        "blocks": cfg.blocks,
        "block_time_ms": cfg.block_time_ms,
        "protocols": protocols,
    });
    let mut timeline = csv::Writer::from_writer(Vec::new());
    for r in &run.records {
        timeline.serialize(r).context("timeline row")?;
    }
    let timeline = timeline.into_inner().context("timeline")?;
    let mut events = String::new();
    for e in &run.events {
        events.push_str(&json_line("event", e)?);
    }
    write_dir_atomically(
        &out,
        &[
            ("manifest.json", pretty("manifest", &manifest)?.into_bytes()),
            ("summary.json", pretty("summary", &summary)?.into_bytes()),
            ("events.jsonl", events.into_bytes()),
            ("timeline.csv", timeline),
            ("network-start.toml", to_toml(&net_start).into_bytes()),
            ("network-end.toml", to_toml(&net_end).into_bytes()),
        ],
    )?;
    print(&render(&cfg.name, &run, &dynamic, &out))?;
    crate::report_cmd::report(&out)?;
    match &run.summary.error {
        Some(e) => Err(anyhow::anyhow!(
            "the run stopped early at block {}: {e} (completed blocks were written to {})",
            run.summary.blocks,
            out.display()
        )),
        None => Ok(()),
    }
}

/// `--paths N`: the distribution of a system's outcome over seeds.
fn monte_carlo(
    cfg: &faultline_system::SystemConfig,
    file: &Path,
    seed: u64,
    paths: u64,
    threads: Option<usize>,
    perp: Option<PerpFactory<'_>>,
    out: &Path,
) -> Result<()> {
    use faultline_stress::{run_system_paths, summarize_system, system_paths_csv};
    let results =
        run_system_paths(cfg, seed, paths, threads, perp).map_err(|e| anyhow::anyhow!(e))?;
    let d = summarize_system(&results);
    let manifest = serde_json::json!({
        "kind": "system_stress",
        "system": cfg.name,
        "system_path": file.display().to_string(),
        "seed": seed,
        "paths": paths,
        "engine_version": env!("CARGO_PKG_VERSION"),
        "blocks": cfg.blocks,
        "block_time_ms": cfg.block_time_ms,
    });
    write_dir_atomically(
        out,
        &[
            ("manifest.json", pretty("manifest", &manifest)?.into_bytes()),
            (
                "system-distribution.json",
                pretty("distribution", &d)?.into_bytes(),
            ),
            (
                "system-paths.csv",
                system_paths_csv(&results).map_err(|e| anyhow::anyhow!(e))?,
            ),
        ],
    )?;
    let mut t = format!(
        "{} — {} paths from seed {seed} ({} stopped early)\n",
        cfg.name, d.paths, d.failed_paths
    );
    t.push_str(&format!(
        "{:<22} {:>14} {:>14} {:>14} {:>14}\n",
        "metric", "mean", "p50", "p95", "p99"
    ));
    for (name, m) in &d.metrics {
        let q = |k: &str| m.quantiles.get(k).copied().unwrap_or(f64::NAN);
        t.push_str(&format!(
            "{name:<22} {:>14.4} {:>14.4} {:>14.4} {:>14.4}\n",
            m.mean,
            q("p50"),
            q("p95"),
            q("p99")
        ));
    }
    for (name, p) in &d.probabilities {
        t.push_str(&format!(
            "P({name}) {:.3} [{:.3}, {:.3}]\n",
            p.p, p.ci_low, p.ci_high
        ));
    }
    t.push_str(&format!("wrote {}", out.display()));
    print(&t)?;
    crate::report_cmd::report(out)
}

fn render(
    name: &str,
    run: &faultline_system::Run,
    dynamic: &[faultline_system::contagion::DynamicContagion],
    out: &Path,
) -> String {
    let s = &run.summary;
    let mut t = format!(
        "{name} — seed {}, {} blocks\nlosses: CDP bad debt {:.0} FUSD, lending deficit {:.0} USD, vault shortfall {:.0} USD (system {:.0})\nFUSD low {:.4}; ETH pool low {:.1}% of reference\n",
        s.seed,
        s.blocks,
        s.losses.cdp,
        s.losses.lending,
        s.losses.vault,
        s.system_loss,
        s.fusd_min,
        s.eth_pool_min_ratio * 100.0
    );
    if let Some(c) = &s.cdp {
        t.push_str(&format!(
            "CDP: {} auctions, {} resets, {} takes, raised {:.0} FUSD at {:.1}% of market, {} debt auctions ({:.0} MKR), holders sold {:.0} FUSD\n",
            c.kicks, c.resets, c.takes, c.raised, c.price_to_market * 100.0, c.debt_auctions, c.mkr_minted, c.holders_sold
        ));
    }
    if let Some(l) = &s.lending {
        t.push_str(&format!(
            "lending: {} liquidations ({:.0} repaid), {} skipped as unprofitable (position-blocks), deficit recorded {:.0}, reserve fund paid {:.0}, withdrawn {:.0}, max borrow rate {:.1}%\n",
            l.liquidations, l.repaid, l.skipped_unprofitable, l.deficit_recorded, l.reserve_paid, l.withdrawn, l.max_borrow_rate * 100.0
        ));
    }
    if let Some(p) = &s.perp {
        t.push_str(&format!(
            "perp: insurance fund refilled {:.0} from its reserve ({:.0} it could not raise), loss {:.0}\n",
            p.refilled, p.reserve_short, s.losses.perp
        ));
    }
    if let Some(v) = &s.vault {
        t.push_str(&format!(
            "vault: {} epochs, premium {:.0}, paid {:.0}, bought back {:.0}, shortfall {:.0}\n",
            v.epochs, v.premium, v.paid_at_expiry, v.bought_back, v.shortfall
        ));
    }
    if !dynamic.is_empty() {
        t.push_str("dynamic Contagion Index (links cut, same seed):\n");
        for d in dynamic {
            t.push_str(&format!(
                "  {:<8} others lose {:>14.0} → {:>14.0} when cut: caused {:>14.0}, index {:.3}\n",
                format!("{:?}", d.protocol).to_lowercase(),
                d.others_loss,
                d.others_loss_isolated,
                d.loss_caused,
                d.contagion_index
            ));
        }
    }
    t.push_str("failure sequence:\n");
    for e in run.events.iter().take(20) {
        t.push_str(&format!(
            "  block {:>5} {:<8} {:?}: {}\n",
            e.block,
            format!("{:?}", e.protocol).to_lowercase(),
            e.kind,
            e.detail
        ));
    }
    t.push_str(&format!("wrote {}", out.display()));
    t
}
