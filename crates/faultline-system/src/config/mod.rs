//! The system file: protocols composed over shared assets. These types are both the
//! file's schema (checked by `faultline-scenario` against their JSON Schema, so every
//! error is reported with its line) and the run's configuration.
//!
//! Amounts are in token units (USDC, ETH, FUSD — the CDP's stablecoin — and MKR, the
//! CDP's governance token); durations in seconds; rates as fractions (0.05 = 5%).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod protocols;
pub use protocols::*;

/// A whole system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemConfig {
    /// Format version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Short name, used for the run directory.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Run seed.
    #[serde(default)]
    pub seed: u64,
    /// Blocks to simulate after the opening one.
    #[schemars(range(min = 1, max = 10_000_000))]
    pub blocks: u64,
    /// Block length in milliseconds (Ethereum: 12,000).
    #[serde(default = "d_block_time")]
    #[schemars(range(min = 1))]
    pub block_time_ms: u64,
    /// The shared collateral asset's reference price.
    pub eth: EthConfig,
    /// The ETH/USDC pool where liquidators and keepers sell collateral.
    pub eth_pool: EthPoolConfig,
    /// Gas prices every protocol's transactions pay.
    #[serde(default)]
    pub gas: GasConfig,
    /// The CDP stablecoin (Maker-like), if any.
    #[serde(default)]
    pub cdp: Option<CdpConfig>,
    /// The lending market (Aave v3-like), if any.
    #[serde(default)]
    pub lending: Option<LendingConfig>,
    /// The options vault, if any.
    #[serde(default)]
    pub vault: Option<VaultConfig>,
    /// A perpetual-futures venue driven by the system's ETH price, if any.
    #[serde(default)]
    pub perp: Option<PerpConfig>,
    /// Cross-protocol circuit breakers.
    #[serde(default)]
    pub breaker: Vec<BreakerConfig>,
}

/// A perpetual-futures venue: any scenario file, whose first market's reference price is
/// replaced by the system's ETH path, and whose insurance fund is refilled from a
/// reserve kept in other protocols (FUSD, a lending deposit) and plain USDC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpConfig {
    /// The venue's scenario file, relative to the system file. Its block length must
    /// match the system's and it must run at least as many blocks.
    #[schemars(length(min = 1))]
    pub scenario: String,
    /// Reserve held as USDC.
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub reserve_usdc: f64,
    /// Reserve deposited in the lending market (USDC).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub reserve_in_lending: f64,
    /// Reserve held as FUSD (sold into the peg pool when needed).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub reserve_fusd: f64,
    /// Refill the insurance fund when it falls below this share of its opening level.
    #[serde(default = "d_refill")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub refill_below: f64,
    /// At most this much USDC per block.
    #[schemars(range(min = 0.0))]
    pub refill_per_block: f64,
}

fn d_refill() -> f64 {
    0.5
}

fn d_block_time() -> u64 {
    12_000
}

/// ETH's reference price: geometric Brownian motion with scheduled gaps, or a replayed
/// series (one price per block).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EthConfig {
    /// Opening price (USD).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub initial: f64,
    /// Annual volatility.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 20.0))]
    pub volatility_annual: f64,
    /// Scheduled gaps.
    #[serde(default)]
    pub gaps: Vec<GapConfig>,
    /// A replayed path, one price per block from the opening one (overrides the
    /// generator; gaps still apply).
    #[serde(default)]
    pub path: Vec<f64>,
    /// A market-data file replayed as the path (read when the system file is loaded).
    #[serde(default)]
    pub replay: Option<PriceReplay>,
}

/// A price file to replay, resampled to one price per block (the last close at or
/// before each block's time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceReplay {
    /// Path relative to the system file.
    #[schemars(length(min = 1))]
    pub file: String,
    /// Layout.
    pub format: ReplayFormat,
    /// First block's time (UTC, `YYYY-MM-DDTHH:MM:SSZ`); the file's first bar if omitted.
    #[serde(default)]
    pub start: Option<String>,
    /// Clip single-bar prints far from the rolling median (e.g. the 323.00 ETH wick at
    /// 2020-03-13T02:39Z in Binance's data).
    #[serde(default = "d_true")]
    pub filter_bad_prints: bool,
}

fn d_true() -> bool {
    true
}

/// Price file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplayFormat {
    /// Binance kline CSV.
    BinanceKlines,
    /// 1-minute OHLCV CSV (`minute_start_ms, open, high, low, close`).
    MinuteOhlcv,
    /// CoinAPI OHLCV JSON.
    CoinapiJson,
}

/// A gas-price series to replay (StableSims' pandas "table" JSON, wei per column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasReplay {
    /// Path relative to the system file.
    #[schemars(length(min = 1))]
    pub file: String,
    /// Column to read (`avgGasDay` is the mean; `60.0 Perc`, `90.0 Perc` percentiles).
    #[serde(default = "d_gas_col")]
    pub column: String,
    /// First block's time (UTC); the series' first point if omitted.
    #[serde(default)]
    pub start: Option<String>,
}

fn d_gas_col() -> String {
    "avgGasDay".into()
}

/// A scheduled jump.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GapConfig {
    /// Block at which it happens.
    pub block: u64,
    /// Relative move (−0.3 is 30% down).
    #[schemars(range(min = -0.99, max = 10.0))]
    pub fraction: f64,
}

/// The ETH/USDC constant-product pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EthPoolConfig {
    /// ETH in the pool at the start (its USDC side is set at the opening price).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub eth: f64,
    /// Swap fee.
    #[serde(default = "d_pool_fee")]
    #[schemars(range(min = 0.0, max = 0.1))]
    pub fee: f64,
    /// USDC (or its worth in ETH) an arbitrageur may trade per block pulling the pool
    /// back to the reference price.
    #[schemars(range(min = 0.0))]
    pub arbitrage_per_block: f64,
    /// Blocks' worth of USDC, and of ETH, the arbitrageur holds at the start; once one
    /// side is spent it can no longer pull the pool that way.
    #[serde(default = "d_inventory")]
    #[schemars(range(min = 1, max = 1_000_000))]
    pub arbitrage_inventory_blocks: u32,
}

fn d_inventory() -> u32 {
    100
}

fn d_pool_fee() -> f64 {
    0.003
}

/// Gas: a base price with spikes, in gwei.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasConfig {
    /// Gas price outside spikes.
    #[serde(default = "d_gwei")]
    #[schemars(range(min = 0.0))]
    pub base_gwei: f64,
    /// Periods of congestion.
    #[serde(default)]
    pub spikes: Vec<GasSpike>,
    /// Gas used by one liquidation, auction take or kick.
    #[serde(default = "d_liq_gas")]
    #[schemars(range(min = 0))]
    pub liquidation_gas: u64,
    /// A replayed gas price per block (gwei), overriding base and spikes.
    #[serde(default)]
    pub path: Vec<f64>,
    /// A gas file replayed as the path (read when the system file is loaded).
    #[serde(default)]
    pub replay: Option<GasReplay>,
}

impl Default for GasConfig {
    fn default() -> Self {
        Self {
            base_gwei: d_gwei(),
            spikes: Vec::new(),
            liquidation_gas: d_liq_gas(),
            path: Vec::new(),
            replay: None,
        }
    }
}

fn d_gwei() -> f64 {
    30.0
}
fn d_liq_gas() -> u64 {
    500_000
}

/// A congestion period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasSpike {
    /// First block.
    pub start: u64,
    /// Last block (inclusive).
    pub end: u64,
    /// Gas price during the spike.
    #[schemars(range(min = 0.0))]
    pub gwei: f64,
}

/// A Maker-like CDP (Liquidations 2.0) issuing FUSD against ETH.
///
/// The FUSD that exists at the start is exactly what the vaults drew: the sum of the
/// allocations below (holders, the peg pool, keepers, debt-auction bidders and, if a
/// lending market lists FUSD, its FUSD-collateral borrowers) is spread over the vaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CdpConfig {
    /// Number of vaults.
    #[schemars(range(min = 1, max = 1_000_000))]
    pub vaults: u32,
    /// Lowest starting collateralization (collateral value / debt).
    #[schemars(range(min = 1.0))]
    pub ratio_min: f64,
    /// Highest starting collateralization.
    #[schemars(range(min = 1.0))]
    pub ratio_max: f64,
    /// Liquidation ratio `mat` (Maker ETH-A: 1.45; 1.5 in March 2020).
    #[serde(default = "d_mat")]
    #[schemars(range(min = 1.0))]
    pub liquidation_ratio: f64,
    /// Liquidation penalty (`chop − 1`; 0.13 in March 2020).
    #[serde(default = "d_chop")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub penalty: f64,
    /// Annual stability fee, paid to the surplus buffer.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub stability_fee_annual: f64,
    /// Oracle security module delay (`hop`, seconds): the price the CDP uses is the
    /// market price of one hop ago, updated once a hop.
    #[serde(default = "d_hop")]
    #[schemars(range(min = 0))]
    pub osm_delay_s: u64,
    /// The Dutch auction.
    #[serde(default)]
    pub auction: AuctionConfig,
    /// FUSD held by ordinary holders at the start.
    #[schemars(range(min = 0.0))]
    pub holders_fusd: f64,
    /// Holders' run on the stablecoin.
    #[serde(default)]
    pub holder_run: RunConfig,
    /// Scheduled sales of FUSD into the peg pool by large holders (from the holders'
    /// balance).
    #[serde(default)]
    pub dumps: Vec<DumpConfig>,
    /// The FUSD/USDC stableswap pool that holds the peg.
    pub peg_pool: PegPoolConfig,
    /// USDC vault owners may spend per block buying FUSD below the peg to repay debt
    /// (the arbitrage that defends the peg from below).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub repay_arbitrage_per_block: f64,
    /// Keepers bidding in auctions.
    #[schemars(length(min = 1))]
    pub keeper: Vec<KeeperConfig>,
    /// Debt auctions (Flopper): MKR minted and sold for FUSD when bad debt exceeds the
    /// surplus.
    #[serde(default)]
    pub debt_auction: Option<DebtAuctionConfig>,
    /// Terra-style algorithmic backing, if any.
    #[serde(default)]
    pub algorithmic: Option<AlgorithmicConfig>,
    /// Most collateral (ETH) one auction may sell (`cat.lump`, Liquidations 1.x; 0 = the
    /// whole vault). A larger vault is liquidated in several auctions.
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub lump: f64,
    /// Clipper breaker level at the start: 0 all allowed, 1 no new auctions, 2 also no
    /// resets, 3 also no takes.
    #[serde(default)]
    #[schemars(range(min = 0, max = 3))]
    pub breaker_level: u8,
}

fn d_mat() -> f64 {
    1.5
}
fn d_chop() -> f64 {
    0.13
}
fn d_hop() -> u64 {
    3_600
}

/// Terra-style algorithmic backing (Terra's market module): part of the FUSD supply is
/// issued without vaults (the float), and anyone may swap 1 FUSD for $1 of newly
/// minted MKR at MKR's pool price, less a spread, within a capacity per block.
/// Arbitrageurs do so whenever FUSD trades below $1 by more than the spread, and sell
/// the MKR: each redemption dilutes MKR, and a falling MKR needs more MKR per FUSD.
/// MKR's pool is the one `[cdp.debt_auction]` defines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlgorithmicConfig {
    /// FUSD issued without vaults at the start (units), out of the allocations.
    #[schemars(range(min = 0.0))]
    pub float: f64,
    /// Most FUSD redeemed per block (the market module's capacity).
    #[schemars(range(min = 0.0))]
    pub redeem_per_block: f64,
    /// Spread the swap keeps (Terra's minimum: 0.5%).
    #[serde(default = "d_spread")]
    #[schemars(range(min = 0.0, max = 0.5))]
    pub spread: f64,
    /// USDC the arbitrageurs start with.
    #[schemars(range(min = 0.0))]
    pub arbitrage_usdc: f64,
    /// From this block on no more swaps (Terra's validators halted the chain).
    #[serde(default)]
    pub halt_block: Option<u64>,
}

fn d_spread() -> f64 {
    0.005
}

/// A scheduled sale of FUSD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DumpConfig {
    /// Block.
    pub block: u64,
    /// FUSD sold (units).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub fusd: f64,
}

/// Liquidations 2.0 auction parameters (`Clipper`, `Dog`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuctionConfig {
    /// Price curve (`Abacus`).
    #[serde(default)]
    pub curve: CurveConfig,
    /// Starting price multiplier on the oracle price (`buf`).
    #[serde(default = "d_buf")]
    #[schemars(range(min = 0.5, max = 5.0))]
    pub buf: f64,
    /// Seconds before an auction must be reset (`tail`).
    #[serde(default = "d_tail")]
    pub tail_s: u64,
    /// Price drop (price/top) below which it must be reset (`cusp`).
    #[serde(default = "d_cusp")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub cusp: f64,
    /// Flat keeper reward per kick or reset, FUSD (`tip`).
    #[serde(default = "d_tip")]
    #[schemars(range(min = 0.0))]
    pub tip: f64,
    /// Keeper reward as a share of the debt auctioned (`chip`).
    #[serde(default = "d_chip")]
    #[schemars(range(min = 0.0, max = 0.1))]
    pub chip: f64,
    /// Per-collateral limit on debt in auction, FUSD (`ilk.hole`).
    #[serde(default = "d_hole")]
    #[schemars(range(min = 0.0))]
    pub hole: f64,
    /// Global limit on debt in auction, FUSD (`Hole`).
    #[serde(default = "d_hole")]
    #[schemars(range(min = 0.0))]
    pub global_hole: f64,
}

impl Default for AuctionConfig {
    fn default() -> Self {
        Self {
            curve: CurveConfig::default(),
            buf: d_buf(),
            tail_s: d_tail(),
            cusp: d_cusp(),
            tip: d_tip(),
            chip: d_chip(),
            hole: d_hole(),
            global_hole: d_hole(),
        }
    }
}

fn d_buf() -> f64 {
    1.2
}
fn d_tail() -> u64 {
    8_400
}
fn d_cusp() -> f64 {
    0.4
}
fn d_tip() -> f64 {
    300.0
}
fn d_chip() -> f64 {
    0.001
}
fn d_hole() -> f64 {
    100_000_000.0
}

/// An auction price curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CurveConfig {
    /// Falls linearly to zero over `duration_s` (`LinearDecrease.tau`).
    Linear {
        /// Seconds to reach zero.
        duration_s: u64,
    },
    /// Multiplied by `cut` every `step_s` seconds (`StairstepExponentialDecrease`).
    Stairstep {
        /// Seconds between steps.
        step_s: u64,
        /// Multiplier per step, in (0, 1).
        cut: f64,
    },
    /// Liquidations 1.2's English auction (`flip.sol`): keepers raise the FUSD bid
    /// for the whole lot up to the tab (`tend`), then lower the collateral they accept
    /// for the tab (`dent`); each bid must beat the last by `beg`; the auction ends
    /// `ttl_s` after the last bid or `tau_s` after it started, and restarts if nobody bid.
    English {
        /// Seconds a bid stands before the auction can be settled (`ttl`).
        ttl_s: u64,
        /// Longest auction, seconds (`tau`).
        tau_s: u64,
        /// Minimum raise over the last bid (`beg − 1`, e.g. 0.03).
        beg: f64,
    },
}

impl Default for CurveConfig {
    fn default() -> Self {
        CurveConfig::Stairstep {
            step_s: 90,
            cut: 0.99,
        }
    }
}

/// A keeper: capital, the gas price above which it stops bidding, and the discount to
/// the market it wants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeeperConfig {
    /// FUSD it holds to pay for collateral.
    #[schemars(range(min = 0.0))]
    pub capital_fusd: f64,
    /// Above this gas price it sends nothing.
    #[schemars(range(min = 0.0))]
    pub max_gas_gwei: f64,
    /// Discount to the ETH pool's price it requires (0.02 = buys at ≤ 98%).
    #[serde(default = "d_margin")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub min_discount: f64,
    /// How it bids in English auctions.
    #[serde(default)]
    pub strategy: KeeperStrategy,
}

/// A keeper's bidding in English auctions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeeperStrategy {
    /// Bids its valuation (market less its discount) at once, as Maker's reference
    /// `auction-keeper` with a price model does.
    #[default]
    Model,
    /// Opens with the smallest bid the contract accepts and raises only by the minimum
    /// when outbid: it wins for almost nothing when no one else is bidding.
    Lowball,
}

fn d_margin() -> f64 {
    0.02
}

/// Debt auctions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DebtAuctionConfig {
    /// FUSD raised per auction (`sump`).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub sump: f64,
    /// FUSD bidders hold to buy MKR with.
    #[schemars(range(min = 0.0))]
    pub bidders_fusd: f64,
    /// Discount to MKR's pool price at which bidders buy.
    #[serde(default = "d_discount")]
    #[schemars(range(min = 0.0, max = 0.9))]
    pub discount: f64,
    /// MKR in the MKR/USDC pool.
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub mkr_pool_mkr: f64,
    /// MKR's opening price.
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub mkr_price: f64,
    /// Seconds bad debt waits before it may be auctioned (`vow.wait`; 48 hours in March
    /// 2020).
    #[serde(default)]
    pub wait_s: u64,
}

fn d_discount() -> f64 {
    0.05
}

/// A run by holders or depositors: each block, every holder that sees distress leaves
/// with probability `base + herd × (share that left last block)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Number of holders the balance is spread over.
    #[serde(default = "d_holders")]
    #[schemars(range(min = 1, max = 1_000_000))]
    pub holders: u32,
    /// Probability per block of leaving once distressed.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub base: f64,
    /// Herding weight on the share that left last block.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub herd: f64,
    /// Distress when the watched price falls below this (FUSD holders: FUSD's pool
    /// price) or, for depositors, when utilization exceeds it.
    #[serde(default = "d_trigger")]
    pub trigger: f64,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            holders: d_holders(),
            base: 0.0,
            herd: 0.0,
            trigger: d_trigger(),
        }
    }
}

fn d_holders() -> u32 {
    100
}
fn d_trigger() -> f64 {
    0.98
}

/// The FUSD/USDC stableswap pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PegPoolConfig {
    /// FUSD and USDC each in the pool at the start.
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub each_side: f64,
    /// Amplification `A`.
    #[serde(default = "d_amp")]
    #[schemars(range(min = 1.0, max = 10_000.0))]
    pub amplification: f64,
    /// Swap fee.
    #[serde(default = "d_stable_fee")]
    #[schemars(range(min = 0.0, max = 0.05))]
    pub fee: f64,
}

fn d_amp() -> f64 {
    100.0
}
fn d_stable_fee() -> f64 {
    0.0004
}

fn d_min_profit() -> f64 {
    10.0
}

fn d_slope1() -> f64 {
    0.04
}
fn d_slope2() -> f64 {
    0.6
}
fn d_uopt() -> f64 {
    0.9
}
fn d_rf() -> f64 {
    0.1
}

fn d_pfee() -> f64 {
    0.1
}

fn d_otm() -> f64 {
    0.1
}
fn d_expiry() -> u64 {
    7 * 86_400
}
fn d_iv() -> f64 {
    0.8
}
fn d_max_iv() -> f64 {
    2.5
}
fn d_one() -> f64 {
    1.0
}
fn d_shock() -> f64 {
    0.15
}

/// A cross-protocol circuit breaker: when `when` crosses `threshold`, `action` is taken
/// on another protocol (and stays).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakerConfig {
    /// What is watched.
    pub when: BreakerSignal,
    /// The level that trips it.
    pub threshold: f64,
    /// What happens.
    pub action: BreakerAction,
}

/// A distress signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerSignal {
    /// FUSD's pool price falls below the threshold.
    FusdBelow,
    /// The CDP's uncovered bad debt exceeds the threshold (FUSD).
    CdpBadDebtAbove,
    /// The lending market's deficit exceeds the threshold (USD).
    LendingDeficitAbove,
    /// The lending market's utilization exceeds the threshold.
    LendingUtilizationAbove,
    /// ETH has fallen more than the threshold from its opening price.
    EthDrawdownAbove,
    /// The perp venue's insurance fund has fallen below this share of its opening level.
    PerpFundBelow,
}

/// A breaker's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerAction {
    /// The lending market prices FUSD at $1 from now on (a governance oracle freeze).
    LendingFixFusdPrice,
    /// The lending market freezes the FUSD reserve: no new FUSD collateral and no
    /// repay-by-selling into the peg pool; liquidations of FUSD collateral stop.
    LendingFreezeFusd,
    /// The lending market pauses withdrawals.
    LendingPauseWithdrawals,
    /// The CDP's Clipper stops new auctions (breaker level 1).
    CdpStopKicks,
    /// The options vault stops writing new options.
    VaultStopWriting,
    /// The perp venue stops refilling its insurance fund from its reserve (it keeps
    /// the reserve out of a failing system).
    PerpStopRefills,
}
