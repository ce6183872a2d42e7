//! End-to-end tests of the `faultline` binary.

use std::path::Path;
use std::process::{Command, Output};

fn faultline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run faultline")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

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
fn compare_pairs_a_world_with_its_breaker_variant_on_the_same_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tmp = tempfile::tempdir().unwrap();
    let base = root.join("scenarios/worlds/stablecoin-collateral.toml");
    let text = std::fs::read_to_string(&base).unwrap()
        + "\n[[breaker]]\nname = \"fix FUSD\"\nwhen = { kind = \"price_below\", asset = \"FUSD\", usd = 0.97 }\naction = { kind = \"fix_oracle\", oracle = \"fusd\", usd = 1.0 }\n";
    let variant = tmp.path().join("breaker.toml");
    std::fs::write(
        &variant,
        text.replace(
            "name = \"a stablecoin held as collateral\"",
            "name = \"breaker\"",
        ),
    )
    .unwrap();
    let out_dir = tmp.path().join("cmp");
    let out = faultline(
        &[
            "compare",
            base.to_str().unwrap(),
            variant.to_str().unwrap(),
            "--paths",
            "2",
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
    let c: serde_json::Value = serde_json::from_slice(&read(&out_dir, "compare.json")).unwrap();
    let metrics = c["variants"][0]["metrics"].as_array().unwrap();
    let lending = metrics
        .iter()
        .find(|m| m["metric"] == "lender.shortfall")
        .unwrap();
    assert!(
        lending["diff_mean"].as_f64().unwrap() < -100_000.0,
        "{lending}"
    );
}

#[test]
fn run_and_validate_take_world_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/shared-eth-liquidity.toml");
    let tmp = tempfile::tempdir().unwrap();
    let ok = faultline(&["validate", world.to_str().unwrap()], tmp.path());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("valid world"));
    let out = tmp.path().join("w");
    let run = faultline(
        &[
            "run",
            world.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for f in [
        "manifest.json",
        "summary.json",
        "events.jsonl",
        "assets.csv",
        "venues.csv",
        "oracles.csv",
        "protocols.csv",
        "network-start.toml",
        "network-end.toml",
        "markets.csv",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // markets.csv: every perp venue's markets, one row per block from the opening one,
    // whose per-block liquidations and ADL fills add up to the venue's summary.
    let summary: serde_json::Value = serde_json::from_slice(&read(&out, "summary.json")).unwrap();
    let markets = String::from_utf8(read(&out, "markets.csv")).unwrap();
    let mut lines = markets.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (liq, adl) = (col("liquidations"), col("adl_count"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    for (venue, blocks) in [("perp-ethereum", 50), ("perp-arbitrum", 600)] {
        let of: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == venue).collect();
        assert_eq!(of.len(), blocks + 1, "{venue}");
        let sum = |k: usize| of.iter().map(|r| r[k].parse::<u64>().unwrap()).sum::<u64>();
        let p = summary["protocols"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == venue)
            .unwrap();
        assert!(sum(liq) > 0);
        assert_eq!(sum(liq), p["liquidations"].as_u64().unwrap(), "{venue}");
        assert_eq!(
            sum(adl),
            p["perp"]["adl_fills"].as_u64().unwrap(),
            "{venue}"
        );
    }
    // The exposure networks are what `faultline contagion` reads: the lending market on
    // Arbitrum holds the CDP's FUSD as collateral, a claim on the CDP.
    let net = std::fs::read_to_string(out.join("network-start.toml")).unwrap();
    assert!(
        net.contains("debtor = \"maker\"") && net.contains("creditor = \"aave-arbitrum\""),
        "{net}"
    );
    let c = faultline(
        &[
            "contagion",
            out.join("network-end.toml").to_str().unwrap(),
            "--json",
        ],
        tmp.path(),
    );
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let s: serde_json::Value = serde_json::from_slice(&read(&out, "summary.json")).unwrap();
    assert_eq!(s["completed"], true);
    assert!(s["assets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["conservation_error_atoms"] == 0));
    assert!(s["protocols"][0]["liquidations"].as_u64().unwrap() > 0);
    // The same seed writes the same bytes.
    let again = tmp.path().join("w2");
    faultline(
        &[
            "run",
            world.to_str().unwrap(),
            "--out",
            again.to_str().unwrap(),
        ],
        tmp.path(),
    );
    for f in [
        "summary.json",
        "events.jsonl",
        "venues.csv",
        "protocols.csv",
        "markets.csv",
    ] {
        assert_eq!(read(&out, f), read(&again, f), "{f}");
    }
    // A broken world exits 2 and writes nothing.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&world)
            .unwrap()
            .replace("oracle = \"eth-usd\"", "oracle = \"eth-usdd\""),
    )
    .unwrap();
    let none = tmp.path().join("none");
    let r = faultline(
        &[
            "run",
            bad.to_str().unwrap(),
            "--out",
            none.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("did you mean `eth-usd`"));
    assert!(!none.exists());
    let schema = faultline(&["schema", "--world"], tmp.path());
    let v: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert!(v["$defs"]["ProtocolFile"].is_object() && v["$defs"]["VenueFile"].is_object());
}

#[test]
fn world_stress_is_byte_identical_across_thread_counts_and_compare_pairs_worlds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/stablecoin-collateral.toml");
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let out = faultline(
            &[
                "stress",
                world.to_str().unwrap(),
                "--paths",
                "6",
                "--seed",
                "9",
                "--threads",
                threads,
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
        "paths.csv",
        "paths.parquet",
        "distribution.json",
        "stress-manifest.json",
    ] {
        assert_eq!(
            read(&one, f),
            read(&two, f),
            "{f} depends on the thread count"
        );
    }
    // Off a terminal, progress is logged at every tenth of the paths.
    let log = faultline(
        &[
            "stress",
            world.to_str().unwrap(),
            "--paths",
            "6",
            "--seed",
            "9",
            "--out",
            tmp.path().join("log").to_str().unwrap(),
        ],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&log.stderr);
    assert!(err.contains("paths: 6/6 (100%)"), "{err}");
    let d: serde_json::Value = serde_json::from_slice(&read(&one, "distribution.json")).unwrap();
    assert_eq!(d["paths"], 6);
    assert!(
        d["metrics"]["lender.shortfall"]["mean"].as_f64().unwrap() > 0.0,
        "{d}"
    );
    assert!(d["probabilities"]["maker.protocol_deficit"].is_object());
    // The same world read at par is a variant: paired on the same seeds.
    let variant = tmp.path().join("par.toml");
    std::fs::write(
        &variant,
        std::fs::read_to_string(&world)
            .unwrap()
            .replace("sources = [\"fusd-usdc\"]", "sources = [\"par\"]"),
    )
    .unwrap();
    let cmp = tmp.path().join("cmp");
    let out = faultline(
        &[
            "compare",
            world.to_str().unwrap(),
            variant.to_str().unwrap(),
            "--paths",
            "4",
            "--out",
            cmp.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: serde_json::Value = serde_json::from_slice(&read(&cmp, "compare.json")).unwrap();
    let m = c["variants"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "lender.liquidations")
        .unwrap()
        .clone();
    assert!(
        m["diff_mean"].as_f64().unwrap() < 0.0,
        "par removes the lender's liquidations: {m}"
    );
}

#[test]
fn contagion_is_computed_for_worlds_and_a_single_venue_harms_no_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/stablecoin-collateral.toml");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let r = faultline(
        &[
            "run",
            world.to_str().unwrap(),
            "--contagion",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let s: serde_json::Value = serde_json::from_slice(&read(&out, "summary.json")).unwrap();
    let rows = s["contagion"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let total: f64 = rows
        .iter()
        .map(|r| r["contagion_index"].as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9 || total == 0.0, "{total}");
    let r = faultline(
        &[
            "run",
            "--contagion",
            "--out",
            tmp.path().join("v1").to_str().unwrap(),
        ],
        tmp.path(),
    );
    // A single venue is a world of one protocol: it harms no other.
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&read(&tmp.path().join("v1"), "summary.json")).unwrap();
    let rows = s["contagion"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["harm_caused"].as_f64(), Some(0.0));
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
fn a_world_stress_whose_every_path_fails_is_an_error_but_keeps_its_outputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("scenarios/worlds/stablecoin-collateral.toml"))
        .unwrap()
        .replace("supplied = 100_000_000", "supplied = 1_000");
    let tmp = tempfile::tempdir().unwrap();
    let world = tmp.path().join("short.toml");
    std::fs::write(&world, text).unwrap();
    let out_dir = tmp.path().join("out");
    let out = faultline(
        &[
            "stress",
            world.to_str().unwrap(),
            "--paths",
            "2",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("every one of 2 paths stopped early") && err.contains("supplied"),
        "{err}"
    );
    let d: serde_json::Value =
        serde_json::from_slice(&read(&out_dir, "distribution.json")).unwrap();
    assert_eq!(d["failed_paths"], 2);
}

#[test]
fn a_world_stress_resumes_and_its_shards_merge_to_the_same_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/stablecoin-collateral.toml");
    let tmp = tempfile::tempdir().unwrap();
    let dir = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let stress = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "stress",
            world.to_str().unwrap(),
            "--paths",
            "5",
            "--seed",
            "3",
            "--chunk-size",
            "2",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let o = faultline(&args, tmp.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let full = dir("full");
    stress(&full, &[]);
    // Killed after one part, then resumed.
    let cut = dir("cut");
    let text = stress(&cut, &["--max-parts", "1"]);
    assert!(text.contains("--resume"), "{text}");
    stress(&cut, &["--resume"]);
    // Two shards of a job array, merged.
    stress(&dir("s0"), &["--shard", "0/2"]);
    stress(&dir("s1"), &["--shard", "1/2"]);
    let merged = dir("merged");
    let o = faultline(
        &["merge", &dir("s0"), &dir("s1"), "--out", &merged],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for other in [&cut, &merged] {
        for f in ["paths.csv", "paths.parquet", "distribution.json"] {
            assert_eq!(
                read(Path::new(&full), f),
                read(Path::new(other), f),
                "{f} of {other} differs from the uninterrupted run"
            );
        }
    }
    let d: serde_json::Value =
        serde_json::from_slice(&read(Path::new(&full), "distribution.json")).unwrap();
    assert_eq!(d["paths"], 5);
    assert!(Path::new(&merged).join("report.html").exists());
    // A resumed run must be the same run.
    let o = faultline(
        &[
            "stress",
            world.to_str().unwrap(),
            "--paths",
            "6",
            "--seed",
            "3",
            "--chunk-size",
            "2",
            "--out",
            &cut,
            "--resume",
        ],
        tmp.path(),
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("different run"));
}

#[test]
fn a_world_sweeps_any_key_by_name_or_place_on_common_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/stablecoin-collateral.toml");
    let tmp = tempfile::tempdir().unwrap();
    let sweep = |key: &str, out: &str, extra: &[&str]| {
        let param = format!("--param={key}=0.8,0.9");
        let out = tmp.path().join(out);
        let mut args = vec![
            "sweep",
            world.to_str().unwrap(),
            &param,
            "--paths",
            "3",
            "--seed",
            "4",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = faultline(&args, tmp.path());
        (o, out)
    };
    let budget = ["--recommend", "lender.shortfall.p99<1e12"];
    let (o, by_name) = sweep(
        "protocol.lender.reserve.FUSD.liquidation_threshold",
        "a",
        &budget,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (o, by_place) = sweep("protocol[1].reserve[1].liquidation_threshold", "b", &budget);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = |dir: &Path| -> Vec<String> {
        String::from_utf8(read(dir, "sweep.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect()
    };
    assert_eq!(
        rows(&by_name),
        rows(&by_place),
        "a key by name is the key by place"
    );
    let csv = String::from_utf8(read(&by_name, "sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("lender.shortfall.p99") && header.contains("maker.protocol_deficit.p_loss"),
        "{header}"
    );
    let r: serde_json::Value = serde_json::from_slice(&read(&by_name, "sweep.json")).unwrap();
    assert!(r["recommended"].is_u64(), "{r}");
    // The two settings ran different worlds.
    let shortfall: Vec<f64> = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total_shortfall.mean"].as_f64().unwrap())
        .collect();
    assert!((shortfall[0] - shortfall[1]).abs() > 1.0, "{r}");
    // A venue's metric is not a world's, and a key that is not in the file is named.
    let (o, _) = sweep(
        "protocol.lender.reserve.FUSD.liquidation_threshold",
        "c",
        &["--risk", "p99_bad_debt_pct_oi"],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("total_shortfall.p99"));
    let (o, _) = sweep("protocol.lender.reserve.DAI.ltv", "d", &[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("protocol.lender.reserve.DAI.ltv"));
}

#[test]
fn inspect_lists_every_position_of_every_protocol_of_a_world() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/shared-eth-liquidity.toml");
    let tmp = tempfile::tempdir().unwrap();
    let out = faultline(&["inspect", world.to_str().unwrap(), "--json"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let count = |p: &str| rows.iter().filter(|r| r["protocol"] == p).count();
    // The file's populations: 300 and 400 borrowers, 400 vaults, both perp venues.
    assert_eq!((count("aave-ethereum"), count("aave-arbitrum")), (300, 400));
    assert_eq!(count("maker"), 400);
    assert!(count("perp-ethereum") > 1_000 && count("perp-arbitrum") > 1_000);
    // Health is measured against the liquidation line: the liquidation price times the
    // health is today's collateral price, the same for every vault of one collateral.
    for ilk in ["WETH", "wstETH"] {
        let spot: Vec<f64> = rows
            .iter()
            .filter(|r| r["kind"] == "cdp" && r["market"] == ilk)
            .map(|r| r["liquidation_price"].as_f64().unwrap() * r["health"].as_f64().unwrap())
            .collect();
        assert!(spot.len() > 10 && spot[0] > 1_000.0, "{ilk}: {spot:?}");
        assert!(
            spot.iter().all(|s| (s / spot[0] - 1.0).abs() < 1e-9),
            "{ilk}: {spot:?}"
        );
    }
    // So for a borrower with one collateral asset (Aave: health factor 1 at debt /
    // (units × liquidation threshold)).
    let single: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["kind"] == "lending" && !r["market"].as_str().unwrap().contains('+'))
        .collect();
    assert!(single.len() > 100);
    for r in &single {
        let same = single
            .iter()
            .find(|o| o["market"] == r["market"] && o["protocol"] == r["protocol"])
            .unwrap();
        let spot = |r: &serde_json::Value| {
            r["liquidation_price"].as_f64().unwrap() * r["health"].as_f64().unwrap()
        };
        assert!((spot(r) / spot(same) - 1.0).abs() < 1e-6, "{r} vs {same}");
    }
    // Every perp position has its place in its side's ADL queue.
    assert!(rows
        .iter()
        .filter(|r| r["kind"] == "perp" && r["account"] != "account 2000")
        .all(|r| r["adl_rank"].is_array()));
    let table = faultline(&["inspect", world.to_str().unwrap()], tmp.path());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("maker: 400 positions"), "{text}");
}

/// The issue's own world: stress shards merge to an uninterrupted run, and sweep takes a
/// key of one of its lending markets by name.
#[test]
fn the_bundled_world_stresses_in_shards_and_sweeps_a_lending_key_by_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let world = root.join("scenarios/worlds/shared-eth-liquidity.toml");
    let w = world.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let ok = |args: &[&str]| {
        let o = faultline(args, tmp.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let base = [
        "stress",
        w,
        "--paths",
        "2",
        "--seed",
        "8",
        "--chunk-size",
        "1",
    ];
    let full = dir("full");
    ok(&[&base[..], &["--out", &full]].concat());
    let (s0, s1) = (dir("s0"), dir("s1"));
    ok(&[&base[..], &["--shard", "0/2", "--out", &s0]].concat());
    ok(&[&base[..], &["--shard", "1/2", "--out", &s1]].concat());
    let merged = dir("merged");
    ok(&["merge", &s0, &s1, "--out", &merged]);
    for f in ["paths.csv", "paths.parquet", "distribution.json"] {
        assert_eq!(
            read(Path::new(&full), f),
            read(Path::new(&merged), f),
            "{f}"
        );
    }
    let d: serde_json::Value =
        serde_json::from_slice(&read(Path::new(&full), "distribution.json")).unwrap();
    assert!(
        d["probabilities"]["perp-arbitrum.fund_depleted"].is_object(),
        "{d}"
    );
    assert!(d["cvar"]["99"].as_f64().unwrap() >= d["var"]["99"].as_f64().unwrap());
    let out = dir("sweep");
    ok(&[
        "sweep",
        w,
        "--param=protocol.aave-ethereum.reserve.WETH.liquidation_bonus=0.04,0.08",
        "--paths",
        "1",
        "--risk",
        "aave-ethereum.shortfall.mean",
        "--out",
        &out,
    ]);
    let csv = String::from_utf8(read(Path::new(&out), "sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.lines().next().unwrap().contains("perp-ethereum.adl.p"),
        "{csv}"
    );
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
