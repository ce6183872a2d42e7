//! An algorithmic stablecoin in a world (the Terra replay's file): redemptions dilute
//! the share and shrink the stablecoin, issuing pulls it down from above the peg, sales
//! on a schedule, a reserve that buys, and the errors a bad issuer section gets.

#![allow(clippy::float_cmp)] // exact figures: nothing happened, so nothing moved

mod common;

use common::line_of;
use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldSummary};
use std::path::{Path, PathBuf};

const TERRA: &str = include_str!("../../../scenarios/replays/terra-2022-05/world.toml");

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/replays/terra-2022-05/world.toml")
}

/// The Terra world shortened to `days` days, run with full checks.
fn run(text: &str, days: u64) -> (World, WorldSummary) {
    let text = text.replace(
        "duration_s = 518400",
        &format!("duration_s = {}", days * 86_400),
    );
    let w = parse_world(&text, &path()).unwrap_or_else(|r| panic!("{r}"));
    let mut world = World::new(w.spec, w.file.seed).unwrap().with_full_checks();
    world.run().unwrap();
    let s = world.summary(None).unwrap();
    (world, s)
}

const UST: usize = 1;
const LUNA: usize = 2;

#[test]
fn redemptions_mint_the_share_and_burn_the_stablecoin_and_vanish_without_the_swap() {
    let (world, s) = run(TERRA, 2);
    let d = s.protocols[0].issuer.clone().unwrap();
    assert!(d.redeemed > 100e6, "{d:?}");
    // Every LUNA minted and every UST burned went through the swap, to the atom.
    let luna = world.ledger.supply(faultline_units::AssetId(2));
    let ust = world.ledger.supply(faultline_units::AssetId(1));
    assert!(luna.minted > 0 && luna.burned == 0);
    assert_eq!(ust.minted, 0);
    let Some(faultline_world::world::Protocol::Issuer(issuer)) = world.protocols.first() else {
        panic!("an issuer");
    };
    assert_eq!(luna.minted, issuer.stats.share_minted);
    assert_eq!(ust.burned, issuer.stats.redeemed);
    let assets = &s.assets;
    // Each redemption sells new LUNA into its pool: LUNA falls well below its start.
    assert!(
        assets[LUNA].reference_low < 0.5 * assets[LUNA].reference_start,
        "{assets:?}"
    );
    // Without the swap nothing is minted and LUNA's pool is left alone.
    let cut = TERRA.replace("capacity_per_block = 8_300_000", "capacity_per_block = 0");
    let (_, c) = run(&cut, 2);
    let cd = c.protocols[0].issuer.clone().unwrap();
    assert_eq!((cd.redeemed, cd.share_minted, cd.swaps), (0.0, 0.0, 0));
    assert_eq!(c.assets[LUNA].reference_low, c.assets[LUNA].reference_start);
    assert_eq!(c.assets[LUNA].supply_end, c.assets[LUNA].supply_start);
}

#[test]
fn the_swap_stops_when_the_chain_halts() {
    // Halted from the start: the run and the sales happen, no swap does.
    let halted = TERRA.replace("halt_at_s = 492_000", "halt_at_s = 0");
    let (_, s) = run(&halted, 2);
    assert_eq!(s.protocols[0].issuer.as_ref().unwrap().swaps, 0);
    assert!(s.assets[UST].reference_low < 0.5);
}

#[test]
fn above_the_peg_arbitrageurs_burn_share_for_new_stablecoin_and_sell_it() {
    // The reserve buys UST up toward $1.05; the arbitrageurs mint UST from LUNA and sell
    // it back, so the pool stays near the band's edge.
    let text = TERRA
        .replace("below_usd = 0.995\nper_block_usd = 2_800_000", "below_usd = 1.05\nper_block_usd = 100_000_000")
        .replace("sales = [{ at_s = 72_000, amount = 85_000_000 }, { at_s = 78_000, amount = 150_000_000 }]", "sales = [{ at_s = 80_000, amount = 1 }]");
    let (world, s) = run(&text, 1);
    let d = s.protocols[0].issuer.clone().unwrap();
    assert!(d.issued > 1e6 && d.share_burned > 0.0, "{d:?}");
    assert_eq!(d.redeemed, 0.0);
    let luna = world.ledger.supply(faultline_units::AssetId(2));
    assert!(luna.burned > 0 && luna.minted == 0);
    // Without the swap the reserve lifts UST to its level; with it, 8.3M new UST a
    // block hold it lower.
    let alone = text.replace("capacity_per_block = 8_300_000", "capacity_per_block = 0");
    let (_, a) = run(&alone, 1);
    assert!(a.venues[0].mid_end > 1.049, "{:?}", a.venues[0]);
    assert!(
        s.venues[0].mid_end < a.venues[0].mid_end - 0.005,
        "{:?} {:?}",
        s.venues[0],
        a.venues[0]
    );
}

#[test]
fn scheduled_sales_happen_on_time_whatever_the_price_and_a_reserve_buys_below_its_level() {
    let (world, s) = run(TERRA, 1);
    let sellers = s.agents.iter().find(|a| a.name == "large-sellers").unwrap();
    assert_eq!(sellers.actions, 2);
    assert_eq!(sellers.traded_units, Some(235e6));
    // The first sale is at tick 120 (72,000 s): the pool's UST reserve jumps then.
    let rows: Vec<_> = world
        .records()
        .venues
        .iter()
        .filter(|r| r.venue == "ust-curve")
        .collect();
    let jump = rows
        .windows(2)
        .find(|w| w[1].base_reserve - w[0].base_reserve > 50e6)
        .unwrap();
    assert_eq!(jump[1].tick, 120);
    let lfg = s.agents.iter().find(|a| a.name == "lfg").unwrap();
    assert!(lfg.spent_units.unwrap() > 0.0 && lfg.traded_units.unwrap() > 0.0);
    // With its level under every price it sees, it never buys.
    let idle = TERRA.replace("below_usd = 0.995", "below_usd = 0.0");
    let (_, i) = run(&idle, 1);
    let lfg = i.agents.iter().find(|a| a.name == "lfg").unwrap();
    assert_eq!((lfg.actions, lfg.spent_units), (0, Some(0.0)));
}

#[test]
fn a_bad_issuer_section_is_named_field_by_field_with_its_line() {
    let text = TERRA
        .replace("share = \"LUNA\"", "share = \"UST\"")
        .replace("share_venue = \"luna-pool\"", "share_venue = \"ust-curve\"")
        .replace("{ at_s = 78_000, amount", "{ at_s = 60_000, amount")
        .replace(
            "below_usd = 0.99\nper_block_usd = 1_000_000_000_000",
            "below_usd = 0.0\nper_block_usd = 0.0",
        )
        .replace("run = { holders = 10_000, base = 0.002, herd = 1.0 }", "");
    let r = parse_world(&text, &path()).unwrap_err();
    let field = |f: &str| {
        r.errors
            .iter()
            .find(|e| e.field == f)
            .unwrap_or_else(|| panic!("{f} missing: {r}"))
    };
    assert_eq!(
        field("protocol[0].share").line,
        line_of(&text, "share = \"UST\"")
    );
    assert!(field("protocol[0].share_oracle").hint.contains("oracle"));
    assert_eq!(
        field("agent[2].sales[1].at_s").line,
        line_of(&text, "at_s = 60_000")
    );
    assert!(field("agent[3].below_usd").hint.contains("never sells"));
    assert!(
        r.errors.iter().all(|e| e.line > 0 && !e.hint.is_empty()),
        "{r}"
    );
    // The stablecoin must be priced by its market, and issued by one protocol only.
    let pegged = TERRA.replace(
        "price = { kind = \"market\", venue = \"ust-curve\" }",
        "price = { kind = \"peg\", price = 1.0 }",
    );
    let r = parse_world(&pegged, &path()).unwrap_err();
    assert!(
        r.errors.iter().any(|e| e.field == "protocol[0].stablecoin"),
        "{r}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, ..Default::default() })]

    /// Random Terra-like worlds over half a day: every asset balances to the atom every
    /// tick (the world stops otherwise), the issuer's books hold, and the share's supply
    /// moves only by the swap.
    #[test]
    fn random_issuer_worlds_balance_every_asset_every_tick(
        seed in 0u64..1_000_000,
        capacity in 0u64..50_000_000,
        spread in 0.0f64..0.05,
        pool in 1_000_000u64..1_000_000_000,
        luna in 10_000u64..50_000_000,
        sale in 1u64..2_000_000_000,
        sale_at in 0u64..43_000,
        level in 0.5f64..1.2,
        per_block in 0u64..50_000_000,
        herd in 0.0f64..3.0,
    ) {
        let text = TERRA
            .replace("seed = 20220507", &format!("seed = {seed}"))
            .replace("capacity_per_block = 8_300_000", &format!("capacity_per_block = {capacity}"))
            .replace("spread = 0.005", &format!("spread = {spread}"))
            .replace("base_reserve = 300_000_000", &format!("base_reserve = {pool}"))
            .replace("base_reserve = 12_500_000", &format!("base_reserve = {luna}"))
            .replace(
                "sales = [{ at_s = 72_000, amount = 85_000_000 }, { at_s = 78_000, amount = 150_000_000 }]",
                &format!("sales = [{{ at_s = {sale_at}, amount = {sale} }}]"),
            )
            .replace("holding = 235_000_000", &format!("holding = {sale}"))
            .replace("below_usd = 0.995\nper_block_usd = 2_800_000", &format!("below_usd = {level}\nper_block_usd = {per_block}"))
            .replace("herd = 1.0", &format!("herd = {herd}"))
            .replace("duration_s = 518400", "duration_s = 43200");
        let w = parse_world(&text, &path()).unwrap_or_else(|r| panic!("{r}"));
        let mut world = World::new(w.spec, w.file.seed).unwrap().with_full_checks();
        world.run().unwrap();
        let Some(faultline_world::world::Protocol::Issuer(issuer)) = world.protocols.first() else {
            panic!("an issuer");
        };
        let luna = world.ledger.supply(faultline_units::AssetId(2));
        proptest::prop_assert_eq!(luna.minted, issuer.stats.share_minted);
        proptest::prop_assert_eq!(luna.burned, issuer.stats.share_burned);
        proptest::prop_assert!(world.ledger.imbalances().is_empty());
    }
}
