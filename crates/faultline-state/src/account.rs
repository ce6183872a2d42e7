//! Accounts and positions.

use faultline_units::{
    AccountId, ArithmeticError, Base, Block, FundingIndex, MarketId, Ppm, Price, Quote, Rounding,
};

/// Who owns an account. Only traders are liquidated or counted in trader open interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// A leveraged trader.
    Trader,
    /// The aggregate of the book's market makers: the counterparty of every order that
    /// walks the book and of the initial imbalance between longs and shorts. It is
    /// never liquidated (it stands for outside capital), but it can be deleveraged.
    LiquidityProvider,
    /// A backstop liquidity vault (as Hyperliquid's HLP) that takes over positions the
    /// book will not absorb; never liquidated.
    Backstop,
    /// A liquidator holding inventory it took over; never liquidated.
    Liquidator,
}

/// How a position is margined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginMode {
    /// Shares the account's cross balance with its other cross positions.
    Cross,
    /// Has its own margin; its loss cannot reach the rest of the account.
    Isolated,
}

/// A perpetual position in one market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The market.
    pub market: MarketId,
    /// Signed size (long > 0).
    pub size: Base,
    /// Average entry price.
    pub entry_price: Price,
    /// Funding index when funding was last settled.
    pub funding_snapshot: FundingIndex,
    /// Cross or isolated.
    pub mode: MarginMode,
    /// The margin of an isolated position (zero for cross).
    pub isolated_margin: Quote,
    /// The leverage the trader chose (for initial margin); `None` means the market maximum.
    pub leverage: Option<Ppm>,
}

/// What applying a fill to a position did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TradeOutcome {
    /// PnL realized on the closed part (rounded down: it is credited to the account).
    pub realized_pnl: Quote,
    /// Signed base that was closed (same sign as the old position).
    pub closed: Base,
}

impl Position {
    /// Apply a fill of signed `delta` at `price`: increase (new average entry), reduce
    /// (realize PnL on the closed part) or flip (close all, open the rest at `price`).
    pub fn apply_fill(
        &mut self,
        delta: Base,
        price: Price,
    ) -> Result<TradeOutcome, ArithmeticError> {
        let mut out = TradeOutcome::default();
        if delta.is_zero() {
            return Ok(out);
        }
        let same_direction = self.size.is_zero() || self.size.signum() == delta.signum();
        if same_direction {
            let new_size = self.size.checked_add(delta)?;
            // Average entry, rounded against the holder: a long's up, a short's down.
            let cost = self
                .size
                .notional(self.entry_price, Rounding::Floor)?
                .checked_add(delta.notional(price, Rounding::Floor)?)?;
            let rounding = if new_size.is_positive() {
                Rounding::Ceil
            } else {
                Rounding::Floor
            };
            self.entry_price = Price::from_ratio(cost, new_size, rounding)?;
            self.size = new_size;
            return Ok(out);
        }
        let closing = if delta.abs() <= self.size.abs() {
            delta.checked_neg()?
        } else {
            self.size
        };
        out.closed = closing;
        out.realized_pnl =
            closing.notional(price.checked_sub(self.entry_price)?, Rounding::Floor)?;
        self.size = self.size.checked_add(delta)?;
        if self.size.is_zero() {
            self.entry_price = Price::ZERO;
        } else if self.size.signum() == delta.signum() {
            self.entry_price = price; // flipped through zero
        }
        Ok(out)
    }

    /// Unrealized PnL at `mark`, rounded down.
    pub fn unrealized_pnl(&self, mark: Price) -> Result<Quote, ArithmeticError> {
        self.size
            .notional(mark.checked_sub(self.entry_price)?, Rounding::Floor)
    }

    /// Funding this position owes since its snapshot (positive: it pays), rounded up.
    pub fn funding_owed(&self, index: FundingIndex) -> Result<Quote, ArithmeticError> {
        self.size
            .funding_owed(self.funding_snapshot, index, Rounding::Ceil)
    }
}

/// An account on the venue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id (its index in the venue's table).
    pub id: AccountId,
    /// Trader or liquidity provider.
    pub kind: AccountKind,
    /// Wallet balance backing cross positions (may go negative while positions are open).
    pub cross_balance: Quote,
    /// Open positions, at most one per market, ordered by market id.
    pub positions: Vec<Position>,
    /// After a staged liquidation step, no new step before this block.
    pub liquidation_cooldown_until: Block,
}

impl Account {
    /// A new account with a cross balance and no positions.
    pub fn new(id: AccountId, kind: AccountKind) -> Self {
        Self {
            id,
            kind,
            cross_balance: Quote::ZERO,
            positions: Vec::new(),
            liquidation_cooldown_until: Block(0),
        }
    }

    /// The position in `market`, if any.
    pub fn position(&self, market: MarketId) -> Option<&Position> {
        self.positions.iter().find(|p| p.market == market)
    }

    /// The position in `market`, mutable.
    pub fn position_mut(&mut self, market: MarketId) -> Option<&mut Position> {
        self.positions.iter_mut().find(|p| p.market == market)
    }
}
