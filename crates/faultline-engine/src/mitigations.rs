//! Mitigations, each switchable per scenario: volatility-scaled margin, circuit breakers,
//! insurance-fund top-ups, non-linear liquidation penalties and a backstop vault whose
//! depositors may run. (Staged liquidation and isolated margin live with the liquidation
//! engine and the margin groups.)

use crate::events::EventKind;
use crate::sim::{EngineError, Simulation};
use faultline_state::{BookSide, MarginGroup, MarginMode, Pot, Venue, WalkLimit};
use faultline_units::{AccountId, Base, MarketId, Ppm, Price, Quote, Rounding};

const MS_PER_YEAR: f64 = 365.0 * 24.0 * 3_600_000.0;

/// Volatility-scaled margin: requirements × `clamp(σ / σ_ref, 1, max_multiplier)`, with σ
/// the EWMA realized volatility of the reference (or a supplied implied-volatility series).
#[derive(Debug, Clone, PartialEq)]
pub struct VolMargin {
    /// Annual volatility at which requirements are as scheduled.
    pub reference_vol_annual: f64,
    /// The largest multiplier.
    pub max_multiplier: f64,
    /// Implied volatility per block (annualized); replaces the EWMA estimate when given.
    pub implied_vol: Option<Vec<f64>>,
}

/// A circuit breaker on one market.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreaker {
    /// Trip when the mark moves more than this fraction in one block.
    pub price_band: Option<Ppm>,
    /// Trip when realized volatility (annualized EWMA) exceeds this.
    pub vol_halt_annual: Option<f64>,
    /// Blocks a trip halts for (the cooldown).
    pub halt_blocks: u64,
    /// Halt liquidations.
    pub halt_liquidations: bool,
    /// Halt traders' orders.
    pub halt_trading: bool,
}

/// Non-linear liquidation penalty: `fee × (1 + (notional / reference)^exponent)`, at most
/// `max_fee`, so large positions internalize more of the impact they cause.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PenaltyCurve {
    /// Notional at which the penalty doubles.
    pub reference_notional: f64,
    /// Curvature.
    pub exponent: f64,
    /// Cap on the fee rate.
    pub max_fee: Ppm,
}

/// Treasury top-ups of the insurance fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsuranceTopUp {
    /// Top up while the fund is below this.
    pub below: Quote,
    /// Per block.
    pub per_block: Quote,
    /// In total.
    pub budget: Quote,
}

/// A backstop liquidity vault (Hyperliquid's HLP): takes over the positions and margin of
/// a group whose equity falls below `takeover_below_ratio` of maintenance, then unwinds
/// them into the book; depositors withdraw when it draws down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backstop {
    /// The vault's account.
    pub account: AccountId,
    /// Its capital at the start.
    pub capital: Quote,
    /// Take over below this equity / maintenance (Hyperliquid: 2/3).
    pub takeover_below_ratio: Ppm,
    /// Fraction of each held position sold into the book per block.
    pub unwind_per_block: Ppm,
    /// Depositors run once equity falls this fraction below the starting capital.
    pub run_drawdown: Option<Ppm>,
    /// Fraction of the vault's free balance withdrawn per block during a run.
    pub run_per_block: Ppm,
}

impl Simulation {
    /// Volatility-scaled margin multiplier and circuit-breaker trips for market `i`
    /// (phase 5, after the mark is set).
    pub(crate) fn apply_market_mitigations(
        &mut self,
        i: usize,
        previous_mark: Price,
    ) -> Result<(), EngineError> {
        let block = self.block.0;
        let dt = self.config.block_time_ms as f64 / MS_PER_YEAR;
        let rt = &self.runtimes[i];
        let realized = (rt.state.ewma_var / dt).sqrt();
        if let Some(v) = &rt.vol_margin {
            let sigma = v.implied_vol.as_ref().map_or(realized, |iv| {
                iv.get(usize::try_from(block).unwrap_or(usize::MAX))
                    .or(iv.last())
                    .copied()
                    .unwrap_or(realized)
            });
            let m =
                (sigma / v.reference_vol_annual.max(1e-12)).clamp(1.0, v.max_multiplier.max(1.0));
            self.venue.markets[i].margin_multiplier = Ppm::from_f64(m)?;
        }
        let Some(cb) = self.runtimes[i].breaker else {
            return Ok(());
        };
        let mark = self.venue.markets[i].mark_price;
        let moved = previous_mark.is_positive()
            && cb.price_band.is_some_and(|band| {
                mark.checked_sub(previous_mark)
                    .ok()
                    .and_then(|d| d.abs().ratio_to(previous_mark, Rounding::Floor).ok())
                    .is_some_and(|r| r > band)
            });
        let volatile = cb.vol_halt_annual.is_some_and(|t| realized > t);
        let rt = &mut self.runtimes[i];
        if (moved || volatile) && block >= rt.halted_until {
            rt.halted_until = block + cb.halt_blocks;
            self.totals.breaker_trips += 1;
            let id = self.venue.markets[i].id;
            let why = if moved {
                "the mark moved beyond the price band"
            } else {
                "realized volatility passed the halt threshold"
            };
            self.emit(
                EventKind::CircuitBreakerTripped,
                Some(id),
                None,
                None,
                format!("{why}: halted for {} blocks", cb.halt_blocks),
            );
        }
        if block < self.runtimes[i].halted_until {
            self.totals.halted_blocks += 1;
        }
        Ok(())
    }

    /// True if a breaker halts liquidations in market `i` now.
    pub(crate) fn liquidations_halted(&self, i: usize) -> bool {
        let rt = &self.runtimes[i];
        rt.breaker.is_some_and(|b| b.halt_liquidations) && self.block.0 < rt.halted_until
    }

    /// True if a breaker halts traders' orders in market `i` now.
    pub(crate) fn trading_halted(&self, i: usize) -> bool {
        let rt = &self.runtimes[i];
        rt.breaker.is_some_and(|b| b.halt_trading) && self.block.0 < rt.halted_until
    }

    /// The liquidation fee rate for `notional` in market `i`.
    pub(crate) fn penalty_rate(&self, i: usize, notional: Quote) -> Result<Ppm, EngineError> {
        let base = self.venue.markets[i].params.liquidation.fee;
        let Some(curve) = self.runtimes[i].penalty else {
            return Ok(base);
        };
        let x = notional.to_f64() / curve.reference_notional.max(1e-9);
        let rate = base.to_f64() * (1.0 + libm::pow(x.max(0.0), curve.exponent));
        Ok(Ppm::from_f64(rate)?.min(curve.max_fee).max(base))
    }

    /// Top the insurance fund up from the treasury (an external inflow).
    pub(crate) fn insurance_topup(&mut self) -> Result<(), EngineError> {
        let Some(t) = self.topup else { return Ok(()) };
        let fund = self.venue.ledger.insurance_fund;
        if fund >= t.below {
            return Ok(());
        }
        let amount = t
            .per_block
            .min(t.budget.checked_sub(self.totals.insurance_topped_up)?)
            .min(t.below.checked_sub(fund)?);
        if amount.is_positive() {
            self.venue.inject(Pot::InsuranceFund, amount)?;
            self.totals.insurance_topped_up =
                self.totals.insurance_topped_up.checked_add(amount)?;
        }
        Ok(())
    }

    /// Should the backstop take this group over now?
    pub(crate) fn backstop_takes(
        &self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<bool, EngineError> {
        let Some(b) = self.backstop else {
            return Ok(false);
        };
        let vault = self.venue.group_health(b.account, MarginGroup::Cross)?;
        if !vault.equity.is_positive() {
            return Ok(false);
        }
        let h = self.venue.group_health(account, group)?;
        Ok(Venue::margin_ratio(&h)?.is_some_and(|r| r < b.takeover_below_ratio))
    }

    /// The vault takes the group's positions at the mark and its margin; a negative
    /// margin is paid by the vault.
    pub(crate) fn backstop_takeover(
        &mut self,
        account: AccountId,
        group: MarginGroup,
    ) -> Result<(), EngineError> {
        let Some(b) = self.backstop else {
            return Ok(());
        };
        let positions: Vec<(MarketId, Base)> = self.venue.accounts[account.index()]
            .positions
            .iter()
            .filter(|p| self.venue.group_of(account, p.market) == group && !p.size.is_zero())
            .map(|p| (p.market, p.size))
            .collect();
        for (market, size) in positions {
            let mark = self.venue.markets[market.index()].mark_price;
            self.venue
                .trade(account, market, size.checked_neg()?, mark)?;
            self.venue
                .ensure_position(b.account, market, MarginMode::Cross, None)?;
            self.venue.trade(b.account, market, size, mark)?;
            let notional = size.notional(mark, Rounding::Floor)?.abs();
            self.totals.backstop_volume = self.totals.backstop_volume.checked_add(notional)?;
            self.emit(
                EventKind::BackstopTakeover,
                Some(market),
                Some(account),
                Some(notional),
                format!("the backstop vault took over {account}'s position"),
            );
        }
        self.totals.backstop_takeovers += 1;
        let pot = Venue::group_pot(account, group);
        let wallet = self.venue.balance(pot)?;
        self.venue
            .transfer_signed(pot, Pot::Cross(b.account), wallet)?;
        self.settle_group_if_closed(account, group)
    }

    /// The vault sells part of what it holds into the book; its depositors run when it
    /// has drawn down past their threshold.
    pub(crate) fn backstop_block(&mut self) -> Result<(), EngineError> {
        let Some(b) = self.backstop else {
            return Ok(());
        };
        let held: Vec<(MarketId, Base)> = self.venue.accounts[b.account.index()]
            .positions
            .iter()
            .filter(|p| !p.size.is_zero())
            .map(|p| (p.market, p.size))
            .collect();
        for (market, size) in held {
            let m = &self.venue.markets[market.index()];
            if m.book_offline || self.liquidations_halted(market.index()) {
                continue;
            }
            let qty = size
                .abs()
                .mul_ppm(b.unwind_per_block, Rounding::Ceil)?
                .min(size.abs());
            let long = size.is_positive();
            let side = if long { BookSide::Bid } else { BookSide::Ask };
            let fill =
                self.venue.markets[market.index()]
                    .book
                    .execute(side, qty, WalkLimit::None)?;
            if fill.filled.is_positive() {
                self.settle_fill(b.account, market, long, &fill)?;
                self.venue.remove_if_flat(b.account, market)?;
            }
        }
        if let Some(dd) = b.run_drawdown {
            let h = self.venue.group_health(b.account, MarginGroup::Cross)?;
            let floor = b
                .capital
                .mul_ppm(Ppm::ONE.checked_sub(dd)?, Rounding::Floor)?;
            if h.equity < floor {
                let free = self.venue.accounts[b.account.index()]
                    .cross_balance
                    .checked_sub(h.maintenance)?
                    .max(Quote::ZERO);
                let out = free.mul_ppm(b.run_per_block, Rounding::Floor)?;
                if out.is_positive() {
                    self.venue.withdraw(Pot::Cross(b.account), out)?;
                    self.totals.vault_withdrawn = self.totals.vault_withdrawn.checked_add(out)?;
                    self.emit(
                        EventKind::VaultRun,
                        None,
                        Some(b.account),
                        Some(out),
                        "depositors are running on the backstop vault".into(),
                    );
                }
            }
        }
        Ok(())
    }
}
