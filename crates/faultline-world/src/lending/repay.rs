//! Rate-sensitive borrowers: when the rate on what they owe passes their level they
//! close the loan — withdraw their collateral, sell it (the world routes the sale) and
//! repay (Aave v3 `executeRepay` burns `amount.rayDiv(borrowIndex)` of scaled debt;
//! here the burn is rounded down so the debt never shrinks by more than was paid).

use super::Lending;
use crate::ledger::{HolderId, Ledger};
use crate::WorldError;
use faultline_math::aave::RAY;
use faultline_units::{mul_div_wide, Amount, Rounding};

impl Lending {
    /// Borrowers whose repay rule fires now: their debt reserve's borrow rate is above
    /// their level, they still owe, and no reserve they touch is paused.
    pub fn closing(&self, ledger: &Ledger) -> Result<Vec<usize>, WorldError> {
        let n = self.r();
        let mut rates = Vec::with_capacity(n);
        for i in 0..n {
            let rate = self.spec.reserves[i]
                .rate
                .borrow_rate(self.total_debt(i)?, self.cash(ledger, i))?;
            rates.push(rate);
        }
        let mut out = Vec::new();
        for b in 0..self.borrowers {
            let Some(rule) = self.spec.borrowers[self.population_of[b]].repay.as_ref() else {
                continue;
            };
            let owes =
                (0..n).any(|i| self.debt_scaled[b * n + i] > 0 && rates[i] > rule.above_rate);
            if owes && !self.paused.iter().any(|&p| p) {
                out.push(b);
            }
        }
        Ok(out)
    }

    /// Withdraw all of borrower `b`'s collateral to `wallet`, as far as the market's cash
    /// of each asset allows. Returns what was withdrawn, per reserve.
    pub fn withdraw_collateral(
        &mut self,
        ledger: &mut Ledger,
        b: usize,
        wallet: HolderId,
    ) -> Result<Vec<i128>, WorldError> {
        let n = self.r();
        let mut out = vec![0; n];
        for (i, got) in out.iter_mut().enumerate() {
            let slot = b * n + i;
            let scaled = self.coll_scaled[slot];
            if scaled <= 0 {
                continue;
            }
            let want = mul_div_wide(
                scaled,
                self.reserves[i].liquidity_index,
                RAY,
                Rounding::Floor,
            )?;
            let pay = want.min(self.cash(ledger, i));
            if pay <= 0 {
                continue;
            }
            let burned = if pay == want {
                scaled
            } else {
                mul_div_wide(pay, RAY, self.reserves[i].liquidity_index, Rounding::Ceil)?
                    .min(scaled)
            };
            self.coll_scaled[slot] -= burned;
            self.reserves[i].supply_scaled -= burned;
            let asset = self.spec.reserves[i].asset;
            ledger.transfer(self.holder, wallet, Amount::new(asset, pay))?;
            *got = pay;
        }
        Ok(out)
    }

    /// Borrower `b` repays up to `atoms` of reserve `i` from `wallet`. Returns the atoms
    /// repaid.
    pub fn repay(
        &mut self,
        ledger: &mut Ledger,
        b: usize,
        i: usize,
        wallet: HolderId,
        atoms: i128,
    ) -> Result<i128, WorldError> {
        let owed = self.debt_of(b, i)?;
        let asset = self.spec.reserves[i].asset;
        let pay = atoms.min(owed).min(ledger.balance(wallet, asset).atoms());
        if pay <= 0 {
            return Ok(0);
        }
        let slot = b * self.r() + i;
        let burned = if pay == owed {
            self.debt_scaled[slot]
        } else {
            mul_div_wide(pay, RAY, self.reserves[i].borrow_index, Rounding::Floor)?
                .min(self.debt_scaled[slot])
        };
        self.debt_scaled[slot] -= burned;
        self.reserves[i].debt_scaled -= burned;
        ledger.transfer(wallet, self.holder, Amount::new(asset, pay))?;
        Ok(pay)
    }

    /// The repay rule of borrower `b`'s population.
    pub fn repay_rule(&self, b: usize) -> Option<&super::RepayRule> {
        self.spec.borrowers[self.population_of[b]].repay.as_ref()
    }
}
