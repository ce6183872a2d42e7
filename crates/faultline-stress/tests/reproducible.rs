//! A stress run gives the same bytes for any thread count, after an interruption and
//! resume, and when split into shards and merged.

use faultline_stress::{merge, run_stress, Shard, StressConfig, StressError};
use std::path::Path;

const SCENARIO: &str = r#"schema_version = 1
name = "stress test"
blocks = 40
block_time_ms = 1000
[venue]
insurance_fund = 20000.0
liquidity_provider_capital = 10000000.0
[[market]]
symbol = "X-PERP"
[market.margin]
tiers = [{ notional_floor = 0.0, max_leverage = 20.0 }]
[market.liquidation]
fee = 0.005
liquidator_share = 0.5
[market.book]
half_spread = 0.0005
level_step = 0.002
refill_per_block = 0.05
depth = [{ offset = 0.01, quote = 100000.0 }, { offset = 0.05, quote = 500000.0 }]
[market.reference]
model = "gbm"
initial_price = 100.0
volatility_annual = 3.0
jumps = { intensity_annual = 200000.0, mean_log = -0.1, sd_log = 0.05 }
[[population]]
market = "X-PERP"
count = 40
long_probability = 0.7
notional = { distribution = "log_normal", median = 5000.0, sigma = 1.0 }
leverage = { distribution = "uniform", min = 2.0, max = 20.0 }
"#;

fn scenario() -> faultline_scenario::Scenario {
    faultline_scenario::parse(SCENARIO, Path::new("s.toml"), Path::new("."))
        .unwrap_or_else(|r| panic!("{r}"))
}

fn cfg(threads: usize) -> StressConfig {
    StressConfig {
        paths: 40,
        seed: 9,
        shard: Shard::ALL,
        chunk_size: 8,
        threads: Some(threads),
        max_chunks: None,
    }
}

fn outputs(dir: &Path) -> Vec<Vec<u8>> {
    ["paths.csv", "paths.parquet", "distribution.json"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

#[test]
fn thread_count_interruption_and_sharding_do_not_change_a_byte() {
    let s = scenario();
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let out = run_stress(&s, &cfg(1), &one, false, &|_| {}).unwrap();
    let dist = out.distribution.expect("complete");
    assert_eq!(dist.paths, 40);
    assert!(
        dist.probabilities["adl"].p > 0.0 || dist.metrics["liquidations"].mean > 0.0,
        "the scenario stresses something"
    );
    let reference = outputs(&one);

    let two = tmp.path().join("two");
    run_stress(&s, &cfg(2), &two, false, &|_| {}).unwrap();
    assert_eq!(outputs(&two), reference, "two threads");

    let cut = tmp.path().join("cut");
    let partial = run_stress(
        &s,
        &StressConfig {
            max_chunks: Some(2),
            ..cfg(2)
        },
        &cut,
        false,
        &|_| {},
    )
    .unwrap();
    assert!(partial.distribution.is_none() && partial.paths_done == 16);
    assert!(
        !cut.join("paths.csv").exists(),
        "no final output from an interrupted run"
    );
    assert!(matches!(
        run_stress(&s, &cfg(2), &cut, false, &|_| {}),
        Err(StressError::AlreadyExists(_))
    ));
    let resumed = run_stress(&s, &cfg(1), &cut, true, &|_| {}).unwrap();
    assert_eq!(resumed.paths_run, 24);
    assert_eq!(outputs(&cut), reference, "interrupted then resumed");

    let shards: Vec<_> = (0..3)
        .map(|i| tmp.path().join(format!("shard{i}")))
        .collect();
    for (i, d) in shards.iter().enumerate() {
        let c = StressConfig {
            shard: Shard {
                index: u32::try_from(i).unwrap(),
                count: 3,
            },
            ..cfg(1)
        };
        let o = run_stress(&s, &c, d, false, &|_| {}).unwrap();
        assert!(o.distribution.is_none());
    }
    assert!(matches!(
        merge(&shards[..2], &tmp.path().join("half")),
        Err(StressError::Incomplete { .. })
    ));
    let merged = tmp.path().join("merged");
    merge(&shards, &merged).unwrap();
    assert_eq!(outputs(&merged), reference, "three shards merged");
}

#[test]
fn resuming_a_different_run_is_refused() {
    let s = scenario();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("r");
    run_stress(
        &s,
        &StressConfig {
            max_chunks: Some(1),
            ..cfg(1)
        },
        &d,
        false,
        &|_| {},
    )
    .unwrap();
    let other = StressConfig { seed: 10, ..cfg(1) };
    assert!(matches!(
        run_stress(&s, &other, &d, true, &|_| {}),
        Err(StressError::DifferentRun(_))
    ));
}
