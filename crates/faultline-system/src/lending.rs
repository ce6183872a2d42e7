//! An Aave v3-like lending market: USDC borrowed against ETH and FUSD (rules from
//! `faultline_math::lending`, which cites the v3.3 contracts).
//!
//! - Interest: the kinked curve on utilization `debt / (cash + debt)`, accrued to every
//!   borrower each block; suppliers receive it less the reserve factor, which the
//!   treasury keeps as a claim.
//! - Liquidation below health factor 1 with the close factor (50%, or 100% below HF 0.95
//!   or under $2,000), the bonus, the protocol's fee on the bonus, v3.3's rule that a
//!   partial liquidation must not leave less than $1,000 of debt or collateral
//!   (`MIN_LEFTOVER_BASE`; the liquidator then takes the whole position), and the
//!   deficit when collateral runs out. Liquidators sell what they seize into the pools
//!   and skip liquidations that would not pay for slippage and gas.
//! - A reserve fund (USDC and FUSD) covers deficits; its FUSD is sold into the peg pool.
//! - Supply and borrow caps refuse deposits and loans past them.
//! - Withdrawals are paid from cash only: when utilization is 100% they wait (a
//!   utilization crunch); depositors run when the market shows a deficit or utilization
//!   passes their trigger, herding on last block's leavers.
//!
//! Invariant: depositors' and the treasury's claims = cash + Σ debt + deficit, exactly.

use crate::config::{Asset, FusdOracle, LendingConfig};
use crate::events::{Protocol, SysEventKind, SysEvents};
use crate::ledger::{Holder, Ledger, Token};
use crate::market::{PoolId, Pools};
use crate::{Ctx, SystemError};
use faultline_math::lending::{close_factor, liquidate, RateCurve};
use rand::RngExt;
use rand_chacha::ChaCha12Rng;

/// Aave v3.3 `MIN_LEFTOVER_BASE`: a partial liquidation may not leave less (USD).
pub const MIN_LEFTOVER_BASE: f64 = 1_000.0;

/// Whether a partial liquidation would leave dust (Aave v3.3 `LiquidationLogic`
/// reverts with `MustNotLeaveDust`): debt or collateral left below `MIN_LEFTOVER_BASE`.
pub fn leaves_dust(debt_left: f64, collateral_left: f64) -> bool {
    (debt_left > 0.0 && collateral_left > 0.0)
        && (debt_left < MIN_LEFTOVER_BASE || collateral_left < MIN_LEFTOVER_BASE)
}

fn token(a: Asset) -> Token {
    match a {
        Asset::Eth => Token::Eth,
        Asset::Fusd => Token::Fusd,
    }
}

fn pool(a: Asset) -> PoolId {
    match a {
        Asset::Eth => PoolId::Eth,
        Asset::Fusd => PoolId::Peg,
    }
}

/// Raise `need` USDC atoms in `holder`'s wallet: its cash first, then its claim on the
/// lending market (if there is cash there), then by selling the base token of `sell`
/// that it holds (asking 2% more than the pool's price suggests, for the slippage).
/// Returns the cash now in the wallet, at most `need`.
pub(crate) fn raise_usdc(
    ledger: &mut Ledger,
    pools: &mut Pools,
    lending: Option<&mut Lending>,
    holder: Holder,
    need: i128,
    sell: Option<PoolId>,
) -> Result<i128, SystemError> {
    let mut cash = ledger.balance(holder, Token::Usdc);
    if cash < need {
        if let Some(l) = lending {
            cash += l.withdraw(ledger, holder, need - cash)?;
        }
    }
    if let Some(id) = sell.filter(|id| cash < need && pools.has(*id)) {
        let p = pools.price(id)?.max(1e-9);
        let amount = id
            .base()
            .atoms(Token::Usdc.units(need - cash) / p * 1.02)
            .min(ledger.balance(holder, id.base()));
        cash += pools.sell(ledger, id, holder, amount)?;
    }
    Ok(cash.min(need))
}

/// A borrower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Borrower {
    /// Collateral asset.
    pub asset: Asset,
    /// Collateral (atoms of the asset).
    pub collateral: i128,
    /// USDC debt (atoms).
    pub debt: i128,
    /// Population index.
    pub population: usize,
    /// Liquidated at least once.
    pub liquidated: bool,
    /// Debt repaid by liquidators so far (atoms).
    pub repaid: i128,
}

/// A depositor's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deposit {
    /// Whose wallet withdrawals go to.
    pub holder: Holder,
    /// USDC claim (atoms).
    pub claim: i128,
    /// Has decided to leave (retail only).
    pub leaving: bool,
}

/// Running totals.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LendingTotals {
    /// Liquidations.
    pub liquidations: u64,
    /// Debt repaid by liquidators (USD).
    pub repaid: f64,
    /// Borrowers liquidated at least once.
    pub borrowers_liquidated: u64,
    /// Largest debt repaid in one borrower's liquidations (USD).
    pub largest_borrower_repaid: f64,
    /// Liquidations skipped as unprofitable (a position counts once per block it waits).
    pub skipped_unprofitable: u64,
    /// Deficit recorded (USD), before the reserve fund.
    pub deficit_recorded: f64,
    /// Reserve fund paid (USD).
    pub reserve_paid: f64,
    /// Withdrawals paid (USD).
    pub withdrawn: f64,
    /// Withdrawal requests that found no cash (USD, counted each block they wait).
    pub refused_block_usd: f64,
    /// Withdrawal payments cut short for lack of cash.
    pub refused_payments: u64,
    /// Deposits refused by the supply cap (USD).
    pub refused_by_supply_cap: f64,
    /// Borrowers refused by a cap or by missing cash.
    pub borrowers_refused: u64,
    /// Debt repaid by rate-sensitive borrowers (USD).
    pub repaid_on_rate: f64,
    /// Highest borrow rate seen.
    pub max_borrow_rate: f64,
}

/// The lending market.
#[derive(Debug, Clone)]
pub struct Lending {
    cfg: LendingConfig,
    curve: RateCurve,
    /// Borrowers.
    pub borrowers: Vec<Borrower>,
    /// Deposits: retail first, then protocols, the treasury last.
    pub deposits: Vec<Deposit>,
    /// Deficit not yet covered (atoms of USDC).
    pub deficit: i128,
    /// Totals.
    pub totals: LendingTotals,
    /// The FUSD price is fixed at $1 (config, isolation or a breaker).
    pub fusd_fixed: bool,
    /// FUSD frozen by a breaker.
    pub fusd_frozen: bool,
    /// Withdrawals paused by a breaker.
    pub withdrawals_paused: bool,
    retail: usize,
    left_last: f64,
    /// Borrow rate now.
    pub borrow_rate: f64,
}

impl Lending {
    /// Open the market at `eth_price`: deposits, then borrowers (each refused if a cap or
    /// the cash would be exceeded). Genesis of the depositors' USDC, borrowers'
    /// collateral and liquidators' USDC happens here; FUSD collateral must already be
    /// allocated to `Holder::Borrowers` by the caller.
    pub fn open(
        cfg: &LendingConfig,
        ledger: &mut Ledger,
        eth_price: f64,
        rng: &mut ChaCha12Rng,
    ) -> Result<Self, SystemError> {
        let u = &cfg.usdc;
        let mut lending = Self {
            cfg: cfg.clone(),
            curve: RateCurve {
                base: u.base_rate,
                slope1: u.slope1,
                slope2: u.slope2,
                optimal_utilization: u.optimal_utilization,
            },
            borrowers: Vec::new(),
            deposits: Vec::new(),
            deficit: 0,
            totals: LendingTotals::default(),
            fusd_fixed: cfg.fusd_oracle == FusdOracle::Fixed,
            fusd_frozen: false,
            withdrawals_paused: false,
            retail: 0,
            left_last: 0.0,
            borrow_rate: 0.0,
        };
        let n = cfg.depositors.run.holders.max(1);
        let mut total = Token::Usdc.atoms(cfg.depositors.total_usdc);
        if u.supply_cap > 0.0 {
            let cap = Token::Usdc.atoms(u.supply_cap);
            if total > cap {
                lending.totals.refused_by_supply_cap += Token::Usdc.units(total - cap);
                total = cap;
            }
        }
        ledger.genesis(Holder::LendingPool, Token::Usdc, total)?;
        let each = total / i128::from(n);
        for i in 0..n {
            let claim = if i + 1 == n {
                total - each * i128::from(n - 1)
            } else {
                each
            };
            lending.deposits.push(Deposit {
                holder: Holder::Depositors,
                claim,
                leaving: false,
            });
        }
        lending.retail = lending.deposits.len();
        lending.deposits.push(Deposit {
            holder: Holder::LendingTreasury,
            claim: 0,
            leaving: false,
        });
        let mut borrowed = 0i128;
        let mut supplied = [0i128; 2];
        for (pi, pop) in cfg.borrowers.iter().enumerate() {
            let Some(c) = cfg.collateral.iter().find(|c| c.asset == pop.collateral) else {
                continue;
            };
            let price = match pop.collateral {
                Asset::Eth => eth_price,
                Asset::Fusd => 1.0,
            };
            let t = token(pop.collateral);
            // Either listed debts (collateral follows from each health factor) or a
            // total collateral spread over `count` borrowers.
            let mut positions: Vec<(f64, f64)> = Vec::new();
            if pop.debts.is_empty() {
                let weights: Vec<f64> =
                    (0..pop.count).map(|_| rng.random_range(0.2..1.8)).collect();
                let wsum: f64 = weights.iter().sum();
                for w in weights {
                    let coll_units = pop.total_collateral * w / wsum;
                    let hf = pop.hf_min + (pop.hf_max - pop.hf_min) * rng.random::<f64>();
                    let debt_usd = (coll_units * price * c.liquidation_threshold / hf)
                        .min(coll_units * price * c.ltv);
                    positions.push((coll_units, debt_usd));
                }
            } else {
                for &d in &pop.debts {
                    let hf = pop.hf_min + (pop.hf_max - pop.hf_min) * rng.random::<f64>();
                    let coll_units =
                        (d * hf / (price * c.liquidation_threshold)).max(d / (price * c.ltv));
                    positions.push((coll_units, d));
                }
            }
            for (coll_units, debt_usd) in positions {
                let coll = t.atoms(coll_units);
                let debt = Token::Usdc.atoms(debt_usd);
                let slot = pop.collateral as usize;
                let over_supply =
                    c.supply_cap > 0.0 && supplied[slot] + coll > t.atoms(c.supply_cap);
                let over_borrow =
                    u.borrow_cap > 0.0 && borrowed + debt > Token::Usdc.atoms(u.borrow_cap);
                let no_cash = ledger.balance(Holder::LendingPool, Token::Usdc) < debt;
                if over_supply || over_borrow || no_cash {
                    lending.totals.borrowers_refused += 1;
                    continue;
                }
                if pop.collateral == Asset::Eth {
                    ledger.genesis(Holder::LendingPool, Token::Eth, coll)?;
                } else {
                    ledger.transfer(Token::Fusd, Holder::Borrowers, Holder::LendingPool, coll)?;
                }
                ledger.transfer(Token::Usdc, Holder::LendingPool, Holder::Borrowers, debt)?;
                supplied[slot] += coll;
                borrowed += debt;
                lending.borrowers.push(Borrower {
                    asset: pop.collateral,
                    collateral: coll,
                    debt,
                    population: pi,
                    liquidated: false,
                    repaid: 0,
                });
            }
        }
        ledger.genesis(
            Holder::Liquidators,
            Token::Usdc,
            Token::Usdc.atoms(cfg.liquidator_usdc_per_block),
        )?;
        ledger.genesis(
            Holder::LendingReserveFund,
            Token::Usdc,
            Token::Usdc.atoms(cfg.reserve_fund.usdc),
        )?;
        Ok(lending)
    }

    /// FUSD lending borrowers will post (units), for the CDP's allocation.
    pub fn fusd_wanted(cfg: &LendingConfig) -> f64 {
        cfg.borrowers
            .iter()
            .filter(|b| b.collateral == Asset::Fusd)
            .map(|b| b.total_collateral)
            .sum()
    }

    /// Deposit for a protocol (the options vault): refused past the supply cap. Returns
    /// what was accepted.
    pub fn deposit(
        &mut self,
        ledger: &mut Ledger,
        holder: Holder,
        atoms: i128,
    ) -> Result<i128, SystemError> {
        let mut amount = atoms.max(0);
        if self.cfg.usdc.supply_cap > 0.0 {
            let room = (Token::Usdc.atoms(self.cfg.usdc.supply_cap) - self.claims()).max(0);
            if amount > room {
                self.totals.refused_by_supply_cap += Token::Usdc.units(amount - room);
                amount = room;
            }
        }
        if amount == 0 {
            return Ok(0);
        }
        ledger.transfer(Token::Usdc, holder, Holder::LendingPool, amount)?;
        match self.deposits.iter_mut().find(|d| d.holder == holder) {
            Some(d) => d.claim += amount,
            None => self.deposits.push(Deposit {
                holder,
                claim: amount,
                leaving: false,
            }),
        }
        Ok(amount)
    }

    /// Withdraw up to `atoms` of `holder`'s claim from cash; returns what was paid.
    pub fn withdraw(
        &mut self,
        ledger: &mut Ledger,
        holder: Holder,
        atoms: i128,
    ) -> Result<i128, SystemError> {
        let Some(i) = self.deposits.iter().position(|d| d.holder == holder) else {
            return Ok(0);
        };
        self.pay_out(ledger, i, atoms)
    }

    fn pay_out(&mut self, ledger: &mut Ledger, i: usize, atoms: i128) -> Result<i128, SystemError> {
        if self.withdrawals_paused {
            return Ok(0);
        }
        let want = atoms.min(self.deposits[i].claim).max(0);
        let paid = want.min(ledger.balance(Holder::LendingPool, Token::Usdc));
        ledger.transfer(
            Token::Usdc,
            Holder::LendingPool,
            self.deposits[i].holder,
            paid,
        )?;
        self.deposits[i].claim -= paid;
        self.totals.withdrawn += Token::Usdc.units(paid);
        if paid < want {
            self.totals.refused_block_usd += Token::Usdc.units(want - paid);
            self.totals.refused_payments += 1;
        }
        Ok(paid)
    }

    /// A holder's claim (atoms).
    pub fn claim_of(&self, holder: Holder) -> i128 {
        self.deposits
            .iter()
            .filter(|d| d.holder == holder)
            .map(|d| d.claim)
            .sum()
    }

    /// Σ claims.
    pub fn claims(&self) -> i128 {
        self.deposits.iter().map(|d| d.claim).sum()
    }

    /// Σ debt.
    pub fn debt(&self) -> i128 {
        self.borrowers.iter().map(|b| b.debt).sum()
    }

    /// Utilization `debt / (cash + debt)`.
    pub fn utilization(&self, ledger: &Ledger) -> f64 {
        let d = self.debt() as f64;
        let c = ledger.balance(Holder::LendingPool, Token::Usdc) as f64;
        if d + c <= 0.0 {
            0.0
        } else {
            d / (d + c)
        }
    }

    /// Debt not covered by collateral and not yet liquidated (USD), at the market's
    /// own prices: the deficit waiting to be recorded.
    pub fn latent_deficit(&self, ctx_eth: f64, fusd: f64) -> f64 {
        self.borrowers
            .iter()
            .map(|b| {
                let p = match b.asset {
                    Asset::Eth => ctx_eth,
                    Asset::Fusd if self.fusd_fixed => 1.0,
                    Asset::Fusd => fusd,
                };
                (Token::Usdc.units(b.debt) - token(b.asset).units(b.collateral) * p).max(0.0)
            })
            .sum()
    }

    /// Claims − (cash + debt + deficit); zero in a correct run.
    pub fn identity_error(&self, ledger: &Ledger) -> i128 {
        self.claims()
            - ledger.balance(Holder::LendingPool, Token::Usdc)
            - self.debt()
            - self.deficit
    }

    fn price(&self, a: Asset, ctx: &Ctx, pools: &Pools) -> Result<f64, SystemError> {
        Ok(match a {
            Asset::Eth => ctx.eth_reference,
            Asset::Fusd if self.fusd_fixed || !pools.has(PoolId::Peg) => 1.0,
            Asset::Fusd => pools.price(PoolId::Peg)?,
        })
    }

    /// The borrowed asset's oracle price in `block` (1 outside configured spikes).
    pub fn debt_price(&self, block: u64) -> f64 {
        self.cfg
            .debt_oracle
            .iter()
            .filter(|s| (s.start..=s.end).contains(&block))
            .map(|s| s.price)
            .fold(1.0, |_, p| p)
    }

    /// Health factor of borrower `i`.
    pub fn health(&self, i: usize, ctx: &Ctx, pools: &Pools) -> Result<f64, SystemError> {
        let b = self.borrowers[i];
        if b.debt <= 0 {
            return Ok(f64::INFINITY);
        }
        let lt = self
            .params(b.asset)
            .map_or(0.0, |c| c.liquidation_threshold);
        let value = token(b.asset).units(b.collateral) * self.price(b.asset, ctx, pools)?;
        Ok(value * lt / (Token::Usdc.units(b.debt) * self.debt_price(ctx.block)))
    }

    fn params(&self, a: Asset) -> Option<&crate::config::CollateralConfig> {
        self.cfg.collateral.iter().find(|c| c.asset == a)
    }

    /// One block.
    pub fn step(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
        rng: &mut ChaCha12Rng,
    ) -> Result<(), SystemError> {
        self.accrue(ctx, ledger);
        self.liquidate_all(ctx, ledger, pools, events)?;
        self.repay_on_rate(ctx, ledger, pools)?;
        self.cover_deficit(ctx, ledger, pools, events)?;
        let fusd = if pools.has(PoolId::Peg) {
            pools.price(PoolId::Peg)?
        } else {
            1.0
        };
        // Scanning every loan only matters when depositors can run.
        let underwater = self.cfg.depositors.run.base > 0.0
            && self.latent_deficit(ctx.eth_reference, fusd) > 0.0;
        self.run(ctx, ledger, events, rng, underwater)?;
        Ok(())
    }

    fn accrue(&mut self, ctx: &Ctx, ledger: &Ledger) {
        let u = self.utilization(ledger);
        self.borrow_rate = self.curve.borrow_rate(u);
        self.totals.max_borrow_rate = self.totals.max_borrow_rate.max(self.borrow_rate);
        let r = self.borrow_rate * ctx.dt_years;
        let mut interest = 0i128;
        for b in &mut self.borrowers {
            #[allow(clippy::cast_possible_truncation)] // a small fraction of the debt
            let i = (b.debt as f64 * r) as i128;
            b.debt += i;
            interest += i;
        }
        if interest == 0 {
            return;
        }
        let to_suppliers = interest as f64 * (1.0 - self.cfg.usdc.reserve_factor);
        let claims = self.claims() as f64;
        let mut paid = 0i128;
        let treasury = self
            .deposits
            .iter()
            .position(|d| d.holder == Holder::LendingTreasury);
        if claims > 0.0 {
            for (k, d) in self.deposits.iter_mut().enumerate() {
                if Some(k) == treasury {
                    continue;
                }
                #[allow(clippy::cast_possible_truncation)] // a share of the interest
                let s = (to_suppliers * d.claim as f64 / claims) as i128;
                d.claim += s;
                paid += s;
            }
        }
        if let Some(t) = treasury {
            self.deposits[t].claim += interest - paid;
        }
    }

    fn liquidate_all(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let mut budget = Token::Usdc
            .atoms(self.cfg.liquidator_usdc_per_block)
            .min(ledger.balance(Holder::Liquidators, Token::Usdc));
        for i in 0..self.borrowers.len() {
            if budget <= 0 {
                break;
            }
            let b = self.borrowers[i];
            if b.debt <= 0 || (b.asset == Asset::Fusd && self.fusd_frozen) {
                continue;
            }
            let hf = self.health(i, ctx, pools)?;
            if hf >= 1.0 {
                continue;
            }
            let Some(c) = self.params(b.asset).cloned() else {
                continue;
            };
            let t = token(b.asset);
            let p = self.price(b.asset, ctx, pools)?;
            let coll_v = t.units(b.collateral) * p;
            // The debt at the oracle's price of the borrowed asset; liquidators repay it in
            // the asset itself (worth $1 on the market).
            let pd = self.debt_price(ctx.block);
            let debt_v = Token::Usdc.units(b.debt) * pd;
            let cf = |hf: f64| {
                self.cfg
                    .close_factor
                    .unwrap_or_else(|| close_factor(hf, coll_v, debt_v))
            };
            let bonus = 1.0 + c.liquidation_bonus;
            let req = Token::Usdc.units(budget);
            let mut l = liquidate(
                coll_v,
                debt_v,
                cf(hf),
                req * pd,
                bonus,
                c.protocol_fee,
                true,
            );
            if l.debt_repaid < debt_v
                && leaves_dust(debt_v - l.debt_repaid, coll_v - l.collateral_seized)
            {
                l = liquidate(coll_v, debt_v, 1.0, req * pd, bonus, c.protocol_fee, true);
            }
            let repaid = Token::Usdc
                .atoms(l.debt_repaid / pd)
                .min(b.debt)
                .min(budget);
            let seized = t.atoms(l.collateral_seized / p).min(b.collateral);
            let fee = t.atoms(l.protocol_fee / p).min(seized);
            let proceeds = pools.quote_sell(pool(b.asset), seized - fee)?;
            if Token::Usdc.units(proceeds - repaid) < ctx.gas_usd + self.cfg.liquidator_min_profit {
                if repaid == budget {
                    break; // out of capital for this block, not an unprofitable position
                }
                self.totals.skipped_unprofitable += 1;
                events.first(
                    ctx.block,
                    Protocol::Lending,
                    SysEventKind::LiquidationUnprofitable,
                    Some(debt_v),
                    || {
                        format!(
                            "a liquidation of {debt_v:.0} USDC would not pay for slippage and gas"
                        )
                    },
                );
                continue;
            }
            ledger.transfer(
                Token::Usdc,
                Holder::Liquidators,
                Holder::LendingPool,
                repaid,
            )?;
            ledger.transfer(t, Holder::LendingPool, Holder::Liquidators, seized - fee)?;
            ledger.transfer(t, Holder::LendingPool, Holder::LendingTreasury, fee)?;
            if !self.borrowers[i].liquidated {
                self.borrowers[i].liquidated = true;
                self.totals.borrowers_liquidated += 1;
            }
            let br = &mut self.borrowers[i];
            br.debt -= repaid;
            br.repaid += repaid;
            self.totals.largest_borrower_repaid = self
                .totals
                .largest_borrower_repaid
                .max(Token::Usdc.units(br.repaid));
            br.collateral -= seized;
            budget -= repaid;
            if br.collateral == 0 && br.debt > 0 {
                let d = br.debt;
                br.debt = 0;
                self.deficit += d;
                self.totals.deficit_recorded += Token::Usdc.units(d);
                events.first(ctx.block, Protocol::Lending, SysEventKind::LendingDeficit, Some(Token::Usdc.units(d)), || {
                    format!("a {:?}-collateral borrower left {:.0} USDC of debt with nothing behind it", b.asset, Token::Usdc.units(d))
                });
            }
            pools.sell(ledger, pool(b.asset), Holder::Liquidators, seized - fee)?;
            self.totals.liquidations += 1;
            self.totals.repaid += Token::Usdc.units(repaid);
            events.first(
                ctx.block,
                Protocol::Lending,
                SysEventKind::LendingLiquidation,
                Some(Token::Usdc.units(repaid)),
                || {
                    format!(
                        "first liquidation: a {:?}-collateral borrower at health factor {hf:.3}",
                        b.asset
                    )
                },
            );
        }
        Ok(())
    }

    /// Rate-sensitive borrowers sell collateral to repay 2% of their debt per block while
    /// the borrow rate is above their limit.
    fn repay_on_rate(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
    ) -> Result<(), SystemError> {
        for asset in [Asset::Eth, Asset::Fusd] {
            if (asset == Asset::Fusd && self.fusd_frozen)
                || !self.borrowers.iter().any(|b| b.asset == asset)
            {
                continue;
            }
            let p = self.price(asset, ctx, pools)?;
            let t = token(asset);
            let mut sells: Vec<(usize, i128)> = Vec::new();
            for (i, b) in self.borrowers.iter().enumerate() {
                let limit = self.cfg.borrowers[b.population].repay_above_rate;
                if b.asset != asset || b.debt <= 0 || limit <= 0.0 || self.borrow_rate <= limit {
                    continue;
                }
                let s = t
                    .atoms(Token::Usdc.units(b.debt) * 0.02 / p * 1.01)
                    .min(b.collateral);
                if s > 0 {
                    sells.push((i, s));
                }
            }
            let total: i128 = sells.iter().map(|s| s.1).sum();
            if total == 0 {
                continue;
            }
            for &(i, s) in &sells {
                self.borrowers[i].collateral -= s;
            }
            ledger.transfer(t, Holder::LendingPool, Holder::Borrowers, total)?;
            let got = pools.sell(ledger, pool(asset), Holder::Borrowers, total)?;
            for &(i, s) in &sells {
                let share = got * s / total;
                let repay = share.min(self.borrowers[i].debt);
                ledger.transfer(Token::Usdc, Holder::Borrowers, Holder::LendingPool, repay)?;
                self.borrowers[i].debt -= repay;
                self.totals.repaid_on_rate += Token::Usdc.units(repay);
            }
        }
        Ok(())
    }

    fn cover_deficit(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        if self.deficit <= 0 {
            return Ok(());
        }
        if ledger.balance(Holder::LendingReserveFund, Token::Fusd) > 0 && pools.has(PoolId::Peg) {
            let need = self.deficit - ledger.balance(Holder::LendingReserveFund, Token::Usdc);
            if need > 0 {
                let p = pools.price(PoolId::Peg)?.max(0.01);
                let sell = Token::Fusd
                    .atoms(Token::Usdc.units(need) / p * 1.02)
                    .min(ledger.balance(Holder::LendingReserveFund, Token::Fusd));
                pools.sell(ledger, PoolId::Peg, Holder::LendingReserveFund, sell)?;
            }
        }
        let pay = self
            .deficit
            .min(ledger.balance(Holder::LendingReserveFund, Token::Usdc));
        if pay > 0 {
            ledger.transfer(
                Token::Usdc,
                Holder::LendingReserveFund,
                Holder::LendingPool,
                pay,
            )?;
            self.deficit -= pay;
            self.totals.reserve_paid += Token::Usdc.units(pay);
            events.first(
                ctx.block,
                Protocol::Lending,
                SysEventKind::ReserveFundDrawn,
                Some(Token::Usdc.units(pay)),
                || {
                    format!(
                        "the reserve fund covered {:.0} USDC of deficit",
                        Token::Usdc.units(pay)
                    )
                },
            );
        }
        Ok(())
    }

    fn run(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        events: &mut SysEvents,
        rng: &mut ChaCha12Rng,
        underwater: bool,
    ) -> Result<(), SystemError> {
        // Depositors see the books: a recorded deficit, loans already worth less than
        // their collateral, or utilization past their trigger.
        let run = self.cfg.depositors.run.clone();
        let distressed = self.deficit > 0 || underwater || self.utilization(ledger) > run.trigger;
        if run.base > 0.0 && distressed {
            let p = (run.base + run.herd * self.left_last).min(1.0);
            let active = self.deposits[..self.retail]
                .iter()
                .filter(|d| !d.leaving && d.claim > 0)
                .count();
            let mut left = 0usize;
            for d in &mut self.deposits[..self.retail] {
                if !d.leaving && d.claim > 0 && rng.random::<f64>() < p {
                    d.leaving = true;
                    left += 1;
                }
            }
            self.left_last = if active > 0 {
                left as f64 / active as f64
            } else {
                0.0
            };
            if left > 0 {
                events.first(
                    ctx.block,
                    Protocol::Lending,
                    SysEventKind::BankRun,
                    None,
                    || format!("{left} of {active} depositors ran"),
                );
            }
        } else {
            self.left_last = 0.0;
        }
        let mut refused = false;
        for i in 0..self.retail {
            if self.deposits[i].leaving && self.deposits[i].claim > 0 {
                let want = self.deposits[i].claim;
                let paid = self.pay_out(ledger, i, want)?;
                refused |= paid < want;
            }
        }
        if refused {
            events.first(
                ctx.block,
                Protocol::Lending,
                SysEventKind::UtilizationCrunch,
                None,
                || "withdrawals wait: the market has no cash left".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dust_rule_matches_v3_3() {
        assert!(leaves_dust(500.0, 5_000.0));
        assert!(leaves_dust(5_000.0, 900.0));
        assert!(!leaves_dust(5_000.0, 5_000.0));
        assert!(!leaves_dust(0.0, 900.0));
    }
}
