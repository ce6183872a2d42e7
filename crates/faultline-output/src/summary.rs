//! The manifest and the summary of a run.

use faultline_engine::Simulation;
use serde::Serialize;

/// What was run: enough to reproduce it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from.
    pub scenario_path: String,
    /// Scenario schema version.
    pub schema_version: u32,
    /// Seed of the run.
    pub seed: u64,
    /// SHA-256 of the canonical scenario.
    pub config_hash: String,
    /// Faultline version.
    pub engine_version: String,
    /// Blocks configured.
    pub blocks: u64,
    /// Block time.
    pub block_time_ms: u64,
    /// Market symbols by id.
    pub markets: Vec<String>,
    /// Accounts at the start (liquidity provider included).
    pub accounts: usize,
}

/// One competing liquidator's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiquidatorSummary {
    /// Its label.
    pub label: String,
    /// Margin groups it liquidated.
    pub liquidations: u64,
    /// Liquidation fees it earned (its pot at the end).
    pub fees: f64,
    /// Gas it paid for included transactions (executed or reverted).
    pub gas_cost: f64,
    /// Its included transactions that found nothing left to liquidate.
    pub reverted: u64,
}

/// Headline results. Amounts are in quote units; `conservation_error` is in quote atoms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Outstanding bad debt at the end (losses nothing covered).
    pub bad_debt: f64,
    /// Losses not yet recognized: negative equity of trader groups still open at the end
    /// (positions nobody liquidated).
    pub latent_bad_debt: f64,
    /// Insurance fund at block 0.
    pub insurance_fund_start: f64,
    /// Insurance fund at the end.
    pub insurance_fund_end: f64,
    /// Liquidation steps.
    pub liquidations: u64,
    /// Of which partial (staged).
    pub partial_liquidations: u64,
    /// Notional sold into the book by liquidations.
    pub liquidation_volume: f64,
    /// Counterparty fills by ADL.
    pub adl_events: u64,
    /// Notional auto-deleveraged.
    pub adl_volume: f64,
    /// Loss covered by haircuts on profitable accounts.
    pub socialized_loss: f64,
    /// All losses past bankruptcy, however covered.
    pub loss_past_bankruptcy: f64,
    /// What the insurance fund paid out.
    pub insurance_paid: f64,
    /// Liquidation fees to the insurance fund.
    pub insurance_fees: f64,
    /// Liquidation fees to liquidators.
    pub liquidator_fees: f64,
    /// Taker fees on liquidation fills.
    pub taker_fees: f64,
    /// `Σ pots − (deposits + flows)` in quote atoms at the last block (0 = exact).
    pub conservation_error: i64,
    /// Blocks completed.
    pub blocks: u64,
    /// Seed of the run.
    pub seed: u64,
    /// Traded-price move over reference move per market (1 = the venue only followed).
    pub amplification: std::collections::BTreeMap<String, f64>,
    /// Liquidations not sent because gas cost more than they would earn.
    pub liquidations_priced_out: u64,
    /// Included liquidation transactions whose target had recovered.
    pub reverted_liquidations: u64,
    /// Transactions dropped after waiting too long.
    pub dropped_transactions: u64,
    /// Gas paid by liquidators (quote).
    pub liquidator_gas_cost: f64,
    /// Base sold ahead of liquidations by MEV searchers.
    pub frontrun_quantity: f64,
    /// Circuit-breaker trips.
    pub breaker_trips: u64,
    /// Market-blocks spent halted.
    pub halted_blocks: u64,
    /// Notional that wanted to be liquidated or traded while halted.
    pub volume_lost_to_halts: f64,
    /// Treasury money put into the insurance fund.
    pub insurance_topped_up: f64,
    /// Groups taken over by the backstop vault.
    pub backstop_takeovers: u64,
    /// Notional taken over by the backstop vault.
    pub backstop_volume: f64,
    /// Withdrawn by the vault's depositors.
    pub vault_withdrawn: f64,
    /// Positions closed by traders' own behaviour.
    pub trader_exits: u64,
    /// Notional of those closes.
    pub trader_exit_volume: f64,
    /// Population traders the open-interest cap refused at the start.
    pub openings_refused_by_oi_cap: u64,
    /// What each competing liquidator did (empty without `[[liquidator]]`).
    pub liquidators: Vec<LiquidatorSummary>,
    /// Long open interest at the mark, all markets, at block 0 (set from the timeline
    /// by [`Summary::with_open_interest`]; 0 otherwise).
    pub open_interest_start: f64,
    /// The same at the last block.
    pub open_interest_end: f64,
    /// Highest oracle price relative to its opening price, over all markets.
    pub oracle_max_ratio: f64,
    /// Lowest oracle price relative to its opening price, over all markets.
    pub oracle_min_ratio: f64,
    /// True when every configured block ran.
    pub completed: bool,
    /// The engine error that stopped the run early, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Summary {
    /// Summarize a simulation as it stands.
    pub fn of(sim: &Simulation, error: Option<String>) -> Self {
        let t = sim.totals();
        let ledger = &sim.venue().ledger;
        Self {
            bad_debt: ledger.bad_debt().to_f64(),
            latent_bad_debt: sim
                .latent_bad_debt()
                .map_or(f64::NAN, faultline_units::Quote::to_f64),
            insurance_fund_start: sim.insurance_start().to_f64(),
            insurance_fund_end: ledger.insurance_fund.to_f64(),
            liquidations: t.liquidations,
            partial_liquidations: t.partial_liquidations,
            liquidation_volume: t.liquidation_volume.to_f64(),
            adl_events: t.adl_events,
            adl_volume: t.adl_volume.to_f64(),
            socialized_loss: t.socialized_loss.to_f64(),
            loss_past_bankruptcy: t.loss_past_bankruptcy.to_f64(),
            insurance_paid: t.insurance_paid.to_f64(),
            insurance_fees: t.insurance_fees.to_f64(),
            liquidator_fees: t.liquidator_fees.to_f64(),
            taker_fees: t.taker_fees.to_f64(),
            conservation_error: i64::try_from(sim.venue().conservation_error()).unwrap_or(i64::MAX),
            blocks: sim.block().0,
            seed: sim.config().seed,
            amplification: sim
                .venue()
                .markets
                .iter()
                .enumerate()
                .map(|(i, m)| (m.params.symbol.clone(), sim.amplification(i)))
                .collect(),
            liquidations_priced_out: t.priced_out,
            reverted_liquidations: t.reverted_liquidations,
            dropped_transactions: sim
                .chain()
                .map_or(0, faultline_engine::chain::Chain::dropped),
            liquidator_gas_cost: t.liquidator_gas_cost.to_f64(),
            frontrun_quantity: t.frontrun_quantity.to_f64(),
            breaker_trips: t.breaker_trips,
            halted_blocks: t.halted_blocks,
            volume_lost_to_halts: t.halted_volume.to_f64(),
            insurance_topped_up: t.insurance_topped_up.to_f64(),
            backstop_takeovers: t.backstop_takeovers,
            backstop_volume: t.backstop_volume.to_f64(),
            vault_withdrawn: t.vault_withdrawn.to_f64(),
            trader_exits: t.trader_exits,
            trader_exit_volume: t.trader_exit_volume.to_f64(),
            openings_refused_by_oi_cap: sim
                .venue()
                .markets
                .iter()
                .map(|m| m.openings_refused)
                .sum(),
            liquidators: sim
                .liquidators()
                .iter()
                .zip(sim.liquidator_stats())
                .enumerate()
                .map(|(i, (l, s))| LiquidatorSummary {
                    label: l.label.clone(),
                    liquidations: s.liquidations,
                    fees: sim
                        .venue()
                        .ledger
                        .liquidators
                        .get(i)
                        .map_or(0.0, |q| q.to_f64()),
                    gas_cost: s.gas_cost.to_f64(),
                    reverted: s.reverted,
                })
                .collect(),
            open_interest_start: 0.0,
            open_interest_end: 0.0,
            oracle_max_ratio: 1.0,
            oracle_min_ratio: 1.0,
            completed: sim.is_done() && error.is_none(),
            error,
        }
    }

    /// Fill the open-interest and oracle-range figures from the run's timeline.
    pub fn with_timeline(mut self, timeline: &[faultline_engine::MarketRecord]) -> Self {
        let first_block = timeline.first().map(|r| r.block);
        for r in timeline {
            let open = timeline
                .iter()
                .find(|o| Some(o.block) == first_block && o.market == r.market)
                .map_or(0.0, |o| o.oracle_price.to_f64());
            if open > 0.0 {
                let x = r.oracle_price.to_f64() / open;
                self.oracle_max_ratio = self.oracle_max_ratio.max(x);
                self.oracle_min_ratio = self.oracle_min_ratio.min(x);
            }
        }
        let at = |block| -> f64 {
            timeline
                .iter()
                .filter(|r| r.block == block)
                .map(|r| r.long_oi.to_f64() * r.mark_price.to_f64())
                .sum()
        };
        if let (Some(first), Some(last)) = (timeline.first(), timeline.last()) {
            self.open_interest_start = at(first.block);
            self.open_interest_end = at(last.block);
        }
        self
    }
}
