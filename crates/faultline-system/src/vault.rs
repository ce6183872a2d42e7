//! An options vault (Ribbon/Thetanuts-style): each epoch it writes cash-secured puts or
//! covered calls on ETH at a strike `otm` from spot, collects the Black–Scholes premium
//! (Black and Scholes 1973, `faultline_math::options`) at the realized EWMA volatility
//! (half-life half an epoch) held between `implied_vol` and `max_implied_vol`, and
//! settles in cash at expiry.
//!
//! It is margined on its greeks: the requirement is the delta-gamma loss of its short
//! options under a move of ±`margin_shock` (`Δ·dS + ½·Γ·dS²`, the larger side, per
//! contract), and when equity falls below it the vault buys options back (at 2% over the
//! model price) until it is met again — if it can raise the cash. A put vault keeps a
//! share of its idle USDC in the lending market and must withdraw it to pay; when that
//! market cannot pay, the vault cannot de-risk or settle, and the option buyers take
//! the shortfall. Written with `collateral_ratio < 1` the vault is levered, and its loss
//! through a gap grows with the square of the move (gamma).

use crate::config::{VaultConfig, VaultKind};
use crate::events::{Protocol, SysEventKind, SysEvents};
use crate::ledger::{Holder, Ledger, Token};
use crate::lending::{raise_usdc, Lending};
use crate::market::{PoolId, Pools};
use crate::{Ctx, SystemError};
use faultline_math::options::{black_scholes, Greeks, OptionKind};

const BUYBACK_PREMIUM: f64 = 0.02;

/// Running totals.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct VaultTotals {
    /// Epochs written.
    pub epochs: u64,
    /// Premium collected (USD).
    pub premium: f64,
    /// Paid to buyers at expiry (USD).
    pub paid_at_expiry: f64,
    /// Spent buying options back (USD).
    pub bought_back: f64,
    /// Owed at expiry and not paid (USD).
    pub shortfall: f64,
    /// Largest liability marked (USD).
    pub max_liability: f64,
    /// Lowest equity (USD).
    pub min_equity: f64,
}

/// The vault.
#[derive(Debug, Clone)]
pub struct OptionsVault {
    cfg: VaultConfig,
    /// Options outstanding (ETH units of underlying).
    pub contracts: f64,
    /// Strike.
    pub strike: f64,
    /// Expiry block.
    pub expiry: u64,
    /// Writing stopped by a breaker.
    pub stopped: bool,
    /// Totals.
    pub totals: VaultTotals,
    /// Value at the start (USD).
    pub start_value: f64,
    variance: f64,
    last_price: f64,
    vol: f64,
    /// Greeks of the book now (per contract) and the margin requirement (USD).
    pub greeks: Greeks,
    /// Margin requirement now (USD).
    pub requirement: f64,
}

impl OptionsVault {
    /// Genesis: the vault's collateral and the buyers' USDC (as much as the collateral's
    /// value, enough for every premium in a run).
    pub fn open(cfg: &VaultConfig, ledger: &mut Ledger, eth: f64) -> Result<Self, SystemError> {
        let value = match cfg.kind {
            VaultKind::Put => {
                ledger.genesis(
                    Holder::OptionsVault,
                    Token::Usdc,
                    Token::Usdc.atoms(cfg.deposits),
                )?;
                cfg.deposits
            }
            VaultKind::Call => {
                ledger.genesis(
                    Holder::OptionsVault,
                    Token::Eth,
                    Token::Eth.atoms(cfg.deposits),
                )?;
                cfg.deposits * eth
            }
        };
        ledger.genesis(Holder::OptionBuyers, Token::Usdc, Token::Usdc.atoms(value))?;
        Ok(Self {
            cfg: cfg.clone(),
            contracts: 0.0,
            strike: 0.0,
            expiry: 0,
            stopped: false,
            totals: VaultTotals {
                min_equity: value,
                ..VaultTotals::default()
            },
            start_value: value,
            variance: 0.0,
            last_price: eth,
            vol: cfg.implied_vol,
            greeks: black_scholes(OptionKind::Put, eth, eth, 0.0, cfg.implied_vol, 0.0),
            requirement: 0.0,
        })
    }

    fn option_kind(&self) -> OptionKind {
        match self.cfg.kind {
            VaultKind::Put => OptionKind::Put,
            VaultKind::Call => OptionKind::Call,
        }
    }

    /// Collateral value (USD): cash, lending claim and ETH.
    pub fn assets(&self, ledger: &Ledger, lending: Option<&Lending>, eth: f64) -> f64 {
        Token::Usdc.units(ledger.balance(Holder::OptionsVault, Token::Usdc))
            + lending.map_or(0.0, |l| Token::Usdc.units(l.claim_of(Holder::OptionsVault)))
            + Token::Eth.units(ledger.balance(Holder::OptionsVault, Token::Eth)) * eth
    }

    /// Marked liability (USD).
    pub fn liability(&self) -> f64 {
        self.greeks.price * self.contracts
    }

    /// One block: update volatility, roll or settle, mark, and de-risk if under margin.
    pub fn step(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        mut lending: Option<&mut Lending>,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let s = ctx.eth_reference;
        let r = libm::log(s / self.last_price);
        self.last_price = s;
        // EWMA of squared returns with a half-life of half an epoch.
        let half_life = (self.cfg.expiry_s as f64 / ctx.block_s / 2.0).max(1.0);
        let lambda = libm::exp(-core::f64::consts::LN_2 / half_life);
        self.variance = lambda * self.variance + (1.0 - lambda) * r * r;
        self.vol = libm::sqrt(self.variance * ctx.blocks_per_year).clamp(
            self.cfg.implied_vol,
            self.cfg.max_implied_vol.max(self.cfg.implied_vol),
        );
        if self.contracts > 0.0 && ctx.block >= self.expiry {
            self.settle(ctx, ledger, pools, lending.as_deref_mut(), events)?;
        }
        if self.contracts <= 0.0 && ctx.block >= self.expiry && !self.stopped && ctx.blocks_left > 0
        {
            self.write(ctx, ledger, lending.as_deref_mut())?;
        }
        self.mark(ctx);
        let equity = self.assets(ledger, lending.as_deref(), s) - self.liability();
        self.totals.max_liability = self.totals.max_liability.max(self.liability());
        self.totals.min_equity = self.totals.min_equity.min(equity);
        if self.contracts > 0.0 && equity < self.requirement {
            self.derisk(equity, ctx, ledger, pools, lending, events)?;
        }
        Ok(())
    }

    fn years_left(&self, ctx: &Ctx) -> f64 {
        self.expiry.saturating_sub(ctx.block) as f64 / ctx.blocks_per_year
    }

    fn mark(&mut self, ctx: &Ctx) {
        let s = ctx.eth_reference;
        self.greeks = black_scholes(
            self.option_kind(),
            s,
            self.strike,
            0.0,
            self.vol,
            self.years_left(ctx),
        );
        let ds = self.cfg.margin_shock * s;
        let loss = |d: f64| self.greeks.delta * d + 0.5 * self.greeks.gamma * d * d;
        self.requirement = self.contracts * loss(ds).max(loss(-ds)).max(0.0);
    }

    fn write(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        lending: Option<&mut Lending>,
    ) -> Result<(), SystemError> {
        let s = ctx.eth_reference;
        let assets = self.assets(ledger, lending.as_deref(), s);
        let (strike, contracts) = match self.cfg.kind {
            VaultKind::Put => {
                let k = s * (1.0 - self.cfg.otm);
                (k, assets / (k * self.cfg.collateral_ratio))
            }
            VaultKind::Call => (
                s * (1.0 + self.cfg.otm),
                Token::Eth.units(ledger.balance(Holder::OptionsVault, Token::Eth))
                    / self.cfg.collateral_ratio,
            ),
        };
        let epoch_blocks = (self.cfg.expiry_s as f64 / ctx.block_s).ceil().max(1.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a positive count
        let epoch = epoch_blocks as u64;
        self.strike = strike;
        self.expiry = ctx.block + epoch;
        let g = black_scholes(
            self.option_kind(),
            s,
            strike,
            0.0,
            self.vol,
            epoch as f64 / ctx.blocks_per_year,
        );
        let premium = Token::Usdc
            .atoms(g.price * contracts)
            .min(ledger.balance(Holder::OptionBuyers, Token::Usdc));
        let sold = if g.price > 0.0 {
            Token::Usdc.units(premium) / g.price
        } else {
            contracts
        };
        ledger.transfer(
            Token::Usdc,
            Holder::OptionBuyers,
            Holder::OptionsVault,
            premium,
        )?;
        self.contracts = sold.min(contracts);
        self.totals.premium += Token::Usdc.units(premium);
        self.totals.epochs += 1;
        if let (Some(l), VaultKind::Put) = (lending, self.cfg.kind) {
            let idle =
                ledger.balance(Holder::OptionsVault, Token::Usdc) as f64 * self.cfg.lending_share;
            #[allow(clippy::cast_possible_truncation)] // a share of a balance
            let put = idle as i128;
            l.deposit(ledger, Holder::OptionsVault, put)?;
        }
        Ok(())
    }

    fn settle(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        lending: Option<&mut Lending>,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let s = ctx.eth_reference;
        let intrinsic = match self.cfg.kind {
            VaultKind::Put => (self.strike - s).max(0.0),
            VaultKind::Call => (s - self.strike).max(0.0),
        };
        let owed = Token::Usdc.atoms(intrinsic * self.contracts);
        let paid = raise_usdc(
            ledger,
            pools,
            lending,
            Holder::OptionsVault,
            owed,
            Some(PoolId::Eth),
        )?;
        ledger.transfer(
            Token::Usdc,
            Holder::OptionsVault,
            Holder::OptionBuyers,
            paid,
        )?;
        self.totals.paid_at_expiry += Token::Usdc.units(paid);
        if paid < owed {
            let short = Token::Usdc.units(owed - paid);
            self.totals.shortfall += short;
            events.first(
                ctx.block,
                Protocol::Vault,
                SysEventKind::VaultShortfall,
                Some(short),
                || {
                    format!(
                        "the vault paid {:.0} of {:.0} USDC owed at expiry",
                        Token::Usdc.units(paid),
                        Token::Usdc.units(owed)
                    )
                },
            );
        }
        self.contracts = 0.0;
        Ok(())
    }

    fn derisk(
        &mut self,
        equity: f64,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        lending: Option<&mut Lending>,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let l = self.liability();
        let need = self.requirement - BUYBACK_PREMIUM * l;
        let f = if need > 0.0 {
            ((self.requirement - equity) / need).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let cost = Token::Usdc.atoms(f * l * (1.0 + BUYBACK_PREMIUM));
        let cash = raise_usdc(
            ledger,
            pools,
            lending,
            Holder::OptionsVault,
            cost,
            Some(PoolId::Eth),
        )?;
        let bought = if cost > 0 {
            f * cash as f64 / cost as f64
        } else {
            f
        };
        ledger.transfer(
            Token::Usdc,
            Holder::OptionsVault,
            Holder::OptionBuyers,
            cash,
        )?;
        self.contracts *= 1.0 - bought;
        self.totals.bought_back += Token::Usdc.units(cash);
        self.mark(ctx);
        events.first(
            ctx.block,
            Protocol::Vault,
            SysEventKind::VaultDeRisk,
            Some(Token::Usdc.units(cash)),
            || {
                format!(
                    "under its greeks margin, the vault bought back {:.0}% of its options",
                    bought * 100.0
                )
            },
        );
        Ok(())
    }
}
