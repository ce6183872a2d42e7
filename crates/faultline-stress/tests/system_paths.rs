//! Monte Carlo over a system: each path depends only on (system, seed, index), so the
//! table is byte-identical whatever the thread count, and seeds differ between paths.

use faultline_scenario::system_file::parse_system;
use faultline_stress::{run_system_paths, summarize_system, system_paths_csv, SYSTEM_METRICS};
use std::path::Path;

#[test]
fn system_paths_are_identical_across_thread_counts_and_summarized() {
    let text = include_str!("../../../scenarios/systems/stablecoin-contagion.toml");
    let mut cfg = parse_system(text, Path::new("s.toml")).unwrap();
    cfg.perp = None;
    cfg.blocks = 500;
    let one = run_system_paths(&cfg, 7, 6, Some(1), None).unwrap();
    let two = run_system_paths(&cfg, 7, 6, Some(2), None).unwrap();
    assert_eq!(
        system_paths_csv(&one).unwrap(),
        system_paths_csv(&two).unwrap()
    );
    assert!(one
        .iter()
        .all(|p| p.error.is_none() && p.values.len() == SYSTEM_METRICS.len()));
    let seeds: std::collections::BTreeSet<u64> = one.iter().map(|p| p.seed).collect();
    assert_eq!(seeds.len(), 6);
    let d = summarize_system(&one);
    assert_eq!(d.paths, 6);
    let loss = &d.metrics["system_loss"];
    assert!(loss.min <= loss.quantiles["p50"] && loss.quantiles["p50"] <= loss.max);
    // Paths differ: the ETH path is random around the scheduled gaps.
    assert!(loss.max > loss.min, "{loss:?}");
}
