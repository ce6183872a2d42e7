//! The replays that run as worlds (Compound's DAI event, FTX, Black Thursday) and the
//! real-data layer they rest on: each mechanism moves the outcome and vanishes when cut,
//! and bad data files are errors with the file, line and field.

mod common;

use common::line_of;
use faultline_scenario::world_file::parse_world;
use std::path::Path;

fn run_at(text: &str, path: &Path) -> faultline_world::World {
    let w = parse_world(text, path).unwrap_or_else(|r| panic!("{r}"));
    let mut world = faultline_world::World::new(w.spec, w.file.seed)
        .unwrap()
        .with_full_checks();
    world.run().unwrap();
    world
}

const COMPOUND: &str = include_str!("../../../scenarios/replays/compound-dai-2020-11/world.toml");

fn compound_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/replays/compound-dai-2020-11/world.toml")
}

#[test]
fn a_faulty_oracle_window_liquidates_listed_borrowers_under_a_fixed_close_factor() {
    let w = parse_world(COMPOUND, &compound_path()).unwrap_or_else(|r| panic!("{r}"));
    let faultline_world::spec::ProtocolSpec::Lending(l) = &w.spec.protocols[0] else {
        panic!("a lending market");
    };
    // One borrower per row of the file, each owing exactly its row.
    assert_eq!(l.borrowers[0].debts.len(), 124);
    assert_eq!(l.borrowers[0].debts[0], 46_142_428_600_000_000_000_000_000);
    let run = run_at(COMPOUND, &compound_path());
    let s = run.summary(None).unwrap();
    let d = s.protocols[0].lending.as_ref().unwrap();
    assert_eq!(d.borrowers_liquidated, 124, "{d:?}");
    assert!(
        s.protocols[0].liquidations > 124,
        "calls repeat while a borrower stays under 1: {}",
        s.protocols[0].liquidations
    );
    let listed_total = 85_220_000.0;
    assert!(
        d.repaid_units[0] > 0.5 * listed_total && d.repaid_units[0] < listed_total,
        "{d:?}"
    );
    // No liquidation before the window opens (tick 277), and none without it.
    let first = run
        .events()
        .iter()
        .find(|e| e.kind == faultline_world::WorldEventKind::FirstLiquidation)
        .unwrap();
    assert_eq!(first.tick, 277);
    let calm = COMPOUND.replace(
        "misprice = [{ from_s = 3601, to_s = 7202, price = 1.30 }]",
        "",
    );
    let c = run_at(&calm, &compound_path()).summary(None).unwrap();
    assert_eq!(c.protocols[0].liquidations, 0);
    // Aave v3.3's rule on the same book: below HF 0.95 a whole debt goes in one call.
    let aave = COMPOUND.replace("close_factor = 0.5\n", "");
    let a = run_at(&aave, &compound_path()).summary(None).unwrap();
    assert!(
        a.protocols[0].liquidations < s.protocols[0].liquidations,
        "{} vs {}",
        a.protocols[0].liquidations,
        s.protocols[0].liquidations
    );
}

#[test]
fn listed_debts_and_misprice_windows_are_checked() {
    let text = COMPOUND
        .replace(
            "column = \"implied_dai_repaid_by_liquidators\"",
            "column = \"repaid\"",
        )
        .replace("to_s = 7202", "to_s = 99999");
    let r = parse_world(&text, &compound_path()).unwrap_err();
    let col = r
        .errors
        .iter()
        .find(|e| e.field == "protocol[0].borrowers[0].debts.file")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(col.found.contains("no column `repaid`"), "{}", col.found);
    assert!(col.found.contains("implied_dai_repaid_by_liquidators"));
    assert_eq!(col.line, line_of(&text, "debts = {"));
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "oracle[0].misprice[0].to_s"),
        "{r}"
    );
    let both = COMPOUND.replace(
        "health_factor = [1.01, 1.29]",
        "health_factor = [1.01, 1.29]\ncount = 5",
    );
    let r = parse_world(&both, &compound_path()).unwrap_err();
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "protocol[0].borrowers[0].debts"),
        "{r}"
    );
}

const FTX: &str = include_str!("../../../scenarios/replays/ftx-2022-11/world.toml");

fn ftx_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/replays/ftx-2022-11/world.toml")
}

#[test]
fn depositors_run_once_loans_are_under_water_and_stop_when_the_cash_is_gone() {
    let w = run_at(FTX, &ftx_path());
    let s = w.summary(None).unwrap();
    let p = &s.protocols[0];
    let withdrawn = p.lending.as_ref().unwrap().withdrawn_units[0];
    // The run begins at the −75% step (tick 2,700), when the loans go under water.
    let run = w
        .events()
        .iter()
        .find(|e| e.kind == faultline_world::WorldEventKind::BankRun)
        .unwrap();
    assert_eq!(run.tick, 2_700);
    assert!(w
        .events()
        .iter()
        .any(|e| e.kind == faultline_world::WorldEventKind::WithdrawalsRefused));
    // Everything but what was lent leaves: 16B supplied, the affiliate borrowed the rest.
    assert!(withdrawn > 9.0e9 && withdrawn < 16.0e9, "{withdrawn}");
    assert!(
        p.loss > 1.0e9,
        "the affiliate's loans are under water: {p:?}"
    );
    // No distress, no run: FTT only 20% down, the loans stay covered.
    let calm = FTX
        .replace("{ at_s = 162000, fraction = -0.75 },", "")
        .replace("{ at_s = 216000, fraction = -0.40 },", "")
        .replace("volatility_annual = 1.0", "volatility_annual = 0.0");
    let c = run_at(&calm, &ftx_path()).summary(None).unwrap();
    assert!(c.protocols[0].lending.as_ref().unwrap().withdrawn_units[0] == 0.0);
    // Depositors who never leave on their own do not run however bad it gets.
    let loyal = FTX.replace("base = 0.002", "base = 0.0");
    let l = run_at(&loyal, &ftx_path()).summary(None).unwrap();
    assert!(l.protocols[0].lending.as_ref().unwrap().withdrawn_units[0] == 0.0);
    // The run moves cash, barely the hole: only the interest that full utilization's
    // steeper rate adds to the under-water loans.
    let (loyal_loss, run_loss) = (l.protocols[0].loss, p.loss);
    assert!(
        loyal_loss < run_loss && run_loss < 1.01 * loyal_loss,
        "{loyal_loss} vs {run_loss}"
    );
}

/// Black Thursday's ETH and gas, replayed: USDC, WETH from Binance's minute klines, and
/// a 13-second chain paying the mean gas price per 10 minutes.
fn replayed(duration_s: u64, hold: bool, start: &str) -> String {
    format!(
        r#"
schema_version = 2
name = "replayed ETH and gas"
seed = 1
duration_s = {duration_s}

[[asset]]
name = "USDC"
decimals = 6
price = {{ kind = "peg", price = 1.0 }}

[[asset]]
name = "WETH"
decimals = 18
price = {{ kind = "replay", file = "../data/maker-black-thursday-2020-03-12/binance_ETHUSDT_1m_2020-03-12T0524Z_2020-03-13T0359Z.csv", format = "binance_klines", start = "{start}" }}

[[chain]]
name = "ethereum"
block_time_ms = 13000
gas_asset = "WETH"
gas_price_gwei = 1.0
gas_replay = {{ file = "../data/maker-black-thursday-2020-03-12/stablesims_gas_price_10min_2020-03-12.json", column = "avgGasDay", start = "{start}", hold_after_end = {hold} }}
"#
    )
}

#[test]
fn real_candles_and_gas_prices_replay_at_the_worlds_ticks_and_must_cover_the_run() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/replayed.toml");
    // Twelve hours from 05:24Z: both files cover it.
    let w = parse_world(&replayed(43_200, false, "2020-03-12T05:24:00Z"), &here)
        .unwrap_or_else(|r| panic!("{r}"));
    let faultline_world::spec::PriceOrigin::Process {
        process: faultline_engine::process::ProcessSpec::Replay(path),
        ..
    } = &w.spec.assets[1].price
    else {
        panic!("a replayed price");
    };
    assert_eq!(
        path.len(),
        43_200 / 13 + 1,
        "one price per tick and the opening one"
    );
    assert!(
        (path[0] - 181.27).abs() < 1e-9,
        "the first bar's open: {}",
        path[0]
    );
    let low = path.iter().copied().fold(f64::MAX, f64::min);
    assert!(low < 120.0 && low > 80.0, "the crash is in the path: {low}");
    let gas = &w.spec.chains[0].gas_path_wei;
    assert_eq!(gas.len(), path.len());
    assert!(
        gas.iter().all(|&g| g > 1_000_000_000),
        "replayed, not the 1-gwei default"
    );
    // Twenty-two hours: the gas series ends at midnight, so the file must say to hold.
    let r = parse_world(&replayed(79_200, false, "2020-03-12T05:24:00Z"), &here).unwrap_err();
    let e = r
        .errors
        .iter()
        .find(|e| e.field == "chain[0].gas_replay.file")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        e.found.contains("short") && e.hint.contains("hold_after_end"),
        "{e:?}"
    );
    assert!(parse_world(&replayed(79_200, true, "2020-03-12T05:24:00Z"), &here).is_ok());
    // A start outside the data is named for both files.
    let r = parse_world(&replayed(600, false, "2020-03-14T00:00:00Z"), &here).unwrap_err();
    for f in ["asset[1].price.start", "chain[0].gas_replay.start"] {
        assert!(r.errors.iter().any(|e| e.field == f), "{f}: {r}");
    }
}

const BLACK_THURSDAY: &str = include_str!("../../../scenarios/replays/black-thursday/world.toml");

fn black_thursday(text: &str) -> faultline_world::WorldSummary {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/replays/black-thursday/world.toml");
    // The first twelve hours: the crash and the worst of the congestion.
    let text = text.replace("duration_s = 80600", "duration_s = 43200");
    run_at(&text, &path).summary(None).unwrap()
}

#[test]
fn on_black_thursday_a_lowballer_alone_above_the_gas_caps_wins_auctions_for_nothing() {
    let base = black_thursday(BLACK_THURSDAY);
    let d = base.protocols[0].cdp.as_ref().unwrap();
    assert!(d.takes > 100, "{d:?}");
    assert!(
        d.zero_bid_auctions > 0 && d.zero_bid_value > 1e6,
        "while the others are priced out the lowballer's bids stand: {d:?}"
    );
    // Without the lowballer nobody bids zero: congestion only delays the auctions.
    let valuers = BLACK_THURSDAY.replace("strategy = \"lowball\"", "min_discount = 0.05");
    let v = black_thursday(&valuers);
    let dv = v.protocols[0].cdp.as_ref().unwrap();
    assert_eq!(dv.zero_bid_auctions, 0, "{dv:?}");
    assert!(
        v.protocols[0].shortfall < base.protocols[0].shortfall,
        "{} vs {}",
        v.protocols[0].shortfall,
        base.protocols[0].shortfall
    );
    // Owners who mint and sell above $1.01 supply some of the DAI keepers buy (until
    // their vaults' headroom at 250% is gone).
    let defended = BLACK_THURSDAY.replace(
        "hole = 1_000_000_000_000    # no Liquidations 2.0 limit: cat.bite had none",
        "hole = 1_000_000_000_000\npeg_defence = { venue = \"dai-usdc\", band = 0.01, per_block_usd = 1_000_000, min_collateralization = 2.5 }",
    );
    assert_ne!(defended, BLACK_THURSDAY);
    let p = black_thursday(&defended);
    let dp = p.protocols[0].cdp.as_ref().unwrap();
    assert!(dp.owners_drew > 1e6 && dp.owners_repaid == 0.0, "{dp:?}");
}
