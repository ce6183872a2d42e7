//! The world: the state, the tick pipeline (order in the crate docs) and its phases.
//! Genesis, the lending markets' liquidations, the CDPs' keepers and the records live in
//! the child modules.

use crate::agents::{Arbitrageur, Liquidator};
use crate::cdp::Cdp;
use crate::ledger::Ledger;
use crate::lending::Lending;
use crate::perp::Perp;
use crate::pool::Pool;
use crate::record::{WorldEvent, WorldEventKind, WorldRecords};
use crate::spec::{ChainId, OracleSource, PriceOrigin, WorldSpec};
use crate::WorldError;
use faultline_engine::oracle::Oracle;
use faultline_units::{mul_div_wide, Amount, AssetId, Ppm, Price, Rounding, PRICE_SCALE};
use genesis::{open_pools, reference_paths};
use std::collections::BTreeSet;

mod breakers;
mod flops;
mod genesis;
mod holders;
pub mod inspect;
mod keepers;
mod liquidations;
mod records;
mod refills;
mod vaults;

/// A protocol instance at run time.
#[derive(Debug, Clone)]
pub enum Protocol {
    /// A lending market.
    Lending(Box<Lending>),
    /// A perpetual-futures venue.
    Perp(Box<Perp>),
    /// A CDP stablecoin.
    Cdp(Box<Cdp>),
    /// An algorithmic stablecoin's issuer.
    Issuer(Box<crate::issuer::Issuer>),
    /// An options vault.
    Vault(Box<crate::vault::OptionsVault>),
}

/// A running world.
#[derive(Debug, Clone)]
pub struct World {
    spec: WorldSpec,
    seed: u64,
    tick: u64,
    /// Every token every holder has.
    pub ledger: Ledger,
    paths: Vec<Vec<f64>>,
    reference: Vec<Price>,
    pools: Vec<Pool>,
    oracles: Vec<Oracle>,
    chain_blocks: Vec<u64>,
    producing: Vec<bool>,
    /// Protocols, in file order.
    pub protocols: Vec<Protocol>,
    liquidators: Vec<Liquidator>,
    arbitrageurs: Vec<Arbitrageur>,
    sellers: Vec<crate::agents::Seller>,
    buyers: Vec<crate::agents::Buyer>,
    issuer_arbitrageurs: Vec<crate::issuer::IssuerArbitrageur>,
    debt_bidders: Vec<crate::agents::DebtBidder>,
    /// Breakers that have tripped.
    tripped: Vec<bool>,
    /// Oracles a breaker fixed, with their price.
    fixed: Vec<Option<Price>>,
    events: Vec<WorldEvent>,
    seen: BTreeSet<(WorldEventKind, String)>,
    records: WorldRecords,
    full_checks: bool,
    /// A protocol whose forced sales are cut (a counterfactual run for the Contagion
    /// Index): liquidators and keepers keep what they seize from it, its liquidity
    /// provider does not hedge.
    isolated: Option<usize>,
    /// The protocol acting now (in the protocols phase).
    acting: usize,
    low: Vec<f64>,
    supply_start: Vec<f64>,
    venue_low: Vec<f64>,
    network_start: Option<crate::exposure::Network>,
}

impl World {
    /// Genesis: reference paths from the seed, pools funded, markets supplied, borrowers
    /// drawn, agents funded; then the ledger is sealed and tick 0 recorded.
    pub fn new(spec: WorldSpec, seed: u64) -> Result<Self, WorldError> {
        let mut ledger = Ledger::new(spec.assets.iter().map(|a| a.name.clone()).collect());
        let paths = reference_paths(&spec, seed);
        let pools = open_pools(&spec, &mut ledger)?;
        let mut world = Self {
            seed,
            tick: 0,
            ledger,
            reference: vec![Price::ZERO; spec.assets.len()],
            paths,
            pools,
            oracles: Vec::new(),
            chain_blocks: vec![0; spec.chains.len()],
            producing: vec![false; spec.chains.len()],
            protocols: Vec::new(),
            liquidators: Vec::new(),
            arbitrageurs: Vec::new(),
            sellers: Vec::new(),
            buyers: Vec::new(),
            issuer_arbitrageurs: Vec::new(),
            debt_bidders: Vec::new(),
            tripped: vec![false; spec.breakers.len()],
            fixed: vec![None; spec.oracles.len()],
            events: Vec::new(),
            seen: BTreeSet::new(),
            records: WorldRecords::default(),
            full_checks: false,
            isolated: None,
            acting: 0,
            low: Vec::new(),
            supply_start: Vec::new(),
            venue_low: Vec::new(),
            network_start: None,
            spec,
        };
        world.set_reference()?;
        world.low = world.reference.iter().map(|p| p.to_f64()).collect();
        // Each oracle starts at what its sources say at genesis (a `par` feed at $1, a
        // pool-reading feed at the pool's mid), not at the asset's outside price.
        let initial: Vec<Price> = (0..world.spec.oracles.len())
            .map(|o| world.sources_median(o))
            .collect::<Result<_, _>>()?;
        world.oracles = world
            .spec
            .oracles
            .iter()
            .zip(initial)
            .map(|(o, p)| Oracle::new(o.params.clone(), p))
            .collect();
        world.open_protocols()?;
        world.open_agents()?;
        for p in &mut world.protocols {
            match p {
                Protocol::Cdp(c) => c.back_supply(&mut world.ledger)?,
                Protocol::Issuer(i) => i.seal(&world.ledger),
                _ => {}
            }
        }
        world.ledger.seal();
        world.supply_start = world
            .spec
            .assets
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let id = AssetId(u16::try_from(i).unwrap_or(0));
                Amount::new(id, world.ledger.supply(id).expected()).to_units_f64(a.decimals)
            })
            .collect();
        world.venue_low = world
            .pools
            .iter()
            .map(|p| p.mid(&world.ledger).map(|m| m.to_f64()))
            .collect::<Result<_, _>>()?;
        world.check()?;
        world.record()?;
        world.network_start = Some(world.network()?);
        Ok(world)
    }

    /// Cut protocol `p`'s forced sales for the whole run (see [`crate::contagion`]).
    pub fn with_isolation(mut self, p: usize) -> Self {
        self.isolated = Some(p);
        self
    }

    /// The stablecoin of the protocol cut from the others, if it issues one.
    fn isolated_issue(&self) -> Option<AssetId> {
        self.isolated
            .and_then(|p| self.protocols.get(p))
            .and_then(Protocol::stablecoin)
    }

    /// True when the acting protocol's forced sales are cut.
    fn sales_cut(&self) -> bool {
        self.isolated == Some(self.acting)
    }

    /// Check every protocol's books in full after every tick (`O(users)` per tick;
    /// tests use it, runs rely on the incremental identities).
    pub fn with_full_checks(mut self) -> Self {
        self.full_checks = true;
        self
    }

    /// The exposure network at genesis.
    pub fn network_start(&self) -> Option<&crate::exposure::Network> {
        self.network_start.as_ref()
    }

    /// Keep every perp venue's per-market timeline (one row per market per block from
    /// the opening one) for the run directory's `markets.csv`. Call before the first
    /// tick; paths of a Monte Carlo run do without.
    pub fn with_perp_timelines(mut self) -> Result<Self, WorldError> {
        for p in &mut self.protocols {
            if let Protocol::Perp(perp) = p {
                perp.keep_timeline()?;
            }
        }
        Ok(self)
    }

    /// Each perp venue's name, market symbols and kept timeline rows, in protocol order.
    pub fn perp_timelines(&self) -> Vec<PerpTimeline<'_>> {
        self.protocols
            .iter()
            .filter_map(|p| match p {
                Protocol::Perp(perp) => Some(PerpTimeline {
                    protocol: &perp.spec.name,
                    block_time_ms: self.spec.chains[perp.spec.chain.index()].block_time_ms,
                    symbols: perp.symbols(),
                    rows: perp.timeline(),
                }),
                _ => None,
            })
            .collect()
    }

    /// The last completed tick.
    pub fn tick(&self) -> u64 {
        self.tick
    }
    /// True once every tick has run.
    pub fn is_done(&self) -> bool {
        self.tick >= self.spec.ticks
    }
    /// The parameters.
    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }
    /// The failure sequence so far.
    pub fn events(&self) -> &[WorldEvent] {
        &self.events
    }
    /// Timelines so far.
    pub fn records(&self) -> &WorldRecords {
        &self.records
    }
    /// The venues' pools.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }
    /// The published price of oracle `i`.
    pub fn oracle_price(&self, i: usize) -> Price {
        self.oracles[i].price()
    }
    /// The reference price of an asset now.
    pub fn reference(&self, a: AssetId) -> Price {
        self.reference[a.index()]
    }

    fn time_ms(&self) -> u64 {
        self.tick * self.spec.tick_ms
    }

    /// Run one tick through every phase.
    pub fn step(&mut self) -> Result<(), WorldError> {
        self.tick += 1;
        let before = self.reference.clone();
        self.set_reference()?;
        self.shock_events(&before);
        let now = self.time_ms();
        for (c, chain) in self.spec.chains.iter().enumerate() {
            self.producing[c] = now % chain.block_time_ms == 0;
            if self.producing[c] {
                self.chain_blocks[c] += 1;
            }
        }
        self.breakers_phase()?;
        self.sellers_phase()?;
        self.buyers_phase()?;
        self.arbitrage()?;
        self.oracles_phase()?;
        // Protocols are taken out while they act so agents and the ledger can be borrowed
        // beside them; they are put back whatever happens.
        let mut protocols = std::mem::take(&mut self.protocols);
        let mut result = Ok(());
        for p in 0..protocols.len() {
            let chain = self.spec.protocols[p].chain();
            if self.producing[chain.index()] {
                self.acting = p;
                result = self.protocol_block(&mut protocols, p, chain);
                if result.is_err() {
                    break;
                }
            }
        }
        self.protocols = protocols;
        result?;
        self.check()?;
        self.depeg_events();
        self.record()
    }

    fn acts(&self, chain: Option<ChainId>) -> bool {
        chain.is_none_or(|c| self.producing[c.index()])
    }

    fn set_reference(&mut self) -> Result<(), WorldError> {
        let t = usize::try_from(self.tick).unwrap_or(usize::MAX);
        for i in 0..self.spec.assets.len() {
            let p = match &self.spec.assets[i].price {
                PriceOrigin::Process { .. } => {
                    let path = &self.paths[i];
                    path[t.min(path.len() - 1)]
                }
                PriceOrigin::Peg(p) => *p,
                PriceOrigin::Tracks { asset, ratio } => {
                    self.reference[asset.index()].to_f64() * ratio
                }
                PriceOrigin::Market { venue, .. } => self
                    .source_price(
                        AssetId(u16::try_from(i).unwrap_or(0)),
                        OracleSource::Venue(*venue),
                    )?
                    .to_f64(),
            };
            self.reference[i] = Price::from_f64(p)?;
            if let Some(l) = self.low.get_mut(i) {
                *l = l.min(p);
            }
        }
        Ok(())
    }

    fn shock_events(&mut self, before: &[Price]) {
        for (i, prev) in before.iter().enumerate() {
            let (a, b) = (prev.to_f64(), self.reference[i].to_f64());
            if a > 0.0 && (b / a - 1.0).abs() >= 0.05 {
                let name = self.spec.assets[i].name.clone();
                self.emit(
                    WorldEventKind::PriceShock,
                    name,
                    format!("reference moved {:+.1}% in one tick", (b / a - 1.0) * 100.0),
                );
            }
        }
    }

    /// Quote units per base unit on the outside market.
    fn outside_price(&self, pool: &Pool) -> Result<Price, WorldError> {
        let (b, q) = (
            self.reference[pool.base.index()],
            self.reference[pool.quote.index()],
        );
        if !q.is_positive() {
            return Ok(Price::ZERO);
        }
        let atoms = mul_div_wide(
            i128::from(b.atoms()),
            i128::from(PRICE_SCALE),
            i128::from(q.atoms()),
            Rounding::Floor,
        )?;
        Ok(Price::from_atoms(i64::try_from(atoms).map_err(|_| {
            faultline_units::ArithmeticError::new("outside price")
        })?))
    }

    fn arbitrage(&mut self) -> Result<(), WorldError> {
        for k in 0..self.arbitrageurs.len() {
            let v = self.arbitrageurs[k].spec.venue;
            if !self.acts(self.spec.venues[v.index()].chain) {
                continue;
            }
            let pool = self.pools[v.index()].clone();
            let target = self.outside_price(&pool)?;
            let base_price = self.reference[pool.base.index()];
            if !base_price.is_positive() {
                continue;
            }
            let max_base = Amount::for_value(
                pool.base,
                self.arbitrageurs[k].spec.max_trade,
                base_price,
                pool.base_decimals,
                Rounding::Floor,
            )?
            .atoms();
            self.arbitrageurs[k].act(&mut self.ledger, &pool, target, max_base)?;
        }
        for v in 0..self.pools.len() {
            let target = self.outside_price(&self.pools[v])?.to_f64();
            let mid = self.pools[v].mid(&self.ledger)?.to_f64();
            self.venue_low[v] = self.venue_low[v].min(mid);
            if target > 0.0 && (mid / target - 1.0).abs() > 0.05 {
                let name = self.spec.venues[v].name.clone();
                self.emit(
                    WorldEventKind::VenueDislocated,
                    name,
                    format!(
                        "mid {mid:.4} is {:+.1}% from the outside market",
                        (mid / target - 1.0) * 100.0
                    ),
                );
            }
        }
        Ok(())
    }

    /// Source prices in dollars: a venue's mid times its quote asset's reference.
    fn source_price(&self, asset: AssetId, s: OracleSource) -> Result<Price, WorldError> {
        Ok(match s {
            OracleSource::Reference => self.reference[asset.index()],
            OracleSource::Par => Price::from_atoms(PRICE_SCALE),
            OracleSource::Venue(v) => {
                let pool = &self.pools[v.index()];
                let mid = pool.mid(&self.ledger)?;
                let q = self.reference[pool.quote.index()];
                let atoms = mul_div_wide(
                    i128::from(mid.atoms()),
                    i128::from(q.atoms()),
                    i128::from(PRICE_SCALE),
                    Rounding::Floor,
                )?;
                Price::from_atoms(
                    i64::try_from(atoms)
                        .map_err(|_| faultline_units::ArithmeticError::new("source price"))?,
                )
            }
        })
    }

    /// The median of oracle `o`'s sources now (the lower of the two middle values for an
    /// even count, as a conservative start).
    fn sources_median(&self, o: usize) -> Result<Price, WorldError> {
        let spec = &self.spec.oracles[o];
        let mut live: Vec<Price> = spec
            .sources
            .iter()
            .map(|s| self.source_price(spec.asset, *s))
            .collect::<Result<_, _>>()?;
        live.sort_unstable();
        Ok(live
            .get(live.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(self.reference[spec.asset.index()]))
    }

    fn oracles_phase(&mut self) -> Result<(), WorldError> {
        for o in 0..self.oracles.len() {
            let spec = &self.spec.oracles[o];
            if !self.acts(spec.chain) {
                continue;
            }
            let block = spec
                .chain
                .map_or(self.tick, |c| self.chain_blocks[c.index()]);
            let mut live: Vec<Price> = spec
                .sources
                .iter()
                .map(|s| self.source_price(spec.asset, *s))
                .collect::<Result<_, _>>()?;
            let tick = self.tick;
            if let Some(&(_, _, p)) = spec
                .misprice
                .iter()
                .find(|&&(from, to, _)| (from..to).contains(&tick))
            {
                live = vec![p];
            }
            if let Some(p) = self.fixed_price(o) {
                live = vec![p];
            }
            // An issuer cut from the others (the Contagion Index's rerun): its
            // stablecoin reads at par wherever it is priced.
            if self.isolated_issue() == Some(spec.asset) {
                live = vec![Price::from_atoms(PRICE_SCALE)];
            }
            let oracle = &mut self.oracles[o];
            if let Some(v) = oracle.observe(block, &mut live, false)? {
                oracle.send(block, v);
            }
            oracle.deliver(block);
        }
        Ok(())
    }

    /// The liquidators (and keepers) watching protocol `p`, in file order.
    pub(super) fn watchers(&self, p: usize) -> Vec<usize> {
        (0..self.liquidators.len())
            .filter(|&k| {
                self.liquidators[k]
                    .spec
                    .protocols
                    .iter()
                    .any(|x| x.index() == p)
            })
            .collect()
    }

    /// Every reserve's oracle price, in reserve order.
    pub fn reserve_prices(&self, m: &Lending) -> Vec<Price> {
        m.spec
            .reserves
            .iter()
            .map(|r| self.oracles[r.oracle.index()].price())
            .collect()
    }

    fn protocol_block(
        &mut self,
        protocols: &mut [Protocol],
        p: usize,
        chain: ChainId,
    ) -> Result<(), WorldError> {
        if matches!(protocols[p], Protocol::Vault(_)) {
            return self.vault_block(protocols, p, chain);
        }
        match &mut protocols[p] {
            Protocol::Vault(_) => Ok(()),
            Protocol::Lending(m) => self.lending_block(m, p, chain),
            Protocol::Cdp(c) => self.cdp_block(c, p, chain),
            Protocol::Issuer(i) => self.issuer_block(i, p),
            Protocol::Perp(perp) if perp.spec.refill.is_some() => {
                self.refill_block(protocols, p)?;
                match &mut protocols[p] {
                    Protocol::Perp(perp) => self.perp_block(perp),
                    _ => Ok(()),
                }
            }
            Protocol::Perp(perp) => self.perp_block(perp),
        }
    }

    fn perp_block(&mut self, perp: &mut crate::perp::Perp) -> Result<(), WorldError> {
        let prices: Vec<Price> = self.oracles.iter().map(Oracle::price).collect();
        let hedge = !self.sales_cut();
        let events = perp.block(&mut self.ledger, &self.pools, &prices, hedge)?;
        let name = perp.spec.name.clone();
        for (kind, detail) in events {
            self.emit(WorldEventKind::Perp(kind), name.clone(), detail);
        }
        Ok(())
    }

    fn check(&self) -> Result<(), WorldError> {
        if let Some(e) = self.ledger.imbalances().first() {
            return Err(WorldError::Conservation {
                tick: self.tick,
                asset: self.ledger.symbol(e.asset).to_string(),
                error_atoms: e.error_atoms,
            });
        }
        for p in &self.protocols {
            let (name, books) = match p {
                Protocol::Lending(m) if self.full_checks => (&m.spec.name, m.check_books()),
                Protocol::Lending(_) => continue,
                Protocol::Perp(perp) => (&perp.spec.name, perp.check(&self.ledger)),
                Protocol::Cdp(c) => (&c.spec.name, c.check(&self.ledger, self.full_checks)),
                Protocol::Issuer(i) => (&i.spec.name, i.check(&self.ledger)),
                Protocol::Vault(v) => (&v.spec.name, v.check()),
            };
            books.map_err(|detail| WorldError::Books {
                tick: self.tick,
                protocol: name.clone(),
                detail,
            })?;
        }
        Ok(())
    }

    fn emit(&mut self, kind: WorldEventKind, subject: String, detail: String) {
        if self.seen.insert((kind, subject.clone())) {
            self.events.push(WorldEvent {
                tick: self.tick,
                time_ms: self.time_ms(),
                kind,
                subject,
                detail,
            });
        }
    }

    /// Run every remaining tick. On an error the world keeps what completed ticks
    /// recorded; the error is returned for the summary.
    pub fn run(&mut self) -> Result<(), WorldError> {
        while !self.is_done() {
            self.step()?;
        }
        Ok(())
    }
}

/// A perp venue's kept per-market timeline.
#[derive(Debug, Clone)]
pub struct PerpTimeline<'w> {
    /// The venue's name.
    pub protocol: &'w str,
    /// Its chain's block time (block `b` is at `b × block_time_ms`).
    pub block_time_ms: u64,
    /// Its market symbols, by market index.
    pub symbols: Vec<String>,
    /// One row per market per block, from the opening one.
    pub rows: &'w [faultline_engine::MarketRecord],
}

/// A fraction as parts per million (input edges only).
pub fn ppm(x: f64) -> Result<Ppm, WorldError> {
    Ok(Ppm::from_fraction(x)?)
}
