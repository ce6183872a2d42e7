//! A perp venue refilling its insurance fund from a treasury deposit held in a lending
//! market (the bundled shared-ETH world): the deposit is a channel — a run on the market
//! strands it — a breaker can stop the refills, and a deposit into anything but a lending
//! market listing the collateral is an error.

mod common;

use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldEventKind, WorldSummary};
use std::path::{Path, PathBuf};

const WORLD: &str = include_str!("../../../scenarios/worlds/shared-eth-liquidity.toml");

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/worlds/shared-eth-liquidity.toml")
}

/// perp-ethereum refills from `cash` USDC and a 3M USDC deposit in `market`.
fn with_refill(market: &str, cash: u64) -> String {
    WORLD.replacen(
        "file = \"venues/perp-ethereum.toml\"\ncollateral = \"USDC\"\n",
        &format!(
            "file = \"venues/perp-ethereum.toml\"\ncollateral = \"USDC\"\nrefill = {{ below = 0.5, per_block = 500_000, cash = {cash}, lend = {{ protocol = \"{market}\", amount = 3_000_000 }} }}\n"
        ),
        1,
    )
}

fn run(text: &str) -> (World, WorldSummary) {
    common::run_world(text, &path())
}

fn refilled(s: &WorldSummary) -> f64 {
    s.protocols[2].perp.as_ref().unwrap().refilled
}

#[test]
fn the_fund_is_refilled_from_the_treasurys_lending_deposit() {
    let (world, s) = run(&with_refill("aave-ethereum", 0));
    assert!(refilled(&s) >= 500_000.0, "{:?}", s.protocols[2].perp);
    assert!(world
        .events()
        .iter()
        .any(|e| e.kind == WorldEventKind::InsuranceRefilled));
    let (_, base) = run(WORLD);
    let (f, b) = (
        s.protocols[2].perp.as_ref().unwrap(),
        base.protocols[2].perp.as_ref().unwrap(),
    );
    assert!(
        f.insurance_fund_end + f.adl_volume >= b.insurance_fund_end,
        "{f:?} {b:?}"
    );
    // The deposit is the venue's claim on the market in the exposure network.
    let net = world.network().unwrap();
    assert!(
        net.claims
            .iter()
            .any(|c| c.debtor == "aave-ethereum" && c.creditor == "perp-ethereum"),
        "{:?}",
        net.claims
    );
}

#[test]
fn a_run_on_the_market_strands_the_deposit_and_cash_does_not_depend_on_it() {
    let running = with_refill("aave-ethereum", 0).replacen(
        "supplied = 400_000_000\n",
        "supplied = 400_000_000\nrun = { holders = 1000, base = 0.5, herd = 1.0, utilization_trigger = 0.0 }\n",
        1,
    );
    let (_, calm) = run(&with_refill("aave-ethereum", 0));
    let (_, ran) = run(&running);
    assert!(
        refilled(&ran) < refilled(&calm),
        "{} vs {}",
        refilled(&ran),
        refilled(&calm)
    );
    // Held as cash instead, the same reserve refills whatever the market does.
    let cash = running
        .replace("amount = 3_000_000", "amount = 0")
        .replace("cash = 0", "cash = 3_000_000");
    let (_, c) = run(&cash);
    assert!(
        refilled(&c) >= refilled(&calm) - 1.0,
        "{} vs {}",
        refilled(&c),
        refilled(&calm)
    );
}

#[test]
fn a_breaker_stops_the_refills_and_a_deposit_must_go_to_a_lending_market() {
    let text = with_refill("aave-ethereum", 0)
        + "\n[[breaker]]\nname = \"keep the reserve\"\nwhen = { kind = \"drawdown_above\", asset = \"WETH\", fraction = 0.1 }\naction = { kind = \"stop_refills\", protocol = \"perp-ethereum\" }\n";
    let (_, s) = run(&text);
    assert_eq!(refilled(&s).to_bits(), 0.0f64.to_bits());
    let r = parse_world(&with_refill("maker", 0), &path()).unwrap_err();
    assert!(
        r.errors
            .iter()
            .any(|e| e.field.ends_with("refill.lend.protocol")),
        "{r}"
    );
}
