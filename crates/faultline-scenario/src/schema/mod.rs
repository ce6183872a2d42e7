//! The scenario file format, version 1. These types are the single source of truth:
//! the JSON Schema (`faultline schema`) is generated from them, and the validator walks
//! a file against that schema, so docs, schema and checks cannot drift apart.
//!
//! Fractions are written as decimals (`0.01` is 1%); quote amounts in quote units
//! (USD-like); base sizes in base units; durations carry their unit in the key name.

mod mitigations;
mod physics;
pub mod world;
pub mod world_agents;
pub mod world_perp;

pub use mitigations::*;
pub use physics::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The current schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// A Faultline scenario: one perpetual-futures venue under stress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Schema version of this file. Only 1 exists.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Short name shown in outputs.
    pub name: String,
    /// What the scenario is meant to show.
    #[serde(default)]
    pub description: String,
    /// Default seed; `--seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// Number of blocks to simulate (1 to 10,000,000).
    #[schemars(range(min = 1, max = 10_000_000))]
    pub blocks: u64,
    /// Simulated time per block in milliseconds (e.g. 12000 for Ethereum, 1000 for a fast L2).
    #[schemars(range(min = 1, max = 86_400_000))]
    pub block_time_ms: u64,
    /// Venue-wide settings: insurance fund, mark price, deficit policy.
    pub venue: VenueSpec,
    /// The oracle placeholder: the book's mid delayed by some blocks.
    #[serde(default)]
    pub oracle: OracleSpec,
    /// The perpetual markets (at least one).
    #[schemars(length(min = 1))]
    pub market: Vec<MarketSpec>,
    /// Explicit accounts.
    #[serde(default)]
    pub account: Vec<AccountSpec>,
    /// Populations of traders drawn from distributions with the run's seed.
    #[serde(default)]
    pub population: Vec<PopulationSpec>,
    /// Correlation of the markets' reference prices (generated ones only).
    #[serde(default)]
    pub correlation: Option<CorrelationSpec>,
    /// A simulated chain: oracle updates and liquidations become transactions that
    /// compete for block space.
    #[serde(default)]
    pub chain: Option<ChainSpec>,
    /// Scheduled faults.
    #[serde(default)]
    pub fault: Vec<FaultSpec>,
    /// Competing liquidators (default: one that acts at once with unlimited capacity).
    #[serde(default)]
    pub liquidator: Vec<LiquidatorSpec>,
}

/// Venue-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueSpec {
    /// Insurance fund at the start, in quote (≥ 0).
    #[schemars(range(min = 0.0))]
    pub insurance_fund: f64,
    /// Capital of the liquidity provider that stands behind the book and the initial
    /// long/short imbalance, in quote (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub liquidity_provider_capital: f64,
    /// How the mark price is formed.
    #[serde(default)]
    pub mark_price: MarkPriceSpec,
    /// What covers losses the insurance fund cannot.
    #[serde(default)]
    pub deficit: DeficitSpec,
    /// Treasury top-ups of the insurance fund.
    #[serde(default)]
    pub insurance_topup: Option<InsuranceTopUpSpec>,
    /// A backstop liquidity vault.
    #[serde(default)]
    pub backstop: Option<BackstopSpec>,
}

/// How the mark price is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarkPriceSpec {
    /// The oracle price (dYdX v4, Drift).
    #[default]
    Oracle,
    /// Median of oracle, best bid and best ask (after Hyperliquid).
    MedianOracleBook,
}

/// What covers losses the insurance fund cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeficitSpec {
    /// Auto-deleverage opposing positions at the bankruptcy price.
    Adl {
        /// Ranking rule for ADL counterparties.
        #[serde(default)]
        ranking: AdlRankingSpec,
    },
    /// Haircut profitable accounts pro rata by unrealized profit.
    SocializedLoss,
}

impl Default for DeficitSpec {
    fn default() -> Self {
        Self::Adl {
            ranking: AdlRankingSpec::Bitmex,
        }
    }
}

/// ADL ranking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdlRankingSpec {
    /// BitMEX: PnL% × effective leverage.
    #[default]
    Bitmex,
    /// Binance: profit/wallet × maintenance/equity.
    Binance,
    /// Hyperliquid: mark/entry × notional/account value.
    Hyperliquid,
    /// Pro rata by size among profitable opposing positions.
    ProRata,
    /// dYdX v4: unranked circular walk from a random offset.
    DydxOffsetWalk,
}

/// One perpetual market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketSpec {
    /// Unique ticker, e.g. "ETH-PERP".
    #[schemars(length(min = 1))]
    pub symbol: String,
    /// Taker fee on book trades (liquidations included), as a fraction in [0, 0.1].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 0.1))]
    pub taker_fee: f64,
    /// Margin brackets.
    pub margin: MarginSpec,
    /// Liquidation rules.
    pub liquidation: LiquidationSpec,
    /// Funding formula.
    #[serde(default)]
    pub funding: FundingSpec,
    /// The perp's own order book.
    pub book: BookSpec,
    /// The exogenous reference price.
    pub reference: ReferenceSpec,
    /// This market's oracle (default: the top-level `[oracle]`).
    #[serde(default)]
    pub oracle: Option<OracleSpec>,
    /// Spot venues trading the asset: order books and AMM pools.
    #[serde(default)]
    pub venue: Vec<SpotVenueSpec>,
    /// Where liquidations execute: "perp" (the perp book) or a venue label.
    #[serde(default = "perp")]
    pub liquidation_venue: String,
    /// Market makers withdraw depth as realized volatility rises.
    #[serde(default)]
    pub liquidity: Option<LiquiditySpec>,
    /// Arbitrageurs tie AMM pools to the perp book.
    #[serde(default)]
    pub arbitrage: Option<ArbitrageSpec>,
    /// An attacker buys a thin venue to move an oracle source.
    #[serde(default)]
    pub manipulation: Option<ManipulationSpec>,
    /// Volatility-scaled margin.
    #[serde(default)]
    pub vol_margin: Option<VolMarginSpec>,
    /// Circuit breaker.
    #[serde(default)]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// Non-linear liquidation penalty.
    #[serde(default)]
    pub penalty: Option<PenaltySpec>,
    /// Open-interest cap (quote, > 0): the most trader notional one side may hold. A
    /// population trader whose opening would take its side past the cap (valued at its
    /// entry price) is refused and never opens; explicit `[[account]]` positions are the
    /// stated starting state and are not capped.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub open_interest_cap: Option<f64>,
}

pub(crate) fn perp() -> String {
    "perp".into()
}

/// Margin brackets, lowest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarginSpec {
    /// Brackets by position notional; the first starts at 0.
    #[schemars(length(min = 1))]
    pub tiers: Vec<TierSpecFile>,
}

/// One margin bracket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierSpecFile {
    /// Position notional (quote) where this bracket starts.
    #[schemars(range(min = 0.0))]
    pub notional_floor: f64,
    /// Maximum leverage in the bracket (≥ 1).
    #[schemars(range(min = 1.0, max = 1000.0))]
    pub max_leverage: f64,
    /// Maintenance margin rate in (0, 1); default 1 / (2 × max_leverage) as on Hyperliquid.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0, "exclusiveMaximum" = 1.0))]
    pub maintenance_rate: Option<f64>,
}

/// Liquidation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LiquidationSpec {
    /// Liquidation fee on closed notional, as a fraction in [0, 0.5).
    #[schemars(range(min = 0.0, max = 0.5))]
    pub fee: f64,
    /// Share of the fee paid to the liquidator, in [0, 1]; the rest goes to the insurance fund.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub liquidator_share: f64,
    /// Staged (partial) liquidation; omit for full liquidation every time.
    #[serde(default)]
    pub staged: Option<StagedSpec>,
}

/// Staged liquidation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StagedSpec {
    /// Largest fraction of a position closed per step, in (0, 1].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1.0))]
    pub max_step_fraction: f64,
    /// Blocks between steps.
    #[schemars(range(max = 1_000_000))]
    pub cooldown_blocks: u64,
    /// Each step targets equity ≥ maintenance + buffer × notional; a fraction in [0, 0.5].
    #[schemars(range(min = 0.0, max = 0.5))]
    pub buffer: f64,
    /// Positions below this notional (quote) are liquidated in full.
    #[schemars(range(min = 0.0))]
    pub min_partial_notional: f64,
    /// Below this equity/maintenance ratio the account is liquidated in full, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub full_below_ratio: f64,
}

/// Funding formula (Binance's, per interval).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingSpec {
    /// Interest rate per interval, as a fraction in [-0.01, 0.01].
    #[schemars(range(min = -0.01, max = 0.01))]
    pub interest_rate: f64,
    /// Clamp on interest minus premium, in [0, 0.01].
    #[schemars(range(min = 0.0, max = 0.01))]
    pub premium_clamp: f64,
    /// Cap on the absolute funding rate per interval, in [0, 0.1].
    #[schemars(range(min = 0.0, max = 0.1))]
    pub rate_cap: f64,
    /// Interval length in hours, in (0, 24].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 24.0))]
    pub interval_hours: f64,
}

impl Default for FundingSpec {
    fn default() -> Self {
        Self {
            interest_rate: 0.0001,
            premium_clamp: 0.0005,
            rate_cap: 0.0075,
            interval_hours: 8.0,
        }
    }
}

/// The order book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BookSpec {
    /// Half the bid–ask spread as a fraction of price, in [0, 0.1].
    #[schemars(range(min = 0.0, max = 0.1))]
    pub half_spread: f64,
    /// Distance between price levels as a fraction, in (0, 0.1].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 0.1))]
    pub level_step: f64,
    /// Fraction of missing depth restored each block, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub refill_per_block: f64,
    /// Cumulative depth profile per side: quote resting within each offset of mid
    /// (give this or `depth_snapshot`).
    #[serde(default)]
    pub depth: Vec<DepthPointSpec>,
    /// Depth from a real book-depth snapshot.
    #[serde(default)]
    pub depth_snapshot: Option<DepthSnapshotSpec>,
}

/// A point of the depth profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepthPointSpec {
    /// Distance from mid as a fraction, in (0, 1).
    #[schemars(extend("exclusiveMinimum" = 0.0, "exclusiveMaximum" = 1.0))]
    pub offset: f64,
    /// Cumulative quote resting within that distance on one side (≥ 0).
    #[schemars(range(min = 0.0))]
    pub quote: f64,
}

/// The exogenous reference price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReferenceSpec {
    /// Geometric Brownian motion with scheduled gaps; add `jumps` for Merton
    /// jump-diffusion, `student_t_dof` for fat-tailed innovations, `garch` for GARCH(1,1)
    /// volatility and `pins` to pass through set levels at set blocks.
    Gbm {
        /// Starting price (> 0).
        #[schemars(extend("exclusiveMinimum" = 0.0))]
        initial_price: f64,
        /// Annualized drift, in [-10, 10].
        #[serde(default)]
        #[schemars(range(min = -10.0, max = 10.0))]
        drift_annual: f64,
        /// Annualized volatility (long-run volatility under GARCH), in [0, 20].
        #[schemars(range(min = 0.0, max = 20.0))]
        volatility_annual: f64,
        /// Student-t degrees of freedom for fat-tailed innovations, in (2, 1000]; omit for normal.
        #[serde(default)]
        #[schemars(extend("exclusiveMinimum" = 2.0), range(max = 1000.0))]
        student_t_dof: Option<f64>,
        /// Merton jumps.
        #[serde(default)]
        jumps: Option<JumpsSpec>,
        /// GARCH(1,1) volatility clustering.
        #[serde(default)]
        garch: Option<GarchSpec>,
        /// Levels the path must pass through (Brownian-bridge pinning).
        #[serde(default)]
        pins: Vec<PinSpec>,
        /// Scheduled gaps.
        #[serde(default)]
        gaps: Vec<GapSpec>,
    },
    /// Real candles or trades replayed, resampled to the block time (inside a bar the
    /// path runs open → low/high → close), with bad prints clipped.
    Candles {
        /// Path to the data file, relative to the scenario file.
        #[schemars(length(min = 1))]
        file: String,
        /// Layout of the file.
        #[serde(default)]
        format: CandleFormatSpec,
        /// For `format = "columns"`: the time column (ms).
        #[serde(default = "default_time_column")]
        time_column: String,
        /// For `format = "columns"`: the price column.
        #[serde(default = "default_price_column")]
        price_column: String,
        /// For `format = "columns"`: whether the file has a header row (it must).
        #[serde(default = "default_true")]
        has_header: bool,
        /// For `format = "tick_trades"`: bar length in milliseconds.
        #[serde(default = "default_interval")]
        #[schemars(range(min = 1))]
        interval_ms: u64,
        /// UTC time of block 0, e.g. "2020-03-12T10:00:00Z"; default the first bar.
        #[serde(default)]
        start: Option<String>,
        /// Clip prices further than `bad_print_max_deviation` from the rolling median of
        /// closes (a one-bar wick never becomes a tradable price).
        #[serde(default = "default_true")]
        filter_bad_prints: bool,
        /// Bars on each side in the bad-print median, 1 to 1,000.
        #[serde(default = "default_bad_print_window")]
        #[schemars(range(min = 1, max = 1000))]
        bad_print_window: u32,
        /// Largest relative distance from that median, in (0, 10].
        #[serde(default = "default_bad_print_deviation")]
        #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 10.0))]
        bad_print_max_deviation: f64,
        /// Scheduled gaps on top of the replay.
        #[serde(default)]
        gaps: Vec<GapSpec>,
    },
}

/// Layouts of replay files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CandleFormatSpec {
    /// A CSV with a time column (ms) and a price column.
    #[default]
    Columns,
    /// Binance kline CSV (data.binance.vision layout).
    BinanceKlines,
    /// 1-minute OHLCV CSV with `minute_start_ms, open, high, low, close`.
    MinuteOhlcv,
    /// Tick trades (Tardis/Gemini CSV, gzip or plain).
    TickTrades,
    /// CoinAPI OHLCV JSON.
    CoinapiJson,
}

/// Merton jumps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JumpsSpec {
    /// Expected jumps per year (≥ 0).
    #[schemars(range(min = 0.0, max = 1_000_000.0))]
    pub intensity_annual: f64,
    /// Mean of the log jump size, in [-5, 5] (−0.1 ≈ a 10% drop).
    #[schemars(range(min = -5.0, max = 5.0))]
    pub mean_log: f64,
    /// Standard deviation of the log jump size, in [0, 5].
    #[schemars(range(min = 0.0, max = 5.0))]
    pub sd_log: f64,
}

/// GARCH(1,1) with long-run volatility `volatility_annual`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GarchSpec {
    /// Weight of the last squared return, in [0, 1).
    #[schemars(range(min = 0.0), extend("exclusiveMaximum" = 1.0))]
    pub alpha: f64,
    /// Weight of the last variance, in [0, 1); alpha + beta must be below 1.
    #[schemars(range(min = 0.0), extend("exclusiveMaximum" = 1.0))]
    pub beta: f64,
}

/// A level the path passes through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PinSpec {
    /// Block (≥ 1).
    #[schemars(range(min = 1))]
    pub block: u64,
    /// Price at that block (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub price: f64,
}

fn default_interval() -> u64 {
    60_000
}
fn default_bad_print_window() -> u32 {
    7
}
fn default_bad_print_deviation() -> f64 {
    0.25
}
fn default_time_column() -> String {
    "open_time".into()
}
fn default_price_column() -> String {
    "close".into()
}
pub(crate) fn default_true() -> bool {
    true
}

/// A scheduled jump in the reference price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GapSpec {
    /// Block at which the gap happens (≥ 1).
    #[schemars(range(min = 1))]
    pub block: u64,
    /// Relative move, in (-1, 10]: -0.3 is a 30% gap down.
    #[schemars(extend("exclusiveMinimum" = -1.0), range(max = 10.0))]
    pub fraction: f64,
}

/// Long or short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideSpec {
    /// Profits when the price rises.
    Long,
    /// Profits when the price falls.
    Short,
}

/// Cross or isolated margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarginModeSpec {
    /// Shares the account's balance.
    #[default]
    Cross,
    /// Has its own margin.
    Isolated,
}

/// An explicit account with one position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// Name used in outputs.
    #[serde(default)]
    pub label: String,
    /// Symbol of the market.
    pub market: String,
    /// Long or short.
    pub side: SideSpec,
    /// Position size in base units (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub size: f64,
    /// Entry price; default the market's initial price.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub entry_price: Option<f64>,
    /// Leverage at entry (collateral = entry notional / leverage), in (0, 1000].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1000.0))]
    pub leverage: f64,
    /// Cross or isolated.
    #[serde(default)]
    pub margin: MarginModeSpec,
    /// Further positions of the same account in other markets, all cross-margined with
    /// the first (which must then be cross too).
    #[serde(default)]
    pub more_positions: Vec<ExtraPositionSpec>,
}

/// Another cross position of an explicit account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraPositionSpec {
    /// Symbol of the market (different from the account's other markets).
    pub market: String,
    /// Long or short.
    pub side: SideSpec,
    /// Position size in base units (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub size: f64,
    /// Entry price; default the market's initial price.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub entry_price: Option<f64>,
    /// Leverage at entry, in (0, 1000].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1000.0))]
    pub leverage: f64,
}

/// A population of traders in one market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    /// Name used in outputs.
    #[serde(default)]
    pub label: String,
    /// Symbol of the market.
    pub market: String,
    /// Number of traders, 1 to 5,000,000.
    #[schemars(range(min = 1, max = 5_000_000))]
    pub count: u32,
    /// Probability that a trader is long, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub long_probability: f64,
    /// Probability that a trader uses isolated margin, in [0, 1].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub isolated_probability: f64,
    /// Position notional at entry, in quote.
    pub notional: Distribution,
    /// Leverage at entry; draws are clamped to [1, the market's maximum].
    pub leverage: Distribution,
    /// Entry price as a relative offset from the initial price (0.02 = 2% above).
    #[serde(default = "zero_offset")]
    pub entry_offset: Distribution,
    /// How these traders act on their own: stop-losses, de-risking, herd panic.
    #[serde(default)]
    pub behavior: Option<BehaviorSpec>,
}

fn zero_offset() -> Distribution {
    Distribution::Fixed { value: 0.0 }
}

/// A distribution to draw from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Always the same value.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform on [min, max].
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound (≥ min).
        max: f64,
    },
    /// Normal with a mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (≥ 0).
        #[schemars(range(min = 0.0))]
        sd: f64,
    },
    /// Log-normal given by its median and the standard deviation of its log.
    LogNormal {
        /// Median (> 0).
        #[schemars(extend("exclusiveMinimum" = 0.0))]
        median: f64,
        /// Standard deviation of the log, in [0, 5].
        #[schemars(range(min = 0.0, max = 5.0))]
        sigma: f64,
    },
}
