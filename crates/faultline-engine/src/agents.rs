//! Phase 6: agents. Traders close positions by their own rules — stop-losses,
//! de-risking near maintenance, and herd panic in which the share of traders who left
//! last block raises everyone's urge to leave — and competing liquidators decide who
//! takes each liquidation.

use crate::events::EventKind;
use crate::rng::{stream, Stream};
use crate::sim::{EngineError, Simulation};
use faultline_state::{BookSide, Pot, Venue, WalkLimit};
use faultline_units::{AccountId, Base, MarketId, Ppm, Quote, Rounding};
use rand::RngExt;

/// How a population's traders behave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraderBehavior {
    /// Close when the loss reaches this fraction of the margin.
    pub stop_loss: Option<Ppm>,
    /// Cut the position when equity / maintenance falls below this (above 1)...
    pub derisk_below_ratio: Option<Ppm>,
    /// ... by this fraction.
    pub derisk_fraction: Ppm,
    /// Probability per block of closing in a panic.
    pub panic_base: f64,
    /// Added to it per unit share of traders who closed last block.
    pub panic_herd: f64,
}

/// A liquidator competing for liquidations.
#[derive(Debug, Clone, PartialEq)]
pub struct LiquidatorAgent {
    /// Name.
    pub label: String,
    /// Blocks between a group becoming liquidatable and this liquidator acting.
    pub latency_blocks: u64,
    /// Notional it can liquidate per block (capital and risk limit).
    pub capacity_per_block: Quote,
    /// Smallest expected fee it acts for (net of gas on a chain).
    pub min_profit: Quote,
    /// Its own gas bid on a chain (`None`: the chain's `liquidation_bid`). Every
    /// liquidator that finds a liquidation worth its gas sends a transaction; the
    /// first included executes and the others revert, their gas spent for nothing —
    /// the priority gas auction of Daian et al., "Flash Boys 2.0" (IEEE S&P 2020).
    pub gas: Option<crate::chain::GasBid>,
}

/// What one liquidator did over the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiquidatorStats {
    /// Margin groups it liquidated (one per executed liquidation).
    pub liquidations: u64,
    /// Gas it paid for included transactions (quote), executed or reverted.
    pub gas_cost: Quote,
    /// Its included transactions that found nothing to liquidate.
    pub reverted: u64,
}

impl Simulation {
    /// Phase 6 for traders with a behaviour.
    pub(crate) fn agents_phase(&mut self) -> Result<(), EngineError> {
        if self.behaviors.is_empty() {
            return Ok(());
        }
        let mut rng = stream(
            self.config.seed ^ self.block.0.rotate_left(17),
            Stream::Agents,
        );
        #[allow(clippy::cast_precision_loss)]
        let herd = self.last_exits as f64 / self.behaviors.len().max(1) as f64;
        let mut exits = 0u64;
        for k in 0..self.behaviors.len() {
            let (account, b) = self.behaviors[k];
            let draw: f64 = rng.random();
            let Some(p) = self.venue.accounts[account.index()]
                .positions
                .iter()
                .find(|p| !p.size.is_zero())
                .copied()
            else {
                continue;
            };
            let group = self.venue.group_of(account, p.market);
            let h = self.venue.group_health(account, group)?;
            if h.is_liquidatable() {
                continue; // the liquidator's now
            }
            let panic = draw < (b.panic_base + b.panic_herd * herd).clamp(0.0, 1.0);
            let stop = b.stop_loss.is_some_and(|s| {
                h.wallet.is_positive()
                    && h.unrealized_pnl
                        .checked_neg()
                        .ok()
                        .and_then(|l| l.ratio_to(h.wallet, Rounding::Floor).ok())
                        .is_some_and(|r| r >= s)
            });
            let derisk = b.derisk_below_ratio.is_some_and(|r| {
                Venue::margin_ratio(&h)
                    .ok()
                    .flatten()
                    .is_some_and(|x| x < r)
            });
            let qty = if panic || stop {
                p.size.abs()
            } else if derisk {
                p.size
                    .abs()
                    .mul_ppm(b.derisk_fraction, Rounding::Ceil)?
                    .min(p.size.abs())
            } else {
                continue;
            };
            let i = p.market.index();
            let notional = qty.notional(self.venue.markets[i].mark_price, Rounding::Floor)?;
            if self.trading_halted(i) || self.venue.markets[i].book_offline {
                self.totals.halted_volume = self.totals.halted_volume.checked_add(notional)?;
                continue;
            }
            self.trader_close(account, p.market, p.size.is_positive(), qty)?;
            self.index.mark_dirty(crate::index::key(account, group));
            exits += 1;
            if panic {
                self.emit(
                    EventKind::HerdPanic,
                    Some(p.market),
                    Some(account),
                    Some(notional),
                    format!(
                        "{account} closed in a panic ({:.1}% of traders left last block)",
                        herd * 100.0
                    ),
                );
            }
        }
        self.last_exits = exits;
        Ok(())
    }

    /// A trader's market order closing `qty` of its position into the perp book.
    fn trader_close(
        &mut self,
        account: AccountId,
        market: MarketId,
        long: bool,
        qty: Base,
    ) -> Result<(), EngineError> {
        let side = if long { BookSide::Bid } else { BookSide::Ask };
        let fill = self.venue.markets[market.index()]
            .book
            .execute(side, qty, WalkLimit::None)?;
        if !fill.filled.is_positive() {
            return Ok(());
        }
        self.settle_fill(account, market, long, &fill)?;
        let m = &self.venue.markets[market.index()];
        let fee = fill.notional.mul_ppm(m.params.taker_fee, Rounding::Ceil)?;
        let pot = self.venue.position_pot(account, market);
        let equity = self
            .venue
            .group_health(account, self.venue.group_of(account, market))?
            .equity
            .max(Quote::ZERO);
        self.venue.transfer(pot, Pot::FeePool, fee.min(equity))?;
        self.totals.trader_exits += 1;
        self.totals.trader_exit_volume =
            self.totals.trader_exit_volume.checked_add(fill.notional)?;
        if self.venue.position_of(account, market)?.size.is_zero() {
            let group = self.venue.group_of(account, market);
            self.settle_group_if_closed(account, group)?;
        }
        Ok(())
    }

    /// Which liquidator takes a liquidation of `notional` in a group liquidatable for
    /// `waited` blocks: the fastest one whose latency has passed and whose capacity this block
    /// covers it (ties: listed first). `None`: nobody yet.
    pub(crate) fn pick_liquidator(
        &mut self,
        waited: u64,
        notional: Quote,
        expected_fee: Quote,
    ) -> Option<usize> {
        if self.liquidators.is_empty() {
            return Some(0);
        }
        let mut best: Option<usize> = None;
        for (i, l) in self.liquidators.iter().enumerate() {
            let used = self.liquidator_used.get(i).copied().unwrap_or(Quote::ZERO);
            let room = l
                .capacity_per_block
                .checked_sub(used)
                .unwrap_or(Quote::ZERO);
            if l.latency_blocks <= waited
                && room >= notional
                && expected_fee >= l.min_profit
                && best.is_none_or(|b| l.latency_blocks < self.liquidators[b].latency_blocks)
            {
                best = Some(i);
            }
        }
        if let Some(i) = best {
            if let Some(u) = self.liquidator_used.get_mut(i) {
                *u = u.checked_add(notional).unwrap_or(*u);
            }
        }
        best
    }
}
