//! Records: one row per asset, venue, oracle and protocol each tick, and the summary in
//! the loss vocabulary.

use super::{Protocol, World};
use crate::record::{
    AgentSummary, AssetRow, AssetSummary, OracleRow, ProtocolSummary, VenueRow, VenueSummary,
    WorldSummary,
};
use crate::WorldError;
use faultline_units::Amount;

impl World {
    pub(super) fn record(&mut self) -> Result<(), WorldError> {
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
                Protocol::Issuer(i) => i.row(&self.ledger, tick, time_ms)?,
                Protocol::Vault(v) => v.row(tick, time_ms, self.reference[v.spec.cash.index()])?,
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
                Protocol::Issuer(i) => {
                    i.summary(&self.ledger, self.reference[i.spec.stable.index()])?
                }
                Protocol::Vault(v) => v.summary(
                    self.vault_equity_now(v)?,
                    self.reference[v.spec.cash.index()],
                )?,
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
                supply_start: self.supply_start[i],
                supply_end: {
                    let id = faultline_units::AssetId(u16::try_from(i).unwrap_or(0));
                    Amount::new(id, self.ledger.supply(id).expected()).to_units_f64(a.decimals)
                },
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
                traded_units: None,
                spent_units: None,
            })
            .collect();
        agents.extend(self.arbitrageurs.iter().map(|a| AgentSummary {
            name: a.spec.name.clone(),
            actions: a.trades,
            gas_paid: 0.0,
            traded_units: None,
            spent_units: None,
        }));
        agents.extend(self.debt_bidders.iter().map(|b| AgentSummary {
            name: b.spec.name.clone(),
            actions: b.bids,
            gas_paid: 0.0,
            traded_units: None,
            spent_units: None,
        }));
        agents.extend(self.issuer_arbitrageurs.iter().map(|a| AgentSummary {
            name: a.spec.name.clone(),
            actions: a.swaps,
            gas_paid: 0.0,
            traded_units: None,
            spent_units: None,
        }));
        let units = |asset: faultline_units::AssetId, atoms: i128| {
            Amount::new(asset, atoms).to_units_f64(self.spec.assets[asset.index()].decimals)
        };
        agents.extend(self.sellers.iter().map(|s| AgentSummary {
            name: s.spec.name.clone(),
            actions: s.trades,
            gas_paid: 0.0,
            traded_units: Some(units(s.spec.asset, s.sold + s.scheduled.1)),
            spent_units: None,
        }));
        agents.extend(self.buyers.iter().map(|b| AgentSummary {
            name: b.spec.name.clone(),
            actions: b.trades,
            gas_paid: 0.0,
            traded_units: Some(units(b.spec.asset, b.bought)),
            spent_units: Some(units(self.pools[b.spec.venue.index()].quote, b.spent)),
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
}
