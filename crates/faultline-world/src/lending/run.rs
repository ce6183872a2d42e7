//! Depositors who run. A reserve's depositor supply is spread over `holders` equal
//! claims. Once the market looks distressed — a recorded deficit, a loan worth more than
//! its collateral at the oracle, or utilization past the holders' trigger — they run by
//! [`crate::herd`]'s rule. A holder who left withdraws its whole claim from the reserve's
//! cash, as far as the cash goes; the rest waits for the next block (a utilization
//! crunch: what a run on a fully lent market looks like).

use super::Lending;
use crate::herd::{Herd, HerdSpec};
use crate::ledger::{HolderId, Ledger};
use crate::WorldError;
use faultline_math::aave::RAY;
use faultline_units::{mul_div_wide, Amount, Ppm, Price, Rounding};

/// A reserve's depositors and how they run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Equal claims the depositor supply is spread over.
    pub holders: u32,
    /// Probability per block of leaving once distressed.
    pub base: f64,
    /// Weight on the share of holders that left last block.
    pub herd: f64,
    /// Utilization above which holders are distressed.
    pub utilization_trigger: Ppm,
}

/// The holders of one reserve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunState {
    /// Each holder's scaled claim.
    claims: Vec<i128>,
    /// Who has decided to leave.
    herd: Herd,
}

/// What a block's run did, for the failure sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Holders who decided to leave this block.
    pub left: u32,
    /// Holders still in before they did.
    pub active: u32,
    /// Some withdrawal could not be paid in full for want of cash.
    pub refused: bool,
}

impl RunState {
    /// `depositors_scaled` spread over `holders` (the last takes the remainder).
    pub(super) fn new(depositors_scaled: i128, holders: u32) -> Self {
        let n = i128::from(holders.max(1));
        let each = depositors_scaled / n;
        let mut claims = vec![each; holders.max(1) as usize];
        if let Some(last) = claims.last_mut() {
            *last += depositors_scaled - each * n;
        }
        Self {
            herd: Herd::new(claims.len()),
            claims,
        }
    }

    pub(super) fn total(&self) -> i128 {
        self.claims.iter().sum()
    }
}

impl Lending {
    /// Reserve `i`'s utilization, ppm: debt over debt plus cash.
    pub fn utilization_ppm(&self, ledger: &Ledger, i: usize) -> Result<i128, WorldError> {
        let debt = self.total_debt(i)?;
        let total = debt + self.cash(ledger, i);
        if total <= 0 {
            return Ok(0);
        }
        Ok(mul_div_wide(debt, 1_000_000, total, Rounding::Floor)?)
    }

    /// One block of every reserve's run: decide who leaves, then pay whoever has left
    /// from cash into the depositors' wallets. Returns one report per reserve with a
    /// run.
    pub fn depositors_block(
        &mut self,
        ledger: &mut Ledger,
        prices: &[Price],
    ) -> Result<Vec<(usize, RunReport)>, WorldError> {
        let Some((wallet, mut rng)) = self.depositors.take() else {
            return Ok(Vec::new());
        };
        let out = self.run_reserves(ledger, wallet, prices, &mut rng);
        self.depositors = Some((wallet, rng));
        out
    }

    fn run_reserves(
        &mut self,
        ledger: &mut Ledger,
        wallet: HolderId,
        prices: &[Price],
        rng: &mut rand_chacha::ChaCha12Rng,
    ) -> Result<Vec<(usize, RunReport)>, WorldError> {
        let underwater =
            self.reserves.iter().any(|r| r.deficit > 0) || self.latent_shortfall(prices)?.0 > 0;
        let mut out = Vec::new();
        for i in 0..self.runs.len() {
            let Some(spec) = self.spec.reserves[i].run.clone() else {
                continue;
            };
            let distressed = underwater
                || self.utilization_ppm(ledger, i)? > i128::from(spec.utilization_trigger.atoms());
            let mut report = RunReport::default();
            if let Some(state) = self.runs[i].as_mut() {
                report = decide(state, &spec, distressed, rng);
            }
            report.refused = self.pay_leavers(ledger, wallet, i)?;
            out.push((i, report));
        }
        Ok(out)
    }

    /// Pay every holder of reserve `i` who has left, from cash; true when some could not
    /// be paid in full.
    fn pay_leavers(
        &mut self,
        ledger: &mut Ledger,
        wallet: HolderId,
        i: usize,
    ) -> Result<bool, WorldError> {
        let index = self.reserves[i].liquidity_index;
        let asset = self.spec.reserves[i].asset;
        let paused = self.withdrawals_paused || self.paused[i];
        let Some(state) = self.runs[i].as_mut() else {
            return Ok(false);
        };
        if paused {
            return Ok(state
                .claims
                .iter()
                .zip(&state.herd.leaving)
                .any(|(&c, &l)| l && c > 0));
        }
        let mut refused = false;
        for h in 0..state.claims.len() {
            let claim = state.claims[h];
            if !state.herd.leaving[h] || claim <= 0 {
                continue;
            }
            let want = mul_div_wide(claim, index, RAY, Rounding::Floor)?;
            let cash = ledger.balance(self.holder, asset).atoms();
            let pay = want.min(cash);
            if pay < want {
                refused = true;
            }
            if pay <= 0 {
                continue;
            }
            // The claim burned: all of it when paid in full, else what was paid, rounded
            // up (a holder never keeps more claim than the cash it left behind).
            let burned = if pay == want {
                claim
            } else {
                mul_div_wide(pay, RAY, index, Rounding::Ceil)?.min(claim)
            };
            ledger.transfer(self.holder, wallet, Amount::new(asset, pay))?;
            state.claims[h] -= burned;
            let r = &mut self.reserves[i];
            r.depositors_scaled -= burned;
            r.supply_scaled -= burned;
            self.stats.withdrawn[i] += pay;
        }
        Ok(refused)
    }
}

/// Who leaves this block.
fn decide(
    state: &mut RunState,
    spec: &RunSpec,
    distressed: bool,
    rng: &mut rand_chacha::ChaCha12Rng,
) -> RunReport {
    let herd = HerdSpec {
        base: spec.base,
        herd: spec.herd,
    };
    let claims = &state.claims;
    let (left, active) = state.herd.step(herd, distressed, |h| claims[h] > 0, rng);
    RunReport {
        left,
        active,
        refused: false,
    }
}
