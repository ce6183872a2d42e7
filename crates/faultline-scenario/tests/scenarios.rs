//! Scenario tests, named for the behaviour they pin down.

mod common;

use common::{run_text, Small};
use faultline_engine::EventKind;
use faultline_scenario::{build, default_scenario};
use faultline_state::{MarginGroup, Pot};
use faultline_units::{Quote, Rounding};

fn position_of(ev: &[faultline_engine::Event], kind: EventKind) -> Option<usize> {
    ev.iter().position(|e| e.kind == kind)
}

#[test]
fn liquidation_cascade_exhausts_insurance_fund_then_adl() {
    let s = default_scenario().unwrap();
    let mut sim = build(&s, s.file.seed).unwrap().sim;
    while !sim.is_done() {
        sim.step().unwrap();
    }
    let ev = sim.events().events();
    let shock = position_of(ev, EventKind::PriceShock).expect("the gap");
    let first_liq = position_of(ev, EventKind::FirstLiquidation).expect("liquidations");
    let past = position_of(ev, EventKind::FirstLossPastBankruptcy).expect("loss past bankruptcy");
    let drawn = position_of(ev, EventKind::InsuranceFundDrawn).expect("fund drawn");
    let depleted = position_of(ev, EventKind::InsuranceFundDepleted).expect("fund depleted");
    let adl = position_of(ev, EventKind::FirstAdl).expect("ADL");
    assert!(
        shock < first_liq && first_liq < past && past < drawn,
        "{ev:#?}"
    );
    assert!(drawn < depleted && drawn < adl, "{ev:#?}");
    assert_eq!(ev[shock].block.0, 300);
    let t = sim.totals();
    assert!(
        t.liquidations > 1_000,
        "a cascade, not a handful: {}",
        t.liquidations
    );
    assert!(t.adl_events > 100);
    // ADL passed losses on to the counterparties: positive, and no more than the notional
    // they were closed for.
    assert!(
        t.adl_haircut.is_positive() && t.adl_haircut < t.adl_volume,
        "{t:?}"
    );
    assert!(
        sim.venue().ledger.insurance_fund < Quote::from_units(20_000).unwrap(),
        "fund drained to under 1%"
    );
    assert_eq!(sim.venue().conservation_error(), 0);
    assert!(sim.venue().accounts.len() > 4_000);
}

#[test]
fn small_gap_is_absorbed_without_adl_or_bad_debt() {
    let sim = Small {
        gap: -0.06,
        max_leverage: 20.0,
        insurance_fund: 1_000_000.0,
        oracle_source: "reference".into(),
        ..Small::default()
    }
    .run();
    let t = sim.totals();
    assert!(t.liquidations > 0, "a 6% gap liquidates the 17×–20× longs");
    assert_eq!(t.adl_events, 0);
    assert_eq!(t.adl_haircut, Quote::ZERO);
    assert_eq!(sim.venue().ledger.bad_debt(), Quote::ZERO);
    assert!(!sim.events().happened(EventKind::FirstAdl));
}

#[test]
fn liquidation_fees_are_split_between_liquidator_and_insurance_fund() {
    let sim = Small {
        gap: -0.06,
        insurance_fund: 1_000_000.0,
        oracle_source: "reference".into(),
        ..Small::default()
    }
    .run();
    let t = sim.totals();
    assert!(t.liquidator_fees.is_positive());
    // liquidator_share = 0.5: the liquidator gets half, rounded down; the fund the rest.
    let diff = t.insurance_fees.checked_sub(t.liquidator_fees).unwrap();
    assert!(
        diff >= Quote::ZERO && diff.atoms() <= i64::try_from(t.liquidations).unwrap(),
        "{t:?}"
    );
    assert_eq!(
        sim.venue().balance(Pot::Liquidator(0)).unwrap(),
        t.liquidator_fees
    );
    assert_eq!(sim.venue().balance(Pot::FeePool).unwrap(), t.taker_fees);
}

#[test]
fn socialized_loss_haircuts_winners_when_the_fund_is_empty() {
    let sim = Small {
        deficit: r#"{ policy = "socialized_loss" }"#.into(),
        insurance_fund: 0.0,
        gap: -0.3,
        depth_1pct: 20_000.0,
        depth_5pct: 100_000.0,
        ..Small::default()
    }
    .run();
    let t = sim.totals();
    assert_eq!(t.adl_events, 0, "no ADL under socialized loss");
    assert!(t.socialized_loss.is_positive(), "{t:?}");
    assert!(sim.events().happened(EventKind::SocializedLoss));
    // What was socialized is no longer outstanding.
    assert!(sim.venue().ledger.bad_debt() < Quote::ONE);
}

#[test]
fn every_adl_ranking_deleverages_and_conserves() {
    for ranking in [
        "bitmex",
        "binance",
        "hyperliquid",
        "pro_rata",
        "dydx_offset_walk",
    ] {
        let deficit = format!(r#"{{ policy = "adl", ranking = "{ranking}" }}"#);
        let sim = Small {
            deficit,
            insurance_fund: 0.0,
            depth_1pct: 20_000.0,
            depth_5pct: 100_000.0,
            ..Small::default()
        }
        .run();
        assert!(sim.totals().adl_events > 0, "{ranking}: no ADL");
        assert_eq!(sim.venue().conservation_error(), 0, "{ranking}");
        assert!(
            sim.venue().ledger.bad_debt() < Quote::ONE,
            "{ranking}: ADL at bankruptcy leaves no deficit"
        );
    }
}

const STAGED: &str = "[market.liquidation.staged]\nmax_step_fraction = 0.2\ncooldown_blocks = 3\nbuffer = 0.001\nmin_partial_notional = 10000.0\nfull_below_ratio = 0.5";

fn whale(leverage: f64) -> String {
    format!("[[account]]\nlabel = \"whale\"\nmarket = \"X-PERP\"\nside = \"long\"\nsize = 5000.0\nleverage = {leverage:?}\n")
}

fn whale_run(gaps: &str, staged: &str, blocks: u64) -> faultline_engine::Simulation {
    let text = Small {
        count: 1,
        long_probability: 0.0,
        volatility: 0.0,
        staged: staged.into(),
        oracle_source: "reference".into(),
        level_step: 0.0005,
        depth_1pct: 10_000_000.0,
        depth_5pct: 50_000_000.0,
        accounts: whale(40.0),
        blocks,
        ..Small::default()
    }
    .toml()
    .replace("gaps = [{ block = 5, fraction = -0.3 }]", gaps);
    run_text(&text, 7)
}

#[test]
fn a_step_that_cannot_restore_health_within_the_cap_liquidates_in_full() {
    // A 1.8% gap leaves the 40× whale needing ~88% closed: more than the 20% cap.
    let sim = whale_run("gaps = [{ block = 5, fraction = -0.018 }]", STAGED, 10);
    let steps: Vec<_> = sim
        .liquidation_steps()
        .iter()
        .filter(|s| s.account.0 == 1)
        .collect();
    assert_eq!(steps.len(), 1, "{steps:#?}");
    assert!(!steps[0].partial);
    assert!(sim.venue().accounts[1].positions.is_empty());
}

#[test]
fn staged_steps_wait_for_the_cooldown_between_steps() {
    // A slow slide: −0.1% a block. Each step restores maintenance plus the buffer; the
    // slide makes the account liquidatable again, but only after the cooldown (3 blocks)
    // may the next partial step run.
    let staged = STAGED.replace("max_step_fraction = 0.2", "max_step_fraction = 0.8");
    let gaps: Vec<String> = (5..=30)
        .map(|b| format!("{{ block = {b}, fraction = -0.001 }}"))
        .collect();
    let sim = whale_run(&format!("gaps = [{}]", gaps.join(", ")), &staged, 30);
    let steps: Vec<_> = sim
        .liquidation_steps()
        .iter()
        .filter(|s| s.account.0 == 1)
        .collect();
    assert!(steps.len() >= 2, "{steps:#?}");
    assert!(steps.iter().all(|s| s.partial), "{steps:#?}");
    for w in steps.windows(2) {
        assert!(
            w[1].block.0 >= w[0].block.0 + 3,
            "cooldown respected: {steps:#?}"
        );
    }
    for s in &steps {
        assert_eq!(
            s.shortage_after,
            Quote::ZERO,
            "each step restores the account: {s:?}"
        );
    }
}

#[test]
fn an_uncapped_staged_step_restores_maintenance_plus_buffer() {
    let staged = STAGED.replace("max_step_fraction = 0.2", "max_step_fraction = 0.5");
    let sim = whale_run("gaps = [{ block = 5, fraction = -0.0155 }]", &staged, 8);
    let whale = faultline_units::AccountId(1);
    let steps: Vec<_> = sim
        .liquidation_steps()
        .iter()
        .filter(|s| s.account == whale)
        .collect();
    assert_eq!(steps.len(), 1, "one step is enough: {steps:#?}");
    assert!(steps[0].partial);
    let h = sim.venue().group_health(whale, MarginGroup::Cross).unwrap();
    let p = sim.venue().accounts[1].positions[0];
    let notional = p
        .size
        .notional(sim.venue().markets[0].mark_price, Rounding::Floor)
        .unwrap();
    let target = h
        .maintenance
        .checked_add(
            notional
                .mul_ppm(faultline_units::Ppm::from_bps(10), Rounding::Ceil)
                .unwrap(),
        )
        .unwrap();
    assert!(
        h.equity >= target,
        "equity {} below maintenance + buffer {}",
        h.equity,
        target
    );
}
#[test]
fn an_isolated_bankruptcy_costs_the_fund_not_the_owners_other_margin() {
    let sim = Small {
        isolated_probability: 1.0,
        gap: -0.3,
        oracle_source: "reference".into(),
        ..Small::default()
    }
    .run();
    // Every liquidated isolated group was settled to a non-negative cross balance.
    for a in &sim.venue().accounts {
        assert!(
            !a.cross_balance.is_negative(),
            "{} has a negative cross balance {}",
            a.id,
            a.cross_balance
        );
    }
    assert!(sim.totals().loss_past_bankruptcy.is_positive());
}

#[test]
fn funding_accrues_from_longs_to_shorts_at_the_interest_rate() {
    // One 8-hour interval in eight hourly blocks; the book mid equals the oracle, so
    // the premium is zero and the rate is the 0.01% interest component.
    let text = Small {
        volatility: 0.0,
        gap: 0.0,
        count: 20,
        ..Small::default()
    }
    .toml()
    .replace("block_time_ms = 1000", "block_time_ms = 3600000")
    .replace("blocks = 30", "blocks = 8");
    let sim = run_text(&text, 7);
    let v = sim.venue();
    let mut paid = 0i64;
    for a in v.accounts.iter().skip(1) {
        let p = a.positions[0];
        let h = v.group_health(a.id, v.group_of(a.id, p.market)).unwrap();
        let notional = p
            .size
            .notional(v.markets[0].mark_price, Rounding::Floor)
            .unwrap();
        let expected = notional
            .mul_ppm(faultline_units::Ppm::from_bps(1), Rounding::Floor)
            .unwrap();
        assert!(
            (h.funding_owed.atoms() - expected.atoms()).abs() <= 2,
            "{}: owed {} expected {}",
            a.id,
            h.funding_owed,
            expected
        );
        paid += h.funding_owed.atoms();
    }
    let lp = v
        .group_health(v.accounts[0].id, MarginGroup::Cross)
        .unwrap()
        .funding_owed
        .atoms();
    assert!(
        (paid + lp).abs() <= 2 * 21,
        "funding is zero-sum up to rounding: {paid} + {lp}"
    );
}

#[test]
fn a_candle_file_drives_the_reference_price() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("c.csv");
    std::fs::write(
        &csv,
        "open_time,close\n0,100\n60000,90\n120000,80\n180000,85\n",
    )
    .unwrap();
    let text = Small::default().toml().replace(
        "model = \"gbm\"\ninitial_price = 100.0\nvolatility_annual = 0.5\ngaps = [{ block = 5, fraction = -0.3 }]",
        "model = \"candles\"\nfile = \"c.csv\"",
    ).replace("block_time_ms = 1000", "block_time_ms = 60000").replace("blocks = 30", "blocks = 4");
    let s = faultline_scenario::parse(&text, &dir.path().join("t.toml"), dir.path())
        .unwrap_or_else(|r| panic!("{r}"));
    let mut sim = build(&s, 1).unwrap().sim;
    let mut refs = vec![sim.venue().markets[0].reference_price.to_f64()];
    while !sim.is_done() {
        refs.push(sim.step().unwrap()[0].reference_price.to_f64());
    }
    assert_eq!(refs, vec![100.0, 90.0, 80.0, 85.0, 85.0]);
}

#[test]
fn same_seed_same_run_and_another_seed_another_run() {
    let a = Small::default().run();
    let b = Small::default().run();
    assert_eq!(a.venue(), b.venue());
    assert_eq!(a.totals(), b.totals());
    let c = Small {
        seed: 8,
        ..Small::default()
    }
    .run();
    assert_ne!(a.venue(), c.venue());
}

#[test]
fn black_thursday_replay_clips_the_323_wick() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/maker-black-thursday-2020-03-12");
    let text = Small { blocks: 1_200, ..Small::default() }.toml().replace("block_time_ms = 1000", "block_time_ms = 12000").replace(
        "model = \"gbm\"\ninitial_price = 100.0\nvolatility_annual = 0.5\ngaps = [{ block = 5, fraction = -0.3 }]",
        "model = \"candles\"\nfile = \"binance_ETHUSDT_1m_2020-03-12T0524Z_2020-03-13T0359Z.csv\"\nformat = \"binance_klines\"\nstart = \"2020-03-13T00:00:00Z\"",
    );
    let s = faultline_scenario::parse(&text, &data.join("replay.toml"), &data)
        .unwrap_or_else(|r| panic!("{r}"));
    let mut sim = build(&s, 1).unwrap().sim;
    let mut max_ref: f64 = sim.venue().markets[0].reference_price.to_f64();
    while !sim.is_done() {
        let rows = sim.step().unwrap();
        max_ref = max_ref.max(rows[0].reference_price.to_f64());
    }
    // 02:39Z is block 795 at 12 s blocks; the raw high of that minute is 323.00.
    assert!(max_ref < 140.0, "a bad print became a price: {max_ref}");
    assert_eq!(sim.venue().conservation_error(), 0);
    let unfiltered = text.replace(
        "start = \"2020-03-13T00:00:00Z\"",
        "start = \"2020-03-13T00:00:00Z\"\nfilter_bad_prints = false",
    );
    let raw = faultline_scenario::parse(&unfiltered, &data.join("replay.toml"), &data).unwrap();
    let peak = raw.replays[0]
        .as_ref()
        .unwrap()
        .iter()
        .cloned()
        .fold(0.0, f64::max);
    assert!(
        peak > 250.0,
        "without the filter the wick is replayed: {peak}"
    );
}

#[test]
fn correlated_markets_move_together() {
    let one = Small {
        gap: 0.0,
        volatility: 1.0,
        count: 5,
        blocks: 3_000,
        ..Small::default()
    }
    .toml();
    let market_start = one.find("[[market]]").unwrap();
    let pop_start = one.find("[[population]]").unwrap();
    let second = one[market_start..pop_start].replace("X-PERP", "Y-PERP");
    let text = format!(
        "{}{}{}\n[correlation]\nmarkets = [\"X-PERP\", \"Y-PERP\"]\nmatrix = [[1.0, 0.9], [0.9, 1.0]]\n",
        &one[..pop_start],
        second,
        &one[pop_start..]
    );
    let s = faultline_scenario::parse(
        &text,
        std::path::Path::new("c.toml"),
        std::path::Path::new("."),
    )
    .unwrap_or_else(|r| panic!("{r}"));
    let mut sim = build(&s, 3).unwrap().sim;
    let (mut x, mut y) = (vec![], vec![]);
    while !sim.is_done() {
        let rows = sim.step().unwrap();
        x.push(rows[0].reference_price.to_f64().ln());
        y.push(rows[1].reference_price.to_f64().ln());
    }
    let rx: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let ry: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    let dot: f64 = rx.iter().zip(&ry).map(|(a, b)| a * b).sum();
    let nx: f64 = rx.iter().map(|a| a * a).sum::<f64>().sqrt();
    let ny: f64 = ry.iter().map(|a| a * a).sum::<f64>().sqrt();
    let rho = dot / (nx * ny);
    assert!((rho - 0.9).abs() < 0.05, "correlation {rho}");
}
