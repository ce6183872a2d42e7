//! `faultline`: the command-line shell over the Faultline library.
//!
//! Exit status: 0 success, 2 invalid input (a scenario that fails validation), 1 any
//! other failure. Every command validates its input before it writes anything.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use faultline_engine::PositionView;
use faultline_scenario::{build, default_scenario, load, Scenario, ValidationReport};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod compare_cmd;
mod migrate_cmd;
mod progress;
mod replay_cmd;
mod report_cmd;
mod stress_cmd;
mod sweep_cmd;
mod system_cmd;
mod world_cmd;

#[derive(Parser, Debug)]
#[command(
    name = "faultline",
    version,
    about = "Simulate how a perpetual-futures venue fails under stress"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario (the bundled default without FILE) and write a run directory.
    Run {
        /// Scenario file (TOML). Omit to run the bundled default.
        file: Option<PathBuf>,
        /// Seed; defaults to the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory; defaults to runs/<scenario>-seed<seed>.
        #[arg(long)]
        out: Option<PathBuf>,
        /// World files: also compute the dynamic Contagion Index (one rerun per protocol
        /// with its links to the others cut).
        #[arg(long)]
        contagion: bool,
    },
    /// Check a scenario file and report every error (exit status 2 if any).
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
    /// Print the JSON Schema of scenario files (`--world`: of world files, version 2).
    Schema {
        /// The schema of world files (the default; kept for scripts that pass it).
        #[arg(long, conflicts_with = "version_1")]
        world: bool,
        /// The schema of version-1 scenario files (`faultline migrate` rewrites them).
        #[arg(long = "version-1")]
        version_1: bool,
    },
    /// Monte Carlo: run many paths in parallel and summarize their distribution.
    Stress(stress_cmd::StressArgs),
    /// Sweep scenario keys over a grid or at random, draw the efficiency–risk frontier and
    /// recommend the most capital-efficient setting within a risk budget.
    Sweep(sweep_cmd::SweepArgs),
    /// Compare a baseline with variants on identical random streams: paired differences
    /// in bad debt, fund depletion, ADL, liquidations and halts, with confidence intervals.
    Compare(compare_cmd::CompareArgs),
    /// Merge the shard directories of a stress run into its final outputs.
    Merge {
        /// Shard directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Static contagion measures of an exposure network: Eisenberg–Noe (or Rogers–Veraart)
    /// clearing, each protocol's Contagion Index and DebtRank.
    Contagion {
        /// Network file (TOML): [[protocol]] and [[exposure]] entries.
        file: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite a version-1 scenario as a one-venue world (schema_version = 2), keeping
    /// its comments; the two load into the same scenario (checked before writing).
    Migrate(migrate_cmd::MigrateArgs),
    /// Alias: run a world file with the dynamic Contagion Index (`run FILE --contagion`),
    /// or over paths with --paths (`stress`).
    System(system_cmd::SystemArgs),
    /// Replay a real event (`--list` shows them): real data or a stylized scenario, with
    /// the published figures beside the simulated ones and every parameter's source.
    Replay(replay_cmd::ReplayArgs),
    /// Write a self-contained HTML report (charts also as SVG and PNG) of a run directory
    /// written by run, system, stress, compare or replay.
    Report {
        /// The run directory.
        dir: PathBuf,
    },
    /// Show every position at the start: equity, margins, liquidation and bankruptcy prices,
    /// ADL rank; for a world, every position of every perp venue, lending market and CDP
    /// with its health and liquidation price.
    Inspect {
        /// Scenario file (TOML). Omit for the bundled default.
        file: Option<PathBuf>,
        /// Seed; defaults to the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Input that failed validation: reported, then exit status 2.
#[derive(Debug)]
pub(crate) struct InvalidInput(pub(crate) ValidationReport);

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl std::error::Error for InvalidInput {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(InvalidInput(report)) = e.downcast_ref::<InvalidInput>() {
                eprintln!("{report}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Run {
            file,
            seed,
            out,
            contagion,
        } => world_cmd::run(file.as_deref(), seed, out, contagion),
        Command::Validate { file } => validate(&file),
        Command::Schema {
            version_1: true, ..
        } => print(&faultline_scenario::json_schema()),
        Command::Schema { .. } => print(&faultline_scenario::world_file::world_json_schema()),
        Command::Stress(args) => stress_cmd::stress(args),
        Command::Sweep(args) => sweep_cmd::sweep(args),
        Command::Compare(args) => compare_cmd::compare_cmd(args),
        Command::Merge { dirs, out } => stress_cmd::merge_cmd(&dirs, &out),
        Command::Inspect { file, seed, json } => inspect(file.as_deref(), seed, json),
        Command::Contagion { file, json } => contagion(&file, json),
        Command::System(args) => system_cmd::system_cmd(args),
        Command::Migrate(args) => migrate_cmd::migrate_cmd(args),
        Command::Report { dir } => report_cmd::report(&dir),
        Command::Replay(args) => replay_cmd::replay_cmd(args),
    }
}

fn contagion(file: &Path, json: bool) -> Result<()> {
    use faultline_scenario::network::{analyse, load_network};
    let net = load_network(file).map_err(InvalidInput)?;
    let r = analyse(&net).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if json {
        return print(&serde_json::to_string_pretty(&r)?);
    }
    let mut t = format!(
        "{} — {} protocols, shortfall {:.2}\n{:<20} {:>8} {:>16} {:>16} {:>16} {:>16} {:>10} {:>10}\n",
        r.name,
        r.protocols.len(),
        r.shortfall,
        "protocol",
        "default",
        "owed",
        "paid",
        "equity",
        "loss caused",
        "contagion",
        "DebtRank"
    );
    for p in &r.protocols {
        t.push_str(&format!(
            "{:<20} {:>8} {:>16.2} {:>16.2} {:>16.2} {:>16.2} {:>10.4} {:>10.4}\n",
            p.name,
            if p.defaulted { "yes" } else { "no" },
            p.owed,
            p.paid,
            p.equity,
            p.loss_caused,
            p.contagion_index,
            p.debt_rank
        ));
    }
    print(t.trim_end())
}

pub(crate) fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("writing to stdout")
}

fn scenario(file: Option<&Path>) -> Result<Scenario> {
    match file {
        Some(path) => load(path).map_err(|r| InvalidInput(r).into()),
        None => default_scenario().map_err(|r| InvalidInput(r).into()),
    }
}

fn validate(file: &Path) -> Result<()> {
    use faultline_scenario::{file_kind, FileKind};
    match file_kind(file) {
        FileKind::World => return world_cmd::validate(file),
        FileKind::System => return Err(system_cmd::retired(file)),
        FileKind::Network => {
            let n = faultline_scenario::network::load_network(file).map_err(InvalidInput)?;
            return print(&format!(
                "ok: {} is a valid exposure network ({} protocols, {} exposures)",
                file.display(),
                n.protocol.len(),
                n.exposure.len()
            ));
        }
        FileKind::Replay => {
            let r = faultline_scenario::replay::load_replay(file).map_err(InvalidInput)?;
            let target = file.parent().unwrap_or(Path::new(".")).join(&r.file);
            validate(&target)?;
            return print(&format!(
                "ok: {} is a valid replay manifest ({} calibrated parameters, {} published outcomes)",
                file.display(),
                r.calibration.len(),
                r.outcome.len()
            ));
        }
        FileKind::Scenario => {}
    }
    let s = load(file).map_err(InvalidInput)?;
    let traders: u64 = s.file.account.len() as u64
        + s.file
            .population
            .iter()
            .map(|p| u64::from(p.count))
            .sum::<u64>();
    print(&format!(
        "ok: {} is valid ({} market(s), {traders} trader(s), {} blocks){}",
        file.display(),
        s.file.market.len(),
        s.file.blocks,
        if s.file.schema_version == 1 {
            format!(
                "\nnote: version 1; `faultline migrate {} --in-place` rewrites it as a one-venue world",
                file.display()
            )
        } else {
            String::new()
        }
    ))
}

fn inspect(file: Option<&Path>, seed: Option<u64>, json: bool) -> Result<()> {
    if let Some(f) = file.filter(|f| world_cmd::is_world_file(f)) {
        return world_cmd::inspect(f, seed, json);
    }
    let s = scenario(file)?;
    let seed = seed.unwrap_or(s.file.seed);
    let built = build(&s, seed).context("building the scenario")?;
    let rows = built
        .sim
        .inspect()
        .context("inspecting the initial state")?;
    let symbols: Vec<&str> = s.file.market.iter().map(|m| m.symbol.as_str()).collect();
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| row_json(r, &built.labels, &symbols))
            .collect();
        return print(&serde_json::to_string_pretty(&items).context("serializing")?);
    }
    let mut t = format!(
        "{:<22} {:<10} {:<8} {:>14} {:>12} {:>14} {:>12} {:>12} {:>12} {:>12} {:>11}\n",
        "account",
        "market",
        "margin",
        "size",
        "entry",
        "equity",
        "initial",
        "maint.",
        "liq. price",
        "bankr. price",
        "ADL rank"
    );
    let opt = |p: Option<faultline_units::Price>| {
        p.map_or("-".to_string(), |p| format!("{:.2}", p.to_f64()))
    };
    for r in &rows {
        let rank = r
            .adl_rank
            .map_or("-".to_string(), |(k, n)| format!("{k}/{n}"));
        t.push_str(&format!(
            "{:<22} {:<10} {:<8} {:>14.4} {:>12.2} {:>14.2} {:>12.2} {:>12.2} {:>12} {:>12} {:>11}\n",
            label(&built.labels, r),
            symbols.get(r.market.index()).unwrap_or(&"?"),
            format!("{:?}", r.mode).to_lowercase(),
            r.size.to_f64(),
            r.entry_price.to_f64(),
            r.equity.to_f64(),
            r.initial_margin.to_f64(),
            r.maintenance_margin.to_f64(),
            opt(r.liquidation_price),
            opt(r.bankruptcy_price),
            rank
        ));
    }
    print(t.trim_end())
}

fn label<'a>(labels: &'a [String], r: &PositionView) -> &'a str {
    labels.get(r.account.index()).map_or("?", String::as_str)
}

fn row_json(r: &PositionView, labels: &[String], symbols: &[&str]) -> serde_json::Value {
    let price = |p: Option<faultline_units::Price>| p.map(|p| p.to_f64());
    serde_json::json!({
        "account": r.account.0,
        "label": label(labels, r),
        "market": symbols.get(r.market.index()).copied().unwrap_or("?"),
        "margin": format!("{:?}", r.mode).to_lowercase(),
        "size": r.size.to_f64(),
        "entry_price": r.entry_price.to_f64(),
        "mark_price": r.mark_price.to_f64(),
        "equity": r.equity.to_f64(),
        "initial_margin": r.initial_margin.to_f64(),
        "maintenance_margin": r.maintenance_margin.to_f64(),
        "liquidation_price": price(r.liquidation_price),
        "bankruptcy_price": price(r.bankruptcy_price),
        "adl_rank": r.adl_rank.map(|(k, _)| k),
        "adl_queue": r.adl_rank.map(|(_, n)| n),
    })
}
