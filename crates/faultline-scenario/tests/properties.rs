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
