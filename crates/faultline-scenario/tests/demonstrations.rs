//! The bundled demonstrations show what docs/demonstrations.md says they show.

use faultline_engine::{EventKind, Simulation};
use faultline_scenario::{build, load};
use std::path::Path;

fn run(name: &str) -> Simulation {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/demos")
        .join(format!("{name}.toml"));
    let s = load(&path).unwrap_or_else(|r| panic!("{r}"));
    let mut sim = build(&s, s.file.seed).unwrap().sim;
    while !sim.is_done() {
        sim.step().unwrap();
    }
    assert_eq!(sim.venue().conservation_error(), 0);
    sim
}

fn first(sim: &Simulation, kind: EventKind) -> Option<u64> {
    sim.events()
        .events()
        .iter()
        .find(|e| e.kind == kind)
        .map(|e| e.block.0)
}

#[test]
fn a_one_hour_oracle_delay_turns_the_same_crash_into_fund_depletion_and_adl() {
    let (now, late) = (run("oracle-delay-none"), run("oracle-delay-1h"));
    assert_eq!(
        first(&late, EventKind::FirstLiquidation).unwrap(),
        first(&now, EventKind::FirstLiquidation).unwrap() + 300
    );
    assert!(
        late.totals().loss_past_bankruptcy.to_f64()
            > 5.0 * now.totals().loss_past_bankruptcy.to_f64()
    );
    assert!(
        now.venue().ledger.insurance_fund > now.insurance_start(),
        "fees outweigh losses without delay"
    );
    assert!(late.events().happened(EventKind::InsuranceFundDepleted));
    assert_eq!(now.totals().adl_events, 0);
    assert!(late.totals().adl_events > 1_000);
}

#[test]
fn a_gas_spike_delays_liquidations_until_the_fund_is_gone() {
    let (calm, spike) = (run("gas-calm"), run("gas-spike"));
    assert!(spike.totals().priced_out > 3 * calm.totals().priced_out);
    assert!(
        spike.totals().loss_past_bankruptcy.to_f64()
            > 3.0 * calm.totals().loss_past_bankruptcy.to_f64()
    );
    assert!(!calm.events().happened(EventKind::FirstAdl));
    assert!(
        first(&spike, EventKind::FirstAdl).unwrap() > 450,
        "ADL once the spike ends"
    );
    assert!(
        spike.venue().ledger.insurance_fund.is_zero()
            || spike.venue().ledger.insurance_fund < calm.venue().ledger.insurance_fund
    );
}

fn mitigation(name: &str) -> faultline_scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/mitigations")
        .join(format!("{name}.toml"));
    load(&path).unwrap_or_else(|r| panic!("{r}"))
}

/// docs/mitigations.md: on the same paths, a volatility halt makes the crash worse, while
/// volatility-scaled margin and a backstop vault prevent ADL.
#[test]
fn the_bundled_mitigation_comparison_holds() {
    let base = mitigation("base");
    let (breaker, vol, vault, cap) = (
        mitigation("circuit-breaker"),
        mitigation("vol-margin"),
        mitigation("backstop"),
        mitigation("oi-cap"),
    );
    let r = faultline_stress::compare(
        &base,
        &[&breaker, &vol, &vault, &cap],
        3,
        base.file.seed,
        None,
    )
    .unwrap();
    let metric = |i: usize, name: &str| {
        r[i].metrics
            .iter()
            .find(|m| m.metric == name)
            .unwrap()
            .clone()
    };
    assert!(
        metric(0, "adl_volume").diff_ci[0] > 0.0,
        "the breaker increases ADL"
    );
    assert!(metric(0, "halted_blocks").variant_mean > 0.0);
    assert!(
        metric(1, "loss_past_bankruptcy").diff_ci[1] < 0.0,
        "vol-scaled margin reduces losses"
    );
    assert!(
        metric(1, "adl_events").variant_mean < 1.0 && metric(2, "adl_events").variant_mean < 1.0
    );
    assert!(
        metric(3, "liquidations").diff_ci[1] < 0.0
            && metric(3, "loss_past_bankruptcy").diff_ci[1] < 0.0,
        "the open-interest cap leaves fewer positions to liquidate and less loss"
    );
    assert!(
        metric(0, "adl_events").base_mean > 100.0,
        "the baseline deleverages"
    );
}
