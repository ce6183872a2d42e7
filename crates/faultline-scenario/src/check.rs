//! Walk a parsed TOML document against the scenario's JSON Schema and collect every
//! violation with its byte span: unknown keys, missing keys, wrong types, values out
//! of range, unknown variants. One pass finds them all (serde stops at the first).

use crate::error::edit_distance;
use serde_json::Value as Json;
use std::ops::Range;
use toml_edit::{Item, TableLike, Value};

/// A violation before it is given a line and column.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub path: String,
    pub span: Option<Range<usize>>,
    pub expected: String,
    pub found: String,
    pub hint: String,
}

/// A TOML node, whatever its syntax (table, inline table, array of tables...).
enum Node<'a> {
    Table(&'a dyn TableLike),
    Array(Vec<(Node<'a>, Option<Range<usize>>)>),
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Other(&'static str),
}

fn node_of_item(item: &Item) -> Option<(Node<'_>, Option<Range<usize>>)> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(node_of_value(v)),
        Item::Table(t) => Some((Node::Table(t), t.span())),
        Item::ArrayOfTables(a) => {
            let items = a
                .iter()
                .map(|t| (Node::Table(t as &dyn TableLike), t.span()))
                .collect();
            Some((Node::Array(items), a.span()))
        }
    }
}

fn node_of_value(v: &Value) -> (Node<'_>, Option<Range<usize>>) {
    let node = match v {
        Value::String(s) => Node::Str(s.value()),
        Value::Integer(i) => Node::Int(*i.value()),
        Value::Float(f) => Node::Float(*f.value()),
        Value::Boolean(b) => Node::Bool(*b.value()),
        Value::Datetime(_) => Node::Other("a date-time"),
        Value::Array(a) => Node::Array(a.iter().map(node_of_value).collect()),
        Value::InlineTable(t) => Node::Table(t),
    };
    (node, v.span())
}

fn describe(node: &Node<'_>) -> String {
    match node {
        Node::Table(_) => "a table".into(),
        Node::Array(a) => format!(
            "an array of {} item{}",
            a.len(),
            if a.len() == 1 { "" } else { "s" }
        ),
        Node::Str(s) => format!("the string \"{s}\""),
        Node::Int(i) => format!("the integer {i}"),
        Node::Float(f) => format!("the number {f}"),
        Node::Bool(b) => format!("the boolean {b}"),
        Node::Other(what) => (*what).to_string(),
    }
}

pub(crate) struct Checker<'s> {
    root: &'s Json,
    pub issues: Vec<Issue>,
}

impl<'s> Checker<'s> {
    pub fn new(root: &'s Json) -> Self {
        Self {
            root,
            issues: Vec::new(),
        }
    }

    /// Check the whole document.
    pub fn check_document(&mut self, doc: &toml_edit::Table) {
        let root = self.root;
        self.check(root, &Node::Table(doc), Some(0..0), "", "");
    }

    fn resolve(&self, schema: &'s Json) -> &'s Json {
        match schema.get("$ref").and_then(Json::as_str) {
            Some(r) => r
                .strip_prefix("#/$defs/")
                .and_then(|name| self.root.get("$defs")?.get(name))
                .map_or(schema, |s| self.resolve(s)),
            None => schema,
        }
    }

    fn push(
        &mut self,
        path: &str,
        span: Option<Range<usize>>,
        expected: String,
        found: String,
        hint: &str,
    ) {
        self.issues.push(Issue {
            path: path.to_string(),
            span,
            expected,
            found,
            hint: hint.to_string(),
        });
    }

    fn check(
        &mut self,
        schema: &'s Json,
        node: &Node<'_>,
        span: Option<Range<usize>>,
        path: &str,
        hint: &str,
    ) {
        let own_hint = schema
            .get("description")
            .and_then(Json::as_str)
            .unwrap_or(hint);
        let schema = self.resolve(schema);
        let hint = if own_hint.is_empty() {
            schema
                .get("description")
                .and_then(Json::as_str)
                .unwrap_or("")
        } else {
            own_hint
        };
        if let Some(variants) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Json::as_array)
        {
            self.check_variants(variants, node, span, path, hint);
            return;
        }
        if let Some(c) = schema.get("const") {
            if !matches_const(node, c) {
                self.push(path, span, format!("{c}"), describe(node), hint);
            }
            return;
        }
        if !self.check_type(schema, node, span.clone(), path, hint) {
            return;
        }
        match node {
            Node::Table(t) => self.check_object(schema, *t, span, path),
            Node::Array(items) => self.check_array(schema, items, span, path, hint),
            Node::Int(i) => {
                #[allow(clippy::cast_precision_loss)] // bounds in the schema are small
                self.check_range(schema, *i as f64, span, path, hint, node);
                let max = match schema.get("format").and_then(Json::as_str) {
                    Some("uint32") => Some(i64::from(u32::MAX)),
                    Some("uint16") => Some(i64::from(u16::MAX)),
                    _ => None,
                };
                if max.is_some_and(|m| *i > m) {
                    self.push(
                        path,
                        None,
                        format!("an integer no larger than {}", max.unwrap_or(0)),
                        describe(node),
                        hint,
                    );
                }
            }
            Node::Float(f) => {
                if f.is_finite() {
                    self.check_range(schema, *f, span, path, hint, node);
                } else {
                    self.push(path, span, "a finite number".into(), describe(node), hint);
                }
            }
            Node::Str(s) => {
                let min = schema.get("minLength").and_then(Json::as_u64).unwrap_or(0);
                if (s.chars().count() as u64) < min {
                    self.push(
                        path,
                        span,
                        "a non-empty string".into(),
                        describe(node),
                        hint,
                    );
                }
            }
            Node::Bool(_) | Node::Other(_) => {}
        }
    }

    fn check_type(
        &mut self,
        schema: &Json,
        node: &Node<'_>,
        span: Option<Range<usize>>,
        path: &str,
        hint: &str,
    ) -> bool {
        let types: Vec<&str> = match schema.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
            _ => return true,
        };
        let ok = types.iter().any(|t| {
            matches!(
                (*t, node),
                ("object", Node::Table(_))
                    | ("array", Node::Array(_))
                    | ("string", Node::Str(_))
                    | ("boolean", Node::Bool(_))
                    | ("integer", Node::Int(_))
                    | ("number", Node::Int(_) | Node::Float(_))
            )
        });
        if !ok {
            let names: Vec<String> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| match *t {
                    "object" => "a table".to_string(),
                    "array" => "an array".to_string(),
                    "integer" => "an integer".to_string(),
                    "number" => "a number".to_string(),
                    "boolean" => "true or false".to_string(),
                    other => format!("a {other}"),
                })
                .collect();
            self.push(path, span, names.join(" or "), describe(node), hint);
        }
        ok
    }

    fn check_range(
        &mut self,
        schema: &Json,
        x: f64,
        span: Option<Range<usize>>,
        path: &str,
        hint: &str,
        node: &Node<'_>,
    ) {
        let get = |k: &str| schema.get(k).and_then(Json::as_f64);
        let (min, max, xmin, xmax) = (
            get("minimum"),
            get("maximum"),
            get("exclusiveMinimum"),
            get("exclusiveMaximum"),
        );
        let bad = min.is_some_and(|m| x < m)
            || max.is_some_and(|m| x > m)
            || xmin.is_some_and(|m| x <= m)
            || xmax.is_some_and(|m| x >= m);
        if bad {
            let lo = xmin
                .map(|m| format!("> {m}"))
                .or_else(|| min.map(|m| format!("≥ {m}")));
            let hi = xmax
                .map(|m| format!("< {m}"))
                .or_else(|| max.map(|m| format!("≤ {m}")));
            let expected = match (lo, hi) {
                (Some(l), Some(h)) => format!("a value {l} and {h}"),
                (Some(l), None) => format!("a value {l}"),
                (None, Some(h)) => format!("a value {h}"),
                (None, None) => "a value in range".into(),
            };
            self.push(path, span, expected, describe(node), hint);
        }
    }

    fn check_object(
        &mut self,
        schema: &'s Json,
        table: &dyn TableLike,
        span: Option<Range<usize>>,
        path: &str,
    ) {
        let props = schema.get("properties").and_then(Json::as_object);
        let closed = schema.get("additionalProperties") == Some(&Json::Bool(false));
        for (key, item) in table.iter() {
            let child = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            let key_span = table.get_key_value(key).and_then(|(k, _)| k.span());
            match props.and_then(|p| p.get(key)) {
                Some(sub) => {
                    if let Some((node, vspan)) = node_of_item(item) {
                        self.check(sub, &node, vspan.or(key_span), &child, "");
                    }
                }
                None if closed => {
                    let allowed: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let close = allowed
                        .iter()
                        .map(|a| (edit_distance(key, a), *a))
                        .filter(|(d, _)| *d <= 3)
                        .min();
                    let hint = match close {
                        Some((_, a)) => format!(
                            "did you mean `{a}`? Allowed keys here: {}",
                            allowed.join(", ")
                        ),
                        None => format!("allowed keys here: {}", allowed.join(", ")),
                    };
                    self.push(
                        &child,
                        key_span,
                        "a known key (unknown keys are errors, so a typo is never ignored)".into(),
                        format!("`{key}`"),
                        &hint,
                    );
                }
                None => {}
            }
        }
        for req in schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if table.get(req).is_none() {
                let child = if path.is_empty() {
                    req.to_string()
                } else {
                    format!("{path}.{req}")
                };
                let hint = props
                    .and_then(|p| p.get(req))
                    .and_then(|s| s.get("description"))
                    .and_then(Json::as_str)
                    .unwrap_or("");
                let hint = if hint.is_empty() {
                    self.resolve(props.and_then(|p| p.get(req)).unwrap_or(&Json::Null))
                        .get("description")
                        .and_then(Json::as_str)
                        .unwrap_or("")
                } else {
                    hint
                };
                self.push(
                    &child,
                    span.clone(),
                    format!("the required key `{req}`"),
                    "nothing".into(),
                    hint,
                );
            }
        }
    }

    fn check_array(
        &mut self,
        schema: &'s Json,
        items: &[(Node<'_>, Option<Range<usize>>)],
        span: Option<Range<usize>>,
        path: &str,
        hint: &str,
    ) {
        let min = schema.get("minItems").and_then(Json::as_u64).unwrap_or(0);
        if (items.len() as u64) < min {
            self.push(
                path,
                span.clone(),
                format!("at least {min} item{}", if min == 1 { "" } else { "s" }),
                format!("{} items", items.len()),
                hint,
            );
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, (node, s)) in items.iter().enumerate() {
                self.check(
                    item_schema,
                    node,
                    s.clone().or(span.clone()),
                    &format!("{path}[{i}]"),
                    "",
                );
            }
        }
    }

    fn check_variants(
        &mut self,
        variants: &'s [Json],
        node: &Node<'_>,
        span: Option<Range<usize>>,
        path: &str,
        hint: &str,
    ) {
        let resolved: Vec<&'s Json> = variants.iter().map(|v| self.resolve(v)).collect();
        if let Node::Table(t) = node {
            // Tagged variants: pick the one whose constant properties the table matches.
            let tag_of = |v: &Json| -> Option<(String, Json)> {
                v.get("properties")?
                    .as_object()?
                    .iter()
                    .find_map(|(k, p)| p.get("const").map(|c| (k.clone(), c.clone())))
            };
            let tags: Vec<(String, Json)> = resolved.iter().filter_map(|v| tag_of(v)).collect();
            if !tags.is_empty() {
                let tag_key = tags[0].0.clone();
                let chosen = resolved.iter().zip(&tags).find(|(_, (k, c))| {
                    t.get(k)
                        .and_then(Item::as_value)
                        .is_some_and(|v| matches_const(&node_of_value(v).0, c))
                });
                if let Some((variant, _)) = chosen {
                    self.check_object(variant, *t, span, path);
                    return;
                }
                let names: Vec<String> = tags.iter().map(|(_, c)| c.to_string()).collect();
                let (found, at) = match t.get_key_value(&tag_key) {
                    Some((k, item)) => (
                        node_of_item(item)
                            .map(|(n, _)| describe(&n))
                            .unwrap_or_default(),
                        item.span().or(k.span()),
                    ),
                    None => ("no `".to_string() + &tag_key + "` key", span),
                };
                let child = if path.is_empty() {
                    tag_key.clone()
                } else {
                    format!("{path}.{tag_key}")
                };
                self.push(
                    &child,
                    at,
                    format!("`{tag_key}` set to one of {}", names.join(", ")),
                    found,
                    hint,
                );
                return;
            }
        }
        // An optional value (`T` or null): a present value is checked as `T`, so its
        // problems are reported field by field.
        let non_null: Vec<&'s Json> = resolved
            .iter()
            .copied()
            .filter(|v| v.get("type").and_then(Json::as_str) != Some("null"))
            .collect();
        if non_null.len() == 1 && resolved.len() == 2 {
            self.check(non_null[0], node, span, path, hint);
            return;
        }
        // Untagged: accept the first variant that checks clean.
        for v in &resolved {
            let mut probe = Checker::new(self.root);
            probe.check(v, node, span.clone(), path, hint);
            if probe.issues.is_empty() {
                return;
            }
        }
        let names: Vec<String> = resolved
            .iter()
            .filter_map(|v| v.get("const").map(Json::to_string))
            .collect();
        let expected = if names.is_empty() {
            "one of the documented forms".to_string()
        } else {
            format!("one of {}", names.join(", "))
        };
        self.push(path, span, expected, describe(node), hint);
    }
}

fn matches_const(node: &Node<'_>, c: &Json) -> bool {
    match (node, c) {
        (Node::Str(s), Json::String(cs)) => s == cs,
        (Node::Bool(b), Json::Bool(cb)) => b == cb,
        (Node::Int(i), Json::Number(n)) => n.as_i64() == Some(*i),
        _ => false,
    }
}
