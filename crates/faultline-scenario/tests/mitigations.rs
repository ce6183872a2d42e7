//! Each mitigation and agent moves the outcome the way theory says, on a scenario built
//! so that it must; and a circuit breaker that makes things worse.

mod common;

use common::{run_text, Small};
use faultline_engine::{EventKind, Simulation};
use faultline_units::Quote;

fn base() -> Small {
    Small {
        volatility: 0.0,
        insurance_fund: 0.0,
        deficit: r#"{ policy = "socialized_loss" }"#.into(),
        oracle_source: "reference".into(),
        depth_1pct: 100_000.0,
        depth_5pct: 400_000.0,
        count: 80,
        blocks: 40,
        ..Small::default()
    }
}

/// The small scenario with a slide of `n` gaps of `step` from block 5, plus extra TOML:
/// `market` keys go inside [[market]] (tables appended at the end refer to it too).
fn scenario(small: &Small, slide: &[(u64, f64)], tail: &str) -> String {
    let gaps: Vec<String> = slide
        .iter()
        .map(|(b, f)| format!("{{ block = {b}, fraction = {f:?} }}"))
        .collect();
    small.toml().replace(
        &format!("gaps = [{{ block = 5, fraction = {:?} }}]", small.gap),
        &format!("gaps = [{}]", gaps.join(", ")),
    ) + "\n"
        + tail
}

fn slide() -> Vec<(u64, f64)> {
    (5..12).map(|b| (b, -0.04)).collect()
}

fn run(text: &str) -> Simulation {
    run_text(text, 7)
}

/// Losses past bankruptcy (socialized-loss venue: every one is recorded).
fn loss(s: &Simulation) -> f64 {
    s.totals().loss_past_bankruptcy.to_f64() + s.latent_bad_debt().unwrap().to_f64()
}

#[test]
fn volatility_scaled_margin_deleverages_before_the_gap_and_loses_less() {
    // A noisy market, then a 30% gap at block 30: with volatility-scaled margin the most
    // levered accounts are liquidated in the noise, in small batches, before the gap.
    let b = Small {
        volatility: 20.0,
        blocks: 40,
        ..base()
    };
    let gap = [(30, -0.3)];
    let plain = run(&scenario(&b, &gap, ""));
    let scaled = run(&scenario(&b, &gap, "[market.vol_margin]\nreference_vol_annual = 2.0\nmax_multiplier = 10.0\n\n[market.liquidity]\nwithdraw_sensitivity = 0.0\nreference_vol_annual = 2.0\nvol_halflife_blocks = 3.0\n"));
    let before_gap = |s: &Simulation| {
        s.liquidation_steps()
            .iter()
            .filter(|x| x.block.0 < 30)
            .count()
    };
    assert!(
        before_gap(&scaled) > before_gap(&plain),
        "{} vs {}",
        before_gap(&scaled),
        before_gap(&plain)
    );
    assert!(
        loss(&scaled) < loss(&plain),
        "loss past bankruptcy {} vs {}",
        loss(&scaled),
        loss(&plain)
    );
}

const BREAKER: &str =
    "[market.circuit_breaker]\nprice_band = 0.03\nhalt_blocks = 10\nhalts = \"liquidations\"\n";

#[test]
fn a_circuit_breaker_rides_out_a_wick() {
    // A 25% wick that comes back the next block: halted, nobody is liquidated at the bottom.
    let b = base();
    let wick = [(5, -0.25), (6, 1.0 / 0.75 - 1.0)];
    let plain = run(&scenario(&b, &wick, ""));
    let halted = run(&scenario(&b, &wick, BREAKER));
    assert!(halted.events().happened(EventKind::CircuitBreakerTripped));
    assert!(
        halted.totals().halted_blocks > 0 && halted.totals().halted_volume.is_positive(),
        "{:?}",
        halted.totals()
    );
    assert!(plain.totals().liquidations > 0);
    assert!(
        halted.totals().liquidations < plain.totals().liquidations,
        "{} vs {}",
        halted.totals().liquidations,
        plain.totals().liquidations
    );
    assert!(loss(&halted) <= loss(&plain));
}

/// The essays' warning: a halt that lets the gap grow before liquidations resume.
#[test]
fn a_circuit_breaker_makes_a_real_crash_worse() {
    let b = base();
    let plain = run(&scenario(&b, &slide(), ""));
    let halted = run(&scenario(&b, &slide(), BREAKER));
    assert!(halted.totals().halted_blocks > 0);
    assert!(
        loss(&halted) > loss(&plain),
        "the halt let positions sink past bankruptcy: {} vs {}",
        loss(&halted),
        loss(&plain)
    );
}

#[test]
fn a_backstop_vault_absorbs_what_would_be_deleveraged() {
    let b = Small {
        deficit: r#"{ policy = "adl", ranking = "bitmex" }"#.into(),
        ..base()
    };
    let plain = run(&scenario(&b, &[(5, -0.3)], ""));
    let vault = run(&scenario(&b, &[(5, -0.3)], "").replace("deficit = ", "backstop = { capital = 5000000.0, takeover_below_ratio = 0.6667, unwind_per_block = 0.05 }\ndeficit = "));
    assert!(plain.totals().adl_events > 0);
    assert!(vault.totals().backstop_takeovers > 0);
    assert!(
        vault.totals().adl_events < plain.totals().adl_events,
        "{} vs {}",
        vault.totals().adl_events,
        plain.totals().adl_events
    );
}

#[test]
fn depositors_run_on_a_vault_that_draws_down() {
    let b = base();
    let text = scenario(&b, &[(5, -0.3)], "").replace("deficit = ", "backstop = { capital = 300000.0, takeover_below_ratio = 0.6667, unwind_per_block = 0.02, run_drawdown = 0.01, run_per_block = 0.2 }\ndeficit = ");
    let s = run(&text);
    assert!(s.events().happened(EventKind::VaultRun), "{:?}", s.totals());
    assert!(s.totals().vault_withdrawn.is_positive());
}

#[test]
fn insurance_top_ups_reduce_auto_deleveraging() {
    let b = Small {
        deficit: r#"{ policy = "adl", ranking = "bitmex" }"#.into(),
        ..base()
    };
    let plain = run(&scenario(&b, &[(5, -0.3)], ""));
    let topped = run(&scenario(&b, &[(5, -0.3)], "").replace("deficit = ", "insurance_topup = { below = 1000000.0, per_block = 1000000.0, budget = 5000000.0 }\ndeficit = "));
    assert!(topped.totals().insurance_topped_up.is_positive());
    assert!(topped.totals().adl_events < plain.totals().adl_events);
    assert_eq!(
        topped.venue().conservation_error(),
        0,
        "top-ups are external flows"
    );
}

#[test]
fn a_non_linear_penalty_charges_large_positions_more() {
    // A 40× whale a little under maintenance: its surplus over bankruptcy covers a larger fee.
    let b = Small {
        gap: -0.018,
        count: 1,
        long_probability: 0.0,
        insurance_fund: 1_000_000.0,
        oracle_source: "reference".into(),
        volatility: 0.0,
        level_step: 0.0005,
        depth_1pct: 10_000_000.0,
        depth_5pct: 50_000_000.0,
        accounts:
            "[[account]]\nmarket = \"X-PERP\"\nside = \"long\"\nsize = 5000.0\nleverage = 40.0\n"
                .into(),
        ..Small::default()
    };
    let fees = |s: &Simulation| {
        s.totals()
            .insurance_fees
            .checked_add(s.totals().liquidator_fees)
            .unwrap()
    };
    let plain = run(&b.toml());
    let curved = run(&(b.toml()
        + "\n[market.penalty]\nreference_notional = 100000.0\nexponent = 1.0\nmax_fee = 0.03\n"));
    assert!(plain.totals().liquidations > 0);
    assert!(
        fees(&curved) > fees(&plain),
        "{} vs {}",
        fees(&curved),
        fees(&plain)
    );
}

#[test]
fn one_slow_liquidator_loses_more_than_many_fast_ones() {
    let b = base();
    let slow = run(&(scenario(&b, &slide(), "") + "[[liquidator]]\nlabel = \"slow\"\nlatency_blocks = 6\ncapacity_per_block = 100000000.0\n"));
    let fast = run(&(scenario(&b, &slide(), "") + &(0..5).map(|i| format!("[[liquidator]]\nlabel = \"fast{i}\"\nlatency_blocks = 0\ncapacity_per_block = 100000000.0\n\n")).collect::<String>()));
    assert!(
        loss(&slow) > loss(&fast),
        "{} vs {}",
        loss(&slow),
        loss(&fast)
    );
    let paid: Vec<Quote> = fast.venue().ledger.liquidators.clone();
    assert!(
        paid[0].is_positive(),
        "the first fast liquidator earns the fees: {paid:?}"
    );
}

#[test]
fn a_liquidator_with_limited_capacity_leaves_the_rest_for_later() {
    let b = base();
    let capped =
        run(&(scenario(&b, &[(5, -0.3)], "") + "[[liquidator]]\ncapacity_per_block = 20000.0\n"));
    let rows_per_block = capped
        .liquidation_steps()
        .iter()
        .filter(|s| s.block.0 == 6)
        .count();
    assert!(
        rows_per_block > 0 && rows_per_block < 10,
        "{rows_per_block}"
    );
    assert!(capped.liquidation_steps().iter().any(|s| s.block.0 > 6));
}

#[test]
fn herd_panic_spreads_and_stop_losses_fire() {
    let b = base();
    let panic = "behavior = { panic_probability = 0.01, herd_sensitivity = 5.0 }\n";
    let text = scenario(&b, &[(5, -0.03)], "")
        .replace("entry_offset = ", &format!("{panic}entry_offset = "));
    let s = run(&text);
    assert!(s.events().happened(EventKind::HerdPanic));
    assert!(s.totals().trader_exits > 10, "{}", s.totals().trader_exits);
    let stops = scenario(&b, &[(5, -0.05)], "").replace(
        "entry_offset = ",
        "behavior = { stop_loss = 0.3 }\nentry_offset = ",
    );
    let s = run(&stops);
    assert!(s.totals().trader_exits > 0);
    let calm = run(&scenario(&b, &[(5, 0.0)], "").replace(
        "entry_offset = ",
        "behavior = { stop_loss = 0.3 }\nentry_offset = ",
    ));
    assert_eq!(calm.totals().trader_exits, 0, "no loss, no stop");
}

#[test]
fn market_makers_pull_depth_as_their_inventory_grows() {
    let b = base();
    let text = scenario(&b, &[(5, -0.3)], "[market.liquidity]\nwithdraw_sensitivity = 0.0\nreference_vol_annual = 1.0\nvol_halflife_blocks = 5.0\ninventory_limit = 10000.0\ninventory_sensitivity = 1.0\n");
    let s = run(&text);
    let rows = s.snapshot().unwrap();
    assert!(
        rows[0].depth_multiplier < 0.9,
        "{}",
        rows[0].depth_multiplier
    );
}

#[test]
fn an_open_interest_cap_bounds_the_crowd_and_the_loss() {
    // 80 traders, 70% long, ~$16k each: about $900k of longs. A $300k cap per side
    // refuses the openings past it, so a 30% gap has fewer longs to liquidate.
    let plain_text = scenario(&base(), &[(5, -0.3)], "");
    let capped_text = plain_text.replace(
        "symbol = \"X-PERP\"",
        "symbol = \"X-PERP\"\nopen_interest_cap = 300000.0",
    );
    assert_ne!(plain_text, capped_text);
    let plain = run(&plain_text);
    let capped = run(&capped_text);
    let m = &capped.venue().markets[0];
    let traders = |s: &Simulation| {
        s.venue()
            .accounts
            .iter()
            .filter(|a| a.kind == faultline_state::AccountKind::Trader)
            .count() as u64
    };
    assert_eq!(plain.venue().markets[0].openings_refused, 0);
    assert!(m.openings_refused > 0);
    assert_eq!(traders(&capped) + m.openings_refused, traders(&plain));
    assert!(
        loss(&capped) < loss(&plain),
        "{} vs {}",
        loss(&capped),
        loss(&plain)
    );
    assert!(capped.totals().liquidations < plain.totals().liquidations);
    assert_eq!(capped.venue().conservation_error(), 0);
}

#[test]
fn an_open_interest_cap_is_checked_in_the_scenario() {
    let text = scenario(&base(), &[(5, -0.3)], "").replace(
        "symbol = \"X-PERP\"",
        "symbol = \"X-PERP\"\nopen_interest_cap = -5.0",
    );
    let err = faultline_scenario::parse(
        &text,
        std::path::Path::new("cap.toml"),
        std::path::Path::new("."),
    )
    .unwrap_err();
    assert!(err.to_string().contains("open_interest_cap"), "{err}");
}

const CHAIN: &str = "[chain]\ngas_limit = 30000000\nbase_fee_gwei = 20.0\nmax_pending_blocks = 10\ngas_token_price = 1000.0\nmin_liquidation_profit = 0.0\ndemand = { model = \"parametric\", utilization = 1.0, priority_mean_gwei = 2.0 }\noracle_tx = { gas_used = 100000, premium = 1.0, max_fee_gwei = 100000.0 }\nliquidation_tx = { gas_used = 400000, premium = 0.2, max_fee_gwei = 2000.0 }\n";

#[test]
fn on_a_chain_the_higher_gas_bidder_wins_and_the_loser_pays_for_reverts() {
    // The cheap bidder is listed first, so it sends first: on equal bids it would win.
    let liquidators = "[[liquidator]]\nlabel = \"cheap\"\ncapacity_per_block = 1e9\ngas = { gas_used = 400000, premium = 0.0, max_fee_gwei = 5000.0 }\n\n[[liquidator]]\nlabel = \"bidder\"\ncapacity_per_block = 1e9\ngas = { gas_used = 400000, premium = 3.0, max_fee_gwei = 5000.0 }\n";
    // A slow slide of 0.5% steps (liquidations earn fees), and gas cheap next to them, so
    // both liquidators go after every liquidation and the contest is decided by the bid.
    let chain = CHAIN.replace("gas_token_price = 1000.0", "gas_token_price = 10.0");
    let text = scenario(
        &base(),
        &(5..35).map(|b| (b, -0.005)).collect::<Vec<_>>(),
        &format!("{chain}\n{liquidators}"),
    );
    let sim = run(&text);
    let stats = sim.liquidator_stats();
    let (cheap, bidder) = (stats[0], stats[1]);
    assert!(bidder.liquidations > 10, "{bidder:?}");
    assert!(
        bidder.liquidations > 10 * cheap.liquidations,
        "{bidder:?} vs {cheap:?}"
    );
    // Gas is accounted per liquidator and in total; fees land in each one's own pot.
    let gas = bidder.gas_cost.checked_add(cheap.gas_cost).unwrap();
    assert_eq!(gas, sim.totals().liquidator_gas_cost);
    let pots = &sim.venue().ledger.liquidators;
    assert!(pots[1] > pots[0], "{pots:?}");
    assert_eq!(
        pots[0].checked_add(pots[1]).unwrap(),
        sim.totals().liquidator_fees
    );
    // With equal bids the one that sends first wins: the bid, not the order, decided.
    let equal = run(&text.replace(
        "premium = 0.0, max_fee_gwei = 5000.0",
        "premium = 3.0, max_fee_gwei = 5000.0",
    ));
    let e = equal.liquidator_stats();
    assert!(e[0].liquidations > e[1].liquidations, "{e:?}");
    assert_eq!(sim.venue().conservation_error(), 0);
}

#[test]
fn a_liquidator_gas_bid_needs_a_chain() {
    let text = scenario(
        &base(),
        &[(5, -0.3)],
        "[[liquidator]]\ncapacity_per_block = 1e9\ngas = { gas_used = 400000, premium = 3.0, max_fee_gwei = 5000.0 }\n",
    );
    let err = faultline_scenario::parse(
        &text,
        std::path::Path::new("l.toml"),
        std::path::Path::new("."),
    )
    .unwrap_err();
    assert!(err.to_string().contains("liquidator[0].gas"), "{err}");
}

#[test]
fn an_implied_volatility_series_drives_the_margin_multiplier() {
    // No realized volatility at all: only the supplied implied volatility can raise
    // requirements. It jumps from 50% to 600% at block 10: with a 100%
    // reference, margin × 6 makes the most levered traders liquidatable before the gap.
    // (Blocks here are 1 s, so block 10 is 10,000 ms after the first row.)
    let dir = tempfile::tempdir().unwrap();
    let iv = dir.path().join("iv.csv");
    std::fs::write(&iv, "time,iv\n0,0.5\n10000,6.0\n").unwrap();
    let gap = [(30, -0.3)];
    let plain = run(&scenario(&base(), &gap, ""));
    let vm = format!(
        "[market.vol_margin]\nreference_vol_annual = 1.0\nmax_multiplier = 10.0\nimplied_vol_file = {:?}\n",
        iv.to_str().unwrap()
    );
    let text = scenario(&base(), &gap, &vm);
    let scaled = run(&text);
    let early = |s: &Simulation, below: u64| {
        s.liquidation_steps()
            .iter()
            .filter(|x| x.block.0 < below)
            .count()
    };
    assert_eq!(early(&scaled, 10), 0, "50% < reference: no change yet");
    assert_eq!(early(&plain, 30), 0);
    assert!(
        early(&scaled, 30) > 0,
        "the IV jump liquidates before the gap"
    );
    assert_eq!(scaled.venue().conservation_error(), 0);

    let missing = text.replace("iv.csv", "nope.csv");
    let err = faultline_scenario::parse(
        &missing,
        std::path::Path::new("t.toml"),
        std::path::Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("market[0].vol_margin.implied_vol_file") && err.contains("nope.csv"),
        "{err}"
    );
}
