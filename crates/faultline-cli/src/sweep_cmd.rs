//! `faultline sweep`.

use crate::{print, InvalidInput};
use anyhow::{Context, Result};
use faultline_scenario::load;
use faultline_stress::{
    parse_param, run_sweep, run_world_sweep, venue_metrics, world_metrics, Budget, SweepConfig,
    SweepError, SweepResult,
};
use indicatif::ProgressBar;
use std::path::PathBuf;

/// Arguments of `faultline sweep`.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A key and its values: key=a:b:step (grid), key=a,b,c (list) or key=a..b (with --random).
    /// Keys are written as in the file, e.g. protocol[0].market[0].margin.tiers[0].max_leverage;
    /// elements of arrays of tables may be named: protocol.lender.reserve.WETH.ltv.
    #[arg(long = "param", required = true)]
    pub params: Vec<String>,
    /// Monte Carlo paths per setting (the same path seeds for every setting).
    #[arg(long, default_value_t = 100)]
    pub paths: u64,
    /// Run seed; defaults to the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Random search: draw this many settings instead of the full grid.
    #[arg(long)]
    pub random: Option<usize>,
    /// Worker threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory; defaults to runs/<scenario>-sweep-seed<seed>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The swept key measuring capital efficiency, with `:max` (default) or `:min`.
    #[arg(long)]
    pub efficiency: Option<String>,
    /// Risk metric of the frontier (default: p99_bad_debt_pct_oi for a venue,
    /// total_shortfall.p99 for a world).
    #[arg(long)]
    pub risk: Option<String>,
    /// Recommend the most capital-efficient setting meeting this budget, e.g.
    /// "p99_bad_debt_pct_oi<0.1" (P99 bad debt below 0.1% of open interest) or, for a
    /// world, "lender.protocol_deficit.p99<1000000" (any `<loss column>.mean|p99|p_loss`).
    #[arg(long)]
    pub recommend: Option<String>,
}

/// `faultline sweep`.
pub fn sweep(args: SweepArgs) -> Result<()> {
    let world = crate::world_cmd::is_world_file(&args.file);
    let (file_seed, metrics, default_risk) = if world {
        let w = crate::world_cmd::load(&args.file)?;
        (w.file.seed, world_metrics(&w.spec), "total_shortfall.p99")
    } else {
        let s = load(&args.file).map_err(InvalidInput)?;
        (s.file.seed, venue_metrics(), "p99_bad_debt_pct_oi")
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let cfg = config(&args, file_seed, &metrics, default_risk)?;
    let seed = cfg.seed;
    let stem = args
        .file
        .file_stem()
        .map_or_else(|| "scenario".into(), |n| n.to_string_lossy().into_owned());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("{stem}-sweep-seed{seed}")));
    let base = args
        .file
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .to_path_buf();
    let bar = ProgressBar::new(0);
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let result = if world {
        run_world_sweep(&text, &args.file, &cfg, &progress)
    } else {
        run_sweep(&text, &args.file, &base, &cfg, &progress)
    };
    bar.finish_and_clear();
    let result = match result {
        Err(SweepError::Invalid { setting, report }) => {
            eprintln!("setting {setting} makes an invalid scenario:");
            return Err(InvalidInput(*report).into());
        }
        other => other?,
    };
    write(&out, &result, &metrics)?;
    print(&render(&result, &cfg, &out))
}

/// The sweep's configuration from its arguments: the swept keys, the efficiency key, the
/// risk metric (one of `metrics`), the budget and the seed.
fn config(
    args: &SweepArgs,
    file_seed: u64,
    metrics: &[String],
    default_risk: &str,
) -> Result<SweepConfig> {
    let params = args
        .params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<Vec<_>, _>>()?;
    let (eff_key, more_is_better) = match &args.efficiency {
        Some(e) => match e.rsplit_once(':') {
            Some((k, "min")) => (k.to_string(), false),
            Some((k, "max")) => (k.to_string(), true),
            _ => (e.clone(), true),
        },
        None => (params[0].key.clone(), true),
    };
    if !params.iter().any(|p| p.key == eff_key) {
        anyhow::bail!("--efficiency {eff_key}: not one of the swept keys");
    }
    let risk = args
        .risk
        .clone()
        .unwrap_or_else(|| default_risk.to_string());
    if !metrics.contains(&risk) {
        anyhow::bail!("--risk {risk}: expected one of {}", metrics.join(", "));
    }
    let budget = args
        .recommend
        .as_deref()
        .map(|b| Budget::parse(b, metrics))
        .transpose()?;
    Ok(SweepConfig {
        params,
        random: args.random,
        paths: args.paths.max(1),
        seed: args.seed.unwrap_or(file_seed),
        threads: args.threads,
        efficiency: (eff_key, more_is_better),
        risk_metric: risk,
        budget,
    })
}

fn write(out: &std::path::Path, r: &SweepResult, metrics: &[String]) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = r.keys.clone();
    header.extend(metrics.iter().cloned());
    header.extend([
        "on_frontier".into(),
        "meets_budget".into(),
        "recommended".into(),
    ]);
    w.write_record(&header)?;
    for (i, p) in r.points.iter().enumerate() {
        let mut row: Vec<String> = p.values.iter().map(f64::to_string).collect();
        row.extend(metrics.iter().map(|m| p.metric(m).to_string()));
        row.push(p.on_frontier.to_string());
        row.push(p.meets_budget.map_or(String::new(), |b| b.to_string()));
        row.push((r.recommended == Some(i)).to_string());
        w.write_record(&row)?;
    }
    let csv = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    for (name, bytes) in [
        ("sweep.csv", csv),
        ("sweep.json", serde_json::to_vec_pretty(r)?),
    ] {
        let tmp = out.join(format!("{name}.tmp"));
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, out.join(name))
            .with_context(|| format!("writing {}", out.join(name).display()))?;
    }
    Ok(())
}

fn render(r: &SweepResult, cfg: &SweepConfig, out: &std::path::Path) -> String {
    let mut t = format!(
        "{} settings × {} paths; frontier on {} vs {}\n",
        r.points.len(),
        cfg.paths,
        cfg.efficiency.0,
        cfg.risk_metric
    );
    for (i, p) in r.points.iter().enumerate() {
        let vals = r
            .keys
            .iter()
            .zip(&p.values)
            .map(|(k, v)| format!("{}={v:.4}", k.rsplit('.').next().unwrap_or(k)))
            .collect::<Vec<_>>()
            .join(" ");
        let flags = format!(
            "{}{}",
            if p.on_frontier { " frontier" } else { "" },
            if r.recommended == Some(i) {
                " ← recommended"
            } else {
                ""
            }
        );
        let insolvent = p.metric("p_insolvency");
        let insolvent = if insolvent.is_nan() {
            String::new()
        } else {
            format!("  P(insolvent) {insolvent:.3}")
        };
        t.push_str(&format!(
            "  {vals:<40} {} {:>12.4}{insolvent}{flags}\n",
            cfg.risk_metric,
            p.metric(&cfg.risk_metric),
        ));
    }
    match (&cfg.budget, r.recommended) {
        (Some(b), Some(i)) => t.push_str(&format!(
            "recommendation for {} < {}: {}\n",
            b.metric,
            b.limit,
            r.keys
                .iter()
                .zip(&r.points[i].values)
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (Some(b), None) => t.push_str(&format!("no setting meets {} < {}\n", b.metric, b.limit)),
        (None, _) => {}
    }
    t.push_str(&format!("wrote {}/sweep.csv, sweep.json", out.display()));
    t
}
