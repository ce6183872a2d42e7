//! Scenario sections for agents and mitigations.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Volatility-scaled margin: requirements × clamp(σ / reference, 1, max_multiplier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VolMarginSpec {
    /// Annual volatility at which requirements are as scheduled, in (0, 20].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 20.0))]
    pub reference_vol_annual: f64,
    /// Largest multiplier, in [1, 100].
    #[schemars(range(min = 1.0, max = 100.0))]
    pub max_multiplier: f64,
    /// A CSV of implied volatility (annualized, e.g. 0.8 for 80%) with `time_column`
    /// (Unix ms or UTC time) and `iv_column`; block 0 is the file's first row and each
    /// block uses the last value at or before its time. Omit to use the
    /// EWMA realized volatility of the reference (half-life from `[market.liquidity]`, else
    /// RiskMetrics' 0.94 per block).
    #[serde(default)]
    pub implied_vol_file: Option<String>,
    /// Time column of the implied-volatility file (Unix ms or UTC time).
    #[serde(default = "default_time")]
    pub time_column: String,
    /// Volatility column of the implied-volatility file.
    #[serde(default = "default_iv")]
    pub iv_column: String,
}

fn default_time() -> String {
    "time".into()
}
fn default_iv() -> String {
    "iv".into()
}

/// What a tripped breaker halts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HaltSpec {
    /// Liquidations wait.
    #[default]
    Liquidations,
    /// Traders' orders wait.
    Trading,
    /// Both.
    Both,
}

/// A circuit breaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Trip when the mark moves more than this fraction in one block, in (0, 1).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0, "exclusiveMaximum" = 1.0))]
    pub price_band: Option<f64>,
    /// Trip when realized volatility (annualized) exceeds this, in (0, 100].
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 100.0))]
    pub vol_halt_annual: Option<f64>,
    /// Blocks each trip halts for (the cooldown), 1 to 1,000,000.
    #[schemars(range(min = 1, max = 1_000_000))]
    pub halt_blocks: u64,
    /// What is halted.
    #[serde(default)]
    pub halts: HaltSpec,
}

/// A non-linear liquidation penalty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltySpec {
    /// Notional (quote) at which the fee doubles (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub reference_notional: f64,
    /// Curvature, in (0, 10].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 10.0))]
    pub exponent: f64,
    /// Cap on the fee rate, in (0, 0.5].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 0.5))]
    pub max_fee: f64,
}

/// Treasury top-ups of the insurance fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InsuranceTopUpSpec {
    /// Top up while the fund is below this (quote, > 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub below: f64,
    /// Per block (quote, > 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub per_block: f64,
    /// In total (quote, > 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub budget: f64,
}

/// A backstop liquidity vault (Hyperliquid's HLP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackstopSpec {
    /// Capital (quote, > 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub capital: f64,
    /// Take over groups below this equity / maintenance, in (0, 1] (Hyperliquid: 2/3).
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1.0))]
    pub takeover_below_ratio: f64,
    /// Fraction of each held position sold into the book per block, in (0, 1].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1.0))]
    pub unwind_per_block: f64,
    /// Depositors run once equity is this fraction below the capital, in (0, 1).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0, "exclusiveMaximum" = 1.0))]
    pub run_drawdown: Option<f64>,
    /// Fraction of the free balance withdrawn per block during a run, in [0, 1].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub run_per_block: f64,
}

/// A liquidator competing for liquidations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LiquidatorSpec {
    /// Name.
    #[serde(default)]
    pub label: String,
    /// Blocks it needs to react, 0 to 1,000,000.
    #[serde(default)]
    #[schemars(range(max = 1_000_000))]
    pub latency_blocks: u64,
    /// Notional it can liquidate per block (capital and risk limit, quote, > 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub capacity_per_block: f64,
    /// Smallest expected fee it acts for (quote, ≥ 0); on a chain, net of its gas.
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub min_profit: f64,
    /// Its own gas bid on the chain (default: `chain.liquidation_tx`). Every liquidator
    /// that finds a liquidation worth its gas sends; the first included wins and the
    /// others revert, paying gas. Needs a `[chain]`.
    #[serde(default)]
    pub gas: Option<crate::schema::TxSpec>,
}

/// How a population's traders behave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BehaviorSpec {
    /// Close when the loss reaches this fraction of the margin, in (0, 10].
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 10.0))]
    pub stop_loss: Option<f64>,
    /// Cut the position when equity / maintenance falls below this, in (1, 100].
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 1.0), range(max = 100.0))]
    pub derisk_below_ratio: Option<f64>,
    /// Fraction cut when de-risking, in (0, 1].
    #[serde(default = "half")]
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1.0))]
    pub derisk_fraction: f64,
    /// Probability per block of a panic close, in [0, 1].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub panic_probability: f64,
    /// Added per unit share of traders who closed last block (herding), in [0, 100].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub herd_sensitivity: f64,
}

fn half() -> f64 {
    0.5
}
