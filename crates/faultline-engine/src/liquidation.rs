//! Phase 7: find under-margined groups and liquidate them, fully or in stages.

use crate::chain::{ChainParams, TxKind};
use crate::events::EventKind;
use crate::index::{self, GroupKey};
use crate::oracle::Validity;
use crate::sim::{decode_group, encode_group, EngineError, Simulation};
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

/// What a liquidator weighs for one group (see `Simulation::terms`).
struct Terms {
    /// Blocks since the group became liquidatable.
    waited: u64,
    /// Notional of its largest position at the mark.
    notional: Quote,
    /// The liquidator's share of the liquidation fee on it.
    reward: Quote,
}

impl Simulation {
    /// Phase 7: liquidation transactions included this block execute first (in
    /// inclusion order), then every eligible trader group is found, most under-margined
    /// first, and handled: waits if its market is gated, queued if the engine lags,
    /// liquidated at once without a chain, or sent as a transaction with one.
    pub(crate) fn liquidation_phase(
        &mut self,
        included: &[(AccountId, MarginGroup, usize)],
    ) -> Result<(), EngineError> {
        let block = self.block.0;
        for &(account, group, liquidator) in included {
            self.execute_liquidation_tx(account, group, liquidator)?;
        }
        let mut queue: Vec<(i64, AccountId, MarginGroup)> = Vec::new();
        let mut candidates: Vec<GroupKey> = Vec::new();
        if self.full_scan {
            for a in self
                .venue
                .accounts
                .iter()
                .filter(|a| a.kind == AccountKind::Trader && !a.positions.is_empty())
            {
                candidates.extend(self.venue.groups_of(a.id).map(|g| index::key(a.id, g)));
            }
        } else {
            self.index
                .initialize(&self.venue, block, self.config.block_time_ms)?;
            self.index.candidates(&self.venue, block, &mut candidates);
        }
        for &(account, code) in &candidates {
            let group = decode_group(code);
            let Ok(h) = self.venue.group_health(account, group) else {
                continue;
            };
            if h.is_liquidatable() {
                let ratio = Venue::margin_ratio(&h)?.map_or(i64::MAX, |r| r.atoms());
                queue.push((ratio, account, group));
            }
        }
        queue.sort();
        self.liquidator_used
            .iter_mut()
            .for_each(|u| *u = Quote::ZERO);
        let live: std::collections::BTreeSet<GroupKey> =
            queue.iter().map(|&(_, a, g)| index::key(a, g)).collect();
        for k in &live {
            self.eligible_since.entry(*k).or_insert(block);
        }
        self.eligible_since.retain(|k, _| live.contains(k));
        let lag = self.faults.liquidation_lag(block);
        for (_, account, group) in queue {
            if lag > 0 {
                if !self
                    .lagged
                    .iter()
                    .any(|&(_, a, g)| a == account && g == group)
                {
                    self.lagged.push_back((block + lag, account, group));
                }
                continue;
            }
            self.dispatch(account, group)?;
        }
        while self.lagged.front().is_some_and(|&(due, _, _)| due <= block) {
            if let Some((_, account, group)) = self.lagged.pop_front() {
                self.dispatch(account, group)?;
            }
        }
        self.settle_deficits()?;
        if !self.full_scan {
            let touched = std::mem::take(&mut self.touched);
            for k in candidates.into_iter().chain(touched) {
                self.index.register(&self.venue, k, block)?;
            }
        }
        self.touched.clear();
        Ok(())
    }

    /// The market a group would be liquidated in first, if it may be liquidated now.
    fn gate(
        &mut self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<Option<MarketId>, EngineError> {
        let block = self.block.0;
        let Some(p) = self.largest_position(account, group)? else {
            return Ok(None);
        };
        let i = p.market.index();
        if self.faults.liquidation_stalled(i, block)
            || self.venue.markets[i].liquidation_venue_offline()
        {
            return Ok(None);
        }
        if self.liquidations_halted(i) {
            let m = &self.venue.markets[i];
            let notional = p.size.notional(m.mark_price, Rounding::Floor)?.abs();
            self.totals.halted_volume = self.totals.halted_volume.checked_add(notional)?;
            return Ok(None);
        }
        let rt = &self.runtimes[i];
        if rt.oracle.params().guard_liquidations
            && rt.validity.is_some_and(|v| v != Validity::Valid)
        {
            let detail = format!(
                "a liquidation of {account} waited: the oracle is {}",
                rt.validity.map_or("?", Validity::as_str)
            );
            self.emit(
                EventKind::LiquidationBlockedByOracle,
                Some(p.market),
                Some(account),
                None,
                detail,
            );
            return Ok(None);
        }
        Ok(Some(p.market))
    }

    /// Liquidate now (no chain) or send a transaction if it pays for its gas.
    fn dispatch(&mut self, account: AccountId, group: MarginGroup) -> Result<(), EngineError> {
        if !self
            .venue
            .group_health(account, group)
            .is_ok_and(|h| h.is_liquidatable())
        {
            return Ok(());
        }
        let Some(market) = self.gate(account, group)? else {
            return Ok(());
        };
        let Some(chain) = &self.chain else {
            if !self.liquidators.is_empty() {
                let Some(t) = self.terms(account, group)? else {
                    return Ok(());
                };
                let Some(l) = self.pick_liquidator(t.waited, t.notional, t.reward) else {
                    return Ok(());
                };
                self.current_liquidator = l;
                if let Some(s) = self.liquidator_stats.get_mut(l) {
                    s.liquidations += 1;
                }
            }
            let result = self.liquidate_group(account, group);
            self.current_liquidator = 0;
            return result;
        };
        if !self.liquidators.is_empty() {
            return self.dispatch_competing(account, group, market);
        }
        let kind = TxKind::Liquidation {
            account,
            group_key: encode_group(group),
            liquidator: 0,
        };
        if chain.is_pending(&kind) {
            return Ok(());
        }
        let params = chain.params().clone();
        let bid = params.liquidation_bid;
        let gas_price = (chain.gas_price_gwei() * (1.0 + bid.premium)).min(bid.max_fee_gwei);
        let cost = self.gas_cost(bid.gas_used, gas_price, &params);
        let reward = self.expected_reward(account, group)?;
        if reward - cost < params.min_liquidation_profit {
            let detail = format!("liquidating {account} would earn {reward:.2} but gas costs {cost:.2} at {gas_price:.1} gwei");
            return self.priced_out(account, group, market, detail);
        }
        let block = self.block.0;
        if let Some(c) = &mut self.chain {
            c.submit(block, kind, &bid);
        }
        Ok(())
    }

    /// Competing liquidators on a chain: every liquidator whose latency has passed, whose
    /// capacity has room and for whom the expected fee beats its gas cost by its minimum
    /// profit (and the chain's) sends its own transaction with its own bid. Priced out
    /// when at least one could act but none found it worth the gas.
    fn dispatch_competing(
        &mut self,
        account: AccountId,
        group: MarginGroup,
        market: MarketId,
    ) -> Result<(), EngineError> {
        let Some(chain) = &self.chain else {
            return Ok(());
        };
        let params = chain.params().clone();
        let going = chain.gas_price_gwei();
        let Some(Terms {
            waited,
            notional,
            reward,
        }) = self.terms(account, group)?
        else {
            return Ok(());
        };
        let reward = reward.to_f64();
        let block = self.block.0;
        let (mut able, mut sent) = (0u32, 0u32);
        let mut cheapest = f64::INFINITY;
        for i in 0..self.liquidators.len() {
            let l = &self.liquidators[i];
            let used = self.liquidator_used[i];
            if l.latency_blocks > waited || l.capacity_per_block.checked_sub(used)? < notional {
                continue;
            }
            let kind = TxKind::Liquidation {
                account,
                group_key: encode_group(group),
                liquidator: u32::try_from(i).unwrap_or(u32::MAX),
            };
            if self.chain.as_ref().is_some_and(|c| c.is_pending(&kind)) {
                continue;
            }
            able += 1;
            let bid = l.gas.unwrap_or(params.liquidation_bid);
            let gas_price = (going * (1.0 + bid.premium)).min(bid.max_fee_gwei);
            let cost = self.gas_cost(bid.gas_used, gas_price, &params);
            cheapest = cheapest.min(cost);
            if reward - cost < params.min_liquidation_profit.max(l.min_profit.to_f64()) {
                continue;
            }
            self.liquidator_used[i] = used.checked_add(notional)?;
            if let Some(c) = &mut self.chain {
                c.submit(block, kind, &bid);
            }
            sent += 1;
        }
        if able > 0 && sent == 0 {
            let detail = format!("liquidating {account} would earn {reward:.2} but the cheapest gas among {able} liquidators costs {cheapest:.2}");
            return self.priced_out(account, group, market, detail);
        }
        Ok(())
    }

    /// Record that a liquidation was not worth its gas.
    fn priced_out(
        &mut self,
        account: AccountId,
        group: MarginGroup,
        market: MarketId,
        detail: String,
    ) -> Result<(), EngineError> {
        self.stats[market.index()].priced_out += 1;
        if self.priced_out.insert((account, encode_group(group))) {
            self.totals.priced_out += 1;
        }
        self.emit(
            EventKind::LiquidationPricedOut,
            Some(market),
            Some(account),
            None,
            detail,
        );
        Ok(())
    }

    /// Gas cost in quote of `gas` at `gwei`.
    fn gas_cost(&self, gas: u64, gwei: f64, params: &ChainParams) -> f64 {
        let token = params
            .gas_token_market
            .and_then(|i| self.venue.markets.get(i))
            .map_or(params.gas_token_price, |m| m.reference_price.to_f64());
        #[allow(clippy::cast_precision_loss)] // gas amounts are far below 2^52
        let gas = gas as f64;
        gas * gwei * 1e-9 * token
    }

    /// What the liquidator expects to earn from the group's first step.
    fn expected_reward(&self, account: AccountId, group: MarginGroup) -> Result<f64, EngineError> {
        Ok(self
            .terms(account, group)?
            .map_or(0.0, |t| t.reward.to_f64()))
    }

    /// What a liquidator weighs for a group: how long it has been liquidatable, the
    /// notional of its largest position at the mark, and the liquidator's share of the
    /// liquidation fee on it. `None` when the group holds no position.
    fn terms(&self, account: AccountId, group: MarginGroup) -> Result<Option<Terms>, EngineError> {
        let Some(p) = self.largest_position(account, group)? else {
            return Ok(None);
        };
        let since = self
            .eligible_since
            .get(&index::key(account, group))
            .copied()
            .unwrap_or(self.block.0);
        let m = &self.venue.markets[p.market.index()];
        let notional = p.size.notional(m.mark_price, Rounding::Floor)?.abs();
        let reward = notional
            .mul_ppm(m.params.liquidation.fee, Rounding::Floor)?
            .mul_ppm(m.params.liquidation.liquidator_share, Rounding::Floor)?;
        Ok(Some(Terms {
            waited: self.block.0.saturating_sub(since),
            notional,
            reward,
        }))
    }

    /// Execute an included liquidation transaction: the liquidator pays gas; if the
    /// group recovered meanwhile the transaction does nothing; an MEV searcher may sell
    /// ahead of the liquidation on its venue and buy back after it.
    fn execute_liquidation_tx(
        &mut self,
        account: AccountId,
        group: MarginGroup,
        liquidator: usize,
    ) -> Result<(), EngineError> {
        let Some(chain) = &self.chain else {
            return Ok(());
        };
        let params = chain.params().clone();
        let gas_used = self
            .liquidators
            .get(liquidator)
            .and_then(|l| l.gas)
            .unwrap_or(params.liquidation_bid)
            .gas_used;
        let cost = Quote::from_f64(self.gas_cost(gas_used, chain.gas_price_gwei(), &params))?;
        self.totals.liquidator_gas_cost = self.totals.liquidator_gas_cost.checked_add(cost)?;
        if let Some(s) = self.liquidator_stats.get_mut(liquidator) {
            s.gas_cost = s.gas_cost.checked_add(cost)?;
        }
        let live = self
            .venue
            .group_health(account, group)
            .is_ok_and(|h| h.is_liquidatable());
        let Some(market) = (if live {
            self.gate(account, group)?
        } else {
            None
        }) else {
            self.totals.reverted_liquidations += 1;
            if let Some(s) = self.liquidator_stats.get_mut(liquidator) {
                s.reverted += 1;
            }
            return Ok(());
        };
        let front = match (
            params.mev_frontrun_fraction,
            self.largest_position(account, group)?,
        ) {
            (Some(f), Some(p)) if f > 0.0 => {
                let qty = Base::from_f64(p.size.abs().to_f64() * f)?;
                let side = if p.size.is_positive() {
                    BookSide::Bid
                } else {
                    BookSide::Ask
                };
                let fill = self.venue.markets[market.index()].execute_liquidation(
                    side,
                    qty,
                    WalkLimit::None,
                )?;
                Some((side, fill.filled))
            }
            _ => None,
        };
        self.current_liquidator = liquidator;
        if let Some(s) = self.liquidator_stats.get_mut(liquidator) {
            s.liquidations += 1;
        }
        let result = self.liquidate_group(account, group);
        self.current_liquidator = 0;
        result?;
        if let Some((side, qty)) = front.filter(|(_, q)| q.is_positive()) {
            let back = if side == BookSide::Bid {
                BookSide::Ask
            } else {
                BookSide::Bid
            };
            self.venue.markets[market.index()].execute_liquidation(back, qty, WalkLimit::None)?;
            self.totals.frontrun_quantity = self.totals.frontrun_quantity.checked_add(qty)?;
            self.emit(EventKind::LiquidationFrontRun, Some(market), Some(account), None, format!("a searcher sold {qty} ahead of the liquidation of {account} and bought it back after"));
        }
        Ok(())
    }

    pub(crate) fn liquidate_group(
        &mut self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<(), EngineError> {
        self.touched.push(index::key(account, group));
        if group == MarginGroup::Cross {
            self.seize_collateral(account)?;
        }
        if self.backstop_takes(account, group)? {
            return self.backstop_takeover(account, group);
        }
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
                let fill = m.preview_liquidation(side, step, WalkLimit::None)?;
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
