//! One-venue worlds: a world file (schema version 2) whose only section, besides its
//! chain, is one perp venue with its sections written inline. It loads into the same
//! [`Scenario`] a version-1 file does, so every command that runs a venue (`run`,
//! `stress`, `compare`, `sweep`, `replay`, `inspect`) takes it, and every problem is
//! reported at its place in the world file.
//!
//! The venue's sections are the clearing house's: `venue`, `oracle`, `market`,
//! `account`, `population`, `correlation`, `fault`, `liquidator` under the
//! `[[protocol]]`; the block time is its chain's, the number of blocks the world's
//! duration over it, and the chain's `mempool` is the engine's gas market.

use crate::check::Issue;
use crate::error::ValidationReport;
use crate::load::{check, issue, parse_checked, to_errors, Scenario};
use crate::locate::locate;
use crate::schema::world::{ProtocolFile, WorldFile};
use crate::schema::ScenarioFile;
use faultline_units::AssetId;
use faultline_world::spec::ChainId;
use faultline_world::WorldSpec;
use std::path::Path;
use toml_edit::{Item, Table};

/// Top-level sections that make a world more than one venue.
const WORLD_SECTIONS: [&str; 5] = ["asset", "venue", "oracle", "agent", "breaker"];

/// Most blocks a venue runs (the version-1 bound).
const MAX_BLOCKS: u64 = 10_000_000;

/// True when a parsed document is a one-venue world: schema version 2, exactly one
/// protocol, a perp venue written inline (no `file`), and no assets, venues, oracles,
/// agents or breakers.
pub(crate) fn is_one_venue(doc: &Table) -> bool {
    let v2 = doc.get("schema_version").and_then(Item::as_integer) == Some(2);
    let bare = WORLD_SECTIONS.iter().all(|k| !doc.contains_key(k));
    let one_perp = doc
        .get("protocol")
        .and_then(Item::as_array_of_tables)
        .is_some_and(|a| {
            a.len() == 1
                && a.get(0).is_some_and(|t| {
                    t.get("kind").and_then(Item::as_str) == Some("perp") && !t.contains_key("file")
                })
        });
    v2 && bare && one_perp
}

/// Parse a one-venue world's text.
pub(crate) fn parse(
    text: &str,
    path: &Path,
    base_dir: &Path,
) -> Result<Scenario, ValidationReport> {
    let (w, doc): (WorldFile, _) = parse_checked(text, path, "a valid world")?;
    let report = |mut issues: Vec<Issue>| {
        for is in &mut issues {
            is.span = locate(doc.as_table(), &is.path);
        }
        ValidationReport {
            file: path.to_path_buf(),
            errors: to_errors(text, issues),
        }
    };
    if !is_one_venue(doc.as_table()) {
        return Err(report(vec![issue(
            "protocol",
            "a one-venue world (one perp protocol written inline; no assets, venues, \
             oracles, agents or breakers)",
            &format!("{} protocol(s) in a world", w.protocol.len()),
            "this command runs one venue; `faultline run` and `faultline stress` run whole worlds",
        )]));
    }
    let mut issues = alone(&w);
    let converted = venue_scenario(&w, 0);
    let (file, chain) = match converted {
        Ok(ok) if issues.is_empty() => ok,
        Ok(_) => return Err(report(issues)),
        Err(more) => {
            issues.extend(more);
            return Err(report(issues));
        }
    };
    check(file, path, base_dir).map_err(|issues| {
        report(
            issues
                .into_iter()
                .map(|mut is| {
                    is.path = world_path(&is.path, 0, chain);
                    is
                })
                .collect(),
        )
    })
}

/// What a one-venue world may not declare: bindings to world assets, other collateral,
/// reserves and refills (there are no assets), and a chain gas schedule (gas is the
/// mempool's).
fn alone(w: &WorldFile) -> Vec<Issue> {
    let mut out = Vec::new();
    if let ProtocolFile::Perp {
        collateral,
        bind,
        accepts,
        insurance_reserve,
        refill,
        ..
    } = &w.protocol[0]
    {
        let worldly = [
            ("collateral", collateral.is_some()),
            ("bind", !bind.is_empty()),
            ("accepts", !accepts.is_empty()),
            ("insurance_reserve", insurance_reserve.is_some()),
            ("refill", refill.is_some()),
        ];
        for (key, set) in worldly {
            if set {
                out.push(issue(
                    &format!("protocol[0].{key}"),
                    "no world assets in a one-venue world",
                    &format!("`{key}`"),
                    "declare the assets, oracles and pools it names ([[asset]], [[oracle]], \
                     [[venue]]) to make this a world, or remove it",
                ));
            }
        }
    }
    for (c, ch) in w.chain.iter().enumerate() {
        let gas = ch.gas_asset.is_some()
            || ch.gas_price_gwei != 0.0
            || !ch.gas_spike.is_empty()
            || ch.gas_replay.is_some();
        if gas {
            out.push(issue(
                &format!("chain[{c}]"),
                "no gas schedule in a one-venue world",
                "gas_asset / gas_price_gwei / gas_spike / gas_replay",
                "a venue's transactions pay the gas market in [chain.mempool]",
            ));
        }
    }
    out
}

/// The version-1 form of world `w`'s protocol `i`, a perp venue written inline, with
/// the index of its chain; on failure every problem at its world path.
pub(crate) fn venue_scenario(w: &WorldFile, i: usize) -> Result<(ScenarioFile, usize), Vec<Issue>> {
    let at = format!("protocol[{i}]");
    let ProtocolFile::Perp {
        chain,
        file,
        venue,
        oracle,
        market,
        account,
        population,
        correlation,
        fault,
        liquidator,
        ..
    } = &w.protocol[i]
    else {
        return Err(vec![issue(&at, "a perp venue", "another kind", "")]);
    };
    let mut issues = Vec::new();
    let c = w.chain.iter().position(|c| c.name == *chain);
    if c.is_none() {
        issues.push(issue(
            &format!("{at}.chain"),
            "a chain declared in [[chain]]",
            &format!("\"{chain}\""),
            "declare it: [[chain]] name = \"...\" block_time_ms = ...",
        ));
    }
    let inline = venue.is_some() || !market.is_empty();
    if file.is_some() && inline {
        issues.push(issue(
            &format!("{at}.file"),
            "a venue file or inline sections, not both",
            "both",
            "keep the inline sections and remove `file`, or the reverse",
        ));
    }
    if venue.is_none() {
        issues.push(issue(
            &format!("{at}.venue"),
            "the venue-wide settings: [protocol.venue] with insurance_fund and \
             liquidity_provider_capital",
            "none",
            "add a [protocol.venue] table (see `faultline schema`)",
        ));
    }
    if market.is_empty() {
        issues.push(issue(
            &format!("{at}.market"),
            "at least one [[protocol.market]]",
            "none",
            "add the venue's markets (symbol, margin, liquidation, book, reference)",
        ));
    }
    let blocks = c.map(|c| blocks(w, c, &mut issues));
    let (Some(c), Some(Some(blocks)), Some(venue)) = (c, blocks, venue) else {
        return Err(issues);
    };
    if !issues.is_empty() {
        return Err(issues);
    }
    let file = ScenarioFile {
        schema_version: 2,
        name: w.name.clone(),
        description: w.description.clone(),
        seed: w.seed,
        blocks,
        block_time_ms: w.chain[c].block_time_ms,
        venue: (**venue).clone(),
        oracle: oracle.as_deref().cloned().unwrap_or_default(),
        market: market.clone(),
        account: account.clone(),
        population: population.clone(),
        correlation: correlation.as_deref().cloned(),
        chain: w.chain[c].mempool.clone(),
        fault: fault.clone(),
        liquidator: liquidator.clone(),
    };
    Ok((file, c))
}

/// The world's duration in blocks of chain `c`, when it is a whole number of them.
fn blocks(w: &WorldFile, c: usize, issues: &mut Vec<Issue>) -> Option<u64> {
    let block_ms = w.chain[c].block_time_ms;
    let ms = w.duration_s.saturating_mul(1_000);
    let blocks = ms / block_ms.max(1);
    if ms % block_ms.max(1) != 0 {
        issues.push(issue(
            "duration_s",
            &format!(
                "a whole number of {block_ms} ms blocks of chain \"{}\"",
                w.chain[c].name
            ),
            &format!("{} s", w.duration_s),
            &format!(
                "use {} s or {} s",
                blocks * block_ms / 1_000,
                (blocks + 1) * block_ms / 1_000
            ),
        ));
        return None;
    }
    if blocks > MAX_BLOCKS {
        issues.push(issue(
            "duration_s",
            &format!("at most {MAX_BLOCKS} blocks of the venue's chain"),
            &format!("{blocks} blocks"),
            "shorten the run or lengthen the block time",
        ));
        return None;
    }
    Some(blocks)
}

/// The one asset of a one-venue world: the venue's quote (dollars, 6 decimals, the
/// engine's `Quote`), at par. Margin, the insurance fund and the liquidity provider's
/// capital are balances of it held by the venue's contract.
pub const QUOTE_ASSET: &str = "USD";

/// A one-venue world as the world pipeline runs it: its quote asset ([`QUOTE_ASSET`]),
/// its chain (gas is the venue's own mempool, so the world charges none), and the venue
/// as a perp protocol whose markets follow their own reference processes and oracles and
/// draw from the run's seed, so it runs exactly what the venue runs alone.
pub(crate) fn world_spec(w: &WorldFile, scenario: Scenario) -> WorldSpec {
    use faultline_world::perp::{PerpFactory, PerpSpec, SeedStream};
    use faultline_world::spec::{AssetSpec, ChainSpec, PriceOrigin, ProtocolSpec};
    let chain = w
        .chain
        .iter()
        .position(|c| c.name == protocol_chain(w))
        .unwrap_or(0);
    let name = match &w.protocol[0] {
        ProtocolFile::Perp { name, .. } => name.clone(),
        _ => "perp".into(),
    };
    let (tick_ms, ticks) = (scenario.file.block_time_ms, scenario.file.blocks);
    let scenario = std::sync::Arc::new(scenario);
    let build = PerpFactory(std::sync::Arc::new(move |seed, _: &[(usize, Vec<f64>)]| {
        crate::build(&scenario, seed)
            .map(|b| b.sim)
            .map_err(|e| Box::new(e) as faultline_world::perp::BuildFailure)
    }));
    WorldSpec {
        name: w.name.clone(),
        tick_ms,
        ticks,
        assets: vec![AssetSpec {
            name: QUOTE_ASSET.into(),
            decimals: 6,
            price: PriceOrigin::Peg(1.0),
        }],
        chains: vec![ChainSpec {
            name: w.chain[chain].name.clone(),
            block_time_ms: tick_ms,
            gas_asset: AssetId(0),
            gas_price_wei: 0,
            gas_spikes: Vec::new(),
            gas_path_wei: Vec::new(),
        }],
        venues: Vec::new(),
        oracles: Vec::new(),
        protocols: vec![ProtocolSpec::Perp(PerpSpec {
            name,
            chain: ChainId(0),
            collateral: AssetId(0),
            markets: Vec::new(),
            accepts: Vec::new(),
            reserve: None,
            refill: None,
            seed: SeedStream::Run,
            build,
        })],
        agents: Vec::new(),
        breakers: Vec::new(),
    }
}

fn protocol_chain(w: &WorldFile) -> &str {
    match &w.protocol[0] {
        ProtocolFile::Perp { chain, .. } => chain,
        _ => "",
    }
}

/// Where a version-1 field path lives in a world whose protocol `protocol` is the venue
/// on chain `chain`.
pub(crate) fn world_path(v1: &str, protocol: usize, chain: usize) -> String {
    let cut = v1.find(['.', '[']).unwrap_or(v1.len());
    let (head, rest) = v1.split_at(cut);
    match head {
        "blocks" => "duration_s".into(),
        "block_time_ms" => format!("chain[{chain}].block_time_ms"),
        "chain" => format!("chain[{chain}].mempool{rest}"),
        "" | "name" | "description" | "seed" | "schema_version" => v1.into(),
        _ => format!("protocol[{protocol}].{v1}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_paths_map_to_their_world_places() {
        assert_eq!(world_path("blocks", 0, 0), "duration_s");
        assert_eq!(world_path("block_time_ms", 0, 2), "chain[2].block_time_ms");
        assert_eq!(
            world_path("chain.gas_limit", 0, 1),
            "chain[1].mempool.gas_limit"
        );
        assert_eq!(
            world_path("market[1].book.depth[0].offset", 3, 0),
            "protocol[3].market[1].book.depth[0].offset"
        );
        assert_eq!(
            world_path("venue.backstop", 0, 0),
            "protocol[0].venue.backstop"
        );
        assert_eq!(world_path("seed", 0, 0), "seed");
    }
}
