//! The breakers' phase: at the start of a tick each untripped breaker reads its signal;
//! a crossed one trips, is announced, and its action holds for the rest of the run.

use super::{Protocol, World};
use crate::breaker::{Action, Signal};
use crate::record::WorldEventKind;
use crate::WorldError;
use faultline_units::{mul_div_wide, Price, Rounding};

impl World {
    pub(super) fn breakers_phase(&mut self) -> Result<(), WorldError> {
        for b in 0..self.spec.breakers.len() {
            if self.tripped[b] {
                continue;
            }
            let spec = self.spec.breakers[b].clone();
            if let Some(why) = self.signal(spec.when)? {
                self.tripped[b] = true;
                self.act(spec.action);
                self.emit(WorldEventKind::BreakerTripped, spec.name.clone(), why);
            }
        }
        Ok(())
    }

    /// The signal's reading when crossed (for the failure sequence), else `None`.
    fn signal(&self, s: Signal) -> Result<Option<String>, WorldError> {
        Ok(match s {
            Signal::PriceBelow { asset, price } => {
                let p = self.reference[asset.index()];
                (p < price).then(|| {
                    format!(
                        "{} at {:.4}, below {:.4}",
                        self.ledger.symbol(asset),
                        p.to_f64(),
                        price.to_f64()
                    )
                })
            }
            Signal::DrawdownAbove { asset, fraction } => {
                let start = self
                    .records
                    .assets
                    .get(asset.index())
                    .map_or(0.0, |r| r.reference);
                let now = self.reference[asset.index()].to_f64();
                let down = if start > 0.0 { 1.0 - now / start } else { 0.0 };
                (down > fraction.to_f64()).then(|| {
                    format!(
                        "{} down {:.1}% from its start",
                        self.ledger.symbol(asset),
                        down * 100.0
                    )
                })
            }
            Signal::ShortfallAbove { protocol, usd } => {
                let n = self.protocols.len();
                let rows = &self.records.protocols;
                let last = rows.get(rows.len().saturating_sub(n) + protocol.index());
                last.filter(|r| r.shortfall > usd.to_f64())
                    .map(|r| format!("{} has a shortfall of {:.0}", r.protocol, r.shortfall))
            }
            Signal::UtilizationAbove {
                protocol,
                reserve,
                level,
            } => match &self.protocols[protocol.index()] {
                Protocol::Lending(m) => {
                    let u = m.utilization_ppm(&self.ledger, reserve)?;
                    (u > i128::from(level.atoms()))
                        .then(|| format!("{} utilization at {:.1}%", m.spec.name, u as f64 / 1e4))
                }
                _ => None,
            },
            Signal::InsuranceFundBelow { protocol, share } => {
                match &self.protocols[protocol.index()] {
                    Protocol::Perp(p) => {
                        let start = p.sim.insurance_start().atoms();
                        let now = p.sim.venue().ledger.insurance_fund.atoms();
                        let floor = mul_div_wide(
                            i128::from(start),
                            i128::from(share.atoms()),
                            1_000_000,
                            Rounding::Floor,
                        )?;
                        (i128::from(now) < floor).then(|| {
                            format!("{}'s insurance fund at {now} of {start} atoms", p.spec.name)
                        })
                    }
                    _ => None,
                }
            }
        })
    }

    fn act(&mut self, a: Action) {
        match a {
            Action::FixOracle { oracle, price } => self.fixed[oracle.index()] = Some(price),
            Action::PauseWithdrawals { protocol } => {
                if let Protocol::Lending(m) = &mut self.protocols[protocol.index()] {
                    m.withdrawals_paused = true;
                }
            }
            Action::PauseReserve { protocol, reserve } => {
                if let Protocol::Lending(m) = &mut self.protocols[protocol.index()] {
                    m.paused[reserve] = true;
                }
            }
            Action::StopAuctions { protocol } => {
                if let Protocol::Cdp(c) = &mut self.protocols[protocol.index()] {
                    c.stopped = true;
                }
            }
            Action::StopWriting { protocol } => {
                if let Protocol::Vault(v) = &mut self.protocols[protocol.index()] {
                    v.stopped = true;
                }
            }
            Action::StopRefills { protocol } => {
                if let Protocol::Perp(v) = &mut self.protocols[protocol.index()] {
                    v.refills_stopped = true;
                }
            }
        }
    }

    /// The price a fixed oracle publishes, if a breaker fixed it.
    pub(super) fn fixed_price(&self, o: usize) -> Option<Price> {
        self.fixed.get(o).copied().flatten()
    }
}
