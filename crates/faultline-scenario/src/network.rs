//! Exposure-network files: protocols and who holds whose liabilities, for the static
//! contagion measures (`faultline contagion`).
//!
//! ```toml
//! schema_version = 1
//! name = "perp venue and lending market"
//!
//! [[protocol]]
//! name = "perp"
//! external_assets = 40_000_000.0
//!
//! [[protocol]]
//! name = "lending"
//! external_assets = 120_000_000.0
//!
//! [[exposure]]          # the perp's insurance fund is deposited in the lending market
//! debtor = "lending"
//! creditor = "perp"
//! amount = 15_000_000.0
//! ```

use crate::check::Issue;
use crate::error::ValidationReport;
use crate::load::{issue, parse_checked, read_input, to_errors};
use crate::locate::locate;
use faultline_math::contagion::{contagion_index, debt_rank, rogers_veraart, NetworkError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A network of protocols and their mutual obligations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Short name.
    pub name: String,
    /// Bankruptcy recovery on outside assets, in [0, 1] (Rogers–Veraart α; 1 is
    /// Eisenberg–Noe).
    #[serde(default = "one")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub recovery_external: f64,
    /// Bankruptcy recovery on claims on other protocols, in [0, 1] (Rogers–Veraart β).
    #[serde(default = "one")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub recovery_interbank: f64,
    /// The protocols.
    #[schemars(length(min = 1))]
    pub protocol: Vec<ProtocolNode>,
    /// Who owes whom.
    #[serde(default)]
    pub exposure: Vec<Exposure>,
}

fn one() -> f64 {
    1.0
}

/// One protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolNode {
    /// Unique name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Assets outside the network (quote, ≥ 0).
    #[schemars(range(min = 0.0))]
    pub external_assets: f64,
    /// What it owes outside the network (depositors, bondholders; quote, ≥ 0).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub external_liabilities: f64,
}

/// An obligation: `debtor` owes `creditor` `amount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exposure {
    /// The protocol that owes.
    pub debtor: String,
    /// The protocol that is owed (holds the claim as an asset).
    pub creditor: String,
    /// Nominal amount (quote, > 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub amount: f64,
    /// What the claim is (free text).
    #[serde(default)]
    pub what: String,
}

/// Read and check a network file.
pub fn load_network(path: &Path) -> Result<NetworkFile, ValidationReport> {
    let text = read_input(path)?;
    parse_network(&text, path)
}

/// Parse and check network text; every problem is reported with its line.
pub fn parse_network(text: &str, path: &Path) -> Result<NetworkFile, ValidationReport> {
    let (file, doc): (NetworkFile, _) = parse_checked(text, path, "a valid network")?;
    let mut issues: Vec<Issue> = Vec::new();
    for (i, p) in file.protocol.iter().enumerate() {
        if file.protocol[..i].iter().any(|q| q.name == p.name) {
            issues.push(issue(
                &format!("protocol[{i}].name"),
                "a unique name",
                &format!("\"{}\" again", p.name),
                "rename one of them",
            ));
        }
    }
    let known = |n: &str| file.protocol.iter().any(|p| p.name == n);
    for (k, e) in file.exposure.iter().enumerate() {
        for (field, name) in [("debtor", &e.debtor), ("creditor", &e.creditor)] {
            if !known(name) {
                issues.push(issue(
                    &format!("exposure[{k}].{field}"),
                    "a protocol name",
                    &format!("\"{name}\""),
                    "name a protocol defined in [[protocol]]",
                ));
            }
        }
        if e.debtor == e.creditor {
            issues.push(issue(
                &format!("exposure[{k}].creditor"),
                "another protocol than the debtor",
                &format!("\"{}\"", e.creditor),
                "a protocol cannot owe itself",
            ));
        }
    }
    if issues.is_empty() {
        Ok(file)
    } else {
        for is in &mut issues {
            is.span = locate(doc.as_table(), &is.path);
        }
        Err(ValidationReport {
            file: path.to_path_buf(),
            errors: to_errors(text, issues),
        })
    }
}

/// A world's exposure network as a network file.
pub fn from_world(name: &str, n: &faultline_world::exposure::Network) -> NetworkFile {
    NetworkFile {
        schema_version: 1,
        name: format!("{name} at tick {}", n.tick),
        recovery_external: 1.0,
        recovery_interbank: 1.0,
        protocol: n
            .nodes
            .iter()
            .map(|p| ProtocolNode {
                name: p.name.clone(),
                external_assets: p.external_assets.max(0.0),
                external_liabilities: p.external_liabilities.max(0.0),
            })
            .collect(),
        exposure: n
            .claims
            .iter()
            .filter(|c| c.amount > 0.0)
            .map(|c| Exposure {
                debtor: c.debtor.clone(),
                creditor: c.creditor.clone(),
                amount: c.amount,
                what: c.what.clone(),
            })
            .collect(),
    }
}

/// A network file as TOML (what `faultline contagion` reads).
pub fn to_toml(f: &NetworkFile) -> String {
    toml_edit::ser::to_string_pretty(f).unwrap_or_default()
}

/// Every static contagion measure of a network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkReport {
    /// Network name.
    pub name: String,
    /// Per protocol, in file order.
    pub protocols: Vec<ProtocolReport>,
    /// Total shortfall of the network as it stands (Σ owed − paid).
    pub shortfall: f64,
}

/// One protocol's measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolReport {
    /// Name.
    pub name: String,
    /// Defaults in the network's clearing as it stands.
    pub defaulted: bool,
    /// What it pays of what it owes, in that clearing.
    pub paid: f64,
    /// What it owes (inside and outside the network).
    pub owed: f64,
    /// Its equity after clearing.
    pub equity: f64,
    /// Loss its failure alone (outside assets lost) inflicts on the other protocols.
    pub loss_caused: f64,
    /// Its share of the losses all single failures cause (the Contagion Index).
    pub contagion_index: f64,
    /// DebtRank of its default: the share of the network's economic value (total
    /// assets) lost to the distress it spreads, beyond its own.
    pub debt_rank: f64,
}

/// Compute the static measures: Eisenberg–Noe (or Rogers–Veraart) clearing, the
/// Contagion Index and DebtRank. External creditors are one extra node that owes
/// nothing; DebtRank's capital is each protocol's equity in the unshocked clearing.
pub fn analyse(f: &NetworkFile) -> Result<NetworkReport, NetworkError> {
    let n = f.protocol.len();
    let index = |name: &str| f.protocol.iter().position(|p| p.name == name);
    let mut l = vec![vec![0.0; n + 1]; n + 1];
    for e in &f.exposure {
        if let (Some(d), Some(c)) = (index(&e.debtor), index(&e.creditor)) {
            l[d][c] += e.amount;
        }
    }
    for (i, p) in f.protocol.iter().enumerate() {
        l[i][n] = p.external_liabilities;
    }
    let mut external: Vec<f64> = f.protocol.iter().map(|p| p.external_assets).collect();
    external.push(0.0);
    let clearing = rogers_veraart(&l, &external, f.recovery_external, f.recovery_interbank)?;
    let (ci, caused) = contagion_index(&l, &external, n)?;
    // DebtRank over the protocols: impact of j on i = min(1, i's claim on j / i's equity).
    let assets: Vec<f64> = (0..n)
        .map(|i| external[i] + (0..n).map(|j| l[j][i]).sum::<f64>())
        .collect();
    let total_assets: f64 = assets.iter().sum();
    let value: Vec<f64> = assets
        .iter()
        .map(|a| {
            if total_assets > 0.0 {
                a / total_assets
            } else {
                0.0
            }
        })
        .collect();
    let impact: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            (0..n)
                .map(|i| {
                    let claim = l[j][i];
                    if claim <= 0.0 {
                        0.0
                    } else if clearing.equity[i] <= 0.0 {
                        1.0
                    } else {
                        (claim / clearing.equity[i]).min(1.0)
                    }
                })
                .collect()
        })
        .collect();
    let protocols = (0..n)
        .map(|i| {
            let mut h = vec![0.0; n];
            h[i] = 1.0;
            let (_, dr) = debt_rank(&impact, &value, &h)?;
            Ok(ProtocolReport {
                name: f.protocol[i].name.clone(),
                defaulted: clearing.defaulted[i],
                paid: clearing.payments[i],
                owed: clearing.obligations[i],
                equity: clearing.equity[i],
                loss_caused: caused[i],
                contagion_index: ci[i],
                debt_rank: dr,
            })
        })
        .collect::<Result<Vec<_>, NetworkError>>()?;
    Ok(NetworkReport {
        name: f.name.clone(),
        protocols,
        shortfall: clearing.shortfall(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NET: &str = r#"
schema_version = 1
name = "two protocols"

[[protocol]]
name = "perp"
external_assets = 10.0
external_liabilities = 30.0

[[protocol]]
name = "lending"
external_assets = 100.0
external_liabilities = 80.0

[[exposure]]
debtor = "perp"
creditor = "lending"
amount = 25.0
"#;

    #[test]
    fn a_network_is_cleared_and_ranked() {
        let f = parse_network(NET, Path::new("n.toml")).unwrap();
        let r = analyse(&f).unwrap();
        // The perp has 10 for 55 of debts: it defaults and pays 10, 25/55 of it to lending.
        let perp = &r.protocols[0];
        assert!(perp.defaulted && (perp.paid - 10.0).abs() < 1e-9);
        let lending = &r.protocols[1];
        let received = 10.0 * 25.0 / 55.0;
        assert!((lending.equity - (100.0 + received - 80.0)).abs() < 1e-9);
        // Only the perp's failure hurts anyone: it carries the whole Contagion Index.
        assert!((perp.contagion_index - 1.0).abs() < 1e-12);
        assert!(lending.contagion_index.abs() < 1e-12);
        assert!(perp.debt_rank > 0.0 && lending.debt_rank.abs() < 1e-12);
    }

    #[test]
    fn a_default_that_travels_only_through_a_link_vanishes_when_it_is_cut() {
        // The CDP is insolvent on its own; the lending market is solvent except for the
        // stablecoin it holds, a claim on the CDP.
        let linked = r#"
schema_version = 1
name = "contagion path"

[[protocol]]
name = "cdp"
external_assets = 50.0
external_liabilities = 60.0

[[protocol]]
name = "lending"
external_assets = 90.0
external_liabilities = 120.0

[[exposure]]
debtor = "cdp"
creditor = "lending"
amount = 40.0
"#;
        let with_link = analyse(&parse_network(linked, Path::new("l.toml")).unwrap()).unwrap();
        // The CDP pays 50 of 100, 20 of it to lending: 90 + 20 < 120, lending defaults.
        assert!(with_link.protocols[0].defaulted && with_link.protocols[1].defaulted);
        assert!((with_link.protocols[1].paid - 110.0).abs() < 1e-9);
        // Cut the link (lending holds outside assets instead of the claim's face value).
        let cut = linked
            .replace("external_assets = 90.0", "external_assets = 130.0")
            .split("[[exposure]]")
            .next()
            .unwrap()
            .to_string();
        let without = analyse(&parse_network(&cut, Path::new("c.toml")).unwrap()).unwrap();
        assert!(
            without.protocols[0].defaulted,
            "the CDP still fails on its own"
        );
        assert!(
            !without.protocols[1].defaulted,
            "lending survives without the link"
        );
        assert!(without.protocols[1].equity > 0.0);
    }

    #[test]
    fn bad_names_are_reported_with_their_lines() {
        let bad = NET.replace("creditor = \"lending\"", "creditor = \"lendnig\"");
        let e = parse_network(&bad, Path::new("n.toml")).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("exposure[0].creditor") && text.contains("lendnig"),
            "{text}"
        );
        assert!(text.contains("n.toml:"), "{text}");
        let typo = NET.replace("amount = 25.0", "amuont = 25.0");
        assert!(parse_network(&typo, Path::new("n.toml")).is_err());
    }
}
