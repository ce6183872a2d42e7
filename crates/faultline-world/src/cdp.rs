//! A Maker-like CDP stablecoin under Liquidations 2.0 (MIP45: `dog.sol`, `clip.sol`,
//! `abaci.sol`, `vow.sol`), with any number of collateral types, in integer arithmetic.
//!
//! - A vault of collateral type (`ilk`) with `ink` collateral and `art` debt is unsafe when
//!   `ink × price < art × mat` at its ilk's oracle (Maker reads a one-hour delayed OSM: a
//!   world oracle with `delay_blocks`). The stablecoin is valued at par, as the vat does.
//! - `bark` moves the debt to the system's queue (`sin`) and auctions the collateral for
//!   `tab = debt × chop`, within the ilk's and the global limits on debt in auction
//!   (`ilk.hole`, `Hole`), partially when only part fits. The barking keeper is paid
//!   `tip + chip × tab` in new stablecoin, which adds to `sin`.
//! - Auctions are Dutch: from `top = oracle × buf` the price falls along the ilk's curve;
//!   past `tail` or below `cusp × top` the auction is reset (`redo`, paid like a bark).
//!   Keepers take what their capital buys when selling it along their route (at the
//!   pools' prices, less gas) beats the auction price by their margin.
//! - What keepers pay first cancels the auction's share of `sin` (burned); the penalty part
//!   goes to the surplus buffer (`vow`), which cancels the rest of `sin` (`heal`). When an
//!   auction's collateral runs out first, the debt not raised stays in `sin`: bad debt.
//!
//! - An ilk may instead run Liquidations 1.2's English auctions (`cat.bite`, `flip.sol`,
//!   in force on Black Thursday): a bite auctions at most `lump` of a vault's collateral
//!   for its share of the debt times `chop`; keepers `tend` (raise the stablecoin bid for
//!   the whole lot by at least `beg`, paying the previous bidder back and the raise to
//!   the surplus), then, once the bid is the tab, `dent` (take less collateral by `beg`,
//!   the rest back to the owners); the standing bid wins `ttl` after it was placed or at
//!   the auction's `end` (`tau` after the bite); an auction with no bid at its end
//!   restarts. What the winning bid does not raise of the debt is bad debt.
//!
//! - The stability fee (`jug.drip`) compounds each ilk's `duty` per second over the block
//!   and adds it to every vault's debt (rounded up per vault); the same amount is minted
//!   to the surplus buffer, as `vat.fold` credits the vow. Vault debt here is the
//!   stablecoin owed (`art × rate` in the vat), so the rate is applied as it accrues.
//!
//! Identity (the vat's `debt = Σ art·rate + vice`): the stablecoin's supply in the ledger
//! equals the vaults' debt plus `sin`, every block.
//!
//! - Debt auctions (`flop.sol`, in `cdp/flop`) sell newly minted governance token for the
//!   bad debt the surplus cannot cover.

mod flip;
mod flop;
mod peg;

pub use flip::{Bidder, Won};
pub use flop::{DebtAuction, Flop, FlopWon};
pub use peg::PegDefence;

use crate::ledger::{HolderId, Ledger};
use crate::record::{BorneBy, CdpDetail, ProtocolRow, ProtocolSummary};
use crate::spec::{ChainId, OracleId};
use crate::WorldError;
use faultline_math::maker::{needs_redo, AuctionCurve, RAY};
use faultline_units::{mul_div_wide, Amount, AssetId, Ppm, Price, Rounding, Value};

const PPM: i128 = 1_000_000;

/// A collateral type.
#[derive(Debug, Clone, PartialEq)]
pub struct IlkSpec {
    /// The collateral asset.
    pub asset: AssetId,
    /// Its decimals.
    pub decimals: u8,
    /// The oracle that prices it (Maker: the OSM, an hour late).
    pub oracle: OracleId,
    /// Liquidation ratio `mat` (1.5 → 1,500,000).
    pub mat: Ppm,
    /// Liquidation penalty as a multiplier `chop` (1.13 → 1,130,000).
    pub chop: Ppm,
    /// Starting price over the oracle, `buf` (1.2 → 1,200,000).
    pub buf: Ppm,
    /// Seconds before an auction must be reset.
    pub tail_s: u64,
    /// Share of `top` below which it must be reset, ray.
    pub cusp_ray: i128,
    /// Price curve.
    pub curve: AuctionCurve,
    /// Most debt in auction for this ilk (`ilk.hole`), stablecoin atoms.
    pub hole: i128,
    /// Flat keeper reward, stablecoin atoms.
    pub tip: i128,
    /// Proportional keeper reward on `tab`.
    pub chip: Ppm,
    /// English auctions instead of Dutch ones (the Dutch fields are then unused).
    pub english: Option<EnglishAuction>,
    /// Stability fee per second as a ray multiplier (`jug.ilks[ilk].duty`, with `base`
    /// folded in; `RAY`: no fee).
    pub duty: i128,
}

/// Liquidations 1.2's English auction parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnglishAuction {
    /// A bid wins this long after it was placed with no better one (`ttl`), seconds.
    pub ttl_s: u64,
    /// The auction ends this long after the bite (`tau`), seconds.
    pub tau_s: u64,
    /// Minimum step between bids as a multiplier (1.03 → 1,030,000).
    pub beg: Ppm,
    /// Most collateral in one auction (`lump`), atoms.
    pub lump: i128,
}

/// A population of vaults, drawn from the run's seed.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultPopulation {
    /// The ilk (index into the CDP's ilks).
    pub ilk: usize,
    /// How many.
    pub count: u32,
    /// Collateral value per vault, dollars, log-uniform in this range.
    pub collateral_value: (f64, f64),
    /// Collateral over debt at the start, uniform in this range (each ≥ the ilk's `mat`).
    pub collateralization: (f64, f64),
}

/// A CDP's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct CdpSpec {
    /// Name.
    pub name: String,
    /// The chain it runs on.
    pub chain: ChainId,
    /// The stablecoin it issues.
    pub stablecoin: AssetId,
    /// The stablecoin's decimals.
    pub stable_decimals: u8,
    /// Collateral types.
    pub ilks: Vec<IlkSpec>,
    /// Vaults.
    pub vaults: Vec<VaultPopulation>,
    /// Most debt in auction across ilks (`dog.Hole`), stablecoin atoms.
    pub hole: i128,
    /// Vault owners defending the peg, if they do.
    pub peg: Option<PegDefence>,
    /// Debt auctions, if bad debt is sold for a governance token.
    pub debt_auction: Option<DebtAuction>,
}

/// One vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vault {
    /// Collateral type.
    pub ilk: usize,
    /// Collateral, atoms.
    pub ink: i128,
    /// Debt, stablecoin atoms.
    pub art: i128,
}

/// A running auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auction {
    /// Collateral type.
    pub ilk: usize,
    /// The vault it came from.
    pub vault: usize,
    /// Stablecoin still to raise (penalty included).
    pub tab: i128,
    /// The barked debt not yet raised (its share of `sin`).
    pub debt_left: i128,
    /// Collateral left to sell.
    pub lot: i128,
    /// Starting price.
    pub top: Price,
    /// When it (re)started, ms since the world began.
    pub start_ms: u64,
    /// English: the standing bid, stablecoin atoms (0 before the first).
    pub bid: i128,
    /// English: the liquidator holding the standing bid.
    pub winner: Option<usize>,
    /// English: when the standing bid wins (`tic`), ms.
    pub tic_ms: u64,
    /// English: when the auction ends regardless (`end`), ms.
    pub end_ms: u64,
}

impl Auction {
    /// True when its ilk runs English auctions.
    pub fn is_english(&self, spec: &CdpSpec) -> bool {
        spec.ilks[self.ilk].english.is_some()
    }
}

/// What happened so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CdpStats {
    /// Vaults barked (partial barks counted each time).
    pub barks: u64,
    /// Takes.
    pub takes: u64,
    /// Resets.
    pub redos: u64,
    /// Collateral sold, dollars at the oracle.
    pub collateral_sold: Value,
    /// Stablecoin raised, atoms.
    pub raised: i128,
    /// Debt left when auctions ran out of collateral, atoms.
    pub bad_debt: i128,
    /// Keeper rewards minted, atoms.
    pub incentives: i128,
    /// Takes skipped as unprofitable.
    pub skipped_unprofitable: u64,
    /// Takes skipped for lack of the keeper's stablecoin or gas.
    pub skipped_no_capital: u64,
    /// English auctions won with a bid under one unit of stablecoin.
    pub zero_bid_auctions: u64,
    /// The collateral they gave away, dollars at the oracle.
    pub zero_bid_value: Value,
    /// Debt owners drew to sell above the peg, atoms.
    pub owners_drew: i128,
    /// Debt owners repaid with stablecoin bought below the peg, atoms.
    pub owners_repaid: i128,
    /// Stability fees accrued to the surplus, atoms.
    pub fees: i128,
    /// Debt auctions kicked.
    pub flops: u64,
    /// Stablecoin they raised, atoms.
    pub flop_raised: i128,
    /// Governance token they minted, atoms.
    pub flop_minted: i128,
}

/// A running CDP.
#[derive(Debug, Clone)]
pub struct Cdp {
    /// Parameters.
    pub spec: CdpSpec,
    /// The vat: collateral locked in vaults.
    pub vat: HolderId,
    /// Collateral in auction.
    pub clipper: HolderId,
    /// The surplus buffer.
    pub vow: HolderId,
    /// Vault owners' wallets.
    pub owners: HolderId,
    /// Vaults.
    pub vaults: Vec<Vault>,
    /// Running auctions, in kick order.
    pub auctions: Vec<Auction>,
    /// Debt queued for auction or left unraised (`vice`), atoms.
    pub sin: i128,
    /// Σ art, kept as vaults change.
    pub art_total: i128,
    /// Running debt auctions, in kick order.
    pub flops: Vec<Flop>,
    /// Debt on debt auctions awaiting their first bid (`Ash`), atoms.
    pub ash: i128,
    /// New auctions stopped by a breaker (`clip.stopped` ≥ 1).
    pub stopped: bool,
    /// Barked debt still waiting out `vow.wait`: (when, atoms).
    pub fessed: Vec<(u64, i128)>,
    /// Running totals.
    pub stats: CdpStats,
}

/// A take a keeper would make now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    /// Auction index.
    pub auction: usize,
    /// Collateral bought.
    pub slice: i128,
    /// Stablecoin paid.
    pub owe: i128,
}

impl Cdp {
    /// A CDP with no vaults; its holders are opened in `ledger`.
    pub fn new(spec: CdpSpec, ledger: &mut Ledger) -> Self {
        let vat = ledger.open(format!("{} vat", spec.name));
        let clipper = ledger.open(format!("{} clipper", spec.name));
        let vow = ledger.open(format!("{} vow", spec.name));
        let owners = ledger.open(format!("{} vault owners", spec.name));
        Self {
            spec,
            vat,
            clipper,
            vow,
            owners,
            vaults: Vec::new(),
            auctions: Vec::new(),
            sin: 0,
            art_total: 0,
            flops: Vec::new(),
            ash: 0,
            stopped: false,
            fessed: Vec::new(),
            stats: CdpStats::default(),
        }
    }

    /// Open a vault at genesis (its collateral given to the vat).
    pub fn genesis_vault(&mut self, ledger: &mut Ledger, v: Vault) -> Result<(), WorldError> {
        let asset = self.spec.ilks[v.ilk].asset;
        ledger.genesis(self.vat, Amount::new(asset, v.ink))?;
        self.art_total += v.art;
        self.vaults.push(v);
        Ok(())
    }

    /// The stablecoin the vaults' debt backs, less what others hold at genesis, goes to the
    /// owners (they drew it and sold the rest to those holders).
    pub fn back_supply(&self, ledger: &mut Ledger) -> Result<(), WorldError> {
        let held = ledger.supply(self.spec.stablecoin).genesis;
        let owners = self.art_total - held;
        if owners < 0 {
            return Err(WorldError::Genesis {
                what: format!("protocol `{}`", self.spec.name),
                why: format!(
                    "{} units of {} are held at the start but the vaults back only {}",
                    held as f64 / 10f64.powi(i32::from(self.spec.stable_decimals)),
                    ledger.symbol(self.spec.stablecoin),
                    self.art_total as f64 / 10f64.powi(i32::from(self.spec.stable_decimals))
                ),
                hint:
                    "give the CDP more or larger vaults, or hold less of its stablecoin elsewhere"
                        .into(),
            });
        }
        ledger.genesis(self.owners, Amount::new(self.spec.stablecoin, owners))?;
        Ok(())
    }

    /// `jug.drip` over `dt_s` seconds: every vault of an ilk with a fee owes
    /// `rpow(duty, dt)` times its debt (the increase rounded up per vault); the total is
    /// minted to the surplus buffer. Returns the fees accrued.
    pub fn drip(&mut self, ledger: &mut Ledger, dt_s: u64) -> Result<i128, WorldError> {
        let factors: Vec<i128> = self
            .spec
            .ilks
            .iter()
            .map(|ilk| {
                if ilk.duty > RAY {
                    faultline_math::maker::rpow(ilk.duty, dt_s)
                } else {
                    Ok(RAY)
                }
            })
            .collect::<Result<_, _>>()?;
        let mut total = 0;
        for v in &mut self.vaults {
            let k = factors[v.ilk];
            if k > RAY && v.art > 0 {
                let fee = mul_div_wide(v.art, k - RAY, RAY, Rounding::Ceil)?;
                v.art += fee;
                total += fee;
            }
        }
        if total > 0 {
            ledger.mint(self.vow, Amount::new(self.spec.stablecoin, total))?;
            self.art_total += total;
            self.stats.fees += total;
        }
        Ok(total)
    }

    /// Par value of stablecoin atoms.
    fn par(&self, atoms: i128) -> Result<Value, WorldError> {
        Ok(Amount::new(self.spec.stablecoin, atoms).value(
            Price::from_atoms(100_000_000),
            self.spec.stable_decimals,
            Rounding::Floor,
        )?)
    }

    fn unsafe_vault(&self, v: &Vault, prices: &[Price]) -> Result<bool, WorldError> {
        if v.art <= 0 {
            return Ok(false);
        }
        let ilk = &self.spec.ilks[v.ilk];
        let coll =
            Amount::new(ilk.asset, v.ink).value(prices[v.ilk], ilk.decimals, Rounding::Floor)?;
        // A liability: valued rounding up.
        let debt = Amount::new(self.spec.stablecoin, v.art).value(
            Price::from_atoms(100_000_000),
            self.spec.stable_decimals,
            Rounding::Ceil,
        )?;
        Ok(mul_div_wide(coll.0, PPM, 1, Rounding::Floor)?
            < mul_div_wide(debt.0, i128::from(ilk.mat.atoms()), 1, Rounding::Ceil)?)
    }

    fn dirt(&self, ilk: Option<usize>) -> i128 {
        self.auctions
            .iter()
            .filter(|a| ilk.is_none_or(|i| a.ilk == i))
            .map(|a| a.tab)
            .sum()
    }

    /// `bark` every unsafe vault (index order) within the limits; returns the keeper
    /// rewards owed (to be minted to the barking keeper).
    pub fn bark_all(&mut self, prices: &[Price], now_ms: u64) -> Result<i128, WorldError> {
        let mut reward = 0;
        if self.stopped {
            return Ok(0);
        }
        for i in 0..self.vaults.len() {
            let v = self.vaults[i];
            // `dog.bark` requires a positive spot price, `clip.kick` a positive top.
            if !prices[v.ilk].is_positive() || !self.unsafe_vault(&v, prices)? {
                continue;
            }
            let ilk = self.spec.ilks[v.ilk].clone();
            let room = (ilk.hole - self.dirt(Some(v.ilk))).min(self.spec.hole - self.dirt(None));
            if room <= 0 {
                continue;
            }
            let chop = i128::from(ilk.chop.atoms());
            let (debt, lot) = match ilk.english {
                // `cat.bite`: at most `lump` of collateral, its share of the debt.
                Some(e) if v.ink > e.lump => {
                    (mul_div_wide(v.art, e.lump, v.ink, Rounding::Floor)?, e.lump)
                }
                _ => (v.art, v.ink),
            };
            let full_tab = mul_div_wide(debt, chop, PPM, Rounding::Ceil)?;
            let (debt, lot) = if full_tab <= room {
                (debt, lot)
            } else if ilk.english.is_some() {
                continue; // a bite is all or nothing
            } else {
                let part = mul_div_wide(room, PPM, chop, Rounding::Floor)?;
                (part, mul_div_wide(v.ink, part, v.art, Rounding::Floor)?)
            };
            if debt <= 0 || lot <= 0 {
                continue;
            }
            let tab = mul_div_wide(debt, chop, PPM, Rounding::Ceil)?;
            let top = Price::from_atoms(
                i64::try_from(mul_div_wide(
                    i128::from(prices[v.ilk].atoms()),
                    i128::from(ilk.buf.atoms()),
                    PPM,
                    Rounding::Floor,
                )?)
                .map_err(|_| faultline_units::ArithmeticError::new("auction top"))?,
            );
            let vm = &mut self.vaults[i];
            vm.art -= debt;
            vm.ink -= lot;
            self.art_total -= debt;
            self.sin += debt;
            self.auctions.push(Auction {
                ilk: v.ilk,
                vault: i,
                tab,
                debt_left: debt,
                lot,
                top,
                start_ms: now_ms,
                bid: 0,
                winner: None,
                tic_ms: 0,
                end_ms: now_ms + ilk.english.map_or(0, |e| e.tau_s * 1_000),
            });
            self.stats.barks += 1;
            self.fess(debt, now_ms);
            reward += self.incentive(&ilk, tab)?;
        }
        Ok(reward)
    }

    fn incentive(&self, ilk: &IlkSpec, tab: i128) -> Result<i128, WorldError> {
        Ok(ilk.tip + mul_div_wide(tab, i128::from(ilk.chip.atoms()), PPM, Rounding::Floor)?)
    }

    /// Move barked collateral from the vat to the clipper (after [`Cdp::bark_all`]).
    pub fn move_to_clipper(&self, ledger: &mut Ledger, from: usize) -> Result<(), WorldError> {
        for a in &self.auctions[from..] {
            let asset = self.spec.ilks[a.ilk].asset;
            ledger.transfer(self.vat, self.clipper, Amount::new(asset, a.lot))?;
        }
        Ok(())
    }

    /// Reset auctions past `tail` or below `cusp`; returns the rewards owed.
    pub fn redo_all(&mut self, prices: &[Price], now_ms: u64) -> Result<i128, WorldError> {
        let mut reward = 0;
        for k in 0..self.auctions.len() {
            let a = self.auctions[k];
            let ilk = self.spec.ilks[a.ilk].clone();
            if ilk.english.is_some() {
                continue; // restarted by `english_settle`
            }
            let elapsed = (now_ms - a.start_ms) / 1_000;
            let price = ilk.curve.price(a.top, elapsed)?;
            if needs_redo(a.top, price, elapsed, ilk.tail_s, ilk.cusp_ray)? {
                let top = mul_div_wide(
                    i128::from(prices[a.ilk].atoms()),
                    i128::from(ilk.buf.atoms()),
                    PPM,
                    Rounding::Floor,
                )?;
                let am = &mut self.auctions[k];
                am.top = Price::from_atoms(
                    i64::try_from(top)
                        .map_err(|_| faultline_units::ArithmeticError::new("auction top"))?,
                );
                am.start_ms = now_ms;
                self.stats.redos += 1;
                reward += self.incentive(&ilk, a.tab)?;
            }
        }
        Ok(reward)
    }

    /// Mint keeper rewards to `keeper`; they add to `sin`.
    pub fn pay_incentive(
        &mut self,
        ledger: &mut Ledger,
        keeper: HolderId,
        atoms: i128,
    ) -> Result<(), WorldError> {
        if atoms > 0 {
            ledger.mint(keeper, Amount::new(self.spec.stablecoin, atoms))?;
            self.sin += atoms;
            self.stats.incentives += atoms;
        }
        Ok(())
    }

    /// The auction price of auction `k` now.
    pub fn price_now(&self, k: usize, now_ms: u64) -> Result<Price, WorldError> {
        let a = &self.auctions[k];
        let ilk = &self.spec.ilks[a.ilk];
        Ok(ilk.curve.price(a.top, (now_ms - a.start_ms) / 1_000)?)
    }

    /// The most a keeper with `capital` stablecoin atoms can take from auction `k` now:
    /// the lot, or what raises the tab, or what its capital pays for (`clip.take`).
    pub fn take_for(
        &self,
        k: usize,
        price: Price,
        capital: i128,
    ) -> Result<Option<Take>, WorldError> {
        let a = &self.auctions[k];
        if !price.is_positive() || a.lot <= 0 || capital <= 0 {
            return Ok(None);
        }
        let ilk = &self.spec.ilks[a.ilk];
        // Stablecoin atoms per collateral atom, as `price` dollars per unit at par.
        let cost = |slice: i128, r: Rounding| -> Result<i128, WorldError> {
            let v = Amount::new(ilk.asset, slice).value(price, ilk.decimals, r)?;
            Ok(Amount::for_value(
                self.spec.stablecoin,
                v,
                Price::from_atoms(100_000_000),
                self.spec.stable_decimals,
                r,
            )?
            .atoms())
        };
        let slice_for = |owe: i128| -> Result<i128, WorldError> {
            let v = Amount::new(self.spec.stablecoin, owe).value(
                Price::from_atoms(100_000_000),
                self.spec.stable_decimals,
                Rounding::Floor,
            )?;
            Ok(Amount::for_value(ilk.asset, v, price, ilk.decimals, Rounding::Floor)?.atoms())
        };
        let mut slice = a.lot.min(slice_for(a.tab)?.max(1)).min(slice_for(capital)?);
        if slice <= 0 {
            return Ok(None);
        }
        let mut owe = cost(slice, Rounding::Ceil)?.min(a.tab);
        if owe > capital {
            slice = slice_for(capital)?.min(a.lot);
            owe = cost(slice, Rounding::Ceil)?.min(a.tab).min(capital);
        }
        if slice <= 0 || owe <= 0 {
            return Ok(None);
        }
        Ok(Some(Take {
            auction: k,
            slice,
            owe,
        }))
    }

    /// Execute a take for `keeper`: it pays `owe` (the auction's share of `sin` burned, the
    /// penalty part to the surplus) and receives the collateral. Ends the auction when the
    /// tab is raised (the rest of the lot back to the vault) or the lot is gone (the debt
    /// left is bad debt, still in `sin`).
    pub fn execute_take(
        &mut self,
        ledger: &mut Ledger,
        keeper: HolderId,
        t: &Take,
        prices: &[Price],
    ) -> Result<(), WorldError> {
        let a = self.auctions[t.auction];
        let ilk = self.spec.ilks[a.ilk].clone();
        let stable = self.spec.stablecoin;
        let burn = t.owe.min(a.debt_left);
        ledger.burn(keeper, Amount::new(stable, burn))?;
        ledger.transfer(keeper, self.vow, Amount::new(stable, t.owe - burn))?;
        ledger.transfer(self.clipper, keeper, Amount::new(ilk.asset, t.slice))?;
        self.sin -= burn;
        self.stats.takes += 1;
        self.stats.raised += t.owe;
        self.stats.collateral_sold =
            self.stats
                .collateral_sold
                .checked_add(Amount::new(ilk.asset, t.slice).value(
                    prices[a.ilk],
                    ilk.decimals,
                    Rounding::Floor,
                )?)?;
        let am = &mut self.auctions[t.auction];
        am.tab -= t.owe;
        am.debt_left -= burn;
        am.lot -= t.slice;
        Ok(())
    }

    /// Close auctions that are done; returns the bad debt they leave.
    pub fn settle(&mut self, ledger: &mut Ledger) -> Result<i128, WorldError> {
        let mut bad = 0;
        let mut k = 0;
        while k < self.auctions.len() {
            let a = self.auctions[k];
            if a.is_english(&self.spec) || (a.tab > 0 && a.lot > 0) {
                k += 1;
                continue;
            }
            if a.lot > 0 {
                // Tab raised: the rest of the collateral goes to the owner as free
                // collateral (`clip.take`: `vat.flux(ilk, clip, usr, lot)`), not back
                // into the vault.
                let asset = self.spec.ilks[a.ilk].asset;
                ledger.transfer(self.clipper, self.owners, Amount::new(asset, a.lot))?;
            }
            if a.debt_left > 0 && a.lot <= 0 {
                bad += a.debt_left;
                self.stats.bad_debt += a.debt_left;
            }
            self.auctions.remove(k);
        }
        Ok(bad)
    }

    /// `heal`: the surplus cancels `sin` that no running auction still accounts for.
    pub fn heal(&mut self, ledger: &mut Ledger) -> Result<(), WorldError> {
        let queued: i128 = self.auctions.iter().map(|a| a.debt_left).sum();
        let joy = ledger.balance(self.vow, self.spec.stablecoin).atoms() - self.escrowed_bids();
        let amount = joy.min(self.sin - queued).max(0);
        if amount > 0 {
            ledger.burn(self.vow, Amount::new(self.spec.stablecoin, amount))?;
            self.sin -= amount;
        }
        Ok(())
    }

    /// The vat's identity and the holders' balances against the books.
    pub fn check(&self, ledger: &Ledger, full: bool) -> Result<(), String> {
        let supply = ledger.supply(self.spec.stablecoin).expected();
        if supply != self.art_total + self.sin {
            return Err(format!(
                "stablecoin supply {supply} ≠ Σ art {} + sin {}",
                self.art_total, self.sin
            ));
        }
        for (i, ilk) in self.spec.ilks.iter().enumerate() {
            if self.spec.ilks[..i].iter().any(|o| o.asset == ilk.asset) {
                continue;
            }
            let same = |j: usize| self.spec.ilks[j].asset == ilk.asset;
            let lots: i128 = self
                .auctions
                .iter()
                .filter(|a| same(a.ilk))
                .map(|a| a.lot)
                .sum();
            if ledger.balance(self.clipper, ilk.asset).atoms() != lots {
                return Err(format!(
                    "clipper holds {} atoms, auctions {lots}",
                    ledger.balance(self.clipper, ilk.asset).atoms()
                ));
            }
            if full {
                let ink: i128 = self
                    .vaults
                    .iter()
                    .filter(|v| same(v.ilk))
                    .map(|v| v.ink)
                    .sum();
                if ledger.balance(self.vat, ilk.asset).atoms() != ink {
                    return Err(format!(
                        "vat holds {} atoms, vaults {ink}",
                        ledger.balance(self.vat, ilk.asset).atoms()
                    ));
                }
            }
        }
        if self.dirt(None) > self.spec.hole {
            return Err(format!(
                "{} in auction, above Hole {}",
                self.dirt(None),
                self.spec.hole
            ));
        }
        for (i, ilk) in self.spec.ilks.iter().enumerate() {
            if self.dirt(Some(i)) > ilk.hole {
                return Err(format!(
                    "ilk {i}: {} in auction, above its hole",
                    self.dirt(Some(i))
                ));
            }
        }
        if let Some(d) = self.spec.debt_auction {
            let unbid = self.flops.iter().filter(|f| f.guy.is_none()).count();
            if self.ash != d.sump * i128::try_from(unbid).unwrap_or(i128::MAX) {
                return Err(format!(
                    "Ash {} ≠ sump × {unbid} debt auctions without a bid",
                    self.ash
                ));
            }
        }
        if full {
            let art: i128 = self.vaults.iter().map(|v| v.art).sum();
            if art != self.art_total {
                return Err(format!("Σ art {art} ≠ running total {}", self.art_total));
            }
        }
        Ok(())
    }

    /// Debt in auctions whose collateral is worth less at `prices` than the debt they
    /// must still raise, plus under-water vaults: the losses not yet recognized.
    pub fn latent_shortfall(&self, prices: &[Price]) -> Result<Value, WorldError> {
        let mut total = Value::ZERO;
        let mut add = |coll: Value, debt: Value| -> Result<(), WorldError> {
            if debt > coll {
                total = total.checked_add(debt.checked_sub(coll)?)?;
            }
            Ok(())
        };
        for v in &self.vaults {
            let ilk = &self.spec.ilks[v.ilk];
            add(
                Amount::new(ilk.asset, v.ink).value(
                    prices[v.ilk],
                    ilk.decimals,
                    Rounding::Floor,
                )?,
                self.par(v.art)?,
            )?;
        }
        for a in &self.auctions {
            let ilk = &self.spec.ilks[a.ilk];
            add(
                Amount::new(ilk.asset, a.lot).value(
                    prices[a.ilk],
                    ilk.decimals,
                    Rounding::Floor,
                )?,
                self.par(a.debt_left)?,
            )?;
        }
        Ok(total)
    }

    /// A timeline row.
    pub fn row(&self, tick: u64, time_ms: u64) -> Result<ProtocolRow, WorldError> {
        let s = &self.stats;
        let unhealed = self.sin - self.auctions.iter().map(|a| a.debt_left).sum::<i128>();
        Ok(ProtocolRow {
            tick,
            time_ms,
            protocol: self.spec.name.clone(),
            exposure: self.par(self.art_total)?.to_f64(),
            liquidations: s.barks,
            shortfall: self.par(s.bad_debt)?.to_f64(),
            protocol_deficit: self.par(unhealed.min(s.bad_debt).max(0))?.to_f64(),
            skipped: s.skipped_unprofitable + s.skipped_no_capital,
            liquidatable: u64::try_from(self.auctions.len()).unwrap_or(u64::MAX),
        })
    }

    /// The CDP's losses: bad debt (auctions that ran out of collateral), covered by the
    /// surplus buffer or left as the protocol's deficit (unbacked stablecoin).
    pub fn summary(&self, prices: &[Price]) -> Result<ProtocolSummary, WorldError> {
        let s = &self.stats;
        let unhealed = self.sin - self.auctions.iter().map(|a| a.debt_left).sum::<i128>();
        let deficit = unhealed.min(s.bad_debt).max(0);
        let shortfall = self.par(s.bad_debt)?.to_f64();
        let latent = self.latent_shortfall(prices)?.to_f64();
        Ok(ProtocolSummary {
            name: self.spec.name.clone(),
            kind: "cdp".into(),
            liquidations: s.barks,
            liquidation_volume: s.collateral_sold.to_f64(),
            skipped_unprofitable: s.skipped_unprofitable,
            skipped_no_capital: s.skipped_no_capital,
            skipped_no_cash: 0,
            liquidatable_at_end: u64::try_from(self.auctions.len()).unwrap_or(u64::MAX),
            shortfall,
            // Covered bad debt: what debt auctions raised was paid by the governance
            // token's holders through dilution; the surplus buffer covered the rest.
            borne_by: BorneBy {
                reserve: self
                    .par(s.bad_debt - deficit - s.flop_raised.min(s.bad_debt - deficit))?
                    .to_f64(),
                adl_haircut: 0.0,
                socialized_loss: self.par(s.flop_raised.min(s.bad_debt - deficit))?.to_f64(),
                protocol_deficit: self.par(deficit)?.to_f64(),
            },
            latent_shortfall: latent,
            loss: shortfall + latent,
            lending: None,
            perp: None,
            cdp: Some(CdpDetail {
                takes: s.takes,
                redos: s.redos,
                raised: self.par(s.raised)?.to_f64(),
                keeper_incentives: self.par(s.incentives)?.to_f64(),
                zero_bid_auctions: s.zero_bid_auctions,
                zero_bid_value: s.zero_bid_value.to_f64(),
                owners_drew: self.par(s.owners_drew)?.to_f64(),
                owners_repaid: self.par(s.owners_repaid)?.to_f64(),
                fees: self.par(s.fees)?.to_f64(),
                debt_auctions: s.flops,
                debt_auction_raised: self.par(s.flop_raised)?.to_f64(),
                debt_auction_minted: self.spec.debt_auction.map_or(0.0, |d| {
                    Amount::new(d.token, s.flop_minted).to_units_f64(d.token_decimals)
                }),
            }),
            issuer: None,
            options: None,
        })
    }

    /// Stablecoin atoms per `units` at genesis.
    pub fn stable_atoms(&self, dollars: f64) -> Result<i128, WorldError> {
        self.at_par(Value::from_f64(dollars)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_math::maker::RAY;

    const FUSD: AssetId = AssetId(0);
    const WETH: AssetId = AssetId(1);
    const E18: i128 = 1_000_000_000_000_000_000;

    fn cdp(ledger: &mut Ledger) -> Cdp {
        let spec = CdpSpec {
            name: "maker".into(),
            chain: ChainId(0),
            stablecoin: FUSD,
            stable_decimals: 18,
            ilks: vec![IlkSpec {
                asset: WETH,
                decimals: 18,
                oracle: OracleId(0),
                mat: Ppm::from_atoms(1_500_000),
                chop: Ppm::from_atoms(1_130_000),
                buf: Ppm::from_atoms(1_000_000),
                tail_s: 3_600,
                cusp_ray: RAY / 10 * 4,
                curve: AuctionCurve::Linear { tau_s: 3_600 },
                hole: 1_000_000 * E18,
                tip: 0,
                chip: Ppm::ZERO,
                english: None,
                duty: RAY,
            }],
            vaults: Vec::new(),
            hole: 1_000_000 * E18,
            peg: None,
            debt_auction: None,
        };
        Cdp::new(spec, ledger)
    }

    #[test]
    fn drip_compounds_the_fee_into_every_vaults_debt_and_mints_it_to_the_surplus() {
        let mut l = Ledger::new(vec!["FUSD".into(), "WETH".into()]);
        let mut c = cdp(&mut l);
        // 5% a year as jug's per-second duty: (1.05)^(1/year) − 1 ≈ 1.547125e-9.
        c.spec.ilks[0].duty = RAY + 1_547_125_957_863_212_000;
        for art in [10_000 * E18, 3 * E18] {
            c.genesis_vault(
                &mut l,
                Vault {
                    ilk: 0,
                    ink: 100 * E18,
                    art,
                },
            )
            .unwrap();
        }
        c.back_supply(&mut l).unwrap();
        l.seal();
        let fees = c.drip(&mut l, 31_536_000).unwrap();
        // A year of it is 5% (to within the duty's nine significant digits).
        let want = (10_003 * E18) / 20;
        assert!((fees - want).abs() < E18 / 100, "{fees} vs {want}");
        assert_eq!(c.vaults[0].art + c.vaults[1].art, 10_003 * E18 + fees);
        assert_eq!(l.balance(c.vow, FUSD).atoms(), fees);
        c.check(&l, true).unwrap();
        assert!(l.imbalances().is_empty());
        // No fee: nothing moves.
        c.spec.ilks[0].duty = RAY;
        assert_eq!(c.drip(&mut l, 12).unwrap(), 0);
    }

    #[test]
    fn an_auction_that_raises_its_tab_returns_the_rest_to_the_owner_not_the_vault() {
        let mut l = Ledger::new(vec!["FUSD".into(), "WETH".into()]);
        let mut c = cdp(&mut l);
        let keeper = l.open("keeper");
        // 10 ETH against 10,000 FUSD: safe at $2,000 (150% needs $1,500), unsafe at $1,400.
        // A second, safe vault backs the keeper's FUSD.
        c.genesis_vault(
            &mut l,
            Vault {
                ilk: 0,
                ink: 10 * E18,
                art: 10_000 * E18,
            },
        )
        .unwrap();
        c.genesis_vault(
            &mut l,
            Vault {
                ilk: 0,
                ink: 100 * E18,
                art: 20_000 * E18,
            },
        )
        .unwrap();
        l.genesis(keeper, Amount::new(FUSD, 20_000 * E18)).unwrap();
        c.back_supply(&mut l).unwrap();
        l.seal();
        let p = |d: i64| Price::from_units(d).unwrap();
        assert_eq!(c.bark_all(&[p(2_000)], 0).unwrap(), 0);
        assert!(c.auctions.is_empty());
        c.bark_all(&[p(1_400)], 0).unwrap();
        c.move_to_clipper(&mut l, 0).unwrap();
        assert_eq!(c.auctions.len(), 1);
        assert_eq!(c.auctions[0].tab, 11_300 * E18, "tab = debt × chop");
        // At $1,400 the keeper buys what raises the tab: 11,300 / 1,400 ETH.
        let capital = l.balance(keeper, FUSD).atoms();
        let t = c.take_for(0, p(1_400), capital).unwrap().unwrap();
        assert!(t.slice < 10 * E18 && t.owe <= 11_300 * E18);
        c.execute_take(&mut l, keeper, &t, &[p(1_400)]).unwrap();
        c.settle(&mut l).unwrap();
        assert!(c.auctions.is_empty());
        assert_eq!(c.vaults[0].ink, 0, "the vault is not re-collateralised");
        assert_eq!(l.balance(c.owners, WETH).atoms(), 10 * E18 - t.slice);
        c.heal(&mut l).unwrap();
        assert_eq!(c.sin, 0, "the penalty in the surplus cancels what was left");
        c.check(&l, true).unwrap();
        assert!(l.imbalances().is_empty());
    }
}
