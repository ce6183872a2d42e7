//! What each kind of run directory shows.

use crate::chart::{short, Chart, Series};
use crate::{json, read, Page, ReportError};
use serde_json::Value;
use std::path::Path;

/// A CSV file as named columns of strings.
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn read(path: &Path) -> Result<Self, ReportError> {
        let text = read(path)?;
        let fmt = |e: csv::Error| ReportError::Format {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().map_err(fmt)?.iter().map(String::from).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(fmt)?.iter().map(String::from).collect());
        }
        Ok(Self { header, rows })
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// (x, y) of rows where `keep` holds.
    pub(crate) fn xy(&self, x: &str, y: &str, keep: impl Fn(&[String]) -> bool) -> Vec<(f64, f64)> {
        let (Some(xi), Some(yi)) = (self.col(x), self.col(y)) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter(|r| keep(r))
            .filter_map(|r| Some((r.get(xi)?.parse().ok()?, r.get(yi)?.parse().ok()?)))
            .collect()
    }

    /// Column `i` as text.
    pub(crate) fn values_text(&self, i: usize) -> Vec<String> {
        self.rows.iter().filter_map(|r| r.get(i).cloned()).collect()
    }

    /// True when some row satisfies `f`.
    pub(crate) fn rows_any(&self, f: impl Fn(&[String]) -> bool) -> bool {
        self.rows.iter().any(|r| f(r))
    }

    /// The column names.
    pub(crate) fn header_names(&self) -> Vec<String> {
        self.header.clone()
    }

    pub(crate) fn values(&self, name: &str) -> Vec<f64> {
        let Some(i) = self.col(name) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter_map(|r| r.get(i)?.parse().ok())
            .collect()
    }
}

/// A string field, or `default` when absent.
pub(crate) fn text(v: &Value, key: &str, default: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_string()
}

/// The manifest's `protocols`, comma-separated.
pub(crate) fn protocol_list(manifest: &Value) -> String {
    manifest
        .get("protocols")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A manifest field as text ("" when absent).
pub(crate) fn field(v: &Value, key: &str) -> String {
    v.get(key).map(Value::to_string).unwrap_or_default()
}

pub(crate) fn figures_of(summary: &Value, keys: &[(&str, &str)]) -> Vec<(String, String)> {
    keys.iter()
        .filter_map(|(k, label)| {
            let v = summary.pointer(k)?;
            let s = match v {
                Value::Number(n) => short(n.as_f64()?),
                Value::Bool(b) => b.to_string(),
                Value::String(s) => s.clone(),
                _ => return None,
            };
            Some(((*label).to_string(), s))
        })
        .collect()
}

/// The failure sequence of `events.jsonl`: (x, who, detail) with x read from `x_key`
/// (`block` for venues and systems, `tick` for worlds).
pub(crate) fn events(
    dir: &Path,
    x_key: &str,
    who: impl Fn(&Value) -> String,
) -> Result<Vec<(f64, String, String)>, ReportError> {
    let path = dir.join("events.jsonl");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (i, line) in read(&path)?.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| ReportError::Format {
            path: path.clone(),
            message: format!("line {}: {e}", i + 1),
        })?;
        let block = v.get(x_key).and_then(Value::as_f64).unwrap_or(0.0);
        let detail = v
            .get("detail")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        out.push((block, who(&v), detail));
    }
    Ok(out)
}

/// A replay's published figures beside the simulated ones, and its calibration.
pub(crate) fn replay_tables(dir: &Path, p: &mut Page) -> Result<(), ReportError> {
    let r = json(&dir.join("replay.json"))?;
    if let Some(t) = r.get("title").and_then(Value::as_str) {
        p.title = t.to_string();
    }
    if let Some(s) = r.get("summary").and_then(Value::as_str) {
        p.notes.push(s.to_string());
    }
    let rows: Vec<Vec<String>> = r
        .get("outcomes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|o| {
                    let f = |k: &str| {
                        o.get(k).map_or(String::new(), |v| {
                            v.as_str().map_or_else(
                                || v.as_f64().map_or(String::new(), short),
                                String::from,
                            )
                        })
                    };
                    vec![f("what"), f("simulated"), f("published"), f("source")]
                })
                .collect()
        })
        .unwrap_or_default();
    p.tables.push((
        "Simulated beside the published record".into(),
        vec![
            "".into(),
            "simulated".into(),
            "published".into(),
            "source".into(),
        ],
        rows,
    ));
    let cal: Vec<Vec<String>> = r
        .get("calibration")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|o| {
                    let f = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    vec![f("parameter"), f("value"), f("source")]
                })
                .collect()
        })
        .unwrap_or_default();
    p.tables.push((
        "Calibration".into(),
        vec!["parameter".into(), "value".into(), "source".into()],
        cal,
    ));
    Ok(())
}

/// Histogram of `values` in about 30 bins, as bars at the bin centres.
pub(crate) fn histogram(values: &[f64]) -> Vec<(f64, f64)> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return Vec::new();
    }
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if hi <= lo {
        return vec![(lo, v.len() as f64)];
    }
    let bins = 30usize;
    let w = (hi - lo) / bins as f64;
    let mut counts = vec![0.0; bins];
    for x in v {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // bounded by bins
        let k = (((x - lo) / w) as usize).min(bins - 1);
        counts[k] += 1.0;
    }
    counts
        .iter()
        .enumerate()
        .map(|(k, c)| (lo + (k as f64 + 0.5) * w, *c))
        .collect()
}

/// A Monte Carlo stress run.
pub(crate) fn stress(dir: &Path) -> Result<Page, ReportError> {
    let d = json(&dir.join("distribution.json"))?;
    let manifest = if dir.join("stress-manifest.json").exists() {
        json(&dir.join("stress-manifest.json"))?
    } else {
        Value::Null
    };
    let mut p = Page {
        title: text(&manifest, "scenario", "stress run"),
        subtitle: format!(
            "Monte Carlo · {} paths · seed {}",
            d.get("paths").map(Value::to_string).unwrap_or_default(),
            field(&manifest, "seed")
        ),
        ..Page::default()
    };
    if dir.join("paths.csv").exists() {
        let t = Table::read(&dir.join("paths.csv"))?;
        let bad: Vec<f64> = t
            .values("bad_debt")
            .iter()
            .zip(t.values("latent_bad_debt"))
            .map(|(a, b)| a + b)
            .collect();
        for (id, title, unit, values) in [
            (
                "dist-bad-debt",
                "Total bad debt across paths (recorded + latent)",
                "USD",
                bad,
            ),
            (
                "dist-loss",
                "Loss past bankruptcy across paths",
                "USD",
                t.values("loss_past_bankruptcy"),
            ),
            (
                "dist-fund",
                "Insurance fund at the end across paths",
                "USD",
                t.values("insurance_fund_end"),
            ),
            (
                "dist-liquidations",
                "Liquidations across paths",
                "count",
                t.values("liquidations"),
            ),
            (
                "dist-adl",
                "ADL fills across paths",
                "count",
                t.values("adl_events"),
            ),
        ] {
            let mut c = Chart::new(id, title, unit, "paths");
            c.series.push(Series::bars("paths", histogram(&values)));
            p.charts.push(c);
        }
    }
    distribution_table(&d, &mut p);
    Ok(p)
}

/// The distribution's quantile table and probabilities.
pub(crate) fn distribution_table(d: &Value, p: &mut Page) {
    if let Some(m) = d.get("metrics").and_then(Value::as_object) {
        let rows = m
            .iter()
            .map(|(k, v)| {
                let q = |key: &str| {
                    v.pointer(key)
                        .and_then(Value::as_f64)
                        .map_or(String::new(), short)
                };
                vec![
                    k.clone(),
                    q("/mean"),
                    q("/quantiles/p50"),
                    q("/quantiles/p95"),
                    q("/quantiles/p99"),
                    q("/max"),
                ]
            })
            .collect();
        p.tables.push((
            "Distribution".into(),
            ["metric", "mean", "p50", "p95", "p99", "max"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            rows,
        ));
    }
    if let Some(probs) = d.get("probabilities").and_then(Value::as_object) {
        for (key, v) in probs {
            let g = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
            p.figures.push((
                format!("P({})", key.replace('_', " ")),
                format!("{:.3} [{:.3}, {:.3}]", g("p"), g("ci_low"), g("ci_high")),
            ));
        }
    }
}

/// A comparison of mitigations on common random numbers.
pub(crate) fn compare(dir: &Path) -> Result<Page, ReportError> {
    let c = json(&dir.join("compare.json"))?;
    let variants = c
        .get("variants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut p = Page {
        title: format!("Comparison against {}", c.get("baseline").and_then(Value::as_str).unwrap_or("the baseline")),
        subtitle: format!(
            "{} paths per scenario on the same seeds (seed {}); each chart shows the paired mean difference variant − baseline with its 95% interval",
            c.get("paths").map(Value::to_string).unwrap_or_default(),
            c.get("seed").map(Value::to_string).unwrap_or_default()
        ),
        ..Page::default()
    };
    let names: Vec<String> = variants
        .iter()
        .map(|v| {
            v.get("variant")
                .or_else(|| v.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("variant")
                .to_string()
        })
        .collect();
    let metrics: Vec<String> = variants
        .first()
        .and_then(|v| v.get("metrics"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("metric").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::new();
    for metric in &metrics {
        let mut chart = Chart::new(
            &format!("delta-{metric}"),
            &format!("Δ {}", metric.replace('_', " ")),
            "variant",
            "variant − baseline",
        );
        chart.categories = names.clone();
        for (i, v) in variants.iter().enumerate() {
            let Some(m) = v.get("metrics").and_then(Value::as_array).and_then(|a| {
                a.iter()
                    .find(|m| m.get("metric").and_then(Value::as_str) == Some(metric))
            }) else {
                continue;
            };
            let g = |k: &str| m.get(k).and_then(Value::as_f64).unwrap_or(0.0);
            let ci = m.get("diff_ci").and_then(Value::as_array);
            let lo = ci
                .and_then(|a| a.first())
                .and_then(Value::as_f64)
                .unwrap_or(g("diff_mean"));
            let hi = ci
                .and_then(|a| a.get(1))
                .and_then(Value::as_f64)
                .unwrap_or(g("diff_mean"));
            chart.intervals.push((i as f64, lo, g("diff_mean"), hi));
            rows.push(vec![
                names[i].clone(),
                metric.clone(),
                short(g("base_mean")),
                short(g("variant_mean")),
                format!("{} [{}, {}]", short(g("diff_mean")), short(lo), short(hi)),
            ]);
        }
        p.charts.push(chart);
    }
    p.tables.push((
        "Paired differences".into(),
        [
            "variant",
            "metric",
            "baseline mean",
            "variant mean",
            "Δ [95% interval]",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect(),
        rows,
    ));
    Ok(p)
}
