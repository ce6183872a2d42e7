//! Candles and trades: reading, cleaning and resampling to blocks.

use crate::error::DataError;
use crate::time::parse_utc;
use std::io::Read;
use std::path::Path;

/// One OHLC bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candle {
    /// Bar start, Unix ms UTC.
    pub open_time_ms: i64,
    /// Open price.
    pub open: f64,
    /// High price.
    pub high: f64,
    /// Low price.
    pub low: f64,
    /// Close price.
    pub close: f64,
}

/// One trade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    /// Trade time, Unix ms UTC.
    pub time_ms: i64,
    /// Price.
    pub price: f64,
    /// Quantity in base.
    pub amount: f64,
}

/// The layouts Faultline reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandleFormat {
    /// Binance kline CSV (`open_time, open, high, low, close, …`, times in ms), with or
    /// without a header row (data.binance.vision dumps have none).
    BinanceKlines,
    /// 1-minute OHLCV CSV with `minute_start_ms, open, high, low, close` columns.
    MinuteOhlcv,
    /// Tick trades in Tardis/Gemini CSV (`timestamp` in µs, `price`, `amount`), gzip or
    /// plain, bucketed into candles of `interval_ms`.
    TickTrades {
        /// Candle length.
        interval_ms: i64,
    },
    /// CoinAPI OHLCV JSON (`time_period_start`, `price_open/high/low/close`).
    CoinapiJson,
    /// Any CSV with a time column (ms) and one price column: a flat candle per row.
    Columns {
        /// Name of the time column (ms).
        time: String,
        /// Name of the price column.
        price: String,
    },
}

fn read_text(path: &Path) -> Result<String, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(io)?;
        Ok(s)
    } else {
        String::from_utf8(bytes)
            .map_err(|_| DataError::parse(path, 0, "the file is not UTF-8 text"))
    }
}

/// Read candles in `format`, checking each row (positive, finite prices; low ≤ open,
/// close ≤ high; strictly increasing times).
pub fn load_candles(path: &Path, format: &CandleFormat) -> Result<Vec<Candle>, DataError> {
    let text = read_text(path)?;
    let candles = match format {
        CandleFormat::BinanceKlines => csv_candles(
            path,
            &text,
            &["open_time", "open", "high", "low", "close"],
            true,
        )?,
        CandleFormat::MinuteOhlcv => csv_candles(
            path,
            &text,
            &["minute_start_ms", "open", "high", "low", "close"],
            false,
        )?,
        CandleFormat::Columns { time, price } => {
            csv_candles(path, &text, &[time, price, price, price, price], false)?
        }
        CandleFormat::TickTrades { interval_ms } => {
            trades_to_candles(&trades(path, &text)?, *interval_ms)
        }
        CandleFormat::CoinapiJson => coinapi(path, &text)?,
    };
    check(path, &candles)?;
    Ok(candles)
}

fn check(path: &Path, candles: &[Candle]) -> Result<(), DataError> {
    if candles.is_empty() {
        return Err(DataError::parse(path, 0, "no data rows"));
    }
    for (i, c) in candles.iter().enumerate() {
        let prices = [c.open, c.high, c.low, c.close];
        if prices.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
            return Err(DataError::parse(
                path,
                i + 2,
                "prices must be positive numbers",
            ));
        }
        if c.low > c.open.min(c.close) || c.high < c.open.max(c.close) {
            return Err(DataError::parse(
                path,
                i + 2,
                "low must be ≤ open, close ≤ high",
            ));
        }
        if i > 0 && c.open_time_ms <= candles[i - 1].open_time_ms {
            return Err(DataError::parse(
                path,
                i + 2,
                "times must increase strictly",
            ));
        }
    }
    Ok(())
}

fn csv_candles(
    path: &Path,
    text: &str,
    cols: &[&str; 5],
    header_optional: bool,
) -> Result<Vec<Candle>, DataError> {
    let first = text.lines().next().unwrap_or("");
    let has_header = first
        .split(',')
        .next()
        .is_some_and(|f| f.trim().parse::<f64>().is_err());
    if !has_header && !header_optional {
        return Err(DataError::parse(
            path,
            1,
            format!("expected a header naming the columns {}", cols.join(", ")),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(has_header)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Binance klines are positional (the dumps have no header; copies may add one).
    let idx: Vec<usize> = if has_header && !header_optional {
        let h = reader
            .headers()
            .map_err(|e| DataError::parse(path, 1, e.to_string()))?
            .clone();
        cols.iter()
            .map(|c| {
                h.iter().position(|x| x.trim() == *c).ok_or_else(|| {
                    DataError::parse(
                        path,
                        1,
                        format!(
                            "no column `{c}` (columns: {})",
                            h.iter().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?
    } else {
        vec![0, 1, 2, 3, 4]
    };
    let mut out = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 1 + usize::from(has_header);
        let rec = rec.map_err(|e| DataError::parse(path, line, e.to_string()))?;
        let num = |k: usize| -> Result<f64, DataError> {
            rec.get(idx[k])
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| {
                    DataError::parse(path, line, format!("column `{}` is not a number", cols[k]))
                })
        };
        #[allow(clippy::cast_possible_truncation)] // ms timestamps are integers below 2^53
        let t = num(0)? as i64;
        out.push(Candle {
            open_time_ms: t,
            open: num(1)?,
            high: num(2)?,
            low: num(3)?,
            close: num(4)?,
        });
    }
    Ok(out)
}

fn trades(path: &Path, text: &str) -> Result<Vec<Trade>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let h = reader
        .headers()
        .map_err(|e| DataError::parse(path, 1, e.to_string()))?
        .clone();
    let col = |name: &str| {
        h.iter()
            .position(|x| x == name)
            .ok_or_else(|| DataError::parse(path, 1, format!("no column `{name}`")))
    };
    let (ti, pi, ai) = (col("timestamp")?, col("price")?, col("amount")?);
    let mut out = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| DataError::parse(path, n + 2, e.to_string()))?;
        let get = |i: usize| rec.get(i).and_then(|s| s.trim().parse::<f64>().ok());
        let (Some(t), Some(p), Some(a)) = (get(ti), get(pi), get(ai)) else {
            return Err(DataError::parse(
                path,
                n + 2,
                "timestamp, price and amount must be numbers",
            ));
        };
        #[allow(clippy::cast_possible_truncation)] // µs → ms, integral
        out.push(Trade {
            time_ms: (t / 1_000.0) as i64,
            price: p,
            amount: a,
        });
    }
    out.sort_by_key(|t| t.time_ms); // stable: same-ms trades keep file order
    Ok(out)
}

/// Bucket trades into candles of `interval_ms` (buckets without trades are skipped).
pub fn trades_to_candles(trades: &[Trade], interval_ms: i64) -> Vec<Candle> {
    let interval = interval_ms.max(1);
    let mut out: Vec<Candle> = Vec::new();
    for t in trades {
        let start = t.time_ms.div_euclid(interval) * interval;
        match out.last_mut() {
            Some(c) if c.open_time_ms == start => {
                c.high = c.high.max(t.price);
                c.low = c.low.min(t.price);
                c.close = t.price;
            }
            _ => out.push(Candle {
                open_time_ms: start,
                open: t.price,
                high: t.price,
                low: t.price,
                close: t.price,
            }),
        }
    }
    out
}

fn coinapi(path: &Path, text: &str) -> Result<Vec<Candle>, DataError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DataError::parse(path, e.line(), e.to_string()))?;
    let rows = v
        .as_array()
        .ok_or_else(|| DataError::parse(path, 1, "expected a JSON array of bars"))?;
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let err = |m: &str| DataError::parse(path, 0, format!("bar {i}: {m}"));
            let num = |k: &str| {
                r.get(k)
                    .and_then(serde_json::Value::as_f64)
                    .ok_or_else(|| err(&format!("`{k}` missing or not a number")))
            };
            let start = r
                .get("time_period_start")
                .and_then(serde_json::Value::as_str)
                .and_then(parse_utc)
                .ok_or_else(|| err("bad `time_period_start`"))?;
            Ok(Candle {
                open_time_ms: start,
                open: num("price_open")?,
                high: num("price_high")?,
                low: num("price_low")?,
                close: num("price_close")?,
            })
        })
        .collect()
}

/// A Hampel-style bad-print filter: every price of a bar is clipped into
/// `median × (1 ± max_deviation)`, the median taken over the closes of the `window`
/// bars on each side. One-bar wicks far outside the market (Binance ETHUSDT printed a
/// 323.00 high at 2020-03-13T02:39Z in an 85–125 market) never become tradable prices;
/// real moves, which the neighbouring closes follow, pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BadPrintFilter {
    /// Bars on each side in the rolling median.
    pub window: usize,
    /// Largest allowed relative distance from the median.
    pub max_deviation: f64,
}

/// Apply `filter` in place; returns how many prices were clipped.
pub fn filter_bad_prints(candles: &mut [Candle], filter: BadPrintFilter) -> usize {
    let closes: Vec<f64> = candles.iter().map(|c| c.close).collect();
    let mut clipped = 0;
    for (i, c) in candles.iter_mut().enumerate() {
        let lo = i.saturating_sub(filter.window);
        let hi = (i + filter.window + 1).min(closes.len());
        let mut around: Vec<f64> = closes[lo..hi].to_vec();
        around.sort_by(f64::total_cmp);
        let median = around[around.len() / 2];
        let (floor, cap) = (
            median * (1.0 - filter.max_deviation),
            median * (1.0 + filter.max_deviation),
        );
        for p in [&mut c.open, &mut c.high, &mut c.low, &mut c.close] {
            let q = p.clamp(floor, cap);
            if (q - *p).abs() > 0.0 {
                *p = q;
                clipped += 1;
            }
        }
    }
    clipped
}

/// One price per block for `blocks + 1` blocks from `start_ms`: inside a bar the path
/// runs open → first extreme → second extreme → close at thirds of the bar (low first
/// when the bar closes up, high first when it closes down), so sub-bar blocks see the
/// bar's range; before the first bar the first open holds, after the last its close.
pub fn resample(candles: &[Candle], start_ms: i64, block_ms: i64, blocks: u64) -> Vec<f64> {
    let n = usize::try_from(blocks)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut out = Vec::with_capacity(n);
    let mut k = 0;
    let spacing = if candles.len() > 1 {
        candles[1].open_time_ms - candles[0].open_time_ms
    } else {
        60_000
    };
    for b in 0..n {
        let t =
            start_ms.saturating_add(block_ms.saturating_mul(i64::try_from(b).unwrap_or(i64::MAX)));
        while k + 1 < candles.len() && candles[k + 1].open_time_ms <= t {
            k += 1;
        }
        let c = candles[k];
        if t < c.open_time_ms {
            out.push(c.open);
            continue;
        }
        let len = candles
            .get(k + 1)
            .map_or(spacing, |next| next.open_time_ms - c.open_time_ms)
            .max(1);
        #[allow(clippy::cast_precision_loss)] // sub-bar offsets are small
        let x = ((t - c.open_time_ms) as f64 / len as f64).min(1.0);
        let (a, b2) = if c.close >= c.open {
            (c.low, c.high)
        } else {
            (c.high, c.low)
        };
        let path = [c.open, a, b2, c.close];
        let seg = (x * 3.0).floor().min(2.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..=2
        let i = seg as usize;
        let f = x * 3.0 - seg;
        out.push(path[i] + (path[i + 1] - path[i]) * f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(t: i64, o: f64, h: f64, l: f64, cl: f64) -> Candle {
        Candle {
            open_time_ms: t,
            open: o,
            high: h,
            low: l,
            close: cl,
        }
    }

    #[test]
    fn a_one_bar_wick_is_clipped_but_a_real_move_passes() {
        let mut bars: Vec<Candle> = (0..20)
            .map(|i| c(i * 60_000, 100.0, 101.0, 99.0, 100.0))
            .collect();
        bars[10].high = 300.0; // bad print
        for b in bars.iter_mut().skip(15) {
            *b = c(b.open_time_ms, 80.0, 81.0, 79.0, 80.0); // a real 20% drop that persists
        }
        let n = filter_bad_prints(
            &mut bars,
            BadPrintFilter {
                window: 7,
                max_deviation: 0.25,
            },
        );
        assert_eq!(n, 1);
        assert!((bars[10].high - 125.0).abs() < 1e-9);
        assert!((bars[19].close - 80.0).abs() < 1e-9);
    }

    #[test]
    fn resampling_walks_through_the_bar_range() {
        let bars = [
            c(0, 100.0, 110.0, 95.0, 105.0),
            c(60_000, 105.0, 105.0, 100.0, 101.0),
        ];
        let p = resample(&bars, 0, 10_000, 12);
        assert!((p[0] - 100.0).abs() < 1e-9);
        assert!(
            (p[2] - 95.0).abs() < 1e-9,
            "low at one third of an up bar: {p:?}"
        );
        assert!((p[4] - 110.0).abs() < 1e-9, "high at two thirds");
        assert!((p[6] - 105.0).abs() < 1e-9);
        assert!(
            (p[12] - 101.0).abs() < 1e-9,
            "after the last bar its close holds"
        );
    }

    #[test]
    fn trades_bucket_into_candles() {
        let t = |ms, p| Trade {
            time_ms: ms,
            price: p,
            amount: 1.0,
        };
        let cs = trades_to_candles(
            &[
                t(1_000, 10.0),
                t(2_000, 12.0),
                t(3_000, 9.0),
                t(61_000, 11.0),
            ],
            60_000,
        );
        assert_eq!(
            cs,
            vec![
                c(0, 10.0, 12.0, 9.0, 9.0),
                c(60_000, 11.0, 11.0, 11.0, 11.0)
            ]
        );
    }
}
