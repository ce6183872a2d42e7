//! The failure sequence: the first time each kind of failure happens, with its block.

use faultline_units::{AccountId, Block, MarketId, Quote};
use serde::Serialize;

/// Kinds of failure-sequence events, in the order a cascade usually produces them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A gap or move in the reference price of at least 5% in one block.
    PriceShock,
    /// First liquidation of any kind.
    FirstLiquidation,
    /// First partial (staged) liquidation step.
    FirstPartialLiquidation,
    /// A liquidation could not be filled on the book at or above the bankruptcy price.
    FirstLossPastBankruptcy,
    /// The insurance fund paid for a loss for the first time.
    InsuranceFundDrawn,
    /// The insurance fund reached zero.
    InsuranceFundDepleted,
    /// A liquidation order exhausted one side of the book.
    BookExhausted,
    /// First auto-deleveraging of a counterparty.
    FirstAdl,
    /// First haircut of profitable accounts.
    SocializedLoss,
    /// A deficit remained that nothing covered: the venue is insolvent by that much.
    UncoveredBadDebt,
    /// A scheduled venue outage began.
    VenueOutage,
    /// A scheduled oracle freeze began.
    OracleFreeze,
    /// A scheduled chain halt began.
    ChainHalt,
    /// A scheduled liquidation-engine stall began.
    LiquidationStall,
    /// A scheduled liquidation-engine lag began.
    LiquidationLag,
    /// A scheduled mispricing began.
    Misprice,
    /// An attacker began buying a thin oracle source.
    OracleManipulation,
    /// The oracle's price became invalid (stale, too volatile, divergent or without data).
    OracleInvalid,
    /// A liquidation waited because the oracle was not valid.
    LiquidationBlockedByOracle,
    /// A liquidation was not sent because gas cost more than it would earn.
    LiquidationPricedOut,
    /// A transaction waited too long and was dropped.
    TransactionDropped,
    /// An MEV searcher traded ahead of a liquidation.
    LiquidationFrontRun,
    /// A circuit breaker halted the market.
    CircuitBreakerTripped,
    /// The backstop vault took over a position.
    BackstopTakeover,
    /// Depositors withdrew from the backstop vault after a drawdown.
    VaultRun,
    /// Traders closed positions in a panic.
    HerdPanic,
    /// Non-quote collateral was seized from a liquidated account for the first time.
    CollateralSeized,
    /// Seized collateral sold for less than the venue credited for it.
    CollateralConversionLoss,
    /// The insurance fund converted part of its reserve in another asset.
    ReserveDrawn,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Block it happened in.
    pub block: Block,
    /// What happened.
    pub kind: EventKind,
    /// Market concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<MarketId>,
    /// Account concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// Amount concerned (quote), if any.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_quote")]
    pub amount: Option<Quote>,
    /// A human sentence.
    pub detail: String,
}

fn ser_quote<S: serde::Serializer>(q: &Option<Quote>, s: S) -> Result<S::Ok, S::Error> {
    match q {
        Some(q) => s.serialize_f64(q.to_f64()),
        None => s.serialize_none(),
    }
}

/// The ordered log of first occurrences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventLog {
    events: Vec<Event>,
}

impl EventLog {
    /// Record `event` unless its kind was already recorded.
    pub fn first(&mut self, event: Event) {
        if !self.events.iter().any(|e| e.kind == event.kind) {
            self.events.push(event);
        }
    }

    /// True if `kind` happened.
    pub fn happened(&self, kind: EventKind) -> bool {
        self.events.iter().any(|e| e.kind == kind)
    }

    /// Events in the order they happened.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}
