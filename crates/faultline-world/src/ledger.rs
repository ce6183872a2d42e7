//! The one ledger: every holder's balance of every asset, in integer atoms.
//!
//! Holders are the places tokens sit: a protocol's contract, a pool's reserves, an
//! agent's wallet, a population's wallets taken together. A protocol's users (margin
//! accounts, loans, deposits) are not holders: they are claims in the protocol's own
//! books, backed by the balances the protocol holds here.
//!
//! The identity, per asset, after every block:
//! `Σ balances = genesis + minted − burned + external in − external out`.
//! Tokens move only through [`Ledger::transfer`]; they are created by
//! [`Ledger::mint`] (a protocol issuing its asset), destroyed by [`Ledger::burn`], and
//! cross the world's edge through [`Ledger::external_in`] / [`Ledger::external_out`]
//! (a trade against a market outside the world, an arbitrageur settling on a
//! centralized exchange). The check costs `holders × assets` additions: holders are
//! protocols, pools and agents, never accounts, so it is independent of how many users
//! a protocol has.

use faultline_units::{Amount, AssetId};
use thiserror::Error;

/// A place tokens sit: a dense index into the ledger's holder table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HolderId(pub u32);

impl HolderId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// A ledger operation that cannot be carried out. Any of these during a run is a bug in
/// a mechanism (mechanisms check what they can afford before they move tokens).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    /// The payer holds less than it must pay.
    #[error("{holder} cannot pay {needed} atoms of {asset}: it holds {held}")]
    Insufficient {
        /// Holder name.
        holder: String,
        /// Asset symbol.
        asset: String,
        /// Atoms asked for.
        needed: i128,
        /// Atoms held.
        held: i128,
    },
    /// A negative amount was asked to move.
    #[error("a negative amount ({atoms} atoms of {asset}) cannot move")]
    Negative {
        /// Asset symbol.
        asset: String,
        /// The amount.
        atoms: i128,
    },
    /// Genesis after the ledger was sealed.
    #[error("genesis of {asset} to {holder} after the run started")]
    Sealed {
        /// Holder name.
        holder: String,
        /// Asset symbol.
        asset: String,
    },
    /// A sum passed the range of `i128`.
    #[error("the {asset} balance of {holder} overflowed")]
    Overflow {
        /// Holder name.
        holder: String,
        /// Asset symbol.
        asset: String,
    },
}

/// Per-asset totals the identity is checked against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Supply {
    /// Given at the start.
    pub genesis: i128,
    /// Created by protocols since.
    pub minted: i128,
    /// Destroyed since.
    pub burned: i128,
    /// Entered from outside the world.
    pub external_in: i128,
    /// Left the world.
    pub external_out: i128,
}

impl Supply {
    /// What the holders must hold between them.
    pub fn expected(&self) -> i128 {
        self.genesis + self.minted - self.burned + self.external_in - self.external_out
    }
}

/// One asset's identity failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imbalance {
    /// The asset.
    pub asset: AssetId,
    /// `Σ balances − expected`, in atoms.
    pub error_atoms: i128,
}

/// Balances of every holder in every asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    assets: Vec<String>,
    holders: Vec<String>,
    /// Row-major: `balances[holder × assets + asset]`.
    balances: Vec<i128>,
    supply: Vec<Supply>,
    sealed: bool,
}

impl Ledger {
    /// A ledger of the given assets (by symbol, in id order) and no holders yet.
    pub fn new(assets: Vec<String>) -> Self {
        let n = assets.len();
        Self {
            assets,
            holders: Vec::new(),
            balances: Vec::new(),
            supply: vec![Supply::default(); n],
            sealed: false,
        }
    }

    /// Open a holder; its balances start at zero.
    pub fn open(&mut self, name: impl Into<String>) -> HolderId {
        let id = HolderId(u32::try_from(self.holders.len()).unwrap_or(u32::MAX));
        self.holders.push(name.into());
        self.balances
            .extend(std::iter::repeat_n(0, self.assets.len()));
        id
    }

    /// The holder's name.
    pub fn holder_name(&self, h: HolderId) -> &str {
        &self.holders[h.index()]
    }

    /// Every holder's name, in id order.
    pub fn holders(&self) -> &[String] {
        &self.holders
    }

    /// The asset's symbol.
    pub fn symbol(&self, a: AssetId) -> &str {
        &self.assets[a.index()]
    }

    /// Number of assets.
    pub fn asset_count(&self) -> usize {
        self.assets.len()
    }

    fn slot(&self, h: HolderId, a: AssetId) -> usize {
        h.index() * self.assets.len() + a.index()
    }

    /// What `h` holds of `asset`.
    pub fn balance(&self, h: HolderId, asset: AssetId) -> Amount {
        Amount::new(asset, self.balances[self.slot(h, asset)])
    }

    /// The per-asset totals.
    pub fn supply(&self, asset: AssetId) -> Supply {
        self.supply[asset.index()]
    }

    /// Give `h` tokens before the run starts.
    pub fn genesis(&mut self, h: HolderId, amount: Amount) -> Result<(), LedgerError> {
        if self.sealed {
            return Err(LedgerError::Sealed {
                holder: self.holder_name(h).to_string(),
                asset: self.symbol(amount.asset()).to_string(),
            });
        }
        self.credit(h, amount)?;
        self.count(amount, |s| &mut s.genesis)?;
        Ok(())
    }

    /// End genesis: from now on tokens only move, are minted or burned, or cross the
    /// world's edge on record.
    pub fn seal(&mut self) {
        self.sealed = true;
    }

    /// Move `amount` from `from` to `to`; `from` must hold it.
    pub fn transfer(
        &mut self,
        from: HolderId,
        to: HolderId,
        amount: Amount,
    ) -> Result<(), LedgerError> {
        self.debit(from, amount)?;
        self.credit(to, amount)
    }

    /// Create `amount` for `to` (a protocol issuing its own asset).
    pub fn mint(&mut self, to: HolderId, amount: Amount) -> Result<(), LedgerError> {
        self.credit(to, amount)?;
        self.count(amount, |s| &mut s.minted)?;
        Ok(())
    }

    /// Destroy `amount` held by `from`.
    pub fn burn(&mut self, from: HolderId, amount: Amount) -> Result<(), LedgerError> {
        self.debit(from, amount)?;
        self.count(amount, |s| &mut s.burned)?;
        Ok(())
    }

    /// `amount` enters the world to `to` (bought from a market outside it).
    pub fn external_in(&mut self, to: HolderId, amount: Amount) -> Result<(), LedgerError> {
        self.credit(to, amount)?;
        self.count(amount, |s| &mut s.external_in)?;
        Ok(())
    }

    /// `amount` leaves the world from `from` (sold to a market outside it).
    pub fn external_out(&mut self, from: HolderId, amount: Amount) -> Result<(), LedgerError> {
        self.debit(from, amount)?;
        self.count(amount, |s| &mut s.external_out)?;
        Ok(())
    }

    /// Add `amount` to one of its asset's supply counters, checked.
    fn count(
        &mut self,
        amount: Amount,
        field: impl Fn(&mut Supply) -> &mut i128,
    ) -> Result<(), LedgerError> {
        let i = amount.asset().index();
        let c = field(&mut self.supply[i]);
        *c = c
            .checked_add(amount.atoms())
            .ok_or_else(|| LedgerError::Overflow {
                holder: "(supply)".into(),
                asset: self.assets[i].clone(),
            })?;
        Ok(())
    }

    fn negative(&self, amount: Amount) -> LedgerError {
        LedgerError::Negative {
            asset: self.symbol(amount.asset()).to_string(),
            atoms: amount.atoms(),
        }
    }

    fn credit(&mut self, h: HolderId, amount: Amount) -> Result<(), LedgerError> {
        if amount.atoms() < 0 {
            return Err(self.negative(amount));
        }
        let s = self.slot(h, amount.asset());
        self.balances[s] = self.balances[s]
            .checked_add(amount.atoms())
            .ok_or_else(|| LedgerError::Overflow {
                holder: self.holders[h.index()].clone(),
                asset: self.assets[amount.asset().index()].clone(),
            })?;
        Ok(())
    }

    fn debit(&mut self, h: HolderId, amount: Amount) -> Result<(), LedgerError> {
        if amount.atoms() < 0 {
            return Err(self.negative(amount));
        }
        let s = self.slot(h, amount.asset());
        if self.balances[s] < amount.atoms() {
            return Err(LedgerError::Insufficient {
                holder: self.holders[h.index()].clone(),
                asset: self.assets[amount.asset().index()].clone(),
                needed: amount.atoms(),
                held: self.balances[s],
            });
        }
        self.balances[s] -= amount.atoms();
        Ok(())
    }

    /// Every asset whose identity fails (empty in a correct run): a full sum over the
    /// holder table, `holders × assets` additions.
    pub fn imbalances(&self) -> Vec<Imbalance> {
        let n = self.assets.len();
        let mut held = vec![0i128; n];
        for row in self.balances.chunks_exact(n.max(1)) {
            for (h, b) in held.iter_mut().zip(row) {
                *h = h.saturating_add(*b);
            }
        }
        held.iter()
            .zip(&self.supply)
            .enumerate()
            .filter(|(_, (h, s))| **h != s.expected())
            .map(|(i, (h, s))| Imbalance {
                asset: AssetId(u16::try_from(i).unwrap_or(u16::MAX)),
                error_atoms: h - s.expected(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USDC: AssetId = AssetId(0);
    const ETH: AssetId = AssetId(1);

    #[test]
    fn every_movement_keeps_the_identity_per_asset() {
        let mut l = Ledger::new(vec!["USDC".into(), "ETH".into()]);
        let pool = l.open("pool");
        let arb = l.open("arbitrageur");
        l.genesis(pool, Amount::new(ETH, 1_000)).unwrap();
        l.genesis(pool, Amount::new(USDC, 3_000_000)).unwrap();
        l.seal();
        l.transfer(pool, arb, Amount::new(ETH, 10)).unwrap();
        l.external_out(arb, Amount::new(ETH, 10)).unwrap();
        l.external_in(arb, Amount::new(USDC, 31_000)).unwrap();
        l.transfer(arb, pool, Amount::new(USDC, 30_000)).unwrap();
        l.mint(arb, Amount::new(ETH, 5)).unwrap();
        l.burn(arb, Amount::new(ETH, 2)).unwrap();
        assert!(l.imbalances().is_empty());
        assert_eq!(l.balance(arb, USDC).atoms(), 1_000);
        assert_eq!(l.balance(arb, ETH).atoms(), 3);
        assert_eq!(l.supply(ETH).expected(), 993);
    }

    #[test]
    fn overdrafts_negative_amounts_and_late_genesis_are_refused() {
        let mut l = Ledger::new(vec!["USDC".into()]);
        let a = l.open("a");
        let b = l.open("b");
        l.genesis(a, Amount::new(USDC, 5)).unwrap();
        l.seal();
        let e = l.transfer(a, b, Amount::new(USDC, 6)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a cannot pay 6 atoms of USDC: it holds 5",
            "names the holder and the asset"
        );
        assert!(l.transfer(a, b, Amount::new(USDC, -1)).is_err());
        assert!(l.genesis(b, Amount::new(USDC, 1)).is_err());
        assert_eq!(
            l.balance(a, USDC).atoms(),
            5,
            "a refused move changes nothing"
        );
    }

    #[test]
    fn a_balance_changed_behind_the_ledgers_back_is_caught() {
        let mut l = Ledger::new(vec!["USDC".into(), "ETH".into()]);
        let a = l.open("a");
        l.genesis(a, Amount::new(ETH, 7)).unwrap();
        l.seal();
        l.balances[1] += 1;
        assert_eq!(
            l.imbalances(),
            vec![Imbalance {
                asset: ETH,
                error_atoms: 1
            }]
        );
    }
}
