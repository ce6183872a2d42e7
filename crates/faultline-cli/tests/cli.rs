//! End-to-end tests of the `faultline` binary.

mod common;

use common::{faultline, read};
use std::path::Path;

const FILES: [&str; 5] = [
    "manifest.json",
    "markets.csv",
    "protocols.csv",
    "events.jsonl",
    "summary.json",
];

#[test]
fn the_default_run_is_a_world_byte_identical_for_a_seed_and_different_for_another() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    for (dir, seed) in [(&a, "5"), (&b, "5"), (&c, "6")] {
        let out = faultline(
            &["run", "--seed", seed, "--out", dir.to_str().unwrap()],
            tmp.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for f in FILES {
        assert_eq!(
            read(&a, f),
            read(&b, f),
            "{f} differs between identical runs"
        );
    }
    assert_ne!(read(&a, "markets.csv"), read(&c, "markets.csv"));
    // The venue is the world's one protocol, its losses in the loss vocabulary.
    let summary: serde_json::Value = serde_json::from_slice(&read(&a, "summary.json")).unwrap();
    assert_eq!(summary["seed"], 5);
    assert_eq!(summary["completed"], true);
    assert_eq!(summary["assets"][0]["conservation_error_atoms"], 0);
    let perp = &summary["protocols"][0];
    assert_eq!(perp["kind"], "perp");
    for key in [
        "liquidations",
        "liquidation_volume",
        "shortfall",
        "latent_shortfall",
    ] {
        assert!(perp.get(key).is_some(), "summary.json lacks {key}");
    }
    for key in [
        "reserve",
        "adl_haircut",
        "socialized_loss",
        "protocol_deficit",
    ] {
        assert!(perp["borne_by"].get(key).is_some(), "borne_by lacks {key}");
    }
    for key in [
        "insurance_fund_start",
        "insurance_fund_end",
        "adl_fills",
        "adl_volume",
        "loss_past_bankruptcy",
        "partial_liquidations",
        "amplification",
        "liquidators",
    ] {
        assert!(perp["perp"].get(key).is_some(), "perp detail lacks {key}");
    }
    let manifest: serde_json::Value = serde_json::from_slice(&read(&a, "manifest.json")).unwrap();
    assert_eq!(manifest["config_hash"].as_str().map(str::len), Some(64));
    let header = String::from_utf8(read(&a, "markets.csv")).unwrap();
    let header = header.lines().next().unwrap();
    for col in [
        "protocol",
        "time_ms",
        "reference_price",
        "oracle_price",
        "mark_price",
        "bid_depth",
        "long_open_interest",
        "short_open_interest",
        "insurance_fund",
        "bad_debt",
        "liquidations",
        "liquidation_volume",
        "adl_count",
        "adl_volume",
    ] {
        assert!(header.contains(col), "markets.csv lacks {col}");
    }
}

#[test]
fn validate_reports_errors_and_exits_with_status_2() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    let text = faultline_scenario::DEFAULT_SCENARIO
        .replace("liquidator_share = 0.3", "liquidator_share = 3.0")
        .replace("count = 4000", "cuont = 4000");
    std::fs::write(&bad, text).unwrap();
    let out = faultline(&["validate", bad.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:") && err.contains("liquidator_share") && err.contains("cuont"),
        "{err}"
    );
    assert!(err.contains("did you mean `count`"), "{err}");
}

#[test]
fn a_failed_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        faultline_scenario::DEFAULT_SCENARIO.replace("duration_s = 1800", "duration_s = 0"),
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = faultline(
        &[
            "run",
            bad.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out_dir.exists(),
        "a failed run must leave no output directory"
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing but the scenario file"
    );
}

#[test]
fn run_refuses_to_overwrite_a_directory_that_is_not_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("precious");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    let out = faultline(&["run", "--out", dir.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn schema_prints_the_one_format_and_on_request_version_1() {
    let out = faultline(&["schema"], Path::new("."));
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["additionalProperties"], false);
    // Every section of the one format, a perp venue's inline sections among them.
    for def in [
        "ProtocolFile",
        "AssetFile",
        "ChainFile",
        "MarketSpec",
        "PopulationSpec",
    ] {
        assert!(v["$defs"][def].is_object(), "{def}");
    }
    let old = faultline(&["schema", "--version-1"], Path::new("."));
    let v1: serde_json::Value = serde_json::from_slice(&old.stdout).unwrap();
    assert!(v1["properties"]["blocks"].is_object());
    assert!(v1["properties"]["protocol"].is_null());
}

#[test]
fn inspect_lists_every_position_with_prices_and_adl_rank() {
    let out = faultline(&["inspect", "--json"], Path::new("."));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.len() > 4_000);
    let whale = rows
        .iter()
        .find(|r| r["label"] == "whale-long")
        .expect("whale-long");
    // 8× long at 3,000: bankrupt near 3,000 × (1 − 1/8) = 2,625; liquidated above that.
    let bankrupt = whale["bankruptcy_price"].as_f64().unwrap();
    let liq = whale["liquidation_price"].as_f64().unwrap();
    assert!((bankrupt - 2_625.0).abs() < 1.0, "{bankrupt}");
    assert!(liq > bankrupt && liq < 3_000.0, "{liq}");
    assert!(whale["initial_margin"].as_f64() >= whale["maintenance_margin"].as_f64());
    assert!(whale["adl_rank"].as_u64().is_some());
    let table = faultline(&["inspect"], Path::new("."));
    assert!(String::from_utf8_lossy(&table.stdout).contains("bankr. price"));
}

#[test]
fn stress_resumes_and_merges_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    let small = faultline_scenario::DEFAULT_SCENARIO
        .replace("count = 4000", "count = 30")
        .replace("duration_s = 1800", "duration_s = 640");
    std::fs::write(&file, small).unwrap();
    let f = file.to_str().unwrap();
    let dir = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let ok = |args: &[&str]| {
        let out = faultline(args, tmp.path());
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let stress = |out: &str, extra: &[&str]| {
        let out = dir(out);
        let mut args = vec![
            "stress",
            f,
            "--paths",
            "6",
            "--chunk-size",
            "2",
            "--out",
            &out,
        ];
        args.extend_from_slice(extra);
        ok(&args)
    };
    let text = stress("full", &[]);
    assert!(text.contains("P(fund_depletion"), "{text}");
    stress("cut", &["--max-parts", "1"]);
    assert!(!tmp.path().join("cut/paths.csv").exists());
    stress("cut", &["--resume"]);
    stress("s0", &["--shard", "0/2"]);
    let pending = faultline(&["merge", &dir("s0"), "--out", &dir("m")], tmp.path());
    assert_eq!(pending.status.code(), Some(1), "an incomplete merge fails");
    stress("s1", &["--shard", "1/2"]);
    ok(&["merge", &dir("s0"), &dir("s1"), "--out", &dir("m")]);
    for name in ["paths.csv", "paths.parquet", "distribution.json"] {
        let full = read(&tmp.path().join("full"), name);
        assert_eq!(
            read(&tmp.path().join("cut"), name),
            full,
            "{name} after resume"
        );
        assert_eq!(
            read(&tmp.path().join("m"), name),
            full,
            "{name} after merge"
        );
    }
}

#[test]
fn compare_pairs_variants_on_the_same_paths_and_rejects_a_bad_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let small = faultline_scenario::DEFAULT_SCENARIO
        .replace("count = 4000", "count = 60")
        .replace("duration_s = 1800", "duration_s = 640");
    let base = tmp.path().join("base.toml");
    std::fs::write(&base, &small).unwrap();
    let variant = tmp.path().join("no-fund.toml");
    std::fs::write(
        &variant,
        small.replace("insurance_fund = 2_000_000.0", "insurance_fund = 0.0"),
    )
    .unwrap();
    let (b, v) = (base.to_str().unwrap(), variant.to_str().unwrap());
    let run = |out: &str, threads: &str| {
        let o = faultline(
            &[
                "compare",
                b,
                v,
                "--paths",
                "4",
                "--threads",
                threads,
                "--out",
                out,
            ],
            tmp.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        read(&tmp.path().join(out), "compare.json")
    };
    let one = run("c1", "1");
    assert_eq!(run("c2", "2"), one, "thread count changes no byte");
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let metrics = json["variants"][0]["metrics"].as_array().unwrap();
    let metric = |name: &str| {
        metrics
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    // Without a fund there is no budget for fills past the bankruptcy price: the book is
    // walked only down to it and the rest of each position goes to ADL at bankruptcy.
    let loss = metric("loss_past_bankruptcy");
    assert!(loss["base_mean"].as_f64().unwrap() > 0.0, "{loss}");
    assert!(loss["variant_mean"].as_f64().unwrap() < 0.01, "{loss}");
    let adl = metric("adl_volume");
    assert!(adl["base_mean"].as_f64().unwrap() < 0.01, "{adl}");
    assert!(adl["diff_mean"].as_f64().unwrap() > 0.0, "{adl}");
    let events = metric("adl_events");
    assert!(events["share_higher"].as_f64().unwrap() > 0.999, "{events}");

    let invalid = tmp.path().join("invalid.toml");
    std::fs::write(
        &invalid,
        small.replace("insurance_fund = 2_000_000.0", "insurance_fund = -1.0"),
    )
    .unwrap();
    let o = faultline(
        &[
            "compare",
            b,
            invalid.to_str().unwrap(),
            "--paths",
            "2",
            "--out",
            "c3",
        ],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "an invalid variant is invalid input"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid.toml") && err.contains("insurance_fund"),
        "{err}"
    );
    assert!(!tmp.path().join("c3").exists(), "nothing written");
}

#[test]
fn contagion_reports_every_protocol_of_the_bundled_network() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = faultline(
        &[
            "contagion",
            "scenarios/networks/perp-lending-cdp.toml",
            "--json",
        ],
        &root,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let protocols = r["protocols"].as_array().unwrap();
    assert_eq!(protocols.len(), 3);
    let total: f64 = protocols
        .iter()
        .map(|p| p["contagion_index"].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "indices sum to 1: {total}");
    // The CDP's failure reaches the lending market it supplies and, through it, the perp.
    let cdp = &protocols[2];
    assert_eq!(cdp["name"], "cdp");
    assert!(cdp["contagion_index"].as_f64().unwrap() > 0.5, "{cdp}");

    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    let text = std::fs::read_to_string(root.join("scenarios/networks/perp-lending-cdp.toml"))
        .unwrap()
        .replace("debtor = \"cdp\"", "debtor = \"cpd\"");
    std::fs::write(&bad, text).unwrap();
    let out = faultline(&["contagion", bad.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("exposure[1].debtor") && err.contains("cpd"),
        "{err}"
    );
}

#[test]
fn system_runs_a_world_across_protocols_with_its_contagion_index_and_refuses_the_old_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = tempfile::tempdir().unwrap();
    // The former bundled system, now a world: every protocol in one failure sequence.
    let out_dir = tmp.path().join("sys");
    let file = root.join("scenarios/worlds/stablecoin-contagion.toml");
    let out = faultline(
        &[
            "system",
            file.to_str().unwrap(),
            "--no-contagion",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = String::from_utf8(read(&out_dir, "events.jsonl")).unwrap();
    let parsed: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ticks: Vec<u64> = parsed.iter().map(|e| e["tick"].as_u64().unwrap()).collect();
    assert!(ticks.windows(2).all(|w| w[0] <= w[1]), "ordered by tick");
    let subjects: std::collections::BTreeSet<&str> = parsed
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    for p in ["maker", "lender", "theta", "perp", "fusd-holders"] {
        assert!(subjects.contains(p), "{p} missing from {subjects:?}");
    }
    // `system` is `run --contagion`: the index rows, and a network `contagion` reads.
    let small = tmp.path().join("small");
    let world = root.join("scenarios/worlds/stablecoin-collateral.toml");
    let out = faultline(
        &[
            "system",
            world.to_str().unwrap(),
            "--out",
            small.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&read(&small, "summary.json")).unwrap();
    assert_eq!(summary["contagion"].as_array().unwrap().len(), 2);
    let net = small.join("network-start.toml");
    let out = faultline(&["contagion", net.to_str().unwrap(), "--json"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A version-1 system file is refused with a pointer to its replacement.
    let old = tmp.path().join("old.toml");
    std::fs::write(
        &old,
        "schema_version = 1\nname = \"x\"\n[eth]\ninitial = 2000.0\n",
    )
    .unwrap();
    for cmd in ["system", "validate"] {
        let out = faultline(&[cmd, old.to_str().unwrap()], tmp.path());
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("stablecoin-contagion.toml") && err.contains("world"),
            "{err}"
        );
    }
}

#[test]
fn every_bundled_replay_runs_and_sets_its_run_beside_the_published_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let list = faultline(&["replay", "--list"], &root);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    let events = [
        "black-thursday",
        "crash-2025-10-10",
        "compound-dai-2020-11",
        "terra-2022-05",
        "ftx-2022-11",
        "mango-2022-10",
        "aave-crv-2022-11",
    ];
    for e in events {
        assert!(listed.contains(e), "{e} not listed:\n{listed}");
    }
    let tmp = tempfile::tempdir().unwrap();
    for e in events {
        let out_dir = tmp.path().join(e);
        let out = faultline(&["replay", e, "--out", out_dir.to_str().unwrap()], &root);
        assert!(
            out.status.success(),
            "{e}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&read(&out_dir, "replay.json")).unwrap();
        let outcomes = r["outcomes"].as_array().unwrap();
        assert!(!outcomes.is_empty(), "{e}");
        for o in outcomes {
            let from = o["simulated_from"].as_str().unwrap();
            if !from.is_empty() {
                assert!(
                    o["simulated"].is_number(),
                    "{e}: {from} did not resolve: {o}"
                );
            }
            assert!(!o["published"].as_str().unwrap().is_empty(), "{e}: {o}");
        }
        assert!(!r["calibration"].as_array().unwrap().is_empty(), "{e}");
        let html = String::from_utf8(read(&out_dir, "report.html")).unwrap();
        assert!(
            html.contains("Simulated beside the published record"),
            "{e}"
        );
        assert!(html.contains("Calibration"), "{e}");
    }
    let bad = faultline(&["replay", "no-such-event"], &root);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("black-thursday"));
}

#[test]
fn every_bundled_file_passes_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut dirs = vec![root.join("scenarios")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 30, "{files:?}");
    for f in &files {
        let out = faultline(&["validate", f.to_str().unwrap()], &root);
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));
    }
}

/// The version-1 form of the bundled default, kept as a migration fixture.
fn v1_default() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../faultline-scenario/tests/fixtures/v1/default.toml")
}

#[test]
fn a_version_1_file_and_its_migration_write_the_same_run() {
    let tmp = tempfile::tempdir().unwrap();
    let migrated = tmp.path().join("default.toml");
    let out = faultline(
        &[
            "migrate",
            v1_default().to_str().unwrap(),
            "--out",
            migrated.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundled =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/default.toml"))
            .unwrap();
    assert_eq!(std::fs::read(&migrated).unwrap(), bundled);
    let (a, b) = (tmp.path().join("v1"), tmp.path().join("v2"));
    for (file, dir) in [(v1_default(), &a), (migrated.clone(), &b)] {
        let out = faultline(
            &[
                "run",
                file.to_str().unwrap(),
                "--seed",
                "11",
                "--out",
                dir.to_str().unwrap(),
            ],
            tmp.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for f in [
        "markets.csv",
        "protocols.csv",
        "events.jsonl",
        "summary.json",
    ] {
        assert_eq!(read(&a, f), read(&b, f), "{f} differs after migration");
    }
    // Migrating a world is refused, and nothing is written.
    let again = tmp.path().join("again.toml");
    let out = faultline(
        &[
            "migrate",
            migrated.to_str().unwrap(),
            "--out",
            again.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already a world"));
    assert!(!again.exists());
}

#[test]
fn validate_points_a_version_1_file_at_migrate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = faultline(&["validate", v1_default().to_str().unwrap()], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("faultline migrate"), "{text}");
}

#[test]
fn a_venue_stress_whose_every_path_fails_is_an_error_but_keeps_its_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("huge-fund.toml");
    let text = faultline_scenario::DEFAULT_SCENARIO
        .replace("insurance_fund = 2_000_000.0", "insurance_fund = 1e15")
        .replace("count = 4000", "count = 20");
    std::fs::write(&file, text).unwrap();
    let out_dir = tmp.path().join("out");
    let out = faultline(
        &[
            "stress",
            file.to_str().unwrap(),
            "--paths",
            "2",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("every one of 2 paths stopped early"), "{err}");
    let d: serde_json::Value =
        serde_json::from_slice(&read(&out_dir, "distribution.json")).unwrap();
    assert_eq!(d["failed_paths"], 2);
}
