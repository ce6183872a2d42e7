//! The simulation: state plus the per-block pipeline.

use crate::config::{EngineConfig, MarkMethod, OracleSource};
use crate::events::{Event, EventKind, EventLog};
use crate::oracle::DelayedOracle;
use crate::record::{BlockStats, MarketRecord, RunTotals};
use crate::reference::ReferencePath;
use crate::rng::{stream, Stream};
use faultline_math::funding::{funding_rate, index_increment, premium_index};
use faultline_state::{BookSide, StateError, Venue};
use faultline_units::{AccountId, ArithmeticError, Base, Block, MarketId, Price, Quote};
use rand_chacha::ChaCha12Rng;
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

/// The per-market pieces that live outside the venue state: the exogenous process and
/// the oracle.
#[derive(Debug, Clone)]
pub struct MarketRuntime {
    /// Reference price process.
    pub reference: ReferencePath,
    /// The protocol's oracle.
    pub oracle: DelayedOracle,
}

/// A running simulation.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub(crate) venue: Venue,
    pub(crate) config: EngineConfig,
    runtimes: Vec<MarketRuntime>,
    pub(crate) lp: AccountId,
    pub(crate) adl_rng: ChaCha12Rng,
    pub(crate) block: Block,
    pub(crate) events: EventLog,
    pub(crate) totals: RunTotals,
    pub(crate) stats: Vec<BlockStats>,
    pub(crate) steps: Vec<LiquidationStep>,
    insurance_start: Quote,
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
            insurance_start,
        })
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

    /// A timeline row per market describing the current state (used for block 0 too).
    pub fn snapshot(&self) -> Result<Vec<MarketRecord>, EngineError> {
        let v = &self.venue;
        v.markets
            .iter()
            .zip(&self.stats)
            .map(|(m, s)| {
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
                })
            })
            .collect()
    }

    /// Run one block through every phase and return its timeline rows.
    pub fn step(&mut self) -> Result<Vec<MarketRecord>, EngineError> {
        self.block = Block(self.block.0 + 1);
        self.stats
            .iter_mut()
            .for_each(|s| *s = BlockStats::default());
        for i in 0..self.venue.markets.len() {
            self.advance_market(i)?;
        }
        // Phase 6 (agents) is reserved; phase 7:
        self.liquidation_phase()?;
        let error_atoms = self.venue.conservation_error();
        if error_atoms != 0 {
            return Err(EngineError::Conservation {
                block: self.block,
                error_atoms,
            });
        }
        self.snapshot()
    }

    /// Phases 1–5 for one market.
    fn advance_market(&mut self, i: usize) -> Result<(), EngineError> {
        let block_time_ms = self.config.block_time_ms;
        let rt = &mut self.runtimes[i];
        let m = &mut self.venue.markets[i];
        // 1. Reference.
        let before = m.reference_price;
        let reference = rt.reference.advance();
        m.reference_price = reference;
        // 2. Book.
        m.book.set_reference(reference);
        m.book.refill()?;
        // 3. Oracle.
        let mid = m.book.mid()?;
        rt.oracle.observe(match self.config.oracle_source {
            OracleSource::BookMid => mid,
            OracleSource::Reference => reference,
        });
        m.oracle_price = rt.oracle.price();
        // 4. Mark.
        m.mark_price = match self.config.mark {
            MarkMethod::Oracle => m.oracle_price,
            MarkMethod::MedianOracleBook => median3(
                m.oracle_price,
                m.book.best(BookSide::Bid)?,
                m.book.best(BookSide::Ask)?,
            ),
        };
        // 5. Funding.
        if m.oracle_price.is_positive() {
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
        let id = m.id;
        if before.is_positive() {
            let mv = (reference.to_f64() / before.to_f64() - 1.0).abs();
            if mv >= 0.05 {
                self.emit(
                    EventKind::PriceShock,
                    Some(id),
                    None,
                    None,
                    format!(
                        "reference moved {:+.1}% in one block",
                        (reference.to_f64() / before.to_f64() - 1.0) * 100.0
                    ),
                );
            }
        }
        Ok(())
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

fn median3(a: Price, b: Price, c: Price) -> Price {
    a.max(b).min(a.min(b).max(c))
}

#[cfg(test)]
mod tests {
    use super::median3;
    use faultline_units::Price;

    #[test]
    fn median_of_three() {
        let p = |x| Price::from_units(x).unwrap();
        assert_eq!(median3(p(1), p(2), p(3)), p(2));
        assert_eq!(median3(p(3), p(1), p(2)), p(2));
        assert_eq!(median3(p(2), p(3), p(1)), p(2));
        assert_eq!(median3(p(5), p(5), p(1)), p(5));
    }
}
