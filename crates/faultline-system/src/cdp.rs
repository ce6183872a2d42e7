//! A Maker-like CDP under Liquidations 2.0 (MIP45: `dog.sol`, `clip.sol`, `abaci.sol`,
//! `vow.sol`, `flop.sol`, `OSM.sol`), issuing FUSD against ETH.
//!
//! - Vaults are unsafe when `ink × osm_price < debt × mat`. `bark` moves the debt to the
//!   system's bad-debt queue (`sin`, here `vice`) and auctions the collateral for
//!   `tab = debt × chop`, within the per-collateral and global limits on debt in auction
//!   (`ilk.hole`, `Hole`), partially when only part fits. The keeper who barks is paid
//!   `tip + chip × tab` in new FUSD, which also adds to `sin`.
//! - Auctions are Dutch: the price starts at `osm_price × buf` and falls along the curve;
//!   past `tail` seconds or below `cusp × top` the auction must be reset (`redo`, paid
//!   like a kick). Keepers take when the price is below the ETH market by their
//!   discount, the profit covers gas, and gas is under their limit.
//! - FUSD raised goes to the surplus buffer (`joy`), which cancels `sin` (`heal`). Debt
//!   never raised is bad debt; when it exceeds the surplus by `sump`, a debt auction
//!   mints MKR and sells it for FUSD.
//! - The stability fee accrues to the surplus each block.
//! - Breaker levels (`clip.stopped`): 1 no new auctions, 2 no resets, 3 no takes.
//!
//! Invariant (Maker's `vat`: `debt = Σ art·rate + vice`): FUSD supply equals the vaults'
//! debt plus `vice`, exactly, every block.

use crate::config::{CdpConfig, CurveConfig};
use crate::events::{Protocol, SysEventKind, SysEvents};
use crate::ledger::{Holder, Ledger, Token};
use crate::market::{Osm, PoolId, Pools};
use crate::{Ctx, SystemError};
use faultline_math::cdp::{keeper_incentive, needs_redo, PriceCurve};
use rand::RngExt;
use rand_chacha::ChaCha12Rng;

/// One vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vault {
    /// ETH collateral (atoms).
    pub ink: i128,
    /// FUSD debt (atoms), fees included.
    pub debt: i128,
}

/// A running collateral auction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Auction {
    /// FUSD still to raise (atoms).
    pub tab: i128,
    /// ETH left to sell (atoms).
    pub lot: i128,
    /// Starting price.
    pub top: f64,
    /// Block it (re)started.
    pub start: u64,
    /// English auctions: the standing bid (FUSD atoms), 0 before the first.
    pub bid: i128,
    /// English auctions: the keeper holding the standing bid.
    pub winner: Option<usize>,
    /// English auctions: the block from which the standing bid wins (`tic`).
    pub tic: u64,
    /// English auctions: the block at which the auction ends regardless (`end`).
    pub end: u64,
}

/// A keeper's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Keeper {
    /// FUSD it holds (atoms).
    pub fusd: i128,
    /// Gas price above which it sends nothing.
    pub max_gas_gwei: f64,
    /// Discount to the market it wants.
    pub min_discount: f64,
    /// How it bids in English auctions.
    pub strategy: crate::config::KeeperStrategy,
    /// Collateral it bought (ETH atoms).
    pub bought: i128,
    /// FUSD it paid.
    pub paid: i128,
}

/// Running totals.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CdpTotals {
    /// Auctions started.
    pub kicks: u64,
    /// Auctions reset.
    pub resets: u64,
    /// Takes.
    pub takes: u64,
    /// FUSD raised by auctions (units).
    pub raised: f64,
    /// Debt (FUSD units) sent to auction.
    pub debt_auctioned: f64,
    /// Keeper incentives minted (FUSD units).
    pub incentives: f64,
    /// ETH sold by auctions and the average price relative to the market at the time.
    pub eth_sold: f64,
    /// Σ paid / Σ market value of what was bought.
    pub price_to_market: f64,
    #[serde(skip)]
    market_value: f64,
    /// Debt auctions held and MKR minted.
    pub debt_auctions: u64,
    /// MKR minted.
    pub mkr_minted: f64,
    /// Blocks in which an unsafe vault waited because gas priced every keeper out.
    pub kicks_priced_out: u64,
    /// Kicks cut short by the `hole` limits.
    pub kicks_limited: u64,
    /// FUSD sold by running holders (units).
    pub holders_sold: f64,
    /// Auctions settled for less than 1% of their collateral's market value ("zero
    /// bids").
    pub zero_bid_auctions: u64,
    /// Market value of the collateral those auctions gave away (USD).
    pub zero_bid_value: f64,
    /// FUSD bought back below the peg and repaid (units).
    pub repaid_below_peg: f64,
    /// FUSD redeemed for newly minted MKR (units).
    pub redeemed: f64,
}

impl CdpTotals {
    /// Record a sale of collateral worth `value` at the market (the raise is already
    /// counted in `raised`).
    pub(crate) fn note_sale(&mut self, value: f64) {
        self.market_value += value;
        self.price_to_market = self.raised / self.market_value.max(1e-9);
    }
}

/// The CDP.
#[derive(Debug, Clone)]
pub struct Cdp {
    pub(crate) cfg: CdpConfig,
    /// Dutch auctions' price curve; `None` for English auctions.
    curve: Option<PriceCurve>,
    /// Vaults.
    pub vaults: Vec<Vault>,
    /// Running auctions.
    pub auctions: Vec<Auction>,
    /// Keepers.
    pub keepers: Vec<Keeper>,
    /// The oracle security module.
    pub osm: Osm,
    /// System debt not yet cancelled (`vice`), atoms.
    pub vice: i128,
    /// Breaker level.
    pub stopped: u8,
    /// FUSD issued without vault debt (algorithmic backing), atoms.
    pub float: i128,
    /// Totals.
    pub totals: CdpTotals,
    holders_active: u32,
    holders_left_last: f64,
    bad_since: Option<u64>,
}

impl Cdp {
    /// Open the CDP: vaults drew exactly `fusd_allocated` FUSD (atoms) at `eth_price`,
    /// their collateralization spread over `[ratio_min, ratio_max]`; keepers' FUSD is
    /// given here, the rest of the allocation by the caller.
    pub fn open(
        cfg: &CdpConfig,
        ledger: &mut Ledger,
        fusd_allocated: i128,
        eth_price: f64,
        hop_blocks: u64,
        rng: &mut ChaCha12Rng,
    ) -> Result<Self, SystemError> {
        let float_atoms = cfg
            .algorithmic
            .as_ref()
            .map_or(0, |a| Token::Fusd.atoms(a.float).min(fusd_allocated));
        let fusd_allocated = fusd_allocated - float_atoms;
        if let Some(a) = &cfg.algorithmic {
            ledger.genesis(
                Holder::Redeemers,
                Token::Usdc,
                Token::Usdc.atoms(a.arbitrage_usdc),
            )?;
        }
        let n = cfg.vaults as usize;
        let weights: Vec<f64> = (0..n).map(|_| rng.random_range(0.2..1.8)).collect();
        let total_w: f64 = weights.iter().sum();
        let mut vaults = Vec::with_capacity(n);
        let mut drawn = 0i128;
        for (i, w) in weights.iter().enumerate() {
            let debt = if i + 1 == n {
                fusd_allocated - drawn
            } else {
                #[allow(clippy::cast_possible_truncation)] // a share of the allocation
                let d = (fusd_allocated as f64 * w / total_w) as i128;
                d
            };
            drawn += debt;
            let ratio = cfg.ratio_min + (cfg.ratio_max - cfg.ratio_min) * rng.random::<f64>();
            let ink = Token::Eth.atoms(Token::Fusd.units(debt) * ratio / eth_price);
            ledger.genesis(Holder::CdpVat, Token::Eth, ink)?;
            vaults.push(Vault { ink, debt });
        }
        let mut keepers = Vec::new();
        for k in &cfg.keeper {
            let fusd = Token::Fusd.atoms(k.capital_fusd);
            keepers.push(Keeper {
                fusd,
                max_gas_gwei: k.max_gas_gwei,
                min_discount: k.min_discount,
                strategy: k.strategy,
                bought: 0,
                paid: 0,
            });
        }
        let curve = match cfg.auction.curve {
            CurveConfig::Linear { duration_s } => Some(PriceCurve::LinearDecrease {
                tau: duration_s as f64,
            }),
            CurveConfig::Stairstep { step_s, cut } => {
                Some(PriceCurve::StairstepExponentialDecrease {
                    cut,
                    step: step_s as f64,
                })
            }
            CurveConfig::English { .. } => None,
        };
        Ok(Self {
            cfg: cfg.clone(),
            curve,
            vaults,
            auctions: Vec::new(),
            keepers,
            osm: Osm::new(hop_blocks, eth_price),
            vice: 0,
            stopped: cfg.breaker_level,
            float: float_atoms,
            totals: CdpTotals::default(),
            holders_active: cfg.holder_run.holders,
            holders_left_last: 0.0,
            bad_since: None,
        })
    }

    /// FUSD the keepers start with (atoms), for the genesis allocation.
    pub fn keepers_fusd(cfg: &CdpConfig) -> i128 {
        cfg.keeper
            .iter()
            .map(|k| Token::Fusd.atoms(k.capital_fusd))
            .sum()
    }

    /// Σ vault debt (atoms).
    pub fn vault_debt(&self) -> i128 {
        self.vaults.iter().map(|v| v.debt).sum()
    }

    /// Debt still being auctioned (atoms).
    pub fn dirt(&self) -> i128 {
        self.auctions.iter().map(|a| a.tab - a.bid).sum()
    }

    /// Bad debt: `sin` that neither the surplus nor running auctions can cover (FUSD units).
    pub fn bad_debt(&self, ledger: &Ledger) -> f64 {
        let joy = ledger.balance(Holder::CdpVow, Token::Fusd);
        Token::Fusd.units((self.vice - joy - self.dirt()).max(0))
    }

    /// Bad debt not yet recognized (FUSD units), marked at `eth` (what collateral
    /// fetches now): running auctions whose lot is worth less than their tab, and
    /// vaults whose collateral is worth less than their debt.
    pub fn latent_bad_debt(&self, eth: f64) -> f64 {
        let auctions: f64 = self
            .auctions
            .iter()
            .map(|a| {
                // What it can still raise: its lot's worth, or the standing bid if higher.
                let raise = (Token::Eth.units(a.lot) * eth).max(Token::Fusd.units(a.bid));
                (Token::Fusd.units(a.tab) - raise).max(0.0)
            })
            .sum();
        let vaults: f64 = self
            .vaults
            .iter()
            .map(|v| (Token::Fusd.units(v.debt) - Token::Eth.units(v.ink) * eth).max(0.0))
            .sum();
        auctions + vaults
    }

    /// Maker's identity: FUSD supply − (Σ vault debt + vice + float), zero in a correct
    /// run.
    pub fn identity_error(&self, ledger: &Ledger) -> i128 {
        ledger.supply(Token::Fusd) - self.vault_debt() - self.vice - self.float
    }

    /// One block of the CDP.
    pub fn step(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
        rng: &mut ChaCha12Rng,
    ) -> Result<(), SystemError> {
        self.osm.poke(ctx.block, ctx.eth_reference);
        self.accrue(ctx, ledger)?;
        self.bark(ctx, ledger, events)?;
        self.auctions_step(ctx, ledger, pools, events)?;
        self.heal(ledger)?;
        self.debt_auction(ctx, ledger, pools, events)?;
        self.defend_peg(ledger, pools)?;
        self.dumps(ctx, ledger, pools)?;
        self.holder_run(ctx, ledger, pools, events, rng)?;
        self.redeem(ctx, ledger, pools, events)?;
        Ok(())
    }

    fn accrue(&mut self, ctx: &Ctx, ledger: &mut Ledger) -> Result<(), SystemError> {
        let rate = self.cfg.stability_fee_annual * ctx.dt_years;
        if rate <= 0.0 {
            return Ok(());
        }
        let mut total = 0i128;
        for v in &mut self.vaults {
            #[allow(clippy::cast_possible_truncation)] // a small fraction of the debt
            let fee = (v.debt as f64 * rate) as i128;
            v.debt += fee;
            total += fee;
        }
        ledger.mint(Token::Fusd, Holder::CdpVow, total)
    }

    /// The first keeper who will send a kick or reset now: gas under its limit and, when
    /// the protocol pays an incentive, the incentive covering the gas. Without an
    /// incentive (Liquidations 1.x, `cat.bite`) keepers kick to get the auction and pay
    /// the gas themselves.
    pub(crate) fn keeper_for_gas(&self, ctx: &Ctx, reward_usd: f64) -> Option<usize> {
        let paid = self.cfg.auction.tip > 0.0 || self.cfg.auction.chip > 0.0;
        if paid && reward_usd < ctx.gas_usd {
            return None;
        }
        self.keepers
            .iter()
            .position(|k| ctx.gas_gwei <= k.max_gas_gwei)
    }

    /// Book a sale of `lot` (ETH atoms, already in the keepers' wallet) to keeper `k` for
    /// `raised` FUSD atoms at this block's market, then let the keeper recycle: sell the
    /// ETH and buy FUSD back for the next auction. Shared by Dutch takes and English
    /// settlements.
    #[allow(clippy::too_many_arguments)] // the block's context and the three books it moves
    pub(crate) fn sold_to_keeper(
        &mut self,
        k: usize,
        raised: i128,
        lot: i128,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let value = Token::Eth.units(lot) * ctx.eth_market;
        let r = Token::Fusd.units(raised);
        self.keepers[k].bought += lot;
        self.totals.takes += 1;
        self.totals.raised += r;
        self.totals.eth_sold += Token::Eth.units(lot);
        self.totals.note_sale(value);
        if r < 0.01 * value {
            self.totals.zero_bid_auctions += 1;
            self.totals.zero_bid_value += value;
        }
        if r < 0.5 * value {
            events.first(
                ctx.block,
                Protocol::Cdp,
                SysEventKind::AuctionBelowHalfMarket,
                Some(r),
                || format!("collateral worth {value:.0} sold for {r:.2} FUSD"),
            );
        }
        let usdc = pools.sell(ledger, PoolId::Eth, Holder::Keepers, lot)?;
        if pools.has(PoolId::Peg) {
            let fusd = pools.buy(ledger, PoolId::Peg, Holder::Keepers, usdc)?;
            self.keepers[k].fusd += fusd;
        }
        Ok(())
    }

    pub(crate) fn pay_incentive(
        &mut self,
        keeper: usize,
        tab: i128,
        ledger: &mut Ledger,
    ) -> Result<(), SystemError> {
        let a = &self.cfg.auction;
        let inc = Token::Fusd.atoms(keeper_incentive(Token::Fusd.units(tab), a.tip, a.chip));
        ledger.mint(Token::Fusd, Holder::Keepers, inc)?;
        self.keepers[keeper].fusd += inc;
        self.vice += inc;
        self.totals.incentives += Token::Fusd.units(inc);
        Ok(())
    }

    fn bark(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        if self.stopped >= 1 {
            return Ok(());
        }
        let chop = 1.0 + self.cfg.penalty;
        let hole = Token::Fusd.atoms(self.cfg.auction.hole.min(self.cfg.auction.global_hole));
        let mut priced_out = false;
        let mut dirt = self.dirt();
        for i in 0..self.vaults.len() {
            let v = self.vaults[i];
            if v.debt <= 0 {
                continue;
            }
            let value = Token::Eth.units(v.ink) * self.osm.current;
            if value >= Token::Fusd.units(v.debt) * self.cfg.liquidation_ratio {
                continue;
            }
            #[allow(clippy::cast_possible_truncation)] // debt × chop, bounded
            let tab_full = (v.debt as f64 * chop) as i128;
            let room = hole - dirt;
            if room <= 0 {
                self.totals.kicks_limited += 1;
                events.first(
                    ctx.block,
                    Protocol::Cdp,
                    SysEventKind::AuctionLimitReached,
                    None,
                    || "the limit on debt in auction is full: unsafe vaults wait".into(),
                );
                break;
            }
            let reward = keeper_incentive(
                Token::Fusd.units(tab_full.min(room)),
                self.cfg.auction.tip,
                self.cfg.auction.chip,
            );
            let Some(k) = self.keeper_for_gas(ctx, reward) else {
                priced_out = true;
                continue;
            };
            // Only what fits in the room is liquidated (dog.bark's partial liquidation),
            // and no more collateral than `lump` per auction (cat.bite).
            let mut f = 1.0f64;
            if tab_full > room {
                self.totals.kicks_limited += 1;
                f = room as f64 / tab_full as f64;
            }
            let lump = Token::Eth.atoms(self.cfg.lump);
            if lump > 0 && v.ink > lump {
                f = f.min(lump as f64 / v.ink as f64);
            }
            #[allow(clippy::cast_possible_truncation)] // fractions of the vault
            let (debt, ink, tab) = if f >= 1.0 {
                (v.debt, v.ink, tab_full)
            } else {
                (
                    (v.debt as f64 * f) as i128,
                    (v.ink as f64 * f) as i128,
                    (tab_full as f64 * f) as i128,
                )
            };
            self.vaults[i].debt -= debt;
            self.vaults[i].ink -= ink;
            ledger.transfer(Token::Eth, Holder::CdpVat, Holder::CdpClipper, ink)?;
            self.vice += debt;
            self.auctions.push(Auction {
                tab,
                lot: ink,
                top: self.osm.current * self.cfg.auction.buf,
                start: ctx.block,
                bid: 0,
                winner: None,
                tic: 0,
                end: ctx.block + self.english_blocks(ctx).map_or(0, |e| e.1),
            });
            dirt += tab;
            self.pay_incentive(k, tab, ledger)?;
            self.totals.kicks += 1;
            self.totals.debt_auctioned += Token::Fusd.units(debt);
            events.first(
                ctx.block,
                Protocol::Cdp,
                SysEventKind::AuctionKicked,
                Some(Token::Fusd.units(debt)),
                || {
                    format!(
                        "vault {i} liquidated: {:.0} FUSD of debt to auction",
                        Token::Fusd.units(debt)
                    )
                },
            );
        }
        if priced_out {
            self.totals.kicks_priced_out += 1;
            events.first(
                ctx.block,
                Protocol::Cdp,
                SysEventKind::KickPricedOut,
                None,
                || {
                    format!(
                        "gas at {:.0} gwei: no keeper will pay to start an auction",
                        ctx.gas_gwei
                    )
                },
            );
        }
        Ok(())
    }

    fn auctions_step(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let a = self.cfg.auction.clone();
        let Some(curve) = self.curve else {
            return self.english_step(ctx, ledger, pools, events);
        };
        let mut i = 0;
        while i < self.auctions.len() {
            let au = self.auctions[i];
            let elapsed = (ctx.block - au.start) as f64 * ctx.block_s;
            let price = curve.price(au.top, elapsed);
            if needs_redo(au.top, price, elapsed, a.tail_s as f64, a.cusp) {
                if self.stopped < 2 {
                    let reward = keeper_incentive(Token::Fusd.units(au.tab), a.tip, a.chip);
                    if let Some(k) = self.keeper_for_gas(ctx, reward) {
                        self.auctions[i].top = self.osm.current * a.buf;
                        self.auctions[i].start = ctx.block;
                        self.pay_incentive(k, au.tab, ledger)?;
                        self.totals.resets += 1;
                        events.first(
                            ctx.block,
                            Protocol::Cdp,
                            SysEventKind::AuctionReset,
                            None,
                            || "an auction ran too long or fell too far and was reset".into(),
                        );
                    }
                }
                i += 1;
                continue;
            }
            if self.stopped < 3 {
                self.takes(i, price, ctx, ledger, pools, events)?;
            }
            let au = self.auctions[i];
            if au.tab <= 0 || au.lot <= 0 {
                if au.lot > 0 {
                    ledger.transfer(Token::Eth, Holder::CdpClipper, Holder::VaultOwners, au.lot)?;
                }
                if au.tab > 0 {
                    events.first(
                        ctx.block,
                        Protocol::Cdp,
                        SysEventKind::CdpBadDebt,
                        Some(Token::Fusd.units(au.tab)),
                        || {
                            format!(
                                "an auction sold all its collateral {:.0} FUSD short",
                                Token::Fusd.units(au.tab)
                            )
                        },
                    );
                }
                self.auctions.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(())
    }

    fn takes(
        &mut self,
        i: usize,
        price: f64,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        for k in 0..self.keepers.len() {
            let au = self.auctions[i];
            if au.tab <= 0 || au.lot <= 0 {
                break;
            }
            let keeper = &self.keepers[k];
            if ctx.gas_gwei > keeper.max_gas_gwei
                || price > ctx.eth_market * (1.0 - keeper.min_discount)
            {
                continue;
            }
            let afford = if price > 0.0 {
                Token::Eth.atoms(Token::Fusd.units(keeper.fusd) / price)
            } else {
                au.lot
            };
            let for_tab = if price > 0.0 {
                Token::Eth.atoms(Token::Fusd.units(au.tab) / price).max(1)
            } else {
                au.lot
            };
            let slice = au.lot.min(afford).min(for_tab);
            if slice <= 0 {
                continue;
            }
            let owe = Token::Fusd
                .atoms(Token::Eth.units(slice) * price)
                .min(au.tab)
                .min(keeper.fusd);
            let value = Token::Eth.units(slice) * ctx.eth_market;
            if value - Token::Fusd.units(owe) < ctx.gas_usd {
                continue;
            }
            ledger.transfer(Token::Fusd, Holder::Keepers, Holder::CdpVow, owe)?;
            ledger.transfer(Token::Eth, Holder::CdpClipper, Holder::Keepers, slice)?;
            let kp = &mut self.keepers[k];
            kp.fusd -= owe;
            kp.paid += owe;
            self.auctions[i].tab -= owe;
            self.auctions[i].lot -= slice;
            if owe >= au.tab {
                self.auctions[i].tab = 0;
            }
            self.sold_to_keeper(k, owe, slice, ctx, ledger, pools, events)?;
        }
        Ok(())
    }

    fn heal(&mut self, ledger: &mut Ledger) -> Result<(), SystemError> {
        let h = ledger.balance(Holder::CdpVow, Token::Fusd).min(self.vice);
        if h > 0 {
            ledger.burn(Token::Fusd, Holder::CdpVow, h)?;
            self.vice -= h;
        }
        Ok(())
    }

    fn debt_auction(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let Some(d) = self.cfg.debt_auction.clone() else {
            return Ok(());
        };
        if self.bad_debt(ledger) < d.sump {
            self.bad_since = None;
            return Ok(());
        }
        // Bad debt waits in the queue `wait` seconds before it may be auctioned (vow.wait).
        let since = *self.bad_since.get_or_insert(ctx.block);
        #[allow(clippy::cast_precision_loss)] // block counts
        let waited_s = (ctx.block - since) as f64 * ctx.block_s;
        if waited_s < d.wait_s as f64 {
            return Ok(());
        }
        let sump = Token::Fusd.atoms(d.sump);
        if ledger.balance(Holder::MkrBidders, Token::Fusd) < sump {
            events.first(
                ctx.block,
                Protocol::Cdp,
                SysEventKind::DebtAuctionFailed,
                Some(d.sump),
                || "a debt auction found no bidder with enough FUSD".into(),
            );
            return Ok(());
        }
        let mkr_price = pools.price(PoolId::Mkr)?;
        let lot = Token::Mkr.atoms(d.sump / (mkr_price * (1.0 - d.discount)));
        ledger.transfer(Token::Fusd, Holder::MkrBidders, Holder::CdpVow, sump)?;
        ledger.mint(Token::Mkr, Holder::MkrBidders, lot)?;
        self.heal(ledger)?;
        // Bidders sell what they bought: dilution reaches MKR's price.
        pools.sell(ledger, PoolId::Mkr, Holder::MkrBidders, lot)?;
        self.totals.debt_auctions += 1;
        self.totals.mkr_minted += Token::Mkr.units(lot);
        events.first(
            ctx.block,
            Protocol::Cdp,
            SysEventKind::DebtAuction,
            Some(d.sump),
            || {
                format!(
                    "debt auction: {:.0} MKR minted at {mkr_price:.2} for {:.0} FUSD",
                    Token::Mkr.units(lot),
                    d.sump
                )
            },
        );
        Ok(())
    }

    /// Vault owners buy FUSD below the peg and repay their debt, riskiest vault first.
    fn defend_peg(&mut self, ledger: &mut Ledger, pools: &mut Pools) -> Result<(), SystemError> {
        if self.cfg.repay_arbitrage_per_block <= 0.0 || !pools.has(PoolId::Peg) {
            return Ok(());
        }
        let p = pools.price(PoolId::Peg)?;
        if p >= 1.0 - 2.0 * self.cfg.peg_pool.fee - 0.001 {
            return Ok(());
        }
        let budget = Token::Usdc
            .atoms(self.cfg.repay_arbitrage_per_block)
            .min(ledger.balance(Holder::VaultOwners, Token::Usdc));
        let mut fusd = pools.buy(ledger, PoolId::Peg, Holder::VaultOwners, budget)?;
        let osm = self.osm.current;
        let mut order: Vec<usize> = (0..self.vaults.len())
            .filter(|&i| self.vaults[i].debt > 0)
            .collect();
        order.sort_by(|&a, &b| {
            let r = |v: &Vault| Token::Eth.units(v.ink) * osm / Token::Fusd.units(v.debt);
            r(&self.vaults[a])
                .total_cmp(&r(&self.vaults[b]))
                .then(a.cmp(&b))
        });
        let bought = fusd;
        for i in order {
            if fusd <= 0 {
                break;
            }
            let x = fusd.min(self.vaults[i].debt);
            ledger.burn(Token::Fusd, Holder::VaultOwners, x)?;
            self.vaults[i].debt -= x;
            fusd -= x;
        }
        // With algorithmic backing, what no vault owes is burned against the float.
        let x = fusd.min(self.float);
        if x > 0 {
            ledger.burn(Token::Fusd, Holder::VaultOwners, x)?;
            self.float -= x;
            fusd -= x;
        }
        self.totals.repaid_below_peg += Token::Fusd.units(bought - fusd);
        Ok(())
    }

    fn dumps(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
    ) -> Result<(), SystemError> {
        for d in self
            .cfg
            .dumps
            .clone()
            .iter()
            .filter(|d| d.block == ctx.block)
        {
            let sell = Token::Fusd
                .atoms(d.fusd)
                .min(ledger.balance(Holder::FusdHolders, Token::Fusd));
            if pools.has(PoolId::Peg) && sell > 0 {
                pools.sell(ledger, PoolId::Peg, Holder::FusdHolders, sell)?;
                self.totals.holders_sold += Token::Fusd.units(sell);
            }
        }
        Ok(())
    }

    /// Terra's swap: arbitrageurs buy FUSD below the peg, redeem it for $1 of new MKR
    /// (less the spread) at MKR's pool price, and sell the MKR.
    fn redeem(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let Some(a) = self.cfg.algorithmic.clone() else {
            return Ok(());
        };
        if !pools.has(PoolId::Peg) || !pools.has(PoolId::Mkr) || self.float <= 0 {
            return Ok(());
        }
        if a.halt_block.is_some_and(|h| ctx.block >= h) {
            return Ok(());
        }
        let p = pools.price(PoolId::Peg)?;
        if p >= 1.0 - a.spread - self.cfg.peg_pool.fee {
            return Ok(());
        }
        let cap = Token::Fusd.atoms(a.redeem_per_block).min(self.float);
        let budget = Token::Usdc
            .atoms(Token::Fusd.units(cap) * p)
            .min(ledger.balance(Holder::Redeemers, Token::Usdc));
        pools.buy(ledger, PoolId::Peg, Holder::Redeemers, budget)?;
        let f = ledger.balance(Holder::Redeemers, Token::Fusd).min(cap);
        if f <= 0 {
            return Ok(());
        }
        ledger.burn(Token::Fusd, Holder::Redeemers, f)?;
        self.float -= f;
        let mkr_price = pools.price(PoolId::Mkr)?.max(1e-12);
        let mkr = Token::Mkr.atoms(Token::Fusd.units(f) * (1.0 - a.spread) / mkr_price);
        ledger.mint(Token::Mkr, Holder::Redeemers, mkr)?;
        pools.sell(ledger, PoolId::Mkr, Holder::Redeemers, mkr)?;
        self.totals.redeemed += Token::Fusd.units(f);
        self.totals.mkr_minted += Token::Mkr.units(mkr);
        events.first(
            ctx.block,
            Protocol::Cdp,
            SysEventKind::AlgorithmicRedemption,
            Some(Token::Fusd.units(f)),
            || {
                format!(
                    "{:.0} FUSD redeemed for {:.0} new MKR at {mkr_price:.4}",
                    Token::Fusd.units(f),
                    Token::Mkr.units(mkr)
                )
            },
        );
        Ok(())
    }

    fn holder_run(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
        rng: &mut ChaCha12Rng,
    ) -> Result<(), SystemError> {
        let run = &self.cfg.holder_run;
        if self.holders_active == 0 || run.base <= 0.0 || !pools.has(PoolId::Peg) {
            return Ok(());
        }
        // Holders watch the peg and the CDP's balance sheet (recognized and latent bad debt).
        let underwater = self.bad_debt(ledger) + self.latent_bad_debt(ctx.eth_market);
        let distressed = pools.price(PoolId::Peg)? < run.trigger || underwater > 0.0;
        if !distressed {
            self.holders_left_last = 0.0;
            return Ok(());
        }
        let p = (run.base + run.herd * self.holders_left_last).min(1.0);
        let before = self.holders_active;
        let mut leaving = 0u32;
        for _ in 0..before {
            if rng.random::<f64>() < p {
                leaving += 1;
            }
        }
        self.holders_left_last = f64::from(leaving) / f64::from(before);
        if leaving == 0 {
            return Ok(());
        }
        let bal = ledger.balance(Holder::FusdHolders, Token::Fusd);
        let sell = bal * i128::from(leaving) / i128::from(before);
        self.holders_active -= leaving;
        pools.sell(ledger, PoolId::Peg, Holder::FusdHolders, sell)?;
        self.totals.holders_sold += Token::Fusd.units(sell);
        events.first(
            ctx.block,
            Protocol::Cdp,
            SysEventKind::HolderRun,
            Some(Token::Fusd.units(sell)),
            || format!("{leaving} of {before} FUSD holders sold into the peg pool"),
        );
        Ok(())
    }
}
