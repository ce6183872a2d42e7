//! The block engine: advances a [`faultline_state::Venue`] block by block through a
//! fixed, documented phase order, and checks exact conservation after every block.
//!
//! # One block, in order
//!
//! 0. **Faults** — scheduled faults that start this block are announced; a halted chain
//!    skips phases 4–7 (prices keep moving, the protocol does nothing).
//! 1. **Reference** — each market's exogenous reference price advances (market id order).
//! 2. **Venues** — books re-anchor to the reference, market makers set depth from
//!    realized volatility, depth refills; arbitrageurs pull AMM pools toward the perp
//!    book; an attacker may buy a thin venue.
//! 3. **Oracle** — each oracle observes its live sources and pushes an update when its
//!    heartbeat or deviation rule fires (as a transaction on a simulated chain, else
//!    landing after its latency).
//! 4. **Chain** — the block includes pending transactions by priority fee within the
//!    gas limit; oracle updates land, liquidation transactions are queued for phase 7;
//!    transactions that waited too long are dropped.
//! 5. **Mark and funding** — each market's protocol price (the oracle's, wrong by a
//!    scheduled misprice), mark, validity class and funding accrual.
//! 6. **Agents** — traders with a behaviour close by stop-loss, de-risking or herd panic
//!    (market orders into the perp book, unless a breaker halts trading).
//! 7. **Liquidation** — the liquidator checks every trader margin group at the marks
//!    of phase 5, most under-margined first (lowest equity / maintenance), ties by
//!    account id then group (cross before isolated, isolated by market id). A market
//!    whose engine is stalled, whose liquidation venue is offline or (with the guard)
//!    whose oracle is not valid waits; a lagging engine acts later. Without a chain it
//!    liquidates at once; with one it sends a transaction when the expected fee beats
//!    gas, and executes included transactions (after any MEV front-run). Each
//!    liquidation runs the whole loss waterfall: venue fills down to the bankruptcy price
//!    → fee to liquidator and insurance fund → insurance-funded fills past bankruptcy →
//!    ADL at the bankruptcy price (or socialized loss).
//! 8. **Record** — conservation is asserted to the last atom, amplification updated,
//!    then the block's metrics and failure-sequence events are recorded.
//!
//! Liquidation prices feed back through the book: a block's sales lower the mid, which
//! the oracle reports in a later block, which moves the marks that trigger the next
//! liquidations. That loop is the cascade.
//!
//! **Architecture invariant: the engine never reads the wall clock or the OS random
//! source.** Every random draw comes from a stream derived from the run's seed
//! ([`rng::stream`]).
#![forbid(unsafe_code)]

pub mod agents;
pub mod chain;
mod collateral;
mod config;
mod events;
pub mod faults;
mod index;
mod inspect;
mod liquidation;
pub mod mitigations;
pub mod oracle;
pub mod process;
mod record;
pub mod reference;
pub mod rng;
mod sim;
pub mod venues;
mod waterfall;

pub use config::{DeficitPolicy, EngineConfig, MarkMethod};
pub use events::{Event, EventKind, EventLog};
pub use inspect::PositionView;
pub use record::{MarketRecord, RunTotals, VenueRecord};
pub use reference::ReferencePath;
pub use sim::{EngineError, LiquidationStep, MarketRuntime, Simulation};
