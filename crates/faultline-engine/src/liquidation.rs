//! Phase 7: find under-margined groups and liquidate them, fully or in stages.

use crate::events::EventKind;
use crate::sim::{EngineError, Simulation};
use faultline_math::liquidation::base_to_cover_margin_shortage;
use faultline_state::{
    AccountKind, BookSide, MarginGroup, Position, StagedParams, Venue, WalkLimit,
};
use faultline_units::{AccountId, Base, Block, MarketId, Ppm, Quote, Rounding};

/// Upper bound on liquidation rounds per group per block (each round closes a position
/// or stops): guards against any possibility of a loop that repeats forever.
const MAX_ROUNDS_PER_GROUP: usize = 64;
/// Refinement rounds when sizing a staged step against the book's slippage.
const SIZING_ROUNDS: usize = 12;

impl Simulation {
    /// Liquidate every eligible trader group, most under-margined first.
    pub(crate) fn liquidation_phase(&mut self) -> Result<(), EngineError> {
        let mut queue: Vec<(i64, AccountId, MarginGroup)> = Vec::new();
        for a in &self.venue.accounts {
            if a.kind != AccountKind::Trader || a.positions.is_empty() {
                continue;
            }
            for g in self.venue.groups_of(a.id) {
                let h = self.venue.group_health(a.id, g)?;
                if h.is_liquidatable() {
                    let ratio = Venue::margin_ratio(&h)?.map_or(i64::MAX, |r| r.atoms());
                    queue.push((ratio, a.id, g));
                }
            }
        }
        queue.sort();
        for (_, account, group) in queue {
            self.liquidate_group(account, group)?;
        }
        Ok(())
    }

    fn liquidate_group(
        &mut self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<(), EngineError> {
        for _ in 0..MAX_ROUNDS_PER_GROUP {
            if let MarginGroup::Isolated(m) = group {
                if self.venue.accounts[account.index()].position(m).is_none() {
                    break; // closed and settled
                }
            }
            let h = self.venue.group_health(account, group)?;
            if !h.is_liquidatable() {
                break;
            }
            let Some(position) = self.largest_position(account, group)? else {
                break;
            };
            let market = position.market;
            let staged = self.venue.markets[market.index()].params.liquidation.staged;
            let size = match staged {
                Some(params) => match self.staged_step(account, group, &position, &params)? {
                    StepSize::Partial(step) => {
                        self.close_logged(account, group, market, step, true)?;
                        self.count_liquidation(market, true);
                        self.emit(
                            EventKind::FirstPartialLiquidation,
                            Some(market),
                            Some(account),
                            None,
                            format!(
                                "{account} partially liquidated: {step} of {}",
                                position.size.abs()
                            ),
                        );
                        let cooldown = Block(self.block.0 + params.cooldown_blocks);
                        self.venue.accounts[account.index()].liquidation_cooldown_until = cooldown;
                        break;
                    }
                    StepSize::Wait => break,
                    StepSize::Full => position.size.abs(),
                },
                None => position.size.abs(),
            };
            let out = self.close_logged(account, group, market, size, false)?;
            self.count_liquidation(market, false);
            if out.remaining.is_positive() {
                break; // nothing more can be done this block; retried next block
            }
        }
        Ok(())
    }

    /// Close through the waterfall and log the step with the shortage before and after.
    fn close_logged(
        &mut self,
        account: AccountId,
        group: MarginGroup,
        market: MarketId,
        size: Base,
        partial: bool,
    ) -> Result<crate::waterfall::CloseOutcome, EngineError> {
        let before = self.venue.group_health(account, group)?.shortage()?;
        let out = self.close(account, market, size)?;
        // A group left without positions settles its deficit (insurance fund, bad debt,
        // socialized loss) before the shortage is measured again; a settled isolated
        // group is gone and has no shortage left.
        self.settle_group_if_closed(account, group)?;
        let after = match self.venue.group_health(account, group) {
            Ok(h) => h.shortage()?,
            Err(faultline_state::StateError::UnknownPot(_)) => Quote::ZERO,
            Err(e) => return Err(e.into()),
        };
        self.steps.push(crate::sim::LiquidationStep {
            block: self.block,
            account,
            market,
            size,
            partial,
            shortage_before: before,
            shortage_after: after,
        });
        Ok(out)
    }

    fn count_liquidation(&mut self, market: MarketId, partial: bool) {
        self.stats[market.index()].liquidations += 1;
        self.totals.liquidations += 1;
        if partial {
            self.totals.partial_liquidations += 1;
        }
    }

    /// The open position of the group with the largest maintenance margin (ties: lower market id).
    fn largest_position(
        &self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<Option<Position>, EngineError> {
        let mut best: Option<(Quote, Position)> = None;
        for p in &self.venue.accounts[account.index()].positions {
            if p.size.is_zero() || self.venue.group_of(account, p.market) != group {
                continue;
            }
            let mm = self.venue.position_maintenance(p)?;
            if best.is_none_or(|(b, _)| mm > b) {
                best = Some((mm, *p));
            }
        }
        Ok(best.map(|(_, p)| p))
    }

    /// Decide the size of a staged step.
    ///
    /// Full liquidation when the account is below `full_below_ratio` of maintenance, the
    /// position is smaller than `min_partial_notional`, or the step would leave less
    /// than that. Otherwise, the step covers the shortage against maintenance plus the
    /// buffer (Drift's closed form, [`base_to_cover_margin_shortage`]), re-solved with
    /// the book's actual slippage. If that step is larger than `max_step_fraction` of
    /// the position, the position is liquidated in full: every partial step restores
    /// the account, so partial liquidation can never nibble at an account that stays
    /// under water. During a cooldown only a full liquidation may happen.
    fn staged_step(
        &self,
        account: AccountId,
        group: MarginGroup,
        p: &Position,
        params: &StagedParams,
    ) -> Result<StepSize, EngineError> {
        let v = &self.venue;
        let h = v.group_health(account, group)?;
        let m = &v.markets[p.market.index()];
        let mark = m.mark_price;
        let notional = p.size.notional(mark, Rounding::Floor)?.abs();
        let ratio = Venue::margin_ratio(&h)?.unwrap_or(Ppm::ZERO);
        if ratio < params.full_below_ratio
            || notional < params.min_partial_notional
            || !mark.is_positive()
        {
            return Ok(StepSize::Full);
        }
        if v.accounts[account.index()].liquidation_cooldown_until > self.block {
            return Ok(StepSize::Wait);
        }
        let rate = m
            .params
            .margin
            .tier_for(notional)
            .maintenance_rate
            .checked_add(params.buffer)?;
        let fee = m.params.liquidation.fee.checked_add(m.params.taker_fee)?;
        let target = h
            .maintenance
            .checked_add(notional.mul_ppm(params.buffer, Rounding::Ceil)?)?;
        let shortage = target.checked_sub(h.equity)?;
        let side = if p.size.is_positive() {
            BookSide::Bid
        } else {
            BookSide::Ask
        };
        let mut step = Base::ZERO;
        let mut converged = false;
        for _ in 0..SIZING_ROUNDS {
            // Slippage of the current candidate step against the mark.
            let slip = if step.is_positive() {
                let fill = m.book.preview(side, step, WalkLimit::None)?;
                let at_mark = fill.filled.notional(mark, Rounding::Floor)?;
                let diff = if p.size.is_positive() {
                    at_mark.checked_sub(fill.notional)?
                } else {
                    fill.notional.checked_sub(at_mark)?
                };
                diff.max(Quote::ZERO)
            } else {
                Quote::ZERO
            };
            let Some(next) =
                base_to_cover_margin_shortage(shortage.checked_add(slip)?, rate, fee, mark)?
            else {
                return Ok(StepSize::Full);
            };
            // The extra slippage of a larger step shrinks geometrically; once an increment
            // is below 0.01% of the step, add it once more (an upper bound on the
            // remaining tail when slippage grows slower than the net release) and stop.
            let increment = next.checked_sub(step)?;
            if increment.atoms() <= step.atoms() / 10_000 {
                step = next.checked_add(increment.max(Base::ZERO))?;
                converged = true;
                break;
            }
            step = next;
        }
        // A step that cannot restore maintenance plus the buffer within the cap would
        // only nibble (each step keeping the account under water); liquidate in full.
        let cap = p
            .size
            .abs()
            .mul_ppm(params.max_step_fraction, Rounding::Ceil)?;
        if !converged || step > cap {
            return Ok(StepSize::Full);
        }
        let left = p.size.abs().checked_sub(step)?;
        if !left.is_positive()
            || left.notional(mark, Rounding::Floor)? < params.min_partial_notional
        {
            return Ok(StepSize::Full);
        }
        Ok(StepSize::Partial(step))
    }
}

/// The outcome of sizing a staged step.
enum StepSize {
    /// Close the whole position.
    Full,
    /// Close this much.
    Partial(Base),
    /// In cooldown and not bad enough for a full liquidation.
    Wait,
}
