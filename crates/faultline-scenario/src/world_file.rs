//! World files (schema version 2): checked like scenarios (every schema violation with
//! its line), then every name resolved (with "did you mean" hints) and the rules across
//! fields checked, then turned into a [`faultline_world::WorldSpec`].

mod breakers;
mod cdp;
mod data;
mod holders;
mod lending;
mod perp;
mod perp_bind;
mod vault;

use crate::check::Issue;
use crate::error::{edit_distance, ValidationReport};
use crate::load::{issue, parse_checked, read_input, to_errors};
use crate::locate::locate;
use crate::schema::world::*;
use faultline_engine::oracle::OracleParams;
use faultline_engine::process::{Gap, ProcessSpec, Stochastic};
use faultline_math::aave::RAY;
use faultline_units::{scale_of, Amount, AssetId, Ppm, Value};
use faultline_world::pool::Curve;
use faultline_world::spec::*;
use faultline_world::WorldSpec;
use sha2::{Digest, Sha256};
use std::path::Path;

/// A checked world file and what it builds.
#[derive(Debug, Clone)]
pub struct LoadedWorld {
    /// The file as written.
    pub file: WorldFile,
    /// Resolved parameters.
    pub spec: WorldSpec,
    /// SHA-256 of the file's text.
    pub config_hash: String,
}

/// True when `text` is a world run by the world pipeline: it declares
/// `schema_version = 2` and is more than one venue (see [`is_one_venue`]).
pub fn is_world(text: &str) -> bool {
    toml_edit::Document::parse(text.to_string()).is_ok_and(|d| {
        d.get("schema_version")
            .and_then(toml_edit::Item::as_integer)
            == Some(2)
            && !crate::one_venue::is_one_venue(d.as_table())
    })
}

/// True when `text` is a one-venue world: `schema_version = 2`, one perp protocol
/// written inline, no assets, venues, oracles, agents or breakers. It runs as a venue
/// (the same commands and outputs as a version-1 scenario).
pub fn is_one_venue(text: &str) -> bool {
    toml_edit::Document::parse(text.to_string())
        .is_ok_and(|d| crate::one_venue::is_one_venue(d.as_table()))
}

/// Read and check a world file.
pub fn load_world(path: &Path) -> Result<LoadedWorld, ValidationReport> {
    let text = read_input(path)?;
    parse_world(&text, path)
}

/// Parse and check world text. A one-venue world resolves to the world of its venue
/// alone (see `one_venue::world_spec`).
pub fn parse_world(text: &str, path: &Path) -> Result<LoadedWorld, ValidationReport> {
    let (file, doc): (WorldFile, _) = parse_checked(text, path, "a valid world")?;
    let base = path.parent().unwrap_or(Path::new("."));
    let config_hash = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if crate::one_venue::is_one_venue(doc.as_table()) {
        let venue = crate::one_venue::parse(text, path, base)?;
        return Ok(LoadedWorld {
            spec: crate::one_venue::world_spec(&file, venue),
            file,
            config_hash,
        });
    }
    let mut r = Resolver::new(&file, base);
    let spec = r.build();
    match spec {
        Some(spec) if r.issues.is_empty() => Ok(LoadedWorld {
            file,
            spec,
            config_hash,
        }),
        _ => {
            let mut issues = r.issues;
            for is in &mut issues {
                is.span = locate(doc.as_table(), &is.path);
            }
            Err(ValidationReport {
                file: path.to_path_buf(),
                errors: to_errors(text, issues),
            })
        }
    }
}

/// The JSON Schema of world files, pretty-printed.
pub fn world_json_schema() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(WorldFile)).unwrap_or_default()
}

struct Resolver<'f> {
    f: &'f WorldFile,
    dir: &'f Path,
    issues: Vec<Issue>,
    tick_ms: u64,
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&str> {
    items.iter().map(name).collect()
}

fn ppm(x: f64) -> Ppm {
    Ppm::from_fraction(x).unwrap_or(Ppm::ZERO)
}

fn ray(x: f64) -> i128 {
    // Rates are inputs (at most 100 = 10,000%/yr): 1e-9 resolution is plenty.
    #[allow(clippy::cast_possible_truncation)]
    let nano = (x * 1e9).round() as i128;
    nano * (RAY / 1_000_000_000)
}

/// Units → atoms, floored (what a holder is given never rounds up).
fn atoms(units: f64, decimals: u8) -> i128 {
    let scale = scale_of(decimals).unwrap_or(1);
    // Split into whole units and the fraction so 18-decimal amounts keep their digits.
    let whole = units.trunc();
    let frac = units - whole;
    #[allow(clippy::cast_possible_truncation)]
    let w = whole as i128;
    #[allow(clippy::cast_possible_truncation)]
    let f = (frac * scale as f64).floor() as i128;
    w.saturating_mul(scale).saturating_add(f)
}

impl<'f> Resolver<'f> {
    fn new(f: &'f WorldFile, dir: &'f Path) -> Self {
        Self {
            f,
            dir,
            issues: Vec::new(),
            tick_ms: 0,
        }
    }

    fn push(&mut self, path: String, expected: &str, found: &str, hint: &str) {
        self.issues.push(issue(&path, expected, found, hint));
    }

    /// Index of `name` among `known`, or an issue naming the closest match.
    fn find(&mut self, path: String, what: &str, name: &str, known: &[&str]) -> Option<usize> {
        if let Some(i) = known.iter().position(|k| *k == name) {
            return Some(i);
        }
        let hint = match known.iter().min_by_key(|k| edit_distance(name, k)) {
            Some(k) if edit_distance(name, k) <= 3 => {
                format!("did you mean `{k}`? Declared: {}", known.join(", "))
            }
            _ if known.is_empty() => format!("declare a [[{what}]] first"),
            _ => format!("declared: {}", known.join(", ")),
        };
        self.push(
            path,
            &format!("the name of a declared {what}"),
            &format!("\"{name}\""),
            &hint,
        );
        None
    }

    fn unique(&mut self, section: &str, list: &[&str]) {
        for (i, n) in list.iter().enumerate() {
            if list[..i].contains(n) {
                self.push(
                    format!("{section}[{i}].name"),
                    "a name not used before in this section",
                    &format!("\"{n}\""),
                    "rename one of them",
                );
            }
        }
    }

    fn build(&mut self) -> Option<WorldSpec> {
        let f = self.f;
        let assets = names(&f.asset, |a| &a.name);
        let chains = names(&f.chain, |c| &c.name);
        let venues = names(&f.venue, |v| &v.name);
        let oracles = names(&f.oracle, |o| &o.name);
        let protocols: Vec<&str> = f
            .protocol
            .iter()
            .map(|p| match p {
                ProtocolFile::Lending { name, .. }
                | ProtocolFile::Perp { name, .. }
                | ProtocolFile::Cdp { name, .. }
                | ProtocolFile::Issuer { name, .. }
                | ProtocolFile::OptionsVault { name, .. } => name.as_str(),
            })
            .collect();
        for (s, l) in [
            ("asset", &assets),
            ("chain", &chains),
            ("venue", &venues),
            ("oracle", &oracles),
            ("protocol", &protocols),
        ] {
            self.unique(s, l);
        }
        self.tick_ms = f
            .tick_ms
            .or_else(|| f.chain.iter().map(|c| c.block_time_ms).min())
            .unwrap_or(1_000);
        let ticks = f.duration_s * 1_000 / self.tick_ms;
        if ticks == 0 {
            self.push(
                "duration_s".into(),
                "at least one tick",
                &format!("{} s", f.duration_s),
                "lengthen the run or shorten tick_ms",
            );
        }
        let asset_specs = self.assets(&assets, &venues);
        let refs = reference_prices(&asset_specs);
        let chain_specs = self.chains(&assets);
        let venue_specs = self.venues(&assets, &chains, &asset_specs, &refs);
        let oracle_specs = self.oracles(&assets, &chains, &venues, &venue_specs);
        let names = Names {
            assets: &assets,
            chains: &chains,
            venues: &venues,
            oracles: &oracles,
            protocols: &protocols,
        };
        let protocol_specs = self.protocols(&names, &oracle_specs, &asset_specs, &venue_specs);
        self.vault_links(&protocol_specs, &asset_specs);
        let agent_specs = self.agents(
            &names,
            &protocols,
            &asset_specs,
            &venue_specs,
            &protocol_specs,
        );
        let breaker_specs = self.breakers(&names, &protocol_specs);
        self.market_priced(
            &asset_specs,
            &venue_specs,
            &protocol_specs,
            &agent_specs,
            &chain_specs,
        );
        if !self.issues.is_empty() {
            return None;
        }
        Some(WorldSpec {
            name: f.name.clone(),
            tick_ms: self.tick_ms,
            ticks,
            assets: asset_specs,
            chains: chain_specs,
            venues: venue_specs,
            oracles: oracle_specs,
            protocols: protocol_specs,
            agents: agent_specs,
            breakers: breaker_specs,
        })
    }

    fn assets(&mut self, assets: &[&str], venues: &[&str]) -> Vec<AssetSpec> {
        let f = self.f;
        let tick_ms = self.tick_ms;
        let gaps_in_ticks = |gaps: &[GapFile]| -> Vec<Gap> {
            gaps.iter()
                .map(|g| Gap {
                    block: g.at_s * 1_000 / tick_ms.max(1),
                    fraction: g.fraction,
                })
                .collect()
        };
        f.asset
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let price = match &a.price {
                    PriceFile::Gbm {
                        initial,
                        volatility_annual,
                        drift_annual,
                        student_t_dof,
                        gaps,
                    } => PriceOrigin::Process {
                        process: ProcessSpec::Stochastic(Stochastic {
                            initial: *initial,
                            drift_annual: *drift_annual,
                            volatility_annual: *volatility_annual,
                            student_t_dof: *student_t_dof,
                            jumps: None,
                            garch: None,
                            pins: Vec::new(),
                        }),
                        gaps: gaps_in_ticks(gaps),
                    },
                    PriceFile::Replay {
                        file,
                        format,
                        start,
                        filter_bad_prints,
                        hold_after_end,
                        gaps,
                    } => {
                        let replay = data::CandleReplay {
                            file,
                            format: *format,
                            start: start.as_deref(),
                            filter_bad_prints: *filter_bad_prints,
                            hold_after_end: *hold_after_end,
                        };
                        match self.candle_path(&format!("asset[{i}].price"), &replay) {
                            Some(path) => PriceOrigin::Process {
                                process: ProcessSpec::Replay(path),
                                gaps: gaps_in_ticks(gaps),
                            },
                            // Reported; a placeholder so resolution can go on.
                            None => PriceOrigin::Peg(1.0),
                        }
                    }
                    PriceFile::Peg { price } => PriceOrigin::Peg(*price),
                    PriceFile::Market { venue, initial } => {
                        let v = self
                            .find(format!("asset[{i}].price.venue"), "venue", venue, venues)
                            .unwrap_or(0);
                        PriceOrigin::Market {
                            venue: VenueId(u16::try_from(v).unwrap_or(0)),
                            initial: *initial,
                        }
                    }
                    PriceFile::Tracks { asset, ratio } => {
                        let j = self
                            .find(
                                format!("asset[{i}].price.asset"),
                                "asset",
                                asset,
                                &assets[..i],
                            )
                            .unwrap_or(0);
                        PriceOrigin::Tracks {
                            asset: AssetId(u16::try_from(j).unwrap_or(0)),
                            ratio: *ratio,
                        }
                    }
                };
                AssetSpec {
                    name: a.name.clone(),
                    decimals: a.decimals,
                    price,
                }
            })
            .collect()
    }

    fn chains(&mut self, assets: &[&str]) -> Vec<ChainSpec> {
        let f = self.f;
        let tick = self.tick_ms;
        f.chain
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.block_time_ms % tick != 0 {
                    self.push(
                        format!("chain[{i}].block_time_ms"),
                        &format!("a multiple of the tick ({tick} ms)"),
                        &format!("{} ms", c.block_time_ms),
                        "set tick_ms to a common divisor of every chain's block time",
                    );
                }
                let gas = self.gas_asset(i, c, assets);
                if c.mempool.is_some() {
                    self.push(
                        format!("chain[{i}].mempool"),
                        "no mempool in a world with assets (one-venue worlds only, for now)",
                        "a [chain.mempool] table",
                        "world agents pay `gas_price_gwei`; remove the mempool",
                    );
                }
                for (k, s) in c.gas_spike.iter().enumerate() {
                    if s.end_s <= s.start_s {
                        self.push(
                            format!("chain[{i}].gas_spike[{k}].end_s"),
                            "an end after the start",
                            &format!("{} ≤ {}", s.end_s, s.start_s),
                            "swap or widen the interval",
                        );
                    }
                }
                let gas_path_wei = c.gas_replay.as_ref().map_or(Vec::new(), |g| {
                    self.gas_path(&format!("chain[{i}].gas_replay"), g)
                });
                ChainSpec {
                    gas_path_wei,
                    name: c.name.clone(),
                    block_time_ms: c.block_time_ms,
                    gas_asset: AssetId(u16::try_from(gas).unwrap_or(0)),
                    gas_price_wei: gwei_to_wei(c.gas_price_gwei),
                    gas_spikes: c
                        .gas_spike
                        .iter()
                        .map(|s| GasSpike {
                            start_tick: s.start_s * 1_000 / tick,
                            end_tick: s.end_s * 1_000 / tick,
                            gas_price_wei: gwei_to_wei(s.gas_price_gwei),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// The asset chain `i` pays gas in; none is needed while gas costs nothing.
    fn gas_asset(&mut self, i: usize, c: &ChainFile, assets: &[&str]) -> usize {
        let costly = c.gas_price_gwei != 0.0 || !c.gas_spike.is_empty() || c.gas_replay.is_some();
        match &c.gas_asset {
            Some(a) => self
                .find(format!("chain[{i}].gas_asset"), "asset", a, assets)
                .unwrap_or(0),
            None if costly => {
                self.push(
                    format!("chain[{i}].gas_asset"),
                    "the asset gas is paid in",
                    "none",
                    "add gas_asset = \"WETH\" (or the chain's native asset)",
                );
                0
            }
            None => 0,
        }
    }

    fn chain_of(
        &mut self,
        path: String,
        chain: Option<&String>,
        chains: &[&str],
    ) -> Option<ChainId> {
        chain
            .and_then(|c| self.find(path, "chain", c, chains))
            .map(|c| ChainId(u16::try_from(c).unwrap_or(0)))
    }

    fn venues(
        &mut self,
        assets: &[&str],
        chains: &[&str],
        specs: &[AssetSpec],
        refs: &[f64],
    ) -> Vec<VenueSpec> {
        let f = self.f;
        f.venue
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let chain = self.chain_of(format!("venue[{i}].chain"), v.chain.as_ref(), chains);
                let b = self
                    .find(format!("venue[{i}].base"), "asset", &v.base, assets)
                    .unwrap_or(0);
                let q = self
                    .find(format!("venue[{i}].quote"), "asset", &v.quote, assets)
                    .unwrap_or(0);
                if b == q && !assets.is_empty() && v.base == v.quote {
                    self.push(
                        format!("venue[{i}].quote"),
                        "an asset other than the base",
                        &format!("\"{}\"", v.quote),
                        "a pool trades two different assets",
                    );
                }
                let (curve, rate) = match &v.curve {
                    CurveFile::ConstantProduct => (Curve::ConstantProduct, 1.0),
                    CurveFile::Stableswap {
                        amplification,
                        rate,
                    } => (
                        Curve::StableSwap {
                            amplification: *amplification,
                            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                            rate_e18: (rate * 1e9).round() as u128 * 1_000_000_000,
                        },
                        *rate,
                    ),
                };
                let (bd, qd) = (
                    specs.get(b).map_or(18, |a| a.decimals),
                    specs.get(q).map_or(6, |a| a.decimals),
                );
                let quote_units = v.quote_reserve.unwrap_or_else(|| {
                    let (pb, pq) = (
                        refs.get(b).copied().unwrap_or(1.0),
                        refs.get(q).copied().unwrap_or(1.0),
                    );
                    match v.curve {
                        CurveFile::ConstantProduct => v.base_reserve * pb / pq,
                        CurveFile::Stableswap { .. } => v.base_reserve * rate,
                    }
                });
                VenueSpec {
                    name: v.name.clone(),
                    chain,
                    base: AssetId(u16::try_from(b).unwrap_or(0)),
                    quote: AssetId(u16::try_from(q).unwrap_or(0)),
                    curve,
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    fee_ppm: (v.fee_bps * 100.0).round() as u32,
                    base_reserve: atoms(v.base_reserve, bd),
                    quote_reserve: atoms(quote_units, qd),
                }
            })
            .collect()
    }

    fn oracles(
        &mut self,
        assets: &[&str],
        chains: &[&str],
        venues: &[&str],
        vspecs: &[VenueSpec],
    ) -> Vec<OracleSpec> {
        let f = self.f;
        f.oracle
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let chain = self.chain_of(format!("oracle[{i}].chain"), o.chain.as_ref(), chains);
                let a = self.find(format!("oracle[{i}].asset"), "asset", &o.asset, assets);
                let asset = AssetId(u16::try_from(a.unwrap_or(0)).unwrap_or(0));
                let mut sources = Vec::new();
                for (k, s) in o.sources.iter().enumerate() {
                    if s == "reference" {
                        sources.push(OracleSource::Reference);
                        continue;
                    }
                    if s == "par" {
                        sources.push(OracleSource::Par);
                        continue;
                    }
                    let mut known = venues.to_vec();
                    known.extend(["reference", "par"]);
                    if let Some(v) =
                        self.find(format!("oracle[{i}].sources[{k}]"), "venue", s, &known)
                    {
                        if a.is_some() && vspecs.get(v).is_some_and(|vs| vs.base != asset) {
                            self.push(
                                format!("oracle[{i}].sources[{k}]"),
                                &format!("a venue whose base is {}", o.asset),
                                &format!("\"{s}\""),
                                "an oracle reads the mid of pools that sell its asset",
                            );
                        }
                        sources.push(OracleSource::Venue(VenueId(u16::try_from(v).unwrap_or(0))));
                    }
                }
                let misprice = self.misprice(i, &o.misprice);
                OracleSpec {
                    name: o.name.clone(),
                    asset,
                    chain,
                    sources,
                    misprice,
                    params: OracleParams {
                        sources: Vec::new(),
                        twap_blocks: o.twap_blocks,
                        delay_blocks: o.delay_blocks,
                        heartbeat_blocks: o.heartbeat_blocks,
                        deviation: o.deviation_bps.map(|b| ppm(b / 10_000.0)),
                        latency_blocks: 0,
                        max_staleness_blocks: None,
                        max_twap_divergence: None,
                        max_source_spread: None,
                        guard_liquidations: false,
                    },
                }
            })
            .collect()
    }

    /// Misprice windows in ticks, each inside the run and not empty.
    fn misprice(
        &mut self,
        i: usize,
        windows: &[MispriceFile],
    ) -> Vec<(u64, u64, faultline_units::Price)> {
        let tick_ms = self.tick_ms.max(1);
        let mut out = Vec::new();
        for (k, w) in windows.iter().enumerate() {
            if !(w.from_s < w.to_s && w.to_s <= self.f.duration_s) {
                self.push(
                    format!("oracle[{i}].misprice[{k}].to_s"),
                    &format!(
                        "from_s < to_s ≤ {} (the world's duration)",
                        self.f.duration_s
                    ),
                    &format!("from_s {}, to_s {}", w.from_s, w.to_s),
                    "a window starts before it ends, inside the run",
                );
                continue;
            }
            let Ok(price) = faultline_units::Price::from_f64(w.price) else {
                continue; // out of range: the schema check has reported it
            };
            out.push((w.from_s * 1_000 / tick_ms, w.to_s * 1_000 / tick_ms, price));
        }
        out
    }

    fn protocols(
        &mut self,
        n: &Names<'_>,
        ospecs: &[OracleSpec],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Vec<ProtocolSpec> {
        let f = self.f;
        let mut out = Vec::new();
        for (i, p) in f.protocol.iter().enumerate() {
            match p {
                ProtocolFile::Lending {
                    name,
                    chain,
                    liquidation_protocol_fee,
                    close_factor,
                    reserve,
                    borrowers,
                    reserve_fund,
                } => {
                    let l = lending::LendingFile {
                        name,
                        chain,
                        liquidation_protocol_fee: *liquidation_protocol_fee,
                        close_factor: *close_factor,
                        reserve,
                        borrowers,
                        reserve_fund,
                    };
                    out.push(ProtocolSpec::Lending(
                        self.lending(i, &l, n, ospecs, aspecs, vspecs),
                    ));
                }
                ProtocolFile::Perp { .. } => {
                    out.extend(self.perp_protocol(i, p, n, ospecs, aspecs, vspecs));
                }
                ProtocolFile::OptionsVault { .. } => {
                    out.extend(self.vault_protocol(i, p, n, ospecs, aspecs, vspecs));
                }
                ProtocolFile::Issuer { .. } => {
                    out.extend(self.issuer_protocol(i, p, n, ospecs, aspecs));
                }
                ProtocolFile::Cdp {
                    name,
                    chain,
                    stablecoin,
                    hole,
                    ilk,
                    vaults,
                    peg_defence,
                    debt_auction,
                } => {
                    let c = cdp::CdpFile {
                        name,
                        chain,
                        stablecoin,
                        hole: *hole,
                        ilk,
                        vaults,
                        peg: peg_defence.as_ref(),
                        debt_auction: debt_auction.as_ref(),
                    };
                    if let Some(spec) = self.cdp(i, &c, n, ospecs, aspecs, vspecs) {
                        out.push(ProtocolSpec::Cdp(spec));
                    }
                }
            }
        }
        out
    }

    fn agents(
        &mut self,
        n: &Names<'_>,
        protocols: &[&str],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
        pspecs: &[ProtocolSpec],
    ) -> Vec<AgentSpec> {
        let f = self.f;
        let mut out = Vec::new();
        for (i, a) in f.agent.iter().enumerate() {
            let agent = match a {
                AgentFile::Liquidator { .. } => {
                    self.liquidator(i, a, n.assets, n.venues, protocols, aspecs, vspecs)
                }
                AgentFile::Seller { .. } => self.seller(i, a, n, aspecs, vspecs),
                AgentFile::Buyer { .. } => self.buyer(i, a, n, aspecs, vspecs),
                AgentFile::IssuerArbitrageur { .. } => {
                    self.issuer_arbitrageur(i, a, n, protocols, aspecs, vspecs, pspecs)
                }
                AgentFile::DebtBidder { .. } => self.debt_bidder(i, a, n, protocols, pspecs),
                AgentFile::Arbitrageur {
                    name,
                    venue,
                    max_trade_usd,
                    threshold_bps,
                } => {
                    let v = self
                        .find(format!("agent[{i}].venue"), "venue", venue, n.venues)
                        .unwrap_or(0);
                    Some(AgentSpec::Arbitrageur(ArbitrageurSpec {
                        name: name.clone(),
                        venue: VenueId(u16::try_from(v).unwrap_or(0)),
                        max_trade: Value::from_f64(*max_trade_usd).unwrap_or(Value::ZERO),
                        threshold: ppm(threshold_bps / 10_000.0),
                    }))
                }
            };
            out.extend(agent);
        }
        out
    }

    /// A liquidator: its protocols, capital and routes (each venue of a route must trade
    /// what the previous one paid out).
    #[allow(clippy::too_many_arguments)]
    fn liquidator(
        &mut self,
        i: usize,
        a: &AgentFile,
        assets: &[&str],
        venues: &[&str],
        protocols: &[&str],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Option<AgentSpec> {
        let AgentFile::Liquidator {
            name,
            protocols: ps,
            capital,
            routes,
            min_profit_usd,
            gas_per_liquidation,
            max_per_block,
            max_gas_gwei,
            strategy,
            min_discount,
        } = a
        else {
            return None;
        };
        let ids = ps
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                self.find(
                    format!("agent[{i}].protocols[{k}]"),
                    "protocol",
                    p,
                    protocols,
                )
            })
            .map(|p| ProtocolId(u16::try_from(p).unwrap_or(0)))
            .collect();
        let capital = capital
            .iter()
            .enumerate()
            .filter_map(|(k, h)| {
                let x = self.find(
                    format!("agent[{i}].capital[{k}].asset"),
                    "asset",
                    &h.asset,
                    assets,
                )?;
                Some(Amount::new(
                    AssetId(u16::try_from(x).unwrap_or(0)),
                    atoms(h.amount, aspecs[x].decimals),
                ))
            })
            .collect();
        let rs = self.routes(i, routes, assets, venues, aspecs, vspecs);
        Some(AgentSpec::Liquidator(LiquidatorSpec {
            name: name.clone(),
            protocols: ids,
            capital,
            routes: rs,
            min_profit: Value::from_f64(*min_profit_usd).unwrap_or(Value::ZERO),
            gas_per_liquidation: *gas_per_liquidation,
            max_per_block: *max_per_block,
            max_gas_wei: max_gas_gwei.map(gwei_to_wei),
            strategy: match strategy {
                KeeperStrategyFile::Valuation => KeeperStrategy::Valuation,
                KeeperStrategyFile::Lowball => KeeperStrategy::Lowball,
            },
            min_discount: ppm(*min_discount),
        }))
    }

    /// A liquidator's routes: each venue of a route must trade what the previous one
    /// paid out.
    fn routes(
        &mut self,
        i: usize,
        routes: &[RouteFile],
        assets: &[&str],
        venues: &[&str],
        aspecs: &[AssetSpec],
        vspecs: &[VenueSpec],
    ) -> Vec<(AssetId, Vec<VenueId>)> {
        let mut rs = Vec::new();
        for (k, r) in routes.iter().enumerate() {
            let Some(x) = self.find(
                format!("agent[{i}].routes[{k}].asset"),
                "asset",
                &r.asset,
                assets,
            ) else {
                continue;
            };
            let mut held = AssetId(u16::try_from(x).unwrap_or(0));
            let mut path = Vec::new();
            for (j, v) in r.venues.iter().enumerate() {
                let Some(vi) = self.find(
                    format!("agent[{i}].routes[{k}].venues[{j}]"),
                    "venue",
                    v,
                    venues,
                ) else {
                    continue;
                };
                let vs = &vspecs[vi];
                held = if vs.base == held {
                    vs.quote
                } else if vs.quote == held {
                    vs.base
                } else {
                    self.push(
                        format!("agent[{i}].routes[{k}].venues[{j}]"),
                        &format!("a venue trading {}", aspecs[held.index()].name),
                        &format!("\"{v}\""),
                        "each venue of a route must trade what the previous one paid out",
                    );
                    held
                };
                path.push(VenueId(u16::try_from(vi).unwrap_or(0)));
            }
            rs.push((AssetId(u16::try_from(x).unwrap_or(0)), path));
        }
        rs
    }
}

/// Declared names by section, for resolving references.
struct Names<'a> {
    assets: &'a [&'a str],
    chains: &'a [&'a str],
    venues: &'a [&'a str],
    oracles: &'a [&'a str],
    protocols: &'a [&'a str],
}

fn gwei_to_wei(g: f64) -> u128 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let w = (g * 1e9).round().max(0.0) as u128;
    w
}

/// Outside prices at the start (for default pool reserves).
fn reference_prices(assets: &[AssetSpec]) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::with_capacity(assets.len());
    for a in assets {
        let p = match &a.price {
            PriceOrigin::Process {
                process: ProcessSpec::Stochastic(s),
                ..
            } => s.initial,
            PriceOrigin::Process {
                process: ProcessSpec::Replay(p),
                ..
            } => p.first().copied().unwrap_or(1.0),
            PriceOrigin::Peg(p) => *p,
            PriceOrigin::Tracks { asset, ratio } => {
                out.get(asset.index()).copied().unwrap_or(1.0) * ratio
            }
            PriceOrigin::Market { initial, .. } => *initial,
        };
        out.push(p);
    }
    out
}
