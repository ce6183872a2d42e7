//! Markets and their risk parameters.

use crate::amm::AmmPool;
use crate::book::{Book, BookSide, Fill, WalkLimit};
use faultline_math::funding::FundingParams;
use faultline_math::margin::MarginSchedule;
use faultline_units::ArithmeticError;
use faultline_units::{Base, FundingIndex, MarketId, Ppm, Price, Quote, Rounding};

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

/// Where a venue's liquidity comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum VenueBook {
    /// A depth-profile order book anchored to the reference price.
    Book(Book),
    /// An AMM pool.
    Amm(AmmPool),
}

/// A spot venue trading the market's asset: a source for oracles, a place to liquidate,
/// tied to the others by arbitrage.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotVenue {
    /// Name used in scenarios and outputs.
    pub label: String,
    /// Its liquidity.
    pub liquidity: VenueBook,
    /// True while a scheduled outage takes it offline.
    pub offline: bool,
}

impl SpotVenue {
    /// Mid price (a pool's marginal price).
    pub fn mid(&self) -> Result<Price, ArithmeticError> {
        match &self.liquidity {
            VenueBook::Book(b) => b.mid(),
            VenueBook::Amm(a) => a.price(),
        }
    }
    /// What a market order would fill.
    pub fn preview(
        &self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        match &self.liquidity {
            VenueBook::Book(b) => b.preview(side, qty, limit),
            VenueBook::Amm(a) => a.preview(side, qty, limit),
        }
    }
    /// Execute a market order.
    pub fn execute(
        &mut self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        match &mut self.liquidity {
            VenueBook::Book(b) => b.execute(side, qty, limit),
            VenueBook::Amm(a) => a.execute(side, qty, limit),
        }
    }
    /// Resting quote depth on a side (a pool's quote or base value at its price).
    pub fn depth(&self, side: BookSide) -> Result<Quote, ArithmeticError> {
        match &self.liquidity {
            VenueBook::Book(b) => Ok(b.depth(side)),
            VenueBook::Amm(a) => {
                let (base, quote) = a.reserves();
                match side {
                    BookSide::Bid => Ok(quote),
                    BookSide::Ask => base.notional(a.price()?, Rounding::Floor),
                }
            }
        }
    }
}

/// A market's parameters and its per-block state.
#[derive(Debug, Clone, PartialEq)]
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
    /// Spot venues trading the asset.
    pub venues: Vec<SpotVenue>,
    /// Where liquidations execute: `None` is the perp's own book, `Some(i)` spot venue `i`.
    pub liquidation_venue: Option<usize>,
    /// True while the perp's own book is offline.
    pub book_offline: bool,
    /// Multiplier on initial and maintenance requirements (volatility-scaled margin).
    pub margin_multiplier: Ppm,
    /// The largest multiplier the market may apply (the liquidation index plans for it).
    pub margin_multiplier_cap: Ppm,
    /// Open-interest cap: the most trader notional one side may hold, valued at the
    /// price of each new opening (Hyperliquid and dYdX cap open interest per asset).
    pub open_interest_cap: Option<Quote>,
    /// Openings the cap refused.
    pub openings_refused: u64,
}

impl Market {
    /// Preview a liquidation order on the liquidation venue.
    pub fn preview_liquidation(
        &self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        match self.liquidation_venue.and_then(|i| self.venues.get(i)) {
            Some(v) => v.preview(side, qty, limit),
            None => self.book.preview(side, qty, limit),
        }
    }

    /// Execute a liquidation order on the liquidation venue.
    pub fn execute_liquidation(
        &mut self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        match self.liquidation_venue.and_then(|i| self.venues.get_mut(i)) {
            Some(v) => v.execute(side, qty, limit),
            None => self.book.execute(side, qty, limit),
        }
    }

    /// Whether the open-interest cap admits a new trader position of `size` (base, > 0)
    /// on the long (`long`) or short side at `price`: the side's trader open interest
    /// after the opening, valued at `price` (rounded up), must not exceed the cap.
    pub fn admits_opening(
        &self,
        long: bool,
        size: Base,
        price: Price,
    ) -> Result<bool, ArithmeticError> {
        let Some(cap) = self.open_interest_cap else {
            return Ok(true);
        };
        let side = if long {
            self.trader_long_oi
        } else {
            self.trader_short_oi
        };
        let after = side.checked_add(size)?.notional(price, Rounding::Ceil)?;
        Ok(after <= cap)
    }

    /// True when the venue liquidations execute on is offline.
    pub fn liquidation_venue_offline(&self) -> bool {
        match self.liquidation_venue.and_then(|i| self.venues.get(i)) {
            Some(v) => v.offline,
            None => self.book_offline,
        }
    }

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
            venues: Vec::new(),
            liquidation_venue: None,
            book_offline: false,
            margin_multiplier: Ppm::ONE,
            margin_multiplier_cap: Ppm::ONE,
            open_interest_cap: None,
            openings_refused: 0,
        }
    }
}
