//! Gas-price series (pandas "table" JSON as in StableSims' feeds).

use crate::error::DataError;
use crate::time::parse_utc;
use std::path::Path;

/// One observation of the gas price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GasPoint {
    /// Bucket start, Unix ms UTC.
    pub time_ms: i64,
    /// Gas price in gwei.
    pub gwei: f64,
}

/// Read `{"schema": …, "data": [{"timestamp": ISO, column: wei, …}]}` taking `column`
/// (e.g. `avgGasDay`, `60.0 Perc`), converted from wei to gwei.
pub fn load_gas_series(path: &Path, column: &str) -> Result<Vec<GasPoint>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| DataError::parse(path, e.line(), e.to_string()))?;
    let rows = v
        .get("data")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| DataError::parse(path, 1, "expected an object with a `data` array"))?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let err = |m: String| DataError::parse(path, 0, format!("row {i}: {m}"));
        let t = r
            .get("timestamp")
            .and_then(serde_json::Value::as_str)
            .and_then(parse_utc)
            .ok_or_else(|| err("bad `timestamp`".into()))?;
        let wei = r
            .get(column)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| err(format!("`{column}` missing or not a number")))?;
        if !(wei.is_finite() && wei >= 0.0) {
            return Err(err(format!("`{column}` must be a non-negative number")));
        }
        out.push(GasPoint {
            time_ms: t,
            gwei: wei / 1e9,
        });
    }
    if out.is_empty() {
        return Err(DataError::parse(path, 0, "no rows"));
    }
    Ok(out)
}
