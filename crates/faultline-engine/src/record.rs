//! What a block leaves behind: one row per market, and running totals.

use crate::oracle::Validity;
use faultline_units::{Base, Block, MarketId, Ppm, Price, Quote};

/// Per-market counters for the current block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BlockStats {
    pub liquidations: u32,
    pub liquidation_volume: Quote,
    pub adl_count: u32,
    pub adl_volume: Quote,
    pub socialized_loss: Quote,
    pub priced_out: u32,
    /// Net base the liquidity provider took on from liquidation fills (+ bought).
    pub liquidation_base: Base,
}

/// One timeline row: the state of one market at the end of a block.
#[derive(Debug, Clone, PartialEq)]
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
    /// Blocks since the oracle price was last updated.
    pub oracle_age_blocks: u64,
    /// Validity class of the oracle price.
    pub oracle_validity: Validity,
    /// Going gas price (gwei; 0 without a chain).
    pub gas_price_gwei: f64,
    /// EIP-1559 base fee (gwei; 0 without a chain).
    pub base_fee_gwei: f64,
    /// Transactions waiting in the mempool.
    pub pending_txs: usize,
    /// Transactions dropped so far.
    pub dropped_txs: u64,
    /// Liquidations not sent this block because gas cost more than they would earn.
    pub liquidations_priced_out: u32,
    /// Fraction of full depth market makers show (volatility withdrawal).
    pub depth_multiplier: f64,
    /// Traded-price move over reference move so far (1 = no endogenous move).
    pub amplification: f64,
}

/// One row per spot venue and block.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueRecord {
    /// Block.
    pub block: Block,
    /// Market.
    pub market: MarketId,
    /// Venue index within the market.
    pub venue: usize,
    /// Venue label.
    pub label: String,
    /// Mid (a pool's marginal price).
    pub mid: Price,
    /// Bid-side depth (a pool's quote reserve).
    pub bid_depth: Quote,
    /// Ask-side depth (a pool's base reserve at its price).
    pub ask_depth: Quote,
    /// Offline by a scheduled outage.
    pub offline: bool,
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
    /// What ADL took from the counterparties: `Σ |bankruptcy price − mark| × quantity`
    /// over fills where the bankruptcy price was worse for them than the mark (the loss
    /// the deleveraged positions passed on).
    pub adl_haircut: Quote,
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
    /// Gas liquidators paid for included liquidation transactions (quote).
    pub liquidator_gas_cost: Quote,
    /// Margin groups that were at least once not liquidated because gas cost more than
    /// the liquidation would earn.
    pub priced_out: u64,
    /// Included liquidation transactions whose target had recovered (gas spent for nothing).
    pub reverted_liquidations: u64,
    /// Base sold ahead of liquidations by MEV searchers.
    pub frontrun_quantity: Base,
    /// Circuit-breaker trips.
    pub breaker_trips: u64,
    /// Market-blocks spent halted.
    pub halted_blocks: u64,
    /// Notional that wanted to be liquidated or traded while halted.
    pub halted_volume: Quote,
    /// Treasury money put into the insurance fund.
    pub insurance_topped_up: Quote,
    /// Groups the backstop vault took over.
    pub backstop_takeovers: u64,
    /// Notional the backstop vault took over.
    pub backstop_volume: Quote,
    /// Withdrawn by the vault's depositors in runs.
    pub vault_withdrawn: Quote,
    /// Positions closed by traders' own behaviour (stop-loss, de-risking, panic).
    pub trader_exits: u64,
    /// Notional of those closes.
    pub trader_exit_volume: Quote,
    /// Haircut value credited to liquidated accounts for the non-quote collateral
    /// seized from them.
    pub collateral_seized: Quote,
    /// What selling seized collateral fetched below what was credited for it (the
    /// venue's loss on conversion), once each asset's inventory was sold.
    pub conversion_loss: Quote,
    /// What it fetched above: the haircut kept, paid into the insurance fund.
    pub conversion_gain: Quote,
    /// Haircut value of the fund's reserve converted to pay losses.
    pub reserve_drawn: Quote,
}
