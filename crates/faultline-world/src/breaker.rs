//! Circuit breakers across protocols: a signal read at the start of a tick (from the
//! state the previous tick left and this tick's outside prices) that, once crossed, takes
//! an action on a protocol or an oracle for the rest of the run — the governance and
//! guardian levers the essays say lag "behind the speed of algorithmic failure", here
//! acting at once so their best case can be measured.

use crate::spec::{OracleId, ProtocolId};
use faultline_units::{AssetId, Ppm, Price, Value};

/// What a breaker watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An asset's price (its outside market, or its pool for a market-priced asset)
    /// below a level.
    PriceBelow {
        /// The asset.
        asset: AssetId,
        /// The level, dollars.
        price: Price,
    },
    /// An asset's price down more than a fraction from its start.
    DrawdownAbove {
        /// The asset.
        asset: AssetId,
        /// The fraction.
        fraction: Ppm,
    },
    /// A protocol's shortfall so far above an amount.
    ShortfallAbove {
        /// The protocol.
        protocol: ProtocolId,
        /// Dollars.
        usd: Value,
    },
    /// A lending reserve's utilization above a level.
    UtilizationAbove {
        /// The lending market.
        protocol: ProtocolId,
        /// The reserve.
        reserve: usize,
        /// The level.
        level: Ppm,
    },
    /// A perp venue's insurance fund below a share of its start.
    InsuranceFundBelow {
        /// The venue.
        protocol: ProtocolId,
        /// The share.
        share: Ppm,
    },
}

/// What a tripped breaker does, from then on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The oracle publishes this price (a governance freeze of a feed).
    FixOracle {
        /// The oracle.
        oracle: OracleId,
        /// The price.
        price: Price,
    },
    /// A lending market pays no withdrawals.
    PauseWithdrawals {
        /// The market.
        protocol: ProtocolId,
    },
    /// A lending reserve is paused (Aave v3 `setReservePause`): no liquidation repays
    /// or seizes it and nothing is withdrawn from it.
    PauseReserve {
        /// The market.
        protocol: ProtocolId,
        /// The reserve.
        reserve: usize,
    },
    /// A CDP starts no new collateral auctions (`clip.stopped` level 1).
    StopAuctions {
        /// The CDP.
        protocol: ProtocolId,
    },
    /// An options vault writes no new epoch.
    StopWriting {
        /// The vault.
        protocol: ProtocolId,
    },
    /// A perp venue stops refilling its insurance fund from its treasury (it keeps the
    /// reserve out of a failing system).
    StopRefills {
        /// The venue.
        protocol: ProtocolId,
    },
}

/// A breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerSpec {
    /// Name, for the failure sequence.
    pub name: String,
    /// Its signal.
    pub when: Signal,
    /// Its action.
    pub action: Action,
}
