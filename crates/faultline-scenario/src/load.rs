//! Parse and validate a scenario: syntax, then the schema walk (every unknown key,
//! type and range error at once), then cross-field rules and referenced files.

use crate::check::{Checker, Issue};
use crate::error::{line_col, ValidationError, ValidationReport};
use crate::locate::locate;
use crate::schema::{CandleFormatSpec, Distribution, ReferenceSpec, ScenarioFile};
use faultline_data::{
    filter_bad_prints, load_candles, parse_utc, resample, BadPrintFilter, CandleFormat,
};
use faultline_math::margin::{MarginError, MarginSchedule};
use faultline_state::{DepthPoint, DepthProfile};
use faultline_units::{Ppm, Quote};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A validated scenario, with the data files it references already loaded.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The parsed file.
    pub file: ScenarioFile,
    /// Where it came from (for messages and the manifest).
    pub path: PathBuf,
    /// SHA-256 of the canonical form of the parsed scenario (hex).
    pub config_hash: String,
    /// Replayed reference prices by market index (`blocks + 1` per replaying market),
    /// already cleaned of bad prints and resampled to the block time.
    pub replays: Vec<Option<Vec<f64>>>,
    /// Depth profiles resolved from book-depth snapshots, by field path
    /// (`market[0].book`, `market[0].venue[1]`).
    pub depths: std::collections::BTreeMap<String, Vec<crate::schema::DepthPointSpec>>,
    /// The replayed gas price per block (gwei), when the chain replays a series.
    pub gas: Option<Vec<f64>>,
    /// Implied volatility per block, by market index, for volatility-scaled margin.
    pub ivs: std::collections::BTreeMap<usize, Vec<f64>>,
}

/// Read and validate a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ValidationReport> {
    let text = std::fs::read_to_string(path).map_err(|e| ValidationReport {
        file: path.to_path_buf(),
        errors: vec![ValidationError {
            line: 0,
            column: 0,
            field: String::new(),
            expected: "a readable scenario file".into(),
            found: e.to_string(),
            hint: "check the path; `faultline run` without a file runs the bundled default".into(),
        }],
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, path, base)
}

/// Validate scenario text (a version-1 scenario or a one-venue world). `path` names it
/// in messages; `base_dir` resolves data files.
pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Scenario, ValidationReport> {
    if declares_version_2(text) {
        return crate::one_venue::parse(text, path, base_dir);
    }
    let (file, doc): (ScenarioFile, _) = parse_checked(text, path, "a valid scenario")?;
    check(file, path, base_dir).map_err(|mut issues| {
        for is in &mut issues {
            is.span = locate(doc.as_table(), &is.path);
        }
        ValidationReport {
            file: path.to_path_buf(),
            errors: to_errors(text, issues),
        }
    })
}

/// True when `text` declares `schema_version = 2`.
fn declares_version_2(text: &str) -> bool {
    toml_edit::Document::parse(text.to_string()).is_ok_and(|d| {
        d.get("schema_version")
            .and_then(toml_edit::Item::as_integer)
            == Some(2)
    })
}

/// The rules across fields and the referenced files of a parsed scenario; on failure
/// every problem, by its version-1 field path (not yet located in any text).
pub(crate) fn check(
    file: ScenarioFile,
    path: &Path,
    base_dir: &Path,
) -> Result<Scenario, Vec<Issue>> {
    let mut issues = semantic_issues(&file);
    issues.extend(crate::wiring::semantic(&file));
    let resolved = crate::wiring::resolve_files(&file, base_dir, &mut issues);
    let mut replays = Vec::with_capacity(file.market.len());
    for (i, m) in file.market.iter().enumerate() {
        replays.push(match &m.reference {
            ReferenceSpec::Candles { .. } => match load_replay(&file, &m.reference, base_dir) {
                Ok(prices) => Some(prices),
                Err((field, msg, hint)) => {
                    issues.push(issue(
                        &format!("market[{i}].reference.{field}"),
                        "a usable replay",
                        &msg,
                        hint,
                    ));
                    None
                }
            },
            ReferenceSpec::Gbm { .. } => None,
        });
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let canonical = serde_json::to_vec(&file).unwrap_or_default();
    let config_hash = Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Scenario {
        file,
        path: path.to_path_buf(),
        config_hash,
        replays,
        depths: resolved.depths,
        gas: resolved.gas,
        ivs: resolved.ivs,
    })
}

/// Load, clean and resample one replay; on failure the field, the problem and a hint.
fn load_replay(
    f: &ScenarioFile,
    spec: &ReferenceSpec,
    base_dir: &Path,
) -> Result<Vec<f64>, (&'static str, String, &'static str)> {
    let ReferenceSpec::Candles {
        file,
        format,
        time_column,
        price_column,
        has_header,
        interval_ms,
        start,
        filter_bad_prints: filter,
        bad_print_window,
        bad_print_max_deviation,
        ..
    } = spec
    else {
        return Err(("model", "not a replay".into(), ""));
    };
    let format = match format {
        CandleFormatSpec::Columns if !has_header => {
            return Err((
                "has_header",
                "a CSV without a header".into(),
                "add a header row naming the time and price columns",
            ))
        }
        CandleFormatSpec::Columns => CandleFormat::Columns {
            time: time_column.clone(),
            price: price_column.clone(),
        },
        CandleFormatSpec::BinanceKlines => CandleFormat::BinanceKlines,
        CandleFormatSpec::MinuteOhlcv => CandleFormat::MinuteOhlcv,
        CandleFormatSpec::TickTrades => CandleFormat::TickTrades {
            interval_ms: i64::try_from(*interval_ms).unwrap_or(i64::MAX),
        },
        CandleFormatSpec::CoinapiJson => CandleFormat::CoinapiJson,
    };
    let mut bars = load_candles(&base_dir.join(file), &format).map_err(|e| {
        (
            "file",
            e.to_string(),
            "the path is relative to the scenario file; check `format`",
        )
    })?;
    if *filter {
        filter_bad_prints(
            &mut bars,
            BadPrintFilter {
                window: *bad_print_window as usize,
                max_deviation: *bad_print_max_deviation,
            },
        );
    }
    let (first, last) = (bars[0].open_time_ms, bars[bars.len() - 1].open_time_ms);
    let start_ms = match start {
        None => first,
        Some(s) => parse_utc(s).ok_or((
            "start",
            format!("\"{s}\" is not a UTC time"),
            "write it as YYYY-MM-DDTHH:MM:SSZ",
        ))?,
    };
    if start_ms < first || start_ms > last {
        return Err((
            "start",
            format!("{start_ms} ms is outside the file's bars ({first}..={last} ms)"),
            "choose a start inside the data",
        ));
    }
    Ok(resample(
        &bars,
        start_ms,
        i64::try_from(f.block_time_ms).unwrap_or(i64::MAX),
        f.blocks,
    ))
}

pub(crate) fn to_errors(text: &str, issues: Vec<Issue>) -> Vec<ValidationError> {
    let mut errors: Vec<ValidationError> = issues
        .into_iter()
        .map(|i| {
            let (line, column) = i.span.map_or((1, 1), |s| line_col(text, s.start));
            ValidationError {
                line,
                column,
                field: i.path,
                expected: i.expected,
                found: i.found,
                hint: i.hint,
            }
        })
        .collect();
    errors.sort_by(|a, b| (a.line, a.column, &a.field).cmp(&(b.line, b.column, &b.field)));
    errors
}

/// Parse TOML text into `T`, first checking it against `T`'s JSON Schema so that every
/// problem is reported with its line (not only serde's first). Also returns the parsed
/// document, to locate later (cross-field) problems.
pub(crate) fn parse_checked<T: serde::de::DeserializeOwned + schemars::JsonSchema>(
    text: &str,
    path: &Path,
    what: &str,
) -> Result<(T, toml_edit::Document<String>), ValidationReport> {
    let report = |issues: Vec<Issue>| ValidationReport {
        file: path.to_path_buf(),
        errors: to_errors(text, issues),
    };
    let doc = toml_edit::Document::parse(text.to_string()).map_err(|e| {
        report(vec![Issue {
            path: String::new(),
            span: e.span(),
            expected: "valid TOML".into(),
            found: e.message().trim().to_string(),
            hint: "see https://toml.io for the syntax".into(),
        }])
    })?;
    let schema: serde_json::Value =
        serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default();
    let mut checker = Checker::new(&schema);
    checker.check_document(doc.as_table());
    if !checker.issues.is_empty() {
        return Err(report(checker.issues));
    }
    let value = toml_edit::de::from_str(text).map_err(|e| {
        report(vec![Issue {
            path: String::new(),
            span: e.span(),
            expected: what.into(),
            found: e.message().to_string(),
            hint: String::new(),
        }])
    })?;
    Ok((value, doc))
}

/// A file's text, or a report naming it.
pub(crate) fn read_input(path: &Path) -> Result<String, ValidationReport> {
    std::fs::read_to_string(path).map_err(|e| ValidationReport {
        file: path.to_path_buf(),
        errors: to_errors(
            "",
            vec![issue(
                "",
                "a readable file",
                &e.to_string(),
                "check the path",
            )],
        ),
    })
}

pub(crate) fn issue(path: &str, expected: &str, found: &str, hint: &str) -> Issue {
    Issue {
        path: path.into(),
        span: None,
        expected: expected.into(),
        found: found.into(),
        hint: hint.into(),
    }
}

/// Rules that involve more than one field.
fn semantic_issues(f: &ScenarioFile) -> Vec<Issue> {
    let mut out = Vec::new();
    if f.account.is_empty() && f.population.is_empty() {
        out.push(issue(
            "population",
            "at least one [[account]] or [[population]]",
            "no traders",
            "a venue with no positions has nothing to liquidate",
        ));
    }
    for (i, m) in f.market.iter().enumerate() {
        if f.market[..i].iter().any(|o| o.symbol == m.symbol) {
            out.push(issue(
                &format!("market[{i}].symbol"),
                "a symbol used by no other market",
                &format!("\"{}\" again", m.symbol),
                "rename one of the markets",
            ));
        }
        if let Err((index, msg)) = margin_schedule(&m.margin.tiers) {
            let path = index.map_or(format!("market[{i}].margin.tiers"), |t| {
                format!("market[{i}].margin.tiers[{t}]")
            });
            out.push(issue(&path, "brackets starting at 0, floors rising, leverage not rising, maintenance below initial and not falling", &msg, "order tiers by notional_floor, first at 0"));
        }
        if let ReferenceSpec::Gbm { garch: Some(g), .. } = &m.reference {
            if g.alpha + g.beta >= 1.0 {
                out.push(issue(
                    &format!("market[{i}].reference.garch"),
                    "alpha + beta below 1 (a stationary variance)",
                    &format!("{} + {}", g.alpha, g.beta),
                    "lower alpha or beta",
                ));
            }
        }
        if let ReferenceSpec::Gbm { pins, .. } = &m.reference {
            for (k, p) in pins.iter().enumerate() {
                if p.block > f.blocks {
                    out.push(issue(
                        &format!("market[{i}].reference.pins[{k}].block"),
                        &format!("a block within the run (1..={})", f.blocks),
                        &p.block.to_string(),
                        "raise `blocks` or move the pin earlier",
                    ));
                }
            }
        }
        let gaps = match &m.reference {
            ReferenceSpec::Gbm { gaps, .. } | ReferenceSpec::Candles { gaps, .. } => gaps,
        };
        for (g, gap) in gaps.iter().enumerate() {
            if gap.block > f.blocks {
                out.push(issue(
                    &format!("market[{i}].reference.gaps[{g}].block"),
                    &format!("a block within the run (1..={})", f.blocks),
                    &gap.block.to_string(),
                    "raise `blocks` or move the gap earlier",
                ));
            }
        }
    }
    let symbols: Vec<&str> = f.market.iter().map(|m| m.symbol.as_str()).collect();
    if let Some(c) = &f.correlation {
        check_correlation(&mut out, f, c, &symbols);
    }
    let market_of = |sym: &str| f.market.iter().find(|m| m.symbol == sym);
    for (i, a) in f.account.iter().enumerate() {
        match market_of(&a.market) {
            None => out.push(issue(
                &format!("account[{i}].market"),
                &format!("one of {}", symbols.join(", ")),
                &format!("\"{}\"", a.market),
                "name a market defined in [[market]]",
            )),
            Some(m) => {
                let max = m.margin.tiers.first().map_or(1.0, |t| t.max_leverage);
                if a.leverage > max {
                    out.push(issue(
                        &format!("account[{i}].leverage"),
                        &format!("at most the market's maximum leverage {max}"),
                        &a.leverage.to_string(),
                        "lower the leverage or raise the first tier's max_leverage",
                    ));
                }
            }
        }
    }
    for (i, a) in f.account.iter().enumerate() {
        if !a.more_positions.is_empty() && a.margin != crate::schema::MarginModeSpec::Cross {
            out.push(issue(
                &format!("account[{i}].margin"),
                "\"cross\" for an account with more_positions",
                "\"isolated\"",
                "several positions share margin only in cross mode",
            ));
        }
        for (k, x) in a.more_positions.iter().enumerate() {
            let seen =
                std::iter::once(&a.market).chain(a.more_positions[..k].iter().map(|p| &p.market));
            if market_of(&x.market).is_none() || seen.clone().any(|m| m == &x.market) {
                out.push(issue(
                    &format!("account[{i}].more_positions[{k}].market"),
                    &format!(
                        "a market of {} not already used by this account",
                        symbols.join(", ")
                    ),
                    &format!("\"{}\"", x.market),
                    "one position per market per account",
                ));
            }
        }
    }
    for (i, p) in f.population.iter().enumerate() {
        if market_of(&p.market).is_none() {
            out.push(issue(
                &format!("population[{i}].market"),
                &format!("one of {}", symbols.join(", ")),
                &format!("\"{}\"", p.market),
                "name a market defined in [[market]]",
            ));
        }
        check_distribution(
            &mut out,
            &format!("population[{i}].notional"),
            &p.notional,
            0.0,
            "notional must be positive: use fixed, uniform or log_normal with positive bounds",
        );
        check_distribution(
            &mut out,
            &format!("population[{i}].leverage"),
            &p.leverage,
            0.0,
            "leverage must be positive: use fixed, uniform or log_normal",
        );
        check_distribution(
            &mut out,
            &format!("population[{i}].entry_offset"),
            &p.entry_offset,
            -1.0,
            "an entry offset of -1 would be a zero price",
        );
    }
    out
}

fn check_correlation(
    out: &mut Vec<Issue>,
    f: &ScenarioFile,
    c: &crate::schema::CorrelationSpec,
    symbols: &[&str],
) {
    for (k, sym) in c.markets.iter().enumerate() {
        match f.market.iter().find(|m| &m.symbol == sym) {
            None => out.push(issue(
                &format!("correlation.markets[{k}]"),
                &format!("one of {}", symbols.join(", ")),
                &format!("\"{sym}\""),
                "name a market defined in [[market]]",
            )),
            Some(m) if !matches!(m.reference, ReferenceSpec::Gbm { .. }) => {
                out.push(issue(
                    &format!("correlation.markets[{k}]"),
                    "a market with a generated (gbm) reference",
                    &format!("\"{sym}\" replays data"),
                    "replayed paths carry their own correlation",
                ));
            }
            Some(_) => {}
        }
        if c.markets[..k].contains(sym) {
            out.push(issue(
                &format!("correlation.markets[{k}]"),
                "each market once",
                &format!("\"{sym}\" again"),
                "remove the duplicate",
            ));
        }
    }
    let n = c.markets.len();
    if c.matrix.len() != n || c.matrix.iter().any(|r| r.len() != n) {
        out.push(issue(
            "correlation.matrix",
            &format!("a {n}×{n} matrix (one row and column per listed market)"),
            &format!("{} rows", c.matrix.len()),
            "list one row per market",
        ));
        return;
    }
    let unit_diagonal = (0..n).all(|i| (c.matrix[i][i] - 1.0).abs() < 1e-12);
    let bounded = c
        .matrix
        .iter()
        .flatten()
        .all(|x| x.is_finite() && x.abs() <= 1.0);
    if !unit_diagonal || !bounded || faultline_engine::process::cholesky(&c.matrix).is_none() {
        out.push(issue("correlation.matrix", "a symmetric, positive-definite matrix with ones on the diagonal and entries in [-1, 1]", "a matrix that is not", "check symmetry; correlations that contradict each other make it indefinite"));
    }
}

/// Distributions whose draws must stay above `floor` (normal draws for strictly
/// positive quantities are refused; entry offsets may be normal and are clamped).
fn check_distribution(out: &mut Vec<Issue>, path: &str, d: &Distribution, floor: f64, hint: &str) {
    let ok = match d {
        Distribution::Fixed { value } => *value > floor && value.is_finite(),
        Distribution::Uniform { min, max } => min <= max && *min > floor,
        Distribution::Normal { .. } => floor < 0.0,
        Distribution::LogNormal { .. } => true,
    };
    if !ok {
        let found = match d {
            Distribution::Uniform { min, max } if min > max => format!("min {min} above max {max}"),
            other => format!("{other:?}"),
        };
        out.push(issue(
            path,
            &format!("a distribution whose draws stay above {floor} (and min ≤ max)"),
            &found,
            hint,
        ));
    }
}

/// Build the margin schedule a file describes; on failure, the tier index and why.
pub(crate) fn margin_schedule(
    tiers: &[crate::schema::TierSpecFile],
) -> Result<MarginSchedule, (Option<usize>, String)> {
    let mut specs = Vec::with_capacity(tiers.len());
    for (i, t) in tiers.iter().enumerate() {
        let conv = |e: faultline_units::ArithmeticError| (Some(i), e.to_string());
        specs.push(faultline_math::margin::TierSpec {
            notional_floor: Quote::from_f64(t.notional_floor).map_err(conv)?,
            max_leverage: Ppm::from_f64(t.max_leverage).map_err(conv)?,
            maintenance_rate: t
                .maintenance_rate
                .map(Ppm::from_f64)
                .transpose()
                .map_err(conv)?,
        });
    }
    MarginSchedule::new(&specs).map_err(|e| {
        let index = match &e {
            MarginError::FirstFloorNotZero(_) => Some(0),
            MarginError::FloorsNotIncreasing { index, .. }
            | MarginError::BadLeverage { index, .. }
            | MarginError::BadMaintenanceRate { index, .. } => Some(*index),
            MarginError::Empty | MarginError::Arithmetic(_) => None,
        };
        (index, e.to_string())
    })
}

/// Build the depth profile a file describes.
pub(crate) fn depth_profile(
    points: &[crate::schema::DepthPointSpec],
) -> Result<DepthProfile, String> {
    let pts = points
        .iter()
        .map(|p| {
            Ok(DepthPoint {
                offset: Ppm::from_f64(p.offset)?,
                cumulative_quote: Quote::from_f64(p.quote)?,
            })
        })
        .collect::<Result<Vec<_>, faultline_units::ArithmeticError>>()
        .map_err(|e| e.to_string())?;
    DepthProfile::new(pts)
}
