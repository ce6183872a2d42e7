//! A version-1 file is a world: a one-venue world resolves to a world with one asset (the
//! venue's quote), one chain and one perp protocol, and the world pipeline runs exactly
//! what the venue runs alone — the same accounts, mechanisms and seed streams.

mod common;

use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldEventKind};
use std::path::{Path, PathBuf};

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

fn run_world(file: &str, seed: u64) -> World {
    let path = scenarios().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let w = parse_world(&text, &path).unwrap_or_else(|r| panic!("{r}"));
    let mut world = World::new(w.spec, seed).unwrap().with_full_checks();
    world.run().unwrap_or_else(|e| panic!("{file}: {e}"));
    world
}

fn run_alone(file: &str, seed: u64) -> faultline_engine::Simulation {
    let s = faultline_scenario::load(&scenarios().join(file)).unwrap_or_else(|r| panic!("{r}"));
    let mut sim = faultline_scenario::build(&s, seed).unwrap().sim;
    while !sim.is_done() {
        sim.step().unwrap();
    }
    sim
}

/// The world's perp protocol reports what the venue alone did, in the loss vocabulary.
fn assert_same_venue(file: &str, seed: u64) {
    let world = run_world(file, seed);
    let alone = run_alone(file, seed);
    let s = world.summary(None).unwrap();
    assert_eq!(s.protocols.len(), 1);
    assert_eq!(world.tick(), alone.block().0, "{file}: one tick per block");
    let p = &s.protocols[0];
    let d = p.perp.as_ref().unwrap();
    let t = alone.totals();
    let ledger = &alone.venue().ledger;
    assert_eq!(p.liquidations, t.liquidations, "{file}");
    assert_eq!(d.adl_fills, t.adl_events, "{file}");
    // Dollars from the same integers: equal to the bit.
    let pairs = [
        (p.liquidation_volume, t.liquidation_volume),
        (d.adl_volume, t.adl_volume),
        (d.insurance_fund_end, ledger.insurance_fund),
        (p.borne_by.reserve, t.insurance_paid),
        (p.borne_by.socialized_loss, t.socialized_loss),
        (p.borne_by.protocol_deficit, ledger.bad_debt()),
    ];
    for (k, (world, venue)) in pairs.into_iter().enumerate() {
        assert_eq!(
            world.to_bits(),
            venue.to_f64().to_bits(),
            "{file}: figure {k}"
        );
    }
    // The venue's failure sequence is the world's, in order.
    let world_kinds: Vec<_> = world
        .events()
        .iter()
        .filter_map(|e| match e.kind {
            WorldEventKind::Perp(k) => Some(k),
            _ => None,
        })
        .collect();
    let alone_kinds: Vec<_> = alone.events().events().iter().map(|e| e.kind).collect();
    let mut first_of_each = Vec::new();
    for k in alone_kinds {
        if !first_of_each.contains(&k) {
            first_of_each.push(k);
        }
    }
    assert_eq!(world_kinds, first_of_each, "{file}");
    // The quote asset balances to the atom: the contract holds what the books say.
    assert!(s.assets.iter().all(|a| a.conservation_error_atoms == 0));
    assert_eq!(s.assets[0].name, faultline_scenario::one_venue::QUOTE_ASSET);
}

#[test]
fn the_bundled_default_runs_as_a_world_with_the_same_losses_as_the_venue_alone() {
    assert_same_venue("default.toml", 20_261_121);
    let s = run_world("default.toml", 20_261_121).summary(None).unwrap();
    let p = &s.protocols[0];
    // The default's story in the loss vocabulary: the fund is emptied, then ADL.
    assert!(p.shortfall > 1_000_000.0, "{p:?}");
    assert!(p.perp.as_ref().unwrap().adl_fills > 1_000, "{p:?}");
}

#[test]
fn every_mechanism_of_the_bundled_venues_runs_the_same_in_the_world() {
    // A mempool and gas market, staged liquidation, a backstop, breakers, top-ups,
    // competing liquidators and real data, each as its bundled one-venue world.
    for file in [
        "demos/gas-spike.toml",
        "demos/oracle-delay-1h.toml",
        "mitigations/staged-liquidation.toml",
        "mitigations/backstop.toml",
        "mitigations/circuit-breaker.toml",
        "mitigations/insurance-topup.toml",
        "mitigations/slow-liquidator.toml",
        "mitigations/herd-panic.toml",
        "replays/crash-2025-10-10/scenario.toml",
    ] {
        assert_same_venue(file, 7);
    }
}

#[test]
fn a_world_path_flags_the_venues_fund_running_dry_and_adl() {
    let path = scenarios().join("default.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let w = parse_world(&text, &path).unwrap_or_else(|r| panic!("{r}"));
    let columns = faultline_stress::world_columns(&w.spec);
    let rows: Vec<_> = (0..3)
        .map(|i| faultline_stress::run_world_path(&w.spec, 20_261_121, i))
        .collect();
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let set = |flag: f64| flag >= 0.5;
    for r in &rows {
        assert!(r.error.is_none(), "{r:?}");
        // The default's 30% gap empties a $2M fund and ADL closes the rest, every path.
        assert!(set(r.values[at("perp.fund_depleted")]), "{r:?}");
        assert!(set(r.values[at("perp.adl")]), "{r:?}");
        assert!(r.values[at("perp.adl_fills")] > 100.0);
        assert!(r.values[at("perp.insurance_fund_end")] < 2_000_000.0);
    }
    let d = faultline_stress::summarize_world(&columns, &rows);
    assert!(d.probabilities["perp.fund_depleted"].p > 0.999);
    assert!(d.probabilities["perp.adl"].p > 0.999);
    // With a fund ten thousand times larger it never runs dry (what the book cannot fill
    // at the bankruptcy price still goes to ADL: the flag follows the fills).
    let deep = text.replace(
        "insurance_fund = 2_000_000.0",
        "insurance_fund = 20_000_000_000.0",
    );
    let w2 = parse_world(&deep, &path).unwrap_or_else(|r| panic!("{r}"));
    let r = faultline_stress::run_world_path(&w2.spec, 20_261_121, 0);
    assert!(!set(r.values[at("perp.fund_depleted")]), "{r:?}");
    let fills = r.values[at("perp.adl_fills")];
    assert_eq!(set(r.values[at("perp.adl")]), fills > 0.0, "{r:?}");
    let shortfall: Vec<f64> = rows
        .iter()
        .map(|r| r.values[at("total_shortfall")])
        .collect();
    let max = shortfall.iter().copied().fold(f64::MIN, f64::max);
    assert!(d.var["99"] <= max && d.cvar["99"] >= d.var["99"], "{d:?}");
}
