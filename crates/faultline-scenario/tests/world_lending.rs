//! A lending market's supply and borrow caps and its reserve fund, in worlds: caps
//! refuse borrowers and other protocols' deposits; the fund pays a deficit in its own
//! asset or sells another holding for it (a forced sale into a shared pool).

mod common;

use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldSummary};
use std::path::{Path, PathBuf};

const STABLE: &str = include_str!("../../../scenarios/worlds/stablecoin-collateral.toml");
const VAULT: &str = include_str!("../../../scenarios/worlds/levered-put-vault.toml");

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/worlds")
        .join(name)
}

fn run(text: &str, name: &str) -> (World, WorldSummary) {
    common::run_world(text, &path(name))
}

/// The stablecoin world's lender with a reserve fund.
fn with_fund(holding: &str) -> String {
    STABLE.replacen(
        "[[protocol.reserve]]\nasset = \"USDC\"",
        &format!("reserve_fund = [{holding}]\n\n[[protocol.reserve]]\nasset = \"USDC\""),
        1,
    )
}

#[test]
fn a_reserve_fund_in_the_debt_asset_pays_the_deficit_and_the_loss_moves_to_reserve() {
    let (_, base) = run(STABLE, "stablecoin-collateral.toml");
    let lender = &base.protocols[1];
    assert!(lender.borne_by.protocol_deficit > 100_000.0, "{lender:?}");
    let (_, s) = run(
        &with_fund("{ asset = \"USDC\", amount = 1_000_000 }"),
        "stablecoin-collateral.toml",
    );
    let l = &s.protocols[1];
    let d = l.lending.as_ref().unwrap();
    assert!(l.borne_by.protocol_deficit < 1.0, "{l:?}");
    assert!(
        (d.covered_by_fund - lender.borne_by.protocol_deficit).abs() < 1.0,
        "{d:?} {lender:?}"
    );
    assert!((l.borne_by.reserve - d.covered_by_fund).abs() < 1.0);
}

#[test]
fn a_fund_holding_the_stablecoin_sells_it_into_the_pool_for_what_it_fetches() {
    let (_, base) = run(STABLE, "stablecoin-collateral.toml");
    let (_, s) = run(
        &with_fund("{ asset = \"FUSD\", amount = 1_000_000, sell_on = \"fusd-usdc\" }"),
        "stablecoin-collateral.toml",
    );
    let d = s.protocols[1].lending.as_ref().unwrap();
    assert!(d.covered_by_fund > 50_000.0, "{d:?}");
    // The fund's sale lowers the FUSD pool further than the run did alone.
    assert!(
        s.venues[1].mid_low <= base.venues[1].mid_low,
        "{:?}",
        s.venues[1]
    );
    // Held but not sellable: nothing is covered.
    let (_, idle) = run(
        &with_fund("{ asset = \"FUSD\", amount = 1_000_000 }"),
        "stablecoin-collateral.toml",
    );
    let d = idle.protocols[1].lending.as_ref().unwrap();
    assert_eq!(d.covered_by_fund.to_bits(), 0.0f64.to_bits());
}

#[test]
fn caps_refuse_borrowers_and_cut_other_protocols_deposits() {
    // No run: the depositors' 100M stays and fills the cap.
    let calm = VAULT.replace(
        "run = { holders = 1000, base = 0.5, herd = 1.0, utilization_trigger = 0.0 }",
        "",
    );
    let capped = calm.replacen(
        "supplied = 100_000_000\n",
        "supplied = 100_000_000\nsupply_cap = 100_000_000\nborrow_cap = 20_000_000\n",
        1,
    );
    let (world, s) = run(&capped, "levered-put-vault.toml");
    let d = s.protocols[0].lending.as_ref().unwrap();
    assert!(d.refused_by_caps > 0, "{d:?}");
    assert!(d.deposits_refused_units[0] > 1_000_000.0, "{d:?}");
    let Some(faultline_world::world::Protocol::Lending(m)) = world.protocols.first() else {
        panic!("a lending market");
    };
    assert!(m.total_debt(0).unwrap() <= 20_000_000 * 1_000_000);
    assert!(
        m.accounts().iter().all(|a| a.scaled == 0),
        "the cap left no room"
    );
    // Without caps, nobody is refused.
    let (_, free) = run(&calm, "levered-put-vault.toml");
    let f = free.protocols[0].lending.as_ref().unwrap();
    assert_eq!(
        (f.refused_by_caps, f.deposits_refused_units[0].to_bits()),
        (0, 0.0f64.to_bits())
    );
    // A cap under what depositors supply is an error at its line.
    let bad = VAULT.replacen(
        "supplied = 100_000_000\n",
        "supplied = 100_000_000\nsupply_cap = 50_000_000\n",
        1,
    );
    let r = parse_world(&bad, &path("levered-put-vault.toml")).unwrap_err();
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "protocol[0].reserve[0].supply_cap"),
        "{r}"
    );
}

#[test]
fn rate_sensitive_borrowers_close_when_a_run_pushes_the_rate_past_their_level() {
    let closing = VAULT.replace(
        "health_factor = [1.5, 3.0]",
        "health_factor = [1.5, 3.0]\nrepay = { above_rate = 0.3, route = [\"uni\"] }",
    );
    let (_, s) = run(&closing, "levered-put-vault.toml");
    let d = s.protocols[0].lending.as_ref().unwrap();
    assert!(d.closed_on_rate > 10, "{d:?}");
    // Their sales push the shared pool below where it goes without them.
    let (_, base) = run(VAULT, "levered-put-vault.toml");
    assert!(
        s.venues[0].mid_low < base.venues[0].mid_low,
        "{:?} {:?}",
        s.venues[0],
        base.venues[0]
    );
    // No run, no crunch: the rate stays low and nobody closes.
    let calm = closing.replace(
        "run = { holders = 1000, base = 0.5, herd = 1.0, utilization_trigger = 0.0 }",
        "",
    );
    let (_, c) = run(&calm, "levered-put-vault.toml");
    assert_eq!(c.protocols[0].lending.as_ref().unwrap().closed_on_rate, 0);
}
