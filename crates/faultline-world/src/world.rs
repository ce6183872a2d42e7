//! The world: genesis, the tick pipeline (order in the crate docs), records, summary.

use crate::agents::{preview_route, sell_route, Arbitrageur, Liquidator};
use crate::cdp::{Cdp, CdpSpec, VaultPopulation};
use crate::ledger::Ledger;
use crate::lending::{BorrowerPopulation, Lending};
use crate::perp::{Perp, PerpSpec};
use crate::pool::Pool;
use crate::record::{
    AgentSummary, AssetRow, AssetSummary, OracleRow, ProtocolSummary, VenueRow, VenueSummary,
    WorldEvent, WorldEventKind, WorldRecords, WorldSummary,
};
use crate::spec::{
    AgentSpec, ChainId, OracleSource, PriceOrigin, ProtocolSpec, SellerSpec, WorldSpec,
};
use crate::WorldError;

mod keepers;
use faultline_engine::oracle::Oracle;
use faultline_engine::process::{generate_paths, PathsInput, ProcessSpec};
use faultline_engine::rng::{stream, Stream};
use faultline_units::{mul_div_wide, Amount, AssetId, Ppm, Price, Rounding, Value, PRICE_SCALE};
use rand::RngExt;
use std::collections::BTreeSet;

/// How many sizes a liquidator tries before giving a liquidation up as unprofitable.
const SIZE_TRIES: usize = 6;

/// What became of one liquidation attempt.
enum Attempt {
    Done,
    Unprofitable,
    Blocked,
}

/// A protocol instance at run time.
#[derive(Debug, Clone)]
pub enum Protocol {
    /// A lending market.
    Lending(Box<Lending>),
    /// A perpetual-futures venue.
    Perp(Box<Perp>),
    /// A CDP stablecoin.
    Cdp(Box<Cdp>),
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
    sellers: Vec<(SellerSpec, crate::ledger::HolderId)>,
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
            events: Vec::new(),
            seen: BTreeSet::new(),
            records: WorldRecords::default(),
            full_checks: false,
            isolated: None,
            acting: 0,
            low: Vec::new(),
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
        for p in &world.protocols {
            if let Protocol::Cdp(c) = p {
                c.back_supply(&mut world.ledger)?;
            }
        }
        world.ledger.seal();
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

    fn open_protocols(&mut self) -> Result<(), WorldError> {
        for (p, spec) in self.spec.protocols.clone().into_iter().enumerate() {
            match spec {
                ProtocolSpec::Lending(l) => {
                    let holder = self.ledger.open(l.name.clone());
                    let treasury = self.ledger.open(format!("{} treasury", l.name));
                    let wallets = self.ledger.open(format!("{} borrowers", l.name));
                    let mut m = Lending::new(l, holder, treasury, wallets);
                    m.genesis_supply(&mut self.ledger)?;
                    let pops = m.spec.borrowers.clone();
                    let mut rng = stream(
                        self.seed,
                        Stream::World(u32::try_from(p).unwrap_or(u32::MAX)),
                    );
                    for pop in &pops {
                        self.draw_borrowers(&mut m, pop, &mut rng)?;
                    }
                    self.protocols.push(Protocol::Lending(Box::new(m)));
                }
                ProtocolSpec::Perp(ps) => {
                    let perp = self.open_perp(ps)?;
                    self.protocols.push(Protocol::Perp(Box::new(perp)));
                }
                ProtocolSpec::Cdp(cs) => {
                    let mut rng = stream(
                        self.seed,
                        Stream::World(u32::try_from(p).unwrap_or(u32::MAX)),
                    );
                    let cdp = self.open_cdp(cs, &mut rng)?;
                    self.protocols.push(Protocol::Cdp(Box::new(cdp)));
                }
            }
        }
        Ok(())
    }

    /// Open a CDP and draw its vaults: collateral value log-uniform, priced at the ilk's
    /// oracle; debt at par for the drawn collateralization.
    fn open_cdp(
        &mut self,
        cs: CdpSpec,
        rng: &mut rand_chacha::ChaCha12Rng,
    ) -> Result<Cdp, WorldError> {
        let mut cdp = Cdp::new(cs, &mut self.ledger);
        let pops: Vec<VaultPopulation> = cdp.spec.vaults.clone();
        for pop in &pops {
            let ilk = cdp.spec.ilks[pop.ilk].clone();
            let price = self.oracles[ilk.oracle.index()].price();
            for _ in 0..pop.count {
                let v = log_uniform(rng, pop.collateral_value);
                let c = uniform(rng, pop.collateralization);
                let value = Value::from_f64(v)?;
                let ink =
                    Amount::for_value(ilk.asset, value, price, ilk.decimals, Rounding::Floor)?
                        .atoms();
                let art = cdp.stable_atoms(v / c)?;
                cdp.genesis_vault(
                    &mut self.ledger,
                    crate::cdp::Vault {
                        ilk: pop.ilk,
                        ink,
                        art,
                    },
                )?;
            }
        }
        Ok(cdp)
    }

    /// Build a perp venue on the world's reference paths (sampled at its chain's blocks)
    /// and give its contract the collateral its books hold.
    fn open_perp(&mut self, ps: PerpSpec) -> Result<Perp, WorldError> {
        let stride = self.spec.chains[ps.chain.index()].block_time_ms / self.spec.tick_ms;
        let blocks = self.spec.ticks / stride.max(1);
        let paths: Vec<(usize, Vec<f64>)> = ps
            .markets
            .iter()
            .map(|b| {
                let path = (0..=blocks)
                    .map(|k| self.reference_f64(b.asset, k * stride))
                    .collect();
                (b.market, path)
            })
            .collect();
        // Each venue draws its traders from its own stream: two venues built from the same
        // file in one world are not copies of each other.
        let seed =
            faultline_engine::rng::path_seed(self.seed, 1 << 32 | self.protocols.len() as u64);
        let sim = (ps.build.0)(seed, &paths).map_err(|e| WorldError::Genesis {
            what: format!("protocol `{}`", ps.name),
            why: e.to_string(),
            hint: "check the venue's scenario file".into(),
        })?;
        let decimals = self.spec.assets[ps.collateral.index()].decimals;
        Perp::open(ps, sim, &mut self.ledger, decimals)
    }

    /// An asset's outside price at `tick`, from the paths (no state).
    fn reference_f64(&self, asset: AssetId, tick: u64) -> f64 {
        match &self.spec.assets[asset.index()].price {
            PriceOrigin::Process { .. } => {
                let path = &self.paths[asset.index()];
                let t = usize::try_from(tick).unwrap_or(usize::MAX);
                path[t.min(path.len() - 1)]
            }
            PriceOrigin::Peg(p) => *p,
            PriceOrigin::Tracks { asset, ratio } => self.reference_f64(*asset, tick) * ratio,
            // Not exogenous: scenario validation keeps perps off market-priced assets.
            PriceOrigin::Market { initial, .. } => *initial,
        }
    }

    /// Draw a population's borrowers: collateral value log-uniform, split by shares and
    /// priced at the reserves' oracles; debt for the drawn health factor, capped by LTV.
    fn draw_borrowers(
        &mut self,
        m: &mut Lending,
        pop: &BorrowerPopulation,
        rng: &mut rand_chacha::ChaCha12Rng,
    ) -> Result<(), WorldError> {
        let prices = self.reserve_prices(m);
        let n = m.spec.reserves.len();
        for _ in 0..pop.count {
            let v = log_uniform(rng, pop.collateral_value);
            let hf = uniform(rng, pop.health_factor);
            let mut coll = vec![0i128; n];
            let (mut weighted, mut borrowable) = (Value::ZERO, Value::ZERO);
            for &(r, share) in &pop.collateral {
                let spec = &m.spec.reserves[r];
                let value = Value::from_f64(v * share.to_f64())?;
                coll[r] = Amount::for_value(
                    spec.asset,
                    value,
                    prices[r],
                    spec.decimals,
                    Rounding::Floor,
                )?
                .atoms();
                let held = Amount::new(spec.asset, coll[r]).value(
                    prices[r],
                    spec.decimals,
                    Rounding::Floor,
                )?;
                weighted = weighted.checked_add(held.mul_div(
                    i128::from(spec.liquidation_threshold.atoms()),
                    1_000_000,
                    Rounding::Floor,
                )?)?;
                borrowable = borrowable.checked_add(held.mul_div(
                    i128::from(spec.ltv.atoms()),
                    1_000_000,
                    Rounding::Floor,
                )?)?;
            }
            let target = Value::from_f64(weighted.to_f64() / hf)?.min(borrowable);
            let ds = &m.spec.reserves[pop.debt];
            let mut debt = vec![0i128; n];
            debt[pop.debt] = Amount::for_value(
                ds.asset,
                target,
                prices[pop.debt],
                ds.decimals,
                Rounding::Floor,
            )?
            .atoms();
            if m.cash(&self.ledger, pop.debt) < debt[pop.debt] {
                return Err(WorldError::Genesis {
                    what: format!("protocol `{}`", m.spec.name),
                    why: format!(
                        "its borrowers want more {} than depositors supplied",
                        self.ledger.symbol(ds.asset)
                    ),
                    hint: "raise the reserve's `supplied` or lower the population's size or value"
                        .into(),
                });
            }
            m.genesis_borrower(&mut self.ledger, &coll, &debt)?;
        }
        Ok(())
    }

    fn open_agents(&mut self) -> Result<(), WorldError> {
        for a in self.spec.agents.clone() {
            match a {
                AgentSpec::Liquidator(l) => {
                    let wallet = self.ledger.open(l.name.clone());
                    for c in &l.capital {
                        self.ledger.genesis(wallet, *c)?;
                    }
                    self.liquidators.push(Liquidator {
                        spec: l,
                        wallet,
                        liquidations: 0,
                        gas_paid: Value::ZERO,
                    });
                }
                AgentSpec::Seller(sp) => {
                    let wallet = self.ledger.open(sp.name.clone());
                    self.ledger
                        .genesis(wallet, Amount::new(sp.asset, sp.holding))?;
                    self.sellers.push((sp, wallet));
                }
                AgentSpec::Arbitrageur(a) => {
                    let wallet = self.ledger.open(a.name.clone());
                    self.arbitrageurs.push(Arbitrageur {
                        spec: a,
                        wallet,
                        trades: 0,
                    });
                }
            }
        }
        Ok(())
    }

    /// The exposure network at genesis.
    pub fn network_start(&self) -> Option<&crate::exposure::Network> {
        self.network_start.as_ref()
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
        self.sellers_phase()?;
        self.arbitrage()?;
        self.oracles_phase()?;
        // Protocols are taken out while they act so agents and the ledger can be borrowed
        // beside them; they are put back whatever happens.
        let mut protocols = std::mem::take(&mut self.protocols);
        let mut result = Ok(());
        for (p, proto) in protocols.iter_mut().enumerate() {
            let chain = self.spec.protocols[p].chain();
            if self.producing[chain.index()] {
                self.acting = p;
                result = self.protocol_block(proto, p, chain);
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
            let oracle = &mut self.oracles[o];
            if let Some(v) = oracle.observe(block, &mut live, false)? {
                oracle.send(block, v);
            }
            oracle.deliver(block);
        }
        Ok(())
    }

    /// The liquidators (and keepers) watching protocol `p`, in file order.
    fn watchers(&self, p: usize) -> Vec<usize> {
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
        proto: &mut Protocol,
        p: usize,
        chain: ChainId,
    ) -> Result<(), WorldError> {
        match proto {
            Protocol::Lending(m) => self.lending_block(m, p, chain),
            Protocol::Cdp(c) => self.cdp_block(c, p, chain),
            Protocol::Perp(perp) => {
                let prices: Vec<Price> = self.oracles.iter().map(Oracle::price).collect();
                let hedge = !self.sales_cut();
                let events = perp.block(&mut self.ledger, &self.pools, &prices, hedge)?;
                let name = perp.spec.name.clone();
                for (kind, detail) in events {
                    self.emit(WorldEventKind::Perp(kind), name.clone(), detail);
                }
                Ok(())
            }
        }
    }

    fn lending_block(
        &mut self,
        m: &mut Lending,
        p: usize,
        chain: ChainId,
    ) -> Result<(), WorldError> {
        let block_time_ms = self.spec.chains[chain.index()].block_time_ms;
        m.accrue(&self.ledger, block_time_ms)?;
        let prices = self.reserve_prices(m);
        let candidates = m.candidates(&prices)?;
        m.stats.liquidatable = u64::try_from(candidates.len()).unwrap_or(u64::MAX);
        let watchers = self.watchers(p);
        let mut used = vec![0u32; self.liquidators.len()];
        for c in candidates {
            for &k in &watchers {
                if used[k] >= self.liquidators[k].spec.max_per_block {
                    continue;
                }
                if self.liquidate_sized(m, k, c, &prices, chain)? {
                    used[k] += 1;
                    break;
                }
            }
        }
        Ok(())
    }

    /// A liquidator sizes its call: the most it may cover, then halves (up to
    /// [`SIZE_TRIES`] times) while slippage on the route makes it unprofitable, as
    /// searchers choose `debtToCover`. Returns true when a call was executed.
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

    /// What `gas_units` cost on `chain` now, in its gas asset (the gas price, or a
    /// spike's, in wei per unit; the asset's decimals scale wei).
    fn gas_cost(&self, chain: ChainId, gas_units: u64) -> Result<Amount, WorldError> {
        let ch = &self.spec.chains[chain.index()];
        let gas_wei = ch
            .gas_spikes
            .iter()
            .find(|s| (s.start_tick..s.end_tick).contains(&self.tick))
            .map_or(ch.gas_price_wei, |s| s.gas_price_wei);
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

    fn record(&mut self) -> Result<(), WorldError> {
        let (tick, time_ms) = (self.tick, self.time_ms());
        for (i, a) in self.spec.assets.iter().enumerate() {
            self.records.assets.push(AssetRow {
                tick,
                time_ms,
                asset: a.name.clone(),
                reference: self.reference[i].to_f64(),
            });
        }
        for (v, pool) in self.pools.iter().enumerate() {
            let (b, q) = pool.reserves(&self.ledger);
            let mid = pool.mid(&self.ledger)?.to_f64();
            self.venue_low[v] = self.venue_low[v].min(mid);
            self.records.venues.push(VenueRow {
                tick,
                time_ms,
                venue: self.spec.venues[v].name.clone(),
                mid,
                base_reserve: Amount::new(pool.base, b).to_units_f64(pool.base_decimals),
                quote_reserve: Amount::new(pool.quote, q).to_units_f64(pool.quote_decimals),
            });
        }
        for (o, spec) in self.spec.oracles.iter().enumerate() {
            let block = spec
                .chain
                .map_or(self.tick, |c| self.chain_blocks[c.index()]);
            self.records.oracles.push(OracleRow {
                tick,
                time_ms,
                oracle: spec.name.clone(),
                asset: self.spec.assets[spec.asset.index()].name.clone(),
                price: self.oracles[o].price().to_f64(),
                age_blocks: self.oracles[o].age(block),
            });
        }
        for p in &self.protocols {
            let row = match p {
                Protocol::Lending(m) => m.row(tick, time_ms, &self.reserve_prices(m))?,
                Protocol::Perp(perp) => perp.row(tick, time_ms)?,
                Protocol::Cdp(c) => c.row(tick, time_ms)?,
            };
            self.records.protocols.push(row);
        }
        Ok(())
    }

    /// The summary in the loss vocabulary (latent shortfall computed now, at each
    /// protocol's oracle prices). `error` is the reason a run stopped early.
    pub fn summary(&self, error: Option<String>) -> Result<WorldSummary, WorldError> {
        let mut protocols = Vec::new();
        for p in &self.protocols {
            protocols.push(match p {
                Protocol::Lending(m) => m.summary(&self.reserve_prices(m))?,
                Protocol::Perp(perp) => perp.summary()?,
                Protocol::Cdp(c) => c.summary(&self.ilk_prices(c))?,
            });
        }
        let imbalances = self.ledger.imbalances();
        let assets = self
            .spec
            .assets
            .iter()
            .enumerate()
            .map(|(i, a)| AssetSummary {
                name: a.name.clone(),
                reference_start: self.records.assets.get(i).map_or(0.0, |r| r.reference),
                reference_end: self.reference[i].to_f64(),
                reference_low: self.low[i],
                conservation_error_atoms: imbalances
                    .iter()
                    .find(|e| e.asset.index() == i)
                    .map_or(0, |e| e.error_atoms),
            })
            .collect();
        let venues = self
            .pools
            .iter()
            .enumerate()
            .map(|(v, pool)| {
                Ok(VenueSummary {
                    name: self.spec.venues[v].name.clone(),
                    mid_start: self.records.venues.get(v).map_or(0.0, |r| r.mid),
                    mid_low: self.venue_low[v],
                    mid_end: pool.mid(&self.ledger)?.to_f64(),
                })
            })
            .collect::<Result<_, WorldError>>()?;
        let mut agents: Vec<AgentSummary> = self
            .liquidators
            .iter()
            .map(|l| AgentSummary {
                name: l.spec.name.clone(),
                actions: l.liquidations,
                gas_paid: l.gas_paid.to_f64(),
            })
            .collect();
        agents.extend(self.arbitrageurs.iter().map(|a| AgentSummary {
            name: a.spec.name.clone(),
            actions: a.trades,
            gas_paid: 0.0,
        }));
        let total_shortfall = protocols
            .iter()
            .map(|p: &ProtocolSummary| p.shortfall)
            .sum();
        let total_latent_shortfall = protocols.iter().map(|p| p.latent_shortfall).sum();
        Ok(WorldSummary {
            name: self.spec.name.clone(),
            seed: self.seed,
            ticks: self.tick,
            tick_ms: self.spec.tick_ms,
            completed: self.is_done() && error.is_none(),
            error,
            total_shortfall,
            total_latent_shortfall,
            protocols,
            assets,
            venues,
            agents,
            contagion: None,
        })
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

/// A draw from `[lo, hi]`, uniform.
fn uniform(rng: &mut rand_chacha::ChaCha12Rng, (lo, hi): (f64, f64)) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A draw from `[lo, hi]`, log-uniform (sizes spread over orders of magnitude).
fn log_uniform(rng: &mut rand_chacha::ChaCha12Rng, (lo, hi): (f64, f64)) -> f64 {
    libm::exp(uniform(rng, (libm::log(lo), libm::log(hi))))
}

fn reference_paths(spec: &WorldSpec, seed: u64) -> Vec<Vec<f64>> {
    // Every process-priced asset gets its own stream (by asset index), so adding a
    // pegged asset never changes another asset's path.
    let processes: Vec<ProcessSpec> = spec
        .assets
        .iter()
        .map(|a| match &a.price {
            PriceOrigin::Process { process, .. } => process.clone(),
            _ => ProcessSpec::Replay(vec![1.0]),
        })
        .collect();
    let gaps: Vec<Vec<_>> = spec
        .assets
        .iter()
        .map(|a| match &a.price {
            PriceOrigin::Process { gaps, .. } => gaps.clone(),
            _ => Vec::new(),
        })
        .collect();
    generate_paths(&PathsInput {
        processes: &processes,
        gaps: &gaps,
        correlation: None,
        blocks: spec.ticks,
        block_time_ms: spec.tick_ms,
        seed,
    })
}

fn open_pools(spec: &WorldSpec, ledger: &mut Ledger) -> Result<Vec<Pool>, WorldError> {
    spec.venues
        .iter()
        .map(|v| {
            let holder = ledger.open(v.name.clone());
            ledger.genesis(holder, Amount::new(v.base, v.base_reserve))?;
            ledger.genesis(holder, Amount::new(v.quote, v.quote_reserve))?;
            Ok(Pool {
                holder,
                base: v.base,
                quote: v.quote,
                base_decimals: spec.assets[v.base.index()].decimals,
                quote_decimals: spec.assets[v.quote.index()].decimals,
                fee_ppm: v.fee_ppm,
                curve: v.curve,
            })
        })
        .collect()
}

/// A fraction as parts per million (input edges only).
pub fn ppm(x: f64) -> Result<Ppm, WorldError> {
    Ok(Ppm::from_fraction(x)?)
}
