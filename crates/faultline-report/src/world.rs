//! What a world's run directory and a world's Monte Carlo run show: losses by protocol in
//! the loss vocabulary first, then every asset's outside price beside the oracles that
//! price it, the venues, each protocol's shortfall and liquidations over time, and the
//! cross-protocol failure sequence.

use crate::chart::{short, Chart, Series};
use crate::kinds::{
    distribution_table, events, field, figures_of, histogram, protocol_list, text, Table,
};
use crate::{json, Page, ReportError};
use serde_json::Value;
use std::path::Path;

/// Distinct values of a column, in first-seen order.
fn distinct(t: &Table, col: &str) -> Vec<String> {
    let Some(i) = t.col(col) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for v in t.values_text(i) {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// (seconds, y) of the rows whose `key` column is `name`.
fn series_of(t: &Table, key: &str, name: &str, y: &str) -> Vec<(f64, f64)> {
    let k = t.col(key);
    t.xy("time_ms", y, |r| {
        k.and_then(|k| r.get(k)).is_some_and(|v| v == name)
    })
    .into_iter()
    .map(|(x, y)| (x / 1_000.0, y))
    .collect()
}

/// Who an event concerns: its subject and kind (a perp venue's own events are
/// `{"perp": "first_adl"}`).
fn who(v: &Value) -> String {
    let kind = match v.get("kind") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    format!(
        "{} {kind}",
        v.get("subject").and_then(Value::as_str).unwrap_or("")
    )
}

fn losses_table(summary: &Value, p: &mut Page) {
    let Some(protocols) = summary.get("protocols").and_then(Value::as_array) else {
        return;
    };
    let n = |v: &Value, k: &str| {
        v.pointer(k)
            .and_then(Value::as_f64)
            .map_or(String::new(), short)
    };
    let rows = protocols
        .iter()
        .map(|v| {
            vec![
                text(v, "name", ""),
                text(v, "kind", ""),
                n(v, "/liquidations"),
                n(v, "/shortfall"),
                n(v, "/borne_by/reserve"),
                n(v, "/borne_by/adl_haircut"),
                n(v, "/borne_by/socialized_loss"),
                n(v, "/borne_by/protocol_deficit"),
                n(v, "/latent_shortfall"),
                n(v, "/liquidatable_at_end"),
            ]
        })
        .collect();
    p.tables.push((
        "Losses by protocol (USD)".into(),
        [
            "protocol",
            "kind",
            "liquidations",
            "shortfall",
            "reserve / fund",
            "ADL haircut",
            "socialized",
            "protocol deficit",
            "latent shortfall",
            "liquidatable at end",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect(),
        rows,
    ));
}

fn contagion_table(summary: &Value, p: &mut Page) {
    let Some(rows) = summary.get("contagion").and_then(Value::as_array) else {
        return;
    };
    let n = |v: &Value, k: &str| {
        v.pointer(k)
            .and_then(Value::as_f64)
            .map_or(String::new(), short)
    };
    let rows = rows
        .iter()
        .map(|v| {
            vec![
                text(v, "protocol", ""),
                n(v, "/loss"),
                n(v, "/harm_caused"),
                n(v, "/loss_received"),
                v.get("contagion_index")
                    .and_then(Value::as_f64)
                    .map_or(String::new(), |x| format!("{x:.3}")),
            ]
        })
        .collect();
    p.tables.push((
        "Dynamic Contagion Index (reruns with each protocol's links cut)".into(),
        [
            "protocol",
            "loss (USD)",
            "harm caused",
            "loss received",
            "index",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect(),
        rows,
    ));
}

/// A world run.
pub(crate) fn world(dir: &Path, manifest: &Value) -> Result<Page, ReportError> {
    let summary = json(&dir.join("summary.json"))?;
    let ticks = manifest.get("ticks").and_then(Value::as_f64).unwrap_or(1.0);
    let mut p = Page {
        title: text(manifest, "world", "world"),
        subtitle: format!(
            "world run · seed {} · {} ticks of {} ms · protocols: {}",
            field(manifest, "seed"),
            field(manifest, "ticks"),
            field(manifest, "tick_ms"),
            protocol_list(manifest)
        ),
        figures: figures_of(
            &summary,
            &[
                ("/total_shortfall", "shortfall, all protocols (USD)"),
                (
                    "/total_latent_shortfall",
                    "latent shortfall at the end (USD)",
                ),
                ("/completed", "completed"),
            ],
        ),
        events: events(dir, "tick", who)?,
        events_x_max: ticks,
        ..Page::default()
    };
    losses_table(&summary, &mut p);
    contagion_table(&summary, &mut p);
    asset_charts(dir, &mut p)?;
    venue_chart(dir, &mut p)?;
    protocol_charts(dir, &mut p)?;
    if dir.join("markets.csv").exists() {
        perp_market_charts(dir, &mut p)?;
    }
    if dir.join("replay.json").exists() {
        crate::kinds::replay_tables(dir, &mut p)?;
    }
    Ok(p)
}

/// Each perp venue's markets (four at most): reference, oracle and mark price, and the
/// venue's insurance fund beside its uncovered bad debt and socialized loss.
fn perp_market_charts(dir: &Path, p: &mut Page) -> Result<(), ReportError> {
    let t = Table::read(&dir.join("markets.csv"))?;
    let (Some(pc), Some(mc)) = (t.col("protocol"), t.col("market")) else {
        return Ok(());
    };
    let seconds = |pts: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
        pts.into_iter().map(|(x, y)| (x / 1_000.0, y)).collect()
    };
    let mut shown = 0;
    for venue in distinct(&t, "protocol") {
        let of_venue = |r: &[String]| r.get(pc).is_some_and(|v| *v == venue);
        let mut markets: Vec<String> = Vec::new();
        for r in t.values_text(mc) {
            if !markets.contains(&r) {
                markets.push(r);
            }
        }
        markets.retain(|m| t.rows_any(|r| of_venue(r) && r.get(mc) == Some(m)));
        for m in markets.iter().take(4 - shown.min(4)) {
            let is = |r: &[String]| of_venue(r) && r.get(mc) == Some(m);
            let mut c = Chart::new(
                &format!("market-{shown}"),
                &format!("{venue} {m}: reference, oracle and mark price"),
                "seconds",
                "USD",
            );
            for col in ["reference_price", "oracle_price", "mark_price"] {
                c.series.push(Series::line(
                    &col.replace("_price", ""),
                    seconds(t.xy("time_ms", col, is)),
                ));
            }
            p.charts.push(c);
            shown += 1;
        }
        let first = markets.first().cloned().unwrap_or_default();
        let is_first = |r: &[String]| of_venue(r) && r.get(mc) == Some(&first);
        let mut f = Chart::new(
            &format!("fund-{venue}"),
            &format!("{venue}: insurance fund, bad debt and socialized loss"),
            "seconds",
            "USD",
        );
        for (label, col) in [
            ("insurance fund", "insurance_fund"),
            ("bad debt", "bad_debt"),
            ("socialized loss", "socialized_loss"),
        ] {
            f.series
                .push(Series::line(label, seconds(t.xy("time_ms", col, is_first))));
        }
        p.charts.push(f);
    }
    Ok(())
}

/// One chart per asset (six at most): its reference beside the oracles that price it.
fn asset_charts(dir: &Path, p: &mut Page) -> Result<(), ReportError> {
    let assets = Table::read(&dir.join("assets.csv"))?;
    let oracles = Table::read(&dir.join("oracles.csv"))?;
    for (i, a) in distinct(&assets, "asset").iter().enumerate().take(6) {
        let mut c = Chart::new(
            &format!("asset-{i}"),
            &format!("{a}: reference price and its oracles"),
            "seconds",
            "USD",
        );
        // The outside market's price, or for an asset priced by its pool, the pool's.
        let reference = series_of(&assets, "asset", a, "reference");
        let flat = reference
            .windows(2)
            .all(|w| w[0].1.to_bits() == w[1].1.to_bits());
        c.series.push(Series::line("reference", reference));
        for o in distinct(&oracles, "oracle") {
            let priced = oracles
                .col("asset")
                .zip(oracles.col("oracle"))
                .is_some_and(|(ac, oc)| oracles.rows_any(|r| r[oc] == o && r[ac] == *a));
            if priced {
                c.series.push(Series::line(
                    &format!("oracle {o}"),
                    series_of(&oracles, "oracle", &o, "price"),
                ));
            }
        }
        // A pegged asset no oracle reads (a one-venue world's quote) says nothing.
        if !(flat && c.series.len() == 1) {
            p.charts.push(c);
        }
    }
    Ok(())
}

/// Every venue's mid over its start.
fn venue_chart(dir: &Path, p: &mut Page) -> Result<(), ReportError> {
    let venues = Table::read(&dir.join("venues.csv"))?;
    if distinct(&venues, "venue").is_empty() {
        return Ok(());
    }
    let mut vc = Chart::new("venues", "Venues: mid over its start", "seconds", "ratio");
    for v in distinct(&venues, "venue") {
        let pts = series_of(&venues, "venue", &v, "mid");
        let start = pts.first().map_or(1.0, |(_, y)| *y);
        let rel = pts
            .into_iter()
            .map(|(x, y)| (x, if start > 0.0 { y / start } else { 0.0 }))
            .collect();
        vc.series.push(Series::line(&v, rel));
    }
    p.charts.push(vc);
    Ok(())
}

/// Shortfall, liquidations and exposure by protocol over time.
fn protocol_charts(dir: &Path, p: &mut Page) -> Result<(), ReportError> {
    let protocols = Table::read(&dir.join("protocols.csv"))?;
    for (id, title, col, unit) in [
        ("shortfall", "Shortfall by protocol", "shortfall", "USD"),
        (
            "liquidations",
            "Liquidations by protocol (running total)",
            "liquidations",
            "count",
        ),
        (
            "exposure",
            "Debt (lending, CDP) or open interest (perp) by protocol",
            "exposure",
            "USD",
        ),
    ] {
        let mut c = Chart::new(id, title, "seconds", unit);
        for name in distinct(&protocols, "protocol") {
            c.series.push(Series::line(
                &name,
                series_of(&protocols, "protocol", &name, col),
            ));
        }
        p.charts.push(c);
    }
    Ok(())
}

/// A world's Monte Carlo run.
pub(crate) fn world_stress(dir: &Path, manifest: &Value) -> Result<Page, ReportError> {
    let d = json(&dir.join("distribution.json"))?;
    let mut p = Page {
        title: text(manifest, "scenario", "world"),
        subtitle: format!(
            "world Monte Carlo · {} paths · seed {}",
            field(&d, "paths"),
            field(manifest, "seed")
        ),
        ..Page::default()
    };
    let t = Table::read(&dir.join("paths.csv"))?;
    let mut columns: Vec<String> = vec!["total_shortfall".into()];
    columns.extend(
        t.header_names()
            .into_iter()
            .filter(|c| c.ends_with(".shortfall") || c.ends_with(".latent_shortfall")),
    );
    for (i, col) in columns.iter().enumerate().take(8) {
        let mut c = Chart::new(
            &format!("dist-{i}"),
            &format!("{col} across paths"),
            "USD",
            "paths",
        );
        c.series
            .push(Series::bars("paths", histogram(&t.values(col))));
        p.charts.push(c);
    }
    distribution_table(&d, &mut p);
    Ok(p)
}
