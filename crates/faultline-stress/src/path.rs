//! One Monte Carlo path.

use faultline_engine::EventKind;
use faultline_scenario::{build, Scenario};
use serde::{Deserialize, Serialize};

pub use faultline_engine::rng::path_seed;

/// What one path produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathResult {
    /// Path index.
    pub path: u64,
    /// The path's seed.
    pub seed: u64,
    /// Uncovered bad debt at the end.
    pub bad_debt: f64,
    /// Negative equity of groups still open at the end.
    pub latent_bad_debt: f64,
    /// Losses past bankruptcy, however covered.
    pub loss_past_bankruptcy: f64,
    /// Insurance fund at the end.
    pub insurance_fund_end: f64,
    /// Liquidation steps.
    pub liquidations: u64,
    /// Notional sold by liquidations.
    pub liquidation_volume: f64,
    /// ADL fills.
    pub adl_events: u64,
    /// ADL notional.
    pub adl_volume: f64,
    /// Loss socialized.
    pub socialized_loss: f64,
    /// Trader open interest (long) at block 0, as notional at the opening mark (quote).
    pub open_interest: f64,
    /// The fund reached zero.
    pub fund_depleted: bool,
    /// ADL happened.
    pub adl: bool,
    /// Bad debt (recorded or latent) remained at the end.
    pub insolvent: bool,
    /// Block of the first liquidation.
    pub first_liquidation_block: Option<u64>,
    /// Block of the first loss past bankruptcy.
    pub first_loss_block: Option<u64>,
    /// Block the fund was depleted.
    pub fund_depletion_block: Option<u64>,
    /// Blocks a circuit breaker halted liquidations or trading.
    pub halted_blocks: u64,
    /// Notional that wanted to trade or be liquidated while halted.
    pub halted_volume: f64,
    /// Blocks run.
    pub blocks: u64,
    /// The engine error that stopped the path, if any.
    pub error: Option<String>,
}

/// Run path `i` of `scenario` under run seed `seed`.
pub fn run_path(scenario: &Scenario, seed: u64, i: u64) -> PathResult {
    let ps = path_seed(seed, i);
    let mut r = PathResult {
        path: i,
        seed: ps,
        bad_debt: 0.0,
        latent_bad_debt: 0.0,
        loss_past_bankruptcy: 0.0,
        insurance_fund_end: 0.0,
        liquidations: 0,
        liquidation_volume: 0.0,
        adl_events: 0,
        adl_volume: 0.0,
        socialized_loss: 0.0,
        open_interest: 0.0,
        fund_depleted: false,
        adl: false,
        insolvent: false,
        first_liquidation_block: None,
        first_loss_block: None,
        fund_depletion_block: None,
        halted_blocks: 0,
        halted_volume: 0.0,
        blocks: 0,
        error: None,
    };
    let mut sim = match build(scenario, ps) {
        Ok(b) => b.sim,
        Err(e) => {
            r.error = Some(e.to_string());
            return r;
        }
    };
    r.open_interest = sim
        .venue()
        .markets
        .iter()
        .map(|m| m.trader_long_oi.to_f64() * m.mark_price.to_f64())
        .sum();
    while !sim.is_done() {
        if let Err(e) = sim.step() {
            r.error = Some(e.to_string());
            break;
        }
    }
    let t = sim.totals();
    let first = |k: EventKind| {
        sim.events()
            .events()
            .iter()
            .find(|e| e.kind == k)
            .map(|e| e.block.0)
    };
    r.bad_debt = sim.venue().ledger.bad_debt().to_f64();
    r.latent_bad_debt = sim.latent_bad_debt().map_or(f64::NAN, |q| q.to_f64());
    r.loss_past_bankruptcy = t.loss_past_bankruptcy.to_f64();
    r.insurance_fund_end = sim.venue().ledger.insurance_fund.to_f64();
    r.liquidations = t.liquidations;
    r.liquidation_volume = t.liquidation_volume.to_f64();
    r.adl_events = t.adl_events;
    r.adl_volume = t.adl_volume.to_f64();
    r.socialized_loss = t.socialized_loss.to_f64();
    r.fund_depleted = sim.events().happened(EventKind::InsuranceFundDepleted);
    r.adl = t.adl_events > 0;
    r.insolvent = r.bad_debt >= 1.0 || r.latent_bad_debt >= 1.0;
    r.first_liquidation_block = first(EventKind::FirstLiquidation);
    r.first_loss_block = first(EventKind::FirstLossPastBankruptcy);
    r.fund_depletion_block = first(EventKind::InsuranceFundDepleted);
    r.halted_blocks = t.halted_blocks;
    r.halted_volume = t.halted_volume.to_f64();
    r.blocks = sim.block().0;
    r
}
