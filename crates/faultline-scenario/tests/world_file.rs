//! World files (schema version 2): the bundled world validates; every bad name, bad
//! reference and broken rule is reported with its line, what was expected and a hint.

use faultline_scenario::world_file::{is_world, parse_world};
use faultline_scenario::ValidationReport;
use std::path::Path;

const WORLD: &str = include_str!("../../../scenarios/worlds/shared-eth-liquidity.toml");

fn errors(text: &str) -> ValidationReport {
    match parse_world(text, Path::new("bad.toml")) {
        Ok(_) => panic!("expected validation errors"),
        Err(r) => r,
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in text"))
}

#[test]
fn the_bundled_world_is_valid_and_resolves_every_name() {
    assert!(is_world(WORLD));
    assert!(!is_world(faultline_scenario::DEFAULT_SCENARIO));
    let w = parse_world(WORLD, Path::new("shared-eth-liquidity.toml")).unwrap();
    let s = &w.spec;
    assert_eq!((s.assets.len(), s.chains.len(), s.venues.len()), (3, 2, 2));
    assert_eq!(
        (s.oracles.len(), s.protocols.len(), s.agents.len()),
        (3, 2, 2)
    );
    assert_eq!(s.tick_ms, 1_000, "the shortest block time");
    assert_eq!(s.ticks, 600);
    // The pool's quote reserve defaults to the base reserve at the outside price.
    assert_eq!(s.venues[0].quote_reserve, 60_000_000 * 1_000_000);
    assert_eq!(s.venues[0].base_reserve, 20_000 * 10i128.pow(18));
}

#[test]
fn a_misspelt_venue_in_a_route_is_named_with_a_suggestion_and_its_line() {
    let text = WORLD.replace(
        "venues = [\"curve-wsteth-weth\", \"uni-weth-usdc\"]",
        "venues = [\"curve-wsteth-weth\", \"uni-weth-usd\"]",
    );
    let r = errors(&text);
    let e = r
        .errors
        .iter()
        .find(|e| e.field == "agent[0].routes[1].venues[1]")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        e.hint.contains("did you mean `uni-weth-usdc`"),
        "{}",
        e.hint
    );
    assert_eq!(e.found, "\"uni-weth-usd\"");
    assert_eq!(e.line, line_of(&text, "uni-weth-usd\"]"));
}

#[test]
fn cross_references_are_checked_all_at_once() {
    let text = WORLD
        // an oracle reading a pool that does not sell its asset
        .replace("sources = [\"uni-weth-usdc\"]", "sources = [\"curve-wsteth-weth\"]")
        // shares that do not sum to one
        .replace("share = 0.7 }", "share = 0.6 }")
        // a health factor range starting under water
        .replace("health_factor = [1.26, 1.45]", "health_factor = [0.9, 1.45]")
        // a chain whose block time is not a multiple of the tick
        .replace("block_time_ms = 12000", "block_time_ms = 12500")
        // a bonus that does not fit in the threshold's margin
        .replace("liquidation_threshold = 0.83\nliquidation_bonus = 0.05\n\n[[protocol.reserve]]\nasset = \"wstETH\"", "liquidation_threshold = 0.97\nliquidation_bonus = 0.05\n\n[[protocol.reserve]]\nasset = \"wstETH\"");
    let r = errors(&text);
    let fields: Vec<&str> = r.errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "oracle[1].sources[0]",
        "protocol[0].borrowers[0].collateral",
        "protocol[1].borrowers[0].health_factor",
        "chain[0].block_time_ms",
        "protocol[0].reserve[1].liquidation_threshold",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert!(
        r.errors.iter().all(|e| e.line > 0 && !e.hint.is_empty()),
        "{r}"
    );
}

#[test]
fn schema_violations_in_a_world_file_are_caught_before_names() {
    let text = WORLD.replace("kind = \"constant_product\"", "kind = \"constant_sum\"");
    let r = errors(&text);
    assert!(
        r.errors
            .iter()
            .any(|e| e.field.starts_with("venue[0].curve")),
        "{r}"
    );
    let text = WORLD.replace("gas_price_gwei = 20.0", "gas_price_gwie = 20.0");
    let r = errors(&text);
    assert!(
        r.errors.iter().any(|e| e.hint.contains("gas_price_gwei")),
        "{r}"
    );
}
