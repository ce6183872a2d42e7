//! A time series of one value in a CSV (an implied-volatility index, say), and holding
//! any time series to the simulation's blocks.

use crate::error::DataError;
use crate::time::parse_utc;
use std::path::Path;

/// Read `(time_ms, value)` pairs from a CSV with a header row. The time column holds Unix
/// milliseconds or a UTC time (`YYYY-MM-DD HH:MM:SS`, ISO 8601 with `T` and `Z` too);
/// rows must be in time order and values finite and non-negative.
pub fn load_series(
    path: &Path,
    time_column: &str,
    value_column: &str,
) -> Result<Vec<(i64, f64)>, DataError> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| DataError::parse(path, 0, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| DataError::parse(path, 1, e.to_string()))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                DataError::parse(
                    path,
                    1,
                    format!(
                        "no column `{name}` (columns: {})",
                        headers.iter().collect::<Vec<_>>().join(", ")
                    ),
                )
            })
    };
    let (ti, vi) = (column(time_column)?, column(value_column)?);
    let mut out: Vec<(i64, f64)> = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 2;
        let rec = rec.map_err(|e| DataError::parse(path, line, e.to_string()))?;
        let raw_t = rec.get(ti).unwrap_or("").trim();
        let t = raw_t
            .parse::<i64>()
            .ok()
            .or_else(|| parse_utc(raw_t))
            .ok_or_else(|| {
                DataError::parse(
                    path,
                    line,
                    format!("`{time_column}` must be Unix ms or a UTC time, found `{raw_t}`"),
                )
            })?;
        let v = rec
            .get(vi)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                DataError::parse(
                    path,
                    line,
                    format!("`{value_column}` must be a non-negative number"),
                )
            })?;
        if out.last().is_some_and(|&(prev, _)| t < prev) {
            return Err(DataError::parse(path, line, "rows are not in time order"));
        }
        out.push((t, v));
    }
    if out.is_empty() {
        return Err(DataError::parse(path, 0, "no rows"));
    }
    Ok(out)
}

/// The value in force at each block 0..=`blocks` (block `b` at `start_ms + b·block_ms`):
/// the last observation at or before it, or the first one before the series begins.
pub fn hold_to_blocks(
    series: &[(i64, f64)],
    start_ms: i64,
    block_ms: i64,
    blocks: u64,
) -> Vec<f64> {
    let mut k = 0;
    (0..=blocks)
        .map(|b| {
            let t = start_ms
                .saturating_add(block_ms.saturating_mul(i64::try_from(b).unwrap_or(i64::MAX)));
            while k + 1 < series.len() && series[k + 1].0 <= t {
                k += 1;
            }
            series.get(k).map_or(0.0, |p| p.1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ms_or_utc_times_and_holds_values_to_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("iv.csv");
        std::fs::write(&p, "time,iv\n0,0.5\n2020-01-01 00:00:00,0.8\n").unwrap();
        let s = load_series(&p, "time", "iv").unwrap();
        assert_eq!(s, vec![(0, 0.5), (1_577_836_800_000, 0.8)]);
        let held = hold_to_blocks(&[(1_000, 1.0), (3_000, 2.0)], 0, 1_000, 4);
        assert_eq!(held, vec![1.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn names_the_line_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("iv.csv");
        std::fs::write(&p, "time,iv\n10,0.5\n5,0.6\n").unwrap();
        let e = load_series(&p, "time", "iv").unwrap_err().to_string();
        assert!(
            e.contains("iv.csv") && e.contains('3') && e.contains("time order"),
            "{e}"
        );
        std::fs::write(&p, "time,vol\n10,0.5\n").unwrap();
        let e = load_series(&p, "time", "iv").unwrap_err().to_string();
        assert!(e.contains("no column `iv`") && e.contains("vol"), "{e}");
        std::fs::write(&p, "time,iv\n10,-1\n").unwrap();
        let e = load_series(&p, "time", "iv").unwrap_err().to_string();
        assert!(e.contains("non-negative"), "{e}");
    }
}
