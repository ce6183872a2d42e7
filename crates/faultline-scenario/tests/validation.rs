//! Bad input: every error is reported with its line, field, expectation and a hint.

mod common;

use common::Small;
use faultline_scenario::{parse, ValidationReport};
use std::path::Path;

fn errors(text: &str) -> ValidationReport {
    match parse(text, Path::new("bad.toml"), Path::new(".")) {
        Ok(_) => panic!("expected validation errors for:\n{text}"),
        Err(r) => r,
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in text"))
}

#[test]
fn valid_small_scenario_passes() {
    assert!(parse(
        &Small::default().toml(),
        Path::new("ok.toml"),
        Path::new(".")
    )
    .is_ok());
}

#[test]
fn a_typo_in_a_key_is_an_error_with_a_suggestion() {
    let text = Small::default()
        .toml()
        .replace("long_probability =", "long_probabilty =");
    let r = errors(&text);
    let e = r
        .errors
        .iter()
        .find(|e| e.field == "population[0].long_probabilty")
        .expect("unknown key reported");
    assert_eq!(e.line, line_of(&text, "long_probabilty"));
    assert!(
        e.hint.contains("did you mean `long_probability`"),
        "{}",
        e.hint
    );
    assert!(r
        .errors
        .iter()
        .any(|e| e.field == "population[0].long_probability" && e.expected.contains("required")));
}

#[test]
fn every_out_of_range_value_is_reported_at_once() {
    let text = Small::default()
        .toml()
        .replace("max_leverage = 50.0 }", "max_leverage = 0.0 }")
        .replace("fee = 0.005", "fee = -0.01")
        .replace("long_probability = 0.7", "long_probability = 1.5")
        .replace("count = 60", "count = 0")
        .replace("taker_fee = 0.0005", "taker_fee = -1.0")
        .replace("refill_per_block = 0.05", "refill_per_block = 2.0");
    let r = errors(&text);
    let fields: Vec<&str> = r.errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "market[0].margin.tiers[0].max_leverage",
        "market[0].liquidation.fee",
        "population[0].long_probability",
        "population[0].count",
        "market[0].taker_fee",
        "market[0].book.refill_per_block",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    for e in &r.errors {
        assert!(
            e.line > 0 && !e.expected.is_empty() && !e.hint.is_empty(),
            "{e:?}"
        );
    }
    let shown = r.to_string();
    assert!(
        shown.contains("bad.toml:") && shown.contains("6 errors"),
        "{shown}"
    );
}

#[test]
fn a_wrong_type_names_what_was_expected_and_found() {
    let text = Small::default()
        .toml()
        .replace("blocks = 30", "blocks = \"thirty\"");
    let r = errors(&text);
    assert_eq!(r.errors.len(), 1);
    let e = &r.errors[0];
    assert_eq!(
        (e.field.as_str(), e.line),
        ("blocks", line_of(&text, "thirty"))
    );
    assert!(
        e.expected.contains("integer") && e.found.contains("thirty"),
        "{e:?}"
    );
}

#[test]
fn an_unknown_variant_lists_the_valid_ones() {
    let text = Small::default()
        .toml()
        .replace("model = \"gbm\"", "model = \"gmb\"");
    let e = &errors(&text).errors[0];
    assert_eq!(e.field, "market[0].reference.model");
    assert!(
        e.expected.contains("\"gbm\"") && e.expected.contains("\"candles\""),
        "{e:?}"
    );
}

#[test]
fn cross_field_rules_point_at_the_offending_field() {
    let text = Small::default()
        .toml()
        .replace("market = \"X-PERP\"\ncount", "market = \"Y-PERP\"\ncount")
        .replace(
            "{ block = 5, fraction = -0.3 }",
            "{ block = 500, fraction = -0.3 }",
        )
        .replace(
            "{ offset = 0.05, quote = 1000000.0 }",
            "{ offset = 0.005, quote = 1000000.0 }",
        );
    let r = errors(&text);
    let find = |f: &str| {
        r.errors
            .iter()
            .find(|e| e.field == f)
            .unwrap_or_else(|| panic!("{f} not reported: {r}"))
    };
    assert_eq!(find("population[0].market").line, line_of(&text, "Y-PERP"));
    assert_eq!(
        find("market[0].reference.gaps[0].block").line,
        line_of(&text, "block = 500")
    );
    assert!(find("market[0].book.depth").expected.contains("rising"));
}

#[test]
fn a_scenario_without_traders_is_an_error() {
    let text = Small::default().toml();
    let cut = text.find("[[population]]").unwrap();
    let r = errors(&text[..cut]);
    assert!(
        r.errors
            .iter()
            .any(|e| e.expected.contains("[[population]]")),
        "{r}"
    );
}

#[test]
fn broken_toml_reports_the_line() {
    let r = errors("schema_version = 1\nname = \"x\nblocks = 3\n");
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].line, 2);
    assert!(r.errors[0].expected.contains("TOML"));
}

#[test]
fn a_missing_candle_file_is_reported_at_its_key() {
    let text = Small::default().toml().replace(
        "model = \"gbm\"\ninitial_price = 100.0\nvolatility_annual = 0.5\ngaps = [{ block = 5, fraction = -0.3 }]",
        "model = \"candles\"\nfile = \"does-not-exist.csv\"",
    );
    let e = errors(&text)
        .errors
        .into_iter()
        .find(|e| e.field == "market[0].reference.file")
        .expect("reported");
    assert_eq!(e.line, line_of(&text, "does-not-exist.csv"));
}

#[test]
fn non_finite_and_negative_leverage_are_rejected() {
    let text = Small::default().toml()
        + "\n[[account]]\nmarket = \"X-PERP\"\nside = \"long\"\nsize = nan\nleverage = -2.0\n";
    let r = errors(&text);
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "account[0].size" && e.expected.contains("finite")),
        "{r}"
    );
    assert!(
        r.errors.iter().any(|e| e.field == "account[0].leverage"),
        "{r}"
    );
}

#[test]
fn an_impossible_correlation_matrix_and_a_bad_garch_are_rejected() {
    let text = Small::default().toml().replace("volatility_annual = 0.5", "volatility_annual = 0.5\ngarch = { alpha = 0.3, beta = 0.8 }")
        + "\n[correlation]\nmarkets = [\"X-PERP\", \"Z-PERP\"]\nmatrix = [[1.0, 1.5], [1.5, 1.0]]\n";
    let r = errors(&text);
    let fields: Vec<&str> = r.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"market[0].reference.garch"), "{r}");
    assert!(fields.contains(&"correlation.markets[1]"), "{r}");
    assert!(fields.contains(&"correlation.matrix"), "{r}");
}

#[test]
fn a_replay_start_outside_the_data_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.csv"),
        "open_time,close\n0,100\n60000,90\n",
    )
    .unwrap();
    let text = Small::default().toml().replace(
        "model = \"gbm\"\ninitial_price = 100.0\nvolatility_annual = 0.5\ngaps = [{ block = 5, fraction = -0.3 }]",
        "model = \"candles\"\nfile = \"c.csv\"\nstart = \"2030-01-01T00:00:00Z\"",
    );
    let r = parse(&text, &dir.path().join("t.toml"), dir.path()).unwrap_err();
    assert!(
        r.errors
            .iter()
            .any(|e| e.field == "market[0].reference.start"
                && e.line == line_of(&text, "2030-01-01")),
        "{r}"
    );
}

#[test]
fn physics_sections_are_checked_across_fields() {
    let text = Small::default()
        .toml()
        .replace("symbol = \"X-PERP\"\n", "symbol = \"X-PERP\"\nliquidation_venue = \"nowhere\"\n")
        .replace("[oracle]\n", "[oracle]\nsources = [\"perp\", \"ghost\"]\n")
        + "\n[[market.venue]]\nkind = \"book\"\nlabel = \"perp\"\nhalf_spread = 0.001\nlevel_step = 0.001\nrefill_per_block = 0.1\n"
        + "\n[chain]\ngas_limit = 30000000\nbase_fee_gwei = 10.0\nmax_pending_blocks = 5\nmin_liquidation_profit = 0.0\ndemand = { model = \"parametric\", utilization = 1.0, priority_mean_gwei = 1.0 }\noracle_tx = { gas_used = 100000, premium = 0.1, max_fee_gwei = 100.0 }\nliquidation_tx = { gas_used = 100000, premium = 0.1, max_fee_gwei = 100.0 }\n"
        + "\n[[fault]]\nkind = \"venue_outage\"\nmarket = \"Q-PERP\"\nstart_block = 10\nend_block = 5\n";
    let r = errors(&text);
    let fields: Vec<&str> = r.errors.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "market[0].liquidation_venue",
        "oracle.sources[1]",
        "market[0].venue[0].label",
        "market[0].venue[0].depth",
        "chain.gas_token_price",
        "fault[0].market",
        "fault[0].end_block",
    ] {
        assert!(fields.contains(&f), "{f} missing from {r}");
    }
}

#[test]
fn an_unknown_fault_kind_or_demand_model_is_named() {
    let text = Small::default().toml()
        + "\n[[fault]]\nkind = \"meteor\"\nstart_block = 1\nend_block = 2\n";
    let e = errors(&text)
        .errors
        .into_iter()
        .find(|e| e.field == "fault[0].kind")
        .expect("reported");
    assert!(
        e.expected.contains("\"chain_halt\"") && e.found.contains("meteor"),
        "{e:?}"
    );
}
