//! `faultline stress` and `faultline merge`.

use crate::progress::Progress;
use crate::{print, InvalidInput};
use anyhow::{Context, Result};
use faultline_scenario::load;
use faultline_stress::{
    merge, merge_of, run_stress, run_stress_of, run_world_path, stress_kind, world_columns,
    Distribution, RunIdentity, RunKind, Shard, StressConfig, StressOutcome, WorldTable,
};
use std::path::{Path, PathBuf};

/// Arguments of `faultline stress`.
#[derive(clap::Args, Debug)]
pub struct StressArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Number of Monte Carlo paths.
    #[arg(long)]
    pub paths: u64,
    /// Run seed; defaults to the scenario's `seed`. Path i uses a seed derived from (seed, i).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory; defaults to runs/<scenario>-stress-seed<seed>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Continue an interrupted run in --out from the paths already written.
    #[arg(long)]
    pub resume: bool,
    /// Run share i of n (e.g. 3/16) of a job array; default from SLURM_ARRAY_TASK_ID or
    /// JOB_COMPLETION_INDEX with SLURM_ARRAY_TASK_COUNT or FAULTLINE_SHARD_COUNT.
    #[arg(long)]
    pub shard: Option<String>,
    /// Paths per part file, the unit of resumption (default: paths / 64, between 1 and
    /// 256; shards of one run must use the same value).
    #[arg(long)]
    pub chunk_size: Option<u64>,
    /// Stop after this many part files (simulates an interruption).
    #[arg(long, hide = true)]
    pub max_parts: Option<usize>,
}

/// `faultline stress`.
pub fn stress(args: StressArgs) -> Result<()> {
    if crate::world_cmd::is_world_file(&args.file) {
        return world_stress(&args);
    }
    let s = load(&args.file).map_err(InvalidInput)?;
    let (cfg, out) = plan(&args, s.file.seed, "scenario")?;
    let bar = Progress::new("paths", shard_paths(&cfg));
    let outcome = run_stress(&s, &cfg, &out, args.resume, &|n| bar.set(n))
        .with_context(|| format!("stress run into {}", out.display()))?;
    bar.finish();
    match outcome.distribution {
        Some(d) => {
            print(&render(&s.file.name, cfg.seed, &d, &out))?;
            crate::report_cmd::report(&out)?;
            if d.paths > 0 && d.failed_paths == d.paths {
                anyhow::bail!(
                    "every one of {} paths stopped early, so the figures above describe failed \
                     runs, not outcomes; see the `error` column of {}",
                    d.paths,
                    out.join("paths.csv").display()
                );
            }
            Ok(())
        }
        None => print(&partial(&outcome, &cfg, &out)),
    }
}

/// `faultline stress WORLD`: the same chunks, parts, resumption and shards, with one row
/// of every protocol's losses per path.
fn world_stress(args: &StressArgs) -> Result<()> {
    let w = crate::world_cmd::load(&args.file)?;
    let (cfg, out) = plan(args, w.file.seed, "world")?;
    let columns = world_columns(&w.spec);
    let id = RunIdentity {
        name: w.file.name.clone(),
        path: args.file.display().to_string(),
        config_hash: w.config_hash.clone(),
        kind: RunKind::World,
        columns: columns.clone(),
    };
    let table = WorldTable { columns };
    let bar = Progress::new("paths", shard_paths(&cfg));
    let run = |i| run_world_path(&w.spec, cfg.seed, i);
    let outcome = run_stress_of(&table, &run, &id, &cfg, &out, args.resume, &|n| bar.set(n))
        .with_context(|| format!("stress run into {}", out.display()))?;
    bar.finish();
    match outcome.distribution {
        Some(d) => {
            let text =
                crate::world_cmd::render_stress(&w.file.name, cfg.seed, &table.columns, &d, &out);
            print(&text)?;
            crate::report_cmd::report(&out)?;
            crate::world_cmd::stopped_early(&d)
        }
        None => print(&partial(&outcome, &cfg, &out)),
    }
}

/// The run configuration and output directory of a stress command.
fn plan(args: &StressArgs, file_seed: u64, default_stem: &str) -> Result<(StressConfig, PathBuf)> {
    if args.paths == 0 {
        anyhow::bail!("--paths must be at least 1");
    }
    let shard = match &args.shard {
        Some(spec) => Shard::parse(spec)?,
        None => Shard::from_env(|k| std::env::var(k).ok())?.unwrap_or(Shard::ALL),
    };
    let seed = args.seed.unwrap_or(file_seed);
    let stem = args
        .file
        .file_stem()
        .map_or_else(|| default_stem.into(), |n| n.to_string_lossy().into_owned());
    let out = args.out.clone().unwrap_or_else(|| {
        let suffix = if shard == Shard::ALL {
            String::new()
        } else {
            format!("-shard{}of{}", shard.index, shard.count)
        };
        PathBuf::from("runs").join(format!("{stem}-stress-seed{seed}{suffix}"))
    });
    let cfg = StressConfig {
        paths: args.paths,
        seed,
        shard,
        chunk_size: args
            .chunk_size
            .unwrap_or((args.paths / 64).clamp(1, 256))
            .max(1),
        threads: args.threads,
        max_chunks: args.max_parts,
    };
    Ok((cfg, out))
}

/// What a shard or an interrupted run says when it ends without the final outputs.
fn partial<D>(outcome: &StressOutcome<D>, cfg: &StressConfig, out: &Path) -> String {
    format!(
        "{} of {} paths of shard {}/{} written to {}; {}",
        outcome.paths_done,
        outcome.paths_owned,
        cfg.shard.index,
        cfg.shard.count,
        out.display(),
        if outcome.paths_done < outcome.paths_owned {
            "run again with --resume to finish"
        } else {
            "merge the shards with `faultline merge`"
        }
    )
}

fn shard_paths(cfg: &StressConfig) -> u64 {
    let chunks = cfg.paths.div_ceil(cfg.chunk_size);
    (0..chunks)
        .filter(|k| k % u64::from(cfg.shard.count) == u64::from(cfg.shard.index))
        .map(|k| ((k + 1) * cfg.chunk_size).min(cfg.paths) - k * cfg.chunk_size)
        .sum()
}

/// `faultline merge`.
pub fn merge_cmd(dirs: &[PathBuf], out: &Path) -> Result<()> {
    let first = dirs
        .first()
        .ok_or_else(|| anyhow::anyhow!("give the shard directories to merge"))?;
    let (kind, columns) =
        stress_kind(first).with_context(|| format!("reading {}", first.display()))?;
    let context = || format!("merging into {}", out.display());
    match kind {
        RunKind::Venue => {
            let d = merge(dirs, out).with_context(context)?;
            print(&render("merged run", 0, &d, out))?;
        }
        RunKind::World => {
            let table = WorldTable { columns };
            let d = merge_of(&table, dirs, out).with_context(context)?;
            let text =
                crate::world_cmd::render_stress("merged world run", 0, &table.columns, &d, out);
            print(&text)?;
        }
    }
    crate::report_cmd::report(out)
}

fn render(name: &str, seed: u64, d: &Distribution, out: &Path) -> String {
    let mut t = format!("{name} — {} paths (seed {seed})\n", d.paths);
    let m = &d.metrics["total_bad_debt"];
    t.push_str(&format!(
        "  total bad debt        mean {:.2} [{:.2}, {:.2}]  p99 {:.2}\n",
        m.mean, m.mean_ci[0], m.mean_ci[1], m.quantiles["p99"]
    ));
    for lvl in ["95", "99", "99.9"] {
        t.push_str(&format!(
            "  VaR {lvl:<5} {:>14.2}   CVaR {:>14.2}\n",
            d.var[lvl], d.cvar[lvl]
        ));
    }
    for (k, p) in &d.probabilities {
        t.push_str(&format!(
            "  P({k:<15}) {:.4} [{:.4}, {:.4}]\n",
            p.p, p.ci_low, p.ci_high
        ));
    }
    if d.failed_paths > 0 {
        t.push_str(&format!(
            "  {} path(s) stopped early; see paths.csv `error`\n",
            d.failed_paths
        ));
    }
    t.push_str(&format!(
        "wrote {}/paths.csv, paths.parquet, distribution.json",
        out.display()
    ));
    t
}
