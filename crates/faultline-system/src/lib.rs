//! Several protocols over shared assets in one block pipeline: a Maker-like CDP issuing
//! FUSD, an Aave-like lending market that takes FUSD and ETH as collateral, an
//! options vault that keeps its cash in the lending market, and a perp venue (the full
//! engine) whose insurance fund is refilled from a reserve held in those protocols — with the pools they trade
//! in, the gas they pay, cross-protocol circuit breakers, and the measures of how
//! failure travels between them.
//!
//! Each block runs, in this order (a protocol sees what the ones before it did in the
//! same block; the order follows the stack, the stablecoin underneath the market that
//! lends against it, and the vault that deposits in that market on top):
//!
//! 1. ETH's reference price; an arbitrageur pulls the ETH pool toward it.
//! 2. Gas price.
//! 3. Circuit breakers read last block's distress signals and act.
//! 4. CDP: oracle (OSM), fees, liquidations (`bark`), auctions, `heal`, debt auctions,
//!    peg defence by vault owners, holders' run.
//! 5. Lending: interest, liquidations, rate-driven repayment, reserve fund, depositors'
//!    run and withdrawals.
//! 6. Perp venue: its insurance fund refilled from its reserve if low, then one block
//!    of the full engine on the system's ETH price.
//! 7. Options vault: volatility, settlement and roll, mark, greeks margin.
//! 8. Checks: every token conserved, pools match their holders' balances, Maker's and
//!    the lending market's balance identities hold; then the block is recorded.

pub mod cdp;
pub mod config;
pub mod contagion;
pub mod events;
mod flip;
pub mod ledger;
pub mod lending;
pub mod market;
pub mod perp;
pub mod system;
pub mod vault;

pub use config::SystemConfig;
pub use events::{Protocol, SysEvent, SysEventKind};
pub use system::{run, run_with, Isolation, PerpFactory, Run, System, SystemRecord, SystemSummary};

/// What every protocol needs to know about the block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ctx {
    /// Block number.
    pub block: u64,
    /// Blocks after this one.
    pub blocks_left: u64,
    /// Block length, seconds.
    pub block_s: f64,
    /// Block length, years.
    pub dt_years: f64,
    /// Blocks per year.
    pub blocks_per_year: f64,
    /// ETH's reference price: what the oracles read (Chainlink and Maker's medianizer
    /// aggregate exchange prices).
    pub eth_reference: f64,
    /// ETH's price in the pool: what liquidators and keepers can sell at.
    pub eth_market: f64,
    /// Gas price, gwei.
    pub gas_gwei: f64,
    /// Cost of one liquidation-sized transaction, USD.
    pub gas_usd: f64,
}

/// Why a system run stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SystemError {
    /// A token movement was impossible (a bug, reported rather than hidden).
    #[error("ledger: {0}")]
    Ledger(String),
    /// An invariant failed after a block.
    #[error("block {block}: {what}")]
    Invariant {
        /// The block.
        block: u64,
        /// Which identity failed and by how much.
        what: String,
    },
    /// The configuration cannot be run.
    #[error("{0}")]
    Config(String),
}
