//! Parameter sweeps: grid or random search over scenario keys, each setting run as a
//! Monte Carlo on the same path seeds (common random numbers, so differences between
//! settings are not noise between paths), the frontier of capital efficiency against
//! risk, and a recommendation: the most capital-efficient setting that meets a stated
//! risk budget — the shape of Gauntlet's published parameter methodology (maximize
//! capital efficiency subject to a tail-risk constraint such as value at risk).

use crate::path::{run_path, PathResult};
use crate::stats::summarize;
use faultline_scenario::{parse, ValidationReport};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;
use toml_edit::{DocumentMut, Item, Value};

/// Values one scenario key takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamRange {
    /// Dotted key, e.g. `market[0].margin.tiers[0].max_leverage`.
    pub key: String,
    /// Grid values (for `key=a:b:step` or `key=a,b,c`).
    pub values: Vec<f64>,
    /// Bounds for random search (for `key=a..b`).
    pub bounds: Option<(f64, f64)>,
}

/// Errors of a sweep.
#[derive(Debug, Error)]
pub enum SweepError {
    /// A `--param` or `--recommend` argument is malformed.
    #[error("{0}")]
    Spec(String),
    /// A setting does not make a valid scenario.
    #[error("setting {setting}: {report}")]
    Invalid {
        /// The setting.
        setting: String,
        /// What is wrong.
        report: Box<ValidationReport>,
    },
    /// The key is not in the scenario.
    #[error("{0} is not a key of the file: write it as in the file (protocol[0].market[0].liquidation.fee), naming elements of arrays of tables by their name, symbol or asset if you like (protocol.lender.reserve.WETH.ltv)")]
    NoSuchKey(String),
    /// The thread pool could not start.
    #[error("thread pool: {0}")]
    Pool(String),
}

/// Parse `key=a:b:step` (inclusive grid), `key=a,b,c` (list) or `key=a..b` (random search).
pub fn parse_param(spec: &str) -> Result<ParamRange, SweepError> {
    let bad = |why: &str| {
        SweepError::Spec(format!(
            "--param `{spec}`: {why}; write key=a:b:step, key=a,b,c or key=a..b"
        ))
    };
    let (key, range) = spec.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(&format!("`{s}` is not a number")))
    };
    let key = key.trim().to_string();
    if let Some((a, b)) = range.split_once("..") {
        let (a, b) = (num(a)?, num(b)?);
        if a > b {
            return Err(bad("the lower bound is above the upper"));
        }
        return Ok(ParamRange {
            key,
            values: Vec::new(),
            bounds: Some((a, b)),
        });
    }
    let parts: Vec<&str> = range.split(':').collect();
    let values = match parts.as_slice() {
        [a, b, step] => {
            let (a, b, step) = (num(a)?, num(b)?, num(step)?);
            if step <= 0.0 || a > b {
                return Err(bad("the step must be positive and a ≤ b"));
            }
            let n = ((b - a) / step + 1e-9).floor();
            if n > 10_000.0 {
                return Err(bad("more than 10,000 grid values"));
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (0..=n as u64)
                .map(|k| a + step * f64::from(u32::try_from(k).unwrap_or(u32::MAX)))
                .collect()
        }
        [list] => list.split(',').map(num).collect::<Result<Vec<f64>, _>>()?,
        _ => return Err(bad("expected one or three `:`-separated parts")),
    };
    Ok(ParamRange {
        key,
        values,
        bounds: None,
    })
}

/// A risk budget: `metric < limit` (or `<=`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    /// Metric name (see [`SweepPoint::metric`]).
    pub metric: String,
    /// Limit.
    pub limit: f64,
    /// `<=` rather than `<`.
    pub inclusive: bool,
}

impl Budget {
    /// Parse `metric<limit` or `metric<=limit`, the metric one of `known`.
    pub fn parse(spec: &str, known: &[String]) -> Result<Self, SweepError> {
        let bad = || {
            SweepError::Spec(format!(
                "--recommend `{spec}`: write metric<limit, e.g. {}<0.1 (metrics: {})",
                known.first().map_or("p99_bad_debt_pct_oi", String::as_str),
                known.join(", ")
            ))
        };
        let (metric, limit, inclusive) = if let Some((m, l)) = spec.split_once("<=") {
            (m, l, true)
        } else if let Some((m, l)) = spec.split_once('<') {
            (m, l, false)
        } else {
            return Err(bad());
        };
        let metric = metric.trim().to_string();
        if !known.contains(&metric) {
            return Err(bad());
        }
        Ok(Self {
            metric,
            limit: limit.trim().parse().map_err(|_| bad())?,
            inclusive,
        })
    }

    fn met(&self, v: f64) -> bool {
        if self.inclusive {
            v <= self.limit
        } else {
            v < self.limit
        }
    }
}

/// Metrics a budget or the frontier can use.
pub const METRICS: [&str; 8] = [
    "mean_bad_debt",
    "p99_bad_debt",
    "var99_bad_debt",
    "cvar99_bad_debt",
    "p99_bad_debt_pct_oi",
    "p_fund_depletion",
    "p_adl",
    "p_insolvency",
];

/// How to sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// Keys and their values.
    pub params: Vec<ParamRange>,
    /// Random search: this many settings drawn in the bounds (grid otherwise).
    pub random: Option<usize>,
    /// Paths per setting.
    pub paths: u64,
    /// Run seed (the same path seeds for every setting).
    pub seed: u64,
    /// Worker threads.
    pub threads: Option<usize>,
    /// The key whose value measures capital efficiency, and whether more is better.
    pub efficiency: (String, bool),
    /// The risk metric of the frontier.
    pub risk_metric: String,
    /// The budget a recommendation must meet.
    pub budget: Option<Budget>,
}

/// One setting and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Values of the swept keys, in `params` order.
    pub values: Vec<f64>,
    /// Risk metrics by name: a venue's [`METRICS`] (bad debt in dollars, its share of
    /// open interest in percent, probabilities), a world's `<column>.mean`,
    /// `<column>.p99` and `<column>.p_loss` over its loss columns (dollars; the last the
    /// probability of a loss of at least $1).
    #[serde(flatten)]
    pub metrics: BTreeMap<String, f64>,
    /// On the efficiency–risk frontier.
    pub on_frontier: bool,
    /// Meets the budget.
    pub meets_budget: Option<bool>,
}

impl SweepPoint {
    /// A metric by name (NaN when the point has no such metric).
    pub fn metric(&self, name: &str) -> f64 {
        self.metrics.get(name).copied().unwrap_or(f64::NAN)
    }
}

/// A finished sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// Swept keys.
    pub keys: Vec<String>,
    /// Every setting, in sweep order.
    pub points: Vec<SweepPoint>,
    /// Index of the recommended setting, if a budget was given and met.
    pub recommended: Option<usize>,
}

/// Set `key` to `value`. A key is written as in the file (`market[0].liquidation.fee`);
/// an element of an array of tables may also be named by its `name`, `symbol` or `asset`
/// (`protocol.lender.reserve.WETH.ltv`).
fn set_key(doc: &mut DocumentMut, key: &str, value: f64) -> Result<(), SweepError> {
    let missing = || SweepError::NoSuchKey(key.to_string());
    let indexed = indexed(doc, key).ok_or_else(missing)?;
    let mut item: &mut Item = doc.as_item_mut();
    for part in indexed.split('.') {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            item = item.get_mut(name).ok_or_else(missing)?;
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.trim_end_matches(']').parse().map_err(|_| missing())?;
            item = item.get_mut(i).ok_or_else(missing)?;
        }
    }
    let old = item.as_value().ok_or_else(missing)?;
    #[allow(clippy::cast_possible_truncation)] // integer keys take whole values
    let new: Value = if old.is_integer() {
        Value::from(value.round() as i64)
    } else {
        Value::from(value)
    };
    *item = Item::Value(new);
    Ok(())
}

/// `key` with every element of an array of tables that it names by name written as its
/// index: `protocol.lender.reserve.WETH.ltv` → `protocol[0].reserve[1].ltv`.
fn indexed(doc: &DocumentMut, key: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut item: &Item = doc.as_item();
    for part in key.split('.') {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        let by_name = match item {
            Item::ArrayOfTables(a) if !name.is_empty() && rest.is_empty() => {
                a.iter().position(|t| named(t, name))
            }
            _ => None,
        };
        if let Some(pos) = by_name {
            item = item.get(pos)?;
            out.last_mut()?.push_str(&format!("[{pos}]"));
            continue;
        }
        if !name.is_empty() {
            item = item.get(name)?;
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            item = item.get(idx.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
        out.push(part.to_string());
    }
    Some(out.join("."))
}

/// True when a table is called `name` by its `name`, `symbol` or `asset`.
fn named(t: &toml_edit::Table, name: &str) -> bool {
    ["name", "symbol", "asset"]
        .iter()
        .any(|k| t.get(k).and_then(Item::as_str) == Some(name))
}

/// The settings to run: the grid (every combination, first key slowest) or `random`
/// draws inside the bounds from a stream seeded by the run seed.
pub(crate) fn settings(cfg: &SweepConfig) -> Result<Vec<Vec<f64>>, SweepError> {
    if let Some(k) = cfg.random {
        let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(cfg.seed ^ 0x5357_4545_5000_0000);
        return Ok((0..k)
            .map(|_| {
                cfg.params
                    .iter()
                    .map(|p| match p.bounds {
                        Some((a, b)) => a + (b - a) * rng.random::<f64>(),
                        None => {
                            p.values[rng
                                .random_range(0..p.values.len().max(1))
                                .min(p.values.len().saturating_sub(1))]
                        }
                    })
                    .collect()
            })
            .collect());
    }
    if let Some(p) = cfg.params.iter().find(|p| p.values.is_empty()) {
        return Err(SweepError::Spec(format!(
            "`{}` gives bounds (a..b); use --random N to sample them, or a grid a:b:step",
            p.key
        )));
    }
    let mut out: Vec<Vec<f64>> = vec![Vec::new()];
    for p in &cfg.params {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                p.values
                    .iter()
                    .map(move |v| [prefix.clone(), vec![*v]].concat())
            })
            .collect();
    }
    if out.len() > 100_000 {
        return Err(SweepError::Spec(format!(
            "{} settings; narrow the grid or use --random",
            out.len()
        )));
    }
    Ok(out)
}

/// The scenario text with `values` set on the swept keys.
pub fn apply(text: &str, keys: &[String], values: &[f64]) -> Result<String, SweepError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| SweepError::Spec(e.to_string()))?;
    for (k, v) in keys.iter().zip(values) {
        set_key(&mut doc, k, *v)?;
    }
    Ok(doc.to_string())
}

/// Run the sweep over the scenario `text` (read from `path`, data relative to `base`).
/// Every setting is validated before any is run.
pub fn run_sweep(
    text: &str,
    path: &Path,
    base: &Path,
    cfg: &SweepConfig,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SweepResult, SweepError> {
    let keys: Vec<String> = cfg.params.iter().map(|p| p.key.clone()).collect();
    let settings = settings(cfg)?;
    let mut scenarios = Vec::with_capacity(settings.len());
    for values in &settings {
        let t = apply(text, &keys, values)?;
        let s = parse(&t, path, base).map_err(|report| SweepError::Invalid {
            setting: describe(&keys, values),
            report: Box::new(report),
        })?;
        scenarios.push(s);
    }
    let pool = pool(cfg)?;
    let mut points = Vec::with_capacity(settings.len());
    for (n, (values, s)) in settings.iter().zip(&scenarios).enumerate() {
        let rows: Vec<PathResult> = pool.install(|| {
            (0..cfg.paths)
                .into_par_iter()
                .map(|i| run_path(s, cfg.seed, i))
                .collect()
        });
        points.push(point(values.clone(), &rows));
        progress(n + 1, settings.len());
    }
    Ok(finish(keys, points, cfg))
}

/// The sweep's thread pool.
pub(crate) fn pool(cfg: &SweepConfig) -> Result<rayon::ThreadPool, SweepError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = cfg.threads {
        builder = builder.num_threads(t.max(1));
    }
    builder.build().map_err(|e| SweepError::Pool(e.to_string()))
}

/// Mark the frontier and recommend within the budget.
pub(crate) fn finish(
    keys: Vec<String>,
    mut points: Vec<SweepPoint>,
    cfg: &SweepConfig,
) -> SweepResult {
    mark_frontier(&mut points, cfg);
    let recommended = cfg
        .budget
        .as_ref()
        .and_then(|b| recommend(&mut points, cfg, b));
    SweepResult {
        keys,
        points,
        recommended,
    }
}

pub(crate) fn describe(keys: &[String], values: &[f64]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn point(values: Vec<f64>, rows: &[PathResult]) -> SweepPoint {
    let d = summarize(rows);
    let total = &d.metrics["total_bad_debt"];
    let pct: Vec<f64> = {
        let mut r: Vec<&PathResult> = rows.iter().collect();
        r.sort_by_key(|p| p.path);
        r.iter()
            .map(|p| {
                if p.open_interest > 0.0 {
                    100.0 * (p.bad_debt + p.latent_bad_debt) / p.open_interest
                } else {
                    0.0
                }
            })
            .collect()
    };
    let pct_summary = crate::stats::metric(&pct);
    let metrics = [
        total.mean,
        total.quantiles["p99"],
        d.var["99"],
        d.cvar["99"],
        pct_summary.quantiles["p99"],
        d.probabilities["fund_depletion"].p,
        d.probabilities["adl"].p,
        d.probabilities["insolvency"].p,
    ];
    SweepPoint {
        values,
        metrics: METRICS
            .iter()
            .map(|m| (*m).to_string())
            .zip(metrics)
            .collect(),
        on_frontier: false,
        meets_budget: None,
    }
}

/// The names of [`METRICS`], owned.
pub fn venue_metrics() -> Vec<String> {
    METRICS.iter().map(|m| (*m).to_string()).collect()
}

fn efficiency(p: &SweepPoint, cfg: &SweepConfig, keys_index: usize) -> f64 {
    let v = p.values.get(keys_index).copied().unwrap_or(f64::NAN);
    if cfg.efficiency.1 {
        v
    } else {
        -v
    }
}

/// Mark the points no other point beats on both efficiency (higher) and risk (lower).
pub(crate) fn mark_frontier(points: &mut [SweepPoint], cfg: &SweepConfig) {
    let k = cfg
        .params
        .iter()
        .position(|p| p.key == cfg.efficiency.0)
        .unwrap_or(0);
    let stats: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (efficiency(p, cfg, k), p.metric(&cfg.risk_metric)))
        .collect();
    for (i, p) in points.iter_mut().enumerate() {
        let (e, r) = stats[i];
        p.on_frontier = !stats
            .iter()
            .enumerate()
            .any(|(j, &(e2, r2))| j != i && e2 >= e && r2 <= r && (e2 > e || r2 < r));
    }
}

/// Mark which points meet `budget` and return the most capital-efficient of them (ties:
/// lower risk, then sweep order).
pub fn recommend(points: &mut [SweepPoint], cfg: &SweepConfig, budget: &Budget) -> Option<usize> {
    let k = cfg
        .params
        .iter()
        .position(|p| p.key == cfg.efficiency.0)
        .unwrap_or(0);
    for p in points.iter_mut() {
        p.meets_budget = Some(budget.met(p.metric(&budget.metric)));
    }
    points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.meets_budget == Some(true))
        .max_by(|(i, a), (j, b)| {
            efficiency(a, cfg, k)
                .total_cmp(&efficiency(b, cfg, k))
                .then(
                    b.metric(&budget.metric)
                        .total_cmp(&a.metric(&budget.metric)),
                )
                .then(j.cmp(i))
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_grids_lists_and_bounds() {
        let g = parse_param("market[0].margin.tiers[0].max_leverage=5:20:5").unwrap();
        assert_eq!(g.values, vec![5.0, 10.0, 15.0, 20.0]);
        assert_eq!(parse_param("a=1,2.5").unwrap().values, vec![1.0, 2.5]);
        assert_eq!(parse_param("a=0.1..0.2").unwrap().bounds, Some((0.1, 0.2)));
        assert!(
            parse_param("a").is_err()
                && parse_param("a=5:1:1").is_err()
                && parse_param("a=x").is_err()
        );
    }

    #[test]
    fn budgets_parse_and_apply() {
        let b = Budget::parse("p99_bad_debt_pct_oi<0.1", &venue_metrics()).unwrap();
        assert!(b.met(0.05) && !b.met(0.1));
        assert!(Budget::parse("p99_bad_debt_pct_oi<=0.1", &venue_metrics())
            .unwrap()
            .met(0.1));
        assert!(Budget::parse("nonsense<1", &venue_metrics()).is_err());
    }

    #[test]
    fn keys_are_set_in_tables_arrays_and_inline_tables() {
        let text = "a = 1
[[m]]
x = 2.0
tiers = [{ lev = 5.0 }, { lev = 3.0 }]
";
        let out = apply(
            text,
            &["a".into(), "m[0].x".into(), "m[0].tiers[1].lev".into()],
            &[7.0, 2.5, 9.0],
        )
        .unwrap();
        assert!(
            out.contains("a = 7") && out.contains("x = 2.5") && out.contains("lev = 9.0"),
            "{out}"
        );
        assert!(matches!(
            apply(text, &["m[0].nope".into()], &[1.0]),
            Err(SweepError::NoSuchKey(_))
        ));
    }

    #[test]
    fn elements_of_arrays_of_tables_may_be_named() {
        let text = r#"[[protocol]]
name = "perp"
[[protocol]]
name = "lender"
[[protocol.reserve]]
asset = "USDC"
ltv = 0.0
[[protocol.reserve]]
asset = "WETH"
ltv = 0.8
"#;
        let out = apply(text, &["protocol.lender.reserve.WETH.ltv".into()], &[0.7]).unwrap();
        assert_eq!(out, text.replace("ltv = 0.8", "ltv = 0.7"));
        let same = apply(text, &["protocol[1].reserve[1].ltv".into()], &[0.7]).unwrap();
        assert_eq!(out, same);
        for bad in [
            "protocol.nobody.reserve.WETH.ltv",
            "protocol.lender.reserve.DAI.ltv",
        ] {
            assert!(
                matches!(
                    apply(text, &[bad.into()], &[1.0]),
                    Err(SweepError::NoSuchKey(_))
                ),
                "{bad}"
            );
        }
    }

    fn pt(v: f64, risk: f64) -> SweepPoint {
        SweepPoint {
            values: vec![v],
            metrics: [("p99_bad_debt", risk), ("p99_bad_debt_pct_oi", risk)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            on_frontier: false,
            meets_budget: None,
        }
    }

    #[test]
    fn the_recommendation_is_the_most_efficient_setting_within_budget() {
        let cfg = SweepConfig {
            params: vec![ParamRange {
                key: "lev".into(),
                values: vec![],
                bounds: None,
            }],
            random: None,
            paths: 1,
            seed: 0,
            threads: None,
            efficiency: ("lev".into(), true),
            risk_metric: "p99_bad_debt".into(),
            budget: None,
        };
        let mut pts = vec![
            pt(5.0, 0.0),
            pt(10.0, 0.05),
            pt(15.0, 0.2),
            pt(20.0, 0.9),
            pt(12.0, 0.3),
        ];
        mark_frontier(&mut pts, &cfg);
        let frontier: Vec<f64> = pts
            .iter()
            .filter(|p| p.on_frontier)
            .map(|p| p.values[0])
            .collect();
        assert_eq!(
            frontier,
            vec![5.0, 10.0, 15.0, 20.0],
            "12× is dominated by 15×"
        );
        let b = Budget::parse("p99_bad_debt_pct_oi<0.1", &venue_metrics()).unwrap();
        assert_eq!(recommend(&mut pts, &cfg, &b), Some(1));
        let none = Budget::parse("p99_bad_debt_pct_oi<0.0", &venue_metrics()).unwrap();
        assert_eq!(recommend(&mut pts, &cfg, &none), None);
    }
}
