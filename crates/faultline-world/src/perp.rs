//! A perpetual-futures venue as a protocol of the world: the engine's clearing house
//! (margin, funding, liquidation waterfall, insurance fund, ADL, mitigations), with its
//! markets bound to the world.
//!
//! For each bound market: the reference price is the world asset's outside price; the
//! index the venue marks and liquidates on is a named world oracle (the engine's oracle
//! reads it as an [`SourceRef::External`](faultline_engine::oracle::SourceRef) source and
//! publishes it at once); and the liquidity provider that takes the other side of every
//! liquidation fill lays that flow off on a named world venue (a fraction of it), so the
//! venue's liquidations move the pool other protocols sell into and their oracles read.
//!
//! In the ledger, the venue's contract holds its collateral asset: every deposit, the
//! insurance fund and the liquidity provider's capital, in total `deposits + external
//! flows` of the engine. Money the engine receives from outside (an insurance top-up from
//! a treasury) enters the world as an external flow; the identity is checked every block.
//!
//! **Other collateral.** A venue may accept world assets besides its quote, each priced
//! by a named world oracle with a haircut (see [`faultline_state::CollateralBook`]): a
//! share of every cross trader's margin is posted in it at the start. What is seized
//! from liquidated accounts is sold on a named venue the same block, so a depegging
//! stablecoin costs the traders margin, the venue its conversion, and the pool its depth.
//! The contract holds every posted and seized atom; checked every block.
//!
//! **A reserve in another asset.** The insurance fund may hold a reserve in a world asset
//! (a CDP's stablecoin, say), valued at a named oracle less a haircut: when a loss
//! exceeds the fund's quote, reserve is converted at that value, and what was converted
//! is sold on a named venue the same block; a sale below the credit is the fund's loss
//! (see [`faultline_state::CollateralBook`]). Its worth is whatever that venue pays.

use crate::agents::swap;
use crate::ledger::{HolderId, Ledger};
use crate::pool::{Direction, Pool};
use crate::record::{BorneBy, PerpDetail, ProtocolRow, ProtocolSummary};
use crate::spec::{ChainId, OracleId, VenueId};
use crate::WorldError;
use faultline_engine::{EventKind, Simulation};
use faultline_state::CollateralAsset;
use faultline_units::{
    scale_of, Amount, AssetId, Ppm, Price, Quote, Rounding, BASE_SCALE, QUOTE_SCALE,
};
use std::fmt;
use std::sync::Arc;

/// Why a venue could not be built.
pub type BuildFailure = Box<dyn std::error::Error + Send + Sync>;

/// Builds the venue for a seed, with the given markets' reference paths (one price per
/// block of the venue's chain, from the opening one).
#[derive(Clone)]
pub struct PerpFactory(
    #[allow(clippy::type_complexity)]
    pub  Arc<dyn Fn(u64, &[(usize, Vec<f64>)]) -> Result<Simulation, BuildFailure> + Send + Sync>,
);

impl fmt::Debug for PerpFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PerpFactory")
    }
}

impl PartialEq for PerpFactory {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How one market of the venue is tied to the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketBinding {
    /// The venue's market index.
    pub market: usize,
    /// The asset whose outside price is the market's reference.
    pub asset: AssetId,
    /// The world oracle the venue marks and liquidates on.
    pub oracle: OracleId,
    /// Where the liquidity provider lays off liquidation flow, if anywhere.
    pub hedge_venue: Option<VenueId>,
    /// Share of the flow laid off.
    pub hedge_fraction: Ppm,
}

/// A world asset the venue accepts as margin besides its quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedCollateral {
    /// The asset.
    pub asset: AssetId,
    /// The oracle it is valued at.
    pub oracle: OracleId,
    /// Share of its value not counted as margin.
    pub haircut: Ppm,
    /// Share of each cross trader's opening margin posted in it.
    pub share: Ppm,
    /// Where seized units are sold (a pool of this asset against the venue's quote).
    pub sell_on: VenueId,
}

/// The insurance fund's reserve held in another asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsuranceReserve {
    /// The asset and opening amount.
    pub amount: Amount,
    /// The oracle it is valued at.
    pub oracle: OracleId,
    /// Share of its value not counted.
    pub haircut: Ppm,
    /// Where what is drawn is sold (a pool of it against the venue's quote).
    pub sell_on: VenueId,
}

/// Refilling the insurance fund from the venue's treasury: when the fund is below
/// `below` of its opening level, up to `per_block` a block, back toward that level, from
/// the treasury's cash and then from its deposit in a lending market (withdrawn as the
/// market's cash allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refill {
    /// The level that starts refills, a share of the fund at the start.
    pub below: Ppm,
    /// Most paid in per block, collateral atoms.
    pub per_block: i128,
    /// Collateral atoms the treasury holds as cash at the start.
    pub cash: i128,
    /// A lending market and the collateral atoms the treasury deposits there at its
    /// first block.
    pub lend: Option<(crate::spec::ProtocolId, i128)>,
}

/// Which seed a venue draws its traders and its own reference paths from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeedStream {
    /// Its own stream, derived from the run's seed and its place among the protocols
    /// (`rng::path_seed(seed, 2³² | index)`), so two venues built from one file in one
    /// world are not copies of each other.
    #[default]
    PerVenue,
    /// The run's seed itself: the venue is the whole world (a one-venue world), so a
    /// run draws exactly what the same venue run on its own draws.
    Run,
}

/// A perp venue's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct PerpSpec {
    /// Name.
    pub name: String,
    /// The chain it runs on (its block time is the venue's block time).
    pub chain: ChainId,
    /// The asset margin and the insurance fund are held in (the engine's quote).
    pub collateral: AssetId,
    /// Bound markets.
    pub markets: Vec<MarketBinding>,
    /// Other collateral accepted, in engine collateral order.
    pub accepts: Vec<AcceptedCollateral>,
    /// The insurance fund's reserve in another asset, if any.
    pub reserve: Option<InsuranceReserve>,
    /// Refills of the insurance fund from the treasury, if any.
    pub refill: Option<Refill>,
    /// The seed it draws from.
    pub seed: SeedStream,
    /// Builds the engine.
    pub build: PerpFactory,
}

/// A running perp venue.
#[derive(Debug, Clone)]
pub struct Perp {
    /// Parameters.
    pub spec: PerpSpec,
    /// The engine.
    pub sim: Simulation,
    /// The venue's contract in the ledger.
    pub holder: HolderId,
    /// The liquidity provider's hedging wallet.
    pub hedger: HolderId,
    /// The venue's treasury: keeps what sales pay below one quote atom.
    pub treasury: HolderId,
    collateral_decimals: u8,
    reserve_decimals: u8,
    /// Per engine collateral entry: atoms sold and the quote atoms they fetched.
    sold: Vec<(i128, i128)>,
    /// Engine external flows already mirrored in the ledger, quote atoms.
    mirrored_flows: i128,
    events_seen: usize,
    /// Base laid off on each binding's venue so far (+ sold into it), 10⁻⁸ units.
    pub hedged: Vec<i128>,
    /// Refills stopped by a breaker.
    pub refills_stopped: bool,
    /// The treasury's lending deposit has been made (at the first block).
    pub lent: bool,
    /// Collateral atoms paid into the insurance fund by refills.
    pub refilled: i128,
    /// Every market's timeline row of every block from the opening one, when kept
    /// ([`Perp::keep_timeline`]; a run directory's `markets.csv`).
    timeline: Option<Vec<faultline_engine::MarketRecord>>,
    /// Traders' open interest at the opening block, dollars.
    open_interest_start: f64,
    /// Each market's oracle price at the opening block.
    opening_oracle: Vec<f64>,
    /// Lowest and highest oracle price over its opening one so far, any market.
    oracle_range: (f64, f64),
}

/// Traders' open interest, long side at mark, dollars.
fn open_interest(sim: &Simulation) -> f64 {
    sim.venue()
        .markets
        .iter()
        .map(|m| m.trader_long_oi.to_f64() * m.mark_price.to_f64())
        .sum()
}

/// Quote atoms (10⁻⁶) → atoms of an asset with `decimals` ≥ 6.
fn quote_to_atoms(q: i128, decimals: u8) -> Result<i128, WorldError> {
    let up = scale_of(decimals)? / i128::from(QUOTE_SCALE);
    Ok(q * up.max(1))
}

/// Atoms of an asset with `decimals` ≥ 6 → whole quote atoms (rounded down) and the
/// atoms left over.
fn atoms_to_quote(atoms: i128, decimals: u8) -> Result<(Quote, i128), WorldError> {
    let up = (scale_of(decimals)? / i128::from(QUOTE_SCALE)).max(1);
    let q = i64::try_from(atoms / up)
        .map_err(|_| faultline_units::ArithmeticError::new("sale proceeds"))?;
    Ok((Quote::from_atoms(q), atoms % up))
}

/// What a world tells a venue at its opening: every asset's symbol and decimals and
/// every oracle's price.
#[derive(Debug)]
pub struct Opening<'a> {
    /// Symbol and decimals by asset.
    pub assets: &'a [(String, u8)],
    /// Price by oracle.
    pub oracle_prices: &'a [Price],
}

impl Perp {
    /// Open the venue: build the engine and give its contract the collateral it holds.
    pub fn open(
        spec: PerpSpec,
        mut sim: Simulation,
        ledger: &mut Ledger,
        at: &Opening<'_>,
    ) -> Result<Self, WorldError> {
        let collateral_decimals = at.assets[spec.collateral.index()].1;
        let holder = ledger.open(spec.name.clone());
        let hedger = ledger.open(format!("{} liquidity provider", spec.name));
        let treasury = ledger.open(format!("{} treasury", spec.name));
        for (k, posted) in post_collateral(&spec, &mut sim, at)?
            .into_iter()
            .enumerate()
        {
            ledger.genesis(holder, Amount::new(spec.accepts[k].asset, posted))?;
        }
        let mut reserve_decimals = 0;
        if let Some(r) = &spec.reserve {
            let k = sim.add_collateral_asset(entry(at, r.amount.asset(), r.oracle, r.haircut)?);
            sim.fund_reserve(k, r.amount.atoms());
            ledger.genesis(holder, r.amount)?;
            reserve_decimals = at.assets[r.amount.asset().index()].1;
        }
        let entries = sim.venue().collateral.assets.len();
        let v = sim.venue();
        let held =
            i128::from(v.ledger.deposits.atoms()) + i128::from(v.ledger.external_flows.atoms());
        ledger.genesis(
            holder,
            Amount::new(spec.collateral, quote_to_atoms(held, collateral_decimals)?),
        )?;
        if let Some(r) = &spec.refill {
            let lend = r.lend.map_or(0, |(_, a)| a);
            ledger.genesis(treasury, Amount::new(spec.collateral, r.cash + lend))?;
        }
        let hedged = vec![0; spec.markets.len()];
        let opening_oracle = sim
            .venue()
            .markets
            .iter()
            .map(|m| m.oracle_price.to_f64())
            .collect();
        Ok(Self {
            open_interest_start: open_interest(&sim),
            opening_oracle,
            oracle_range: (1.0, 1.0),
            mirrored_flows: i128::from(v.ledger.external_flows.atoms()),
            spec,
            sim,
            holder,
            hedger,
            treasury,
            collateral_decimals,
            reserve_decimals,
            sold: vec![(0, 0); entries],
            events_seen: 0,
            hedged,
            refills_stopped: false,
            lent: false,
            refilled: 0,
            timeline: None,
        })
    }

    /// One block: the bound oracles' prices go in, the engine steps, the liquidity
    /// provider hedges (unless `hedge` is false: a counterfactual with the venue's sales
    /// cut), money from outside is mirrored. Returns the engine's new events.
    pub fn block(
        &mut self,
        ledger: &mut Ledger,
        pools: &[Pool],
        oracle_prices: &[Price],
        hedge: bool,
    ) -> Result<Vec<(EventKind, String)>, WorldError> {
        for b in &self.spec.markets {
            self.sim
                .set_external_price(b.market, oracle_prices[b.oracle.index()]);
        }
        for (k, (_, oracle, _)) in entries(&self.spec).enumerate() {
            self.sim
                .set_collateral_price(k, oracle_prices[oracle.index()]);
        }
        let rows = self.sim.step().map_err(|e| self.engine_error(e))?;
        if let Some(t) = &mut self.timeline {
            t.extend(rows);
        }
        for (m, open) in self.sim.venue().markets.iter().zip(&self.opening_oracle) {
            if *open > 0.0 {
                let x = m.oracle_price.to_f64() / open;
                self.oracle_range = (self.oracle_range.0.min(x), self.oracle_range.1.max(x));
            }
        }
        for k in 0..self.spec.markets.len() {
            if let Some(v) = self.spec.markets[k].hedge_venue.filter(|_| hedge) {
                self.hedge(ledger, &pools[v.index()], k)?;
            }
        }
        if hedge {
            let sales: Vec<(AssetId, VenueId)> =
                entries(&self.spec).map(|(a, _, v)| (a, v)).collect();
            for (k, (asset, venue)) in sales.into_iter().enumerate() {
                self.sell_seized(ledger, &pools[venue.index()], k, asset)?;
            }
        }
        let flows = i128::from(self.sim.venue().ledger.external_flows.atoms());
        if flows != self.mirrored_flows {
            let delta = quote_to_atoms(flows - self.mirrored_flows, self.collateral_decimals)?;
            let amount = Amount::new(self.spec.collateral, delta.abs());
            if delta > 0 {
                ledger.external_in(self.holder, amount)?;
            } else {
                ledger.external_out(self.holder, amount)?;
            }
            self.mirrored_flows = flows;
        }
        let all = self.sim.events().events();
        let new = all[self.events_seen..]
            .iter()
            .map(|e| (e.kind, e.detail.clone()))
            .collect();
        self.events_seen = all.len();
        Ok(new)
    }

    /// Keep every market's timeline from now on, starting with a row of the current
    /// block (the opening one, when called before the first block).
    pub fn keep_timeline(&mut self) -> Result<(), WorldError> {
        let rows = self.sim.snapshot().map_err(|e| self.engine_error(e))?;
        self.timeline = Some(rows);
        Ok(())
    }

    /// The markets' timeline rows kept so far (empty unless kept).
    pub fn timeline(&self) -> &[faultline_engine::MarketRecord] {
        self.timeline.as_deref().unwrap_or(&[])
    }

    /// The venue's market symbols, by market index.
    pub fn symbols(&self) -> Vec<String> {
        self.sim
            .venue()
            .markets
            .iter()
            .map(|m| m.params.symbol.clone())
            .collect()
    }

    /// Collateral atoms the insurance fund is short of `below` × its start, at most
    /// `per_block` (0 when it is not under the level or refills are stopped).
    pub fn refill_wanted(&self) -> Result<i128, WorldError> {
        let Some(r) = self.spec.refill.filter(|_| !self.refills_stopped) else {
            return Ok(0);
        };
        let start = i128::from(self.sim.insurance_start().atoms());
        let now = i128::from(self.sim.venue().ledger.insurance_fund.atoms());
        let level = faultline_units::mul_div_wide(
            start,
            i128::from(r.below.atoms()),
            1_000_000,
            Rounding::Floor,
        )?;
        if now >= level {
            return Ok(0);
        }
        Ok(quote_to_atoms(start - now, self.collateral_decimals)?.min(r.per_block))
    }

    /// Pay up to `atoms` of the treasury's collateral into the insurance fund (whole
    /// quote atoms only). Returns the atoms paid.
    pub fn refill(&mut self, ledger: &mut Ledger, atoms: i128) -> Result<i128, WorldError> {
        let held = ledger.balance(self.treasury, self.spec.collateral).atoms();
        let (q, rest) = atoms_to_quote(atoms.min(held), self.collateral_decimals)?;
        let paid = atoms.min(held) - rest;
        if paid <= 0 {
            return Ok(0);
        }
        ledger.transfer(
            self.treasury,
            self.holder,
            Amount::new(self.spec.collateral, paid),
        )?;
        self.sim
            .inject_insurance(q)
            .map_err(|e| self.engine_error(e))?;
        self.mirrored_flows += i128::from(q.atoms());
        self.refilled += paid;
        Ok(paid)
    }

    fn engine_error(&self, e: faultline_engine::EngineError) -> WorldError {
        WorldError::Perp {
            protocol: self.spec.name.clone(),
            message: e.to_string(),
        }
    }

    /// Sell everything seized (or drawn from the reserve) of collateral entry `k` into
    /// its pool; the proceeds in whole quote atoms go to the contract and into the
    /// engine, the rest to the treasury.
    fn sell_seized(
        &mut self,
        ledger: &mut Ledger,
        pool: &Pool,
        k: usize,
        asset: AssetId,
    ) -> Result<(), WorldError> {
        let seized = self.sim.venue().collateral.assets[k].seized;
        if seized <= 0 {
            return Ok(());
        }
        let out = swap(ledger, pool, self.holder, Amount::new(asset, seized))?;
        if out.atoms() <= 0 {
            return Ok(()); // the pool pays nothing now: the inventory waits
        }
        let (proceeds, dust) = atoms_to_quote(out.atoms(), self.collateral_decimals)?;
        ledger.transfer(
            self.holder,
            self.treasury,
            Amount::new(self.spec.collateral, dust),
        )?;
        self.sim
            .collateral_sold(k, seized, proceeds)
            .map_err(|e| self.engine_error(e))?;
        self.mirrored_flows += i128::from(proceeds.atoms());
        self.sold[k].0 += seized;
        self.sold[k].1 += i128::from(proceeds.atoms());
        Ok(())
    }

    /// Lay off this block's liquidation flow: base the provider bought is sold into the
    /// pool (brought in from its outside inventory, the quote sent back out); base it sold
    /// is bought back from the pool.
    fn hedge(&mut self, ledger: &mut Ledger, pool: &Pool, k: usize) -> Result<(), WorldError> {
        let b = &self.spec.markets[k];
        let base = i128::from(self.sim.block_liquidation_base(b.market).atoms());
        let share = faultline_units::mul_div_wide(
            base,
            i128::from(b.hedge_fraction.atoms()),
            1_000_000,
            faultline_units::Rounding::Floor,
        )?;
        // Base (10⁻⁸) → atoms of the pool's base asset.
        let atoms = faultline_units::mul_div_wide(
            share,
            scale_of(pool.base_decimals)?,
            i128::from(BASE_SCALE),
            faultline_units::Rounding::Floor,
        )?;
        if atoms > 0 {
            ledger.external_in(self.hedger, Amount::new(pool.base, atoms))?;
            let out = swap(ledger, pool, self.hedger, Amount::new(pool.base, atoms))?;
            ledger.external_out(self.hedger, out)?;
        } else if atoms < 0 {
            let Some(cost) = pool.amount_in(ledger, Direction::BuyBase, -atoms)? else {
                return Ok(());
            };
            ledger.external_in(self.hedger, Amount::new(pool.quote, cost))?;
            let out = swap(ledger, pool, self.hedger, Amount::new(pool.quote, cost))?;
            ledger.external_out(self.hedger, out)?;
        }
        self.hedged[k] += share;
        Ok(())
    }

    /// The venue's contract holds exactly what the engine's books say it holds.
    pub fn check(&self, ledger: &Ledger) -> Result<(), String> {
        let v = self.sim.venue();
        let books =
            i128::from(v.ledger.deposits.atoms()) + i128::from(v.ledger.external_flows.atoms());
        let expected =
            quote_to_atoms(books, self.collateral_decimals).map_err(|e| e.to_string())?;
        let held = ledger.balance(self.holder, self.spec.collateral).atoms();
        if held != expected {
            return Err(format!("holds {held} atoms, its books say {expected}"));
        }
        let assets: Vec<AssetId> = entries(&self.spec).map(|e| e.0).collect();
        for (k, &asset) in assets.iter().enumerate() {
            if assets[..k].contains(&asset) {
                continue;
            }
            let held = ledger.balance(self.holder, asset).atoms();
            let books: i128 = (k..assets.len())
                .filter(|&j| assets[j] == asset)
                .map(|j| v.collateral.held(j))
                .sum();
            if held != books {
                return Err(format!(
                    "holds {held} atoms of {}, its books say {books}",
                    v.collateral.assets[k].name
                ));
            }
        }
        Ok(())
    }

    /// A timeline row.
    pub fn row(&self, tick: u64, time_ms: u64) -> Result<ProtocolRow, WorldError> {
        let v = self.sim.venue();
        let t = self.sim.totals();
        let mut exposure = 0.0;
        for m in &v.markets {
            exposure += m
                .trader_long_oi
                .notional(m.mark_price, faultline_units::Rounding::Floor)?
                .to_f64();
        }
        Ok(ProtocolRow {
            tick,
            time_ms,
            protocol: self.spec.name.clone(),
            exposure,
            liquidations: t.liquidations,
            shortfall: t.loss_past_bankruptcy.to_f64() + t.adl_haircut.to_f64(),
            protocol_deficit: v.ledger.bad_debt().to_f64(),
            skipped: t.priced_out,
            liquidatable: 0,
        })
    }

    /// The venue's losses in the loss vocabulary: the shortfall is every loss past
    /// bankruptcy on the book plus what ADL passed to counterparties (closing them at the
    /// bankrupt account's price instead of the mark); borne by the insurance fund, the ADL
    /// haircut, socialized loss, and the uncovered rest (bad debt).
    pub fn summary(&self) -> Result<ProtocolSummary, WorldError> {
        let v = self.sim.venue();
        let t = self.sim.totals();
        // Losses past bankruptcy on the book, plus what ADL passed on to counterparties.
        let adl = t.adl_haircut.to_f64();
        let shortfall = t.loss_past_bankruptcy.to_f64() + adl + t.conversion_loss.to_f64();
        let reserve = t.insurance_paid.to_f64();
        let socialized = t.socialized_loss.to_f64();
        let deficit = v.ledger.bad_debt().to_f64();
        let latent = self
            .sim
            .latent_bad_debt()
            .map_err(|e| self.engine_error(e))?;
        let reserve_sold = self
            .spec
            .reserve
            .as_ref()
            .map(|_| self.sold[self.spec.accepts.len()]);
        Ok(ProtocolSummary {
            name: self.spec.name.clone(),
            kind: "perp".into(),
            liquidations: t.liquidations,
            liquidation_volume: t.liquidation_volume.to_f64(),
            skipped_unprofitable: t.priced_out,
            skipped_no_capital: 0,
            skipped_no_cash: 0,
            liquidatable_at_end: 0,
            shortfall,
            borne_by: BorneBy {
                reserve,
                adl_haircut: adl,
                socialized_loss: socialized,
                protocol_deficit: deficit,
            },
            latent_shortfall: latent.to_f64(),
            loss: shortfall + latent.to_f64(),
            lending: None,
            perp: Some(PerpDetail {
                adl_fills: t.adl_events,
                adl_volume: t.adl_volume.to_f64(),
                insurance_fund_start: self.sim.insurance_start().to_f64(),
                insurance_fund_end: v.ledger.insurance_fund.to_f64(),
                hedged_base: self
                    .hedged
                    .iter()
                    .map(|h| *h as f64 / BASE_SCALE as f64)
                    .collect(),
                collateral_seized: t.collateral_seized.to_f64(),
                conversion_loss: t.conversion_loss.to_f64(),
                reserve_drawn: t.reserve_drawn.to_f64(),
                reserve_sold: reserve_sold.map_or(0.0, |r| units(r.0, self.reserve_decimals)),
                reserve_proceeds: reserve_sold.map_or(0.0, |r| r.1 as f64 / QUOTE_SCALE as f64),
                reserve_left: self.spec.reserve.as_ref().map_or(0.0, |_| {
                    let k = self.spec.accepts.len();
                    units(v.collateral.assets[k].reserve, self.reserve_decimals)
                }),
                refilled: units(self.refilled, self.collateral_decimals),
                mechanics: self.mechanics(),
            }),
            cdp: None,
            issuer: None,
            options: None,
        })
    }
}

impl Perp {
    /// The clearing house's own counters.
    fn mechanics(&self) -> crate::record::PerpMechanics {
        let t = self.sim.totals();
        let v = self.sim.venue();
        crate::record::PerpMechanics {
            partial_liquidations: t.partial_liquidations,
            loss_past_bankruptcy: t.loss_past_bankruptcy.to_f64(),
            insurance_paid: t.insurance_paid.to_f64(),
            insurance_fees: t.insurance_fees.to_f64(),
            liquidator_fees: t.liquidator_fees.to_f64(),
            taker_fees: t.taker_fees.to_f64(),
            reverted_liquidations: t.reverted_liquidations,
            dropped_transactions: self
                .sim
                .chain()
                .map_or(0, faultline_engine::chain::Chain::dropped),
            liquidator_gas_cost: t.liquidator_gas_cost.to_f64(),
            frontrun_quantity: t.frontrun_quantity.to_f64(),
            breaker_trips: t.breaker_trips,
            halted_blocks: t.halted_blocks,
            volume_lost_to_halts: t.halted_volume.to_f64(),
            insurance_topped_up: t.insurance_topped_up.to_f64(),
            backstop_takeovers: t.backstop_takeovers,
            backstop_volume: t.backstop_volume.to_f64(),
            vault_withdrawn: t.vault_withdrawn.to_f64(),
            trader_exits: t.trader_exits,
            trader_exit_volume: t.trader_exit_volume.to_f64(),
            openings_refused_by_oi_cap: v.markets.iter().map(|m| m.openings_refused).sum(),
            open_interest_start: self.open_interest_start,
            open_interest_end: open_interest(&self.sim),
            oracle_max_ratio: self.oracle_range.1,
            oracle_min_ratio: self.oracle_range.0,
            amplification: v
                .markets
                .iter()
                .enumerate()
                .map(|(i, m)| (m.params.symbol.clone(), self.sim.amplification(i)))
                .collect(),
            liquidators: self
                .sim
                .liquidators()
                .iter()
                .zip(self.sim.liquidator_stats())
                .enumerate()
                .map(|(i, (l, s))| crate::record::PerpLiquidator {
                    label: l.label.clone(),
                    liquidations: s.liquidations,
                    fees: v.ledger.liquidators.get(i).map_or(0.0, |q| q.to_f64()),
                    gas_cost: s.gas_cost.to_f64(),
                    reverted: s.reverted,
                })
                .collect(),
        }
    }
}

/// Atoms as units of an asset with `decimals` (reporting only).
fn units(atoms: i128, decimals: u8) -> f64 {
    atoms as f64 / 10f64.powi(i32::from(decimals))
}

/// Post each accepted collateral's share of every cross trader's opening margin (so its
/// haircut value equals the quote it replaces); returns the atoms posted per asset.
fn post_collateral(
    spec: &PerpSpec,
    sim: &mut Simulation,
    at: &Opening<'_>,
) -> Result<Vec<i128>, WorldError> {
    let mut posted = vec![0i128; spec.accepts.len()];
    if spec.accepts.is_empty() {
        return Ok(posted);
    }
    for c in &spec.accepts {
        sim.add_collateral_asset(entry(at, c.asset, c.oracle, c.haircut)?);
    }
    for (id, balance) in sim.cross_traders() {
        for (k, c) in spec.accepts.iter().enumerate() {
            let value = balance.mul_ppm(c.share, Rounding::Floor)?;
            posted[k] += sim
                .post_collateral_for(id, k, value)
                .map_err(|e| WorldError::Perp {
                    protocol: spec.name.clone(),
                    message: e.to_string(),
                })?;
        }
    }
    Ok(posted)
}

/// The engine's collateral entries in order: every accepted asset, then the fund's
/// reserve: `(asset, oracle, venue sold on)`.
fn entries(spec: &PerpSpec) -> impl Iterator<Item = (AssetId, OracleId, VenueId)> + '_ {
    let accepted = spec.accepts.iter().map(|c| (c.asset, c.oracle, c.sell_on));
    let reserve = spec
        .reserve
        .iter()
        .map(|r| (r.amount.asset(), r.oracle, r.sell_on));
    accepted.chain(reserve)
}

/// An engine collateral entry for a world asset valued at a world oracle.
fn entry(
    at: &Opening<'_>,
    asset: AssetId,
    oracle: OracleId,
    haircut: Ppm,
) -> Result<CollateralAsset, WorldError> {
    let (name, decimals) = &at.assets[asset.index()];
    Ok(CollateralAsset {
        name: name.clone(),
        scale: scale_of(*decimals)?,
        price: at.oracle_prices[oracle.index()],
        haircut,
        seized: 0,
        reserve: 0,
    })
}
