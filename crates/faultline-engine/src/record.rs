//! What a block leaves behind: one row per market, and running totals.

use faultline_units::{Base, Block, MarketId, Ppm, Price, Quote};

/// Per-market counters for the current block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BlockStats {
    pub liquidations: u32,
    pub liquidation_volume: Quote,
    pub adl_count: u32,
    pub adl_volume: Quote,
    pub socialized_loss: Quote,
}

/// One timeline row: the state of one market at the end of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketRecord {
    /// Block number.
    pub block: Block,
    /// Market.
    pub market: MarketId,
    /// Exogenous reference price.
    pub reference_price: Price,
    /// Oracle price.
    pub oracle_price: Price,
    /// Mark price.
    pub mark_price: Price,
    /// Best bid after the block's trading.
    pub best_bid: Price,
    /// Best ask after the block's trading.
    pub best_ask: Price,
    /// Resting bid depth (quote).
    pub bid_depth: Quote,
    /// Resting ask depth (quote).
    pub ask_depth: Quote,
    /// Trader long open interest.
    pub long_oi: Base,
    /// Trader short open interest.
    pub short_oi: Base,
    /// Funding rate per interval.
    pub funding_rate: Ppm,
    /// Insurance fund balance (venue-wide).
    pub insurance_fund: Quote,
    /// Outstanding bad debt (venue-wide).
    pub bad_debt: Quote,
    /// Liquidation steps this block in this market.
    pub liquidations: u32,
    /// Notional sold into the book by liquidations this block.
    pub liquidation_volume: Quote,
    /// Counterparties auto-deleveraged this block.
    pub adl_count: u32,
    /// Notional auto-deleveraged this block (at bankruptcy prices).
    pub adl_volume: Quote,
    /// Loss socialized this block (venue-wide rows carry it on the market that caused it).
    pub socialized_loss: Quote,
}

/// Totals over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Liquidation steps (full and partial).
    pub liquidations: u64,
    /// Partial liquidation steps.
    pub partial_liquidations: u64,
    /// Notional sold into books by liquidations.
    pub liquidation_volume: Quote,
    /// Counterparty fills by ADL.
    pub adl_events: u64,
    /// Notional auto-deleveraged.
    pub adl_volume: Quote,
    /// Base quantity auto-deleveraged (all markets).
    pub adl_quantity: Base,
    /// Loss covered by haircuts of profitable accounts.
    pub socialized_loss: Quote,
    /// Every loss past bankruptcy, however it was covered.
    pub loss_past_bankruptcy: Quote,
    /// What the insurance fund paid out.
    pub insurance_paid: Quote,
    /// Liquidation fees the insurance fund received.
    pub insurance_fees: Quote,
    /// Liquidation fees liquidators received.
    pub liquidator_fees: Quote,
    /// Taker fees on liquidation fills.
    pub taker_fees: Quote,
}
