//! The physics sections of a scenario — spot venues, oracles, chain, faults — checked
//! across fields, their data files resolved, and turned into engine objects.

use crate::check::Issue;
use crate::load::{depth_profile, issue, Scenario};
use crate::schema::{BackstopSpec, BehaviorSpec, HaltSpec, InsuranceTopUpSpec};
use crate::schema::{
    ChainSpec, DepthPointSpec, DepthSnapshotSpec, FaultSpec, GasDemandSpec, OracleSourceSpec,
    OracleSpec, ScenarioFile, SpotVenueSpec,
};
use faultline_data::{
    load_book_depth, load_gas_series, parse_utc, repair_frozen_buckets, DepthSnapshot,
};
use faultline_engine::agents::{LiquidatorAgent, TraderBehavior};
use faultline_engine::chain::{ChainParams, GasBid, GasDemand, GasSpike};
use faultline_engine::faults::{Fault, FaultKind, Faults};
use faultline_engine::mitigations::{
    Backstop, CircuitBreaker, InsuranceTopUp, PenaltyCurve, VolMargin,
};
use faultline_engine::oracle::{OracleParams, SourceRef};
use faultline_engine::venues::{ArbitrageParams, LiquidityParams, Manipulation};
use faultline_state::{AmmCurve, AmmPool, Book, BookLayout, SpotVenue, VenueBook};
use faultline_units::{ArithmeticError, Base, Ppm, Price, Quote, Rounding};
use std::collections::BTreeMap;
use std::path::Path;

/// The oracle a market uses: its own, else the top-level one.
pub(crate) fn oracle_of(f: &ScenarioFile, i: usize) -> (&OracleSpec, String) {
    match &f.market[i].oracle {
        Some(o) => (o, format!("market[{i}].oracle")),
        None => (&f.oracle, "oracle".into()),
    }
}

/// Cross-field rules of the physics sections.
pub(crate) fn semantic(f: &ScenarioFile) -> Vec<Issue> {
    let mut out = Vec::new();
    for (i, m) in f.market.iter().enumerate() {
        book_depth_rule(
            &mut out,
            &format!("market[{i}].book"),
            &m.book.depth,
            m.book.depth_snapshot.as_ref(),
        );
        let labels: Vec<&str> = m.venue.iter().map(SpotVenueSpec::label).collect();
        for (j, v) in m.venue.iter().enumerate() {
            let l = v.label();
            if l == "perp" || l == "reference" || labels[..j].contains(&l) {
                out.push(issue(
                    &format!("market[{i}].venue[{j}].label"),
                    "a label unique in the market, not \"perp\" or \"reference\"",
                    &format!("\"{l}\""),
                    "rename the venue",
                ));
            }
            if let SpotVenueSpec::Book {
                depth,
                depth_snapshot,
                ..
            } = v
            {
                book_depth_rule(
                    &mut out,
                    &format!("market[{i}].venue[{j}]"),
                    depth,
                    depth_snapshot.as_ref(),
                );
            }
        }
        let known = |name: &str| name == "perp" || labels.contains(&name);
        let (oracle, opath) = oracle_of(f, i);
        for (k, s) in oracle.sources.iter().enumerate() {
            if !known(s) && s != "reference" {
                out.push(issue(
                    &format!("{opath}.sources[{k}]"),
                    &format!(
                        "\"perp\", \"reference\" or a venue of {} ({})",
                        m.symbol,
                        labels.join(", ")
                    ),
                    &format!("\"{s}\""),
                    "define the venue in [[market.venue]]",
                ));
            }
        }
        if !known(&m.liquidation_venue) {
            out.push(issue(
                &format!("market[{i}].liquidation_venue"),
                "\"perp\" or a venue label",
                &format!("\"{}\"", m.liquidation_venue),
                "define the venue in [[market.venue]]",
            ));
        }
        if let Some(a) = &m.manipulation {
            if !labels.contains(&a.venue.as_str()) {
                out.push(issue(
                    &format!("market[{i}].manipulation.venue"),
                    "a spot venue label",
                    &format!("\"{}\"", a.venue),
                    "the attacker buys a [[market.venue]]",
                ));
            }
            window_rule(
                &mut out,
                &format!("market[{i}].manipulation"),
                a.start_block,
                a.end_block,
                f.blocks,
            );
        }
    }
    if let Some(c) = &f.chain {
        chain_rules(&mut out, f, c);
    }
    if f.chain.is_none() {
        for (i, l) in f.liquidator.iter().enumerate() {
            if l.gas.is_some() {
                out.push(issue(
                    &format!("liquidator[{i}].gas"),
                    "a [chain] section to bid on",
                    "no [chain]",
                    "add a [chain] section or remove the liquidator's gas bid",
                ));
            }
        }
    }
    for (k, fault) in f.fault.iter().enumerate() {
        fault_rules(&mut out, f, k, fault);
    }
    out
}

fn book_depth_rule(
    out: &mut Vec<Issue>,
    path: &str,
    depth: &[DepthPointSpec],
    snapshot: Option<&DepthSnapshotSpec>,
) {
    match (depth.is_empty(), snapshot) {
        (true, None) | (false, Some(_)) => out.push(issue(
            &format!("{path}.depth"),
            "exactly one of `depth` and `depth_snapshot`",
            if depth.is_empty() { "neither" } else { "both" },
            "give a cumulative profile, or a bookDepth file and time",
        )),
        (false, None) => {
            if let Err(msg) = depth_profile(depth) {
                out.push(issue(&format!("{path}.depth"), "offsets rising strictly below 1 and cumulative depth not falling, positive at the deepest point", &msg, "list points from the nearest offset outwards"));
            }
        }
        (true, Some(s)) => {
            if parse_utc(&s.at).is_none() {
                out.push(issue(
                    &format!("{path}.depth_snapshot.at"),
                    "a UTC time like 2025-10-10T21:00:00Z",
                    &format!("\"{}\"", s.at),
                    "write YYYY-MM-DDTHH:MM:SSZ",
                ));
            }
        }
    }
}

fn window_rule(out: &mut Vec<Issue>, path: &str, start: u64, end: u64, blocks: u64) {
    if start > end || end > blocks {
        out.push(issue(
            &format!("{path}.end_block"),
            &format!("start_block ≤ end_block ≤ blocks ({blocks})"),
            &format!("{start}..={end}"),
            "fix the window",
        ));
    }
}

fn chain_rules(out: &mut Vec<Issue>, f: &ScenarioFile, c: &ChainSpec) {
    if c.target_gas.is_some_and(|t| t > c.gas_limit) {
        out.push(issue(
            "chain.target_gas",
            "at most the gas limit",
            &c.target_gas.unwrap_or(0).to_string(),
            "EIP-1559 targets half the limit",
        ));
    }
    match (&c.gas_token_price, &c.gas_token_market) {
        (Some(_), Some(_)) | (None, None) => out.push(issue(
            "chain.gas_token_price",
            "exactly one of `gas_token_price` and `gas_token_market`",
            "neither or both",
            "gas is paid in a token; give its price or the market that prices it",
        )),
        (None, Some(m)) if !f.market.iter().any(|x| &x.symbol == m) => out.push(issue(
            "chain.gas_token_market",
            "a market symbol",
            &format!("\"{m}\""),
            "name a market defined in [[market]]",
        )),
        _ => {}
    }
    for (name, tx) in [
        ("oracle_tx", &c.oracle_tx),
        ("liquidation_tx", &c.liquidation_tx),
    ] {
        if tx.gas_used > c.gas_limit {
            out.push(issue(
                &format!("chain.{name}.gas_used"),
                "at most the gas limit",
                &tx.gas_used.to_string(),
                "a transaction must fit in a block",
            ));
        }
    }
    if let GasDemandSpec::Parametric { spikes, .. } = &c.demand {
        for (k, s) in spikes.iter().enumerate() {
            window_rule(
                out,
                &format!("chain.demand.spikes[{k}]"),
                s.start_block,
                s.end_block,
                f.blocks,
            );
        }
    }
    if let GasDemandSpec::Replay { start: Some(s), .. } = &c.demand {
        if parse_utc(s).is_none() {
            out.push(issue(
                "chain.demand.start",
                "a UTC time",
                &format!("\"{s}\""),
                "write YYYY-MM-DDTHH:MM:SSZ",
            ));
        }
    }
}

fn fault_rules(out: &mut Vec<Issue>, f: &ScenarioFile, k: usize, fault: &FaultSpec) {
    let path = format!("fault[{k}]");
    let market_known = |m: &str| f.market.iter().any(|x| x.symbol == m);
    let (market, start, end) = match fault {
        FaultSpec::VenueOutage {
            market,
            venue,
            start_block,
            end_block,
        } => {
            if let Some(m) = f.market.iter().find(|x| &x.symbol == market) {
                if venue != "perp" && !m.venue.iter().any(|v| v.label() == venue) {
                    out.push(issue(
                        &format!("{path}.venue"),
                        "\"perp\" or a venue label of the market",
                        &format!("\"{venue}\""),
                        "define the venue in [[market.venue]]",
                    ));
                }
            }
            (Some(market), *start_block, *end_block)
        }
        FaultSpec::OracleFreeze {
            market,
            start_block,
            end_block,
        }
        | FaultSpec::Misprice {
            market,
            start_block,
            end_block,
            ..
        } => (Some(market), *start_block, *end_block),
        FaultSpec::LiquidationStall {
            market,
            start_block,
            end_block,
        } => (market.as_ref(), *start_block, *end_block),
        FaultSpec::ChainHalt {
            start_block,
            end_block,
        }
        | FaultSpec::LiquidationLag {
            start_block,
            end_block,
            ..
        } => (None, *start_block, *end_block),
    };
    if let Some(m) = market.filter(|m| !market_known(m)) {
        out.push(issue(
            &format!("{path}.market"),
            "a market symbol",
            &format!("\"{m}\""),
            "name a market defined in [[market]]",
        ));
    }
    window_rule(out, &path, start, end, f.blocks);
}

/// Data the physics sections reference: depth snapshots by field path, gas per block.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolved {
    pub depths: BTreeMap<String, Vec<DepthPointSpec>>,
    pub gas: Option<Vec<f64>>,
    pub ivs: BTreeMap<usize, Vec<f64>>,
}

/// Load depth snapshots, implied-volatility and gas series; problems become issues.
pub(crate) fn resolve_files(f: &ScenarioFile, base: &Path, issues: &mut Vec<Issue>) -> Resolved {
    let mut r = Resolved::default();
    let mut books: Vec<(String, &DepthSnapshotSpec)> = Vec::new();
    for (i, m) in f.market.iter().enumerate() {
        if let Some(s) = &m.book.depth_snapshot {
            books.push((format!("market[{i}].book"), s));
        }
        for (j, v) in m.venue.iter().enumerate() {
            if let SpotVenueSpec::Book {
                depth_snapshot: Some(s),
                ..
            } = v
            {
                books.push((format!("market[{i}].venue[{j}]"), s));
            }
        }
    }
    for (key, spec) in books {
        match snapshot_points(base, spec) {
            Ok(points) => {
                r.depths.insert(key, points);
            }
            Err(msg) => issues.push(issue(
                &format!("{key}.depth_snapshot.file"),
                "a usable bookDepth snapshot",
                &msg,
                "the path is relative to the scenario file",
            )),
        }
    }
    let step = i64::try_from(f.block_time_ms).unwrap_or(i64::MAX);
    for (i, m) in f.market.iter().enumerate() {
        let Some(v) = &m.vol_margin else { continue };
        let Some(file) = &v.implied_vol_file else {
            continue;
        };
        match faultline_data::load_series(&base.join(file), &v.time_column, &v.iv_column) {
            Ok(series) => {
                let held = faultline_data::hold_to_blocks(&series, series[0].0, step, f.blocks);
                r.ivs.insert(i, held);
            }
            Err(e) => issues.push(issue(
                &format!("market[{i}].vol_margin.implied_vol_file"),
                "a readable implied-volatility series",
                &e.to_string(),
                "the path is relative to the scenario file; check `time_column` and `iv_column`",
            )),
        }
    }
    if let Some(ChainSpec {
        demand:
            GasDemandSpec::Replay {
                file,
                column,
                start,
            },
        ..
    }) = &f.chain
    {
        match load_gas_series(&base.join(file), column) {
            Ok(series) => {
                let t0 = start
                    .as_deref()
                    .and_then(parse_utc)
                    .unwrap_or(series[0].time_ms);
                let points: Vec<(i64, f64)> = series.iter().map(|p| (p.time_ms, p.gwei)).collect();
                r.gas = Some(faultline_data::hold_to_blocks(&points, t0, step, f.blocks));
            }
            Err(e) => issues.push(issue(
                "chain.demand.file",
                "a readable gas-price series",
                &e.to_string(),
                "the path is relative to the scenario file; check `column`",
            )),
        }
    }
    r
}

fn snapshot_points(base: &Path, spec: &DepthSnapshotSpec) -> Result<Vec<DepthPointSpec>, String> {
    let mut series = load_book_depth(&base.join(&spec.file)).map_err(|e| e.to_string())?;
    if spec.repair_frozen {
        repair_frozen_buckets(&mut series, 5);
    }
    let at = parse_utc(&spec.at).ok_or("bad `at` time")?;
    let snap = DepthSnapshot::at(&series, at).ok_or("no snapshot")?;
    let points: Vec<DepthPointSpec> = snap
        .bids
        .iter()
        .map(|&(offset, quote)| DepthPointSpec {
            offset,
            quote: quote * spec.scale,
        })
        .collect();
    depth_profile(&points)
        .map_err(|m| format!("the snapshot at {} is not a usable profile: {m}", spec.at))?;
    Ok(points)
}

/// The depth points a book uses: explicit, or resolved from its snapshot.
pub(crate) fn depth_points<'a>(
    s: &'a Scenario,
    key: &str,
    explicit: &'a [DepthPointSpec],
) -> &'a [DepthPointSpec] {
    s.depths.get(key).map_or(explicit, Vec::as_slice)
}

/// The oracle source name a world uses for a bound market (never valid in a file: the
/// validator accepts only "perp", "reference" and venue labels).
pub(crate) const WORLD_SOURCE: &str = "\u{0}world";

/// Oracle parameters of market `i`.
pub(crate) fn oracle_params(f: &ScenarioFile, i: usize) -> Result<OracleParams, ArithmeticError> {
    let (o, _) = oracle_of(f, i);
    let m = &f.market[i];
    let source = |name: &str| match name {
        "perp" => SourceRef::PerpBook,
        "reference" => SourceRef::Reference,
        // Only set by a world binding the market to one of its oracles.
        WORLD_SOURCE => SourceRef::External,
        label => SourceRef::Venue(m.venue.iter().position(|v| v.label() == label).unwrap_or(0)),
    };
    let sources = if o.sources.is_empty() {
        vec![match o.source {
            OracleSourceSpec::BookMid => SourceRef::PerpBook,
            OracleSourceSpec::Reference => SourceRef::Reference,
        }]
    } else {
        o.sources.iter().map(|s| source(s)).collect()
    };
    let ppm = |x: Option<f64>| x.map(Ppm::from_f64).transpose();
    Ok(OracleParams {
        sources,
        twap_blocks: o.twap_blocks.max(1),
        delay_blocks: o.delay_blocks,
        heartbeat_blocks: o.heartbeat_blocks,
        deviation: ppm(o.deviation)?,
        latency_blocks: o.latency_blocks,
        max_staleness_blocks: o.max_staleness_blocks,
        max_twap_divergence: ppm(o.max_twap_divergence)?,
        max_source_spread: ppm(o.max_source_spread)?,
        guard_liquidations: o.guard_liquidations,
    })
}

/// The spot venues of market `i`, opened at `initial`.
pub(crate) fn spot_venues(
    s: &Scenario,
    i: usize,
    initial: Price,
) -> Result<Vec<SpotVenue>, String> {
    let m = &s.file.market[i];
    let err = |e: ArithmeticError| e.to_string();
    let mut out = Vec::with_capacity(m.venue.len());
    for (j, v) in m.venue.iter().enumerate() {
        let liquidity = match v {
            SpotVenueSpec::Book {
                half_spread,
                level_step,
                refill_per_block,
                depth,
                ..
            } => {
                let points = depth_points(s, &format!("market[{i}].venue[{j}]"), depth);
                let layout = BookLayout {
                    profile: depth_profile(points)?,
                    half_spread: Ppm::from_f64(*half_spread).map_err(err)?,
                    level_step: Ppm::from_f64(*level_step).map_err(err)?,
                    refill_per_block: Ppm::from_f64(*refill_per_block).map_err(err)?,
                };
                VenueBook::Book(Book::new(&layout, initial).map_err(err)?)
            }
            SpotVenueSpec::ConstantProduct {
                base_reserve, fee, ..
            } => {
                let base = Base::from_f64(*base_reserve).map_err(err)?;
                let quote = base.notional(initial, Rounding::Floor).map_err(err)?;
                VenueBook::Amm(AmmPool::new(
                    base,
                    quote,
                    Ppm::from_f64(*fee).map_err(err)?,
                    AmmCurve::ConstantProduct,
                ))
            }
            SpotVenueSpec::Stableswap {
                base_reserve,
                quote_reserve,
                amplification,
                peg,
                fee,
                ..
            } => VenueBook::Amm(AmmPool::new(
                Base::from_f64(*base_reserve).map_err(err)?,
                Quote::from_f64(*quote_reserve).map_err(err)?,
                Ppm::from_f64(*fee).map_err(err)?,
                AmmCurve::StableSwap {
                    amplification: *amplification,
                    peg: *peg,
                },
            )),
        };
        out.push(SpotVenue {
            label: v.label().to_string(),
            liquidity,
            offline: false,
        });
    }
    Ok(out)
}

/// Liquidity, arbitrage and manipulation settings of a market.
pub(crate) type MarketAgents = (
    Option<LiquidityParams>,
    Option<ArbitrageParams>,
    Option<Manipulation>,
);

/// Liquidity, arbitrage and manipulation settings of market `i`.
pub(crate) fn market_agents(f: &ScenarioFile, i: usize) -> Result<MarketAgents, ArithmeticError> {
    let m = &f.market[i];
    let liquidity = m.liquidity.as_ref().map(|l| LiquidityParams {
        withdraw_sensitivity: l.withdraw_sensitivity,
        reference_vol_annual: l.reference_vol_annual,
        vol_halflife_blocks: l.vol_halflife_blocks,
        inventory_limit: l.inventory_limit,
        inventory_sensitivity: l.inventory_sensitivity,
    });
    let arbitrage = match &m.arbitrage {
        Some(a) => Some(ArbitrageParams {
            capital_per_block: Quote::from_f64(a.capital_per_block)?,
            latency_blocks: a.latency_blocks,
            min_edge: Ppm::from_f64(a.min_edge)?,
        }),
        None => None,
    };
    let manipulation = match &m.manipulation {
        Some(a) => Some(Manipulation {
            venue: m
                .venue
                .iter()
                .position(|v| v.label() == a.venue)
                .unwrap_or(0),
            start: a.start_block,
            end: a.end_block,
            budget: Quote::from_f64(a.budget)?,
            per_block: Quote::from_f64(a.per_block)?,
        }),
        None => None,
    };
    Ok((liquidity, arbitrage, manipulation))
}

/// Where market `i` liquidates: `None` for the perp book.
pub(crate) fn liquidation_venue(f: &ScenarioFile, i: usize) -> Option<usize> {
    let m = &f.market[i];
    m.venue
        .iter()
        .position(|v| v.label() == m.liquidation_venue)
}

/// Chain parameters, if the scenario has a chain.
pub(crate) fn chain_params(s: &Scenario) -> Option<ChainParams> {
    let f = &s.file;
    let c = f.chain.as_ref()?;
    let bid = gas_bid;
    let demand = match &c.demand {
        GasDemandSpec::Parametric {
            utilization,
            priority_mean_gwei,
            elasticity,
            spikes,
        } => GasDemand::Parametric {
            elasticity: *elasticity,
            utilization: *utilization,
            priority_mean_gwei: *priority_mean_gwei,
            spikes: spikes
                .iter()
                .map(|s| GasSpike {
                    start: s.start_block,
                    end: s.end_block,
                    multiplier: s.multiplier,
                })
                .collect(),
        },
        GasDemandSpec::Replay { .. } => GasDemand::Replay {
            gwei: s.gas.clone().unwrap_or_default(),
        },
    };
    Some(ChainParams {
        gas_limit: c.gas_limit,
        target_gas: c.target_gas.unwrap_or(c.gas_limit / 2),
        initial_base_fee_gwei: c.base_fee_gwei,
        demand,
        max_pending_blocks: c.max_pending_blocks,
        gas_token_price: c.gas_token_price.unwrap_or(0.0),
        gas_token_market: c
            .gas_token_market
            .as_ref()
            .and_then(|m| f.market.iter().position(|x| &x.symbol == m)),
        oracle_bid: bid(&c.oracle_tx),
        liquidation_bid: bid(&c.liquidation_tx),
        min_liquidation_profit: c.min_liquidation_profit,
        mev_frontrun_fraction: c.mev_frontrun_fraction,
    })
}

/// The fault schedule.
pub(crate) fn faults(f: &ScenarioFile) -> Faults {
    let market = |m: &str| f.market.iter().position(|x| x.symbol == m).unwrap_or(0);
    Faults(
        f.fault
            .iter()
            .map(|spec| match spec {
                FaultSpec::VenueOutage {
                    market: m,
                    venue,
                    start_block,
                    end_block,
                } => {
                    let i = market(m);
                    let v = f.market[i].venue.iter().position(|x| x.label() == venue);
                    Fault {
                        kind: FaultKind::VenueOutage {
                            market: i,
                            venue: v,
                        },
                        start: *start_block,
                        end: *end_block,
                    }
                }
                FaultSpec::OracleFreeze {
                    market: m,
                    start_block,
                    end_block,
                } => Fault {
                    kind: FaultKind::OracleFreeze { market: market(m) },
                    start: *start_block,
                    end: *end_block,
                },
                FaultSpec::ChainHalt {
                    start_block,
                    end_block,
                } => Fault {
                    kind: FaultKind::ChainHalt,
                    start: *start_block,
                    end: *end_block,
                },
                FaultSpec::LiquidationStall {
                    market: m,
                    start_block,
                    end_block,
                } => Fault {
                    kind: FaultKind::LiquidationStall {
                        market: m.as_deref().map(market),
                    },
                    start: *start_block,
                    end: *end_block,
                },
                FaultSpec::LiquidationLag {
                    lag_blocks,
                    start_block,
                    end_block,
                } => Fault {
                    kind: FaultKind::LiquidationLag {
                        blocks: *lag_blocks,
                    },
                    start: *start_block,
                    end: *end_block,
                },
                FaultSpec::Misprice {
                    market: m,
                    factor,
                    start_block,
                    end_block,
                } => Fault {
                    kind: FaultKind::Misprice {
                        market: market(m),
                        factor: *factor,
                    },
                    start: *start_block,
                    end: *end_block,
                },
            })
            .collect(),
    )
}

/// Volatility-scaled margin, circuit breaker and penalty of market `i`.
pub(crate) fn market_mitigations(
    s: &Scenario,
    i: usize,
) -> Result<MarketMitigations, ArithmeticError> {
    let m = &s.file.market[i];
    let vol = m.vol_margin.as_ref().map(|v| VolMargin {
        reference_vol_annual: v.reference_vol_annual,
        max_multiplier: v.max_multiplier,
        implied_vol: s.ivs.get(&i).cloned(),
    });
    let breaker = match &m.circuit_breaker {
        Some(c) => Some(CircuitBreaker {
            price_band: c.price_band.map(Ppm::from_f64).transpose()?,
            vol_halt_annual: c.vol_halt_annual,
            halt_blocks: c.halt_blocks,
            halt_liquidations: c.halts != HaltSpec::Trading,
            halt_trading: c.halts != HaltSpec::Liquidations,
        }),
        None => None,
    };
    let penalty = match &m.penalty {
        Some(p) => Some(PenaltyCurve {
            reference_notional: p.reference_notional,
            exponent: p.exponent,
            max_fee: Ppm::from_f64(p.max_fee)?,
        }),
        None => None,
    };
    Ok((vol, breaker, penalty))
}

/// Mitigations of one market.
pub(crate) type MarketMitigations = (
    Option<VolMargin>,
    Option<CircuitBreaker>,
    Option<PenaltyCurve>,
);

/// A population's behaviour.
pub(crate) fn behavior(
    b: Option<&BehaviorSpec>,
) -> Result<Option<TraderBehavior>, ArithmeticError> {
    let Some(b) = b else { return Ok(None) };
    Ok(Some(TraderBehavior {
        stop_loss: b.stop_loss.map(Ppm::from_f64).transpose()?,
        derisk_below_ratio: b.derisk_below_ratio.map(Ppm::from_f64).transpose()?,
        derisk_fraction: Ppm::from_f64(b.derisk_fraction)?,
        panic_base: b.panic_probability,
        panic_herd: b.herd_sensitivity,
    }))
}

/// The competing liquidators.
fn gas_bid(t: &crate::schema::TxSpec) -> GasBid {
    GasBid {
        gas_used: t.gas_used,
        premium: t.premium,
        max_fee_gwei: t.max_fee_gwei,
    }
}

pub(crate) fn liquidators(f: &ScenarioFile) -> Result<Vec<LiquidatorAgent>, ArithmeticError> {
    f.liquidator
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(LiquidatorAgent {
                label: if l.label.is_empty() {
                    format!("liquidator[{i}]")
                } else {
                    l.label.clone()
                },
                latency_blocks: l.latency_blocks,
                capacity_per_block: Quote::from_f64(l.capacity_per_block)?,
                min_profit: Quote::from_f64(l.min_profit)?,
                gas: l.gas.as_ref().map(gas_bid),
            })
        })
        .collect()
}

/// The backstop vault.
pub(crate) fn backstop(
    b: &BackstopSpec,
    account: faultline_units::AccountId,
    capital: Quote,
) -> Result<Backstop, ArithmeticError> {
    Ok(Backstop {
        account,
        capital,
        takeover_below_ratio: Ppm::from_f64(b.takeover_below_ratio)?,
        unwind_per_block: Ppm::from_f64(b.unwind_per_block)?,
        run_drawdown: b.run_drawdown.map(Ppm::from_f64).transpose()?,
        run_per_block: Ppm::from_f64(b.run_per_block)?,
    })
}

/// Insurance-fund top-ups.
pub(crate) fn topup(t: &InsuranceTopUpSpec) -> Result<InsuranceTopUp, ArithmeticError> {
    Ok(InsuranceTopUp {
        below: Quote::from_f64(t.below)?,
        per_block: Quote::from_f64(t.per_block)?,
        budget: Quote::from_f64(t.budget)?,
    })
}
