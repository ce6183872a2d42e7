//! A CDP's debt auctions in a world: bad debt the surplus cannot cover is sold for newly
//! minted governance token, the winners' sales dilute its pool, the governance token's
//! holders are counted as bearing what the auctions raised, and nothing is minted
//! without bidders (the unbid auctions restart with larger lots).

mod common;

use faultline_scenario::world_file::parse_world;
use faultline_world::{World, WorldEventKind, WorldSummary};
use std::path::{Path, PathBuf};

const WORLD: &str = include_str!("../../../scenarios/worlds/stablecoin-collateral.toml");

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/worlds/stablecoin-collateral.toml")
}

/// The bundled stablecoin world through a 65% gap (vaults go under water), with MKR, its
/// pool and oracle, debt auctions and `bidder_capital` of FUSD bidding.
fn with_flops(bidder_capital: f64) -> String {
    let mut s = WORLD.replace("fraction = -0.35", "fraction = -0.65");
    s = s.replacen(
        "[[chain]]",
        "[[asset]]\nname = \"MKR\"\ndecimals = 18\nprice = { kind = \"gbm\", initial = 600.0, volatility_annual = 0.0 }\n\n[[chain]]",
        1,
    );
    s = s.replacen(
        "[[oracle]]\nname = \"usdc\"",
        "[[venue]]\nname = \"mkr-usdc\"\nchain = \"ethereum\"\nbase = \"MKR\"\nquote = \"USDC\"\ncurve = { kind = \"constant_product\" }\nfee_bps = 30\nbase_reserve = 20000\n\n[[oracle]]\nname = \"mkr\"\nasset = \"MKR\"\nchain = \"ethereum\"\nsources = [\"mkr-usdc\"]\n\n[[oracle]]\nname = \"usdc\"",
        1,
    );
    s = s.replacen(
        "hole = 100_000_000\n",
        "hole = 100_000_000\ndebt_auction = { token = \"MKR\", sump = 50_000, dump = 250, ttl_s = 60, tau_s = 600 }\n",
        1,
    );
    s + &format!(
        "\n[[agent]]\nkind = \"debt_bidder\"\nname = \"mkr-bidders\"\nprotocol = \"maker\"\ncapital = {bidder_capital}\noracle = \"mkr\"\nroute = [\"mkr-usdc\"]\n"
    )
}

fn run(text: &str) -> (World, WorldSummary) {
    common::run_world(text, &path())
}

const MKR: usize = 3;

#[test]
fn bad_debt_is_sold_for_new_governance_token_whose_pool_the_winners_sell_into() {
    let (world, s) = run(&with_flops(3_000_000.0));
    let maker = &s.protocols[0];
    let d = maker.cdp.as_ref().unwrap();
    assert!(d.debt_auctions > 10, "{d:?}");
    // Every 50,000 FUSD raised is one auction won; the bidders spent all they had.
    assert_eq!(d.debt_auction_raised.to_bits(), 3_000_000.0f64.to_bits());
    let mkr = &s.assets[MKR];
    assert!(
        (mkr.supply_end - mkr.supply_start - d.debt_auction_minted).abs() < 1e-6,
        "{mkr:?} {d:?}"
    );
    // At 600 less 5%, 50,000 FUSD buys about 87.7 MKR a lot.
    let per_lot = d.debt_auction_minted / 60.0;
    assert!(per_lot > 87.0 && per_lot < 200.0, "{per_lot}");
    assert!(
        s.venues[2].mid_end < 0.8 * s.venues[2].mid_start,
        "{:?}",
        s.venues[2]
    );
    // What the auctions raised is borne by MKR's holders (dilution), not the surplus:
    // all of it but what also paid the keepers' rewards (which add to `sin` too).
    let diluted = maker.borne_by.socialized_loss;
    let rewards = d.keeper_incentives;
    assert!(
        (diluted - (3_000_000.0 - rewards)).abs() < 1.0,
        "{diluted} {rewards} {maker:?}"
    );
    assert!(world
        .events()
        .iter()
        .any(|e| e.kind == WorldEventKind::DebtAuction));
}

#[test]
fn without_bidders_no_token_is_minted_and_the_debt_stays_the_protocols() {
    let (world, s) = run(&with_flops(0.0));
    // Unbid auctions restart every `tau` (600 s) with 1.5 times the lot.
    let Some(faultline_world::world::Protocol::Cdp(c)) = world.protocols.first() else {
        panic!("a CDP");
    };
    let e18 = 1_000_000_000_000_000_000i128;
    assert_eq!(
        c.flops[0].lot,
        250 * e18 * 9 / 4,
        "kicked at 3 min, restarted twice"
    );
    assert!(c
        .flops
        .iter()
        .all(|f| f.guy.is_none() && f.lot >= 250 * e18));
    let maker = &s.protocols[0];
    let d = maker.cdp.as_ref().unwrap();
    assert!(d.debt_auctions > 10);
    assert_eq!(d.debt_auction_minted.to_bits(), 0.0f64.to_bits());
    assert_eq!(
        s.assets[MKR].supply_end.to_bits(),
        s.assets[MKR].supply_start.to_bits()
    );
    let (_, funded) = run(&with_flops(3_000_000.0));
    let funded = &funded.protocols[0];
    assert!(
        maker.borne_by.protocol_deficit > funded.borne_by.protocol_deficit + 2_500_000.0,
        "{:?} vs {:?}",
        maker.borne_by,
        funded.borne_by
    );
}

#[test]
fn a_debt_bidder_must_bid_in_a_cdp_with_debt_auctions() {
    let text = with_flops(1.0).replacen(
        "debt_auction = { token = \"MKR\", sump = 50_000, dump = 250, ttl_s = 60, tau_s = 600 }\n",
        "",
        1,
    );
    let r = parse_world(&text, &path()).unwrap_err();
    let e = r
        .errors
        .iter()
        .find(|e| e.field.ends_with(".protocol"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(e.hint.contains("debt_auction"), "{e:?}");
    let same = with_flops(1.0).replace("token = \"MKR\"", "token = \"FUSD\"");
    let r = parse_world(&same, &path()).unwrap_err();
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "protocol[0].debt_auction.token"),
        "{r}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 50, ..Default::default() })]

    /// Random debt auctions: every asset balances every tick, `Ash` matches the unbid
    /// auctions and the CDP's supply identity holds (full checks), and the token minted
    /// is exactly what the auctions dealt.
    #[test]
    fn random_debt_auctions_balance_every_asset_every_tick(
        seed in 0u64..1_000_000,
        gap in 0.3f64..0.9,
        sump in 1_000u64..500_000,
        dump in 1u64..5_000,
        capital in 0u64..5_000_000,
        discount in 0.0f64..0.5,
        ttl in 12u64..600,
        tau in 12u64..1_200,
    ) {
        let text = with_flops(capital as f64)
            .replace("seed = 5", &format!("seed = {seed}"))
            .replace("fraction = -0.65", &format!("fraction = -{gap}"))
            .replace(
                "sump = 50_000, dump = 250, ttl_s = 60, tau_s = 600",
                &format!("sump = {sump}, dump = {dump}, ttl_s = {ttl}, tau_s = {tau}"),
            )
            .replace("route = [\"mkr-usdc\"]", &format!("discount = {discount}\nroute = [\"mkr-usdc\"]"));
        let (world, s) = run(&text);
        proptest::prop_assert!(world.ledger.imbalances().is_empty());
        let mkr = world.ledger.supply(faultline_units::AssetId(3));
        let Some(faultline_world::world::Protocol::Cdp(c)) = world.protocols.first() else {
            panic!("a CDP");
        };
        proptest::prop_assert_eq!(mkr.minted, c.stats.flop_minted);
        proptest::prop_assert!(s.protocols[0].borne_by.socialized_loss >= 0.0);
    }
}

#[test]
fn holders_watching_the_cdps_balance_sheet_sell_once_it_shows_bad_debt() {
    // The bundled holders dump below $2 from two minutes; make them wait for $0.5 (never
    // reached) unless they watch the CDP.
    let blind = with_flops(0.0).replace("below_usd = 2.0", "below_usd = 0.5");
    let watching = blind.replace("from_s = 120\n", "from_s = 120\nwatch = [\"maker\"]\n");
    let sold = |t: &str| {
        let (_, s) = run(t);
        s.agents
            .iter()
            .find(|a| a.name == "fusd-holders")
            .and_then(|a| a.traded_units)
            .unwrap()
    };
    assert_eq!(sold(&blind).to_bits(), 0.0f64.to_bits());
    assert!(sold(&watching) > 1_000_000.0);
}

#[test]
fn bad_debt_waits_out_vow_wait_before_its_first_debt_auction() {
    let kicked = |t: &str| {
        let (w, _) = run(t);
        let tick = |k: WorldEventKind| w.events().iter().find(|e| e.kind == k).map(|e| e.tick);
        (
            tick(WorldEventKind::FirstLiquidation).unwrap(),
            tick(WorldEventKind::DebtAuction),
        )
    };
    let (bark, at_once) = kicked(&with_flops(1_000_000.0));
    let waiting = with_flops(1_000_000.0).replace("tau_s = 600 }", "tau_s = 600, wait_s = 600 }");
    let (_, later) = kicked(&waiting);
    let (at_once, later) = (at_once.unwrap(), later.unwrap());
    assert!(at_once < bark + 50, "{bark} {at_once}");
    assert!(later >= bark + 50, "600 s is 50 ticks: {bark} {later}");
}
