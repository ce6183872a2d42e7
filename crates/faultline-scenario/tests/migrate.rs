//! `faultline migrate`: a version-1 scenario becomes a one-venue world that describes the
//! same venue, keeps the file's comments, and is exactly what is bundled.
//!
//! Two former version-1 bundled files are kept as fixtures (`tests/fixtures/v1/`): the
//! default (comments on every section) and the gas-spike demonstration (a `[chain]`
//! with a mempool and a gas market).

use faultline_scenario::migrate::{migrate, MigrateError};
use faultline_scenario::{load, parse};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/v1")
        .join(name)
}

/// (version-1 fixture, the bundled file it became)
const PAIRS: [(&str, &str); 2] = [
    ("default.toml", "scenarios/default.toml"),
    ("gas-spike.toml", "scenarios/demos/gas-spike.toml"),
];

#[test]
fn migrating_the_version_1_fixtures_gives_the_bundled_files_byte_for_byte() {
    for (v1, bundled) in PAIRS {
        let text = std::fs::read_to_string(fixture(v1)).unwrap();
        let world = migrate(&text).unwrap_or_else(|e| panic!("{v1}: {e}"));
        let expected = std::fs::read_to_string(root().join(bundled)).unwrap();
        assert_eq!(world, expected, "{v1} does not migrate to {bundled}");
    }
}

#[test]
fn a_version_1_file_and_its_migration_load_into_the_same_venue() {
    for (v1, bundled) in PAIRS {
        let before = load(&fixture(v1)).unwrap_or_else(|e| panic!("{e}"));
        let after = load(&root().join(bundled)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(before.file.schema_version, 1);
        assert_eq!(after.file.schema_version, 2);
        let mut same = after.file.clone();
        same.schema_version = 1;
        assert_eq!(same, before.file, "{bundled} describes another venue");
        // The same accounts, drawn from the same seed streams.
        let a = faultline_scenario::build(&before, before.file.seed).unwrap();
        let b = faultline_scenario::build(&after, after.file.seed).unwrap();
        assert_eq!(a.labels, b.labels);
        assert_eq!(format!("{:?}", a.sim), format!("{:?}", b.sim));
    }
}

#[test]
fn comments_and_the_mempool_move_with_their_sections() {
    let world = migrate(&std::fs::read_to_string(fixture("gas-spike.toml")).unwrap()).unwrap();
    let doc: toml_edit::DocumentMut = world.parse().unwrap();
    let chain = &doc["chain"][0];
    assert_eq!(chain["block_time_ms"].as_integer(), Some(12_000));
    assert!(
        chain["mempool"]["gas_limit"].is_value(),
        "the [chain] section is the chain's mempool: {world}"
    );
    assert_eq!(doc["protocol"][0]["kind"].as_str(), Some("perp"));
    assert!(doc.get("blocks").is_none() && doc.get("block_time_ms").is_none());
    // The file's opening comment stays first.
    let v1 = std::fs::read_to_string(fixture("gas-spike.toml")).unwrap();
    let first = v1.lines().next().unwrap();
    assert!(first.starts_with('#'));
    assert_eq!(world.lines().next(), Some(first));
}

#[test]
fn files_that_cannot_be_migrated_say_why() {
    let v1 = std::fs::read_to_string(fixture("default.toml")).unwrap();
    // Already a world.
    let world = migrate(&v1).unwrap();
    assert!(matches!(
        migrate(&world),
        Err(MigrateError::NotVersion1(found)) if found.contains("schema_version = 2")
    ));
    // 901 blocks of 2 s is fine; 901 blocks of 1.5 s is not a whole number of seconds.
    let odd = v1
        .replace("blocks = 900", "blocks = 901")
        .replace("block_time_ms = 2000", "block_time_ms = 1500");
    let e = migrate(&odd).unwrap_err();
    assert!(matches!(e, MigrateError::Duration { blocks: 901, .. }));
    assert!(e.to_string().contains("change `blocks`"), "{e}");
    assert!(matches!(migrate("a = ["), Err(MigrateError::Syntax(_))));
}

#[test]
fn a_one_venue_world_reports_errors_at_its_world_places() {
    let text = std::fs::read_to_string(root().join("scenarios/default.toml")).unwrap();
    let bad = text.replace("insurance_fund = 2_000_000.0", "insurance_fund = -1.0");
    let r = parse(&bad, Path::new("bad.toml"), &root().join("scenarios")).unwrap_err();
    let e = r
        .errors
        .iter()
        .find(|e| e.field == "protocol[0].venue.insurance_fund")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(e.line > 0, "{e:?}");
    // The venue's duration is the world's: a part block is refused with both choices.
    let bad = text.replace("duration_s = 1800", "duration_s = 1801");
    let r = parse(&bad, Path::new("bad.toml"), &root().join("scenarios")).unwrap_err();
    let e = r
        .errors
        .iter()
        .find(|e| e.field == "duration_s")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(e.hint.contains("1800 s or 1802 s"), "{e:?}");
}
