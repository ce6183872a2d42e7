//! Markets and their risk parameters.

use crate::book::Book;
use faultline_math::funding::FundingParams;
use faultline_math::margin::MarginSchedule;
use faultline_units::{Base, FundingIndex, MarketId, Ppm, Price, Quote};

/// Staged (partial) liquidation: large positions are closed in steps, each sized to
/// bring the account back above maintenance margin plus a buffer, with a cooldown
/// between steps. Hyperliquid sends 20% of positions above $100k and waits 30 s
/// (docs, "Liquidations"); Drift sizes each step to cover the shortage with a 2%
/// buffer (`liquidation_margin_buffer_ratio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedParams {
    /// Largest fraction of the position one step may close.
    pub max_step_fraction: Ppm,
    /// Blocks to wait after a step before the next one.
    pub cooldown_blocks: u64,
    /// Target: equity ≥ maintenance × (1 + buffer) after the step.
    pub buffer: Ppm,
    /// Positions with less notional than this are liquidated in full.
    pub min_partial_notional: Quote,
    /// Below `equity / maintenance` of this ratio the account is liquidated in full
    /// (Hyperliquid's backstop threshold is 2/3).
    pub full_below_ratio: Ppm,
}

/// How a market liquidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationParams {
    /// Fee on the closed notional, paid from the liquidated account's remaining equity.
    pub fee: Ppm,
    /// Share of the fee paid to the liquidator; the rest goes to the insurance fund.
    pub liquidator_share: Ppm,
    /// Partial liquidation, or `None` for full liquidation every time.
    pub staged: Option<StagedParams>,
}

/// Static parameters of a market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketParams {
    /// Ticker, e.g. `BTC-PERP`.
    pub symbol: String,
    /// Margin brackets.
    pub margin: MarginSchedule,
    /// Liquidation rules.
    pub liquidation: LiquidationParams,
    /// Funding formula.
    pub funding: FundingParams,
    /// Taker fee on trades that walk the book (liquidations included), to the fee pool.
    pub taker_fee: Ppm,
}

/// A market's parameters and its per-block state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Market {
    /// Its id (index in the venue's table).
    pub id: MarketId,
    /// Static parameters.
    pub params: MarketParams,
    /// The order book.
    pub book: Book,
    /// The exogenous reference price this block.
    pub reference_price: Price,
    /// The price the protocol's oracle reports this block.
    pub oracle_price: Price,
    /// The price margin and PnL are computed at.
    pub mark_price: Price,
    /// Price of the last trade on the book.
    pub last_trade_price: Price,
    /// Cumulative funding index.
    pub funding_index: FundingIndex,
    /// The last funding rate applied, per interval.
    pub funding_rate: Ppm,
    /// Open interest of trader longs (the liquidity provider excluded).
    pub trader_long_oi: Base,
    /// Open interest of trader shorts, as a positive number.
    pub trader_short_oi: Base,
}

impl Market {
    /// A market at its opening price.
    pub fn new(id: MarketId, params: MarketParams, book: Book, price: Price) -> Self {
        Self {
            id,
            params,
            book,
            reference_price: price,
            oracle_price: price,
            mark_price: price,
            last_trade_price: price,
            funding_index: FundingIndex::ZERO,
            funding_rate: Ppm::ZERO,
            trader_long_oi: Base::ZERO,
            trader_short_oi: Base::ZERO,
        }
    }
}
