//! System files: several protocols over shared assets (`faultline system`). The format
//! is [`faultline_system::SystemConfig`]; this module checks it like a scenario (every
//! error with its line, then the rules across fields).

use crate::check::Issue;
use crate::error::ValidationReport;
use crate::load::{issue, parse_checked, read_input, to_errors};
use crate::locate::locate;
use crate::{build_with_reference, load, Scenario};
use faultline_data::{
    filter_bad_prints, hold_to_blocks, load_candles, load_gas_series, parse_utc, resample,
    BadPrintFilter, CandleFormat,
};
use faultline_engine::Simulation;
use faultline_system::config::{Asset, BreakerAction, ReplayFormat};
use faultline_system::SystemConfig;
use std::path::Path;

/// Read and check a system file.
pub fn load_system(path: &Path) -> Result<SystemConfig, ValidationReport> {
    let text = read_input(path)?;
    parse_system(&text, path)
}

/// Parse and check system text.
pub fn parse_system(text: &str, path: &Path) -> Result<SystemConfig, ValidationReport> {
    let (mut cfg, doc): (SystemConfig, _) = parse_checked(text, path, "a valid system")?;
    let mut issues = rules(&cfg);
    if issues.is_empty() {
        issues = resolve_data(&mut cfg, path.parent().unwrap_or(Path::new(".")));
    }
    if issues.is_empty() {
        return Ok(cfg);
    }
    for is in &mut issues {
        is.span = locate(doc.as_table(), &is.path);
    }
    Err(ValidationReport {
        file: path.to_path_buf(),
        errors: to_errors(text, issues),
    })
}

/// Load the perp venue's scenario named by `[perp] scenario` (relative to the system
/// file), checking that it can run in lockstep with the system.
pub fn load_perp(
    cfg: &SystemConfig,
    system_path: &Path,
) -> Result<Option<Scenario>, ValidationReport> {
    let Some(p) = &cfg.perp else { return Ok(None) };
    let dir = system_path.parent().unwrap_or(Path::new("."));
    let s = load(&dir.join(&p.scenario))?;
    let mut issues = Vec::new();
    if s.file.block_time_ms != cfg.block_time_ms {
        issues.push(issue(
            "perp.scenario",
            &format!("a scenario with block_time_ms = {}", cfg.block_time_ms),
            &format!("{} ms", s.file.block_time_ms),
            "the venue steps in lockstep with the system: use the same block length",
        ));
    }
    if s.file.blocks < cfg.blocks {
        issues.push(issue(
            "perp.scenario",
            &format!("a scenario of at least {} blocks", cfg.blocks),
            &format!("{} blocks", s.file.blocks),
            "raise the scenario's `blocks`",
        ));
    }
    if issues.is_empty() {
        return Ok(Some(s));
    }
    let text = std::fs::read_to_string(system_path).unwrap_or_default();
    if let Ok(doc) = toml_edit::Document::parse(text.clone()) {
        for is in &mut issues {
            is.span = locate(doc.as_table(), &is.path);
        }
    }
    Err(ValidationReport {
        file: system_path.to_path_buf(),
        errors: to_errors(&text, issues),
    })
}

/// Builds the perp venue of `s` for a seed with its first market on the system's ETH path.
pub fn perp_factory(
    s: &Scenario,
) -> impl Fn(u64, &[f64]) -> Result<Simulation, String> + Sync + '_ {
    move |seed, path| {
        build_with_reference(s, seed, 0, path)
            .map(|b| b.sim)
            .map_err(|e| format!("building the perp venue ({}): {e}", s.path.display()))
    }
}

/// Read replayed price and gas files into per-block paths.
fn resolve_data(c: &mut SystemConfig, base: &Path) -> Vec<Issue> {
    let mut v = Vec::new();
    let step = i64::try_from(c.block_time_ms).unwrap_or(i64::MAX);
    if let Some(r) = c.eth.replay.clone() {
        let format = match r.format {
            ReplayFormat::BinanceKlines => CandleFormat::BinanceKlines,
            ReplayFormat::MinuteOhlcv => CandleFormat::MinuteOhlcv,
            ReplayFormat::CoinapiJson => CandleFormat::CoinapiJson,
        };
        match load_candles(&base.join(&r.file), &format) {
            Ok(mut bars) => {
                if r.filter_bad_prints {
                    filter_bad_prints(
                        &mut bars,
                        BadPrintFilter {
                            window: 7,
                            max_deviation: 0.25,
                        },
                    );
                }
                let (first, last) = (bars[0].open_time_ms, bars[bars.len() - 1].open_time_ms);
                match r.start.as_deref().map(parse_utc) {
                    Some(None) => v.push(issue(
                        "eth.replay.start",
                        "a UTC time",
                        r.start.as_deref().unwrap_or(""),
                        "write it as YYYY-MM-DDTHH:MM:SSZ",
                    )),
                    Some(Some(t)) if t < first || t > last => v.push(issue(
                        "eth.replay.start",
                        &format!("a time inside the file ({first}..={last} ms)"),
                        &t.to_string(),
                        "choose a start inside the data",
                    )),
                    s => {
                        let start = s.flatten().unwrap_or(first);
                        c.eth.path = resample(&bars, start, step, c.blocks);
                        c.eth.initial = c.eth.path[0];
                    }
                }
            }
            Err(e) => v.push(issue(
                "eth.replay.file",
                "a readable price file",
                &e.to_string(),
                "the path is relative to the system file; check `format`",
            )),
        }
    }
    if let Some(l) = c.lending.as_mut() {
        for (i, b) in l.borrowers.iter_mut().enumerate() {
            let Some(f) = b.debts_file.clone() else {
                continue;
            };
            match crate::columns::read_positive_column(&base.join(&f.file), &f.column) {
                Ok(values) => b.debts = values.into_iter().map(|x| x * f.scale).collect(),
                Err(e) => v.push(issue(
                    &format!("lending.borrowers[{i}].debts_file"),
                    "a readable CSV with that column",
                    &e,
                    "the path is relative to the system file",
                )),
            }
        }
    }
    if let Some(g) = c.gas.replay.clone() {
        match load_gas_series(&base.join(&g.file), &g.column) {
            Ok(series) => {
                let t0 = g
                    .start
                    .as_deref()
                    .and_then(parse_utc)
                    .unwrap_or(series[0].time_ms);
                let points: Vec<(i64, f64)> = series.iter().map(|p| (p.time_ms, p.gwei)).collect();
                c.gas.path = hold_to_blocks(&points, t0, step, c.blocks);
            }
            Err(e) => v.push(issue(
                "gas.replay.file",
                "a readable gas-price series",
                &e.to_string(),
                "the path is relative to the system file; check `column`",
            )),
        }
    }
    v
}

fn rules(c: &SystemConfig) -> Vec<Issue> {
    let mut v = Vec::new();
    for (i, g) in c.eth.gaps.iter().enumerate() {
        if g.block == 0 || g.block > c.blocks {
            v.push(issue(
                &format!("eth.gaps[{i}].block"),
                &format!("a block in 1..={}", c.blocks),
                &g.block.to_string(),
                "gaps happen inside the run",
            ));
        }
    }
    if let Some(k) = c.eth.path.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
        v.push(issue(
            &format!("eth.path[{k}]"),
            "a positive price",
            &c.eth.path[k].to_string(),
            "replayed prices must be positive",
        ));
    }
    if let Some(k) = c
        .gas
        .path
        .iter()
        .position(|p| !(p.is_finite() && *p >= 0.0))
    {
        v.push(issue(
            &format!("gas.path[{k}]"),
            "a gas price ≥ 0",
            &c.gas.path[k].to_string(),
            "",
        ));
    }
    for (i, s) in c.gas.spikes.iter().enumerate() {
        if s.start > s.end {
            v.push(issue(
                &format!("gas.spikes[{i}].end"),
                &format!("a block ≥ start ({})", s.start),
                &s.end.to_string(),
                "swap start and end",
            ));
        }
    }
    if let Some(cdp) = &c.cdp {
        if cdp.ratio_min > cdp.ratio_max {
            v.push(issue(
                "cdp.ratio_max",
                &format!("≥ ratio_min ({})", cdp.ratio_min),
                &cdp.ratio_max.to_string(),
                "the range is [ratio_min, ratio_max]",
            ));
        }
        if cdp.ratio_min < cdp.liquidation_ratio {
            v.push(issue(
                "cdp.ratio_min",
                &format!("≥ liquidation_ratio ({})", cdp.liquidation_ratio),
                &cdp.ratio_min.to_string(),
                "vaults cannot open below the liquidation ratio",
            ));
        }
        if cdp.algorithmic.is_some() && cdp.debt_auction.is_none() {
            v.push(issue(
                "cdp.algorithmic",
                "a [cdp.debt_auction] section, which defines MKR's pool",
                "none",
                "add [cdp.debt_auction] (set a large sump if debt auctions should not run)",
            ));
        }
        for (i, d) in cdp.dumps.iter().enumerate() {
            if d.block == 0 || d.block > c.blocks {
                v.push(issue(
                    &format!("cdp.dumps[{i}].block"),
                    &format!("a block in 1..={}", c.blocks),
                    &d.block.to_string(),
                    "sales happen inside the run",
                ));
            }
        }
        if let faultline_system::config::CurveConfig::Stairstep { cut, .. } = cdp.auction.curve {
            if !(cut > 0.0 && cut < 1.0) {
                v.push(issue(
                    "cdp.auction.curve.cut",
                    "a factor in (0, 1)",
                    &cut.to_string(),
                    "e.g. 0.99 for 1% per step",
                ));
            }
        }
    }
    if let Some(l) = &c.lending {
        for (i, col) in l.collateral.iter().enumerate() {
            if col.ltv > col.liquidation_threshold {
                v.push(issue(
                    &format!("lending.collateral[{i}].ltv"),
                    &format!("≤ liquidation_threshold ({})", col.liquidation_threshold),
                    &col.ltv.to_string(),
                    "Aave requires LTV ≤ liquidation threshold",
                ));
            }
            if l.collateral[..i].iter().any(|o| o.asset == col.asset) {
                v.push(issue(
                    &format!("lending.collateral[{i}].asset"),
                    "each asset once",
                    &format!("{:?} again", col.asset),
                    "merge the two entries",
                ));
            }
        }
        for (i, b) in l.borrowers.iter().enumerate() {
            if !l.collateral.iter().any(|col| col.asset == b.collateral) {
                v.push(issue(
                    &format!("lending.borrowers[{i}].collateral"),
                    "an asset listed in [[lending.collateral]]",
                    &format!("{:?}", b.collateral),
                    "add a [[lending.collateral]] entry for it",
                ));
            }
            let listed = !b.debts.is_empty() || b.debts_file.is_some();
            if !listed && (b.count == 0 || b.total_collateral <= 0.0) {
                v.push(issue(
                    &format!("lending.borrowers[{i}].count"),
                    "count ≥ 1 and total_collateral > 0, or `debts` / `debts_file`",
                    &format!("count {}, total_collateral {}", b.count, b.total_collateral),
                    "say how many borrowers and their collateral, or list their debts",
                ));
            }
            if listed && b.collateral != Asset::Eth {
                v.push(issue(
                    &format!("lending.borrowers[{i}].debts"),
                    "listed debts only with ETH collateral",
                    &format!("{:?}", b.collateral),
                    "give FUSD borrowers a count and total_collateral",
                ));
            }
            if b.hf_min > b.hf_max {
                v.push(issue(
                    &format!("lending.borrowers[{i}].hf_max"),
                    &format!("≥ hf_min ({})", b.hf_min),
                    &b.hf_max.to_string(),
                    "the range is [hf_min, hf_max]",
                ));
            }
            if b.collateral == Asset::Fusd && c.cdp.is_none() {
                v.push(issue(
                    &format!("lending.borrowers[{i}].collateral"),
                    "FUSD only with a [cdp] that issues it",
                    "FUSD",
                    "add a [cdp] section or use ETH",
                ));
            }
        }
        for (k, s) in l.debt_oracle.iter().enumerate() {
            if s.start > s.end {
                v.push(issue(
                    &format!("lending.debt_oracle[{k}].end"),
                    &format!("a block ≥ start ({})", s.start),
                    &s.end.to_string(),
                    "swap start and end",
                ));
            }
        }
        if l.reserve_fund.fusd > 0.0 && c.cdp.is_none() {
            v.push(issue(
                "lending.reserve_fund.fusd",
                "0 without a [cdp]",
                &l.reserve_fund.fusd.to_string(),
                "add a [cdp] section or hold USDC",
            ));
        }
    }
    if let Some(vault) = &c.vault {
        if vault.lending_share > 0.0 && c.lending.is_none() {
            v.push(issue(
                "vault.lending_share",
                "0 without a [lending] market",
                &vault.lending_share.to_string(),
                "add a [lending] section or set it to 0",
            ));
        }
    }
    if let Some(p) = &c.perp {
        if p.reserve_in_lending > 0.0 && c.lending.is_none() {
            v.push(issue(
                "perp.reserve_in_lending",
                "0 without a [lending] market",
                &p.reserve_in_lending.to_string(),
                "add a [lending] section or hold USDC",
            ));
        }
        if p.reserve_fusd > 0.0 && c.cdp.is_none() {
            v.push(issue(
                "perp.reserve_fusd",
                "0 without a [cdp]",
                &p.reserve_fusd.to_string(),
                "add a [cdp] section or hold USDC",
            ));
        }
    }
    for (i, b) in c.breaker.iter().enumerate() {
        let missing = match b.action {
            BreakerAction::LendingFixFusdPrice
            | BreakerAction::LendingFreezeFusd
            | BreakerAction::LendingPauseWithdrawals => c.lending.is_none().then_some("[lending]"),
            BreakerAction::CdpStopKicks => c.cdp.is_none().then_some("[cdp]"),
            BreakerAction::VaultStopWriting => c.vault.is_none().then_some("[vault]"),
            BreakerAction::PerpStopRefills => c.perp.is_none().then_some("[perp]"),
        };
        if let Some(m) = missing {
            v.push(issue(
                &format!("breaker[{i}].action"),
                &format!("an action on a protocol in the system (needs {m})"),
                &format!("{:?}", b.action),
                "add the protocol or remove the breaker",
            ));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cross_field_error_is_reported_with_its_line() {
        let text = include_str!("../../../scenarios/systems/stablecoin-contagion.toml")
            .replace("ratio_min = 1.55", "ratio_min = 1.2")
            .replace("hf_max = 1.15", "hf_max = 1.005");
        let err = parse_system(&text, Path::new("s.toml")).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("cdp.ratio_min"), "{shown}");
        assert!(shown.contains("hf_max"), "{shown}");
        assert!(err.errors.iter().all(|e| e.line > 0), "{shown}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let text = include_str!("../../../scenarios/systems/stablecoin-contagion.toml")
            .replace("[cdp]\n", "[cdp]\nvualts = 3\n");
        let shown = parse_system(&text, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(shown.contains("vualts"), "{shown}");
    }
}
