//! `faultline migrate`: rewrite a version-1 scenario as a one-venue world (schema
//! version 2), keeping its comments and the order of its sections.
//!
//! What moves where: `blocks × block_time_ms` becomes the world's `duration_s`; the
//! block time goes to a `[[chain]]` named `chain`, and the `[chain]` section (the mempool
//! and gas market) to that chain's `mempool`; every other section (`venue`, `oracle`,
//! `market`, `account`, `population`, `correlation`, `fault`, `liquidator`) goes under
//! one `[[protocol]]` of kind `perp` named `perp`. The result loads into the same
//! scenario, so a run of either file gives the same results.

use std::fmt;
use toml_edit::{value, ArrayOfTables, DocumentMut, Item, Key, Table};

/// Sections of a version-1 scenario that belong to the venue.
const VENUE_SECTIONS: [&str; 8] = [
    "venue",
    "oracle",
    "market",
    "account",
    "population",
    "correlation",
    "fault",
    "liquidator",
];

/// Why a file could not be migrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateError {
    /// The text is not TOML.
    Syntax(String),
    /// The file is not a version-1 scenario.
    NotVersion1(String),
    /// The run's length is not a whole number of seconds.
    Duration {
        /// Blocks in the file.
        blocks: u64,
        /// Block time in the file.
        block_time_ms: u64,
    },
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(e) => write!(f, "not valid TOML: {e}"),
            Self::NotVersion1(found) => write!(
                f,
                "expected a version-1 scenario (schema_version = 1), found {found}"
            ),
            Self::Duration {
                blocks,
                block_time_ms,
            } => write!(
                f,
                "blocks × block_time_ms = {blocks} × {block_ms} ms is not a whole number of \
                 seconds; a world's duration is in seconds: change `blocks` so the product is \
                 a multiple of 1000 ms, then migrate",
                block_ms = block_time_ms
            ),
        }
    }
}

impl std::error::Error for MigrateError {}

/// The one-venue world form of a version-1 scenario's text.
pub fn migrate(text: &str) -> Result<String, MigrateError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| MigrateError::Syntax(e.message().to_string()))?;
    let version = doc.get("schema_version").and_then(Item::as_integer);
    if version != Some(1) {
        return Err(MigrateError::NotVersion1(version.map_or_else(
            || "no schema_version".to_string(),
            |v| format!("schema_version = {v}"),
        )));
    }
    let number = |doc: &DocumentMut, k: &str| {
        doc.get(k)
            .and_then(Item::as_integer)
            .and_then(|v| u64::try_from(v).ok())
    };
    let (Some(blocks), Some(block_time_ms)) =
        (number(&doc, "blocks"), number(&doc, "block_time_ms"))
    else {
        return Err(MigrateError::NotVersion1(
            "a file without integer `blocks` and `block_time_ms`".into(),
        ));
    };
    let ms = blocks.saturating_mul(block_time_ms);
    if ms % 1_000 != 0 {
        return Err(MigrateError::Duration {
            blocks,
            block_time_ms,
        });
    }
    let root = doc.as_table_mut();
    root["schema_version"] = carry(root.get("schema_version"), 2);
    let duration = carry(
        root.get("blocks"),
        i64::try_from(ms / 1_000).unwrap_or(i64::MAX),
    );
    let block_time = carry(
        root.get("block_time_ms"),
        i64::try_from(block_time_ms).unwrap_or(0),
    );
    let mut after_seed = Table::new();
    let keys: Vec<String> = root.iter().map(|(k, _)| k.to_string()).collect();
    for k in keys {
        let Some((key, item)) = root.get_key_value(&k) else {
            continue;
        };
        match k.as_str() {
            "blocks" => {
                let mut renamed = Key::new("duration_s");
                *renamed.leaf_decor_mut() = key.leaf_decor().clone();
                after_seed.insert_formatted(&renamed, duration.clone());
            }
            "block_time_ms" => {}
            _ => {
                after_seed.insert_formatted(key, item.clone());
            }
        }
    }
    let mut chain = Table::new();
    chain.insert("name", value("chain"));
    chain.insert("block_time_ms", block_time);
    if let Some(mempool) = after_seed.remove("chain") {
        chain.insert("mempool", mempool);
    }
    let mut protocol = Table::new();
    protocol.insert("kind", value("perp"));
    protocol.insert("name", value("perp"));
    protocol.insert("chain", value("chain"));
    for k in VENUE_SECTIONS {
        if let Some(item) = after_seed.remove(k) {
            protocol.insert(k, item);
        }
    }
    let mut out = after_seed;
    out.insert("chain", Item::ArrayOfTables(one(chain)));
    out.insert("protocol", Item::ArrayOfTables(one(protocol)));
    *doc.as_table_mut() = out;
    order(doc.as_table_mut(), &mut 0);
    Ok(doc.to_string())
}

/// `new` in place of an integer item, keeping the item's comments.
fn carry(old: Option<&Item>, new: i64) -> Item {
    let mut item = value(new);
    if let (Some(Item::Value(old)), Some(v)) = (old, item.as_value_mut()) {
        *v.decor_mut() = old.decor().clone();
    }
    item
}

fn one(t: Table) -> ArrayOfTables {
    let mut a = ArrayOfTables::new();
    a.push(t);
    a
}

/// Number every table in document order (depth first), so the world's chain comes
/// before its venue and each section keeps its place among its siblings.
fn order(t: &mut Table, next: &mut isize) {
    for (_, item) in t.iter_mut() {
        match item {
            Item::Table(sub) => {
                sub.set_position(Some(*next));
                *next += 1;
                order(sub, next);
            }
            Item::ArrayOfTables(a) => {
                for sub in a.iter_mut() {
                    sub.set_position(Some(*next));
                    *next += 1;
                    order(sub, next);
                }
            }
            _ => {}
        }
    }
}
