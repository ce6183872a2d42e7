//! Turn a validated scenario into a ready-to-run simulation.

use crate::load::{depth_profile, margin_schedule, Scenario};
use crate::schema::{
    AdlRankingSpec, DeficitSpec, Distribution, MarginModeSpec, MarkPriceSpec, ReferenceSpec,
    SideSpec,
};
use faultline_engine::oracle::Oracle;
use faultline_engine::process::{
    generate_paths, Gap, Garch, Jumps, PathsInput, Pin, ProcessSpec, Stochastic,
};
use faultline_engine::rng::{stream, Stream};
use faultline_engine::{
    DeficitPolicy, EngineConfig, EngineError, MarkMethod, MarketRuntime, ReferencePath, Simulation,
};
use faultline_math::adl::AdlRanking;
use faultline_math::funding::FundingParams;
use faultline_state::{
    AccountKind, Book, BookLayout, LiquidationParams, MarginMode, Market, MarketParams,
    OpenPosition, Pot, StagedParams, StateError, Venue,
};
use faultline_units::{AccountId, ArithmeticError, Base, MarketId, Ppm, Price, Quote, Rounding};
use rand::RngExt;
use rand_chacha::ChaCha12Rng;
use thiserror::Error;

/// Why a validated scenario could not be built (a value that overflows fixed point).
#[derive(Debug, Error)]
pub enum BuildError {
    /// A number does not fit the fixed-point range.
    #[error("{what}: {source}")]
    Arithmetic {
        /// Which value.
        what: String,
        /// The overflow.
        source: ArithmeticError,
    },
    /// Set-up broke a state rule.
    #[error(transparent)]
    State(#[from] StateError),
    /// The engine refused the initial state.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A built scenario: the simulation and a label per account.
#[derive(Debug)]
pub struct Built {
    /// Ready to step.
    pub sim: Simulation,
    /// Account labels by id.
    pub labels: Vec<String>,
}

fn fx<T>(what: &str, r: Result<T, ArithmeticError>) -> Result<T, BuildError> {
    r.map_err(|source| BuildError::Arithmetic {
        what: what.to_string(),
        source,
    })
}

/// Build the simulation for `seed`.
pub fn build(s: &Scenario, seed: u64) -> Result<Built, BuildError> {
    build_on(s, seed, reference_paths(s, seed))
}

/// Build the simulation for `seed` with market `market`'s reference price replaced by
/// `path` (one price per block from the opening one): how a multi-protocol system drives
/// a perp venue with its shared ETH price. Positions open at the path's first price.
pub fn build_with_reference(
    s: &Scenario,
    seed: u64,
    market: usize,
    path: &[f64],
) -> Result<Built, BuildError> {
    let mut paths = reference_paths(s, seed);
    if let Some(p) = paths.get_mut(market) {
        *p = path.to_vec();
    }
    build_on(s, seed, paths)
}

/// Build the simulation for `seed` with several markets' reference prices replaced
/// (market index, one price per block from the opening one): how a world drives a perp
/// venue with its assets' outside prices.
pub fn build_with_references(
    s: &Scenario,
    seed: u64,
    replaced: &[(usize, Vec<f64>)],
) -> Result<Built, BuildError> {
    let mut paths = reference_paths(s, seed);
    for (market, path) in replaced {
        if let Some(p) = paths.get_mut(*market) {
            p.clone_from(path);
        }
    }
    build_on(s, seed, paths)
}

fn build_on(s: &Scenario, seed: u64, paths: Vec<Vec<f64>>) -> Result<Built, BuildError> {
    let f = &s.file;
    let mut markets = Vec::new();
    let mut runtimes = Vec::new();
    for (i, m) in f.market.iter().enumerate() {
        let id = MarketId(u16::try_from(i).unwrap_or(u16::MAX));
        let reference = fx("reference price", ReferencePath::from_f64(&paths[i]))?;
        let initial = reference.initial();
        let margin =
            margin_schedule(&m.margin.tiers).map_err(|(_, msg)| BuildError::Arithmetic {
                what: msg,
                source: ArithmeticError::new("margin schedule"),
            })?;
        let profile = depth_profile(crate::wiring::depth_points(
            s,
            &format!("market[{i}].book"),
            &m.book.depth,
        ))
        .map_err(|msg| BuildError::Arithmetic {
            what: msg,
            source: ArithmeticError::new("depth profile"),
        })?;
        let layout = BookLayout {
            profile,
            half_spread: fx("half_spread", Ppm::from_f64(m.book.half_spread))?,
            level_step: fx("level_step", Ppm::from_f64(m.book.level_step))?,
            refill_per_block: fx("refill_per_block", Ppm::from_f64(m.book.refill_per_block))?,
        };
        let staged = match &m.liquidation.staged {
            None => None,
            Some(st) => Some(StagedParams {
                max_step_fraction: fx("max_step_fraction", Ppm::from_f64(st.max_step_fraction))?,
                cooldown_blocks: st.cooldown_blocks,
                buffer: fx("buffer", Ppm::from_f64(st.buffer))?,
                min_partial_notional: fx(
                    "min_partial_notional",
                    Quote::from_f64(st.min_partial_notional),
                )?,
                full_below_ratio: fx("full_below_ratio", Ppm::from_f64(st.full_below_ratio))?,
            }),
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        // validated to (0, 24] hours
        let interval_ms = (m.funding.interval_hours * 3_600_000.0).round() as u64;
        let params = MarketParams {
            symbol: m.symbol.clone(),
            margin,
            liquidation: LiquidationParams {
                fee: fx("liquidation.fee", Ppm::from_f64(m.liquidation.fee))?,
                liquidator_share: fx(
                    "liquidator_share",
                    Ppm::from_f64(m.liquidation.liquidator_share),
                )?,
                staged,
            },
            funding: FundingParams {
                interest_rate: fx("interest_rate", Ppm::from_f64(m.funding.interest_rate))?,
                premium_clamp: fx("premium_clamp", Ppm::from_f64(m.funding.premium_clamp))?,
                rate_cap: fx("rate_cap", Ppm::from_f64(m.funding.rate_cap))?,
                interval_ms,
            },
            taker_fee: fx("taker_fee", Ppm::from_f64(m.taker_fee))?,
        };
        let book = fx("book", Book::new(&layout, initial))?;
        let mut market = Market::new(id, params, book, initial);
        market.venues =
            crate::wiring::spot_venues(s, i, initial).map_err(|msg| BuildError::Arithmetic {
                what: msg,
                source: ArithmeticError::new("spot venue"),
            })?;
        market.liquidation_venue = crate::wiring::liquidation_venue(f, i);
        market.open_interest_cap = m
            .open_interest_cap
            .map(Quote::from_f64)
            .transpose()
            .map_err(|source| BuildError::Arithmetic {
                what: "open_interest_cap".into(),
                source,
            })?;
        markets.push(market);
        let oracle = Oracle::new(fx("oracle", crate::wiring::oracle_params(f, i))?, initial);
        let mut rt = MarketRuntime::new(reference, oracle);
        (rt.liquidity, rt.arbitrage, rt.manipulation) =
            fx("market agents", crate::wiring::market_agents(f, i))?;
        (rt.vol_margin, rt.breaker, rt.penalty) =
            fx("mitigations", crate::wiring::market_mitigations(s, i))?;
        if let Some(v) = &rt.vol_margin {
            markets[i].margin_multiplier_cap =
                fx("max_multiplier", Ppm::from_f64(v.max_multiplier))?;
        }
        runtimes.push(rt);
    }
    let mut venue = Venue::new(markets, f.liquidator.len().max(1));
    let mut behaviors = Vec::new();
    let mut labels = Vec::new();
    let lp = venue.add_account(AccountKind::LiquidityProvider);
    labels.push("liquidity-provider".to_string());
    venue.deposit(
        Pot::Cross(lp),
        fx(
            "liquidity_provider_capital",
            Quote::from_f64(f.venue.liquidity_provider_capital),
        )?,
    )?;
    venue.deposit(
        Pot::InsuranceFund,
        fx("insurance_fund", Quote::from_f64(f.venue.insurance_fund))?,
    )?;
    let market_id = |sym: &str| {
        f.market
            .iter()
            .position(|m| m.symbol == sym)
            .map(|i| MarketId(u16::try_from(i).unwrap_or(u16::MAX)))
    };

    for (i, a) in f.account.iter().enumerate() {
        let Some(market) = market_id(&a.market) else {
            continue;
        };
        let initial = venue.markets[market.index()].reference_price;
        let entry = match a.entry_price {
            Some(p) => fx("entry_price", Price::from_f64(p))?,
            None => initial,
        };
        let size = fx("size", Base::from_f64(a.size))?;
        let trader = Trader {
            side: a.side,
            size,
            entry,
            leverage: a.leverage,
            isolated: a.margin == MarginModeSpec::Isolated,
        };
        let id = open(&mut venue, lp, market, &trader)?;
        for extra in &a.more_positions {
            let Some(m) = market_id(&extra.market) else {
                continue;
            };
            let initial = venue.markets[m.index()].reference_price;
            let t = Trader {
                side: extra.side,
                size: fx("size", Base::from_f64(extra.size))?,
                entry: extra
                    .entry_price
                    .map(Price::from_f64)
                    .transpose()
                    .map_err(|source| BuildError::Arithmetic {
                        what: "entry_price".into(),
                        source,
                    })?
                    .unwrap_or(initial),
                leverage: extra.leverage,
                isolated: false,
            };
            add_position(&mut venue, lp, id, m, &t)?;
        }
        labels.push(if a.label.is_empty() {
            format!("account[{i}]")
        } else {
            a.label.clone()
        });
    }
    for (i, p) in f.population.iter().enumerate() {
        let Some(market) = market_id(&p.market) else {
            continue;
        };
        let mut rng = stream(
            seed,
            Stream::Population(u32::try_from(i).unwrap_or(u32::MAX)),
        );
        let initial = venue.markets[market.index()].reference_price.to_f64();
        let behavior = fx("behavior", crate::wiring::behavior(p.behavior.as_ref()))?;
        let name = if p.label.is_empty() {
            format!("population[{i}]")
        } else {
            p.label.clone()
        };
        for k in 0..p.count {
            let long = rng.random_bool(p.long_probability);
            let isolated = rng.random_bool(p.isolated_probability);
            let notional = draw(&p.notional, &mut rng).max(1e-6);
            let max_leverage = venue.markets[market.index()]
                .params
                .margin
                .tier_for(fx("notional", Quote::from_f64(notional))?)
                .max_leverage
                .to_f64();
            let leverage = draw(&p.leverage, &mut rng).clamp(1.0, max_leverage);
            let offset = draw(&p.entry_offset, &mut rng).max(-0.99);
            let entry = fx("entry price", Price::from_f64(initial * (1.0 + offset)))?;
            let size = fx("size", Base::from_f64(notional / entry.to_f64()))?;
            if !size.is_positive() {
                continue;
            }
            let m = &mut venue.markets[market.index()];
            if !fx("open_interest_cap", m.admits_opening(long, size, entry))? {
                // Refused by the cap; its draws are already taken, so the traders after
                // it are the same with and without a cap (comparisons stay paired).
                m.openings_refused += 1;
                continue;
            }
            let side = if long {
                SideSpec::Long
            } else {
                SideSpec::Short
            };
            let id = open(
                &mut venue,
                lp,
                market,
                &Trader {
                    side,
                    size,
                    entry,
                    leverage,
                    isolated,
                },
            )?;
            if let Some(b) = behavior {
                behaviors.push((id, b));
            }
            labels.push(format!("{name}#{k}"));
        }
    }
    let config = EngineConfig {
        block_time_ms: f.block_time_ms,
        blocks: f.blocks,
        mark: match f.venue.mark_price {
            MarkPriceSpec::Oracle => MarkMethod::Oracle,
            MarkPriceSpec::MedianOracleBook => MarkMethod::MedianOracleBook,
        },
        deficit: match f.venue.deficit {
            DeficitSpec::SocializedLoss => DeficitPolicy::SocializedLoss,
            DeficitSpec::Adl { ranking } => DeficitPolicy::Adl(match ranking {
                AdlRankingSpec::Bitmex => AdlRanking::Bitmex,
                AdlRankingSpec::Binance => AdlRanking::Binance,
                AdlRankingSpec::Hyperliquid => AdlRanking::Hyperliquid,
                AdlRankingSpec::ProRata => AdlRanking::ProRata,
                AdlRankingSpec::DydxOffsetWalk => AdlRanking::DydxOffsetWalk,
            }),
        },
        seed,
    };
    let backstop = match &f.venue.backstop {
        Some(b) => {
            let id = venue.add_account(AccountKind::Backstop);
            labels.push("backstop-vault".to_string());
            let capital = fx("backstop capital", Quote::from_f64(b.capital))?;
            venue.deposit(Pot::Cross(id), capital)?;
            Some(fx("backstop", crate::wiring::backstop(b, id, capital))?)
        }
        None => None,
    };
    let mut sim = Simulation::new(venue, config, runtimes, lp)?
        .with_faults(crate::wiring::faults(f))
        .with_behaviors(behaviors)
        .with_liquidators(fx("liquidators", crate::wiring::liquidators(f))?);
    if let Some(b) = backstop {
        sim = sim.with_backstop(b);
    }
    if let Some(t) = &f.venue.insurance_topup {
        sim = sim.with_insurance_topup(fx("insurance_topup", crate::wiring::topup(t))?);
    }
    if let Some(chain) = crate::wiring::chain_params(s) {
        sim = sim.with_chain(chain);
    }
    Ok(Built { sim, labels })
}

struct Trader {
    side: SideSpec,
    size: Base,
    entry: Price,
    leverage: f64,
    isolated: bool,
}

/// Open one trader: deposit collateral = entry notional / leverage (rounded up: the
/// trader brings at least that), and open the position against the liquidity provider.
fn open(
    venue: &mut Venue,
    lp: AccountId,
    market: MarketId,
    t: &Trader,
) -> Result<AccountId, BuildError> {
    let id = venue.add_account(AccountKind::Trader);
    add_position(venue, lp, id, market, t)?;
    Ok(id)
}

/// Give account `id` a position in `market` and deposit its collateral.
fn add_position(
    venue: &mut Venue,
    lp: AccountId,
    id: AccountId,
    market: MarketId,
    t: &Trader,
) -> Result<(), BuildError> {
    let size = if t.side == SideSpec::Long {
        t.size
    } else {
        fx("size", t.size.checked_neg())?
    };
    let leverage = fx("leverage", Ppm::from_f64(t.leverage))?;
    let notional = fx("notional", t.size.notional(t.entry, Rounding::Ceil))?;
    let collateral = fx(
        "collateral",
        notional.mul_div(
            i128::from(Ppm::SCALE),
            i128::from(leverage.atoms()),
            Rounding::Ceil,
        ),
    )?;
    let mode = if t.isolated {
        MarginMode::Isolated
    } else {
        MarginMode::Cross
    };
    venue.open_position(OpenPosition {
        account: id,
        market,
        mode,
        size,
        price: t.entry,
        leverage: Some(leverage),
        lp: Some(lp),
    })?;
    let pot = if t.isolated {
        Pot::Isolated(id, market)
    } else {
        Pot::Cross(id)
    };
    venue.deposit(pot, collateral)?;
    Ok(())
}

fn draw(d: &Distribution, rng: &mut ChaCha12Rng) -> f64 {
    use rand_distr::Distribution as _;
    match *d {
        Distribution::Fixed { value } => value,
        Distribution::Uniform { min, max } => {
            if max > min {
                min + (max - min) * rng.random::<f64>()
            } else {
                min
            }
        }
        Distribution::Normal { mean, sd } => {
            let z: f64 = rand_distr::StandardNormal.sample(rng);
            mean + sd * z
        }
        Distribution::LogNormal { median, sigma } => {
            let z: f64 = rand_distr::StandardNormal.sample(rng);
            median * libm::exp(sigma * z)
        }
    }
}

/// Every market's reference path for `seed`: generated processes (correlated as the
/// scenario says) and replays, with their gaps.
fn reference_paths(s: &Scenario, seed: u64) -> Vec<Vec<f64>> {
    let f = &s.file;
    let mut processes = Vec::with_capacity(f.market.len());
    let mut gaps = Vec::with_capacity(f.market.len());
    let to_gaps = |g: &[crate::schema::GapSpec]| {
        g.iter()
            .map(|g| Gap {
                block: g.block,
                fraction: g.fraction,
            })
            .collect::<Vec<_>>()
    };
    for (i, m) in f.market.iter().enumerate() {
        match &m.reference {
            ReferenceSpec::Gbm {
                initial_price,
                drift_annual,
                volatility_annual,
                student_t_dof,
                jumps,
                garch,
                pins,
                gaps: g,
            } => {
                processes.push(ProcessSpec::Stochastic(Stochastic {
                    initial: *initial_price,
                    drift_annual: *drift_annual,
                    volatility_annual: *volatility_annual,
                    student_t_dof: *student_t_dof,
                    jumps: jumps.as_ref().map(|j| Jumps {
                        intensity_annual: j.intensity_annual,
                        mean_log: j.mean_log,
                        sd_log: j.sd_log,
                    }),
                    garch: garch.as_ref().map(|g| Garch {
                        alpha: g.alpha,
                        beta: g.beta,
                    }),
                    pins: pins
                        .iter()
                        .map(|p| Pin {
                            block: p.block,
                            price: p.price,
                        })
                        .collect(),
                }));
                gaps.push(to_gaps(g));
            }
            ReferenceSpec::Candles { gaps: g, .. } => {
                processes.push(ProcessSpec::Replay(
                    s.replays.get(i).cloned().flatten().unwrap_or_default(),
                ));
                gaps.push(to_gaps(g));
            }
        }
    }
    let n = f.market.len();
    let correlation = f.correlation.as_ref().map(|c| {
        let mut full: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
            .collect();
        let index = |sym: &str| f.market.iter().position(|m| m.symbol == sym);
        for (a, sa) in c.markets.iter().enumerate() {
            for (b, sb) in c.markets.iter().enumerate() {
                if let (Some(i), Some(j)) = (index(sa), index(sb)) {
                    full[i][j] = c.matrix[a][b];
                }
            }
        }
        full
    });
    generate_paths(&PathsInput {
        processes: &processes,
        gaps: &gaps,
        correlation: correlation.as_deref(),
        blocks: f.blocks,
        block_time_ms: f.block_time_ms,
        seed,
    })
}
