//! A sweep finds that more leverage means more bad debt and recommends the most
//! leverage the budget allows.

use faultline_stress::{parse_param, run_sweep, venue_metrics, Budget, SweepConfig};
use std::path::Path;

const SCENARIO: &str = r#"schema_version = 1
name = "leverage sweep"
blocks = 30
block_time_ms = 1000
[venue]
insurance_fund = 0.0
liquidity_provider_capital = 10000000.0
deficit = { policy = "socialized_loss" }
[[market]]
symbol = "X-PERP"
[market.margin]
tiers = [{ notional_floor = 0.0, max_leverage = 50.0 }]
[market.liquidation]
fee = 0.005
liquidator_share = 0.5
[market.book]
half_spread = 0.0005
level_step = 0.002
refill_per_block = 0.05
depth = [{ offset = 0.01, quote = 50000.0 }, { offset = 0.05, quote = 200000.0 }]
[market.reference]
model = "gbm"
initial_price = 100.0
volatility_annual = 2.0
gaps = [{ block = 5, fraction = -0.15 }]
[[population]]
market = "X-PERP"
count = 30
long_probability = 0.8
notional = { distribution = "log_normal", median = 5000.0, sigma = 0.5 }
leverage = { distribution = "uniform", min = 1.0, max = 2.0 }
"#;

#[test]
fn more_leverage_more_bad_debt_and_the_recommendation_respects_the_budget() {
    let cfg = SweepConfig {
        params: vec![parse_param("population[0].leverage.max=2,5,10,20,40").unwrap()],
        random: None,
        paths: 12,
        seed: 3,
        threads: Some(2),
        efficiency: ("population[0].leverage.max".into(), true),
        risk_metric: "p99_bad_debt_pct_oi".into(),
        budget: Some(Budget::parse("p99_bad_debt_pct_oi<0.5", &venue_metrics()).unwrap()),
    };
    let r = run_sweep(
        SCENARIO,
        Path::new("s.toml"),
        Path::new("."),
        &cfg,
        &|_, _| {},
    )
    .unwrap();
    let risk: Vec<f64> = r
        .points
        .iter()
        .map(|p| p.metric("p99_bad_debt_pct_oi"))
        .collect();
    assert!(
        risk[0] < 1e-9,
        "2× never goes bankrupt on a 15% gap: {risk:?}"
    );
    assert!(risk[4] > risk[1], "40× is riskier than 5×: {risk:?}");
    let i = r.recommended.expect("some setting meets the budget");
    assert!(risk[i] < 0.5);
    assert!(
        r.points
            .iter()
            .enumerate()
            .all(|(j, p)| p.metric("p99_bad_debt_pct_oi") >= 0.5
                || p.values[0] <= r.points[i].values[0]
                || j == i),
        "{risk:?}"
    );
    assert!(r.points[i].on_frontier);
    // Common random numbers: the same sweep twice is identical.
    let again = run_sweep(
        SCENARIO,
        Path::new("s.toml"),
        Path::new("."),
        &SweepConfig {
            threads: Some(1),
            ..cfg
        },
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(again, r);
}
