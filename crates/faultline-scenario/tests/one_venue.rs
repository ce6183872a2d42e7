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
