//! World files: real data — candle files for asset prices and gas-price series for
//! chains — read, cleaned and resampled to the world's ticks, every problem an error
//! with the field, and a file that ends before the run refused unless the file says to
//! hold its last value.

use super::Resolver;
use crate::schema::world::{GasReplayFile, ReplayFormatFile};
use faultline_data::{
    filter_bad_prints, hold_to_blocks, load_candles, load_gas_series, parse_utc, resample,
    BadPrintFilter, CandleFormat,
};

/// A candle replay as the file gives it.
pub(super) struct CandleReplay<'a> {
    pub file: &'a str,
    pub format: ReplayFormatFile,
    pub start: Option<&'a str>,
    pub filter_bad_prints: bool,
    pub hold_after_end: bool,
}

impl Resolver<'_> {
    /// `ticks + 1` prices from a candle file, or `None` after reporting why not.
    pub(super) fn candle_path(&mut self, at: &str, r: &CandleReplay<'_>) -> Option<Vec<f64>> {
        let format = match r.format {
            ReplayFormatFile::BinanceKlines => CandleFormat::BinanceKlines,
            ReplayFormatFile::MinuteOhlcv => CandleFormat::MinuteOhlcv,
            ReplayFormatFile::CoinapiJson => CandleFormat::CoinapiJson,
        };
        let mut bars = match load_candles(&self.dir.join(r.file), &format) {
            Ok(b) => b,
            Err(e) => {
                self.push(
                    format!("{at}.file"),
                    "a readable candle file in the named format",
                    &e.to_string(),
                    "the path is relative to the world file; check `format`",
                );
                return None;
            }
        };
        if r.filter_bad_prints {
            filter_bad_prints(
                &mut bars,
                BadPrintFilter {
                    window: 7,
                    max_deviation: 0.25,
                },
            );
        }
        let first = bars.first()?.open_time_ms;
        let last = bars.last()?.open_time_ms;
        let bar_ms = bars.get(1).map_or(60_000, |b| b.open_time_ms - first);
        let start = self.start_ms(at, r.start, first, last)?;
        self.covers(at, start, last + bar_ms, r.hold_after_end)?;
        let tick = i64::try_from(self.tick_ms).unwrap_or(i64::MAX);
        Some(resample(&bars, start, tick, self.ticks()))
    }

    /// Gas prices by tick, wei per unit, from a gas series (empty after reporting why
    /// not).
    pub(super) fn gas_path(&mut self, at: &str, g: &GasReplayFile) -> Vec<u128> {
        let series = match load_gas_series(&self.dir.join(&g.file), &g.column) {
            Ok(s) if !s.is_empty() => s,
            Ok(_) => {
                self.push(
                    format!("{at}.file"),
                    "a series with at least one point",
                    "no points",
                    "check the file",
                );
                return Vec::new();
            }
            Err(e) => {
                self.push(
                    format!("{at}.file"),
                    "a readable gas-price series",
                    &e.to_string(),
                    "the path is relative to the world file; check `column`",
                );
                return Vec::new();
            }
        };
        let (first, last) = (series[0].time_ms, series[series.len() - 1].time_ms);
        let spacing = series.get(1).map_or(0, |p| p.time_ms - first);
        let Some(start) = self.start_ms(at, g.start.as_deref(), first, last) else {
            return Vec::new();
        };
        if self
            .covers(at, start, last + spacing, g.hold_after_end)
            .is_none()
        {
            return Vec::new();
        }
        let points: Vec<(i64, f64)> = series.iter().map(|p| (p.time_ms, p.gwei)).collect();
        let tick = i64::try_from(self.tick_ms).unwrap_or(i64::MAX);
        hold_to_blocks(&points, start, tick, self.ticks())
            .into_iter()
            .map(super::gwei_to_wei)
            .collect()
    }

    fn ticks(&self) -> u64 {
        self.f.duration_s * 1_000 / self.tick_ms.max(1)
    }

    /// Tick 0's time: `start` parsed and inside the data, or the data's first time.
    fn start_ms(&mut self, at: &str, start: Option<&str>, first: i64, last: i64) -> Option<i64> {
        let Some(s) = start else {
            return Some(first);
        };
        match parse_utc(s) {
            Some(t) if (first..=last).contains(&t) => Some(t),
            Some(t) => {
                self.push(
                    format!("{at}.start"),
                    &format!("a time inside the data ({first}..={last} ms)"),
                    &format!("\"{s}\" ({t} ms)"),
                    "choose a start inside the data",
                );
                None
            }
            None => {
                self.push(
                    format!("{at}.start"),
                    "a UTC time",
                    &format!("\"{s}\""),
                    "write it as YYYY-MM-DDTHH:MM:SSZ",
                );
                None
            }
        }
    }

    /// The data reaches the end of the run, or the file says to hold its last value.
    fn covers(&mut self, at: &str, start: i64, data_end: i64, hold: bool) -> Option<()> {
        let run_ms = i64::try_from(self.f.duration_s.saturating_mul(1_000)).unwrap_or(i64::MAX);
        let needed = start.saturating_add(run_ms);
        if data_end >= needed || hold {
            return Some(());
        }
        let short_s = (needed - data_end) / 1_000;
        self.push(
            format!("{at}.file"),
            &format!("data until {needed} ms (the run's end)"),
            &format!("data ends at {data_end} ms, {short_s} s short"),
            "shorten `duration_s`, start earlier, or set `hold_after_end = true` to hold the last value (an assumption the replay should state)",
        );
        None
    }
}
