//! A perp venue refilling its insurance fund from its treasury: cash first, then its
//! deposit in a lending market — a deposit held in another protocol, so a run or a
//! utilization crunch there reaches the venue's solvency.

use super::vaults::pair_mut;
use super::{Protocol, World};
use crate::lending::Lending;
use crate::perp::Perp;
use crate::WorldError;

impl World {
    /// Before the venue's engine block: make the treasury's deposit at its first block
    /// (kept as cash when the venue or the market is cut from the others), then refill
    /// the fund if it is under its level.
    pub(super) fn refill_block(
        &mut self,
        protocols: &mut [Protocol],
        p: usize,
    ) -> Result<(), WorldError> {
        let lend = match &protocols[p] {
            Protocol::Perp(v) => v.spec.refill.and_then(|r| r.lend),
            _ => return Ok(()),
        };
        let lend = lend.filter(|&(q, _)| {
            q.index() != p && self.isolated != Some(p) && self.isolated != Some(q.index())
        });
        let (perp, market): (&mut Perp, Option<&mut Lending>) = match lend {
            Some((q, _)) => match pair_mut(protocols, p, q.index()) {
                (Protocol::Perp(v), Protocol::Lending(m)) => (v, Some(m)),
                _ => return Ok(()),
            },
            None => match &mut protocols[p] {
                Protocol::Perp(v) => (v, None),
                _ => return Ok(()),
            },
        };
        let reserve = market
            .as_ref()
            .and_then(|m| m.reserve_of(perp.spec.collateral));
        if let (Some(m), Some(i), Some((_, amount))) = (market, reserve, lend) {
            if !perp.lent {
                perp.lent = true;
                m.deposit(&mut self.ledger, perp.treasury, i, amount)?;
            }
            let want = perp.refill_wanted()?;
            let cash = self
                .ledger
                .balance(perp.treasury, perp.spec.collateral)
                .atoms();
            if want > cash {
                m.withdraw(&mut self.ledger, perp.treasury, i, want - cash)?;
            }
        }
        let want = perp.refill_wanted()?;
        let before = perp.refilled;
        if perp.refill(&mut self.ledger, want)? > 0 && before == 0 {
            let name = perp.spec.name.clone();
            self.emit(
                crate::record::WorldEventKind::InsuranceRefilled,
                name,
                "the insurance fund fell under its level and was refilled from the treasury".into(),
            );
        }
        Ok(())
    }
}
