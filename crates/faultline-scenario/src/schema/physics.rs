//! Scenario sections for markets, oracles and the chain: spot venues and AMM pools,
//! oracles, the chain's gas market, and scheduled faults.

use super::{default_true, perp, DepthPointSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An oracle: sources, aggregation, delay, update rule, latency and validity checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OracleSpec {
    /// Blocks between observation and publication (an OSM-style delay), 0 to 1,000,000.
    #[serde(default)]
    #[schemars(range(max = 1_000_000))]
    pub delay_blocks: u32,
    /// The single source when `sources` is not given.
    #[serde(default)]
    pub source: OracleSourceSpec,
    /// Sources aggregated by median: "perp" (the perp book), "reference", or spot venue labels.
    #[serde(default)]
    pub sources: Vec<String>,
    /// TWAP window over the observed medians, in blocks (1 = spot), 1 to 1,000,000.
    #[serde(default = "one_u32")]
    #[schemars(range(min = 1, max = 1_000_000))]
    pub twap_blocks: u32,
    /// Push at least every this many blocks; omit to push every block.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub heartbeat_blocks: Option<u64>,
    /// Push when the value moved this fraction since the last push, in (0, 1).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0, "exclusiveMaximum" = 1.0))]
    pub deviation: Option<f64>,
    /// Blocks between a push and its landing when the run has no `[chain]`.
    #[serde(default)]
    #[schemars(range(max = 1_000_000))]
    pub latency_blocks: u32,
    /// Older than this many blocks, the price is stale.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_staleness_blocks: Option<u64>,
    /// Further than this fraction from the TWAP of observations, the price is too volatile.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 10.0))]
    pub max_twap_divergence: Option<f64>,
    /// Sources further apart than this fraction of their median are divergent.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 10.0))]
    pub max_source_spread: Option<f64>,
    /// Liquidations wait while the price is not valid (Drift's oracle guard rails).
    #[serde(default)]
    pub guard_liquidations: bool,
}

fn one_u32() -> u32 {
    1
}

impl Default for OracleSpec {
    fn default() -> Self {
        Self {
            delay_blocks: 0,
            source: OracleSourceSpec::default(),
            sources: Vec::new(),
            twap_blocks: 1,
            heartbeat_blocks: None,
            deviation: None,
            latency_blocks: 0,
            max_staleness_blocks: None,
            max_twap_divergence: None,
            max_source_spread: None,
            guard_liquidations: false,
        }
    }
}

/// What the oracle observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OracleSourceSpec {
    /// The venue's book mid.
    #[default]
    BookMid,
    /// The exogenous reference price.
    Reference,
}

/// A spot venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SpotVenueSpec {
    /// An order book anchored to the reference price.
    Book {
        /// Unique name within the market (not "perp" or "reference").
        #[schemars(length(min = 1))]
        label: String,
        /// Half the bid–ask spread as a fraction of price, in [0, 0.1].
        #[schemars(range(min = 0.0, max = 0.1))]
        half_spread: f64,
        /// Distance between price levels as a fraction, in (0, 0.1].
        #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 0.1))]
        level_step: f64,
        /// Fraction of missing depth restored each block, in [0, 1].
        #[schemars(range(min = 0.0, max = 1.0))]
        refill_per_block: f64,
        /// Cumulative depth profile per side (or use `depth_snapshot`).
        #[serde(default)]
        depth: Vec<DepthPointSpec>,
        /// Depth from a real book-depth snapshot.
        #[serde(default)]
        depth_snapshot: Option<DepthSnapshotSpec>,
    },
    /// A constant-product pool (Uniswap v2) priced at the reference at block 0.
    ConstantProduct {
        /// Unique name within the market.
        #[schemars(length(min = 1))]
        label: String,
        /// Base reserve (> 0); the quote reserve makes the opening price the reference.
        #[schemars(extend("exclusiveMinimum" = 0.0))]
        base_reserve: f64,
        /// Swap fee as a fraction, in [0, 0.1].
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 0.1))]
        fee: f64,
    },
    /// A stableswap pool (Curve) for assets meant to trade at `peg`.
    Stableswap {
        /// Unique name within the market.
        #[schemars(length(min = 1))]
        label: String,
        /// Base reserve (> 0).
        #[schemars(extend("exclusiveMinimum" = 0.0))]
        base_reserve: f64,
        /// Quote reserve (> 0).
        #[schemars(extend("exclusiveMinimum" = 0.0))]
        quote_reserve: f64,
        /// Amplification coefficient A, in [1, 100000].
        #[schemars(range(min = 1.0, max = 100_000.0))]
        amplification: f64,
        /// Quote per base the pool is built for (default 1).
        #[serde(default = "one_f64")]
        #[schemars(extend("exclusiveMinimum" = 0.0))]
        peg: f64,
        /// Swap fee as a fraction, in [0, 0.1].
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 0.1))]
        fee: f64,
    },
}

fn one_f64() -> f64 {
    1.0
}

impl SpotVenueSpec {
    /// The venue's label.
    pub fn label(&self) -> &str {
        match self {
            SpotVenueSpec::Book { label, .. }
            | SpotVenueSpec::ConstantProduct { label, .. }
            | SpotVenueSpec::Stableswap { label, .. } => label,
        }
    }
}

/// Depth taken from a Binance bookDepth file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepthSnapshotSpec {
    /// Path to the bookDepth CSV, relative to the scenario file.
    #[schemars(length(min = 1))]
    pub file: String,
    /// UTC time of the snapshot to use (the last one at or before it).
    pub at: String,
    /// Multiply the snapshot's notional by this (to scale one market's depth to another), in (0, 1000].
    #[serde(default = "one_f64")]
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1000.0))]
    pub scale: f64,
    /// Rebuild buckets that stopped updating (Binance's −1% bucket froze on 2025-10-10).
    #[serde(default = "default_true")]
    pub repair_frozen: bool,
}

/// Volatility-driven depth withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LiquiditySpec {
    /// depth = full / (1 + sensitivity × max(0, σ / σ_ref − 1)); in [0, 100].
    #[schemars(range(min = 0.0, max = 100.0))]
    pub withdraw_sensitivity: f64,
    /// Annual volatility at which makers show full depth, in (0, 20].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 20.0))]
    pub reference_vol_annual: f64,
    /// Half-life of the volatility estimate in blocks, in [1, 1e6].
    #[schemars(range(min = 1.0, max = 1_000_000.0))]
    pub vol_halflife_blocks: f64,
    /// Makers pull depth as the inventory they absorbed grows past this notional (quote).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub inventory_limit: Option<f64>,
    /// Strength of that pull: depth × 1 / (1 + sensitivity × inventory / limit), in [0, 100].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub inventory_sensitivity: f64,
}

/// Arbitrage between AMM pools and the perp book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArbitrageSpec {
    /// Quote deployable per block (≥ 0).
    #[schemars(range(min = 0.0))]
    pub capital_per_block: f64,
    /// Act on the book mid seen this many blocks ago, 0 to 10,000.
    #[serde(default)]
    #[schemars(range(max = 10_000))]
    pub latency_blocks: u32,
    /// Act only beyond this relative price gap, in [0, 1).
    #[serde(default)]
    #[schemars(range(min = 0.0), extend("exclusiveMaximum" = 1.0))]
    pub min_edge: f64,
}

/// An oracle-manipulation attack on a thin venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManipulationSpec {
    /// Label of the venue bought.
    pub venue: String,
    /// First block of buying (≥ 1).
    #[schemars(range(min = 1))]
    pub start_block: u64,
    /// Last block of buying; the position is sold the block after.
    #[schemars(range(min = 1))]
    pub end_block: u64,
    /// Total quote spent (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub budget: f64,
    /// Quote spent per block (> 0).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub per_block: f64,
}

/// The chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainSpec {
    /// Gas per block, 21,000 to 1e10.
    #[schemars(range(min = 21_000, max = 10_000_000_000u64))]
    pub gas_limit: u64,
    /// EIP-1559 target gas (default half the limit).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub target_gas: Option<u64>,
    /// Base fee at block 0 (gwei), in (0, 1e6].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1_000_000.0))]
    pub base_fee_gwei: f64,
    /// Other users' demand for block space.
    pub demand: GasDemandSpec,
    /// Pending transactions older than this many blocks are dropped (≥ 1).
    #[schemars(range(min = 1))]
    pub max_pending_blocks: u64,
    /// Quote per gas token, fixed (or use `gas_token_market`).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub gas_token_price: Option<f64>,
    /// Price the gas token at this market's reference.
    #[serde(default)]
    pub gas_token_market: Option<String>,
    /// Oracle updates' gas bid.
    pub oracle_tx: TxSpec,
    /// Liquidations' gas bid.
    pub liquidation_tx: TxSpec,
    /// Liquidators send only when the expected fee beats gas by this (quote, ≥ 0).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub min_liquidation_profit: f64,
    /// MEV searchers sell this fraction of a liquidation ahead of it, in [0, 10].
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub mev_frontrun_fraction: Option<f64>,
}

/// A transaction's gas bid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TxSpec {
    /// Gas used, 21,000 to 30,000,000.
    #[schemars(range(min = 21_000, max = 30_000_000))]
    pub gas_used: u64,
    /// Bid this fraction above the going price, in [0, 100].
    #[schemars(range(min = 0.0, max = 100.0))]
    pub premium: f64,
    /// Never bid above this (gwei), in (0, 1e6].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1_000_000.0))]
    pub max_fee_gwei: f64,
}

/// Other users' demand for block space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum GasDemandSpec {
    /// Demand as a multiple of the target gas, with scheduled spikes.
    Parametric {
        /// Normal demand as a multiple of the target (1 = on target), in [0, 100].
        #[schemars(range(min = 0.0, max = 100.0))]
        utilization: f64,
        /// Mean priority fee of other users (gwei), in [0, 1e5].
        #[schemars(range(min = 0.0, max = 100_000.0))]
        priority_mean_gwei: f64,
        /// Price elasticity of demand (1: a spike of m× settles near an m× base fee;
        /// 0: demand ignores price and the base fee grows 12.5% a full block), in [0, 10].
        #[serde(default = "one_f64")]
        #[schemars(range(min = 0.0, max = 10.0))]
        elasticity: f64,
        /// Scheduled demand spikes.
        #[serde(default)]
        spikes: Vec<GasSpikeSpec>,
    },
    /// A replayed gas-price series (StableSims pandas JSON).
    Replay {
        /// Path to the JSON file, relative to the scenario file.
        #[schemars(length(min = 1))]
        file: String,
        /// Column to use, e.g. "avgGasDay" or "60.0 Perc" (wei).
        column: String,
        /// UTC time of block 0; default the first row.
        #[serde(default)]
        start: Option<String>,
    },
}

/// A demand spike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasSpikeSpec {
    /// First block (≥ 1).
    #[schemars(range(min = 1))]
    pub start_block: u64,
    /// Last block.
    #[schemars(range(min = 1))]
    pub end_block: u64,
    /// Demand multiplier, in (0, 10000].
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 10_000.0))]
    pub multiplier: f64,
}

/// A scheduled fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultSpec {
    /// A venue stops trading and quoting.
    VenueOutage {
        /// Market symbol.
        market: String,
        /// "perp" or a venue label.
        #[serde(default = "perp")]
        venue: String,
        /// First block (≥ 1).
        #[schemars(range(min = 1))]
        start_block: u64,
        /// Last block.
        #[schemars(range(min = 1))]
        end_block: u64,
    },
    /// The oracle stops updating.
    OracleFreeze {
        /// Market symbol.
        market: String,
        /// First block (≥ 1).
        #[schemars(range(min = 1))]
        start_block: u64,
        /// Last block.
        #[schemars(range(min = 1))]
        end_block: u64,
    },
    /// No blocks are produced.
    ChainHalt {
        /// First block (≥ 1).
        #[schemars(range(min = 1))]
        start_block: u64,
        /// Last block.
        #[schemars(range(min = 1))]
        end_block: u64,
    },
    /// The liquidation engine stops (one market, or all when `market` is omitted).
    LiquidationStall {
        /// Market symbol.
        #[serde(default)]
        market: Option<String>,
        /// First block (≥ 1).
        #[schemars(range(min = 1))]
        start_block: u64,
        /// Last block.
        #[schemars(range(min = 1))]
        end_block: u64,
    },
    /// The liquidation engine acts late.
    LiquidationLag {
        /// Lag in blocks (≥ 1).
        #[schemars(range(min = 1, max = 1_000_000))]
        lag_blocks: u64,
        /// First block (≥ 1).
        #[schemars(range(min = 1))]
        start_block: u64,
        /// Last block.
        #[schemars(range(min = 1))]
        end_block: u64,
    },
    /// A code failure misprices one asset.
    Misprice {
        /// Market symbol.
        market: String,
        /// Multiplier on the protocol's price, in (0, 1000].
        #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1000.0))]
        factor: f64,
        /// First block (≥ 1).
        #[schemars(range(min = 1))]
        start_block: u64,
        /// Last block.
        #[schemars(range(min = 1))]
        end_block: u64,
    },
}

/// Correlation of reference-price innovations across markets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrelationSpec {
    /// Market symbols, in the order of the matrix rows.
    #[schemars(length(min = 2))]
    pub markets: Vec<String>,
    /// Symmetric, positive-definite correlation matrix with a unit diagonal.
    pub matrix: Vec<Vec<f64>>,
}
