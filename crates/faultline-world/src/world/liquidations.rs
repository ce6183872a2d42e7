//! A lending market's block: interest, the borrowers below health factor 1, and the
//! liquidators who size, check and send their calls and sell what they seize.

use super::World;
use crate::agents::{preview_route, sell_route};
use crate::lending::Lending;
use crate::record::WorldEventKind;
use crate::spec::ChainId;
use crate::WorldError;
use faultline_units::{mul_div_wide, Amount, AssetId, Price, Rounding};

/// How many sizes a liquidator tries before giving a liquidation up as unprofitable.
const SIZE_TRIES: usize = 6;

/// What became of one liquidation attempt.
enum Attempt {
    Done,
    Unprofitable,
    Blocked,
}

impl World {
    pub(super) fn lending_block(
        &mut self,
        m: &mut Lending,
        p: usize,
        chain: ChainId,
    ) -> Result<(), WorldError> {
        let block_time_ms = self.spec.chains[chain.index()].block_time_ms;
        m.accrue(&self.ledger, block_time_ms)?;
        self.close_on_rate(m)?;
        let prices = self.reserve_prices(m);
        let candidates = m.candidates(&prices)?;
        m.stats.liquidatable = u64::try_from(candidates.len()).unwrap_or(u64::MAX);
        let watchers = self.watchers(p);
        let mut used = vec![0u32; self.liquidators.len()];
        for c in candidates {
            for &k in &watchers {
                if used[k] >= self.liquidators[k].spec.max_per_block
                    || !self.under_gas_cap(k, chain)
                {
                    continue;
                }
                if self.liquidate_sized(m, k, c, &prices, chain)? {
                    used[k] += 1;
                    break;
                }
            }
        }
        self.fund_covers(m, &prices)?;
        self.depositors_run(m, &prices)
    }

    /// The reserve fund covers each reserve's deficit: first with what it holds of that
    /// asset, then selling its other holdings on their pools for it.
    fn fund_covers(&mut self, m: &mut Lending, prices: &[Price]) -> Result<(), WorldError> {
        let Some(fund) = m.fund else {
            return Ok(());
        };
        for (i, &price) in prices.iter().enumerate().take(m.reserves.len()) {
            if m.reserves[i].deficit <= 0 {
                continue;
            }
            let asset = m.spec.reserves[i].asset;
            m.cover_deficit(&mut self.ledger, i, m.reserves[i].deficit, price)?;
            for h in m.spec.reserve_fund.clone() {
                let need = m.reserves[i].deficit;
                let Some(v) = h.sell_on.filter(|_| need > 0 && h.asset != asset) else {
                    continue;
                };
                let pool = &self.pools[v.index()];
                let dir = if pool.base == h.asset {
                    crate::pool::Direction::SellBase
                } else {
                    crate::pool::Direction::BuyBase
                };
                let out_asset = if pool.base == h.asset {
                    pool.quote
                } else {
                    pool.base
                };
                if out_asset != asset {
                    continue;
                }
                let held = self.ledger.balance(fund, h.asset).atoms();
                let sell = pool
                    .amount_in(&self.ledger, dir, need)?
                    .map_or(held, |x| x.min(held));
                if sell > 0 {
                    crate::agents::swap(&mut self.ledger, pool, fund, Amount::new(h.asset, sell))?;
                }
                m.cover_deficit(&mut self.ledger, i, need, price)?;
            }
        }
        Ok(())
    }

    /// Rate-sensitive borrowers whose rate passed their level close their loans: when
    /// their collateral, sold along their route, covers the debt, they withdraw it, sell
    /// it and repay — forced sales into the pools they name.
    fn close_on_rate(&mut self, m: &mut Lending) -> Result<(), WorldError> {
        if self.sales_cut() {
            return Ok(());
        }
        let n = m.spec.reserves.len();
        for b in m.closing(&self.ledger)? {
            let Some(rule) = m.repay_rule(b).cloned() else {
                continue;
            };
            let mut fetch = vec![0i128; n];
            for i in 0..n {
                let c = m.collateral_of(b, i)?;
                if c > 0 && !rule.route.is_empty() {
                    let asset = m.spec.reserves[i].asset;
                    let out = crate::agents::preview_route(
                        &self.ledger,
                        &self.pools,
                        &self.route_from(asset, &rule.route),
                        Amount::new(asset, c),
                    )?;
                    if let Some(j) = m.reserve_of(out.asset()) {
                        fetch[j] += out.atoms();
                    }
                }
            }
            let covers = (0..n).all(|i| fetch[i] >= m.debt_of(b, i).unwrap_or(i128::MAX));
            if !covers {
                continue;
            }
            let got = m.withdraw_collateral(&mut self.ledger, b, m.wallets)?;
            for (i, atoms) in got.into_iter().enumerate() {
                if atoms > 0 {
                    let asset = m.spec.reserves[i].asset;
                    let route = self.route_from(asset, &rule.route);
                    sell_route(
                        &mut self.ledger,
                        &self.pools,
                        m.wallets,
                        &route,
                        Amount::new(asset, atoms),
                    )?;
                }
            }
            for i in 0..n {
                let owed = m.debt_of(b, i)?;
                m.repay(&mut self.ledger, b, i, m.wallets, owed)?;
            }
            m.closed_on_rate += 1;
        }
        Ok(())
    }

    /// The part of `route` starting at the first venue that trades `asset`.
    fn route_from(
        &self,
        asset: faultline_units::AssetId,
        route: &[crate::spec::VenueId],
    ) -> Vec<crate::spec::VenueId> {
        let start = route
            .iter()
            .position(|v| {
                let p = &self.pools[v.index()];
                p.base == asset || p.quote == asset
            })
            .unwrap_or(route.len());
        route[start..].to_vec()
    }

    /// After liquidations, the market's depositors decide and withdraw.
    fn depositors_run(&mut self, m: &mut Lending, prices: &[Price]) -> Result<(), WorldError> {
        for (i, r) in m.depositors_block(&mut self.ledger, prices)? {
            let subject = m.spec.name.clone();
            let symbol = self.ledger.symbol(m.spec.reserves[i].asset).to_string();
            if r.left > 0 {
                self.emit(
                    WorldEventKind::BankRun,
                    subject.clone(),
                    format!("{} of {} {symbol} depositors ran", r.left, r.active),
                );
            }
            if r.refused {
                self.emit(
                    WorldEventKind::WithdrawalsRefused,
                    subject,
                    format!("{symbol} withdrawals wait: the reserve's cash is gone"),
                );
            }
        }
        Ok(())
    }

    /// A liquidator sizes its call: the most it may cover, or as much as its capital
    /// pays for, then halves (up to [`SIZE_TRIES`] times) while slippage on the route
    /// makes it unprofitable, as searchers choose `debtToCover`. Returns true when a call
    /// was executed.
    fn liquidate_sized(
        &mut self,
        m: &mut Lending,
        k: usize,
        c: crate::lending::Candidate,
        prices: &[Price],
        chain: ChainId,
    ) -> Result<bool, WorldError> {
        let mut cover = i128::MAX;
        for _ in 0..SIZE_TRIES {
            // Health may have changed with earlier liquidations this block.
            let Some(it) = m.intent_sized(c, prices, cover)? else {
                return Ok(false);
            };
            let affordable = self.affordable(k, m.spec.reserves[it.debt_reserve].asset, chain)?;
            if it.outcome.debt_repaid > affordable && affordable > 0 && affordable < cover {
                cover = affordable;
                continue;
            }
            match self.try_liquidate(m, k, &it, prices, chain)? {
                Attempt::Done => return Ok(true),
                Attempt::Unprofitable => cover = it.outcome.debt_repaid / 2,
                Attempt::Blocked => return Ok(false),
            }
            if cover <= 0 {
                break;
            }
        }
        m.stats.skipped_unprofitable += 1;
        let name = m.spec.name.clone();
        self.emit(
            WorldEventKind::LiquidationUnprofitable,
            name,
            format!(
                "no size of borrower {}'s liquidation pays for its slippage and gas",
                c.borrower
            ),
        );
        Ok(false)
    }

    /// The gas price on `chain` now, wei per unit: a spike's, else the replayed or fixed
    /// price.
    pub(super) fn gas_price_wei(&self, chain: ChainId) -> u128 {
        let ch = &self.spec.chains[chain.index()];
        let tick = usize::try_from(self.tick).unwrap_or(usize::MAX);
        let base = ch
            .gas_path_wei
            .get(tick.min(ch.gas_path_wei.len().saturating_sub(1)))
            .copied()
            .unwrap_or(ch.gas_price_wei);
        ch.gas_spikes
            .iter()
            .find(|s| (s.start_tick..s.end_tick).contains(&self.tick))
            .map_or(base, |s| s.gas_price_wei)
    }

    /// Liquidator `k` would send a transaction on `chain` at today's gas price.
    pub(super) fn under_gas_cap(&self, k: usize, chain: ChainId) -> bool {
        self.liquidators[k]
            .spec
            .max_gas_wei
            .is_none_or(|cap| self.gas_price_wei(chain) <= cap)
    }

    /// Atoms of `asset` liquidator `k` can spend on a call after setting aside its gas.
    fn affordable(&self, k: usize, asset: AssetId, chain: ChainId) -> Result<i128, WorldError> {
        let liq = &self.liquidators[k];
        let held = self.ledger.balance(liq.wallet, asset).atoms();
        let gas = self.gas_cost(chain, liq.spec.gas_per_liquidation)?;
        Ok(if gas.asset() == asset {
            held - gas.atoms()
        } else {
            held
        })
    }

    /// One liquidator's attempt at one intent: checks cash, capital, gas and profit,
    /// then executes, pays gas and sells the collateral along its route.
    fn try_liquidate(
        &mut self,
        m: &mut Lending,
        k: usize,
        it: &crate::lending::Intent,
        prices: &[Price],
        chain: ChainId,
    ) -> Result<Attempt, WorldError> {
        let name = m.spec.name.clone();
        let (ds, cs) = (
            m.spec.reserves[it.debt_reserve].clone(),
            m.spec.reserves[it.collateral_reserve].clone(),
        );
        let o = it.outcome;
        if m.cash(&self.ledger, it.collateral_reserve) < o.collateral_to_liquidator + o.protocol_fee
        {
            m.stats.skipped_no_cash += 1;
            self.emit(
                WorldEventKind::NoCashToSeize,
                name,
                format!(
                    "no {} cash to pay a liquidator",
                    self.ledger.symbol(cs.asset)
                ),
            );
            return Ok(Attempt::Blocked);
        }
        let liq = &self.liquidators[k];
        let gas = self.gas_cost(chain, liq.spec.gas_per_liquidation)?;
        let needs_debt = Amount::new(ds.asset, o.debt_repaid);
        let has = |a: Amount| self.ledger.balance(liq.wallet, a.asset()).atoms() >= a.atoms();
        let enough = if ds.asset == gas.asset() {
            has(needs_debt.checked_add(gas)?)
        } else {
            has(needs_debt) && has(gas)
        };
        if !enough {
            m.stats.skipped_no_capital += 1;
            let who = liq.spec.name.clone();
            self.emit(
                WorldEventKind::LiquidatorOutOfCapital,
                name,
                format!("{who} lacks {} or gas", self.ledger.symbol(ds.asset)),
            );
            return Ok(Attempt::Blocked);
        }
        // Expected profit at the outside market: what the route returns, less the debt
        // repaid and gas.
        let route = if self.sales_cut() {
            Vec::new()
        } else {
            liq.route(cs.asset).to_vec()
        };
        let seized = Amount::new(cs.asset, o.collateral_to_liquidator);
        let proceeds = preview_route(&self.ledger, &self.pools, &route, seized)?;
        let gain = self.value_at_reference(proceeds, Rounding::Floor)?;
        let gas_value = self.value_at_reference(gas, Rounding::Ceil)?;
        let cost = self
            .value_at_reference(needs_debt, Rounding::Ceil)?
            .checked_add(gas_value)?;
        if gain.checked_sub(cost)? < liq.spec.min_profit {
            return Ok(Attempt::Unprofitable);
        }
        let wallet = liq.wallet;
        let first = m.stats.liquidations == 0;
        let written_off = m.execute(&mut self.ledger, wallet, it, prices)?;
        self.ledger.external_out(wallet, gas)?;
        sell_route(&mut self.ledger, &self.pools, wallet, &route, seized)?;
        let liq = &mut self.liquidators[k];
        liq.liquidations += 1;
        liq.gas_paid = liq.gas_paid.checked_add(gas_value)?;
        if first {
            self.emit(
                WorldEventKind::FirstLiquidation,
                name.clone(),
                format!("borrower {} liquidated", it.borrower),
            );
        }
        if written_off.0 > 0 {
            self.emit(
                WorldEventKind::FirstShortfall,
                name,
                format!(
                    "${:.0} of debt left without collateral",
                    written_off.to_f64()
                ),
            );
        }
        Ok(Attempt::Done)
    }

    /// What `gas_units` cost on `chain` now, in its gas asset (the replayed or fixed gas
    /// price, or a spike's, in wei per unit; the asset's decimals scale wei).
    pub(super) fn gas_cost(&self, chain: ChainId, gas_units: u64) -> Result<Amount, WorldError> {
        let ch = &self.spec.chains[chain.index()];
        let gas_wei = self.gas_price_wei(chain);
        // Wei are 10⁻¹⁸ of the gas asset: scale to its decimals (down, or up past 18).
        let decimals = i32::from(self.spec.assets[ch.gas_asset.index()].decimals);
        let wei = i128::try_from(gas_wei).unwrap_or(i128::MAX);
        let (num, den) = if decimals >= 18 {
            (10i128.pow(u32::try_from(decimals - 18).unwrap_or(0)), 1)
        } else {
            (1, 10i128.pow(u32::try_from(18 - decimals).unwrap_or(0)))
        };
        let atoms = mul_div_wide(
            mul_div_wide(wei, i128::from(gas_units), 1, Rounding::Ceil)?,
            num,
            den,
            Rounding::Ceil,
        )?;
        Ok(Amount::new(ch.gas_asset, atoms))
    }
}
