//! Parse and validate a scenario: syntax, then the schema walk (every unknown key,
//! type and range error at once), then cross-field rules and referenced files.

use crate::candles::{load_candles, CandleSeries};
use crate::check::{Checker, Issue};
use crate::error::{line_col, ValidationError, ValidationReport};
use crate::locate::locate;
use crate::schema::{Distribution, ReferenceSpec, ScenarioFile};
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
    /// Candle series by market index, for markets that replay candles.
    pub candles: Vec<Option<CandleSeries>>,
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

/// Validate scenario text. `path` names it in messages; `base_dir` resolves data files.
pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Scenario, ValidationReport> {
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
        serde_json::to_value(schemars::schema_for!(ScenarioFile)).unwrap_or_default();
    let mut checker = Checker::new(&schema);
    checker.check_document(doc.as_table());
    if !checker.issues.is_empty() {
        return Err(report(checker.issues));
    }
    let file: ScenarioFile = toml_edit::de::from_str(text).map_err(|e| {
        report(vec![Issue {
            path: String::new(),
            span: e.span(),
            expected: "a valid scenario".into(),
            found: e.message().to_string(),
            hint: String::new(),
        }])
    })?;
    let mut issues = semantic_issues(&file);
    let mut candles = Vec::with_capacity(file.market.len());
    for (i, m) in file.market.iter().enumerate() {
        candles.push(match &m.reference {
            ReferenceSpec::Candles {
                file: csv,
                time_column,
                price_column,
                has_header,
                ..
            } => match load_candles(&base_dir.join(csv), time_column, price_column, *has_header) {
                Ok(series) => Some(series),
                Err(e) => {
                    issues.push(issue(
                        &format!("market[{i}].reference.file"),
                        "a readable candle CSV",
                        &e,
                        "the path is relative to the scenario file",
                    ));
                    None
                }
            },
            ReferenceSpec::Gbm { .. } => None,
        });
    }
    if !issues.is_empty() {
        for is in &mut issues {
            is.span = locate(doc.as_table(), &is.path);
        }
        return Err(report(issues));
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
        candles,
    })
}

fn to_errors(text: &str, issues: Vec<Issue>) -> Vec<ValidationError> {
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

fn issue(path: &str, expected: &str, found: &str, hint: &str) -> Issue {
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
        if let Err(msg) = depth_profile(&m.book.depth) {
            out.push(issue(&format!("market[{i}].book.depth"), "offsets rising strictly below 1 and cumulative depth not falling, positive at the deepest point", &msg, "list points from the nearest offset outwards"));
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
