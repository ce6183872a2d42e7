//! The readers on the real files bundled in `data/` (copies of `../shared/data`, see
//! each folder's PROVENANCE.md).

use faultline_data::*;
use std::path::PathBuf;

fn bundled(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel);
    assert!(p.exists(), "bundled data file missing: {}", p.display());
    p
}

#[test]
fn black_thursday_wick_never_becomes_a_tradable_price() {
    let path = bundled(
        "maker-black-thursday-2020-03-12/binance_ETHUSDT_1m_2020-03-12T0524Z_2020-03-13T0359Z.csv",
    );
    let mut bars = load_candles(&path, &CandleFormat::BinanceKlines).unwrap();
    assert_eq!(bars.len(), 1_356);
    assert!(
        bars.iter().any(|b| (b.high - 323.0).abs() < 1e-9),
        "the wick is in the raw data"
    );
    let clipped = filter_bad_prints(
        &mut bars,
        BadPrintFilter {
            window: 7,
            max_deviation: 0.15,
        },
    );
    assert!(clipped >= 1);
    let path_prices = resample(&bars, bars[0].open_time_ms, 12_000, 1_356 * 5);
    let max_after_crash = path_prices[path_prices.len() / 2..]
        .iter()
        .cloned()
        .fold(0.0, f64::max);
    assert!(
        max_after_crash < 150.0,
        "max replayed price in the second half {max_after_crash}"
    );
    assert!(
        path_prices.iter().cloned().fold(f64::MAX, f64::min) < 90.0,
        "the real 84–85 lows remain"
    );
}

#[test]
fn coinapi_bars_and_gas_series_load() {
    let (bars, gas) = (
        bundled("maker-black-thursday-2020-03-12/stablesims_eth_usd_10min_2020-03-12.json"),
        bundled("maker-black-thursday-2020-03-12/stablesims_gas_price_10min_2020-03-12.json"),
    );
    let bars = load_candles(&bars, &CandleFormat::CoinapiJson).unwrap();
    assert_eq!(bars.len(), 144);
    assert_eq!(
        bars[0].open_time_ms,
        parse_utc("2020-03-12T00:00:00Z").unwrap()
    );
    let g = load_gas_series(&gas, "avgGasDay").unwrap();
    assert_eq!(g.len(), 144);
    let peak = g.iter().map(|p| p.gwei).fold(0.0, f64::max);
    assert!((peak - 225.2).abs() < 0.5, "peak mean gas {peak} gwei");
}

#[test]
fn gemini_trades_and_book_depth_load() {
    let (trades, depth) = (
        bundled("crypto-crash-2025-10-10/gemini_trades_2025-10-10_SOLUSD.csv.gz"),
        bundled("crypto-crash-2025-10-10/binance_um_BTCUSDT_bookDepth_2025-10-10_2000_2230Z.csv"),
    );
    let bars = load_candles(
        &trades,
        &CandleFormat::TickTrades {
            interval_ms: 60_000,
        },
    )
    .unwrap();
    let low = bars.iter().map(|b| b.low).fold(f64::MAX, f64::min);
    assert!((low - 172.10).abs() < 1e-6, "SOL low {low}");
    let mut snaps = load_book_depth(&depth).unwrap();
    assert!(snaps.len() > 280);
    let at = parse_utc("2025-10-10 21:00:00").unwrap();
    let frozen = DepthSnapshot::at(&snaps, at).unwrap().bids[0].1;
    assert!(
        (frozen - 2_142_547.093_1).abs() < 1.0,
        "the −1% bucket is frozen in the raw data: {frozen}"
    );
    let n = repair_frozen_buckets(&mut snaps, 5);
    assert!(n > 0);
    let s = DepthSnapshot::at(&snaps, at).unwrap();
    assert!(
        s.bids[0].1 <= s.bids[1].1 && (s.bids[0].1 - frozen).abs() > 1.0,
        "{:?}",
        s.bids
    );
}
