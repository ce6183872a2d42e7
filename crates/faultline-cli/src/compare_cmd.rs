//! `faultline compare`.

use crate::{print, InvalidInput};
use anyhow::{Context, Result};
use faultline_scenario::load;
use faultline_stress::compare;
use std::path::{Path, PathBuf};

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
    if crate::world_cmd::is_world_file(&args.base) {
        let (name, seed, result) = crate::world_cmd::compare(
            &args.base,
            &args.variants,
            args.paths,
            args.seed,
            args.threads,
        )?;
        let out = out_dir(&args, seed);
        return write_compare(&out, &name, seed, args.paths.max(1), &result);
    }
    if faultline_scenario::file_kind(&args.base) == faultline_scenario::FileKind::System {
        return Err(crate::system_cmd::retired(&args.base));
    }
    let base = load(&args.base).map_err(InvalidInput)?;
    let variants = args
        .variants
        .iter()
        .map(|v| load(v).map_err(|r| InvalidInput(r).into()))
        .collect::<Result<Vec<_>>>()?;
    let seed = args.seed.unwrap_or(base.file.seed);
    let out = out_dir(&args, seed);
    let refs: Vec<&faultline_scenario::Scenario> = variants.iter().collect();
    let result = compare(&base, &refs, args.paths.max(1), seed, args.threads)
        .map_err(|e| anyhow::anyhow!(e))?;
    write_compare(&out, &base.file.name, seed, args.paths.max(1), &result)
}

/// `--out`, or runs/compare-<baseline file stem>-seed<seed>.
fn out_dir(args: &CompareArgs, seed: u64) -> PathBuf {
    let stem = args
        .base
        .file_stem()
        .map_or_else(|| "base".into(), |s| s.to_string_lossy().into_owned());
    args.out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(format!("compare-{stem}-seed{seed}")))
}

/// Write compare.json, print the table and write the report.
fn write_compare(
    out: &Path,
    baseline: &str,
    seed: u64,
    paths: u64,
    result: &[faultline_stress::VariantComparison],
) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let json = serde_json::to_vec_pretty(
        &serde_json::json!({ "baseline": baseline, "seed": seed, "paths": paths, "variants": result }),
    )?;
    let tmp = out.join("compare.json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out.join("compare.json"))
        .with_context(|| format!("writing {}", out.join("compare.json").display()))?;
    let mut t =
        format!("baseline: {baseline} — {paths} paths, seed {seed}, identical random streams\n");
    for v in result {
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
    crate::report_cmd::report(out)
}
