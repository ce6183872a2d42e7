//! Find the byte span of a dotted field path (`market[0].book.depth[1].offset`) in a
//! parsed document, so errors found after deserialization still point at a line.

use std::ops::Range;
use toml_edit::{Item, Table, Value};

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Cursor<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

/// The span of the deepest part of `path` that exists (falls back toward the root).
pub(crate) fn locate(doc: &Table, path: &str) -> Option<Range<usize>> {
    let mut best = None;
    let mut cur: Option<Cursor<'_>> = None;
    for seg in segments(path) {
        let next = match (cur, seg) {
            (None, Seg::Key(k)) => doc.get(k).map(Cursor::Item),
            (None, Seg::Index(_)) => None,
            (Some(Cursor::Item(Item::Table(t))) | Some(Cursor::Table(t)), Seg::Key(k)) => {
                t.get(k).map(Cursor::Item)
            }
            (
                Some(Cursor::Item(Item::Value(Value::InlineTable(t))))
                | Some(Cursor::Value(Value::InlineTable(t))),
                Seg::Key(k),
            ) => t.get(k).map(Cursor::Value),
            (Some(Cursor::Item(Item::ArrayOfTables(a))), Seg::Index(i)) => {
                a.get(i).map(Cursor::Table)
            }
            (
                Some(Cursor::Item(Item::Value(Value::Array(a))))
                | Some(Cursor::Value(Value::Array(a))),
                Seg::Index(i),
            ) => a.get(i).map(Cursor::Value),
            _ => None,
        };
        let Some(next) = next else { break };
        let span = match next {
            Cursor::Item(i) => i.span(),
            Cursor::Table(t) => t.span(),
            Cursor::Value(v) => v.span(),
        };
        if span.is_some() {
            best = span;
        }
        cur = Some(next);
    }
    best
}
