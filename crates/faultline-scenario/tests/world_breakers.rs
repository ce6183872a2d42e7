//! Circuit breakers across protocols, in worlds: each action changes the outcome only
//! once its signal crosses, and a bad breaker is named field by field.

mod common;

use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldEventKind, WorldSummary};
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

fn breaker(when: &str, action: &str) -> String {
    format!("\n[[breaker]]\nname = \"guard\"\nwhen = {when}\naction = {action}\n")
}

fn tripped(w: &World) -> Option<u64> {
    w.events()
        .iter()
        .find(|e| e.kind == WorldEventKind::BreakerTripped)
        .map(|e| e.tick)
}

#[test]
fn fixing_the_stablecoins_oracle_once_it_depegs_spares_the_lending_market() {
    let (_, base) = run(STABLE, "stablecoin-collateral.toml");
    let text = STABLE.to_string()
        + &breaker(
            "{ kind = \"price_below\", asset = \"FUSD\", usd = 0.97 }",
            "{ kind = \"fix_oracle\", oracle = \"fusd\", usd = 1.0 }",
        );
    let (w, s) = run(&text, "stablecoin-collateral.toml");
    assert!(tripped(&w).is_some());
    assert!(
        base.protocols[1].loss > 100_000.0,
        "{:?}",
        base.protocols[1]
    );
    assert!(
        s.protocols[1].loss < 0.5 * base.protocols[1].loss,
        "{} vs {}",
        s.protocols[1].loss,
        base.protocols[1].loss
    );
    // A level never reached: nothing trips, nothing changes.
    let never = STABLE.to_string()
        + &breaker(
            "{ kind = \"price_below\", asset = \"FUSD\", usd = 0.01 }",
            "{ kind = \"fix_oracle\", oracle = \"fusd\", usd = 1.0 }",
        );
    let (w, n) = run(&never, "stablecoin-collateral.toml");
    assert_eq!(tripped(&w), None);
    assert_eq!(
        n.protocols[1].loss.to_bits(),
        base.protocols[1].loss.to_bits()
    );
}

#[test]
fn a_paused_reserve_is_not_liquidated_and_a_stopped_cdp_starts_no_auction() {
    let drawdown = "{ kind = \"drawdown_above\", asset = \"WETH\", fraction = 0.2 }";
    let paused = STABLE.to_string()
        + &breaker(
            drawdown,
            "{ kind = \"pause_reserve\", protocol = \"lender\", asset = \"FUSD\" }",
        );
    let (w, s) = run(&paused, "stablecoin-collateral.toml");
    assert_eq!(tripped(&w), Some(10), "the gap is at 120 s, tick 10");
    assert_eq!(s.protocols[1].liquidations, 0, "{:?}", s.protocols[1]);
    let stopped = STABLE.to_string()
        + &breaker(
            drawdown,
            "{ kind = \"stop_auctions\", protocol = \"maker\" }",
        );
    let (_, s) = run(&stopped, "stablecoin-collateral.toml");
    assert_eq!(s.protocols[0].liquidations, 0, "{:?}", s.protocols[0]);
    let (_, base) = run(STABLE, "stablecoin-collateral.toml");
    assert!(base.protocols[0].liquidations > 10);
}

#[test]
fn paused_withdrawals_keep_the_vaults_deposit_from_the_run_and_a_stopped_vault_writes_no_more() {
    let (_, base) = run(VAULT, "levered-put-vault.toml");
    let text = VAULT.to_string()
        + &breaker(
            "{ kind = \"utilization_above\", protocol = \"lender\", asset = \"USDC\", level = 0.5 }",
            "{ kind = \"pause_withdrawals\", protocol = \"lender\" }",
        );
    let (w, s) = run(&text, "levered-put-vault.toml");
    assert!(tripped(&w).is_some());
    let (b, p) = (
        base.protocols[0].lending.as_ref().unwrap(),
        s.protocols[0].lending.as_ref().unwrap(),
    );
    assert!(p.withdrawn_units[0] < b.withdrawn_units[0], "{p:?} {b:?}");
    let stop = VAULT.to_string()
        + &breaker(
            "{ kind = \"drawdown_above\", asset = \"WETH\", fraction = 0.2 }",
            "{ kind = \"stop_writing\", protocol = \"theta\" }",
        );
    let (_, s) = run(&stop, "levered-put-vault.toml");
    let o = s.protocols[1].options.as_ref().unwrap();
    assert_eq!(o.epochs, 1, "{o:?}");
    assert_eq!(base.protocols[1].options.as_ref().unwrap().epochs, 2);
}

#[test]
fn a_breaker_naming_the_wrong_kind_of_protocol_or_reserve_is_an_error_at_its_field() {
    let text = STABLE.to_string()
        + &breaker(
            "{ kind = \"utilization_above\", protocol = \"lender\", asset = \"WETH\", level = 0.5 }",
            "{ kind = \"stop_auctions\", protocol = \"lender\" }",
        );
    let r = parse_world(&text, &path("stablecoin-collateral.toml")).unwrap_err();
    let fields: Vec<&str> = r.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"breaker[0].when.asset"), "{r}");
    assert!(fields.contains(&"breaker[0].action.protocol"), "{r}");
    assert!(r.errors.iter().all(|e| e.line > 0), "{r}");
}
