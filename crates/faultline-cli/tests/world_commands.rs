//! End-to-end tests of the `faultline` binary on world files: run, validate, stress
//! (threads, resume, shards, failures), compare, contagion, sweep and inspect.

mod common;

use common::{faultline, read};
use std::path::Path;

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
