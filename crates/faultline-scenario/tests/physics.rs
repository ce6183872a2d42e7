//! Markets, oracles and the chain: each mechanism moves the outcome the way it should.

mod common;

use common::{run_text, Small};
use faultline_engine::{EventKind, Simulation};
use faultline_scenario::{build, parse};
use faultline_units::Quote;
use std::path::Path;

/// The small scenario with extra TOML: `market_keys` go inside [[market]] (after the
/// symbol), `tail` is appended at the end (tables, arrays of tables).
fn with(small: &Small, market_keys: &str, tail: &str) -> String {
    small.toml().replace(
        "symbol = \"X-PERP\"\n",
        &format!("symbol = \"X-PERP\"\n{market_keys}\n"),
    ) + "\n"
        + tail
}

fn oracle(small: &Small, table: &str) -> String {
    let t = small.toml();
    let start = t.find("[oracle]").unwrap();
    let end = t[start..].find("\n\n").map_or(t.len(), |e| start + e);
    format!("{}{}{}", &t[..start], table.trim_end(), &t[end..])
}

fn run(text: &str) -> Simulation {
    run_text(text, 7)
}

fn timeline(text: &str) -> (Simulation, Vec<faultline_engine::MarketRecord>) {
    let s =
        parse(text, Path::new("t.toml"), Path::new(".")).unwrap_or_else(|r| panic!("{r}\n{text}"));
    let mut sim = build(&s, 7).unwrap().sim;
    let mut rows = sim.snapshot().unwrap();
    while !sim.is_done() {
        rows.extend(sim.step().unwrap());
        assert_eq!(sim.venue().conservation_error(), 0);
    }
    (sim, rows)
}

fn gap_run() -> Small {
    Small {
        gap: -0.25,
        volatility: 0.0,
        insurance_fund: 0.0,
        deficit: r#"{ policy = "adl", ranking = "bitmex" }"#.into(),
        blocks: 40,
        ..Small::default()
    }
}

#[test]
fn an_oracle_delay_lets_losses_grow_past_bankruptcy() {
    // The same 25% gap spread over five blocks; with an instant oracle liquidations
    // follow the slide, with a 20-block delay they all happen late, at once.
    let slide = |delay: u32| {
        let base = Small {
            oracle_delay: delay,
            ..gap_run()
        };
        let gaps: Vec<String> = (5..10)
            .map(|b| format!("{{ block = {b}, fraction = -0.055 }}"))
            .collect();
        base.toml().replace(
            "gaps = [{ block = 5, fraction = -0.25 }]",
            &format!("gaps = [{}]", gaps.join(", ")),
        )
    };
    let (fast, slow) = (run(&slide(0)), run(&slide(20)));
    assert!(
        slow.totals().adl_volume > fast.totals().adl_volume,
        "ADL {} vs {}",
        slow.totals().adl_volume,
        fast.totals().adl_volume
    );
    let first = |s: &Simulation| {
        s.events()
            .events()
            .iter()
            .find(|e| e.kind == EventKind::FirstLiquidation)
            .map(|e| e.block.0)
    };
    assert!(first(&slow) > first(&fast));
}

#[test]
fn a_stale_oracle_with_the_guard_holds_liquidations_back() {
    let small = gap_run();
    let text = oracle(&small, "[oracle]\nsource = \"reference\"\nmax_staleness_blocks = 3\nguard_liquidations = true")
        + "\n[[fault]]\nkind = \"oracle_freeze\"\nmarket = \"X-PERP\"\nstart_block = 3\nend_block = 20\n";
    let (sim, rows) = timeline(&text);
    assert!(sim.events().happened(EventKind::OracleFreeze));
    assert!(sim.events().happened(EventKind::OracleInvalid));
    // Frozen at the pre-gap price until block 20: no liquidation before it lands.
    assert!(rows
        .iter()
        .filter(|r| r.block.0 <= 20)
        .all(|r| r.liquidations == 0));
    assert!(rows.iter().any(|r| r.block.0 > 20 && r.liquidations > 0));
    assert!(rows
        .iter()
        .any(|r| r.oracle_validity == faultline_engine::oracle::Validity::Stale));
}

const AMM: &str = "[[market.venue]]\nkind = \"constant_product\"\nlabel = \"thin-amm\"\nbase_reserve = 50.0\nfee = 0.003\n\n[[market.venue]]\nkind = \"book\"\nlabel = \"cex\"\nhalf_spread = 0.0005\nlevel_step = 0.002\nrefill_per_block = 0.05\ndepth = [{ offset = 0.01, quote = 5000000.0 }, { offset = 0.05, quote = 20000000.0 }]\n";

fn manipulation(sources: &str) -> Simulation {
    let small = Small {
        gap: 0.0,
        volatility: 0.0,
        long_probability: 0.0,
        max_leverage: 20.0,
        blocks: 20,
        ..Small::default()
    };
    let t = oracle(&small, &format!("[oracle]\nsources = {sources}"));
    let text = t + "\n" + AMM + "\n[market.manipulation]\nvenue = \"thin-amm\"\nstart_block = 3\nend_block = 10\nbudget = 20000.0\nper_block = 5000.0\n";
    run(&text)
}

#[test]
fn a_single_thin_source_is_manipulated_a_median_of_three_is_not() {
    let thin = manipulation("[\"thin-amm\"]");
    let median = manipulation("[\"thin-amm\", \"cex\", \"reference\"]");
    assert!(thin.events().happened(EventKind::OracleManipulation));
    // Pushing the thin pool up squeezes the shorts only when it alone is the oracle.
    assert!(
        thin.totals().liquidations > 0,
        "the squeeze liquidates shorts"
    );
    assert_eq!(
        median.totals().liquidations,
        0,
        "the median ignores one bad source"
    );
}

fn chain(spike: bool, extra: &str) -> String {
    let spikes = if spike {
        "spikes = [{ start_block = 1, end_block = 40, multiplier = 20.0 }]"
    } else {
        "spikes = []"
    };
    let small = Small {
        gap: -0.2,
        volatility: 0.0,
        insurance_fund: 0.0,
        max_leverage: 20.0,
        blocks: 40,
        ..Small::default()
    };
    format!(
        "{}\n[chain]\ngas_limit = 30000000\nbase_fee_gwei = 20.0\nmax_pending_blocks = 10\ngas_token_price = 1000.0\nmin_liquidation_profit = 0.0\n{extra}\ndemand = {{ model = \"parametric\", utilization = 1.0, priority_mean_gwei = 2.0, {spikes} }}\noracle_tx = {{ gas_used = 100000, premium = 1.0, max_fee_gwei = 100000.0 }}\nliquidation_tx = {{ gas_used = 400000, premium = 0.2, max_fee_gwei = 2000.0 }}\n",
        small.toml().replace("{ block = 5, fraction", "{ block = 20, fraction")
    )
}

#[test]
fn a_gas_spike_prices_liquidations_out_and_losses_grow() {
    let (calm, spike) = (run(&chain(false, "")), run(&chain(true, "")));
    // Small positions are not worth liquidating even in calm gas; many more in a spike.
    assert!(
        spike.totals().priced_out > 2 * calm.totals().priced_out.max(1),
        "{} vs {}",
        spike.totals().priced_out,
        calm.totals().priced_out
    );
    assert!(spike.events().happened(EventKind::LiquidationPricedOut));
    assert!(calm.totals().liquidations > 0);
    // What is not liquidated stays under water: latent bad debt.
    let (l_calm, l_spike) = (
        calm.latent_bad_debt().unwrap(),
        spike.latent_bad_debt().unwrap(),
    );
    assert!(
        l_spike
            > l_calm
                .checked_add(Quote::from_units(1_000).unwrap())
                .unwrap(),
        "{l_spike} vs {l_calm}"
    );
    assert!(spike.chain().unwrap().gas_price_gwei() > calm.chain().unwrap().gas_price_gwei() * 5.0);
}

#[test]
fn liquidations_are_transactions_included_a_block_later() {
    let (sim, rows) = timeline(&chain(false, ""));
    let first_liq = rows
        .iter()
        .find(|r| r.liquidations > 0)
        .map(|r| r.block.0)
        .unwrap();
    // The gap is at block 20, the oracle update lands at 21, the liquidation tx at 22.
    assert_eq!(first_liq, 22, "first liquidation at {first_liq}");
    assert!(sim.totals().liquidator_gas_cost.is_positive());
}

#[test]
fn mev_searchers_front_run_liquidations() {
    let sim = run(&chain(false, "mev_frontrun_fraction = 0.5"));
    assert!(sim.events().happened(EventKind::LiquidationFrontRun));
    assert!(sim.totals().frontrun_quantity.is_positive());
}

#[test]
fn the_black_thursday_gas_series_sets_the_going_price() {
    let data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/maker-black-thursday-2020-03-12");
    let text = chain(false, "").replace(
        "demand = { model = \"parametric\", utilization = 1.0, priority_mean_gwei = 2.0, spikes = [] }",
        "demand = { model = \"replay\", file = \"stablesims_gas_price_10min_2020-03-12.json\", column = \"avgGasDay\", start = \"2020-03-12T17:00:00Z\" }",
    ).replace("block_time_ms = 1000", "block_time_ms = 60000").replace("blocks = 40", "blocks = 120");
    let s = parse(&text, &data.join("t.toml"), &data).unwrap_or_else(|r| panic!("{r}"));
    let mut sim = build(&s, 1).unwrap().sim;
    let mut peak: f64 = 0.0;
    while !sim.is_done() {
        peak = peak.max(sim.step().unwrap()[0].gas_price_gwei);
    }
    assert!(
        (peak - 225.2).abs() < 0.5,
        "the 17:50Z peak of the mean gas price: {peak}"
    );
}

#[test]
fn a_venue_outage_holds_liquidations_until_it_ends() {
    let text = with(&gap_run(), "", "[[fault]]\nkind = \"venue_outage\"\nmarket = \"X-PERP\"\nvenue = \"perp\"\nstart_block = 4\nend_block = 15\n");
    let (sim, rows) = timeline(&text);
    assert!(sim.events().happened(EventKind::VenueOutage));
    assert!(rows
        .iter()
        .filter(|r| r.block.0 <= 15)
        .all(|r| r.liquidations == 0));
    assert!(rows.iter().any(|r| r.block.0 > 15 && r.liquidations > 0));
}

#[test]
fn a_chain_halt_freezes_the_protocol_while_prices_move() {
    let text = with(
        &gap_run(),
        "",
        "[[fault]]\nkind = \"chain_halt\"\nstart_block = 3\nend_block = 12\n",
    );
    let (sim, rows) = timeline(&text);
    assert!(sim.events().happened(EventKind::ChainHalt));
    let during: Vec<_> = rows
        .iter()
        .filter(|r| (3..=12).contains(&r.block.0))
        .collect();
    assert!(during.iter().all(|r| r.liquidations == 0));
    assert!(
        during.iter().all(|r| r.mark_price == during[0].mark_price),
        "the protocol's mark does not move"
    );
    assert!(
        during.last().unwrap().reference_price < during[0].reference_price,
        "the reference does"
    );
}

#[test]
fn a_stalled_or_lagging_liquidation_engine_acts_late() {
    let first = |tail: &str| {
        let (_, rows) = timeline(&with(&gap_run(), "", tail));
        rows.iter()
            .find(|r| r.liquidations > 0)
            .map(|r| r.block.0)
            .unwrap()
    };
    let normal = first("");
    let stalled =
        first("[[fault]]\nkind = \"liquidation_stall\"\nstart_block = 1\nend_block = 20\n");
    let lagged = first(
        "[[fault]]\nkind = \"liquidation_lag\"\nlag_blocks = 6\nstart_block = 1\nend_block = 40\n",
    );
    assert!(stalled > 20 && stalled > normal, "{stalled} vs {normal}");
    assert_eq!(lagged, normal + 6);
}

#[test]
fn a_mispricing_code_failure_liquidates_healthy_accounts() {
    let calm = Small {
        gap: 0.0,
        volatility: 0.0,
        blocks: 20,
        ..Small::default()
    };
    let text = with(&calm, "", "[[fault]]\nkind = \"misprice\"\nmarket = \"X-PERP\"\nfactor = 0.7\nstart_block = 5\nend_block = 6\n");
    let sim = run(&text);
    assert!(sim.events().happened(EventKind::Misprice));
    assert!(
        sim.totals().liquidations > 0,
        "longs liquidated at a wrong price"
    );
    assert_eq!(run(&calm.toml()).totals().liquidations, 0);
}

#[test]
fn makers_withdraw_depth_when_volatility_rises() {
    let small = Small {
        gap: -0.1,
        volatility: 0.5,
        count: 5,
        blocks: 30,
        ..Small::default()
    };
    let text = with(&small, "", "[market.liquidity]\nwithdraw_sensitivity = 2.0\nreference_vol_annual = 0.5\nvol_halflife_blocks = 5.0\n");
    let (_, rows) = timeline(&text);
    let after_gap = rows.iter().find(|r| r.block.0 == 6).unwrap();
    assert!(
        after_gap.depth_multiplier < 0.5,
        "{}",
        after_gap.depth_multiplier
    );
    let late = rows.last().unwrap();
    assert!(
        late.depth_multiplier > after_gap.depth_multiplier,
        "depth returns as volatility decays"
    );
    assert!(after_gap.bid_depth < Quote::from_units(500_000).unwrap());
}

#[test]
fn arbitrage_ties_an_amm_liquidation_venue_to_the_book() {
    let small = Small {
        gap: -0.2,
        volatility: 0.0,
        blocks: 30,
        ..Small::default()
    };
    let amm = "[[market.venue]]\nkind = \"constant_product\"\nlabel = \"amm\"\nbase_reserve = 2000.0\nfee = 0.003\n";
    let arb =
        "[market.arbitrage]\ncapital_per_block = 50000.0\nlatency_blocks = 1\nmin_edge = 0.005\n";
    let gap_of = |tail: &str| {
        let text = with(
            &small,
            "liquidation_venue = \"amm\"",
            &format!("{amm}\n{tail}"),
        );
        let s = parse(&text, Path::new("t.toml"), Path::new(".")).unwrap_or_else(|r| panic!("{r}"));
        let mut sim = build(&s, 7).unwrap().sim;
        while !sim.is_done() {
            sim.step().unwrap();
        }
        let v = sim.venue_snapshot().unwrap();
        let book = sim.venue().markets[0].book.mid().unwrap().to_f64();
        (v[0].mid.to_f64() / book - 1.0).abs()
    };
    let (without, with_arb) = (gap_of(""), gap_of(arb));
    assert!(
        without > 0.02,
        "liquidations leave the pool below the book: {without}"
    );
    assert!(
        with_arb < without / 2.0,
        "arbitrage closes the gap: {with_arb} vs {without}"
    );
}

#[test]
fn a_cascade_amplifies_the_move_and_a_quiet_market_does_not() {
    let cascade = run(&Small {
        gap: -0.3,
        volatility: 0.2,
        depth_1pct: 20_000.0,
        depth_5pct: 100_000.0,
        ..Small::default()
    }
    .toml());
    assert!(
        cascade.amplification(0) > 1.05,
        "{}",
        cascade.amplification(0)
    );
    let quiet = run(&Small {
        gap: 0.0,
        volatility: 0.3,
        count: 1,
        ..Small::default()
    }
    .toml());
    assert!(
        (quiet.amplification(0) - 1.0).abs() < 0.05,
        "{}",
        quiet.amplification(0)
    );
}

#[test]
fn book_depth_comes_from_a_real_snapshot() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/crypto-crash-2025-10-10");
    let t = Small::default().toml();
    let start = t.find("depth = [").unwrap();
    let end = t[start..].find('\n').unwrap() + start;
    let text = format!(
        "{}depth_snapshot = {{ file = \"binance_um_BTCUSDT_bookDepth_2025-10-10_2000_2230Z.csv\", at = \"2025-10-10T21:00:00Z\", scale = 0.01 }}{}",
        &t[..start],
        &t[end..]
    );
    let s = parse(&text, &data.join("t.toml"), &data).unwrap_or_else(|r| panic!("{r}"));
    let points = &s.depths["market[0].book"];
    assert_eq!(points.len(), 5);
    assert!(
        (points[4].quote / 0.01 - 1.0e8).abs() > 0.0
            && points.windows(2).all(|w| w[0].quote <= w[1].quote),
        "{points:?}"
    );
    let sim = build(&s, 1).unwrap().sim;
    let depth = sim.venue().markets[0]
        .book
        .depth(faultline_state::BookSide::Bid);
    assert!(
        (depth.to_f64() - points[4].quote).abs() < 1.0,
        "{depth} vs {}",
        points[4].quote
    );
}
