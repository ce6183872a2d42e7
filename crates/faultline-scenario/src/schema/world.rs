//! The world file format, version 2: named assets, chains, venues, oracles, protocols
//! and agents, in any number, referring to each other by name.
//!
//! Amounts are in units of their asset (`1.5` WETH), dollars carry `_usd`, fractions are
//! decimals (`0.8` is 80%), fees carry `_bps`, durations their unit.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::world_agents::*;
pub use super::world_perp::*;

/// A world: any number of assets, chains, venues, oracles, protocols and agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorldFile {
    /// Schema version: 2 for world files.
    #[schemars(range(min = 2, max = 2))]
    pub schema_version: u32,
    /// Short name shown in outputs.
    pub name: String,
    /// What the world is meant to show.
    #[serde(default)]
    pub description: String,
    /// Default seed; `--seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// Simulated time, seconds.
    #[schemars(range(min = 1, max = 31_536_000))]
    pub duration_s: u64,
    /// Length of one tick of the world clock, ms (every chain's block time must be a
    /// multiple). Default: the shortest chain block time.
    #[serde(default)]
    #[schemars(range(min = 1, max = 86_400_000))]
    pub tick_ms: Option<u64>,
    /// Assets (none in a one-venue world, whose prices are the venue's markets').
    #[serde(default)]
    pub asset: Vec<AssetFile>,
    /// Chains.
    #[serde(default)]
    pub chain: Vec<ChainFile>,
    /// Venues (AMM pools).
    #[serde(default)]
    pub venue: Vec<VenueFile>,
    /// Oracles.
    #[serde(default)]
    pub oracle: Vec<OracleFile>,
    /// Protocols.
    #[serde(default)]
    pub protocol: Vec<ProtocolFile>,
    /// Agents.
    #[serde(default)]
    pub agent: Vec<AgentFile>,
    /// Circuit breakers across protocols: a signal read at the start of every tick and
    /// an action taken, once it crosses, for the rest of the run.
    #[serde(default)]
    pub breaker: Vec<BreakerFile>,
}

/// An asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetFile {
    /// Symbol, unique in the world (e.g. `WETH`).
    pub name: String,
    /// Decimals of one unit (6 for USDC, 18 for WETH).
    #[schemars(range(min = 0, max = 24))]
    pub decimals: u8,
    /// Its price on markets outside the world.
    pub price: PriceFile,
}

/// Where an asset's outside-market price comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PriceFile {
    /// Geometric Brownian motion with optional Student-t innovations and gaps.
    Gbm {
        /// Price at the start, dollars.
        #[schemars(range(min = 1e-8, max = 1e10))]
        initial: f64,
        /// Annual volatility (0.8 is 80%).
        #[schemars(range(min = 0.0, max = 20.0))]
        volatility_annual: f64,
        /// Annual drift.
        #[serde(default)]
        #[schemars(range(min = -10.0, max = 10.0))]
        drift_annual: f64,
        /// Student-t degrees of freedom (> 2) for fat tails; normal when absent.
        #[serde(default)]
        #[schemars(range(min = 2.01, max = 1000.0))]
        student_t_dof: Option<f64>,
        /// Scheduled gaps.
        #[serde(default)]
        gaps: Vec<GapFile>,
    },
    /// Real candles from a data file, resampled to the world's ticks: inside a bar the
    /// price runs open → first extreme → second extreme → close at thirds of the bar,
    /// so ticks shorter than a bar see its range. The file must cover the run unless
    /// `hold_after_end` says to hold its last close.
    Replay {
        /// The data file, relative to this one.
        file: String,
        /// Its layout.
        format: ReplayFormatFile,
        /// UTC time of tick 0 (YYYY-MM-DDTHH:MM:SSZ); the first bar when absent.
        #[serde(default)]
        start: Option<String>,
        /// Clip closes more than 25% from the median of the 7 bars on each side (a
        /// one-bar wick never becomes a tradable price).
        #[serde(default = "yes")]
        filter_bad_prints: bool,
        /// Hold the last close when the file ends before the run (a stated assumption).
        #[serde(default)]
        hold_after_end: bool,
        /// Scheduled gaps on top of the replay.
        #[serde(default)]
        gaps: Vec<GapFile>,
    },
    /// A fixed price.
    Peg {
        /// Dollars.
        #[schemars(range(min = 1e-8, max = 1e10))]
        price: f64,
    },
    /// Whatever a venue says: an asset issued by a protocol (a CDP's stablecoin) has no
    /// outside market; its price is the mid of a pool that sells it, in dollars.
    Market {
        /// The pool (its base must be this asset).
        venue: String,
        /// The price assumed for default pool reserves (1.0 for a stablecoin).
        #[serde(default = "one")]
        #[schemars(range(min = 1e-8, max = 1e10))]
        initial: f64,
    },
    /// A fixed multiple of another asset's price (a liquid staking or wrapped token).
    Tracks {
        /// The asset followed (declared earlier).
        asset: String,
        /// Units of that asset per unit of this one.
        #[schemars(range(min = 1e-9, max = 1e9))]
        ratio: f64,
    },
}

/// A jump in the price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GapFile {
    /// When, seconds from the start.
    #[schemars(range(max = 31_536_000))]
    pub at_s: u64,
    /// Relative move (−0.3 is a 30% drop).
    #[schemars(range(min = -0.99, max = 10.0))]
    pub fraction: f64,
}

/// A chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainFile {
    /// Name, unique in the world.
    pub name: String,
    /// Block time, ms (a multiple of the tick).
    #[schemars(range(min = 1, max = 86_400_000))]
    pub block_time_ms: u64,
    /// The asset gas is paid in (required when gas costs anything).
    #[serde(default)]
    pub gas_asset: Option<String>,
    /// Gas price outside spikes, gwei.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e6))]
    pub gas_price_gwei: f64,
    /// The engine's mempool and EIP-1559 gas market (one-venue worlds): the venue's
    /// oracle updates and liquidations become transactions that compete for block space.
    #[serde(default)]
    pub mempool: Option<crate::schema::ChainSpec>,
    /// Periods of congestion.
    #[serde(default)]
    pub gas_spike: Vec<GasSpikeFile>,
    /// Real gas prices, one value held per tick until the next point (spikes still
    /// apply on top).
    #[serde(default)]
    pub gas_replay: Option<GasReplayFile>,
}

/// Layouts of candle files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplayFormatFile {
    /// Binance kline CSV (data.binance.vision layout).
    BinanceKlines,
    /// 1-minute OHLCV CSV with `minute_start_ms, open, high, low, close`.
    MinuteOhlcv,
    /// CoinAPI OHLCV JSON.
    CoinapiJson,
}

fn yes() -> bool {
    true
}

/// A replayed gas-price series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasReplayFile {
    /// A JSON file `{"data": [{"timestamp": ISO, <column>: wei}, …]}` (StableSims'
    /// feeds), relative to this one.
    pub file: String,
    /// The column read (e.g. `avgGasDay`).
    pub column: String,
    /// UTC time of tick 0; the first point when absent.
    #[serde(default)]
    pub start: Option<String>,
    /// Hold the last value when the series ends before the run (a stated assumption).
    #[serde(default)]
    pub hold_after_end: bool,
}

/// A period of high gas prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GasSpikeFile {
    /// Start, seconds.
    #[schemars(range(max = 31_536_000))]
    pub start_s: u64,
    /// End (exclusive), seconds.
    #[schemars(range(max = 31_536_000))]
    pub end_s: u64,
    /// Gas price during the spike, gwei.
    #[schemars(range(min = 0.0, max = 1e7))]
    pub gas_price_gwei: f64,
}

/// An AMM pool trading `base` for `quote`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueFile {
    /// Name, unique in the world.
    pub name: String,
    /// The chain it lives on; off-chain (every tick) when absent.
    #[serde(default)]
    pub chain: Option<String>,
    /// Asset sold.
    pub base: String,
    /// Asset paid.
    pub quote: String,
    /// `constant_product` (Uniswap v2) or `stableswap` (Curve).
    pub curve: CurveFile,
    /// Fee on the input, basis points (30 = 0.3%).
    #[schemars(range(min = 0.0, max = 5000.0))]
    pub fee_bps: f64,
    /// Base reserve at the start, units.
    #[schemars(range(min = 1e-6, max = 1e15))]
    pub base_reserve: f64,
    /// Quote reserve at the start, units. Default: the base reserve's value at the
    /// outside market (times the stableswap rate).
    #[serde(default)]
    #[schemars(range(min = 1e-6, max = 1e15))]
    pub quote_reserve: Option<f64>,
}

/// A pool's pricing curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CurveFile {
    /// `x · y = k`.
    ConstantProduct,
    /// Curve stableswap.
    Stableswap {
        /// The contract's `A`.
        #[schemars(range(min = 1, max = 100_000))]
        amplification: u64,
        /// Quote units per base unit at the peg (1.0 for two dollar coins).
        #[serde(default = "one")]
        #[schemars(range(min = 1e-6, max = 1e6))]
        rate: f64,
    },
}

fn one() -> f64 {
    1.0
}

/// An oracle publishing one asset's dollar price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OracleFile {
    /// Name, unique in the world.
    pub name: String,
    /// The asset priced.
    pub asset: String,
    /// The chain it publishes on; every tick when absent.
    #[serde(default)]
    pub chain: Option<String>,
    /// Sources, aggregated by median: venue names (a venue trading the asset as base,
    /// its mid turned into dollars at the quote's outside price), `reference`, or `par`
    /// ($1, hard-coded, as protocols that price a stablecoin at par).
    #[schemars(length(min = 1))]
    pub sources: Vec<String>,
    /// Blocks of its chain between observation and publication (Maker's OSM: one hour).
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub delay_blocks: u32,
    /// Blocks averaged (1 = spot).
    #[serde(default = "one_u32")]
    #[schemars(range(min = 1, max = 100_000))]
    pub twap_blocks: u32,
    /// Publish at least every this many blocks (every block when absent).
    #[serde(default)]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub heartbeat_blocks: Option<u64>,
    /// Publish when the value moved this much, basis points.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10_000.0))]
    pub deviation_bps: Option<f64>,
    /// Windows in which a faulty source dominates and the oracle observes a wrong price
    /// (Compound's DAI feed at $1.30 on 2020-11-26); delay and averaging still apply.
    #[serde(default)]
    pub misprice: Vec<MispriceFile>,
}

/// A window of a wrong observed price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MispriceFile {
    /// From this many seconds after the start.
    #[schemars(range(min = 0, max = 100_000_000))]
    pub from_s: u64,
    /// Until this many seconds after the start (exclusive).
    #[schemars(range(min = 0, max = 100_000_000))]
    pub to_s: u64,
    /// The price observed, dollars.
    #[schemars(range(min = 1e-12, max = 1e12))]
    pub price: f64,
}

fn one_u32() -> u32 {
    1
}

/// A protocol instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProtocolFile {
    /// An Aave v3-like lending market.
    Lending {
        /// Name, unique in the world.
        name: String,
        /// The chain it runs on.
        chain: String,
        /// Share of the liquidation bonus kept by the treasury (Aave: 0.1).
        #[serde(default = "ten_pct")]
        #[schemars(range(min = 0.0, max = 1.0))]
        liquidation_protocol_fee: f64,
        /// A fixed close factor, as Compound v2's `closeFactorMantissa` (0.5 in 2020):
        /// each call repays at most this share of the borrow, whatever the health
        /// factor, and no dust rule applies. Absent: Aave v3.3's rule (50% above HF
        /// 0.95 for positions of $2,000 or more, else all; no call may leave under
        /// $1,000).
        #[serde(default)]
        #[schemars(range(min = 0.01, max = 1.0))]
        close_factor: Option<f64>,
        /// Reserves.
        #[schemars(length(min = 1))]
        reserve: Vec<ReserveFile>,
        /// Borrower populations.
        #[serde(default)]
        borrowers: Vec<BorrowersFile>,
        /// A fund outside the reserves that covers deficits after the treasury's accrued
        /// claims (Aave's Safety Module, later Umbrella): it pays a deficit in an asset
        /// it holds, and sells its other holdings on their pools for it.
        #[serde(default)]
        reserve_fund: Vec<FundFile>,
    },
    /// An algorithmic stablecoin backed only by a swap against its issuer's share token
    /// (Terra's market module): one stablecoin for a dollar of newly minted share at the
    /// share's oracle price, or the reverse, less `spread`, at most `capacity_per_block`
    /// stablecoins a block. Every unit of the stablecoin that exists at the start counts
    /// as issued by it; `issuer_arbitrageur` agents trade the swap.
    Issuer {
        /// Name, unique in the world.
        name: String,
        /// The chain it runs on.
        chain: String,
        /// The stablecoin (an asset priced `kind = "market"`).
        stablecoin: String,
        /// The share token minted and burned against it (any price origin).
        share: String,
        /// The oracle pricing the share for swaps.
        share_oracle: String,
        /// What the swap keeps (Terra's `MinStabilitySpread`: 0.005).
        #[serde(default = "half_pct")]
        #[schemars(range(min = 0.0, max = 0.5))]
        spread: f64,
        /// Most stablecoin units swapped per block of its chain, both ways together.
        #[schemars(range(min = 0.0, max = 1e15))]
        capacity_per_block: f64,
        /// From this many seconds on nothing is swapped (the chain was halted).
        #[serde(default)]
        #[schemars(range(max = 31_536_000))]
        halt_at_s: Option<u64>,
    },
    /// An options vault (Ribbon-style Theta Vault): each epoch it writes cash-secured puts
    /// or covered calls at `otm` from its oracle price, sells them to buyers at the
    /// Black–Scholes price at its realized volatility (held between `implied_vol` and
    /// `max_implied_vol`), settles in cash at expiry, and buys options back at 2% over the
    /// model price when its equity falls below the delta-gamma loss of a `margin_shock`
    /// move.
    OptionsVault {
        /// Name, unique in the world.
        name: String,
        /// The chain it runs on.
        chain: String,
        /// `put` (collateral: `cash`) or `call` (collateral: `underlying`).
        option: OptionFile,
        /// The asset the options are on.
        underlying: String,
        /// The oracle pricing it (strikes, marks, settlement).
        oracle: String,
        /// The asset premiums and settlements are paid in (priced `peg`).
        cash: String,
        /// Collateral at the start: units of `cash` (puts) or of `underlying` (calls).
        #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1e15))]
        deposits: f64,
        /// Strike distance from spot (0.1: 10% out of the money).
        #[serde(default = "ten_pct")]
        #[schemars(range(min = 0.0, max = 0.9))]
        otm: f64,
        /// Epoch length, seconds.
        #[serde(default = "a_week")]
        #[schemars(range(min = 60, max = 31_536_000))]
        expiry_s: u64,
        /// Volatility floor it prices at.
        #[serde(default = "eighty_pct")]
        #[schemars(range(min = 0.01, max = 10.0))]
        implied_vol: f64,
        /// Volatility cap (one gap annualizes to an absurd realized volatility).
        #[serde(default = "max_iv")]
        #[schemars(range(min = 0.01, max = 20.0))]
        max_implied_vol: f64,
        /// Collateral per option's maximum payoff (1: fully secured; 0.5 writes twice as
        /// many).
        #[serde(default = "one")]
        #[schemars(range(min = 0.05, max = 1.0))]
        collateral_ratio: f64,
        /// The move its greeks margin must survive (0: no margin).
        #[serde(default = "fifteen_pct")]
        #[schemars(range(min = 0.0, max = 1.0))]
        margin_shock: f64,
        /// A lending market that holds `share` of its idle cash (puts only); it must
        /// withdraw from there, cash permitting, to pay.
        #[serde(default)]
        lend: Option<LendFile>,
        /// Where a call vault sells the underlying for cash when it must pay (a pool of
        /// the underlying against `cash`).
        #[serde(default)]
        sell_on: Option<String>,
    },
    /// A Maker-like CDP stablecoin under Liquidations 2.0.
    Cdp {
        /// Name, unique in the world.
        name: String,
        /// The chain it runs on.
        chain: String,
        /// The stablecoin it issues (an asset priced `kind = "market"`).
        stablecoin: String,
        /// Most debt in auction across collateral types (`dog.Hole`), stablecoin units.
        #[schemars(range(min = 0.0, max = 1e15))]
        hole: f64,
        /// Collateral types.
        #[schemars(length(min = 1))]
        ilk: Vec<IlkFile>,
        /// Vault populations.
        #[serde(default)]
        vaults: Vec<VaultsFile>,
        /// Vault owners defend the peg on a pool: above `1 + band` they draw debt (each
        /// vault down to `min_collateralization`) and sell it there, below `1 − band`
        /// they buy the stablecoin there and repay; at most `per_block_usd` a block.
        #[serde(default)]
        peg_defence: Option<PegDefenceFile>,
        /// Debt auctions (`flop.sol`): bad debt the surplus cannot cover is sold, `sump`
        /// at a time, for newly minted governance token.
        #[serde(default)]
        debt_auction: Option<DebtAuctionFile>,
    },
    /// A perpetual-futures venue (the clearing house): markets, accounts, margin,
    /// funding, liquidation, insurance fund, ADL and mitigations, written inline
    /// (`venue`, `market`, `account`, ...) or in a venue `file`. A world whose only
    /// section is one perp venue is a one-venue world; in a world with assets, the
    /// venue's `bind` markets take their reference, oracle and hedging from it.
    Perp {
        /// Name, unique in the world.
        name: String,
        /// The chain it runs on: the venue steps once per block of it.
        chain: String,
        /// A venue file (a one-venue world or a version-1 scenario), relative to this
        /// file, instead of the inline sections below. Its block time must be the
        /// chain's, it must cover the world's duration and declare no mempool.
        #[serde(default)]
        file: Option<String>,
        /// The asset margin and the insurance fund are held in (6 decimals or more);
        /// required when the world declares assets.
        #[serde(default)]
        collateral: Option<String>,
        /// Markets bound to the world: their reference is a world asset's price, their
        /// index a world oracle (required when the world declares assets).
        #[serde(default)]
        bind: Vec<PerpMarketFile>,
        /// Venue-wide settings: insurance fund, liquidity provider, mark price, deficit
        /// policy, top-ups, backstop (inline form).
        #[serde(default)]
        venue: Option<Box<crate::schema::VenueSpec>>,
        /// The venue's own oracle: the book's mid delayed by some blocks (inline form;
        /// bound markets read their world oracle instead).
        #[serde(default)]
        oracle: Option<Box<crate::schema::OracleSpec>>,
        /// The perpetual markets (inline form: at least one).
        #[serde(default)]
        market: Vec<crate::schema::MarketSpec>,
        /// Explicit accounts.
        #[serde(default)]
        account: Vec<crate::schema::AccountSpec>,
        /// Populations of traders drawn from distributions with the run's seed.
        #[serde(default)]
        population: Vec<crate::schema::PopulationSpec>,
        /// Correlation of the markets' reference prices (generated ones only).
        #[serde(default)]
        correlation: Option<Box<crate::schema::CorrelationSpec>>,
        /// Scheduled faults.
        #[serde(default)]
        fault: Vec<crate::schema::FaultSpec>,
        /// Competing liquidators (default: one that acts at once with unlimited capacity).
        #[serde(default)]
        liquidator: Vec<crate::schema::LiquidatorSpec>,
        /// Assets accepted as margin besides `collateral`, each with a haircut (cross
        /// accounts only; seized at liquidation and sold on `sell_on`).
        #[serde(default)]
        accepts: Vec<PerpCollateralFile>,
        /// A reserve of the insurance fund in another asset: converted at its oracle
        /// value less a haircut when a loss exceeds the fund's quote, and sold on
        /// `sell_on` the same block.
        #[serde(default)]
        insurance_reserve: Option<Box<InsuranceReserveFile>>,
        /// Refill the insurance fund from the venue's treasury when it falls below
        /// `below` of its opening level: up to `per_block` units of `collateral` a block,
        /// from `cash`, then from a deposit of `lend.amount` in a lending market.
        #[serde(default)]
        refill: Option<Box<RefillFile>>,
    },
}

fn ten_pct() -> f64 {
    0.1
}
fn half_pct() -> f64 {
    0.005
}
fn a_week() -> u64 {
    7 * 86_400
}
fn eighty_pct() -> f64 {
    0.8
}
fn max_iv() -> f64 {
    2.5
}
fn fifteen_pct() -> f64 {
    0.15
}

/// Puts or calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OptionFile {
    /// Cash-secured puts.
    Put,
    /// Covered calls.
    Call,
}

/// A deposit kept in a lending market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LendFile {
    /// The lending market (it must list the cash asset).
    pub protocol: String,
    /// Share of idle cash deposited after each write.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub share: f64,
}

/// A CDP collateral type (`ilk`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IlkFile {
    /// The collateral asset.
    pub asset: String,
    /// The oracle pricing it (Maker: an OSM, `delay_blocks` of one hour).
    pub oracle: String,
    /// Liquidation ratio `mat` (1.5 is 150%).
    #[schemars(range(min = 1.0, max = 10.0))]
    pub liquidation_ratio: f64,
    /// Liquidation penalty (0.13 is 13%; `chop` = 1.13).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub penalty: f64,
    /// Auction start over the oracle (`buf`, 1.2 is 120%).
    #[serde(default = "buf_default")]
    #[schemars(range(min = 1.0, max = 10.0))]
    pub buf: f64,
    /// Seconds before an auction must be reset (`tail`).
    #[serde(default = "tail_default")]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub tail_s: u64,
    /// Share of the start price below which it must be reset (`cusp`).
    #[serde(default = "cusp_default")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub cusp: f64,
    /// Price curve (Dutch, Liquidations 2.0) or `english` (Liquidations 1.2's `flip`).
    pub curve: AuctionCurveFile,
    /// English auctions: most collateral in one auction (`cat.lump`), units; the whole
    /// vault when absent.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e15))]
    pub lump: Option<f64>,
    /// Most debt in auction for this collateral (`ilk.hole`), stablecoin units.
    #[schemars(range(min = 0.0, max = 1e15))]
    pub hole: f64,
    /// Flat keeper reward, stablecoin units (`tip`).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e9))]
    pub tip: f64,
    /// Proportional keeper reward on the tab (`chip`, 0.001 is 0.1%).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 0.1))]
    pub chip: f64,
    /// Stability fee per year (`jug`'s `duty`, compounded per second; 0.02 is 2%),
    /// accrued to the surplus buffer every block.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub stability_fee: f64,
}

fn buf_default() -> f64 {
    1.2
}
fn tail_default() -> u64 {
    8_400
}
fn cusp_default() -> f64 {
    0.4
}

/// A Dutch auction's price curve (`abaci.sol`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuctionCurveFile {
    /// `LinearDecrease`: to zero in `tau_s` seconds.
    Linear {
        /// Seconds to zero.
        #[schemars(range(min = 1, max = 10_000_000))]
        tau_s: u64,
    },
    /// `StairstepExponentialDecrease`: × `cut` every `step_s` seconds.
    Stairstep {
        /// Seconds per step.
        #[schemars(range(min = 1, max = 1_000_000))]
        step_s: u64,
        /// Multiplier per step (0.99).
        #[schemars(range(min = 0.0, max = 1.0))]
        cut: f64,
    },
    /// Not a price curve: Liquidations 1.2's English auction (`flip.sol`). Keepers
    /// raise bids for the lot, then lower the lot for the tab, each step at least `beg`;
    /// a bid wins `ttl_s` after it was placed or at the auction's end, `tau_s` after the
    /// bite. `buf`, `tail_s`, `cusp`, `tip` and `chip` do not apply.
    English {
        /// Seconds a standing bid must go unbeaten (`ttl`; 600 on 2020-03-12).
        #[schemars(range(min = 1, max = 10_000_000))]
        ttl_s: u64,
        /// Seconds from the bite to the end (`tau`; three days on 2020-03-12).
        #[schemars(range(min = 1, max = 100_000_000))]
        tau_s: u64,
        /// Minimum step between bids (0.03 is 3%).
        #[schemars(range(min = 0.0, max = 1.0))]
        beg: f64,
    },
}

/// Vault owners' peg defence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PegDefenceFile {
    /// The pool (the stablecoin against an asset priced outside the world).
    pub venue: String,
    /// They act when the stablecoin is further than this from $1 (0.01 is 1%).
    #[schemars(range(min = 0.0, max = 0.5))]
    pub band: f64,
    /// Most they trade in one block, dollars.
    #[schemars(range(min = 0.0, max = 1e12))]
    pub per_block_usd: f64,
    /// They draw only while a vault stays at or above this collateralization (2.0 is
    /// 200%); at least the ilk's liquidation ratio.
    #[schemars(range(min = 1.0, max = 100.0))]
    pub min_collateralization: f64,
}

/// How a keeper bids in English auctions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeeperStrategyFile {
    /// Its valuation at once.
    #[default]
    Valuation,
    /// The smallest bid the contract accepts, raised only by the minimum step.
    Lowball,
}

/// A population of CDP vaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultsFile {
    /// The collateral asset (one of the CDP's ilks).
    pub ilk: String,
    /// How many.
    #[schemars(range(min = 1, max = 10_000_000))]
    pub count: u32,
    /// Collateral value per vault, dollars: `[low, high]`, log-uniform.
    pub collateral_value_usd: [f64; 2],
    /// Collateral over debt at the start: `[low, high]`, uniform (low ≥ the ilk's ratio).
    pub collateralization: [f64; 2],
}

/// A lending reserve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveFile {
    /// The asset.
    pub asset: String,
    /// The oracle pricing it.
    pub oracle: String,
    /// Loan-to-value (0.8).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 0.99))]
    pub ltv: f64,
    /// Liquidation threshold (0.83).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 0.99))]
    pub liquidation_threshold: f64,
    /// Liquidation bonus (0.05 is 5%).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 0.5))]
    pub liquidation_bonus: f64,
    /// May be posted as collateral.
    #[serde(default)]
    pub collateral: bool,
    /// May be borrowed.
    #[serde(default)]
    pub borrowable: bool,
    /// Supplied by depositors at the start, units.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e15))]
    pub supplied: f64,
    /// Interest-rate curve.
    #[serde(default)]
    pub rate: RateFile,
    /// Share of interest to the treasury.
    #[serde(default = "ten_pct")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub reserve_factor: f64,
    /// The depositors run: `supplied` is spread over `holders`; once the market shows a
    /// deficit, a loan under water or utilization past `utilization_trigger`, each
    /// leaves with probability `base + herd × last block's share of leavers` and
    /// withdraws from cash as far as it goes.
    #[serde(default)]
    pub run: Option<RunFile>,
    /// Most the reserve may hold supplied — deposits, collateral and the treasury's
    /// share — in units (Aave v3 `supplyCap`); borrowers whose collateral does not fit
    /// are refused at the start, other protocols' deposits are cut to fit.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e15))]
    pub supply_cap: Option<f64>,
    /// Most that may be borrowed from it, units (`borrowCap`); borrowers whose debt
    /// does not fit are refused at the start.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e15))]
    pub borrow_cap: Option<f64>,
}

/// What a lending market's reserve fund holds of one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FundFile {
    /// The asset.
    pub asset: String,
    /// Units at the start.
    #[schemars(range(min = 0.0, max = 1e15))]
    pub amount: f64,
    /// A pool trading it against a reserve's asset, sold on to cover that reserve's
    /// deficit (absent: it pays only a deficit in its own asset).
    #[serde(default)]
    pub sell_on: Option<String>,
}

/// How a reserve's depositors run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    /// Equal shares the supply or holding is spread over.
    #[serde(default = "ten_thousand")]
    #[schemars(range(min = 1, max = 1_000_000))]
    pub holders: u32,
    /// Probability per block of leaving once distressed.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub base: f64,
    /// Weight on last block's share of leavers.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub herd: f64,
    /// Lending reserves only: utilization above which depositors are distressed (0.99
    /// when absent).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub utilization_trigger: Option<f64>,
}

fn ten_thousand() -> u32 {
    10_000
}

/// A kinked borrow-rate curve, annual rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateFile {
    /// At zero utilization.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub base: f64,
    /// Added up to the kink.
    #[schemars(range(min = 0.0, max = 10.0))]
    pub slope1: f64,
    /// Added from the kink to 100%.
    #[schemars(range(min = 0.0, max = 100.0))]
    pub slope2: f64,
    /// The kink.
    #[schemars(range(min = 0.01, max = 0.99))]
    pub optimal_utilization: f64,
}

impl Default for RateFile {
    fn default() -> Self {
        Self {
            base: 0.0,
            slope1: 0.04,
            slope2: 0.6,
            optimal_utilization: 0.9,
        }
    }
}

/// A population of borrowers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BorrowersFile {
    /// How many (not with `debts`).
    #[serde(default)]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub count: Option<u32>,
    /// Collateral assets and their shares of each borrower's collateral (sum 1).
    #[schemars(length(min = 1))]
    pub collateral: Vec<ShareFile>,
    /// The asset borrowed.
    pub debt: String,
    /// Collateral value per borrower, dollars: `[low, high]`, drawn log-uniformly (not
    /// with `debts`).
    #[serde(default)]
    pub collateral_value_usd: Option<[f64; 2]>,
    /// Health factor at the start: `[low, high]`, drawn uniformly (capped by the LTV).
    pub health_factor: [f64; 2],
    /// Each borrower's debt from a CSV file (one borrower per row, units of the debt
    /// asset), in place of `count` and `collateral_value_usd`: real positions.
    #[serde(default)]
    pub debts: Option<ColumnFile>,
    /// Rate-sensitive borrowers: when the rate on their debt passes `above_rate` (a
    /// year's rate) they sell their collateral along `route` and repay, if the sale
    /// covers the debt.
    #[serde(default)]
    pub repay: Option<RepayFile>,
}

/// When rate-sensitive borrowers close their loans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepayFile {
    /// The borrow rate per year above which they close (0.3: 30%).
    #[schemars(range(min = 0.0, max = 100.0))]
    pub above_rate: f64,
    /// Venues their collateral is sold through, in order, into the debt asset.
    #[schemars(length(min = 1))]
    pub route: Vec<String>,
}

/// One numeric column of a CSV file with a header row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnFile {
    /// The file, relative to this one.
    pub file: String,
    /// The column's header.
    pub column: String,
}

/// An asset's share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareFile {
    /// Asset.
    pub asset: String,
    /// Share (0.7 is 70%).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub share: f64,
}
