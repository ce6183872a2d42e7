//! Genesis: reference paths, pools, protocols (lending markets with their borrowers, CDPs
//! with their vaults, perp venues), agents.

use super::{Protocol, World};
use crate::agents::{Arbitrageur, Liquidator};
use crate::cdp::{Cdp, CdpSpec, VaultPopulation};
use crate::ledger::Ledger;
use crate::lending::{BorrowerPopulation, Lending};
use crate::perp::{Perp, PerpSpec};
use crate::pool::Pool;
use crate::spec::{AgentSpec, PriceOrigin, ProtocolSpec, WorldSpec};
use crate::WorldError;
use faultline_engine::process::{generate_paths, PathsInput, ProcessSpec};
use faultline_engine::rng::{stream, Stream};
use faultline_units::{Amount, AssetId, Rounding, Value};
use rand::RngExt;

impl World {
    pub(super) fn open_protocols(&mut self) -> Result<(), WorldError> {
        for (p, spec) in self.spec.protocols.clone().into_iter().enumerate() {
            match spec {
                ProtocolSpec::Lending(l) => {
                    let holder = self.ledger.open(l.name.clone());
                    let treasury = self.ledger.open(format!("{} treasury", l.name));
                    let wallets = self.ledger.open(format!("{} borrowers", l.name));
                    let mut m = Lending::new(l, holder, treasury, wallets);
                    if m.has_runs() {
                        let depositors = self.ledger.open(format!("{} depositors", m.spec.name));
                        // Runs draw from their own stream: adding one never moves genesis.
                        let rng = stream(
                            self.seed,
                            Stream::World(1 << 31 | u32::try_from(p).unwrap_or(0)),
                        );
                        m = m.with_depositors(depositors, rng);
                    }
                    m.genesis_supply(&mut self.ledger)?;
                    if !m.spec.reserve_fund.is_empty() {
                        let fund = self.ledger.open(format!("{} reserve fund", m.spec.name));
                        for h in &m.spec.reserve_fund {
                            self.ledger.genesis(fund, Amount::new(h.asset, h.amount))?;
                        }
                        m.fund = Some(fund);
                    }
                    let pops = m.spec.borrowers.clone();
                    let mut rng = stream(
                        self.seed,
                        Stream::World(u32::try_from(p).unwrap_or(u32::MAX)),
                    );
                    for (k, pop) in pops.iter().enumerate() {
                        m.begin_population(k);
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
                ProtocolSpec::Vault(vs) => {
                    let spot = self.oracles[vs.oracle.index()].price();
                    let cash = self.reference[vs.cash.index()];
                    let v = crate::vault::OptionsVault::open(vs, &mut self.ledger, spot, cash)?;
                    self.protocols.push(Protocol::Vault(Box::new(v)));
                }
                // Its stablecoin's supply is counted once genesis is sealed.
                ProtocolSpec::Issuer(is) => {
                    let issuer = crate::issuer::Issuer::new(is);
                    self.protocols.push(Protocol::Issuer(Box::new(issuer)));
                }
            }
        }
        Ok(())
    }

    /// Open a CDP and draw its vaults: collateral value log-uniform, priced at the ilk's
    /// oracle; debt at par for the drawn collateralization.
    pub(super) fn open_cdp(
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
    pub(super) fn open_perp(&mut self, ps: PerpSpec) -> Result<Perp, WorldError> {
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
        let seed = match ps.seed {
            crate::perp::SeedStream::PerVenue => {
                faultline_engine::rng::path_seed(self.seed, 1 << 32 | self.protocols.len() as u64)
            }
            crate::perp::SeedStream::Run => self.seed,
        };
        let sim = (ps.build.0)(seed, &paths).map_err(|e| WorldError::Genesis {
            what: format!("protocol `{}`", ps.name),
            why: e.to_string(),
            hint: "check the venue's scenario file".into(),
        })?;
        let assets: Vec<(String, u8)> = self
            .spec
            .assets
            .iter()
            .map(|a| (a.name.clone(), a.decimals))
            .collect();
        let oracle_prices: Vec<_> = self
            .oracles
            .iter()
            .map(faultline_engine::oracle::Oracle::price)
            .collect();
        let at = crate::perp::Opening {
            assets: &assets,
            oracle_prices: &oracle_prices,
        };
        Perp::open(ps, sim, &mut self.ledger, &at)
    }

    /// An asset's outside price at `tick`, from the paths (no state).
    pub(super) fn reference_f64(&self, asset: AssetId, tick: u64) -> f64 {
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
    /// A population with listed debts has one borrower per debt, exactly that much, and
    /// the collateral that puts it at the drawn health factor (or at the LTV, if higher).
    pub(super) fn draw_borrowers(
        &mut self,
        m: &mut Lending,
        pop: &BorrowerPopulation,
        rng: &mut rand_chacha::ChaCha12Rng,
    ) -> Result<(), WorldError> {
        let prices = self.reserve_prices(m);
        let n = m.spec.reserves.len();
        let ds = m.spec.reserves[pop.debt].clone();
        // Σ share × threshold and Σ share × LTV of the collateral mix.
        let (mut lt, mut ltv) = (0.0, 0.0);
        for &(r, share) in &pop.collateral {
            lt += share.to_f64() * m.spec.reserves[r].liquidation_threshold.to_f64();
            ltv += share.to_f64() * m.spec.reserves[r].ltv.to_f64();
        }
        let count = if pop.debts.is_empty() {
            pop.count as usize
        } else {
            pop.debts.len()
        };
        for k in 0..count {
            let listed = pop.debts.get(k).copied();
            let hf = uniform(rng, pop.health_factor);
            let v = match listed {
                Some(d) => {
                    let dv = Amount::new(ds.asset, d)
                        .value(prices[pop.debt], ds.decimals, Rounding::Ceil)?
                        .to_f64();
                    (hf * dv / lt).max(dv / ltv)
                }
                None => log_uniform(rng, pop.collateral_value),
            };
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
            let mut debt = vec![0i128; n];
            debt[pop.debt] = match listed {
                Some(d) => d,
                None => {
                    let target = Value::from_f64(weighted.to_f64() / hf)?.min(borrowable);
                    Amount::for_value(
                        ds.asset,
                        target,
                        prices[pop.debt],
                        ds.decimals,
                        Rounding::Floor,
                    )?
                    .atoms()
                }
            };
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

    pub(super) fn open_agents(&mut self) -> Result<(), WorldError> {
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
                    // Each seller's run draws from its own stream.
                    let k = u32::try_from(self.sellers.len()).unwrap_or(0);
                    let herd = sp.run.map(|(holders, _)| {
                        (
                            crate::herd::Herd::new(holders as usize),
                            stream(self.seed, Stream::World(1 << 30 | k)),
                        )
                    });
                    self.sellers.push(crate::agents::Seller {
                        spec: sp,
                        wallet,
                        herd,
                        sold: 0,
                        scheduled: (0, 0),
                        trades: 0,
                    });
                }
                AgentSpec::Buyer(b) => {
                    let wallet = self.ledger.open(b.name.clone());
                    let quote = self.pools[b.venue.index()].quote;
                    self.ledger.genesis(wallet, Amount::new(quote, b.capital))?;
                    self.buyers.push(crate::agents::Buyer {
                        spec: b,
                        wallet,
                        bought: 0,
                        spent: 0,
                        trades: 0,
                    });
                }
                AgentSpec::IssuerArbitrageur(a) => {
                    let wallet = self.ledger.open(a.name.clone());
                    let quote = self.pools[a.stable_venue.index()].quote;
                    self.ledger.genesis(wallet, Amount::new(quote, a.capital))?;
                    self.issuer_arbitrageurs
                        .push(crate::issuer::IssuerArbitrageur {
                            spec: a,
                            wallet,
                            swaps: 0,
                        });
                }
                AgentSpec::DebtBidder(b) => {
                    let wallet = self.ledger.open(b.name.clone());
                    let stable = match &self.spec.protocols[b.protocol.index()] {
                        ProtocolSpec::Cdp(c) => c.stablecoin,
                        _ => continue,
                    };
                    self.ledger
                        .genesis(wallet, Amount::new(stable, b.capital))?;
                    self.debt_bidders.push(crate::agents::DebtBidder {
                        spec: b,
                        wallet,
                        bids: 0,
                    });
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
}

/// A draw from `[lo, hi]`, uniform.
pub(super) fn uniform(rng: &mut rand_chacha::ChaCha12Rng, (lo, hi): (f64, f64)) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A draw from `[lo, hi]`, log-uniform (sizes spread over orders of magnitude).
pub(super) fn log_uniform(rng: &mut rand_chacha::ChaCha12Rng, (lo, hi): (f64, f64)) -> f64 {
    libm::exp(uniform(rng, (libm::log(lo), libm::log(hi))))
}

pub(super) fn reference_paths(spec: &WorldSpec, seed: u64) -> Vec<Vec<f64>> {
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

pub(super) fn open_pools(spec: &WorldSpec, ledger: &mut Ledger) -> Result<Vec<Pool>, WorldError> {
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
