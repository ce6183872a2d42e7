//! Real market data for replays: readers for the formats in `../shared/data` (Binance
//! klines, Gemini tick trades, CoinAPI bars, Binance book-depth snapshots, gas-price
//! series), a bad-print filter, and resampling to the simulation's block time.
//!
//! Everything here is plain data in, plain data out: times are Unix milliseconds (UTC),
//! prices floats. Errors name the file and the line.
#![forbid(unsafe_code)]

mod candles;
mod depth;
mod error;
mod gas;
mod series;
mod time;

pub use candles::{
    filter_bad_prints, load_candles, resample, trades_to_candles, BadPrintFilter, Candle,
    CandleFormat, Trade,
};
pub use depth::{load_book_depth, repair_frozen_buckets, DepthSnapshot};
pub use error::DataError;
pub use gas::{load_gas_series, GasPoint};
pub use series::{hold_to_blocks, load_series};
pub use time::parse_utc;
