//! An options vault's block: volatility, settlement and roll, mark, margin. It borrows
//! the lending market that holds its deposit for the block (two protocols at once).

use super::{Protocol, World};
use crate::lending::Lending;
use crate::record::WorldEventKind;
use crate::spec::ChainId;
use crate::vault::{Funding, OptionsVault};
use crate::WorldError;
use faultline_units::Value;

/// Two distinct elements of a slice, mutably.
pub(super) fn pair_mut<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    if a < b {
        let (x, y) = v.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = v.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

impl World {
    pub(super) fn vault_block(
        &mut self,
        protocols: &mut [Protocol],
        p: usize,
        chain: ChainId,
    ) -> Result<(), WorldError> {
        let lend = match &protocols[p] {
            Protocol::Vault(v) => v.spec.lend.map(|(q, _)| q.index()),
            _ => return Ok(()),
        };
        // With the vault or its lending market cut from the others (the Contagion
        // Index's reruns) it keeps its cash out of the market.
        let lend = lend.filter(|&q| self.isolated != Some(p) && self.isolated != Some(q));
        let (vault, lending): (&mut OptionsVault, Option<&mut Lending>) = match lend {
            Some(q) if q != p => match pair_mut(protocols, p, q) {
                (Protocol::Vault(v), Protocol::Lending(m)) => (v, Some(m)),
                _ => return Ok(()),
            },
            _ => match &mut protocols[p] {
                Protocol::Vault(v) => (v, None),
                _ => return Ok(()),
            },
        };
        let block_ticks = self.spec.chains[chain.index()].block_time_ms / self.spec.tick_ms;
        let spot = self.oracles[vault.spec.oracle.index()].price();
        let cash_price = self.reference[vault.spec.cash.index()];
        let reserve = lending.as_ref().and_then(|m| m.reserve_of(vault.spec.cash));
        let pool = vault
            .spec
            .sell_on
            .filter(|_| !self.sales_cut())
            .map(|v| &self.pools[v.index()]);
        let mut funding = Funding {
            lending: lending.zip(reserve),
            pool,
        };
        let tick = self.tick;
        vault.observe(spot, block_ticks);
        let mut news = Vec::new();
        if vault.contracts > 0 && tick >= vault.expiry {
            let short = vault.settle(&mut self.ledger, spot, cash_price, &mut funding)?;
            if short > 0 {
                news.push((
                    WorldEventKind::VaultShortfall,
                    format!(
                        "an expiry was {:.0} short of what the buyers were owed",
                        faultline_units::Amount::new(vault.spec.cash, short)
                            .to_units_f64(vault.spec.cash_decimals)
                    ),
                ));
            }
        }
        if vault.contracts == 0 && tick >= vault.expiry && !vault.stopped && tick < self.spec.ticks
        {
            vault.write(&mut self.ledger, spot, cash_price, tick, &mut funding)?;
        }
        vault.mark(spot, tick)?;
        let equity = self.vault_equity(vault, &funding, spot, cash_price)?;
        vault.track(equity)?;
        if vault.contracts > 0 && equity < vault.requirement {
            let ppm = vault.derisk(&mut self.ledger, equity, cash_price, &mut funding)?;
            vault.mark(spot, tick)?;
            news.push((
                WorldEventKind::VaultDeRisk,
                format!(
                    "under its greeks margin, it bought back {:.0}% of its options",
                    ppm as f64 / 1e4
                ),
            ));
        }
        let name = vault.spec.name.clone();
        for (kind, detail) in news {
            self.emit(kind, name.clone(), detail);
        }
        Ok(())
    }

    fn vault_equity(
        &self,
        vault: &OptionsVault,
        funding: &Funding<'_>,
        spot: faultline_units::Price,
        cash_price: faultline_units::Price,
    ) -> Result<Value, WorldError> {
        let lent = match funding.lending.as_ref() {
            Some((m, i)) => m.claim_of(vault.wallet, *i)?,
            None => 0,
        };
        Ok(vault
            .assets(&self.ledger, lent, spot, cash_price)?
            .checked_sub(vault.liability()?)?)
    }

    /// A vault's equity now, for the records (its lending claim read from the market).
    pub(super) fn vault_equity_now(&self, vault: &OptionsVault) -> Result<Value, WorldError> {
        let spot = self.oracles[vault.spec.oracle.index()].price();
        let cash_price = self.reference[vault.spec.cash.index()];
        let lent = match vault.spec.lend.map(|(q, _)| &self.protocols[q.index()]) {
            Some(Protocol::Lending(m)) => match m.reserve_of(vault.spec.cash) {
                Some(i) => m.claim_of(vault.wallet, i)?,
                None => 0,
            },
            _ => 0,
        };
        Ok(vault
            .assets(&self.ledger, lent, spot, cash_price)?
            .checked_sub(vault.liability()?)?)
    }
}
