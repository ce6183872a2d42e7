//! Binance "bookDepth" snapshots: cumulative depth within ±1…±5% of mid, every ~30 s.

use crate::error::DataError;
use crate::time::parse_utc;
use std::path::Path;

/// One snapshot: cumulative quote notional within each distance of mid, per side.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthSnapshot {
    /// Snapshot time, Unix ms UTC.
    pub time_ms: i64,
    /// `(distance as a fraction, cumulative quote)` below mid, nearest first.
    pub bids: Vec<(f64, f64)>,
    /// The same above mid.
    pub asks: Vec<(f64, f64)>,
}

/// Read a bookDepth CSV (`timestamp, percentage, depth, notional, weighted_avg_price`;
/// negative percentages are the bid side, as Binance publishes them).
pub fn load_book_depth(path: &Path) -> Result<Vec<DepthSnapshot>, DataError> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| DataError::parse(path, 0, e.to_string()))?;
    let mut out: Vec<DepthSnapshot> = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 2;
        let rec = rec.map_err(|e| DataError::parse(path, line, e.to_string()))?;
        let t = rec.get(0).and_then(parse_utc).ok_or_else(|| {
            DataError::parse(path, line, "timestamp must be `YYYY-MM-DD HH:MM:SS` (UTC)")
        })?;
        let num = |i: usize, what: &str| {
            rec.get(i)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .ok_or_else(|| DataError::parse(path, line, format!("{what} is not a number")))
        };
        let pct = num(1, "percentage")?;
        let notional = num(3, "notional")?;
        if pct == 0.0 || !notional.is_finite() || notional < 0.0 {
            return Err(DataError::parse(
                path,
                line,
                "percentage must be non-zero and notional non-negative",
            ));
        }
        if out.last().is_none_or(|s| s.time_ms != t) {
            out.push(DepthSnapshot {
                time_ms: t,
                bids: Vec::new(),
                asks: Vec::new(),
            });
        }
        let snap = out
            .last_mut()
            .ok_or_else(|| DataError::parse(path, line, "internal: no snapshot"))?;
        let side = if pct < 0.0 {
            &mut snap.bids
        } else {
            &mut snap.asks
        };
        side.push((pct.abs() / 100.0, notional));
    }
    for s in &mut out {
        s.bids.sort_by(|a, b| a.0.total_cmp(&b.0));
        s.asks.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    if out.is_empty() {
        return Err(DataError::parse(path, 0, "no snapshots"));
    }
    Ok(out)
}

impl DepthSnapshot {
    /// The snapshot in force at `time_ms` (the last one at or before it, else the first).
    pub fn at(series: &[DepthSnapshot], time_ms: i64) -> Option<&DepthSnapshot> {
        let i = series.partition_point(|s| s.time_ms <= time_ms);
        series.get(i.saturating_sub(1))
    }
}

/// Repair buckets that stopped updating.
///
/// A bucket whose value is identical in at least `min_run` consecutive snapshots while
/// the same distance on the other side keeps changing is treated as frozen (Binance's
/// BTCUSDT −1% bucket holds 17.654 BTC from ~20:50Z on 2025-10-10 through the crash,
/// with a weighted price above mid). Frozen values are replaced by the next-deeper
/// bucket on the same side scaled by the other side's ratio between the two distances,
/// which keeps the profile cumulative. Returns how many values were replaced.
pub fn repair_frozen_buckets(series: &mut [DepthSnapshot], min_run: usize) -> usize {
    let mut repaired = 0;
    for side in [Side::Bid, Side::Ask] {
        let n_buckets = series.first().map_or(0, |s| side.of(s).len());
        for b in 0..n_buckets {
            let mut run_start = 0;
            for i in 1..=series.len() {
                let same = i < series.len()
                    && bucket(&series[i], side, b) == bucket(&series[i - 1], side, b)
                    && bucket(&series[i], side.other(), b)
                        != bucket(&series[i - 1], side.other(), b);
                if same {
                    continue;
                }
                if i - run_start >= min_run {
                    for s in &mut series[run_start + 1..i] {
                        repaired += usize::from(repair(s, side, b));
                    }
                }
                run_start = i;
            }
        }
    }
    repaired
}

#[derive(Clone, Copy)]
enum Side {
    Bid,
    Ask,
}

impl Side {
    fn of(self, s: &DepthSnapshot) -> &Vec<(f64, f64)> {
        match self {
            Side::Bid => &s.bids,
            Side::Ask => &s.asks,
        }
    }
    fn other(self) -> Self {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }
}

fn bucket(s: &DepthSnapshot, side: Side, b: usize) -> Option<f64> {
    side.of(s).get(b).map(|x| x.1)
}

fn repair(s: &mut DepthSnapshot, side: Side, b: usize) -> bool {
    let (deeper, other_here, other_deeper) = match (
        bucket(s, side, b + 1),
        bucket(s, side.other(), b),
        bucket(s, side.other(), b + 1),
    ) {
        (Some(d), Some(o), Some(od)) if od > 0.0 => (d, o, od),
        _ => return false,
    };
    let value = (deeper * other_here / other_deeper).min(deeper);
    let v = match side {
        Side::Bid => &mut s.bids,
        Side::Ask => &mut s.asks,
    };
    v[b].1 = value;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(t: i64, bid1: f64, bid2: f64, ask1: f64, ask2: f64) -> DepthSnapshot {
        DepthSnapshot {
            time_ms: t,
            bids: vec![(0.01, bid1), (0.02, bid2)],
            asks: vec![(0.01, ask1), (0.02, ask2)],
        }
    }

    #[test]
    fn a_frozen_bucket_is_rebuilt_from_the_other_sides_shape() {
        let mut s: Vec<DepthSnapshot> = (0..10i32)
            .map(|i| {
                snap(
                    i64::from(i),
                    17.0,
                    100.0 + f64::from(i),
                    50.0 + f64::from(i),
                    100.0,
                )
            })
            .collect();
        let n = repair_frozen_buckets(&mut s, 5);
        assert_eq!(n, 9, "every snapshot after the first of the frozen run");
        // bid 1% = bid 2% × (ask 1% / ask 2%).
        let expect = s[5].bids[1].1 * s[5].asks[0].1 / s[5].asks[1].1;
        assert!((s[5].bids[0].1 - expect).abs() < 1e-9);
        assert!(
            (s[0].bids[0].1 - 17.0).abs() < 1e-9,
            "the first value of the run is kept"
        );
    }

    #[test]
    fn live_buckets_are_left_alone() {
        let mut s: Vec<DepthSnapshot> = (0..10i32)
            .map(|i| {
                snap(
                    i64::from(i),
                    10.0 + f64::from(i),
                    30.0,
                    50.0 + f64::from(i),
                    100.0,
                )
            })
            .collect();
        assert_eq!(repair_frozen_buckets(&mut s, 5), 0);
    }
}
