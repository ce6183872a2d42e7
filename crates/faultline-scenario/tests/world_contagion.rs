//! The bundled stablecoin-contagion world (the port of the former system file): the
//! lending market's loss arrives through the stablecoin and vanishes when that link is
//! cut (FUSD read at par, or fixed by a breaker once it depegs), the dynamic Contagion
//! Index names the CDP, and the failure sequence runs across every protocol in order.

use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldEventKind, WorldSummary};
use std::path::{Path, PathBuf};

const WORLD: &str = include_str!("../../../scenarios/worlds/stablecoin-contagion.toml");

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/worlds/stablecoin-contagion.toml")
}

fn run(text: &str) -> (World, WorldSummary) {
    let w = parse_world(text, &path()).unwrap_or_else(|r| panic!("{r}"));
    let mut world = World::new(w.spec, w.file.seed).unwrap();
    world.run().unwrap();
    let s = world.summary(None).unwrap();
    (world, s)
}

const LENDER: usize = 1;

#[test]
fn the_lending_markets_loss_comes_through_the_stablecoin_and_vanishes_when_cut() {
    let (world, s) = run(WORLD);
    let lender = &s.protocols[LENDER];
    assert!(lender.loss > 10e6, "{lender:?}");
    assert!(
        s.assets[2].reference_low < 0.5,
        "FUSD depegs: {:?}",
        s.assets[2]
    );
    // The failure sequence: the perp venue at the first gap, the CDP an OSM hour after
    // the second, then the run on FUSD, the run on the market, the vault's expiry.
    let first = |k: WorldEventKind, who: &str| {
        world
            .events()
            .iter()
            .find(|e| e.kind == k && e.subject == who)
            .map(|e| e.tick)
            .unwrap_or_else(|| panic!("no {k:?} for {who}"))
    };
    let perp = first(
        WorldEventKind::Perp(faultline_engine::EventKind::FirstLiquidation),
        "perp",
    );
    let barks = first(WorldEventKind::FirstLiquidation, "maker");
    let run_on_fusd = first(WorldEventKind::BankRun, "fusd-holders");
    let run_on_lender = first(WorldEventKind::BankRun, "lender");
    let expiry = first(WorldEventKind::VaultShortfall, "theta");
    assert!(
        perp < barks && barks < run_on_fusd && run_on_fusd <= run_on_lender,
        "{perp} {barks} {run_on_fusd} {run_on_lender}"
    );
    assert!(expiry > run_on_lender);
    // Read FUSD at par and the loans never see the depeg.
    let par = WORLD.replace("sources = [\"fusd-usdc\"]", "sources = [\"par\"]");
    let (_, p) = run(&par);
    assert!(
        p.protocols[LENDER].loss < 0.05 * lender.loss,
        "{:?}",
        p.protocols[LENDER]
    );
    // A breaker that fixes the feed at $1 once FUSD trades below 0.97 does the same.
    let guarded = WORLD.to_string()
        + "\n[[breaker]]\nname = \"fix FUSD\"\nwhen = { kind = \"price_below\", asset = \"FUSD\", usd = 0.97 }\naction = { kind = \"fix_oracle\", oracle = \"fusd\", usd = 1.0 }\n";
    let (_, g) = run(&guarded);
    assert!(
        g.protocols[LENDER].loss < 0.05 * lender.loss,
        "{:?}",
        g.protocols[LENDER]
    );
}

#[test]
fn the_dynamic_contagion_index_names_the_cdp() {
    let w = parse_world(WORLD, &path()).unwrap();
    let (_, base) = run(WORLD);
    let rows = faultline_world::contagion::dynamic_contagion(&w.spec, w.file.seed, &base).unwrap();
    let maker = rows.iter().find(|r| r.protocol == "maker").unwrap();
    assert!(maker.contagion_index > 0.5, "{rows:?}");
    assert!(maker.harm_caused > 0.9 * rows[LENDER].loss, "{rows:?}");
}
