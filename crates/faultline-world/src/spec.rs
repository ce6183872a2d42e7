//! A world's parameters, resolved: names turned into ids, fractions into fixed point.
//! `faultline-scenario` builds a [`WorldSpec`] from a scenario file after validating it;
//! tests build them directly.

use faultline_engine::oracle::OracleParams;
use faultline_engine::process::{Gap, ProcessSpec};
use faultline_units::{Amount, AssetId, Ppm, Price, Value};

/// A chain: a dense index into the world's chain table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainId(pub u16);
/// A venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VenueId(pub u16);
/// An oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OracleId(pub u16);
/// A protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolId(pub u16);

macro_rules! index_of {
    ($($t:ty),*) => {$(
        impl $t {
            /// The id as a `Vec` index.
            pub fn index(self) -> usize {
                usize::from(self.0)
            }
        }
    )*};
}
index_of!(ChainId, VenueId, OracleId, ProtocolId);

/// Everything a world is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldSpec {
    /// Name, for reports.
    pub name: String,
    /// Length of one tick of the world clock; every chain's block time is a multiple.
    pub tick_ms: u64,
    /// Ticks to run.
    pub ticks: u64,
    /// Assets in id order.
    pub assets: Vec<AssetSpec>,
    /// Chains in id order.
    pub chains: Vec<ChainSpec>,
    /// Venues in id order.
    pub venues: Vec<VenueSpec>,
    /// Oracles in id order.
    pub oracles: Vec<OracleSpec>,
    /// Protocols in id order (also the order they act in within a block).
    pub protocols: Vec<ProtocolSpec>,
    /// Agents in file order.
    pub agents: Vec<AgentSpec>,
    /// Circuit breakers, in file order.
    pub breakers: Vec<crate::breaker::BreakerSpec>,
}

/// An asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetSpec {
    /// Symbol.
    pub name: String,
    /// Decimals of one unit.
    pub decimals: u8,
    /// Where its outside-world (reference) price comes from.
    pub price: PriceOrigin,
}

/// How an asset's reference price is made: the price on markets outside the world,
/// which arbitrageurs pull the world's venues toward.
#[derive(Debug, Clone, PartialEq)]
pub enum PriceOrigin {
    /// A stochastic process or a replay (one price per tick), with scheduled gaps.
    Process {
        /// The process.
        process: ProcessSpec,
        /// Gaps by tick.
        gaps: Vec<Gap>,
    },
    /// A fixed price.
    Peg(f64),
    /// Whatever a named venue says: an asset issued by a protocol (a stablecoin) has no
    /// outside market; its price is its pool's mid, in dollars at the quote's price.
    Market {
        /// The venue (its base is this asset).
        venue: VenueId,
        /// The price assumed before the venue exists (for default pool reserves).
        initial: f64,
    },
    /// A fixed multiple of another asset's reference (a liquid staking token, a wrapped
    /// asset).
    Tracks {
        /// The asset followed (declared earlier).
        asset: AssetId,
        /// Units of that asset per unit of this one.
        ratio: f64,
    },
}

/// A chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainSpec {
    /// Name.
    pub name: String,
    /// Block length, a multiple of the tick.
    pub block_time_ms: u64,
    /// The asset gas is paid in.
    pub gas_asset: AssetId,
    /// Gas price outside spikes, wei per gas unit.
    pub gas_price_wei: u128,
    /// Scheduled congestion.
    pub gas_spikes: Vec<GasSpike>,
    /// Replayed gas prices by tick, wei per gas unit (empty: `gas_price_wei`).
    pub gas_path_wei: Vec<u128>,
}

/// A period of high gas prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GasSpike {
    /// First tick of the spike.
    pub start_tick: u64,
    /// First tick after it.
    pub end_tick: u64,
    /// Gas price during the spike, wei per gas unit.
    pub gas_price_wei: u128,
}

/// A venue: an AMM pool trading a pair.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueSpec {
    /// Name.
    pub name: String,
    /// The chain it lives on (`None`: off-chain, trades every tick).
    pub chain: Option<ChainId>,
    /// Asset sold.
    pub base: AssetId,
    /// Asset paid.
    pub quote: AssetId,
    /// Pricing curve.
    pub curve: crate::pool::Curve,
    /// Fee on the input, parts per million.
    pub fee_ppm: u32,
    /// Base reserve at the start, atoms.
    pub base_reserve: i128,
    /// Quote reserve at the start, atoms.
    pub quote_reserve: i128,
}

/// Where an oracle reads a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleSource {
    /// A venue's mid, turned into dollars at the quote asset's reference price.
    Venue(VenueId),
    /// The asset's reference price (markets outside the world).
    Reference,
    /// $1, hard-coded (protocols that price a stablecoin at par).
    Par,
}

/// An oracle: a price of one asset in dollars, updated when its chain produces a block.
#[derive(Debug, Clone, PartialEq)]
pub struct OracleSpec {
    /// Name.
    pub name: String,
    /// The asset priced.
    pub asset: AssetId,
    /// The chain it publishes on (`None`: every tick).
    pub chain: Option<ChainId>,
    /// Sources, aggregated by median.
    pub sources: Vec<OracleSource>,
    /// Aggregation, delay, heartbeat and deviation, in blocks of its chain (the
    /// engine's oracle; its `sources` field is unused here).
    pub params: OracleParams,
    /// Windows `[from, to)` of ticks in which a faulty source dominates: the oracle
    /// observes this price instead of its sources (delay and averaging still apply).
    pub misprice: Vec<(u64, u64, Price)>,
}

/// A protocol instance.
#[derive(Debug, Clone, PartialEq)]
pub enum ProtocolSpec {
    /// An Aave v3-like lending market.
    Lending(crate::lending::LendingSpec),
    /// A perpetual-futures venue (the engine's clearing house).
    Perp(crate::perp::PerpSpec),
    /// A Maker-like CDP stablecoin.
    Cdp(crate::cdp::CdpSpec),
    /// An algorithmic stablecoin backed by a swap against its share (Terra).
    Issuer(crate::issuer::IssuerSpec),
    /// An options vault writing puts or calls.
    Vault(crate::vault::VaultSpec),
}

impl ProtocolSpec {
    /// Name.
    pub fn name(&self) -> &str {
        match self {
            ProtocolSpec::Lending(l) => &l.name,
            ProtocolSpec::Perp(p) => &p.name,
            ProtocolSpec::Cdp(c) => &c.name,
            ProtocolSpec::Issuer(i) => &i.name,
            ProtocolSpec::Vault(v) => &v.name,
        }
    }
    /// The chain it runs on.
    pub fn chain(&self) -> ChainId {
        match self {
            ProtocolSpec::Lending(l) => l.chain,
            ProtocolSpec::Perp(p) => p.chain,
            ProtocolSpec::Cdp(c) => c.chain,
            ProtocolSpec::Issuer(i) => i.chain,
            ProtocolSpec::Vault(v) => v.chain,
        }
    }
}

/// An agent.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentSpec {
    /// Liquidates loans and sells what it seizes.
    Liquidator(LiquidatorSpec),
    /// Ties a venue to the asset's reference price.
    Arbitrageur(ArbitrageurSpec),
    /// Holders who sell an asset into a venue once its price falls below a level (a run
    /// on a stablecoin, a large holder dumping).
    Seller(SellerSpec),
    /// A reserve that buys an asset while its price is below a level (a foundation
    /// defending its stablecoin's peg, a treasury buying back).
    Buyer(BuyerSpec),
    /// Arbitrages an algorithmic stablecoin's swap against the stablecoin's and the
    /// share's pools.
    IssuerArbitrageur(crate::issuer::IssuerArbitrageurSpec),
    /// Bids in a CDP's debt auctions and sells the governance token it wins.
    DebtBidder(DebtBidderSpec),
}

/// A bidder in debt auctions: it pays the fixed bid for the smallest lot it accepts,
/// the lot's worth at the token's oracle less its discount.
#[derive(Debug, Clone, PartialEq)]
pub struct DebtBidderSpec {
    /// Name.
    pub name: String,
    /// The CDP.
    pub protocol: ProtocolId,
    /// Stablecoin atoms at the start.
    pub capital: i128,
    /// The oracle pricing the governance token.
    pub oracle: OracleId,
    /// It wants the token at least this much below the oracle.
    pub discount: Ppm,
    /// Venues it sells the token won through, in order (empty: it keeps it).
    pub route: Vec<VenueId>,
}

/// A reserve that buys while the price is low.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerSpec {
    /// Name.
    pub name: String,
    /// The asset it buys.
    pub asset: AssetId,
    /// Where it buys it (a pool whose base is the asset; it pays the pool's quote).
    pub venue: VenueId,
    /// Quote atoms it starts with.
    pub capital: i128,
    /// It buys while the asset's price is below this.
    pub below: Price,
    /// Most it spends per block of the venue's chain, dollars.
    pub per_block: Value,
    /// It starts no earlier than this tick.
    pub from_tick: u64,
}

/// Holders who sell when the price falls.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerSpec {
    /// Name.
    pub name: String,
    /// The asset they hold.
    pub asset: AssetId,
    /// Where they sell it.
    pub venue: VenueId,
    /// What they hold at the start, atoms.
    pub holding: i128,
    /// They sell while the asset's price is below this.
    pub below: Price,
    /// Most they sell per block of the venue's chain, dollars.
    pub per_block: Value,
    /// They start no earlier than this tick.
    pub from_tick: u64,
    /// When set, the holding is spread over this many holders who run by the herd rule
    /// while the price is below `below`; only those who left sell, each its share.
    pub run: Option<(u32, crate::herd::HerdSpec)>,
    /// Scheduled sales `(tick, atoms)`, made at the venue's first block at or after the
    /// tick whatever the price (a large holder dumping), out of the same holding.
    pub sales: Vec<(u64, i128)>,
    /// Protocols whose balance sheet they watch: they are distressed too while one shows
    /// a loss, recognized or latent (a CDP issuing what they hold, say).
    pub watch: Vec<ProtocolId>,
}

/// A liquidator (a bot or a group of them acting as one).
#[derive(Debug, Clone, PartialEq)]
pub struct LiquidatorSpec {
    /// Name.
    pub name: String,
    /// Protocols it watches.
    pub protocols: Vec<ProtocolId>,
    /// Capital at the start.
    pub capital: Vec<Amount>,
    /// For each asset it may seize: the venues it sells through, in order, until it
    /// holds an asset it can repay debt with (empty: it keeps the asset).
    pub routes: Vec<(AssetId, Vec<VenueId>)>,
    /// Skip a liquidation whose expected profit (bonus less slippage and gas) is lower.
    pub min_profit: Value,
    /// Gas one liquidation uses.
    pub gas_per_liquidation: u64,
    /// Most liquidations it sends in one block.
    pub max_per_block: u32,
    /// It sends nothing while gas costs more than this, wei per unit (a bot's gas cap).
    pub max_gas_wei: Option<u128>,
    /// How it bids in English auctions.
    pub strategy: KeeperStrategy,
    /// In English auctions it pays at most the lot's worth along its route less this
    /// share.
    pub min_discount: Ppm,
}

/// How a keeper bids in English auctions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeeperStrategy {
    /// Bid its valuation (the lot's worth along its route, less its discount) at once.
    #[default]
    Valuation,
    /// Open with the smallest bid the contract accepts and raise only by the minimum
    /// step (the keepers that won zero-DAI bids on Black Thursday).
    Lowball,
}

/// An arbitrageur between one venue and the outside market.
#[derive(Debug, Clone, PartialEq)]
pub struct ArbitrageurSpec {
    /// Name.
    pub name: String,
    /// The venue.
    pub venue: VenueId,
    /// Most it trades in one block, in dollars at the reference price.
    pub max_trade: Value,
    /// It trades only when the venue is further than this from the reference.
    pub threshold: Ppm,
}
