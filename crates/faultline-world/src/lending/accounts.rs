//! Deposits held by other protocols: an options vault's idle cash, a perp venue's
//! reserve. Each is a scaled supply balance, as an aToken balance is (Aave v3
//! `SupplyLogic.executeSupply` mints `amount.rayDiv(liquidityIndex)`, `executeWithdraw`
//! burns `amount.rayDiv(liquidityIndex)`); here a deposit mints rounded down and a
//! withdrawal burns rounded up, so rounding never favours the depositor. Withdrawals
//! are paid from cash only: at full utilization they wait, as in the contract.

use super::Lending;
use crate::ledger::{HolderId, Ledger};
use crate::WorldError;
use faultline_math::aave::RAY;
use faultline_units::{mul_div_wide, Amount, Rounding};

/// One outside depositor's balance in one reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    /// Whose.
    pub holder: HolderId,
    /// Which reserve.
    pub reserve: usize,
    /// Scaled balance.
    pub scaled: i128,
}

impl Lending {
    fn account_mut(&mut self, holder: HolderId, reserve: usize) -> &mut Account {
        let k = match self
            .accounts
            .iter()
            .position(|a| a.holder == holder && a.reserve == reserve)
        {
            Some(k) => k,
            None => {
                self.accounts.push(Account {
                    holder,
                    reserve,
                    scaled: 0,
                });
                self.accounts.len() - 1
            }
        };
        &mut self.accounts[k]
    }

    /// Deposit `atoms` of reserve `i`'s asset from `from`, no more than its supply cap
    /// lets in (the rest is counted as refused and stays with `from`). Returns the
    /// scaled balance minted.
    pub fn deposit(
        &mut self,
        ledger: &mut Ledger,
        from: HolderId,
        i: usize,
        atoms: i128,
    ) -> Result<i128, WorldError> {
        let room = self.supply_room(i)?;
        if atoms > room {
            self.stats.deposits_refused[i] += atoms - room.max(0);
        }
        let atoms = atoms.min(room);
        if atoms <= 0 {
            return Ok(0);
        }
        let index = self.reserves[i].liquidity_index;
        let scaled = mul_div_wide(atoms, RAY, index, Rounding::Floor)?;
        let asset = self.spec.reserves[i].asset;
        ledger.transfer(from, self.holder, Amount::new(asset, atoms))?;
        self.account_mut(from, i).scaled += scaled;
        self.reserves[i].supply_scaled += scaled;
        Ok(scaled)
    }

    /// What `holder` could withdraw from reserve `i` if cash allowed, atoms (rounded
    /// down).
    pub fn claim_of(&self, holder: HolderId, i: usize) -> Result<i128, WorldError> {
        let scaled: i128 = self
            .accounts
            .iter()
            .filter(|a| a.holder == holder && a.reserve == i)
            .map(|a| a.scaled)
            .sum();
        Ok(mul_div_wide(
            scaled,
            self.reserves[i].liquidity_index,
            RAY,
            Rounding::Floor,
        )?)
    }

    /// Withdraw up to `want` atoms of reserve `i` for `to`, from cash only. Returns the
    /// atoms paid.
    pub fn withdraw(
        &mut self,
        ledger: &mut Ledger,
        to: HolderId,
        i: usize,
        want: i128,
    ) -> Result<i128, WorldError> {
        if self.withdrawals_paused || self.paused[i] {
            return Ok(0);
        }
        let claim = self.claim_of(to, i)?;
        let pay = want.min(claim).min(self.cash(ledger, i));
        if pay <= 0 {
            return Ok(0);
        }
        let index = self.reserves[i].liquidity_index;
        let acct = self.account_mut(to, i);
        let burned = if pay == claim {
            acct.scaled
        } else {
            mul_div_wide(pay, RAY, index, Rounding::Ceil)?.min(acct.scaled)
        };
        acct.scaled -= burned;
        self.reserves[i].supply_scaled -= burned;
        let asset = self.spec.reserves[i].asset;
        ledger.transfer(self.holder, to, Amount::new(asset, pay))?;
        Ok(pay)
    }

    /// Σ outside depositors' scaled balances in reserve `i`.
    pub fn accounts_scaled(&self, i: usize) -> i128 {
        self.accounts
            .iter()
            .filter(|a| a.reserve == i)
            .map(|a| a.scaled)
            .sum()
    }

    /// Every outside deposit.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lending::{LendingSpec, ReserveSpec};
    use crate::spec::{ChainId, OracleId};
    use faultline_math::aave::{CloseFactor, RateCurveRay};
    use faultline_units::{AssetId, Ppm};

    const USDC: AssetId = AssetId(0);

    fn market(l: &mut Ledger) -> Lending {
        let spec = LendingSpec {
            name: "m".into(),
            chain: ChainId(0),
            reserves: vec![ReserveSpec {
                asset: USDC,
                decimals: 6,
                oracle: OracleId(0),
                ltv: Ppm::ZERO,
                liquidation_threshold: Ppm::ZERO,
                liquidation_bonus: Ppm::from_atoms(1_000_000),
                collateral: false,
                borrowable: true,
                supplied: 1_000,
                rate: RateCurveRay {
                    base: 0,
                    slope1: 0,
                    slope2: 0,
                    optimal_utilization: RAY,
                },
                reserve_factor: Ppm::ZERO,
                run: None,
                supply_cap: None,
                borrow_cap: None,
            }],
            borrowers: Vec::new(),
            liquidation_protocol_fee: Ppm::ZERO,
            close_factor: CloseFactor::AaveV33,
            reserve_fund: Vec::new(),
        };
        let (h, t, w) = (l.open("m"), l.open("t"), l.open("w"));
        let mut m = Lending::new(spec, h, t, w);
        m.genesis_supply(l).unwrap();
        m
    }

    #[test]
    fn a_deposit_mints_down_a_withdrawal_burns_up_and_cash_limits_what_is_paid() {
        let mut l = Ledger::new(vec!["USDC".into()]);
        let vault = l.open("vault");
        l.genesis(vault, Amount::new(USDC, 1_000)).unwrap();
        let mut m = market(&mut l);
        l.seal();
        // The index at 1.5: 1,000 atoms mint 666 scaled (rounded down), worth 999.
        m.reserves[0].liquidity_index = RAY / 2 * 3;
        assert_eq!(m.deposit(&mut l, vault, 0, 1_000).unwrap(), 666);
        assert_eq!(m.claim_of(vault, 0).unwrap(), 999);
        m.check_books().unwrap();
        // Withdrawing 10 burns ceil(10 / 1.5) = 7 scaled.
        assert_eq!(m.withdraw(&mut l, vault, 0, 10).unwrap(), 10);
        assert_eq!(m.accounts()[0].scaled, 659);
        // Take the market's cash away: nothing more can be withdrawn, the claim stays.
        let other = l.open("borrower");
        let cash = m.cash(&l, 0);
        l.transfer(m.holder, other, Amount::new(USDC, cash))
            .unwrap();
        assert_eq!(m.withdraw(&mut l, vault, 0, 500).unwrap(), 0);
        assert_eq!(m.claim_of(vault, 0).unwrap(), 988);
        m.check_books().unwrap();
        assert!(l.imbalances().is_empty());
    }
}
