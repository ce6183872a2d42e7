//! `faultline compare`.

use crate::{print, InvalidInput};
use anyhow::{Context, Result};
use faultline_scenario::load;
use faultline_stress::compare;
use std::path::PathBuf;

/// Arguments of `faultline compare`.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Baseline scenario.
    pub base: PathBuf,
    /// Variant scenarios (the same venue with one mitigation or agent changed).
    #[arg(required = true)]
    pub variants: Vec<PathBuf>,
    /// Paths per scenario; path i of every scenario uses the same seed.
    #[arg(long, default_value_t = 100)]
    pub paths: u64,
    /// Run seed; defaults to the baseline's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory; defaults to runs/compare-<baseline>-seed<seed>.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `faultline compare`.
pub fn compare_cmd(args: CompareArgs) -> Result<()> {
    let base = load(&args.base).map_err(InvalidInput)?;
    let variants = args
        .variants
        .iter()
        .map(|v| load(v).map_err(|r| InvalidInput(r).into()))
        .collect::<Result<Vec<_>>>()?;
    let seed = args.seed.unwrap_or(base.file.seed);
    let stem = args
        .base
        .file_stem()
        .map_or_else(|| "base".into(), |s| s.to_string_lossy().into_owned());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("compare-{stem}-seed{seed}")));
    let refs: Vec<&faultline_scenario::Scenario> = variants.iter().collect();
    let result = compare(&base, &refs, args.paths.max(1), seed, args.threads)
        .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let json = serde_json::to_vec_pretty(
        &serde_json::json!({ "baseline": base.file.name, "seed": seed, "paths": args.paths, "variants": result }),
    )?;
    let tmp = out.join("compare.json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out.join("compare.json"))
        .with_context(|| format!("writing {}", out.join("compare.json").display()))?;
    let mut t = format!(
        "baseline: {} — {} paths, seed {seed}, identical random streams\n",
        base.file.name, args.paths
    );
    for v in &result {
        t.push_str(&format!(
            "\n{} − baseline (mean of per-path differences, 95% interval):\n",
            v.variant
        ));
        for m in &v.metrics {
            t.push_str(&format!(
                "  {:<22} {:>16.4} → {:>16.4}   Δ {:>+16.4} [{:+.4}, {:+.4}]  higher {:>5.1}% lower {:>5.1}%\n",
                m.metric,
                m.base_mean,
                m.variant_mean,
                m.diff_mean,
                m.diff_ci[0],
                m.diff_ci[1],
                100.0 * m.share_higher,
                100.0 * m.share_lower
            ));
        }
    }
    t.push_str(&format!("wrote {}/compare.json", out.display()));
    print(&t)?;
    crate::report_cmd::report(&out)
}
