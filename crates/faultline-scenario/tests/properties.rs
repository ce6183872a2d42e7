//! Property tests over randomly generated scenarios.

mod common;

use common::Small;
use proptest::prelude::*;

fn deficit(policy: u8) -> String {
    match policy {
        0 => r#"{ policy = "adl", ranking = "bitmex" }"#,
        1 => r#"{ policy = "adl", ranking = "binance" }"#,
        2 => r#"{ policy = "adl", ranking = "hyperliquid" }"#,
        3 => r#"{ policy = "adl", ranking = "pro_rata" }"#,
        4 => r#"{ policy = "adl", ranking = "dydx_offset_walk" }"#,
        _ => r#"{ policy = "socialized_loss" }"#,
    }
    .to_string()
}

const STAGED: &str = "[market.liquidation.staged]\nmax_step_fraction = 0.3\ncooldown_blocks = 2\nbuffer = 0.005\nmin_partial_notional = 5000.0\nfull_below_ratio = 0.6";

prop_compose! {
    fn small_scenario()(
        gap in -0.6f64..0.3,
        insurance_fund in 0.0f64..200_000.0,
        policy in 0u8..6,
        staged in any::<bool>(),
        delay in 0u32..4,
        from_reference in any::<bool>(),
        depth in 5_000.0f64..500_000.0,
        max_leverage in 2.0f64..50.0,
        long_probability in 0.0f64..1.0,
        isolated_probability in 0.0f64..1.0,
        count in 5u32..60,
        seed in 0u64..1_000,
    ) -> Small {
        Small {
            blocks: 20,
            gap,
            insurance_fund,
            deficit: deficit(policy),
            staged: if staged { STAGED.into() } else { String::new() },
            oracle_delay: delay,
            oracle_source: if from_reference { "reference".into() } else { "book_mid".into() },
            depth_1pct: depth,
            depth_5pct: depth * 5.0,
            max_leverage,
            long_probability,
            isolated_probability,
            count,
            seed,
            ..Small::default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Money is conserved to the last atom after every block of any scenario
    /// (`run` asserts it block by block), and no pot is lost track of.
    #[test]
    fn conservation_holds_after_every_block(s in small_scenario()) {
        let sim = s.run();
        prop_assert_eq!(sim.venue().conservation_error(), 0);
        prop_assert!(!sim.venue().ledger.insurance_fund.is_negative());
    }

    /// A liquidation never increases the margin shortage of the group it liquidates
    /// (measured at the marks it ran at), up to one quote atom of rounding per step.
    #[test]
    fn a_liquidation_never_increases_the_margin_shortage(s in small_scenario()) {
        let sim = s.run();
        for step in sim.liquidation_steps() {
            prop_assert!(
                step.shortage_after.atoms() <= step.shortage_before.atoms() + 1,
                "{:?}", step
            );
        }
    }

    /// On the same price path (the oracle follows the exogenous reference), a larger
    /// insurance fund never causes more auto-deleveraging.
    #[test]
    fn a_larger_insurance_fund_never_causes_more_adl(s in small_scenario(), extra in 1.0f64..1_000_000.0) {
        let base = Small { oracle_source: "reference".into(), deficit: deficit(0), ..s };
        let richer = Small { insurance_fund: base.insurance_fund + extra, ..base.clone() };
        let (a, b) = (base.run(), richer.run());
        prop_assert!(
            b.totals().adl_quantity <= a.totals().adl_quantity,
            "fund {} → ADL {}; fund {} → ADL {}",
            base.insurance_fund, a.totals().adl_quantity, richer.insurance_fund, b.totals().adl_quantity
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// The liquidation index finds exactly the groups a full scan finds: both runs end
    /// in the same state, block for block.
    #[test]
    fn the_liquidation_index_matches_a_full_scan(s in small_scenario(), vol in 0.0f64..3.0, two in any::<bool>(), mitigations in any::<bool>()) {
        let mut text = Small { volatility: vol, blocks: 30, ..s.clone() }.toml();
        if two {
            // A second market and cross accounts holding positions in both exercise the
            // index's distance bound for multi-position groups.
            let market_start = text.find("[[market]]").unwrap();
            let pop_start = text.find("[[population]]").unwrap();
            let second = text[market_start..pop_start].replace("X-PERP", "Y-PERP").replace("fraction = ", "fraction = 0.5 * 0 + ");
            let second = second.replace("fraction = 0.5 * 0 + ", "fraction = ");
            let accounts = "[[account]]\nmarket = \"X-PERP\"\nside = \"long\"\nsize = 300.0\nleverage = 12.0\nmore_positions = [{ market = \"Y-PERP\", side = \"short\", size = 150.0, leverage = 10.0 }]\n\n[[account]]\nmarket = \"Y-PERP\"\nside = \"long\"\nsize = 200.0\nleverage = 15.0\nmore_positions = [{ market = \"X-PERP\", side = \"long\", size = 100.0, leverage = 15.0 }]\n\n";
            text = format!("{}{}{}{}", &text[..pop_start], second, accounts, &text[pop_start..]);
        }
        if mitigations {
            // Volatility-scaled margin moves every requirement; breakers and panics add
            // halts and trader orders.
            text += "\n[market.vol_margin]\nreference_vol_annual = 0.3\nmax_multiplier = 6.0\n\n[market.circuit_breaker]\nprice_band = 0.05\nhalt_blocks = 3\nhalts = \"both\"\n";
            text = text.replacen("entry_offset = ", "behavior = { stop_loss = 0.5, derisk_below_ratio = 1.3, panic_probability = 0.01, herd_sensitivity = 2.0 }\nentry_offset = ", 1);
        }
        let parsed = faultline_scenario::parse(&text, std::path::Path::new("p.toml"), std::path::Path::new(".")).unwrap();
        let mut indexed = faultline_scenario::build(&parsed, s.seed).unwrap().sim;
        let mut full = faultline_scenario::build(&parsed, s.seed).unwrap().sim.with_full_scan();
        while !full.is_done() {
            let a = indexed.step().unwrap();
            let b = full.step().unwrap();
            prop_assert_eq!(a, b);
            prop_assert_eq!(indexed.venue(), full.venue());
        }
        prop_assert_eq!(indexed.totals(), full.totals());
        prop_assert_eq!(indexed.events(), full.events());
    }
}

/// Give every cross trader collateral in a second asset (`share` of its margin) and the
/// fund a reserve in it; each block the asset's price falls by `fall` and what was seized
/// is "sold" at `recovery` of its price (a stand-in for the world's pool).
fn with_collateral(
    mut sim: faultline_engine::Simulation,
    share: f64,
    reserve_atoms: i128,
) -> faultline_engine::Simulation {
    use faultline_state::CollateralAsset;
    use faultline_units::{Ppm, Price, Rounding};
    let k = sim.add_collateral_asset(CollateralAsset {
        name: "S".into(),
        scale: 10i128.pow(18),
        price: Price::from_f64(1.0).unwrap(),
        haircut: Ppm::from_fraction(0.05).unwrap(),
        seized: 0,
        reserve: 0,
    });
    let traders = sim.cross_traders();
    for (id, balance) in traders {
        let part = balance
            .mul_ppm(Ppm::from_fraction(share).unwrap(), Rounding::Floor)
            .unwrap();
        sim.post_collateral_for(id, k, part).unwrap();
    }
    sim.fund_reserve(k, reserve_atoms);
    sim
}

fn collateral_block(
    sim: &mut faultline_engine::Simulation,
    price: f64,
    recovery: f64,
) -> Vec<faultline_engine::MarketRecord> {
    use faultline_units::{Price, Quote};
    sim.set_collateral_price(0, Price::from_f64(price).unwrap());
    let rows = sim.step().unwrap();
    let seized = sim.venue().collateral.assets[0].seized;
    if seized > 0 {
        #[allow(clippy::cast_possible_truncation)]
        let proceeds = (seized as f64 / 1e18 * price * recovery * 1e6).floor() as i64;
        sim.collateral_sold(0, seized, Quote::from_atoms(proceeds))
            .unwrap();
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// With collateral in a second asset whose price falls: the index still finds exactly
    /// what a full scan finds, every block balances, the asset's atoms are all accounted
    /// for (held + seized + reserve + sold = posted + reserve), and a faster fall never
    /// liquidates fewer accounts.
    #[test]
    fn collateral_in_a_falling_asset_is_indexed_conserved_and_monotone(
        s in small_scenario(),
        fall in 0.0f64..0.12,
        share in 0.0f64..1.0,
        recovery in 0.5f64..1.1,
        reserve in 0i128..1_000_000,
    ) {
        let text = Small { gap: 0.0, volatility: 0.0, blocks: 30, ..s.clone() }.toml();
        let parsed = faultline_scenario::parse(&text, std::path::Path::new("p.toml"), std::path::Path::new(".")).unwrap();
        let reserve_atoms = reserve * 10i128.pow(18);
        let mut indexed = with_collateral(faultline_scenario::build(&parsed, s.seed).unwrap().sim, share, reserve_atoms);
        let mut full = with_collateral(faultline_scenario::build(&parsed, s.seed).unwrap().sim.with_full_scan(), share, reserve_atoms);
        let total = indexed.venue().collateral.held(0);
        let mut sold = 0i128;
        let mut price = 1.0;
        while !full.is_done() {
            price *= 1.0 - fall;
            let held_before = indexed.venue().collateral.held(0);
            let a = collateral_block(&mut indexed, price, recovery);
            let b = collateral_block(&mut full, price, recovery);
            prop_assert_eq!(a, b);
            prop_assert_eq!(indexed.venue(), full.venue());
            sold += held_before - indexed.venue().collateral.held(0);
            prop_assert_eq!(indexed.venue().collateral.held(0) + sold, total);
            prop_assert_eq!(indexed.venue().conservation_error(), 0);
        }
        prop_assert_eq!(indexed.totals(), full.totals());
        // Monotone: the same scenario with the asset held at its price liquidates no more.
        let mut flat = with_collateral(faultline_scenario::build(&parsed, s.seed).unwrap().sim, share, reserve_atoms);
        while !flat.is_done() {
            collateral_block(&mut flat, 1.0, recovery);
        }
        prop_assert!(flat.totals().liquidations <= indexed.totals().liquidations,
            "flat {} > falling {}", flat.totals().liquidations, indexed.totals().liquidations);
    }
}

#[test]
fn a_falling_collateral_asset_liquidates_accounts_a_flat_one_does_not() {
    let s = Small {
        gap: 0.0,
        volatility: 0.0,
        blocks: 30,
        max_leverage: 20.0,
        isolated_probability: 0.0,
        count: 50,
        ..Small::default()
    };
    let parsed = faultline_scenario::parse(
        &s.toml(),
        std::path::Path::new("p.toml"),
        std::path::Path::new("."),
    )
    .unwrap();
    let run = |fall: f64| {
        let mut sim = with_collateral(
            faultline_scenario::build(&parsed, s.seed).unwrap().sim,
            1.0,
            0,
        );
        let mut price = 1.0;
        while !sim.is_done() {
            price *= 1.0 - fall;
            collateral_block(&mut sim, price, 0.9);
        }
        *sim.totals()
    };
    let (flat, falling) = (run(0.0), run(0.08));
    assert_eq!(flat.liquidations, 0, "{flat:?}");
    assert!(falling.liquidations > 0, "{falling:?}");
    assert!(falling.collateral_seized.is_positive());
    assert!(
        falling.conversion_loss.is_positive(),
        "sold at 90% of a price that kept falling: {falling:?}"
    );
}
