//! Candle CSV replay: read a time column and a price column, then resample to blocks.

use std::path::Path;

/// A price series with its timestamps in milliseconds, ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct CandleSeries {
    /// `(time_ms, price)` rows.
    pub rows: Vec<(i64, f64)>,
}

/// Read `time_column` and `price_column` from a CSV. Without a header, the columns are
/// given as zero-based indices ("0", "4"). Errors name the CSV line.
pub fn load_candles(
    path: &Path,
    time_column: &str,
    price_column: &str,
    has_header: bool,
) -> Result<CandleSeries, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(has_header)
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let find = |name: &str, headers: Option<&csv::StringRecord>| -> Result<usize, String> {
        match headers {
            Some(h) => h.iter().position(|c| c.trim() == name).ok_or_else(|| {
                format!(
                    "no column named `{name}` (columns: {})",
                    h.iter().collect::<Vec<_>>().join(", ")
                )
            }),
            None => name.parse().map_err(|_| {
                format!("without a header, columns are zero-based indices, not `{name}`")
            }),
        }
    };
    let headers = if has_header {
        Some(reader.headers().map_err(|e| e.to_string())?.clone())
    } else {
        None
    };
    let (ti, pi) = (
        find(time_column, headers.as_ref())?,
        find(price_column, headers.as_ref())?,
    );
    let mut rows = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let line = n + 1 + usize::from(has_header);
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let time: i64 = rec
            .get(ti)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| {
                format!("line {line}: column {time_column} is not an integer time in ms")
            })?;
        let price: f64 = rec
            .get(pi)
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| format!("line {line}: column {price_column} is not a number"))?;
        if !(price.is_finite() && price > 0.0) {
            return Err(format!(
                "line {line}: price {price} is not a positive number"
            ));
        }
        if rows.last().is_some_and(|&(t, _)| time <= t) {
            return Err(format!("line {line}: times must increase strictly"));
        }
        rows.push((time, price));
    }
    if rows.is_empty() {
        return Err("the file has no data rows".into());
    }
    Ok(CandleSeries { rows })
}

impl CandleSeries {
    /// One price per block for `blocks + 1` blocks starting at the first row's time:
    /// each block takes the latest row at or before its time (holding the last row
    /// after the file ends).
    pub fn resample(&self, block_time_ms: u64, blocks: u64) -> Vec<f64> {
        let t0 = self.rows[0].0;
        let step = i64::try_from(block_time_ms).unwrap_or(i64::MAX);
        let mut out = Vec::with_capacity(usize::try_from(blocks + 1).unwrap_or(0));
        let mut j = 0;
        for k in 0..=blocks {
            let t = t0.saturating_add(step.saturating_mul(i64::try_from(k).unwrap_or(i64::MAX)));
            while j + 1 < self.rows.len() && self.rows[j + 1].0 <= t {
                j += 1;
            }
            out.push(self.rows[j].1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_holds_the_latest_row() {
        let s = CandleSeries {
            rows: vec![(0, 10.0), (60_000, 11.0), (120_000, 12.0)],
        };
        assert_eq!(
            s.resample(30_000, 5),
            vec![10.0, 10.0, 11.0, 11.0, 12.0, 12.0]
        );
    }
}
