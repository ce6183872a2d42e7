//! An options vault (Ribbon's Theta Vaults, Thetanuts): each epoch it writes
//! cash-secured puts or covered calls on an asset at `otm` from its oracle price, collects
//! the Black–Scholes premium (Black and Scholes 1973, `faultline_math::options`) at the
//! realized EWMA volatility (half-life half an epoch) held between `implied_vol` and
//! `max_implied_vol`, and settles in cash at expiry.
//!
//! It is margined on its greeks: the requirement is the delta-gamma loss of its short
//! options under a move of ±`margin_shock` (`Δ·dS + ½·Γ·dS²`, the worse side, per
//! contract), and when equity falls below it the vault buys options back at 2% over the
//! model price until it is met again — if it can raise the cash. A put vault may keep a
//! share of its idle cash in a lending market and must withdraw it to pay; when that
//! market has no cash, the vault can neither de-risk nor settle, and the option buyers
//! take the shortfall. Written with `collateral_ratio < 1` the vault is levered, and its
//! loss through a gap grows with the square of the move (gamma).
//!
//! State is in integers: contracts in the underlying's atoms, the strike as a price,
//! every payment in the cash asset's atoms (owed amounts rounded up, premiums received
//! rounded down). The model's prices and greeks are floats, as volatility is.

use crate::ledger::{HolderId, Ledger};
use crate::record::{BorneBy, OptionsDetail, ProtocolRow, ProtocolSummary};
use crate::spec::{ChainId, OracleId, ProtocolId, VenueId};
use crate::WorldError;
use faultline_math::options::{black_scholes, Greeks, OptionKind};
use faultline_units::{Amount, AssetId, Ppm, Price, Rounding, Value};

/// Options are bought back at this much over the model price.
pub const BUYBACK_PREMIUM: f64 = 0.02;

/// A vault's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultSpec {
    /// Name.
    pub name: String,
    /// The chain it runs on.
    pub chain: ChainId,
    /// Puts (collateral: cash) or calls (collateral: the underlying).
    pub kind: OptionKind,
    /// The asset the options are on.
    pub underlying: AssetId,
    /// Its decimals.
    pub underlying_decimals: u8,
    /// The oracle it marks, strikes and settles at.
    pub oracle: OracleId,
    /// The asset premiums and settlements are paid in (a dollar stablecoin).
    pub cash: AssetId,
    /// Its decimals.
    pub cash_decimals: u8,
    /// Collateral at the start, atoms (cash for puts, the underlying for calls).
    pub deposits: i128,
    /// Strike distance from spot (a fraction).
    pub otm: f64,
    /// Epoch length, ticks.
    pub epoch_ticks: u64,
    /// Seconds in one tick (for the volatility and the time to expiry).
    pub tick_s: f64,
    /// Floor of the volatility it prices at.
    pub implied_vol: f64,
    /// Cap of it.
    pub max_implied_vol: f64,
    /// Collateral per option written (below 1: levered).
    pub collateral_ratio: f64,
    /// The move its margin is computed for (a fraction of spot).
    pub margin_shock: f64,
    /// A lending market that holds this share of its idle cash between epochs.
    pub lend: Option<(ProtocolId, Ppm)>,
    /// Where a call vault sells the underlying for cash when it must pay.
    pub sell_on: Option<VenueId>,
}

/// Totals, atoms of the cash asset unless said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VaultStats {
    /// Epochs written.
    pub epochs: u64,
    /// Premium collected.
    pub premium: i128,
    /// Paid to buyers at expiry.
    pub paid_at_expiry: i128,
    /// Spent buying options back.
    pub bought_back: i128,
    /// Owed at expiry and not paid.
    pub shortfall: i128,
    /// Largest marked liability, dollars.
    pub max_liability: Value,
    /// Lowest equity, dollars (negative when under water).
    pub min_equity: Value,
}

/// A running vault.
#[derive(Debug, Clone)]
pub struct OptionsVault {
    /// Parameters.
    pub spec: VaultSpec,
    /// Its wallet (collateral and cash).
    pub wallet: HolderId,
    /// The option buyers' wallet.
    pub buyers: HolderId,
    /// Options outstanding, atoms of the underlying.
    pub contracts: i128,
    /// Strike of the current epoch.
    pub strike: Price,
    /// Tick of the current expiry.
    pub expiry: u64,
    /// Writing stopped.
    pub stopped: bool,
    /// Totals.
    pub stats: VaultStats,
    variance: f64,
    last_price: f64,
    vol: f64,
    /// Greeks of one option now.
    pub greeks: Greeks,
    /// Margin requirement now, dollars.
    pub requirement: Value,
}

/// The vault's cash sources other than its wallet, lent to it for one block.
pub struct Funding<'a> {
    /// The lending market holding its deposit and the reserve of the cash asset.
    pub lending: Option<(&'a mut crate::lending::Lending, usize)>,
    /// The pool it sells the underlying on.
    pub pool: Option<&'a crate::pool::Pool>,
}

impl std::fmt::Debug for Funding<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Funding")
            .field("lending", &self.lending.as_ref().map(|(_, i)| i))
            .field("pool", &self.pool.map(|p| p.holder))
            .finish()
    }
}

/// What happened in one block, for the failure sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockNews {
    /// Options were bought back under margin (share bought, ppm).
    pub derisked_ppm: Option<i128>,
    /// An expiry was not paid in full (atoms short).
    pub short_at_expiry: Option<i128>,
}

fn f(a: Amount, decimals: u8) -> f64 {
    a.to_units_f64(decimals)
}

/// Model units (a float) to atoms, rounded down.
fn floor_atoms(units: f64, decimals: u8) -> i128 {
    #[allow(clippy::cast_possible_truncation)] // a model quantity, far inside i128
    let atoms = (units.max(0.0) * 10f64.powi(i32::from(decimals))).floor() as i128;
    atoms
}

impl OptionsVault {
    /// Genesis: the vault's collateral and the buyers' cash (as much as the collateral is
    /// worth at `spot`, enough for every premium of a run).
    pub fn open(
        spec: VaultSpec,
        ledger: &mut Ledger,
        spot: Price,
        cash_price: Price,
    ) -> Result<Self, WorldError> {
        let wallet = ledger.open(spec.name.clone());
        let buyers = ledger.open(format!("{} option buyers", spec.name));
        let (asset, decimals) = match spec.kind {
            OptionKind::Put => (spec.cash, spec.cash_decimals),
            OptionKind::Call => (spec.underlying, spec.underlying_decimals),
        };
        let collateral = Amount::new(asset, spec.deposits);
        ledger.genesis(wallet, collateral)?;
        let price = if asset == spec.cash { cash_price } else { spot };
        let value = collateral.value(price, decimals, Rounding::Floor)?;
        let budget = Amount::for_value(
            spec.cash,
            value,
            cash_price,
            spec.cash_decimals,
            Rounding::Floor,
        )?;
        ledger.genesis(buyers, budget)?;
        let s = spot.to_f64();
        Ok(Self {
            wallet,
            buyers,
            contracts: 0,
            strike: Price::ZERO,
            expiry: 0,
            stopped: false,
            stats: VaultStats {
                min_equity: value,
                ..VaultStats::default()
            },
            variance: 0.0,
            last_price: s,
            vol: spec.implied_vol,
            greeks: black_scholes(spec.kind, s, s, 0.0, spec.implied_vol, 0.0),
            requirement: Value::ZERO,
            spec,
        })
    }

    fn years(&self, ticks: u64) -> f64 {
        ticks as f64 * self.spec.tick_s / (365.0 * 86_400.0)
    }

    fn contracts_units(&self) -> f64 {
        f(
            Amount::new(self.spec.underlying, self.contracts),
            self.spec.underlying_decimals,
        )
    }

    /// Collateral value, dollars: cash, the lending claim and the underlying.
    pub fn assets(
        &self,
        ledger: &Ledger,
        lent: i128,
        spot: Price,
        cash_price: Price,
    ) -> Result<Value, WorldError> {
        let cash = ledger.balance(self.wallet, self.spec.cash).atoms() + lent;
        let c = Amount::new(self.spec.cash, cash).value(
            cash_price,
            self.spec.cash_decimals,
            Rounding::Floor,
        )?;
        let u = ledger.balance(self.wallet, self.spec.underlying).value(
            spot,
            self.spec.underlying_decimals,
            Rounding::Floor,
        )?;
        Ok(c.checked_add(u)?)
    }

    /// Marked liability, dollars (rounded up).
    pub fn liability(&self) -> Result<Value, WorldError> {
        let v = self.greeks.price * self.contracts_units();
        Ok(Value::from_f64(v.max(0.0))?.checked_add(Value(i128::from(v > 0.0)))?)
    }

    /// Update the realized volatility with this block's price.
    pub fn observe(&mut self, spot: Price, block_ticks: u64) {
        let s = spot.to_f64();
        if s <= 0.0 || self.last_price <= 0.0 {
            return;
        }
        let r = libm::log(s / self.last_price);
        self.last_price = s;
        // EWMA of squared returns with a half-life of half an epoch.
        let blocks_per_epoch = self.spec.epoch_ticks as f64 / block_ticks.max(1) as f64;
        let half_life = (blocks_per_epoch / 2.0).max(1.0);
        let lambda = libm::exp(-core::f64::consts::LN_2 / half_life);
        self.variance = lambda * self.variance + (1.0 - lambda) * r * r;
        let per_year = 1.0 / self.years(block_ticks.max(1));
        self.vol = libm::sqrt(self.variance * per_year).clamp(
            self.spec.implied_vol,
            self.spec.max_implied_vol.max(self.spec.implied_vol),
        );
    }

    /// Mark the book at `spot` and compute the margin requirement.
    pub fn mark(&mut self, spot: Price, tick: u64) -> Result<(), WorldError> {
        let s = spot.to_f64();
        let left = self.years(self.expiry.saturating_sub(tick));
        self.greeks = black_scholes(self.spec.kind, s, self.strike.to_f64(), 0.0, self.vol, left);
        let ds = self.spec.margin_shock * s;
        let g = self.greeks;
        let loss = |d: f64| g.delta * d + 0.5 * g.gamma * d * d;
        let per = loss(ds).max(loss(-ds)).max(0.0);
        self.requirement = Value::from_f64(per * self.contracts_units())?;
        Ok(())
    }

    /// Cash atoms for `dollars` at `cash_price`, rounded as named.
    fn cash_for(&self, dollars: Value, cash_price: Price, r: Rounding) -> Result<i128, WorldError> {
        Ok(Amount::for_value(
            self.spec.cash,
            dollars,
            cash_price,
            self.spec.cash_decimals,
            r,
        )?
        .atoms())
    }

    /// Raise `want` cash atoms in the wallet: what it holds, then its lending deposit
    /// (from the market's cash only), then selling the underlying. Returns the cash in
    /// the wallet, at most `want`.
    pub fn raise(
        &mut self,
        ledger: &mut Ledger,
        want: i128,
        funding: &mut Funding<'_>,
    ) -> Result<i128, WorldError> {
        let held = |l: &Ledger| l.balance(self.wallet, self.spec.cash).atoms();
        if held(ledger) < want {
            if let Some((m, i)) = funding.lending.as_mut() {
                m.withdraw(ledger, self.wallet, *i, want - held(ledger))?;
            }
        }
        if held(ledger) < want {
            if let Some(pool) = funding.pool {
                let u = ledger.balance(self.wallet, self.spec.underlying);
                if u.is_positive() {
                    let missing = want - held(ledger);
                    // Sell only what the missing cash needs, or all of it.
                    let needed = pool
                        .amount_in(ledger, crate::pool::Direction::SellBase, missing)?
                        .map_or(u.atoms(), |n| n.min(u.atoms()));
                    crate::agents::swap(
                        ledger,
                        pool,
                        self.wallet,
                        Amount::new(self.spec.underlying, needed),
                    )?;
                }
            }
        }
        Ok(held(ledger).min(want))
    }

    /// Write a new epoch at `spot`: strike `otm` away, as many options as the collateral
    /// secures at `collateral_ratio`, sold to the buyers at the model price (premium
    /// rounded down; fewer options when the buyers run out of cash). Then lend the
    /// idle share.
    pub fn write(
        &mut self,
        ledger: &mut Ledger,
        spot: Price,
        cash_price: Price,
        tick: u64,
        funding: &mut Funding<'_>,
    ) -> Result<(), WorldError> {
        let s = spot.to_f64();
        let lent = match funding.lending.as_ref() {
            Some((m, i)) => m.claim_of(self.wallet, *i)?,
            None => 0,
        };
        let assets = self.assets(ledger, lent, spot, cash_price)?.to_f64();
        let (strike, units) = match self.spec.kind {
            OptionKind::Put => {
                let k = s * (1.0 - self.spec.otm);
                (k, assets / (k * self.spec.collateral_ratio))
            }
            OptionKind::Call => (
                s * (1.0 + self.spec.otm),
                f(
                    ledger.balance(self.wallet, self.spec.underlying),
                    self.spec.underlying_decimals,
                ) / self.spec.collateral_ratio,
            ),
        };
        self.strike = Price::from_f64(strike)?;
        self.expiry = tick + self.spec.epoch_ticks;
        let g = black_scholes(
            self.spec.kind,
            s,
            strike,
            0.0,
            self.vol,
            self.years(self.spec.epoch_ticks),
        );
        let budget = ledger.balance(self.buyers, self.spec.cash).atoms();
        let premium = self
            .cash_for(
                Value::from_f64(g.price * units)?,
                cash_price,
                Rounding::Floor,
            )?
            .min(budget);
        let sold = if g.price > 0.0 {
            let paid = f(
                Amount::new(self.spec.cash, premium),
                self.spec.cash_decimals,
            );
            (paid * cash_price.to_f64() / g.price).min(units)
        } else {
            units
        };
        ledger.transfer(
            self.buyers,
            self.wallet,
            Amount::new(self.spec.cash, premium),
        )?;
        self.contracts = floor_atoms(sold, self.spec.underlying_decimals);
        self.stats.premium += premium;
        self.stats.epochs += 1;
        if let (Some((m, i)), Some((_, share)), OptionKind::Put) =
            (funding.lending.as_mut(), self.spec.lend, self.spec.kind)
        {
            let idle = ledger.balance(self.wallet, self.spec.cash).mul_div(
                i128::from(share.atoms()),
                1_000_000,
                Rounding::Floor,
            )?;
            m.deposit(ledger, self.wallet, *i, idle.atoms())?;
        }
        Ok(())
    }

    /// Settle the epoch at `spot`: pay the intrinsic value (rounded up) as far as it can
    /// raise the cash. Returns the atoms it could not pay.
    pub fn settle(
        &mut self,
        ledger: &mut Ledger,
        spot: Price,
        cash_price: Price,
        funding: &mut Funding<'_>,
    ) -> Result<i128, WorldError> {
        let intrinsic = match self.spec.kind {
            OptionKind::Put => self.strike.atoms() - spot.atoms(),
            OptionKind::Call => spot.atoms() - self.strike.atoms(),
        }
        .max(0);
        let dollars = Amount::new(self.spec.underlying, self.contracts).value(
            Price::from_atoms(intrinsic),
            self.spec.underlying_decimals,
            Rounding::Ceil,
        )?;
        let owed = self.cash_for(dollars, cash_price, Rounding::Ceil)?;
        let paid = self.raise(ledger, owed, funding)?;
        ledger.transfer(self.wallet, self.buyers, Amount::new(self.spec.cash, paid))?;
        self.stats.paid_at_expiry += paid;
        self.stats.shortfall += owed - paid;
        self.contracts = 0;
        Ok(owed - paid)
    }

    /// Under margin: buy back the share of the book that restores it (at the model
    /// price plus [`BUYBACK_PREMIUM`]), as far as it can raise the cash. Returns the
    /// share bought, ppm.
    pub fn derisk(
        &mut self,
        ledger: &mut Ledger,
        equity: Value,
        cash_price: Price,
        funding: &mut Funding<'_>,
    ) -> Result<i128, WorldError> {
        let l = self.liability()?.to_f64();
        let req = self.requirement.to_f64();
        let need = req - BUYBACK_PREMIUM * l;
        let share = if need > 0.0 {
            ((req - equity.to_f64()) / need).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let cost = self.cash_for(
            Value::from_f64(share * l * (1.0 + BUYBACK_PREMIUM))?,
            cash_price,
            Rounding::Ceil,
        )?;
        let cash = self.raise(ledger, cost, funding)?;
        ledger.transfer(self.wallet, self.buyers, Amount::new(self.spec.cash, cash))?;
        // The share of the book the cash bought back, rounded down.
        let share_ppm = floor_atoms(share, 6);
        let bought_ppm = if cost > 0 {
            faultline_units::mul_div_wide(share_ppm, cash, cost, Rounding::Floor)?
        } else {
            share_ppm
        };
        let closed =
            faultline_units::mul_div_wide(self.contracts, bought_ppm, 1_000_000, Rounding::Floor)?;
        self.contracts -= closed;
        self.stats.bought_back += cash;
        Ok(bought_ppm)
    }

    /// Track the extremes of the marked book.
    pub fn track(&mut self, equity: Value) -> Result<(), WorldError> {
        let l = self.liability()?;
        self.stats.max_liability = self.stats.max_liability.max(l);
        self.stats.min_equity = self.stats.min_equity.min(equity);
        Ok(())
    }

    /// The dollars of `atoms` of cash.
    fn dollars(&self, atoms: i128, cash_price: Price) -> Result<f64, WorldError> {
        Ok(Amount::new(self.spec.cash, atoms)
            .value(cash_price, self.spec.cash_decimals, Rounding::Ceil)?
            .to_f64())
    }

    /// A timeline row: exposure is the marked liability.
    pub fn row(
        &self,
        tick: u64,
        time_ms: u64,
        cash_price: Price,
    ) -> Result<ProtocolRow, WorldError> {
        Ok(ProtocolRow {
            tick,
            time_ms,
            protocol: self.spec.name.clone(),
            exposure: self.liability()?.to_f64(),
            liquidations: 0,
            shortfall: self.dollars(self.stats.shortfall, cash_price)?,
            protocol_deficit: self.dollars(self.stats.shortfall, cash_price)?,
            skipped: 0,
            liquidatable: 0,
        })
    }

    /// The summary: the shortfall is what expiries left unpaid (borne by the option
    /// buyers: nothing covers it); the latent shortfall is the marked liability beyond
    /// the vault's assets at the end.
    pub fn summary(&self, equity: Value, cash_price: Price) -> Result<ProtocolSummary, WorldError> {
        let s = &self.stats;
        let shortfall = self.dollars(s.shortfall, cash_price)?;
        let latent = (-equity.to_f64()).max(0.0);
        Ok(ProtocolSummary {
            name: self.spec.name.clone(),
            kind: "options_vault".into(),
            liquidations: 0,
            liquidation_volume: 0.0,
            skipped_unprofitable: 0,
            skipped_no_capital: 0,
            skipped_no_cash: 0,
            liquidatable_at_end: 0,
            shortfall,
            borne_by: BorneBy {
                reserve: 0.0,
                adl_haircut: 0.0,
                socialized_loss: 0.0,
                protocol_deficit: shortfall,
            },
            latent_shortfall: latent,
            loss: shortfall + latent,
            lending: None,
            perp: None,
            cdp: None,
            issuer: None,
            options: Some(OptionsDetail {
                epochs: s.epochs,
                premium: self.dollars(s.premium, cash_price)?,
                paid_at_expiry: self.dollars(s.paid_at_expiry, cash_price)?,
                bought_back: self.dollars(s.bought_back, cash_price)?,
                max_liability: s.max_liability.to_f64(),
                min_equity: s.min_equity.to_f64(),
                contracts_end: self.contracts_units(),
            }),
        })
    }
}

impl OptionsVault {
    /// Its own identities: no negative book, and no contracts past an unsettled expiry
    /// beyond one block.
    pub fn check(&self) -> Result<(), String> {
        if self.contracts < 0 {
            return Err(format!("{} contracts outstanding", self.contracts));
        }
        Ok(())
    }
}
