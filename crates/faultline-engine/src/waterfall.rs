//! The loss waterfall of one liquidation: book → fee → insurance fund → ADL or
//! socialized loss → recorded bad debt.
//!
//! 1. The position is sold into the book at prices no worse than its bankruptcy price
//!    (dYdX v4's pro-rated bankruptcy price for partial closes). The account pays the
//!    taker fee and the liquidation fee out of what the fills beat the bankruptcy price
//!    by; the liquidation fee is split between the liquidator and the insurance fund.
//! 2. What the book cannot take at the bankruptcy price is sold further only while the
//!    insurance fund can pay the shortfall (Binance and BitMEX: the fund absorbs
//!    fills worse than bankruptcy). The fund pays it at once.
//! 3. What remains is closed against opposing positions at the bankruptcy price by the
//!    ADL rule, or, under socialized loss, sold into the book at any price, the loss
//!    past bankruptcy being covered at once by the fund and then by haircuts on
//!    profitable accounts.
//! 4. A group left with no positions and a negative balance is a deficit: the fund pays
//!    what it can; the rest is recorded as bad debt (and socialized under that policy).

use crate::config::DeficitPolicy;
use crate::events::EventKind;
use crate::sim::{EngineError, Simulation};
use faultline_math::adl::{allocate, order, AdlCandidate, AdlFill, AdlRanking};
use faultline_math::liquidation::{bankruptcy_price, BankruptcyInput};
use faultline_math::split::split_pro_rata;
use faultline_state::{BookSide, Fill, MarginGroup, Pot, Venue, WalkLimit};
use faultline_units::{AccountId, Base, MarketId, Price, Quote, Rounding};
use rand::RngExt;

/// One ADL fill: `amount` of the bankrupt position (long or short) closed against
/// `counterparty` at the bankruptcy price while the mark was `mark`.
struct AdlClose {
    market: MarketId,
    counterparty: AccountId,
    amount: Base,
    bankruptcy: Price,
    mark: Price,
    long: bool,
}

impl Simulation {
    /// Books a fill of the market book as a trade between `account` (closing a long when
    /// `long`, so selling; otherwise buying) and the liquidity provider that stands for
    /// the book, at the fill's average price rounded against `account`. Returns that
    /// price. Every close that walks the book (liquidations, trader exits, backstop
    /// unwinds) settles through here.
    pub(crate) fn settle_fill(
        &mut self,
        account: AccountId,
        market: MarketId,
        long: bool,
        fill: &Fill,
    ) -> Result<Price, EngineError> {
        let avg = Price::from_ratio(
            fill.notional,
            fill.filled,
            if long {
                Rounding::Floor
            } else {
                Rounding::Ceil
            },
        )?;
        let delta = if long {
            fill.filled.checked_neg()?
        } else {
            fill.filled
        };
        self.venue.trade(account, market, delta, avg)?;
        let lp = self.lp;
        self.venue
            .ensure_position(lp, market, faultline_state::MarginMode::Cross, None)?;
        self.venue.trade(lp, market, delta.checked_neg()?, avg)?;
        self.venue.remove_if_flat(lp, market)?;
        Ok(avg)
    }
}

/// What a close left undone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CloseOutcome {
    /// Base that could not be closed this block.
    pub remaining: Base,
}

impl Simulation {
    /// Close `size` (absolute) of `account`'s position in `market` through the waterfall.
    pub(crate) fn close(
        &mut self,
        account: AccountId,
        market: MarketId,
        size: Base,
    ) -> Result<CloseOutcome, EngineError> {
        let pos = self.venue.position_of(account, market)?;
        let long = pos.size.is_positive();
        let side = if long { BookSide::Bid } else { BookSide::Ask };
        let delta = if long { size.checked_neg()? } else { size };
        let p_b = self.bankruptcy_for(account, market, delta)?;
        self.emit(
            EventKind::FirstLiquidation,
            Some(market),
            Some(account),
            None,
            format!("{account} liquidated in {market}"),
        );

        // 1. Book, no worse than bankruptcy.
        let fill = self.venue.markets[market.index()].execute_liquidation(
            side,
            size,
            WalkLimit::Price(p_b),
        )?;
        self.apply_book_fill(account, market, &fill, long)?;
        let surplus = shortfall_vs_bankruptcy(&fill, p_b, long)?.checked_neg()?;
        self.charge_fees(account, market, fill.notional, surplus.max(Quote::ZERO))?;
        let mut remaining = size.checked_sub(fill.filled)?;
        if remaining.is_positive() {
            self.emit(
                EventKind::FirstLossPastBankruptcy,
                Some(market),
                Some(account),
                None,
                format!("the book could not absorb the liquidation at the bankruptcy price {p_b}"),
            );
            // 2. Insurance-funded fills past bankruptcy.
            let budget = self
                .venue
                .ledger
                .insurance_fund
                .max(Quote::ZERO)
                .checked_add(self.venue.collateral.reserve_value()?)?;
            if budget.is_positive() {
                let fill = self.venue.markets[market.index()].execute_liquidation(
                    side,
                    remaining,
                    WalkLimit::LossBudget {
                        reference: p_b,
                        budget,
                    },
                )?;
                self.apply_book_fill(account, market, &fill, long)?;
                let loss = shortfall_vs_bankruptcy(&fill, p_b, long)?;
                self.insurance_pays(
                    self.venue.position_pot(account, market),
                    loss.max(Quote::ZERO),
                    market,
                )?;
                remaining = remaining.checked_sub(fill.filled)?;
            }
        }
        // 3. ADL or socialized loss.
        if remaining.is_positive() {
            remaining = match self.config.deficit {
                DeficitPolicy::Adl(rule) => self.deleverage(account, market, remaining, rule)?,
                DeficitPolicy::SocializedLoss => {
                    let fill = self.venue.markets[market.index()].execute_liquidation(
                        side,
                        remaining,
                        WalkLimit::None,
                    )?;
                    self.apply_book_fill(account, market, &fill, long)?;
                    // The loss past bankruptcy is covered at once (the fund first, then
                    // haircuts), as the fund covers phase 2, so the account keeps its
                    // pro-rata equity even when the book runs out mid-way.
                    let loss = shortfall_vs_bankruptcy(&fill, p_b, long)?;
                    if loss.is_positive() {
                        let pot = self.venue.position_pot(account, market);
                        self.resolve_deficit(pot, loss, market)?;
                    }
                    remaining.checked_sub(fill.filled)?
                }
            };
        }
        Ok(CloseOutcome { remaining })
    }

    /// Bankruptcy price of changing `account`'s position in `market` by `delta`.
    fn bankruptcy_for(
        &self,
        account: AccountId,
        market: MarketId,
        delta: Base,
    ) -> Result<Price, EngineError> {
        let v = &self.venue;
        let p = v.position_of(account, market)?;
        let m = &v.markets[market.index()];
        let h = v.group_health(account, v.group_of(account, market))?;
        let before = v.position_maintenance(&p)?;
        let after_notional = p
            .size
            .checked_add(delta)?
            .notional(m.mark_price, Rounding::Ceil)?
            .abs();
        let after = m.params.margin.maintenance_margin(after_notional)?;
        let input = BankruptcyInput {
            delta,
            mark: m.mark_price,
            total_net_collateral: h.equity,
            delta_maintenance: before.checked_sub(after)?,
            total_maintenance: h.maintenance,
        };
        Ok(bankruptcy_price(input)?.unwrap_or(m.mark_price))
    }

    /// Book the account's side of a fill and the liquidity provider's opposite side at
    /// the same average price (and note a book that ran out).
    fn apply_book_fill(
        &mut self,
        account: AccountId,
        market: MarketId,
        fill: &Fill,
        long: bool,
    ) -> Result<(), EngineError> {
        if fill.exhausted {
            self.emit(
                EventKind::BookExhausted,
                Some(market),
                Some(account),
                None,
                "a liquidation consumed every level of the book".into(),
            );
        }
        if !fill.filled.is_positive() {
            return Ok(());
        }
        self.settle_fill(account, market, long, fill)?;
        self.venue.markets[market.index()].last_trade_price = fill.worst_price;
        let stats = &mut self.stats[market.index()];
        stats.liquidation_volume = stats.liquidation_volume.checked_add(fill.notional)?;
        // Closing a long sells to the liquidity provider, which is then long.
        stats.liquidation_base = if long {
            stats.liquidation_base.checked_add(fill.filled)?
        } else {
            stats.liquidation_base.checked_sub(fill.filled)?
        };
        self.totals.liquidation_volume =
            self.totals.liquidation_volume.checked_add(fill.notional)?;
        Ok(())
    }

    /// Taker fee, then liquidation fee, on `notional`, both paid only out of `surplus`:
    /// what the fill beat the bankruptcy price by. dYdX v4 charges its liquidation fee
    /// the same way (`GetLiquidationInsuranceFundDelta`: the fee is
    /// `min(fill − bankruptcy, max fee)`), which guarantees that a liquidation never
    /// leaves the account with a larger margin shortage than it had. The liquidation fee
    /// is split between the liquidator (its share, rounded down) and the insurance fund.
    fn charge_fees(
        &mut self,
        account: AccountId,
        market: MarketId,
        notional: Quote,
        surplus: Quote,
    ) -> Result<(), EngineError> {
        let params = &self.venue.markets[market.index()].params;
        let (liquidation, taker_rate) = (params.liquidation, params.taker_fee);
        let taker = notional.mul_ppm(taker_rate, Rounding::Ceil)?.min(surplus);
        let taker_paid = self.charge(account, market, taker, &[(Pot::FeePool, 1, 1)])?;
        self.totals.taker_fees = self.totals.taker_fees.checked_add(taker_paid)?;
        let rate = self.penalty_rate(market.index(), notional)?;
        let fee = notional
            .mul_ppm(rate, Rounding::Ceil)?
            .min(surplus.checked_sub(taker_paid)?);
        let share = liquidation.liquidator_share.atoms();
        let scale = faultline_units::PPM_SCALE;
        let paid = self.charge(
            account,
            market,
            fee,
            &[
                (Pot::Liquidator(self.current_liquidator), share, scale),
                (Pot::InsuranceFund, scale - share, scale),
            ],
        )?;
        let to_liquidator = paid.mul_div(i128::from(share), i128::from(scale), Rounding::Floor)?;
        self.totals.liquidator_fees = self.totals.liquidator_fees.checked_add(to_liquidator)?;
        self.totals.insurance_fees = self
            .totals
            .insurance_fees
            .checked_add(paid.checked_sub(to_liquidator)?)?;
        Ok(())
    }

    /// Take up to `amount` from the position's pot, never more than the group's
    /// positive equity, and split it across `to` by weights (the first gets its share
    /// rounded down, the last gets the rest). Returns what was taken.
    fn charge(
        &mut self,
        account: AccountId,
        market: MarketId,
        amount: Quote,
        to: &[(Pot, i64, i64)],
    ) -> Result<Quote, EngineError> {
        let pot = self.venue.position_pot(account, market);
        let group = self.venue.group_of(account, market);
        let equity = self
            .venue
            .group_health(account, group)?
            .equity
            .max(Quote::ZERO);
        let take = amount.min(equity);
        if !take.is_positive() {
            return Ok(Quote::ZERO);
        }
        let mut left = take;
        for (i, &(dst, num, den)) in to.iter().enumerate() {
            let part = if i + 1 == to.len() {
                left
            } else {
                take.mul_div(i128::from(num), i128::from(den), Rounding::Floor)?
            };
            self.venue.transfer(pot, dst, part)?;
            left = left.checked_sub(part)?;
        }
        Ok(take)
    }

    /// The insurance fund pays `loss` (or what it has) into `pot`.
    fn insurance_pays(
        &mut self,
        pot: Pot,
        loss: Quote,
        market: MarketId,
    ) -> Result<Quote, EngineError> {
        self.totals.loss_past_bankruptcy = self.totals.loss_past_bankruptcy.checked_add(loss)?;
        self.draw_reserve_for(loss, market)?;
        let paid = loss.min(self.venue.ledger.insurance_fund.max(Quote::ZERO));
        if paid.is_positive() {
            self.venue.transfer(Pot::InsuranceFund, pot, paid)?;
            self.totals.insurance_paid = self.totals.insurance_paid.checked_add(paid)?;
            self.emit(
                EventKind::InsuranceFundDrawn,
                Some(market),
                None,
                Some(paid),
                "the insurance fund paid a loss past bankruptcy".into(),
            );
            if !self.venue.ledger.insurance_fund.is_positive() {
                let start = self.insurance_start();
                self.emit(
                    EventKind::InsuranceFundDepleted,
                    Some(market),
                    None,
                    Some(start),
                    "the insurance fund is empty".into(),
                );
            }
        }
        Ok(paid)
    }

    /// Close `amount` of the bankrupt position against opposing positions at its
    /// bankruptcy price. Returns what could not be placed.
    /// The ADL order of counterparties of a bankrupt position on one side of a market,
    /// built once per block (scores, or the dYdX offset, fixed for the block as venues
    /// refresh their ADL queues periodically) and reused by every deleveraging in it.
    fn adl_order(
        &mut self,
        market: MarketId,
        bankrupt_long: bool,
        rule: AdlRanking,
    ) -> Result<((u16, bool), usize), EngineError> {
        let key = (market.0, bankrupt_long);
        if let Some((block, order, cursor)) = self.adl_queues.get_mut(&key) {
            if *block == self.block.0 {
                // Skip the front of the queue that earlier deleveragings used up.
                let v = &self.venue;
                while *cursor < order.len()
                    && v.accounts[order[*cursor].index()]
                        .position(market)
                        .is_none_or(|p| p.size.is_zero() || p.size.is_positive() == bankrupt_long)
                {
                    *cursor += 1;
                }
                return Ok((key, *cursor));
            }
        }
        let v = &self.venue;
        let mark = v.markets[market.index()].mark_price;
        let mut candidates = Vec::new();
        for a in &v.accounts {
            let Some(q) = a.position(market) else {
                continue;
            };
            if q.size.is_zero() || q.size.is_positive() == bankrupt_long {
                continue;
            }
            let h = v.group_health(a.id, v.group_of(a.id, market))?;
            candidates.push(AdlCandidate {
                account: a.id,
                size: q.size,
                entry_price: q.entry_price,
                mark,
                bankruptcy_price: v.bankruptcy_price(a.id, market)?.unwrap_or(Price::ZERO),
                unrealized_pnl: q.unrealized_pnl(mark)?,
                wallet_balance: h.wallet,
                margin_balance: h.equity,
                maintenance_margin: h.maintenance,
            });
        }
        let offset = if rule == AdlRanking::DydxOffsetWalk {
            usize::try_from(self.adl_rng.random::<u32>()).unwrap_or(0)
        } else {
            0
        };
        let order: Vec<AccountId> = order(rule, &candidates, offset)?
            .into_iter()
            .map(|i| candidates[i].account)
            .collect();
        self.adl_queues.insert(key, (self.block.0, order, 0));
        Ok((key, 0))
    }

    /// Close `amount` of the bankrupt position against opposing positions at its
    /// bankruptcy price, in the rule's order (pro rata: shares of every profitable
    /// opposing position). Counterparties that the bankruptcy price would make insolvent
    /// are skipped (dYdX v4: "non-overlapping bankruptcy prices"). Returns what could not
    /// be placed.
    fn deleverage(
        &mut self,
        account: AccountId,
        market: MarketId,
        amount: Base,
        rule: AdlRanking,
    ) -> Result<Base, EngineError> {
        let pos = self.venue.position_of(account, market)?;
        let long = pos.size.is_positive();
        let delta = if long { amount.checked_neg()? } else { amount };
        let p_b = self.bankruptcy_for(account, market, delta)?;
        let mark = self.venue.markets[market.index()].mark_price;
        let (key, start) = self.adl_order(market, long, rule)?;
        // Counterparties as they stand now, in order, until the amount is covered.
        let mut eligible: Vec<AdlCandidate> = Vec::new();
        let mut available = Base::ZERO;
        let order = self.adl_queues.get(&key).map_or(&[][..], |q| &q.1[start..]);
        for &other in order {
            if rule != AdlRanking::ProRata && available >= amount {
                break;
            }
            if other == account {
                continue;
            }
            let v = &self.venue;
            let Some(q) = v.accounts[other.index()].position(market).copied() else {
                continue;
            };
            if q.size.is_zero() || q.size.is_positive() == long {
                continue;
            }
            let h = v.group_health(other, v.group_of(other, market))?;
            let cost = q.size.notional(p_b.checked_sub(mark)?, Rounding::Floor)?;
            if h.equity.checked_add(cost)?.is_negative() {
                continue;
            }
            available = available.checked_add(q.size.abs())?;
            eligible.push(AdlCandidate {
                account: other,
                size: q.size,
                entry_price: q.entry_price,
                mark,
                bankruptcy_price: Price::ZERO,
                unrealized_pnl: q.unrealized_pnl(mark)?,
                wallet_balance: h.wallet,
                margin_balance: h.equity,
                maintenance_margin: h.maintenance,
            });
        }
        // `eligible` is already in the rule's order; a ranked rule takes it in turn.
        let fills = if rule == AdlRanking::ProRata {
            allocate(rule, &eligible, amount, 0)?
        } else {
            take_in_order(&eligible, amount)?
        };
        let mut placed = Base::ZERO;
        for f in &fills {
            let other = eligible[f.candidate].account;
            let d = if long {
                f.amount.checked_neg()?
            } else {
                f.amount
            };
            self.venue.trade(account, market, d, p_b)?;
            self.venue.trade(other, market, d.checked_neg()?, p_b)?;
            self.touched
                .push(crate::index::key(other, self.venue.group_of(other, market)));
            self.venue.remove_if_flat(other, market)?;
            placed = placed.checked_add(f.amount)?;
            let fill = AdlClose {
                market,
                counterparty: other,
                amount: f.amount,
                bankruptcy: p_b,
                mark,
                long,
            };
            self.record_adl_fill(&fill)?;
        }
        Ok(amount.checked_sub(placed)?)
    }

    /// Count an ADL fill: per-block and run totals, the haircut it passed on (the
    /// bankruptcy price's distance from the mark when it is worse for the counterparty),
    /// and the first-ADL event.
    fn record_adl_fill(&mut self, f: &AdlClose) -> Result<(), EngineError> {
        let notional = f.amount.notional(f.bankruptcy, Rounding::Floor)?;
        let stats = &mut self.stats[f.market.index()];
        stats.adl_count += 1;
        stats.adl_volume = stats.adl_volume.checked_add(notional)?;
        self.totals.adl_events += 1;
        self.totals.adl_volume = self.totals.adl_volume.checked_add(notional)?;
        self.totals.adl_quantity = self.totals.adl_quantity.checked_add(f.amount)?;
        let adverse = if f.long {
            f.bankruptcy.checked_sub(f.mark)?
        } else {
            f.mark.checked_sub(f.bankruptcy)?
        };
        if adverse.is_positive() {
            let haircut = f.amount.notional(adverse, Rounding::Ceil)?;
            self.totals.adl_haircut = self.totals.adl_haircut.checked_add(haircut)?;
        }
        let other = f.counterparty;
        self.emit(
            EventKind::FirstAdl,
            Some(f.market),
            Some(other),
            Some(notional),
            format!(
                "{other} auto-deleveraged at the bankruptcy price {}",
                f.bankruptcy
            ),
        );
        Ok(())
    }

    /// When a group has no open position left, resolve a negative balance and remove
    /// its flat positions.
    pub(crate) fn settle_group_if_closed(
        &mut self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<(), EngineError> {
        let in_group: Vec<(MarketId, bool)> = self.venue.accounts[account.index()]
            .positions
            .iter()
            .filter(|p| self.venue.group_of(account, p.market) == group)
            .map(|p| (p.market, p.size.is_zero()))
            .collect();
        if in_group.iter().any(|&(_, flat)| !flat) {
            return Ok(());
        }
        let pot = Venue::group_pot(account, group);
        let market = in_group.first().map_or(MarketId(0), |&(m, _)| m);
        if matches!(group, MarginGroup::Isolated(_)) && in_group.is_empty() {
            return Ok(());
        }
        let wallet = self.venue.balance(pot)?;
        if wallet.is_negative() {
            self.resolve_deficit(pot, wallet.checked_neg()?, market)?;
        }
        for (m, _) in in_group {
            self.venue.remove_if_flat(account, m)?;
        }
        Ok(())
    }

    fn resolve_deficit(
        &mut self,
        pot: Pot,
        deficit: Quote,
        market: MarketId,
    ) -> Result<(), EngineError> {
        let paid = self.insurance_pays(pot, deficit, market)?;
        let left = deficit.checked_sub(paid)?;
        if !left.is_positive() {
            return Ok(());
        }
        self.venue.transfer(Pot::BadDebt, pot, left)?;
        if self.config.deficit == DeficitPolicy::SocializedLoss {
            // Haircuts are settled once, at the end of the liquidation phase.
            self.pending_socialize = Some((
                self.pending_socialize
                    .map_or(Quote::ZERO, |p| p.0)
                    .checked_add(left)?,
                self.pending_socialize.map_or(market, |p| p.1),
            ));
        }
        Ok(())
    }

    /// End of the liquidation phase: settle the block's socialized loss in one haircut,
    /// then report any deficit nothing covered.
    pub(crate) fn settle_deficits(&mut self) -> Result<(), EngineError> {
        let mut market = None;
        if let Some((amount, m)) = self.pending_socialize.take() {
            self.socialize(amount, m)?;
            market = Some(m);
        }
        // Rounding dust (at most one atom per ADL fill) stays recorded in the bad-debt
        // ledger but is not reported as a failure until it reaches one quote unit.
        if self.venue.ledger.bad_debt() >= Quote::ONE {
            let outstanding = self.venue.ledger.bad_debt();
            self.emit(
                EventKind::UncoveredBadDebt,
                market,
                None,
                Some(outstanding),
                "a deficit is left that nothing covered".into(),
            );
        }
        Ok(())
    }

    /// Haircut profitable positions pro rata by unrealized profit to cover `amount` of
    /// bad debt; returns what was covered.
    fn socialize(&mut self, amount: Quote, market: MarketId) -> Result<Quote, EngineError> {
        let v = &self.venue;
        let mut winners: Vec<(Pot, i64)> = Vec::new();
        for a in &v.accounts {
            for p in &a.positions {
                let upnl = p.unrealized_pnl(v.markets[p.market.index()].mark_price)?;
                if upnl.is_positive() {
                    winners.push((v.position_pot(a.id, p.market), upnl.atoms()));
                }
            }
        }
        let weights: Vec<i64> = winners.iter().map(|w| w.1).collect();
        let total: i64 = weights.iter().sum();
        let target = amount.atoms().min(total);
        let shares = split_pro_rata(target, &weights)?;
        for (&(pot, _), share) in winners.iter().zip(shares) {
            self.venue
                .transfer(pot, Pot::BadDebt, Quote::from_atoms(share))?;
            // A haircut lowers equity: the winner's triggers must be recomputed.
            match pot {
                Pot::Cross(a) => self
                    .index
                    .mark_dirty(crate::index::key(a, MarginGroup::Cross)),
                Pot::Isolated(a, m) => self
                    .index
                    .mark_dirty(crate::index::key(a, MarginGroup::Isolated(m))),
                _ => {}
            }
        }
        let covered = Quote::from_atoms(target);
        if covered.is_positive() {
            self.totals.socialized_loss = self.totals.socialized_loss.checked_add(covered)?;
            let stats = &mut self.stats[market.index()];
            stats.socialized_loss = stats.socialized_loss.checked_add(covered)?;
            self.emit(
                EventKind::SocializedLoss,
                Some(market),
                None,
                Some(covered),
                "profitable accounts were haircut to cover bad debt".into(),
            );
        }
        Ok(covered)
    }
}

/// How much worse than the bankruptcy price a fill was, in quote: positive is a loss
/// past bankruptcy, negative the surplus the fill beat it by. A long sells (worse is
/// lower), a short buys back (worse is higher).
fn shortfall_vs_bankruptcy(fill: &Fill, p_b: Price, long: bool) -> Result<Quote, EngineError> {
    let rounding = if long {
        Rounding::Ceil
    } else {
        Rounding::Floor
    };
    let at_bankruptcy = fill.filled.notional(p_b, rounding)?;
    Ok(if long {
        at_bankruptcy.checked_sub(fill.notional)?
    } else {
        fill.notional.checked_sub(at_bankruptcy)?
    })
}

/// Fill `amount` from candidates in the order given.
fn take_in_order(candidates: &[AdlCandidate], amount: Base) -> Result<Vec<AdlFill>, EngineError> {
    let mut fills = Vec::new();
    let mut left = amount.abs();
    for (i, c) in candidates.iter().enumerate() {
        if !left.is_positive() {
            break;
        }
        let take = c.size.abs().min(left);
        if take.is_positive() {
            fills.push(AdlFill {
                candidate: i,
                amount: take,
            });
            left = left.checked_sub(take)?;
        }
    }
    Ok(fills)
}
