//! The CDP's block and the agents that act on it: keepers who bark unsafe vaults and
//! take collateral from auctions, and holders who sell a falling asset.

use super::{Protocol, World};
use crate::agents::{preview_route, sell_route, size_toward, swap};
use crate::cdp::Cdp;
use crate::record::WorldEventKind;
use crate::spec::ChainId;
use crate::spec::KeeperStrategy;
use crate::WorldError;
use faultline_math::maker::{max_dent, min_tend};
use faultline_units::{mul_div_wide, Amount, Price, Rounding, Value};

impl World {
    /// Every ilk's oracle price, in ilk order.
    pub fn ilk_prices(&self, c: &Cdp) -> Vec<Price> {
        c.spec
            .ilks
            .iter()
            .map(|i| self.oracles[i.oracle.index()].price())
            .collect()
    }

    /// One block of a CDP: bark (the first watching keeper is paid), reset stale
    /// auctions, keepers take in file order, auctions settle, the surplus heals.
    pub(super) fn cdp_block(
        &mut self,
        c: &mut Cdp,
        p: usize,
        chain: ChainId,
    ) -> Result<(), WorldError> {
        let prices = self.ilk_prices(c);
        let now = self.time_ms();
        // Fees accrue whether or not a keeper is watching (anyone may call `drip`).
        c.drip(
            &mut self.ledger,
            self.spec.chains[chain.index()].block_time_ms / 1_000,
        )?;
        let keepers = self.watchers(p);
        // Nobody watches the CDP, or every watcher is priced out by gas: nothing is
        // barked this block (Maker needs a keeper to send the transaction).
        let Some(&first) = keepers.iter().find(|&&k| self.under_gas_cap(k, chain)) else {
            return Ok(());
        };
        let before = c.auctions.len();
        let barks = c.stats.barks;
        let reward = c.bark_all(&prices, now)?;
        c.move_to_clipper(&mut self.ledger, before)?;
        let wallet = self.liquidators[first].wallet;
        c.pay_incentive(&mut self.ledger, wallet, reward)?;
        if barks == 0 && c.stats.barks > 0 {
            let name = c.spec.name.clone();
            self.emit(
                WorldEventKind::FirstLiquidation,
                name,
                format!("{} vault(s) barked", c.stats.barks),
            );
        }
        let reward = c.redo_all(&prices, now)?;
        c.pay_incentive(&mut self.ledger, wallet, reward)?;
        // English bids move no pool, so a keeper values a lot of a given ilk and size
        // once per block, (keeper, ilk, lot atoms) → worth along its route, until a Dutch
        // take sells into the pools.
        let mut worth = std::collections::BTreeMap::new();
        for k in 0..c.auctions.len() {
            let english = c.auctions[k].is_english(&c.spec);
            for &kp in &keepers {
                if english {
                    self.keeper_bid(c, kp, k, chain, &mut worth)?;
                } else {
                    self.keeper_take(c, kp, k, &prices, chain)?;
                    worth.clear();
                }
            }
        }
        self.peg_defence(c, &prices)?;
        let bad_before = c.stats.bad_debt;
        self.english_deals(c, &prices)?;
        let bad = c.settle(&mut self.ledger)? + c.stats.bad_debt - bad_before;
        if bad > 0 {
            let name = c.spec.name.clone();
            let units = bad as f64 / 10f64.powi(i32::from(c.spec.stable_decimals));
            let symbol = self.ledger.symbol(c.spec.stablecoin).to_string();
            self.emit(
                WorldEventKind::FirstShortfall,
                name,
                format!(
                    "an auction ran out of collateral with {units:.0} {symbol} of debt unraised"
                ),
            );
        }
        c.heal(&mut self.ledger)?;
        self.debt_auctions(c, p)
    }

    /// Vault owners trade the CDP's pool back toward the peg band (see
    /// [`crate::cdp::PegDefence`]).
    fn peg_defence(&mut self, c: &mut Cdp, prices: &[Price]) -> Result<(), WorldError> {
        let Some(pd) = c.spec.peg else {
            return Ok(());
        };
        let pool = self.pools[pd.venue.index()].clone();
        let quote_price = self.reference[pool.quote.index()];
        if !quote_price.is_positive() {
            return Ok(());
        }
        // Pool prices are quote units per stablecoin: the band's edges in those units.
        let in_quote = |p: Price| -> Result<Price, WorldError> {
            let atoms = mul_div_wide(
                i128::from(p.atoms()),
                100_000_000,
                i128::from(quote_price.atoms()),
                Rounding::Floor,
            )?;
            Ok(Price::from_atoms(i64::try_from(atoms).map_err(|_| {
                faultline_units::ArithmeticError::new("peg")
            })?))
        };
        let (upper, lower) = (
            in_quote(Cdp::band_edge(pd.band, true)?)?,
            in_quote(Cdp::band_edge(pd.band, false)?)?,
        );
        let mid = pool.mid(&self.ledger)?;
        let owners = c.owners;
        if mid > upper {
            let cap = c.at_par(pd.per_block)?;
            let size = size_toward(&self.ledger, &pool, true, upper, cap)?;
            let drawn = c.draw(&mut self.ledger, prices, pd.min_collateralization, size)?;
            if drawn > 0 {
                let got = swap(
                    &mut self.ledger,
                    &pool,
                    owners,
                    Amount::new(c.spec.stablecoin, drawn),
                )?;
                self.ledger.external_out(owners, got)?;
            }
        } else if mid < lower {
            let qd = self.spec.assets[pool.quote.index()].decimals;
            let cap =
                Amount::for_value(pool.quote, pd.per_block, quote_price, qd, Rounding::Floor)?;
            let size = size_toward(&self.ledger, &pool, false, lower, cap.atoms())?;
            if size > 0 {
                self.ledger
                    .external_in(owners, Amount::new(pool.quote, size))?;
                let got = swap(
                    &mut self.ledger,
                    &pool,
                    owners,
                    Amount::new(pool.quote, size),
                )?;
                c.wipe(&mut self.ledger, got.atoms())?;
            }
        }
        Ok(())
    }

    /// English deals: winners receive their lots and sell them along their routes.
    fn english_deals(&mut self, c: &mut Cdp, prices: &[Price]) -> Result<(), WorldError> {
        let wallets: Vec<_> = self.liquidators.iter().map(|l| l.wallet).collect();
        let now = self.time_ms();
        for w in c.english_settle(&mut self.ledger, &wallets, prices, now)? {
            let asset = c.spec.ilks[w.ilk].asset;
            if self.sales_cut() {
                continue;
            }
            let route = self.liquidators[w.keeper].route(asset).to_vec();
            sell_route(
                &mut self.ledger,
                &self.pools,
                wallets[w.keeper],
                &route,
                Amount::new(asset, w.lot),
            )?;
        }
        Ok(())
    }

    /// One keeper's bid in English auction `k`: under its gas cap, a `tend` (its
    /// valuation, or the smallest raise for a lowballer) while the bid is under the tab,
    /// then a `dent` (the least collateral its valuation needs, or the largest step
    /// down); each only when the lot, sold along its route, beats the bid plus gas by
    /// its margin.
    fn keeper_bid(
        &mut self,
        c: &mut Cdp,
        kp: usize,
        k: usize,
        chain: ChainId,
        worths: &mut std::collections::BTreeMap<(usize, usize, i128), Value>,
    ) -> Result<(), WorldError> {
        let a = c.auctions[k];
        let Some(e) = c.spec.ilks[a.ilk].english else {
            return Ok(());
        };
        if a.winner == Some(kp) || !self.under_gas_cap(kp, chain) {
            return Ok(());
        }
        let (stable, asset) = (c.spec.stablecoin, c.spec.ilks[a.ilk].asset);
        let keeper = &self.liquidators[kp];
        let beg = i128::from(e.beg.atoms());
        // What the contract accepts next, before valuing anything: a keeper that cannot
        // pay it (or its gas) does not bid.
        let least = if a.bid < a.tab {
            min_tend(a.bid, a.tab, beg)?
        } else {
            a.tab
        };
        if self.ledger.balance(keeper.wallet, stable).atoms() < least {
            c.stats.skipped_no_capital += 1;
            return Ok(());
        }
        let gas = self.gas_cost(chain, keeper.spec.gas_per_liquidation)?;
        let capital = self.ledger.balance(keeper.wallet, stable).atoms()
            - if gas.asset() == stable {
                gas.atoms()
            } else {
                0
            };
        if capital < least || self.ledger.balance(keeper.wallet, gas.asset()).atoms() < gas.atoms()
        {
            c.stats.skipped_no_capital += 1;
            return Ok(());
        }
        let worth = match worths.get(&(kp, a.ilk, a.lot)) {
            Some(w) => *w,
            None => {
                let route = if self.sales_cut() {
                    Vec::new()
                } else {
                    keeper.route(asset).to_vec()
                };
                let proceeds =
                    preview_route(&self.ledger, &self.pools, &route, Amount::new(asset, a.lot))?;
                let w = self.value_at_reference(proceeds, Rounding::Floor)?;
                worths.insert((kp, a.ilk, a.lot), w);
                w
            }
        };
        let kept = 1.0 - keeper.spec.min_discount.to_f64();
        let par = Price::from_atoms(100_000_000);
        let d = c.spec.stable_decimals;
        let worth_stable = Amount::for_value(
            stable,
            Value::from_f64(worth.to_f64() * kept)?,
            par,
            d,
            Rounding::Floor,
        )?
        .atoms();
        let gas_value = self.value_at_reference(gas, Rounding::Ceil)?;
        let (strategy, min_profit, wallet) =
            (keeper.spec.strategy, keeper.spec.min_profit, keeper.wallet);
        let by = crate::cdp::Bidder {
            keeper: kp,
            wallet,
            previous: a.winner.map(|w| self.liquidators[w].wallet),
        };
        let now = self.time_ms();
        let placed = if a.bid < a.tab {
            let want = match strategy {
                KeeperStrategy::Valuation => worth_stable.min(a.tab),
                KeeperStrategy::Lowball => min_tend(a.bid, a.tab, beg)?,
            };
            let paid = Amount::new(stable, want).value(par, d, Rounding::Ceil)?;
            if want > capital {
                c.stats.skipped_no_capital += 1;
                return Ok(());
            }
            if worth.checked_sub(paid)?.checked_sub(gas_value)? < min_profit {
                return Ok(());
            }
            c.tend(&mut self.ledger, k, by, want, now)?
        } else {
            let most = max_dent(a.lot, beg)?;
            let lot = match strategy {
                // The least collateral whose worth, less the discount, pays the tab.
                KeeperStrategy::Valuation if worth_stable > 0 => {
                    faultline_units::mul_div_wide(a.lot, a.tab, worth_stable, Rounding::Ceil)?
                }
                KeeperStrategy::Valuation => return Ok(()),
                KeeperStrategy::Lowball => most,
            };
            if lot > most || lot <= 0 || capital < a.tab {
                return Ok(());
            }
            let got = worth.mul_div(lot, a.lot, Rounding::Floor)?;
            let paid = Amount::new(stable, a.tab).value(par, d, Rounding::Ceil)?;
            if got.checked_sub(paid)?.checked_sub(gas_value)? < min_profit {
                return Ok(());
            }
            c.dent(&mut self.ledger, k, by, lot, now)?
        };
        if placed {
            self.ledger.external_out(wallet, gas)?;
            let keeper = &mut self.liquidators[kp];
            keeper.liquidations += 1;
            keeper.gas_paid = keeper.gas_paid.checked_add(gas_value)?;
        }
        Ok(())
    }

    /// One keeper's take on auction `k`, if its route sells the collateral for more than
    /// it pays plus gas and its margin.
    fn keeper_take(
        &mut self,
        c: &mut Cdp,
        kp: usize,
        k: usize,
        prices: &[Price],
        chain: ChainId,
    ) -> Result<(), WorldError> {
        if !self.under_gas_cap(kp, chain) {
            return Ok(());
        }
        let now = self.time_ms();
        let price = c.price_now(k, now)?;
        let keeper = &self.liquidators[kp];
        let stable = c.spec.stablecoin;
        let capital = self.ledger.balance(keeper.wallet, stable).atoms();
        let Some(t) = c.take_for(k, price, capital)? else {
            if capital <= 0 {
                c.stats.skipped_no_capital += 1;
            }
            return Ok(());
        };
        let ilk_asset = c.spec.ilks[c.auctions[k].ilk].asset;
        let gas = self.gas_cost(chain, keeper.spec.gas_per_liquidation)?;
        if self.ledger.balance(keeper.wallet, gas.asset()).atoms()
            < gas.atoms() + if gas.asset() == stable { t.owe } else { 0 }
        {
            c.stats.skipped_no_capital += 1;
            return Ok(());
        }
        let route = if self.sales_cut() {
            Vec::new()
        } else {
            keeper.route(ilk_asset).to_vec()
        };
        let proceeds = preview_route(
            &self.ledger,
            &self.pools,
            &route,
            Amount::new(ilk_asset, t.slice),
        )?;
        let gain = self.value_at_reference(proceeds, Rounding::Floor)?;
        let cost = self
            .value_at_reference(Amount::new(stable, t.owe), Rounding::Ceil)?
            .checked_add(self.value_at_reference(gas, Rounding::Ceil)?)?;
        if gain.checked_sub(cost)? < keeper.spec.min_profit {
            // A Dutch auction above the market is not a failure; one below the outside
            // price that still cannot be sold out at a profit (pools drained, gas) is.
            if price < self.reference[ilk_asset.index()] {
                c.stats.skipped_unprofitable += 1;
            }
            return Ok(());
        }
        let wallet = keeper.wallet;
        c.execute_take(&mut self.ledger, wallet, &t, prices)?;
        self.ledger.external_out(wallet, gas)?;
        sell_route(
            &mut self.ledger,
            &self.pools,
            wallet,
            &route,
            Amount::new(ilk_asset, t.slice),
        )?;
        let keeper = &mut self.liquidators[kp];
        keeper.liquidations += 1;
        let gv = self.value_at_reference(gas, Rounding::Ceil)?;
        let keeper = &mut self.liquidators[kp];
        keeper.gas_paid = keeper.gas_paid.checked_add(gv)?;
        Ok(())
    }

    /// What `a` is worth at its asset's reference (outside or market) price.
    pub(super) fn value_at_reference(&self, a: Amount, r: Rounding) -> Result<Value, WorldError> {
        let d = self.spec.assets[a.asset().index()].decimals;
        Ok(a.value(self.reference[a.asset().index()], d, r)?)
    }

    /// Holders sell while their asset is below their level, at most their per-block
    /// amount, into their venue (when its chain produces a block); holders who run sell
    /// only the shares of those who have left.
    /// A `Depeg` event the first time a market-priced asset moves 2% from its start.
    pub(super) fn depeg_events(&mut self) {
        for i in 0..self.spec.assets.len() {
            if !matches!(
                self.spec.assets[i].price,
                crate::spec::PriceOrigin::Market { .. }
            ) {
                continue;
            }
            let start = self.records.assets.get(i).map_or(0.0, |r| r.reference);
            let now = self.reference[i].to_f64();
            if start > 0.0 && (now / start - 1.0).abs() > 0.02 {
                let name = self.spec.assets[i].name.clone();
                self.emit(
                    WorldEventKind::Depeg,
                    name,
                    format!(
                        "trades at {now:.4}, {:+.1}% from the start",
                        (now / start - 1.0) * 100.0
                    ),
                );
            }
        }
    }
}

impl Protocol {
    /// The protocol's name.
    pub fn name(&self) -> &str {
        match self {
            Protocol::Lending(m) => &m.spec.name,
            Protocol::Perp(p) => &p.spec.name,
            Protocol::Cdp(c) => &c.spec.name,
            Protocol::Issuer(i) => &i.spec.name,
            Protocol::Vault(v) => &v.spec.name,
        }
    }
}
