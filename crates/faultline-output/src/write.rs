//! Writing a run directory atomically.

use faultline_engine::MarketRecord;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a run directory could not be written.
#[derive(Debug, Error)]
pub enum OutputError {
    /// The target exists and is not a run directory we may replace.
    #[error("{0} exists and is not a Faultline run directory (no manifest.json); choose another --out or remove it")]
    NotARunDir(PathBuf),
    /// I/O failure.
    #[error("writing {path}: {source}")]
    Io {
        /// The path being written.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Serialization failure.
    #[error("serializing {what}: {message}")]
    Serialize {
        /// What.
        what: &'static str,
        /// Why.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One JSON line (for `.jsonl` files).
pub fn json_line<T: serde::Serialize>(what: &'static str, v: &T) -> Result<String, OutputError> {
    let mut s = serde_json::to_string(v).map_err(|e| OutputError::Serialize {
        what,
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}

/// Write `files` into `dir`: everything goes to a sibling temporary directory first,
/// which is then renamed into place, so `dir` never holds a half-written run. An
/// existing run directory (one with a manifest.json) is replaced; any other non-empty
/// directory is refused.
pub fn write_dir_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), OutputError> {
    if dir.exists()
        && !dir.join("manifest.json").exists()
        && fs::read_dir(dir).map_err(io(dir))?.next().is_some()
    {
        return Err(OutputError::NotARunDir(dir.to_path_buf()));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let result = files
        .iter()
        .try_for_each(|(name, bytes)| write(&tmp.join(name), bytes));
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(io(dir))?;
    }
    fs::rename(&tmp, dir).map_err(io(dir))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Timeline columns, in order.
pub const TIMELINE_COLUMNS: [&str; 29] = [
    "block",
    "market",
    "reference_price",
    "oracle_price",
    "mark_price",
    "best_bid",
    "best_ask",
    "bid_depth",
    "ask_depth",
    "long_open_interest",
    "short_open_interest",
    "funding_rate",
    "insurance_fund",
    "bad_debt",
    "liquidations",
    "liquidation_volume",
    "adl_count",
    "adl_volume",
    "socialized_loss",
    "oracle_age_blocks",
    "oracle_validity",
    "gas_price_gwei",
    "base_fee_gwei",
    "pending_txs",
    "dropped_txs",
    "liquidations_priced_out",
    "depth_multiplier",
    "amplification",
    "market_id",
];

/// One perp venue's timeline for `markets.csv`.
#[derive(Debug, Clone, Copy)]
pub struct VenueTimeline<'a> {
    /// The venue's name.
    pub protocol: &'a str,
    /// Its block time: block `b` is at `b × block_time_ms` from the start.
    pub block_time_ms: u64,
    /// Market symbols by market index.
    pub symbols: &'a [String],
    /// One row per market per block.
    pub rows: &'a [MarketRecord],
}

/// `markets.csv` of a world run: every perp venue's per-market timeline, one row per
/// market per block, with the venue's name (`protocol`) and the time since the start
/// (`time_ms`) before the columns of a venue's `timeline.csv`; venues in protocol order.
pub fn markets_csv(venues: &[VenueTimeline<'_>]) -> Result<Vec<u8>, OutputError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = ["protocol", "time_ms"].into_iter().chain(TIMELINE_COLUMNS);
    w.write_record(header).map_err(timeline_error)?;
    for v in venues {
        for r in v.rows {
            let time_ms = r.block.0.saturating_mul(v.block_time_ms);
            let row = [v.protocol.to_string(), time_ms.to_string()]
                .into_iter()
                .chain(timeline_row(r, v.symbols));
            w.write_record(row).map_err(timeline_error)?;
        }
    }
    w.into_inner().map_err(|e| OutputError::Serialize {
        what: "markets",
        message: e.to_string(),
    })
}

fn timeline_error(e: csv::Error) -> OutputError {
    OutputError::Serialize {
        what: "timeline",
        message: e.to_string(),
    }
}

/// One timeline row in [`TIMELINE_COLUMNS`] order.
fn timeline_row(r: &MarketRecord, symbols: &[String]) -> [String; 29] {
    [
        r.block.to_string(),
        symbols.get(r.market.index()).cloned().unwrap_or_default(),
        r.reference_price.to_string(),
        r.oracle_price.to_string(),
        r.mark_price.to_string(),
        r.best_bid.to_string(),
        r.best_ask.to_string(),
        r.bid_depth.to_string(),
        r.ask_depth.to_string(),
        r.long_oi.to_string(),
        r.short_oi.to_string(),
        r.funding_rate.to_string(),
        r.insurance_fund.to_string(),
        r.bad_debt.to_string(),
        r.liquidations.to_string(),
        r.liquidation_volume.to_string(),
        r.adl_count.to_string(),
        r.adl_volume.to_string(),
        r.socialized_loss.to_string(),
        r.oracle_age_blocks.to_string(),
        r.oracle_validity.as_str().to_string(),
        format!("{:.6}", r.gas_price_gwei),
        format!("{:.6}", r.base_fee_gwei),
        r.pending_txs.to_string(),
        r.dropped_txs.to_string(),
        r.liquidations_priced_out.to_string(),
        format!("{:.6}", r.depth_multiplier),
        format!("{:.6}", r.amplification),
        r.market.0.to_string(),
    ]
}

/// Pretty JSON with a final newline.
pub fn pretty<T: serde::Serialize>(what: &'static str, v: &T) -> Result<String, OutputError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| OutputError::Serialize {
        what,
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}
