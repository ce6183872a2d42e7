//! One world: any number of named assets, chains, venues, oracles, protocols and agents
//! over one integer ledger, advanced by one block pipeline.
//!
//! A world runs on a clock of ticks (`tick_ms`). Every chain produces a block on the
//! ticks that are multiples of its block time, and everything that lives on a chain
//! acts only in that chain's blocks; off-chain venues and oracles act every tick.
//!
//! ## One tick, in order
//! 1. **Reference prices**: every asset's outside-market price (process, replay, peg,
//!    or a multiple of another asset's).
//! 2. **Chains**: which chains produce a block on this tick.
//! 3. **Arbitrage**: each arbitrageur (in file order) pulls its venue toward the
//!    reference, settling the other leg outside the world.
//! 4. **Oracles** (in file order): observe their sources (venue mids in dollars, or the
//!    reference), aggregate by median, apply delay, heartbeat and deviation, publish.
//! 5. **Protocols** on producing chains (in file order): interest accrues; liquidators
//!    (in file order) liquidate the lowest health factors first and sell what they seize
//!    through their routes, so one protocol's forced sales move the venues and, from the
//!    next oracle update, the prices every protocol reading those venues sees.
//! 6. **Checks**: per asset, `Σ balances = genesis + minted − burned + in − out` to the
//!    atom; a failure stops the run with the tick and the asset.
//! 7. **Records**: one row per asset, venue, oracle and protocol.
//!
//! Ties are broken by file order, then by index; nothing iterates a hash map.
#![forbid(unsafe_code)]

pub mod agents;
pub mod breaker;
pub mod cdp;
pub mod contagion;
pub mod exposure;
pub mod herd;
pub mod issuer;
pub mod ledger;
pub mod lending;
pub mod perp;
pub mod pool;
pub mod record;
pub mod spec;
pub mod vault;
pub mod world;

pub use ledger::{HolderId, Ledger, LedgerError};
pub use record::{
    ContagionRow, ProtocolSummary, WorldEvent, WorldEventKind, WorldRecords, WorldSummary,
};
pub use spec::WorldSpec;
pub use world::World;

use faultline_units::ArithmeticError;
use thiserror::Error;

/// Why a world could not be built or stepped. Scenario files are validated before a
/// world is built, so these are either parameters no validator can judge in advance
/// (a population borrowing more than the market holds) or bugs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorldError {
    /// A ledger operation failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Fixed-point overflow or division by zero.
    #[error(transparent)]
    Arithmetic(#[from] ArithmeticError),
    /// A route names a venue that does not trade the asset held.
    #[error("route: {0}")]
    Route(String),
    /// The world cannot start as specified.
    #[error("{what}: {why} (hint: {hint})")]
    Genesis {
        /// The element at fault.
        what: String,
        /// What is wrong.
        why: String,
        /// How to fix it.
        hint: String,
    },
    /// An asset's identity failed after a tick: a bug, stopped at once.
    #[error("conservation violated after tick {tick}: {asset} is off by {error_atoms} atoms")]
    Conservation {
        /// The tick.
        tick: u64,
        /// Asset symbol.
        asset: String,
        /// `Σ balances − expected`.
        error_atoms: i128,
    },
    /// A perp venue's engine stopped.
    #[error("perp venue {protocol}: {message}")]
    Perp {
        /// Protocol name.
        protocol: String,
        /// The engine's error.
        message: String,
    },
    /// A protocol's books disagree with themselves: a bug.
    #[error("the books of {protocol} are inconsistent after tick {tick}: {detail}")]
    Books {
        /// The tick.
        tick: u64,
        /// Protocol name.
        protocol: String,
        /// Which identity failed.
        detail: String,
    },
}
