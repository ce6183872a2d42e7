//! World files: the agents and circuit breakers sections (split from `world` for
//! size; re-exported there).

use super::world::{KeeperStrategyFile, RunFile};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A circuit breaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakerFile {
    /// Name, for the failure sequence.
    pub name: String,
    /// What it watches.
    pub when: SignalFile,
    /// What it does once tripped.
    pub action: ActionFile,
}

/// A breaker's signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SignalFile {
    /// An asset's price (its pool's, for a market-priced asset) below `usd`.
    PriceBelow {
        /// The asset.
        asset: String,
        /// The level, dollars.
        #[schemars(range(min = 0.0, max = 1e10))]
        usd: f64,
    },
    /// An asset down more than `fraction` from its start.
    DrawdownAbove {
        /// The asset.
        asset: String,
        /// The fraction (0.3: down 30%).
        #[schemars(range(min = 0.0, max = 1.0))]
        fraction: f64,
    },
    /// A protocol's shortfall so far above `usd`.
    ShortfallAbove {
        /// The protocol.
        protocol: String,
        /// Dollars.
        #[schemars(range(min = 0.0, max = 1e15))]
        usd: f64,
    },
    /// A lending reserve's utilization above `level`.
    UtilizationAbove {
        /// The lending market.
        protocol: String,
        /// The reserve's asset.
        asset: String,
        /// The level (0.95: 95%).
        #[schemars(range(min = 0.0, max = 1.0))]
        level: f64,
    },
    /// A perp venue's insurance fund below `share` of its start.
    InsuranceFundBelow {
        /// The perp venue.
        protocol: String,
        /// The share (0.5: half).
        #[schemars(range(min = 0.0, max = 1.0))]
        share: f64,
    },
}

/// A breaker's action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionFile {
    /// The oracle observes `usd` from now on (a governance freeze; its delay and
    /// averaging still apply).
    FixOracle {
        /// The oracle.
        oracle: String,
        /// The price, dollars.
        #[schemars(range(min = 0.0, max = 1e10))]
        usd: f64,
    },
    /// A lending market pays no withdrawals.
    PauseWithdrawals {
        /// The lending market.
        protocol: String,
    },
    /// A lending reserve is paused (Aave v3 `setReservePause`): no liquidation repays or
    /// seizes it, nothing is withdrawn from it.
    PauseReserve {
        /// The lending market.
        protocol: String,
        /// The reserve's asset.
        asset: String,
    },
    /// A CDP starts no new collateral auctions (`clip.stopped` level 1).
    StopAuctions {
        /// The CDP.
        protocol: String,
    },
    /// An options vault writes no new epoch.
    StopWriting {
        /// The options vault.
        protocol: String,
    },
    /// A perp venue stops refilling its insurance fund (keeps its reserve out of a
    /// failing system).
    StopRefills {
        /// The perp venue.
        protocol: String,
    },
}

/// An agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentFile {
    /// Liquidates loans and sells the collateral through named venues.
    Liquidator {
        /// Name, unique in the world.
        name: String,
        /// Protocols it watches.
        #[schemars(length(min = 1))]
        protocols: Vec<String>,
        /// Capital at the start.
        #[serde(default)]
        capital: Vec<HoldingFile>,
        /// Venues it sells each seized asset through, in order (none: it keeps it).
        #[serde(default)]
        routes: Vec<RouteFile>,
        /// Least expected profit, dollars.
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 1e9))]
        min_profit_usd: f64,
        /// Gas one liquidation uses.
        #[serde(default = "gas_default")]
        #[schemars(range(min = 0, max = 100_000_000))]
        gas_per_liquidation: u64,
        /// Most liquidations per block.
        #[serde(default = "per_block_default")]
        #[schemars(range(min = 1, max = 1_000_000))]
        max_per_block: u32,
        /// It sends nothing (barks, takes, bids, liquidations) while gas is above this,
        /// gwei; no cap when absent.
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 1e6))]
        max_gas_gwei: Option<f64>,
        /// How it bids in English auctions: `valuation` (the lot's worth along its route
        /// less `min_discount`, at once) or `lowball` (the smallest step the contract
        /// accepts).
        #[serde(default)]
        strategy: KeeperStrategyFile,
        /// English auctions: the share of the lot's worth it keeps as its margin.
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 1.0))]
        min_discount: f64,
    },
    /// Holders who sell an asset into a venue while its price is below a level (a run on
    /// a stablecoin, a large holder dumping).
    Seller {
        /// Name, unique in the world.
        name: String,
        /// The asset held.
        asset: String,
        /// Where it is sold (a pool selling the asset).
        venue: String,
        /// Units held at the start.
        #[schemars(range(min = 0.0, max = 1e15))]
        holding: f64,
        /// They sell while the asset's price is below this, dollars (0: only on
        /// schedule).
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 1e10))]
        below_usd: f64,
        /// Most they sell per block while below `below_usd`, dollars.
        #[serde(default)]
        #[schemars(range(min = 0.0, max = 1e12))]
        per_block_usd: f64,
        /// Price-triggered sales not before this many seconds.
        #[serde(default)]
        #[schemars(range(max = 31_536_000))]
        from_s: u64,
        /// Sales at set times whatever the price (a large holder dumping), in time
        /// order, each at the venue's first block at or after `at_s`; out of the same
        /// holding.
        #[serde(default)]
        sales: Vec<SaleFile>,
        /// Protocols whose balance sheet they watch: they are distressed (and may run)
        /// also while one shows a loss, recognized or latent — a CDP's bad debt or
        /// under-water vaults, a lending market's deficit or under-water loans.
        #[serde(default)]
        watch: Vec<String>,
        /// They run: the holding is spread over `holders`; while the price is below
        /// `below_usd` each still in leaves with probability `base + herd × last block's
        /// share of leavers`, and only those who left sell their shares. Without it every
        /// holder sells at once.
        #[serde(default)]
        run: Option<RunFile>,
    },
    /// A reserve that buys an asset on a venue while its price is below a level (the Luna
    /// Foundation Guard defending UST; a treasury buying back) and keeps what it buys.
    Buyer {
        /// Name, unique in the world.
        name: String,
        /// The asset bought.
        asset: String,
        /// Where (a pool whose base is the asset; the reserve pays its quote asset).
        venue: String,
        /// Units of the venue's quote asset at the start.
        #[schemars(range(min = 0.0, max = 1e15))]
        capital: f64,
        /// It buys while the asset's price is below this, dollars (no higher than
        /// brings the pool to it).
        #[schemars(range(min = 0.0, max = 1e10))]
        below_usd: f64,
        /// Most it spends per block, dollars.
        #[schemars(range(min = 0.0, max = 1e12))]
        per_block_usd: f64,
        /// Not before this many seconds.
        #[serde(default)]
        #[schemars(range(max = 31_536_000))]
        from_s: u64,
    },
    /// Trades an issuer's swap: below `1 − spread` it buys the stablecoin on
    /// `stable_venue`, redeems it and sells the new share on `share_venue`; above
    /// `1 + spread` the reverse. Both pools are quoted in the same asset, its capital.
    IssuerArbitrageur {
        /// Name, unique in the world.
        name: String,
        /// The issuer (a protocol of kind `issuer`).
        protocol: String,
        /// A pool of the stablecoin.
        stable_venue: String,
        /// A pool of the share, quoted in the same asset.
        share_venue: String,
        /// Units of the pools' quote asset at the start.
        #[schemars(range(min = 0.0, max = 1e15))]
        capital: f64,
    },
    /// Bids in a CDP's debt auctions for the smallest lot it accepts (the fixed bid's
    /// worth of token at `oracle`, less `discount`) and sells what it wins along
    /// `route`.
    DebtBidder {
        /// Name, unique in the world.
        name: String,
        /// The CDP.
        protocol: String,
        /// Units of the CDP's stablecoin at the start.
        #[schemars(range(min = 0.0, max = 1e15))]
        capital: f64,
        /// The oracle pricing the governance token.
        oracle: String,
        /// How far below the oracle it wants the token.
        #[serde(default = "five_pct")]
        #[schemars(range(min = 0.0, max = 0.99))]
        discount: f64,
        /// Venues it sells the token through, in order (empty: it keeps it).
        #[serde(default)]
        route: Vec<String>,
    },
    /// Pulls one venue toward the outside market, settling the other leg outside.
    Arbitrageur {
        /// Name, unique in the world.
        name: String,
        /// The venue.
        venue: String,
        /// Most it trades per block, dollars.
        #[schemars(range(min = 0.0, max = 1e12))]
        max_trade_usd: f64,
        /// Least gap it trades on, basis points.
        #[serde(default = "ten_bps")]
        #[schemars(range(min = 0.0, max = 10_000.0))]
        threshold_bps: f64,
    },
}

fn gas_default() -> u64 {
    500_000
}
fn per_block_default() -> u32 {
    100
}
fn ten_bps() -> f64 {
    10.0
}

/// An amount of an asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldingFile {
    /// Asset.
    pub asset: String,
    /// Units.
    #[schemars(range(min = 0.0, max = 1e15))]
    pub amount: f64,
}

/// A CDP's debt auctions (Maker's `flop.sol` and `vow.sol`; defaults are Maker's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DebtAuctionFile {
    /// The governance token minted (an asset; MKR).
    pub token: String,
    /// Stablecoin raised per auction (`vow.sump`; 50,000 DAI in 2020).
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1e15))]
    pub sump: f64,
    /// Token offered at the start (`vow.dump`; 250 MKR in 2020).
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1e15))]
    pub dump: f64,
    /// Each bid's lot at most the previous over this (`beg`).
    #[serde(default = "flop_beg")]
    #[schemars(range(min = 1.0, max = 2.0))]
    pub beg: f64,
    /// An auction ending with no bid restarts with its lot times this (`pad`).
    #[serde(default = "flop_pad")]
    #[schemars(range(min = 1.0, max = 10.0))]
    pub pad: f64,
    /// A bid wins this long after it was placed, seconds (`ttl`).
    #[serde(default = "three_hours")]
    #[schemars(range(min = 1, max = 31_536_000))]
    pub ttl_s: u64,
    /// An auction ends this long after its kick, seconds (`tau`).
    #[serde(default = "two_days")]
    #[schemars(range(min = 1, max = 31_536_000))]
    pub tau_s: u64,
    /// Barked debt waits this long before it may be auctioned, seconds (`vow.wait`;
    /// 48 hours in March 2020).
    #[serde(default)]
    #[schemars(range(max = 31_536_000))]
    pub wait_s: u64,
}

fn five_pct() -> f64 {
    0.05
}
fn flop_beg() -> f64 {
    1.05
}
fn flop_pad() -> f64 {
    1.5
}
fn three_hours() -> u64 {
    10_800
}
fn two_days() -> u64 {
    172_800
}

/// A sale at a set time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleFile {
    /// Seconds from the start.
    #[schemars(range(max = 31_536_000))]
    pub at_s: u64,
    /// Units sold.
    #[schemars(extend("exclusiveMinimum" = 0.0), range(max = 1e15))]
    pub amount: f64,
}

/// A route for one seized asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteFile {
    /// The asset sold.
    pub asset: String,
    /// Venues, in order.
    #[schemars(length(min = 1))]
    pub venues: Vec<String>,
}
