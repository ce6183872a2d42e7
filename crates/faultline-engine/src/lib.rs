//! The block engine: advances a [`faultline_state::Venue`] block by block through a
//! fixed, documented phase order, and checks exact conservation after every block.
//!
//! # One block, in order
//!
//! 1. **Reference** — each market's exogenous reference price advances (market id order).
//! 2. **Book** — each book re-anchors to its reference and refills a fixed fraction of
//!    missing depth.
//! 3. **Oracle** — each oracle observes the book's mid (or the reference) and publishes
//!    (placeholder: the observation delayed by N blocks).
//! 4. **Mark** — each market's mark price is set from the oracle (and book, per config).
//! 5. **Funding** — the funding rate is computed from the book's premium over the
//!    oracle and accrued into the cumulative index (O(1) per market).
//! 6. **Agents** — reserved: trader, market-maker and attacker actions plug in here.
//! 7. **Liquidation** — the liquidator checks every trader margin group at the marks
//!    of phase 4 and liquidates the eligible ones into the book, most under-margined
//!    first (lowest equity / maintenance), ties by account id then group (cross before
//!    isolated, isolated by market id). Each liquidation runs the whole loss waterfall:
//!    book fills down to the bankruptcy price → fee to liquidator and insurance fund →
//!    insurance-funded fills past bankruptcy → ADL at the bankruptcy price (or
//!    socialized loss).
//! 8. **Record** — conservation is asserted to the last atom, then the block's metrics
//!    and failure-sequence events are recorded.
//!
//! Liquidation prices feed back through the book: a block's sales lower the mid, which
//! the oracle reports in a later block, which moves the marks that trigger the next
//! liquidations. That loop is the cascade.
//!
//! **Architecture invariant: the engine never reads the wall clock or the OS random
//! source.** Every random draw comes from a stream derived from the run's seed
//! ([`rng::stream`]).
#![forbid(unsafe_code)]

mod config;
mod events;
mod inspect;
mod liquidation;
mod oracle;
pub mod process;
mod record;
pub mod reference;
pub mod rng;
mod sim;
mod waterfall;

pub use config::{DeficitPolicy, EngineConfig, MarkMethod, OracleSource};
pub use events::{Event, EventKind, EventLog};
pub use inspect::PositionView;
pub use oracle::DelayedOracle;
pub use record::{MarketRecord, RunTotals};
pub use reference::ReferencePath;
pub use sim::{EngineError, LiquidationStep, MarketRuntime, Simulation};
