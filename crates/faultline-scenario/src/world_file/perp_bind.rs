//! World files, perp venues: where a venue's clearing house comes from (a venue file or
//! inline sections) and how its markets are bound to world assets and oracles.

use super::{ppm, Names, Resolver};
use crate::schema::world::PerpMarketFile;
use crate::Scenario;
use faultline_units::AssetId;
use faultline_world::perp::MarketBinding;
use faultline_world::spec::{AssetSpec, OracleId, OracleSpec, VenueId, VenueSpec};
use std::path::Path;

impl Resolver<'_> {
    /// The venue's collateral: a named asset with at least 6 decimals.
    pub(super) fn collateral(
        &mut self,
        at: &str,
        name: Option<&str>,
        n: &Names<'_>,
        aspecs: &[AssetSpec],
    ) -> Option<usize> {
        let Some(name) = name else {
            self.push(
                format!("{at}.collateral"),
                "the asset margin is held in",
                "none",
                "add collateral = \"USDC\" (a world asset)",
            );
            return None;
        };
        let c = self.find(format!("{at}.collateral"), "asset", name, n.assets)?;
        if aspecs[c].decimals < 6 {
            self.push(
                format!("{at}.collateral"),
                "an asset with at least 6 decimals (the venue's books count in 10⁻⁶)",
                &format!("{name} with {} decimals", aspecs[c].decimals),
                "use a dollar stablecoin such as USDC",
            );
        }
        Some(c)
    }

    /// A venue file (a one-venue world or a version-1 scenario) that steps once per
    /// block of the chain, covers the world's duration and declares no mempool.
    pub(super) fn venue_file(
        &mut self,
        at: &str,
        name: &str,
        chain: Option<usize>,
    ) -> Option<Scenario> {
        let file = self.dir.join(name);
        let scenario = match crate::load(&file) {
            Ok(s) => s,
            Err(report) => {
                let first = report.errors.first().map_or(String::new(), |e| {
                    if e.line == 0 {
                        format!(": {} ({})", e.expected, e.found)
                    } else {
                        format!(
                            ": first, line {}: {} — expected {}",
                            e.line, e.field, e.expected
                        )
                    }
                });
                self.push(
                    format!("{at}.file"),
                    "a valid venue file",
                    &format!(
                        "{} error(s) in {}{first}",
                        report.errors.len(),
                        file.display()
                    ),
                    &format!("run `faultline validate {}`", file.display()),
                );
                return None;
            }
        };
        if let Some(c) = chain {
            let block_ms = self.f.chain[c].block_time_ms;
            if scenario.file.block_time_ms != block_ms {
                self.push(
                    format!("{at}.file"),
                    &format!("a venue file whose chain has block_time_ms = {block_ms} (this chain's)"),
                    &format!("block_time_ms = {}", scenario.file.block_time_ms),
                    "the venue steps once per block of its chain: set the venue file's [[chain]] block_time_ms to match, or put the protocol on a chain with its block time",
                );
            }
            let needed = self.f.duration_s * 1_000 / block_ms;
            if scenario.file.blocks < needed {
                self.push(
                    format!("{at}.file"),
                    &format!("a venue file of at least {needed} blocks"),
                    &format!("{} blocks", scenario.file.blocks),
                    "lengthen its duration to cover the world's",
                );
            }
        }
        if scenario.file.chain.is_some() {
            self.push(
                format!("{at}.file"),
                "a venue file without a mempool",
                "a mempool (or a version-1 [chain] section)",
                "in a world, keepers and arbitrageurs pay the chain's gas_price_gwei",
            );
        }
        Some(scenario)
    }

    /// The venue written inline under protocol `i`, checked like a one-venue world's
    /// (every problem at its world path).
    pub(super) fn inline_venue(&mut self, i: usize) -> Option<Scenario> {
        let (file, chain) = match crate::one_venue::venue_scenario(self.f, i) {
            Ok(ok) => ok,
            Err(issues) => {
                self.issues.extend(issues);
                return None;
            }
        };
        let path = Path::new(&self.f.name);
        match crate::load::check(file, path, self.dir) {
            Ok(s) => Some(s),
            Err(issues) => {
                self.issues.extend(issues.into_iter().map(|mut is| {
                    is.path = crate::one_venue::world_path(&is.path, i, chain);
                    is
                }));
                None
            }
        }
    }

    /// Bind the venue's markets: each to an asset (its reference) and that asset's
    /// oracle (its index, replacing the venue's own), optionally hedged on a pool.
    pub(super) fn bind(
        &mut self,
        at: &str,
        bind: &[PerpMarketFile],
        scenario: &mut Scenario,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        vspecs: &[VenueSpec],
    ) -> Vec<MarketBinding> {
        let symbols: Vec<String> = scenario
            .file
            .market
            .iter()
            .map(|m| m.symbol.clone())
            .collect();
        let symbols: Vec<&str> = symbols.iter().map(String::as_str).collect();
        let mut markets = Vec::new();
        for (k, m) in bind.iter().enumerate() {
            let mk = format!("{at}.bind[{k}]");
            let idx = self.find(
                format!("{mk}.symbol"),
                "market of the venue",
                &m.symbol,
                &symbols,
            );
            let asset = self.find(format!("{mk}.asset"), "asset", &m.asset, n.assets);
            let oracle = self.find(format!("{mk}.oracle"), "oracle", &m.oracle, n.oracles);
            if let (Some(a), Some(o)) = (asset, oracle) {
                if ospecs[o].asset.index() != a {
                    self.push(
                        format!("{mk}.oracle"),
                        &format!("an oracle pricing {}", m.asset),
                        &format!("\"{}\"", m.oracle),
                        "bind the market to its own asset's oracle",
                    );
                }
            }
            let hedge = m.hedge_venue.as_ref().and_then(|h| {
                let v = self.find(format!("{mk}.hedge_venue"), "venue", h, n.venues)?;
                if asset.is_some_and(|a| vspecs[v].base.index() != a) {
                    self.push(
                        format!("{mk}.hedge_venue"),
                        &format!("a venue selling {}", m.asset),
                        &format!("\"{h}\""),
                        "the provider lays off the market's asset",
                    );
                }
                Some(VenueId(u16::try_from(v).unwrap_or(0)))
            });
            let (Some(idx), Some(a), Some(o)) = (idx, asset, oracle) else {
                continue;
            };
            scenario.file.market[idx].oracle = Some(crate::schema::OracleSpec {
                sources: vec![crate::wiring::WORLD_SOURCE.to_string()],
                ..crate::schema::OracleSpec::default()
            });
            markets.push(MarketBinding {
                market: idx,
                asset: AssetId(u16::try_from(a).unwrap_or(0)),
                oracle: OracleId(u16::try_from(o).unwrap_or(0)),
                hedge_venue: hedge,
                hedge_fraction: ppm(m.hedge_fraction),
            });
        }
        markets
    }
}
