//! The simulation: state plus the per-block pipeline.

use crate::chain::{Chain, ChainParams, TxKind};
use crate::config::{EngineConfig, MarkMethod};
use crate::events::{Event, EventKind, EventLog};
use crate::faults::{FaultKind, Faults};
use crate::oracle::{Oracle, SourceRef, Validity};
use crate::record::{BlockStats, MarketRecord, RunTotals, VenueRecord};
use crate::reference::ReferencePath;
use crate::rng::{stream, Stream};
use crate::venues::{ArbitrageParams, LiquidityParams, Manipulation, VenueState};
use faultline_math::funding::{funding_rate, index_increment, premium_index};
use faultline_state::{BookSide, MarginGroup, StateError, Venue};
use faultline_units::{AccountId, ArithmeticError, Base, Block, MarketId, Price, Quote};
use rand_chacha::ChaCha12Rng;
use std::collections::VecDeque;
use thiserror::Error;

/// Engine failures. None is caused by user input (scenarios are validated before a
/// run); each one means the run cannot continue, and the caller keeps what was
/// recorded up to the previous block.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EngineError {
    /// A state operation failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Fixed-point overflow.
    #[error(transparent)]
    Arithmetic(#[from] ArithmeticError),
    /// The ledger no longer balances: a bug, stopped at once.
    #[error(
        "conservation violated after block {block}: the ledger is off by {error_atoms} quote atoms"
    )]
    Conservation {
        /// The block after which the check failed.
        block: Block,
        /// `Σ pots − (deposits + flows)` in quote atoms.
        error_atoms: i128,
    },
}

/// The per-market pieces that live outside the venue state.
#[derive(Debug, Clone)]
pub struct MarketRuntime {
    /// Reference price path.
    pub reference: ReferencePath,
    /// The protocol's oracle for this market.
    pub oracle: Oracle,
    /// Depth withdrawal under volatility.
    pub liquidity: Option<LiquidityParams>,
    /// Arbitrage between AMM pools and the perp book.
    pub arbitrage: Option<ArbitrageParams>,
    /// An oracle-manipulation attack.
    pub manipulation: Option<Manipulation>,
    pub(crate) state: VenueState,
    pub(crate) amplification: Amplification,
    pub(crate) validity: Option<Validity>,
    /// Volatility-scaled margin.
    pub vol_margin: Option<crate::mitigations::VolMargin>,
    /// Circuit breaker.
    pub breaker: Option<crate::mitigations::CircuitBreaker>,
    /// Non-linear liquidation penalty.
    pub penalty: Option<crate::mitigations::PenaltyCurve>,
    pub(crate) halted_until: u64,
    /// The price an [`SourceRef::External`] source reads.
    pub(crate) external_price: Price,
}

impl MarketRuntime {
    /// A market runtime with only a reference path and an oracle.
    pub fn new(reference: ReferencePath, oracle: Oracle) -> Self {
        Self {
            reference,
            oracle,
            liquidity: None,
            arbitrage: None,
            manipulation: None,
            state: VenueState::default(),
            amplification: Amplification::default(),
            validity: None,
            vol_margin: None,
            breaker: None,
            penalty: None,
            halted_until: 0,
            external_price: Price::ZERO,
        }
    }
}

/// How much of the price move the system made itself: the total absolute log move of
/// the traded price (the perp book mid) over that of the exogenous reference (the
/// essays' "systemic friction"; 1 means the venue only followed the reference).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Amplification {
    reference_move: f64,
    traded_move: f64,
    last_reference: f64,
    last_traded: f64,
}

impl Amplification {
    fn update(&mut self, reference: f64, traded: f64) {
        if self.last_reference > 0.0 && reference > 0.0 && self.last_traded > 0.0 && traded > 0.0 {
            self.reference_move += libm::log(reference / self.last_reference).abs();
            self.traded_move += libm::log(traded / self.last_traded).abs();
        }
        self.last_reference = reference;
        self.last_traded = traded;
    }

    pub(crate) fn ratio(&self) -> f64 {
        if self.reference_move > 0.0 {
            self.traded_move / self.reference_move
        } else {
            1.0
        }
    }
}

/// One liquidation step, with the group's margin shortage before and after it at the
/// same marks (a liquidation must never increase it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationStep {
    /// Block.
    pub block: Block,
    /// Account liquidated.
    pub account: AccountId,
    /// Market of the position closed.
    pub market: MarketId,
    /// Base the step set out to close.
    pub size: Base,
    /// True for a staged (partial) step.
    pub partial: bool,
    /// `max(0, maintenance − equity)` before the step.
    pub shortage_before: Quote,
    /// The same after the step (and its waterfall).
    pub shortage_after: Quote,
}

/// A running simulation.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub(crate) venue: Venue,
    pub(crate) config: EngineConfig,
    pub(crate) runtimes: Vec<MarketRuntime>,
    pub(crate) lp: AccountId,
    pub(crate) adl_rng: ChaCha12Rng,
    pub(crate) block: Block,
    pub(crate) events: EventLog,
    pub(crate) totals: RunTotals,
    pub(crate) stats: Vec<BlockStats>,
    pub(crate) steps: Vec<LiquidationStep>,
    pub(crate) faults: Faults,
    pub(crate) chain: Option<Chain>,
    pub(crate) lagged: VecDeque<(u64, AccountId, MarginGroup)>,
    pub(crate) priced_out: std::collections::BTreeSet<(AccountId, u32)>,
    pub(crate) index: crate::index::LiquidationIndex,
    pub(crate) full_scan: bool,
    pub(crate) touched: Vec<crate::index::GroupKey>,
    pub(crate) adl_queues: std::collections::BTreeMap<(u16, bool), (u64, Vec<AccountId>, usize)>,
    pub(crate) pending_socialize: Option<(Quote, MarketId)>,
    pub(crate) topup: Option<crate::mitigations::InsuranceTopUp>,
    pub(crate) behaviors: Vec<(AccountId, crate::agents::TraderBehavior)>,
    pub(crate) last_exits: u64,
    pub(crate) liquidators: Vec<crate::agents::LiquidatorAgent>,
    pub(crate) liquidator_used: Vec<Quote>,
    pub(crate) liquidator_stats: Vec<crate::agents::LiquidatorStats>,
    pub(crate) eligible_since: std::collections::BTreeMap<crate::index::GroupKey, u64>,
    pub(crate) current_liquidator: usize,
    pub(crate) backstop: Option<crate::mitigations::Backstop>,
    insurance_start: Quote,
}

impl Simulation {
    /// Start a run from a venue at block 0. `lp` is the liquidity-provider account that
    /// takes the other side of every book fill.
    pub fn new(
        venue: Venue,
        config: EngineConfig,
        runtimes: Vec<MarketRuntime>,
        lp: AccountId,
    ) -> Result<Self, EngineError> {
        let error_atoms = venue.conservation_error();
        if error_atoms != 0 {
            return Err(EngineError::Conservation {
                block: Block(0),
                error_atoms,
            });
        }
        let stats = vec![BlockStats::default(); venue.markets.len()];
        let insurance_start = venue.ledger.insurance_fund;
        let adl_rng = stream(config.seed, Stream::Adl);
        Ok(Self {
            venue,
            config,
            runtimes,
            lp,
            adl_rng,
            block: Block(0),
            events: EventLog::default(),
            totals: RunTotals::default(),
            stats,
            steps: Vec::new(),
            faults: Faults::default(),
            chain: None,
            lagged: VecDeque::new(),
            priced_out: std::collections::BTreeSet::new(),
            index: crate::index::LiquidationIndex::default(),
            full_scan: false,
            touched: Vec::new(),
            adl_queues: std::collections::BTreeMap::new(),
            pending_socialize: None,
            topup: None,
            behaviors: Vec::new(),
            last_exits: 0,
            liquidators: Vec::new(),
            liquidator_used: Vec::new(),
            liquidator_stats: Vec::new(),
            eligible_since: std::collections::BTreeMap::new(),
            current_liquidator: 0,
            backstop: None,
            insurance_start,
        })
    }

    /// Money paid into the insurance fund from outside the venue (a reserve held in
    /// other protocols, say): an external flow, counted in `insurance_topped_up`.
    pub fn inject_insurance(&mut self, amount: Quote) -> Result<(), EngineError> {
        self.venue
            .inject(faultline_state::Pot::InsuranceFund, amount)?;
        self.totals.insurance_topped_up = self.totals.insurance_topped_up.checked_add(amount)?;
        Ok(())
    }

    /// Schedule faults.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Check every trader group every block instead of using the liquidation index
    /// (slower; the results are identical, which a test checks).
    pub fn with_full_scan(mut self) -> Self {
        self.full_scan = true;
        self
    }

    /// Top the insurance fund up from a treasury.
    pub fn with_insurance_topup(mut self, t: crate::mitigations::InsuranceTopUp) -> Self {
        self.topup = Some(t);
        self
    }

    /// Give traders behaviours (account, behaviour), in account order.
    pub fn with_behaviors(
        mut self,
        behaviors: Vec<(AccountId, crate::agents::TraderBehavior)>,
    ) -> Self {
        self.behaviors = behaviors;
        self
    }

    /// Competing liquidators; the venue must have one liquidator pot per agent.
    pub fn with_liquidators(mut self, agents: Vec<crate::agents::LiquidatorAgent>) -> Self {
        self.liquidator_used = vec![Quote::ZERO; agents.len()];
        self.liquidator_stats = vec![crate::agents::LiquidatorStats::default(); agents.len()];
        self.liquidators = agents;
        self
    }

    /// The competing liquidators.
    pub fn liquidators(&self) -> &[crate::agents::LiquidatorAgent] {
        &self.liquidators
    }

    /// What each competing liquidator did, in the order of [`Simulation::liquidators`].
    pub fn liquidator_stats(&self) -> &[crate::agents::LiquidatorStats] {
        &self.liquidator_stats
    }

    /// Add a backstop vault (its account must already hold its capital).
    pub fn with_backstop(mut self, b: crate::mitigations::Backstop) -> Self {
        self.backstop = Some(b);
        self
    }

    /// Run on a simulated chain: oracle updates and liquidations become transactions.
    pub fn with_chain(mut self, params: ChainParams) -> Self {
        self.chain = Some(Chain::new(params));
        self
    }

    /// Set the price market `i`'s [`SourceRef::External`] oracle sources read in the next
    /// block (a world's oracle drives the venue's).
    pub fn set_external_price(&mut self, i: usize, price: Price) {
        if let Some(rt) = self.runtimes.get_mut(i) {
            rt.external_price = price;
        }
    }

    /// Net base the liquidity provider took on in market `i` during the last block from
    /// liquidation fills on the perp book: positive when it bought (longs were closed),
    /// negative when it sold. A world lays this flow off on a spot venue.
    pub fn block_liquidation_base(&self, i: usize) -> Base {
        self.stats.get(i).map_or(Base::ZERO, |s| s.liquidation_base)
    }

    /// The venue state.
    pub fn venue(&self) -> &Venue {
        &self.venue
    }
    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }
    /// The last completed block (0 before the first step).
    pub fn block(&self) -> Block {
        self.block
    }
    /// True once every configured block has run.
    pub fn is_done(&self) -> bool {
        self.block.0 >= self.config.blocks
    }
    /// The failure sequence so far.
    pub fn events(&self) -> &EventLog {
        &self.events
    }
    /// Running totals.
    pub fn totals(&self) -> &RunTotals {
        &self.totals
    }
    /// Every liquidation step so far.
    pub fn liquidation_steps(&self) -> &[LiquidationStep] {
        &self.steps
    }
    /// Insurance fund at block 0.
    pub fn insurance_start(&self) -> Quote {
        self.insurance_start
    }
    /// The liquidity-provider account.
    pub fn liquidity_provider(&self) -> AccountId {
        self.lp
    }
    /// The chain, if the run has one.
    pub fn chain(&self) -> Option<&Chain> {
        self.chain.as_ref()
    }
    /// Amplification ratio of market `i` so far (traded move over reference move).
    pub fn amplification(&self, i: usize) -> f64 {
        self.runtimes
            .get(i)
            .map_or(1.0, |r| r.amplification.ratio())
    }

    /// Losses not yet recognized: `Σ max(0, −equity)` over trader margin groups still
    /// open. Positions that nobody liquidates (priced out by gas, stalled engine, stale
    /// oracle) carry their bad debt here until they are closed.
    pub fn latent_bad_debt(&self) -> Result<Quote, EngineError> {
        let mut total = Quote::ZERO;
        for a in
            self.venue.accounts.iter().filter(|a| {
                a.kind == faultline_state::AccountKind::Trader && !a.positions.is_empty()
            })
        {
            for g in self.venue.groups_of(a.id) {
                let e = self.venue.group_health(a.id, g)?.equity;
                if e.is_negative() {
                    total = total.checked_sub(e)?;
                }
            }
        }
        Ok(total)
    }

    /// A timeline row per market describing the current state (used for block 0 too).
    pub fn snapshot(&self) -> Result<Vec<MarketRecord>, EngineError> {
        let v = &self.venue;
        let block = self.block.0;
        let (gas, base_fee, pending, dropped) = match &self.chain {
            Some(c) => (
                c.gas_price_gwei(),
                c.base_fee_gwei(),
                c.pending().len(),
                c.dropped(),
            ),
            None => (0.0, 0.0, 0, 0),
        };
        v.markets
            .iter()
            .zip(&self.stats)
            .zip(&self.runtimes)
            .map(|((m, s), rt)| {
                Ok(MarketRecord {
                    block: self.block,
                    market: m.id,
                    reference_price: m.reference_price,
                    oracle_price: m.oracle_price,
                    mark_price: m.mark_price,
                    best_bid: m.book.best(BookSide::Bid)?,
                    best_ask: m.book.best(BookSide::Ask)?,
                    bid_depth: m.book.depth(BookSide::Bid),
                    ask_depth: m.book.depth(BookSide::Ask),
                    long_oi: m.trader_long_oi,
                    short_oi: m.trader_short_oi,
                    funding_rate: m.funding_rate,
                    insurance_fund: v.ledger.insurance_fund,
                    bad_debt: v.ledger.bad_debt(),
                    liquidations: s.liquidations,
                    liquidation_volume: s.liquidation_volume,
                    adl_count: s.adl_count,
                    adl_volume: s.adl_volume,
                    socialized_loss: s.socialized_loss,
                    oracle_age_blocks: rt.oracle.age(block),
                    oracle_validity: rt.oracle.validity(block)?,
                    gas_price_gwei: gas,
                    base_fee_gwei: base_fee,
                    pending_txs: pending,
                    dropped_txs: dropped,
                    liquidations_priced_out: s.priced_out,
                    depth_multiplier: if rt.state.depth_multiplier > 0.0 {
                        rt.state.depth_multiplier
                    } else {
                        1.0
                    },
                    amplification: rt.amplification.ratio(),
                })
            })
            .collect()
    }

    /// One row per spot venue: its mid and depth now.
    pub fn venue_snapshot(&self) -> Result<Vec<VenueRecord>, EngineError> {
        let mut out = Vec::new();
        for m in &self.venue.markets {
            for (j, v) in m.venues.iter().enumerate() {
                out.push(VenueRecord {
                    block: self.block,
                    market: m.id,
                    venue: j,
                    label: v.label.clone(),
                    mid: v.mid()?,
                    bid_depth: v.depth(BookSide::Bid)?,
                    ask_depth: v.depth(BookSide::Ask)?,
                    offline: v.offline,
                });
            }
        }
        Ok(out)
    }

    /// Run one block through every phase and return its timeline rows.
    pub fn step(&mut self) -> Result<Vec<MarketRecord>, EngineError> {
        self.block = Block(self.block.0 + 1);
        let block = self.block.0;
        self.stats
            .iter_mut()
            .for_each(|s| *s = BlockStats::default());
        self.fault_events();
        let halted = self.faults.chain_halted(block);
        for i in 0..self.venue.markets.len() {
            // 1. Reference.
            let reference = self.runtimes[i].reference.advance();
            let before = self.venue.markets[i].reference_price;
            self.venue.markets[i].reference_price = reference;
            self.shock_event(i, before, reference);
            // 2. Venues. 3. Oracle observation and push.
            self.venues_phase(i)?;
            self.oracle_phase(i, halted)?;
        }
        // 4. Chain: include what bid enough.
        let included = match &mut self.chain {
            Some(c) => c.produce(block, halted),
            None => Vec::new(),
        };
        self.dropped_event();
        let mut liquidation_txs = Vec::new();
        for tx in included {
            match tx.kind {
                TxKind::OracleUpdate { market, price } => {
                    self.runtimes[market].oracle.land(block, price)
                }
                TxKind::Liquidation {
                    account,
                    group_key,
                    liquidator,
                } => liquidation_txs.push((account, decode_group(group_key), liquidator as usize)),
            }
        }
        if !halted {
            for i in 0..self.venue.markets.len() {
                // 5. Mark and funding.
                self.mark_and_funding(i)?;
            }
            // 6. Agents. 7. Liquidation, then the backstop vault and top-ups.
            self.agents_phase()?;
            self.liquidation_phase(&liquidation_txs)?;
            self.backstop_block()?;
            self.insurance_topup()?;
        }
        let error_atoms = self.venue.conservation_error();
        if error_atoms != 0 {
            return Err(EngineError::Conservation {
                block: self.block,
                error_atoms,
            });
        }
        for (m, rt) in self.venue.markets.iter().zip(self.runtimes.iter_mut()) {
            rt.amplification
                .update(m.reference_price.to_f64(), m.book.mid()?.to_f64());
        }
        self.snapshot()
    }

    fn oracle_phase(&mut self, i: usize, halted: bool) -> Result<(), EngineError> {
        let block = self.block.0;
        let m = &self.venue.markets[i];
        let rt = &mut self.runtimes[i];
        let mut live: Vec<Price> = Vec::with_capacity(rt.oracle.params().sources.len());
        for s in &rt.oracle.params().sources {
            match *s {
                SourceRef::PerpBook if !m.book_offline => live.push(m.book.mid()?),
                SourceRef::Reference => live.push(m.reference_price),
                SourceRef::Venue(j) => {
                    if let Some(v) = m.venues.get(j).filter(|v| !v.offline) {
                        live.push(v.mid()?);
                    }
                }
                SourceRef::External if rt.external_price.is_positive() => {
                    live.push(rt.external_price);
                }
                SourceRef::PerpBook | SourceRef::External => {}
            }
        }
        let frozen = self.faults.oracle_frozen(i, block);
        if let Some(value) = rt.oracle.observe(block, &mut live, frozen)? {
            match &mut self.chain {
                Some(c) => {
                    let bid = c.params().oracle_bid;
                    c.submit(
                        block,
                        TxKind::OracleUpdate {
                            market: i,
                            price: value,
                        },
                        &bid,
                    );
                }
                None => rt.oracle.send(block, value),
            }
        }
        if self.chain.is_none() && !halted {
            rt.oracle.deliver(block);
        }
        Ok(())
    }

    /// Phase 5 for one market: the protocol's oracle price (wrong by the misprice factor
    /// during a scheduled code failure), the mark, and funding.
    fn mark_and_funding(&mut self, i: usize) -> Result<(), EngineError> {
        let block = self.block.0;
        let block_time_ms = self.config.block_time_ms;
        let rt = &mut self.runtimes[i];
        let m = &mut self.venue.markets[i];
        let previous_mark = m.mark_price;
        let published = rt.oracle.price();
        m.oracle_price = match self.faults.misprice(i, block) {
            Some(f) => Price::from_f64(published.to_f64() * f)?,
            None => published,
        };
        m.mark_price = match self.config.mark {
            MarkMethod::Oracle => m.oracle_price,
            MarkMethod::MedianOracleBook => median3(
                m.oracle_price,
                m.book.best(BookSide::Bid)?,
                m.book.best(BookSide::Ask)?,
            ),
        };
        if m.oracle_price.is_positive() {
            let mid = m.book.mid()?;
            let rate = funding_rate(premium_index(mid, m.oracle_price)?, &m.params.funding)?;
            let inc = index_increment(
                m.mark_price,
                rate,
                block_time_ms,
                m.params.funding.interval_ms,
            )?;
            m.funding_index = m.funding_index.checked_add(inc)?;
            m.funding_rate = rate;
        }
        let validity = rt.oracle.validity(block)?;
        rt.validity = Some(validity);
        if validity != Validity::Valid {
            let id = m.id;
            self.emit(
                EventKind::OracleInvalid,
                Some(id),
                None,
                None,
                format!("the oracle became {}", validity.as_str()),
            );
        }
        self.apply_market_mitigations(i, previous_mark)?;
        Ok(())
    }

    fn shock_event(&mut self, i: usize, before: Price, after: Price) {
        if before.is_positive() {
            let mv = after.to_f64() / before.to_f64() - 1.0;
            if mv.abs() >= 0.05 {
                let id = self.venue.markets[i].id;
                self.emit(
                    EventKind::PriceShock,
                    Some(id),
                    None,
                    None,
                    format!("reference moved {:+.1}% in one block", mv * 100.0),
                );
            }
        }
    }

    fn fault_events(&mut self) {
        let block = self.block.0;
        let starting: Vec<_> = self.faults.starting(block).copied().collect();
        for f in starting {
            let (kind, market, detail) = match f.kind {
                FaultKind::VenueOutage { market, venue } => {
                    let m = &self.venue.markets[market];
                    let name = venue
                        .and_then(|j| m.venues.get(j))
                        .map_or("the perp book".to_string(), |v| {
                            format!("venue `{}`", v.label)
                        });
                    (
                        EventKind::VenueOutage,
                        Some(m.id),
                        format!("{name} is offline until block {}", f.end),
                    )
                }
                FaultKind::OracleFreeze { market } => (
                    EventKind::OracleFreeze,
                    Some(self.venue.markets[market].id),
                    format!("the oracle is frozen until block {}", f.end),
                ),
                FaultKind::ChainHalt => (
                    EventKind::ChainHalt,
                    None,
                    format!("the chain is halted until block {}", f.end),
                ),
                FaultKind::LiquidationStall { market } => (
                    EventKind::LiquidationStall,
                    market.map(|m| self.venue.markets[m].id),
                    format!("the liquidation engine is stalled until block {}", f.end),
                ),
                FaultKind::LiquidationLag { blocks } => (
                    EventKind::LiquidationLag,
                    None,
                    format!(
                        "the liquidation engine lags {blocks} blocks until block {}",
                        f.end
                    ),
                ),
                FaultKind::Misprice { market, factor } => (
                    EventKind::Misprice,
                    Some(self.venue.markets[market].id),
                    format!(
                        "a code failure prices the asset ×{factor} until block {}",
                        f.end
                    ),
                ),
            };
            self.emit(kind, market, None, None, detail);
        }
    }

    fn dropped_event(&mut self) {
        if let Some(n) = self.chain.as_ref().map(Chain::dropped).filter(|&n| n > 0) {
            self.emit(
                EventKind::TransactionDropped,
                None,
                None,
                None,
                format!("{n} transaction(s) dropped after waiting too long"),
            );
        }
    }

    pub(crate) fn emit(
        &mut self,
        kind: EventKind,
        market: Option<MarketId>,
        account: Option<AccountId>,
        amount: Option<Quote>,
        detail: String,
    ) {
        self.events.first(Event {
            block: self.block,
            kind,
            market,
            account,
            amount,
            detail,
        });
    }
}

/// Group keys in liquidation transactions: 0 for cross, `1 + market` for isolated.
pub(crate) fn encode_group(group: MarginGroup) -> u32 {
    match group {
        MarginGroup::Cross => 0,
        MarginGroup::Isolated(m) => 1 + u32::from(m.0),
    }
}

pub(crate) fn decode_group(key: u32) -> MarginGroup {
    match key {
        0 => MarginGroup::Cross,
        k => MarginGroup::Isolated(MarketId(u16::try_from(k - 1).unwrap_or(u16::MAX))),
    }
}

fn median3(a: Price, b: Price, c: Price) -> Price {
    a.max(b).min(a.min(b).max(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_three() {
        let p = |x| Price::from_units(x).unwrap();
        assert_eq!(median3(p(1), p(2), p(3)), p(2));
        assert_eq!(median3(p(3), p(1), p(2)), p(2));
        assert_eq!(median3(p(2), p(3), p(1)), p(2));
        assert_eq!(median3(p(5), p(5), p(1)), p(5));
    }

    #[test]
    fn group_keys_round_trip() {
        for g in [
            MarginGroup::Cross,
            MarginGroup::Isolated(MarketId(0)),
            MarginGroup::Isolated(MarketId(7)),
        ] {
            assert_eq!(decode_group(encode_group(g)), g);
        }
    }
}
