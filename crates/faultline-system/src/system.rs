//! The system: genesis, the block pipeline (see the crate docs for the order), records,
//! the summary, and the dynamic Contagion Index from counterfactual runs.

use crate::cdp::Cdp;
use crate::config::{Asset, BreakerAction, BreakerSignal, SystemConfig};
use crate::events::{Protocol, SysEvent, SysEventKind, SysEvents};
use crate::ledger::{Holder, Ledger, Token};
use crate::lending::Lending;
use crate::market::{eth_path, gas_cost_usd, gas_gwei, PoolId, Pools};
use crate::perp::PerpLeg;
use crate::vault::OptionsVault;
use crate::{Ctx, SystemError};
use faultline_engine::rng::{stream, Stream};
use faultline_state::AmmCurve;
use rand_chacha::ChaCha12Rng;
use serde::Serialize;

const MS_PER_YEAR: f64 = 365.0 * 24.0 * 3_600_000.0;

/// Links cut for a counterfactual run: what a protocol's failure can no longer reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Isolation {
    /// Other protocols see FUSD at $1 and the lending reserve fund holds USDC instead of
    /// FUSD: the CDP's distress cannot reach them.
    pub cdp: bool,
    /// The options vault and the perp's reserve keep their cash out of the lending
    /// market: neither side can reach the other through those deposits.
    pub deposits: bool,
    /// The perp venue's reserve is plain USDC: its refills neither withdraw from the
    /// lending market nor sell FUSD.
    pub perp: bool,
}

/// Builds the perp venue for a seed, its first market following the given ETH path.
pub type PerpFactory<'a> =
    &'a (dyn Fn(u64, &[f64]) -> Result<faultline_engine::Simulation, String> + Sync);

/// One block's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemRecord {
    /// Block.
    pub block: u64,
    /// ETH reference price.
    pub eth_reference: f64,
    /// ETH pool price.
    pub eth_pool: f64,
    /// Gas, gwei.
    pub gas_gwei: f64,
    /// FUSD pool price (1 without a CDP).
    pub fusd_price: f64,
    /// MKR pool price (0 without debt auctions).
    pub mkr_price: f64,
    /// The CDP's oracle price.
    pub osm_price: f64,
    /// Σ vault debt (FUSD).
    pub cdp_vault_debt: f64,
    /// Debt in auction (FUSD).
    pub cdp_in_auction: f64,
    /// Running auctions.
    pub cdp_auctions: u64,
    /// Uncovered bad debt (FUSD).
    pub cdp_bad_debt: f64,
    /// Utilization.
    pub lending_utilization: f64,
    /// Borrow rate.
    pub lending_borrow_rate: f64,
    /// Cash (USDC).
    pub lending_cash: f64,
    /// Deficit not covered (USD).
    pub lending_deficit: f64,
    /// Liquidations so far.
    pub lending_liquidations: u64,
    /// Marked liability (USD).
    pub vault_liability: f64,
    /// Equity (USD).
    pub vault_equity: f64,
    /// Greeks margin requirement (USD).
    pub vault_requirement: f64,
    /// Unpaid at expiry so far (USD).
    pub vault_shortfall: f64,
    /// The perp's insurance fund (USDC).
    pub perp_insurance_fund: f64,
    /// The perp's loss: uncovered and latent bad debt (USD).
    pub perp_loss: f64,
    /// Σ losses (USD).
    pub system_loss: f64,
}

/// Losses per protocol, USD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Losses {
    /// CDP bad debt, recognized and latent (FUSD at face).
    pub cdp: f64,
    /// Lending deficit not covered, recorded and latent.
    pub lending: f64,
    /// Vault shortfall to option buyers: unpaid at expiry, and marked liability beyond
    /// its assets.
    pub vault: f64,
    /// Perp bad debt, uncovered and latent.
    pub perp: f64,
}

impl Losses {
    /// Σ.
    pub fn total(&self) -> f64 {
        self.cdp + self.lending + self.vault + self.perp
    }

    pub(crate) fn others(&self, p: Protocol) -> f64 {
        self.total()
            - match p {
                Protocol::Cdp => self.cdp,
                Protocol::Lending => self.lending,
                Protocol::Vault => self.vault,
                Protocol::Perp => self.perp,
                Protocol::Market => 0.0,
            }
    }
}

/// The whole system at one block.
#[derive(Debug, Clone)]
pub struct System {
    cfg: SystemConfig,
    path: Vec<f64>,
    /// Tokens.
    pub ledger: Ledger,
    /// Pools.
    pub pools: Pools,
    /// The CDP.
    pub cdp: Option<Cdp>,
    /// The lending market.
    pub lending: Option<Lending>,
    /// The options vault.
    pub vault: Option<OptionsVault>,
    /// The perp venue.
    pub perp: Option<PerpLeg>,
    /// Failure sequence.
    pub events: SysEvents,
    block: u64,
    rng_cdp: ChaCha12Rng,
    rng_lending: ChaCha12Rng,
    tripped: Vec<bool>,
    isolation: Isolation,
}

impl System {
    /// Genesis at block 0.
    pub fn new(
        cfg: &SystemConfig,
        seed: u64,
        isolation: Isolation,
        perp: Option<PerpFactory<'_>>,
    ) -> Result<Self, SystemError> {
        if cfg
            .lending
            .as_ref()
            .is_some_and(|l| Lending::fusd_wanted(l) > 0.0 || l.reserve_fund.fusd > 0.0)
            && cfg.cdp.is_none()
        {
            return Err(SystemError::Config(
                "the lending market uses FUSD but there is no [cdp] to issue it".into(),
            ));
        }
        let path = eth_path(&cfg.eth, cfg.blocks, cfg.block_time_ms, seed);
        let eth0 = path[0];
        let mut ledger = Ledger::new();
        let mut pools = Pools::new();
        let ep = &cfg.eth_pool;
        pools.open(
            &mut ledger,
            PoolId::Eth,
            ep.eth,
            ep.eth * eth0,
            ep.fee,
            AmmCurve::ConstantProduct,
        )?;
        let inv = ep.arbitrage_per_block * f64::from(ep.arbitrage_inventory_blocks);
        ledger.genesis(Holder::Arbitrageur, Token::Usdc, Token::Usdc.atoms(inv))?;
        ledger.genesis(
            Holder::Arbitrageur,
            Token::Eth,
            Token::Eth.atoms(inv / eth0),
        )?;
        let mut rng_setup = stream(seed, Stream::System(0));
        let mut cdp = None;
        if let Some(c) = &cfg.cdp {
            let (lend_fusd, reserve_fusd) = cfg.lending.as_ref().map_or((0.0, 0.0), |l| {
                (Lending::fusd_wanted(l), l.reserve_fund.fusd)
            });
            let hop = c.osm_delay_s * 1000 / cfg.block_time_ms;
            let bidders = c.debt_auction.as_ref().map_or(0.0, |d| d.bidders_fusd);
            let perp_fusd = cfg.perp.as_ref().map_or(0.0, |p| p.reserve_fusd);
            let perp_fusd_held = if isolation.cdp || isolation.perp {
                0.0
            } else {
                perp_fusd
            };
            let holders = c.holders_fusd
                + if isolation.cdp { reserve_fusd } else { 0.0 }
                + (perp_fusd - perp_fusd_held);
            let reserve = if isolation.cdp { 0.0 } else { reserve_fusd };
            let fusd = Token::Fusd;
            let allocated = fusd.atoms(holders)
                + fusd.atoms(c.peg_pool.each_side)
                + Cdp::keepers_fusd(c)
                + fusd.atoms(bidders)
                + fusd.atoms(lend_fusd)
                + fusd.atoms(reserve)
                + fusd.atoms(perp_fusd_held);
            cdp = Some(Cdp::open(
                c,
                &mut ledger,
                allocated,
                eth0,
                hop,
                &mut rng_setup,
            )?);
            ledger.genesis(Holder::FusdHolders, fusd, fusd.atoms(holders))?;
            ledger.genesis(Holder::Keepers, fusd, Cdp::keepers_fusd(c))?;
            ledger.genesis(Holder::MkrBidders, fusd, fusd.atoms(bidders))?;
            ledger.genesis(Holder::Borrowers, fusd, fusd.atoms(lend_fusd))?;
            ledger.genesis(Holder::LendingReserveFund, fusd, fusd.atoms(reserve))?;
            ledger.genesis(Holder::PerpReserve, fusd, fusd.atoms(perp_fusd_held))?;
            if perp_fusd > perp_fusd_held {
                // Isolated: the reserve holds the same value as USDC.
                ledger.genesis(
                    Holder::PerpReserve,
                    Token::Usdc,
                    Token::Usdc.atoms(perp_fusd),
                )?;
            }
            let peg = &c.peg_pool;
            pools.open(
                &mut ledger,
                PoolId::Peg,
                peg.each_side,
                peg.each_side,
                peg.fee,
                AmmCurve::StableSwap {
                    amplification: peg.amplification,
                    peg: 1.0,
                },
            )?;
            if let Some(d) = &c.debt_auction {
                pools.open(
                    &mut ledger,
                    PoolId::Mkr,
                    d.mkr_pool_mkr,
                    d.mkr_pool_mkr * d.mkr_price,
                    0.003,
                    AmmCurve::ConstantProduct,
                )?;
            }
            let owners = c.repay_arbitrage_per_block * cfg.blocks as f64;
            ledger.genesis(Holder::VaultOwners, Token::Usdc, Token::Usdc.atoms(owners))?;
        }
        let mut lending = None;
        if let Some(l) = &cfg.lending {
            let mut lm = Lending::open(l, &mut ledger, eth0, &mut rng_setup)?;
            if isolation.cdp {
                lm.fusd_fixed = true;
                let r = Token::Usdc.atoms(l.reserve_fund.fusd);
                ledger.genesis(Holder::LendingReserveFund, Token::Usdc, r)?;
            }
            lending = Some(lm);
        }
        let mut perp_leg = None;
        if let Some(pc) = &cfg.perp {
            let factory = perp.ok_or_else(|| {
                SystemError::Config(
                    "the system has a [perp] venue but no way to build it was given".into(),
                )
            })?;
            let sim = factory(seed, &path).map_err(SystemError::Config)?;
            let leg = PerpLeg::open(pc, sim, &mut ledger)?;
            let in_lending = Token::Usdc.atoms(pc.reserve_in_lending);
            ledger.genesis(Holder::PerpReserve, Token::Usdc, in_lending)?;
            if let Some(l) = lending.as_mut() {
                if !(isolation.deposits || isolation.perp) {
                    l.deposit(&mut ledger, Holder::PerpReserve, in_lending)?;
                }
            }
            perp_leg = Some(leg);
        }
        let mut vault = None;
        if let Some(v) = &cfg.vault {
            let mut vc = v.clone();
            if isolation.deposits {
                vc.lending_share = 0.0;
            }
            vault = Some(OptionsVault::open(&vc, &mut ledger, eth0)?);
        }
        ledger.seal();
        let s = Self {
            cfg: cfg.clone(),
            path,
            ledger,
            pools,
            cdp,
            lending,
            vault,
            perp: perp_leg,
            events: SysEvents::default(),
            block: 0,
            rng_cdp: stream(seed, Stream::System(1)),
            rng_lending: stream(seed, Stream::System(2)),
            tripped: vec![false; cfg.breaker.len()],
            isolation,
        };
        s.check()?;
        Ok(s)
    }

    /// The current block.
    pub fn block(&self) -> u64 {
        self.block
    }

    /// Finished?
    pub fn is_done(&self) -> bool {
        self.block >= self.cfg.blocks
    }

    fn ctx(&self, reference: f64) -> Result<Ctx, SystemError> {
        let block_s = self.cfg.block_time_ms as f64 / 1000.0;
        let eth = self.pools.price(PoolId::Eth)?;
        let gwei = gas_gwei(&self.cfg.gas, self.block);
        Ok(Ctx {
            block: self.block,
            blocks_left: self.cfg.blocks - self.block,
            block_s,
            dt_years: self.cfg.block_time_ms as f64 / MS_PER_YEAR,
            blocks_per_year: MS_PER_YEAR / self.cfg.block_time_ms as f64,
            eth_reference: reference,
            eth_market: eth,
            gas_gwei: gwei,
            gas_usd: gas_cost_usd(&self.cfg.gas, gwei, eth),
        })
    }

    /// Losses now: recognized and latent (marked at the ETH pool for the CDP, whose
    /// collateral must be sold there, and at the reference for the lending market,
    /// whose oracle reads it).
    pub fn losses(&self) -> Result<Losses, SystemError> {
        let eth = self.pools.price(PoolId::Eth)?;
        let reference = self.path[usize::try_from(self.block)
            .unwrap_or(usize::MAX)
            .min(self.path.len() - 1)];
        let fusd = self.fusd_price()?;
        Ok(Losses {
            cdp: self
                .cdp
                .as_ref()
                .map_or(0.0, |c| c.bad_debt(&self.ledger) + c.latent_bad_debt(eth)),
            lending: self.lending.as_ref().map_or(0.0, |l| {
                Token::Usdc.units(l.deficit) + l.latent_deficit(reference, fusd)
            }),
            perp: match &self.perp {
                Some(p) => p.loss()?,
                None => 0.0,
            },
            vault: self.vault.as_ref().map_or(0.0, |v| {
                let lending = self.lending.as_ref();
                v.totals.shortfall
                    + (v.liability() - v.assets(&self.ledger, lending, reference)).max(0.0)
            }),
        })
    }

    /// FUSD's pool price (1 without a CDP).
    pub fn fusd_price(&self) -> Result<f64, SystemError> {
        if self.pools.has(PoolId::Peg) {
            self.pools.price(PoolId::Peg)
        } else {
            Ok(1.0)
        }
    }

    /// Advance one block.
    pub fn step(&mut self) -> Result<SystemRecord, SystemError> {
        self.block += 1;
        let b = self.block;
        let reference = self.path[usize::try_from(b)
            .unwrap_or(usize::MAX)
            .min(self.path.len() - 1)];
        let prev = self.path[usize::try_from(b - 1).unwrap_or(0).min(self.path.len() - 1)];
        if (reference / prev - 1.0).abs() >= 0.05 {
            self.events
                .first(b, Protocol::Market, SysEventKind::PriceShock, None, || {
                    format!(
                        "ETH moved {:+.1}% in one block",
                        (reference / prev - 1.0) * 100.0
                    )
                });
        }
        self.arbitrage(reference)?;
        let ctx = self.ctx(reference)?;
        if ctx.gas_gwei > 2.0 * gas_gwei(&self.cfg.gas, 0).max(1e-9) {
            self.events
                .first(b, Protocol::Market, SysEventKind::GasSpike, None, || {
                    format!("gas at {:.0} gwei", ctx.gas_gwei)
                });
        }
        self.breakers(&ctx, reference)?;
        if let Some(c) = self.cdp.as_mut() {
            c.step(
                &ctx,
                &mut self.ledger,
                &mut self.pools,
                &mut self.events,
                &mut self.rng_cdp,
            )?;
        }
        let p = self.fusd_price()?;
        if (p - 1.0).abs() > 0.01 {
            self.events
                .first(b, Protocol::Cdp, SysEventKind::Depeg, None, || {
                    format!("FUSD at {p:.4} in the peg pool")
                });
        }
        if let Some(l) = self.lending.as_mut() {
            l.step(
                &ctx,
                &mut self.ledger,
                &mut self.pools,
                &mut self.events,
                &mut self.rng_lending,
            )?;
        }
        if let Some(p) = self.perp.as_mut() {
            p.step(
                &ctx,
                &mut self.ledger,
                &mut self.pools,
                self.lending.as_mut(),
                &mut self.events,
            )?;
        }
        if let Some(v) = self.vault.as_mut() {
            v.step(
                &ctx,
                &mut self.ledger,
                &mut self.pools,
                self.lending.as_mut(),
                &mut self.events,
            )?;
        }
        self.check()?;
        self.record(reference)
    }

    /// The arbitrageur trades the ETH pool toward the reference, within its per-block
    /// size and its inventory.
    fn arbitrage(&mut self, reference: f64) -> Result<(), SystemError> {
        let ep = &self.cfg.eth_pool;
        let x = Token::Eth.units(self.ledger.balance(Holder::EthPool, Token::Eth));
        let y = Token::Usdc.units(self.ledger.balance(Holder::EthPool, Token::Usdc));
        let price = y / x;
        if price > reference * (1.0 + ep.fee) {
            let target_x = libm::sqrt(x * y / reference);
            let eth = (target_x - x).min(ep.arbitrage_per_block / reference);
            let atoms = Token::Eth
                .atoms(eth)
                .min(self.ledger.balance(Holder::Arbitrageur, Token::Eth));
            self.pools
                .sell(&mut self.ledger, PoolId::Eth, Holder::Arbitrageur, atoms)?;
        } else if price < reference * (1.0 - ep.fee) {
            let target_y = libm::sqrt(x * y * reference);
            let usdc = (target_y - y).min(ep.arbitrage_per_block);
            let atoms = Token::Usdc
                .atoms(usdc)
                .min(self.ledger.balance(Holder::Arbitrageur, Token::Usdc));
            self.pools
                .buy(&mut self.ledger, PoolId::Eth, Holder::Arbitrageur, atoms)?;
        }
        Ok(())
    }

    fn breakers(&mut self, ctx: &Ctx, reference: f64) -> Result<(), SystemError> {
        let fusd = self.fusd_price()?;
        let losses = self.losses()?;
        let utilization = self
            .lending
            .as_ref()
            .map_or(0.0, |l| l.utilization(&self.ledger));
        let drawdown = 1.0 - reference / self.path[0];
        for (i, br) in self.cfg.breaker.clone().iter().enumerate() {
            if self.tripped[i] {
                continue;
            }
            let (value, trips) = match br.when {
                BreakerSignal::FusdBelow => (fusd, fusd < br.threshold),
                BreakerSignal::CdpBadDebtAbove => (losses.cdp, losses.cdp > br.threshold),
                BreakerSignal::LendingDeficitAbove => {
                    (losses.lending, losses.lending > br.threshold)
                }
                BreakerSignal::LendingUtilizationAbove => (utilization, utilization > br.threshold),
                BreakerSignal::EthDrawdownAbove => (drawdown, drawdown > br.threshold),
                BreakerSignal::PerpFundBelow => {
                    let share = self.perp.as_ref().map_or(1.0, PerpLeg::fund_share);
                    (share, share < br.threshold)
                }
            };
            if !trips {
                continue;
            }
            self.tripped[i] = true;
            let target = self.apply(br.action);
            let (when, action) = (br.when, br.action);
            self.events.first(
                ctx.block,
                target,
                SysEventKind::BreakerTripped,
                None,
                || format!("{when:?} at {value:.4}: {action:?}"),
            );
        }
        Ok(())
    }

    /// Take a breaker's action; returns the protocol it acts on.
    fn apply(&mut self, action: BreakerAction) -> Protocol {
        let lending = self.lending.iter_mut();
        match action {
            BreakerAction::LendingFixFusdPrice => lending.for_each(|l| l.fusd_fixed = true),
            BreakerAction::LendingFreezeFusd => lending.for_each(|l| l.fusd_frozen = true),
            BreakerAction::LendingPauseWithdrawals => {
                lending.for_each(|l| l.withdrawals_paused = true)
            }
            BreakerAction::CdpStopKicks => self
                .cdp
                .iter_mut()
                .for_each(|c| c.stopped = c.stopped.max(1)),
            BreakerAction::PerpStopRefills => self.perp.iter_mut().for_each(|p| p.stopped = true),
            BreakerAction::VaultStopWriting => self.vault.iter_mut().for_each(|v| v.stopped = true),
        }
        match action {
            BreakerAction::LendingFixFusdPrice
            | BreakerAction::LendingFreezeFusd
            | BreakerAction::LendingPauseWithdrawals => Protocol::Lending,
            BreakerAction::CdpStopKicks => Protocol::Cdp,
            BreakerAction::PerpStopRefills => Protocol::Perp,
            BreakerAction::VaultStopWriting => Protocol::Vault,
        }
    }

    /// Every identity, exactly.
    fn check(&self) -> Result<(), SystemError> {
        let ensure = |ok: bool, what: &dyn Fn() -> String| {
            if ok {
                Ok(())
            } else {
                Err(SystemError::Invariant {
                    block: self.block,
                    what: what(),
                })
            }
        };
        let e = self.ledger.conservation_error();
        ensure(e == [0; 4], &|| {
            format!("tokens not conserved: {e:?} atoms (USDC, ETH, FUSD, MKR)")
        })?;
        ensure(self.pools.in_sync(&self.ledger), &|| {
            "a pool's reserves differ from its holder's balances".into()
        })?;
        if let Some(c) = &self.cdp {
            let d = c.identity_error(&self.ledger);
            ensure(d == 0, &|| {
                format!("FUSD supply ≠ vault debt + vice + float by {d} atoms")
            })?;
            let k: i128 = c.keepers.iter().map(|k| k.fusd).sum();
            ensure(
                k == self.ledger.balance(Holder::Keepers, Token::Fusd),
                &|| "keepers' FUSD differs from their wallets".into(),
            )?;
        }
        if let Some(p) = &self.perp {
            ensure(
                p.injected() == self.ledger.balance(Holder::PerpVenue, Token::Usdc),
                &|| "the perp venue's top-ups differ from what the system sent it".into(),
            )?;
        }
        if let Some(l) = &self.lending {
            let d = l.identity_error(&self.ledger);
            ensure(d == 0, &|| {
                format!("lending claims ≠ cash + debt + deficit by {d} atoms")
            })?;
        }
        Ok(())
    }

    fn record(&self, reference: f64) -> Result<SystemRecord, SystemError> {
        let losses = self.losses()?;
        let eth = self.pools.price(PoolId::Eth)?;
        let cdp = self.cdp.as_ref();
        let lending = self.lending.as_ref();
        let vault = self.vault.as_ref();
        Ok(SystemRecord {
            block: self.block,
            eth_reference: reference,
            eth_pool: eth,
            gas_gwei: gas_gwei(&self.cfg.gas, self.block),
            fusd_price: self.fusd_price()?,
            mkr_price: if self.pools.has(PoolId::Mkr) {
                self.pools.price(PoolId::Mkr)?
            } else {
                0.0
            },
            osm_price: cdp.map_or(0.0, |c| c.osm.current),
            cdp_vault_debt: cdp.map_or(0.0, |c| Token::Fusd.units(c.vault_debt())),
            cdp_in_auction: cdp.map_or(0.0, |c| Token::Fusd.units(c.dirt())),
            cdp_auctions: cdp.map_or(0, |c| c.auctions.len() as u64),
            cdp_bad_debt: losses.cdp,
            lending_utilization: lending.map_or(0.0, |l| l.utilization(&self.ledger)),
            lending_borrow_rate: lending.map_or(0.0, |l| l.borrow_rate),
            lending_cash: Token::Usdc.units(self.ledger.balance(Holder::LendingPool, Token::Usdc)),
            lending_deficit: losses.lending,
            lending_liquidations: lending.map_or(0, |l| l.totals.liquidations),
            vault_liability: vault.map_or(0.0, OptionsVault::liability),
            vault_equity: vault.map_or(0.0, |v| {
                v.assets(&self.ledger, lending, reference) - v.liability()
            }),
            vault_requirement: vault.map_or(0.0, |v| v.requirement),
            vault_shortfall: losses.vault,
            perp_insurance_fund: self
                .perp
                .as_ref()
                .map_or(0.0, |p| Token::Usdc.units(p.fund())),
            perp_loss: losses.perp,
            system_loss: losses.total(),
        })
    }

    /// The exposure network as it stands (USD): who holds whose liabilities, each
    /// protocol's outside assets and what it owes outside. Protocols in the order CDP,
    /// lending, vault; index 3 is "outside".
    pub fn exposures(&self) -> Result<Exposures, SystemError> {
        let eth = self.pools.price(PoolId::Eth)?;
        let fusd = self.fusd_price()?;
        let mut l = vec![vec![0.0; 4]; 4];
        let mut external = vec![0.0; 3];
        if let Some(c) = &self.cdp {
            // FUSD is the CDP's liability; the lending market holds it as collateral and
            // in its reserve fund.
            let in_lending = self.ledger.balance(Holder::LendingPool, Token::Fusd)
                + self.ledger.balance(Holder::LendingReserveFund, Token::Fusd);
            l[0][1] = Token::Fusd.units(in_lending);
            l[0][3] = Token::Fusd.units(self.ledger.supply(Token::Fusd) - in_lending);
            external[0] = c
                .vaults
                .iter()
                .map(|v| Token::Eth.units(v.ink))
                .sum::<f64>()
                * eth
                + Token::Eth.units(self.ledger.balance(Holder::CdpClipper, Token::Eth)) * eth;
        }
        if let Some(lm) = &self.lending {
            let vault_claim = Token::Usdc.units(lm.claim_of(Holder::OptionsVault));
            l[1][2] = vault_claim;
            l[1][3] = Token::Usdc.units(lm.claims()) - vault_claim;
            // Outside assets: cash and what the loans can recover from non-FUSD collateral
            // (FUSD collateral's value is the CDP's liability, counted as the claim l[0][1]).
            let cash = Token::Usdc.units(self.ledger.balance(Holder::LendingPool, Token::Usdc));
            let loans: f64 = lm
                .borrowers
                .iter()
                .map(|b| {
                    let debt = Token::Usdc.units(b.debt);
                    match b.asset {
                        Asset::Eth => debt.min(Token::Eth.units(b.collateral) * eth),
                        Asset::Fusd => {
                            debt - debt.min(Token::Fusd.units(b.collateral) * fusd.min(1.0))
                        }
                    }
                })
                .sum();
            external[1] = cash
                + loans
                + Token::Usdc.units(self.ledger.balance(Holder::LendingReserveFund, Token::Usdc));
        }
        if let Some(v) = &self.vault {
            l[2][3] = v.liability();
            external[2] = Token::Usdc.units(self.ledger.balance(Holder::OptionsVault, Token::Usdc))
                + Token::Eth.units(self.ledger.balance(Holder::OptionsVault, Token::Eth)) * eth;
        }
        Ok(Exposures {
            names: ["cdp", "lending", "vault"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            present: vec![
                self.cdp.is_some(),
                self.lending.is_some(),
                self.vault.is_some(),
            ],
            liabilities: l,
            external_assets: external,
        })
    }
}

/// An exposure network snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposures {
    /// Protocol names.
    pub names: Vec<String>,
    /// Which protocols exist in this system.
    pub present: Vec<bool>,
    /// `liabilities[i][j]`: what `i` owes `j` (index 3 is outside).
    pub liabilities: Vec<Vec<f64>>,
    /// Outside assets per protocol.
    pub external_assets: Vec<f64>,
}

/// The perp venue's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerpTotals {
    /// USDC paid into the insurance fund from the reserve.
    pub refilled: f64,
    /// What the fund needed and the reserve could not raise (summed per block).
    pub reserve_short: f64,
    /// Liquidations.
    pub liquidations: u64,
    /// ADL fills.
    pub adl_events: u64,
    /// Loss past bankruptcy prices.
    pub loss_past_bankruptcy: f64,
    /// Insurance fund at the end.
    pub insurance_fund_end: f64,
}

/// Per-protocol outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemSummary {
    /// System name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// Blocks completed.
    pub blocks: u64,
    /// Why the run stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Losses at the end.
    pub losses: Losses,
    /// System-wide loss.
    pub system_loss: f64,
    /// Lowest FUSD price.
    pub fusd_min: f64,
    /// Lowest ETH pool price relative to the reference at the same block.
    pub eth_pool_min_ratio: f64,
    /// Lowest MKR pool price relative to its opening price (1 without MKR).
    pub mkr_min_ratio: f64,
    /// CDP totals.
    pub cdp: Option<crate::cdp::CdpTotals>,
    /// Lending totals.
    pub lending: Option<crate::lending::LendingTotals>,
    /// Vault totals.
    pub vault: Option<crate::vault::VaultTotals>,
    /// Perp venue: its reserve's refills.
    pub perp: Option<PerpTotals>,
    /// Tokens minted and burned (units): FUSD and MKR.
    pub fusd_minted: f64,
    /// FUSD burned.
    pub fusd_burned: f64,
    /// MKR minted.
    pub mkr_minted: f64,
    /// Largest conservation error seen (atoms): always 0, or the run stops.
    pub conservation_error_atoms: i128,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Every block.
    pub records: Vec<SystemRecord>,
    /// The failure sequence.
    pub events: Vec<SysEvent>,
    /// Summary.
    pub summary: SystemSummary,
    /// Exposure network at the start.
    pub exposures_start: Exposures,
    /// Exposure network at the end.
    pub exposures_end: Exposures,
}

/// Run a system without a perp venue to the end.
pub fn run(cfg: &SystemConfig, seed: u64, isolation: Isolation) -> Result<Run, SystemError> {
    run_with(cfg, seed, isolation, None)
}

/// Run a system to the end; `perp` builds its perp venue, if it has one.
pub fn run_with(
    cfg: &SystemConfig,
    seed: u64,
    isolation: Isolation,
    perp: Option<PerpFactory<'_>>,
) -> Result<Run, SystemError> {
    let mut s = System::new(cfg, seed, isolation, perp)?;
    let exposures_start = s.exposures()?;
    let mut records = Vec::with_capacity(usize::try_from(cfg.blocks).unwrap_or(0));
    let (mut fusd_min, mut eth_min, mut mkr_min) = (s.fusd_price()?, 1.0f64, 1.0f64);
    let mkr0 = if s.pools.has(PoolId::Mkr) {
        s.pools.price(PoolId::Mkr)?
    } else {
        0.0
    };
    let mut error = None;
    while !s.is_done() {
        match s.step() {
            Ok(r) => {
                fusd_min = fusd_min.min(r.fusd_price);
                eth_min = eth_min.min(r.eth_pool / r.eth_reference);
                if mkr0 > 0.0 {
                    mkr_min = mkr_min.min(r.mkr_price / mkr0);
                }
                records.push(r);
            }
            Err(e) => {
                // Completed blocks are kept; the error is reported with them.
                error = Some(e.to_string());
                break;
            }
        }
    }
    let losses = s.losses()?;
    let summary = SystemSummary {
        name: cfg.name.clone(),
        seed,
        blocks: s.block(),
        error,
        losses,
        system_loss: losses.total(),
        fusd_min,
        eth_pool_min_ratio: eth_min,
        mkr_min_ratio: mkr_min,
        cdp: s.cdp.as_ref().map(|c| c.totals.clone()),
        lending: s.lending.as_ref().map(|l| l.totals.clone()),
        vault: s.vault.as_ref().map(|v| v.totals.clone()),
        perp: s.perp.as_ref().map(|p| PerpTotals {
            refilled: p.refilled,
            reserve_short: p.reserve_short,
            liquidations: p.sim.totals().liquidations,
            adl_events: p.sim.totals().adl_events,
            loss_past_bankruptcy: p.sim.totals().loss_past_bankruptcy.to_f64(),
            insurance_fund_end: Token::Usdc.units(p.fund()),
        }),
        fusd_minted: Token::Fusd.units(s.ledger.minted(Token::Fusd)),
        fusd_burned: Token::Fusd.units(s.ledger.burned(Token::Fusd)),
        mkr_minted: Token::Mkr.units(s.ledger.minted(Token::Mkr)),
        conservation_error_atoms: s
            .ledger
            .conservation_error()
            .iter()
            .map(|e| e.abs())
            .max()
            .unwrap_or(0),
    };
    Ok(Run {
        records,
        events: s.events.events().to_vec(),
        exposures_end: s.exposures()?,
        summary,
        exposures_start,
    })
}

impl System {
    /// The isolation this run was built with.
    pub fn isolation(&self) -> Isolation {
        self.isolation
    }
}
