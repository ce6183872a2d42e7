//! Spec tests: numbers taken from the venues' own documentation and test suites.
//! Each test names its source; the collected vectors and their provenance are listed in
//! `docs/spec-vectors.md`.

use faultline_math::adl::{allocate, score, AdlCandidate, AdlRanking};
use faultline_math::liquidation::{
    bankruptcy_price, base_to_cover_margin_shortage, liquidation_price, BankruptcyInput,
};
use faultline_math::margin::{MarginSchedule, TierSpec};
use faultline_units::{AccountId, Base, Ppm, Price, Quote, Rounding};

fn usd(x: f64) -> Quote {
    Quote::from_f64(x).unwrap()
}
fn px(x: f64) -> Price {
    Price::from_f64(x).unwrap()
}
fn base(x: f64) -> Base {
    Base::from_f64(x).unwrap()
}
fn pct(x: f64) -> Ppm {
    Ppm::from_f64(x / 100.0).unwrap()
}

// ---- Drift protocol-v2, programs/drift/src/math/liquidation/tests.rs ----------------

/// Drift `zero_percent_liquidation_fee`: shortage $10, margin ratio 10%, price $100 → 1.0 base.
#[test]
fn drift_shortage_10_ratio_10pct_price_100_closes_one_base() {
    let b = base_to_cover_margin_shortage(usd(10.0), pct(10.0), Ppm::ZERO, px(100.0)).unwrap();
    assert_eq!(b, Some(base(1.0)));
}

/// Drift `one_percent_liquidation_fee`: with a 1% fee → 1.111111111 base (Drift rounds
/// down at 1e-9; Faultline rounds up at 1e-8 so the shortage is always covered).
#[test]
fn drift_one_percent_fee_closes_ten_ninths() {
    let b = base_to_cover_margin_shortage(usd(10.0), pct(10.0), pct(1.0), px(100.0))
        .unwrap()
        .unwrap();
    assert_eq!(b, Base::from_atoms(111_111_112));
    // The closure frees its requirement net of fee: at least the $10 shortage.
    let freed = b
        .notional(px(100.0), Rounding::Floor)
        .unwrap()
        .mul_ppm(pct(9.0), Rounding::Floor)
        .unwrap();
    assert!(
        freed >= usd(10.0) && freed < usd(10.000_01),
        "freed {freed}"
    );
}

/// Drift `..._and_one_percent_if_liquidation_fee`: liquidator 1% + insurance fund 1% → 1.25 base.
#[test]
fn drift_liquidator_and_insurance_fees_close_one_and_a_quarter() {
    let b = base_to_cover_margin_shortage(usd(10.0), pct(10.0), pct(2.0), px(100.0)).unwrap();
    assert_eq!(b, Some(base(1.25)));
}

/// Drift returns "the whole position" (u64::MAX) when the fee is not below the ratio.
#[test]
fn drift_fee_at_or_above_margin_ratio_means_close_everything() {
    assert_eq!(
        base_to_cover_margin_shortage(usd(10.0), pct(1.0), pct(1.0), px(100.0)).unwrap(),
        None
    );
}

// ---- dYdX v4, protocol/x/clob/keeper/liquidations_test.go ----------------------------
// BTC oracle $50,000, perp with 10% maintenance margin.

fn dydx_bankruptcy(delta: f64, mark: f64, tnc: f64, dmmr: f64, tmmr: f64) -> Option<Price> {
    bankruptcy_price(BankruptcyInput {
        delta: base(delta),
        mark: px(mark),
        total_net_collateral: usd(tnc),
        delta_maintenance: usd(dmmr),
        total_maintenance: usd(tmmr),
    })
    .unwrap()
}

/// B1: 0.1 BTC long, USDC −$4,501 (TNC $499, TMMR $500): sell 0.1 for $4,501 → $45,010/BTC.
#[test]
fn dydx_long_bankruptcy_price_b1() {
    assert_eq!(
        dydx_bankruptcy(-0.1, 50_000.0, 499.0, 500.0, 500.0),
        Some(px(45_010.0))
    );
}

/// B2: 0.1 BTC short, USDC +$5,499: buy back 0.1 for $5,499 → $54,990/BTC.
#[test]
fn dydx_short_bankruptcy_price_b2() {
    assert_eq!(
        dydx_bankruptcy(0.1, 50_000.0, 499.0, 500.0, 500.0),
        Some(px(54_990.0))
    );
}

/// B3/B4: TNC 0 → bankruptcy at the oracle price, for the whole or half the position.
#[test]
fn dydx_zero_collateral_bankrupts_at_oracle_b3_b4() {
    assert_eq!(
        dydx_bankruptcy(-0.1, 50_000.0, 0.0, 500.0, 500.0),
        Some(px(50_000.0))
    );
    assert_eq!(
        dydx_bankruptcy(-0.05, 50_000.0, 0.0, 250.0, 500.0),
        Some(px(50_000.0))
    );
}

/// B5/B6: TNC −$100 → the long must sell for $5,100 ($51,000/BTC), the short buy for $4,900.
#[test]
fn dydx_negative_collateral_b5_b6() {
    assert_eq!(
        dydx_bankruptcy(-0.1, 50_000.0, -100.0, 500.0, 500.0),
        Some(px(51_000.0))
    );
    assert_eq!(
        dydx_bankruptcy(0.1, 50_000.0, -100.0, 500.0, 500.0),
        Some(px(49_000.0))
    );
}

/// B7: 0.004 BTC + 0.1 ETH long, USDC −$490 (TNC $10, TMMR $50); closing the ETH
/// (PMMR $30) needs $294 = 300 − 10·30/50 → $2,940/ETH.
#[test]
fn dydx_cross_account_bankruptcy_is_prorated_by_maintenance_b7() {
    assert_eq!(
        dydx_bankruptcy(-0.1, 3_000.0, 10.0, 30.0, 50.0),
        Some(px(2_940.0))
    );
}

/// B9: 1 BTC long with USDC −$13 (TNC $49,987, TMMR $5,000) closing 21,347 quantums
/// (0.00021347 BTC, DMMR $1.06735) must receive 2,776 quote quantums (exact 2,775.11,
/// rounded toward +∞). Faultline rounds the price, so the implied quote matches to one atom.
#[test]
fn dydx_small_partial_close_rounds_in_the_sellers_favour_b9() {
    let p = dydx_bankruptcy(-0.000_213_47, 50_000.0, 49_987.0, 1.067_35, 5_000.0).unwrap();
    let quote = Base::from_atoms(21_347)
        .notional(p, Rounding::Ceil)
        .unwrap();
    assert!((quote.atoms() - 2_776).abs() <= 1, "quote {quote}");
}

// ---- Hyperliquid docs, "Liquidations" (liquidation price) ---------------------------

/// Isolated long 1 BTC at $100,000 with $10,000 margin, max leverage 40× (l = 1.25%):
/// liq = 100,000 − 8,750 / (1 − 0.0125) = $91,139.24; the mirror short: $108,641.98.
#[test]
fn hyperliquid_liquidation_price_isolated_long_and_short() {
    let s = MarginSchedule::flat(Ppm::from_units(40).unwrap(), None).unwrap();
    let long = liquidation_price(usd(10_000.0), base(1.0), px(100_000.0), Quote::ZERO, &s)
        .unwrap()
        .unwrap();
    assert!((long.to_f64() - 91_139.240_506).abs() < 1e-5, "{long}");
    let short = liquidation_price(usd(10_000.0), base(-1.0), px(100_000.0), Quote::ZERO, &s)
        .unwrap()
        .unwrap();
    assert!((short.to_f64() - 108_641.975_308).abs() < 1e-5, "{short}");
}

// ---- Binance FAQ liquidation price, BTCUSDT brackets of 2021-03-18 -------------------

fn binance_btcusdt_2021() -> MarginSchedule {
    let rows = [
        (0.0, 125, 0.40),
        (50_000.0, 100, 0.50),
        (250_000.0, 50, 1.00),
        (1_000_000.0, 20, 2.50),
        (10_000_000.0, 10, 5.00),
        (20_000_000.0, 5, 10.00),
        (50_000_000.0, 4, 12.50),
        (100_000_000.0, 3, 15.00),
        (200_000_000.0, 2, 25.00),
        (300_000_000.0, 1, 50.00),
    ];
    let specs: Vec<TierSpec> = rows
        .iter()
        .map(|&(floor, lev, mmr)| TierSpec {
            notional_floor: usd(floor),
            max_leverage: Ppm::from_units(lev).unwrap(),
            maintenance_rate: Some(pct(mmr)),
        })
        .collect();
    MarginSchedule::new(&specs).unwrap()
}

/// Binance's maintenance amounts ("cum") follow from the brackets: 50, 1,300, 16,300 ….
#[test]
fn binance_maintenance_amounts_follow_from_brackets() {
    let s = binance_btcusdt_2021();
    let cum: Vec<f64> = s
        .tiers()
        .iter()
        .map(|t| t.maintenance_deduction.to_f64())
        .collect();
    assert_eq!(
        &cum[..6],
        &[0.0, 50.0, 1_300.0, 16_300.0, 266_300.0, 1_266_300.0]
    );
}

/// Binance FAQ example (as transcribed in freqtrade's tests): isolated BTC long,
/// WB 1,535,443.01, 109.488 BTC at 32,481.98 → LP 18,778.73 (bracket 2.5%, cum 16,300).
#[test]
fn binance_isolated_liquidation_price() {
    let s = binance_btcusdt_2021();
    let lp = liquidation_price(
        usd(1_535_443.01),
        base(109.488),
        px(32_481.98),
        Quote::ZERO,
        &s,
    )
    .unwrap()
    .unwrap();
    assert!((lp.to_f64() - 18_778.73).abs() < 0.005, "{lp}");
}

/// Same position in cross mode with another leg carrying MM 356,512.508 and uPnL
/// −448,192.89 → LP 26,316.89.
#[test]
fn binance_cross_liquidation_price() {
    let s = binance_btcusdt_2021();
    let equity = usd(1_535_443.01 - 448_192.89);
    let lp = liquidation_price(equity, base(109.488), px(32_481.98), usd(356_512.508), &s)
        .unwrap()
        .unwrap();
    assert!((lp.to_f64() - 26_316.89).abs() < 0.005, "{lp}");
}

// ---- BitMEX ADL page -----------------------------------------------------------------

fn candidate(
    id: u32,
    size: f64,
    entry: f64,
    mark: f64,
    bankrupt: f64,
    wallet: f64,
) -> AdlCandidate {
    let size = base(size);
    let upnl = size
        .notional(px(mark), Rounding::Floor)
        .unwrap()
        .checked_sub(size.notional(px(entry), Rounding::Floor).unwrap())
        .unwrap();
    AdlCandidate {
        account: AccountId(id),
        size,
        entry_price: px(entry),
        mark: px(mark),
        bankruptcy_price: px(bankrupt),
        unrealized_pnl: upnl,
        wallet_balance: usd(wallet),
        margin_balance: usd(wallet).checked_add(upnl).unwrap(),
        maintenance_margin: size
            .notional(px(mark), Rounding::Ceil)
            .unwrap()
            .abs()
            .mul_ppm(pct(1.0), Rounding::Ceil)
            .unwrap(),
    }
}

/// BitMEX: rank = PnL% × (|mark value| / (mark value − bankrupt value)). A long from
/// 50,000 marked at 55,000 and bankrupt at 45,000: 10% × 5.5 = 0.55; the mirror short
/// (50,000 → 45,000, bankrupt 55,000): 10% × 4.5 = 0.45.
#[test]
fn bitmex_rank_is_pnl_percent_times_effective_leverage() {
    let long = candidate(1, 1.0, 50_000.0, 55_000.0, 45_000.0, 5_000.0);
    assert_eq!(score(AdlRanking::Bitmex, &long).unwrap(), 550_000);
    let short = candidate(2, -1.0, 50_000.0, 45_000.0, 55_000.0, 5_000.0);
    assert_eq!(score(AdlRanking::Bitmex, &short).unwrap(), 450_000);
}

/// BitMEX's published example: a 20-contract short liquidated at bankruptcy $650 closes
/// the top-ranked long (10) fully and takes 10 of the next one's 20.
#[test]
fn bitmex_example_fills_highest_ranked_first() {
    // Ranked highest: account 2 (size 10), then 5 (size 20), then 4 (size 30).
    let c = vec![
        candidate(4, 30.0, 600.0, 640.0, 500.0, 1_000.0),
        candidate(2, 10.0, 500.0, 640.0, 600.0, 1_000.0),
        candidate(5, 20.0, 550.0, 640.0, 540.0, 1_000.0),
    ];
    let scores: Vec<i128> = c
        .iter()
        .map(|x| score(AdlRanking::Bitmex, x).unwrap())
        .collect();
    assert!(scores[1] > scores[2] && scores[2] > scores[0], "{scores:?}");
    let fills = allocate(AdlRanking::Bitmex, &c, base(20.0), 0).unwrap();
    let got: Vec<(u32, f64)> = fills
        .iter()
        .map(|f| (c[f.candidate].account.0, f.amount.to_f64()))
        .collect();
    assert_eq!(got, vec![(2, 10.0), (5, 10.0)]);
}

/// Binance: LeveragePnl = max(0, uPnL) / max(1, wallet) × MM / (wallet + uPnL); a loss scores 0.
#[test]
fn binance_leverage_pnl() {
    let c = candidate(1, 1.0, 100.0, 110.0, 50.0, 100.0); // uPnL 10, wallet 100, MM 1.1
                                                          // 10/100 × 1.1/110 = 0.001 → 1,000 ppm.
    assert_eq!(score(AdlRanking::Binance, &c).unwrap(), 1_000);
    let loser = candidate(2, 1.0, 120.0, 110.0, 50.0, 100.0);
    assert_eq!(score(AdlRanking::Binance, &loser).unwrap(), 0);
}

// ---- dYdX v4, deleveraging_test.go TestOffsetSubaccountPerpetualPosition --------------

/// X3: a 1 BTC short is offset by two 0.5 BTC longs, 0.5 each.
#[test]
fn dydx_offset_walk_splits_across_counterparties_x3() {
    let c = vec![
        candidate(10, 0.5, 50_000.0, 50_000.0, 0.0, 50_000.0),
        candidate(11, 0.5, 50_000.0, 50_000.0, 0.0, 50_000.0),
    ];
    for offset in 0..2u32 {
        let fills = allocate(AdlRanking::DydxOffsetWalk, &c, base(1.0), offset as usize).unwrap();
        let total: i64 = fills.iter().map(|f| f.amount.atoms()).sum();
        assert_eq!(total, base(1.0).atoms());
        assert_eq!(c[fills[0].candidate].account.0, 10 + offset);
    }
}

/// X4/X5: a counterparty with negative net collateral is skipped; with no other, nothing fills.
#[test]
fn dydx_offset_walk_skips_underwater_counterparties_x4_x5() {
    let mut dave0 = candidate(0, 1.0, 50_000.0, 50_000.0, 0.0, 0.0);
    dave0.margin_balance = usd(-1.0);
    let dave1 = candidate(1, 1.0, 50_000.0, 50_000.0, 0.0, 50_000.0);
    let fills = allocate(AdlRanking::DydxOffsetWalk, &[dave0, dave1], base(1.0), 0).unwrap();
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].candidate, 1);
    assert!(allocate(AdlRanking::DydxOffsetWalk, &[dave0], base(1.0), 0)
        .unwrap()
        .is_empty());
}

/// Pro rata: every profitable counterparty gives up the same fraction.
#[test]
fn pro_rata_takes_the_same_fraction_from_each_winner() {
    let c = vec![
        candidate(1, -2.0, 100.0, 90.0, 150.0, 100.0),
        candidate(2, -6.0, 100.0, 90.0, 150.0, 100.0),
        candidate(3, -4.0, 80.0, 90.0, 150.0, 100.0), // losing: not touched
    ];
    let fills = allocate(AdlRanking::ProRata, &c, base(4.0), 0).unwrap();
    let got: Vec<(usize, f64)> = fills
        .iter()
        .map(|f| (f.candidate, f.amount.to_f64()))
        .collect();
    assert_eq!(got, vec![(0, 1.0), (1, 3.0)]);
}
