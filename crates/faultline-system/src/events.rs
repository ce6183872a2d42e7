//! The failure sequence across protocols: the first time each kind of event happens in
//! each protocol, in block order and, within a block, in pipeline order.

use serde::Serialize;

/// A protocol of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Shared markets (prices, pools, gas).
    Market,
    /// The CDP stablecoin.
    Cdp,
    /// The lending market.
    Lending,
    /// The options vault.
    Vault,
    /// The perp venue.
    Perp,
}

/// Kinds of system events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SysEventKind {
    /// ETH moved 5% or more in one block.
    PriceShock,
    /// Gas rose above twice its opening price.
    GasSpike,
    /// FUSD's pool price left the 1% band around $1.
    Depeg,
    /// A vault was liquidated (an auction started).
    AuctionKicked,
    /// A liquidation could not start: the debt-in-auction limit (`hole`) was full.
    AuctionLimitReached,
    /// A vault was unsafe but no keeper would pay the gas to kick it.
    KickPricedOut,
    /// An auction was reset (`redo`).
    AuctionReset,
    /// An auction sold collateral below half the market price.
    AuctionBelowHalfMarket,
    /// An auction ended with debt it did not raise: the CDP took bad debt.
    CdpBadDebt,
    /// FUSD was redeemed for newly minted MKR (algorithmic backing).
    AlgorithmicRedemption,
    /// A debt auction minted governance tokens.
    DebtAuction,
    /// A debt auction found no bidders with enough FUSD.
    DebtAuctionFailed,
    /// Stablecoin holders began to run.
    HolderRun,
    /// First lending liquidation.
    LendingLiquidation,
    /// A lending liquidation was not worth its gas and slippage.
    LiquidationUnprofitable,
    /// The lending market recorded a deficit (bad debt).
    LendingDeficit,
    /// The reserve fund paid toward a deficit.
    ReserveFundDrawn,
    /// A withdrawal could not be paid in full: no cash left.
    UtilizationCrunch,
    /// Depositors began to run.
    BankRun,
    /// The options vault bought back options to meet its greeks margin.
    VaultDeRisk,
    /// The options vault could not pay an expiry in full.
    VaultShortfall,
    /// First perp liquidation.
    PerpLiquidation,
    /// A perp liquidation filled past the bankruptcy price.
    PerpLossPastBankruptcy,
    /// The perp's insurance fund paid for a loss.
    InsuranceFundDrawn,
    /// The perp's insurance fund reached zero.
    InsuranceFundDepleted,
    /// The perp auto-deleveraged a counterparty.
    PerpAdl,
    /// The perp haircut profitable accounts.
    PerpSocializedLoss,
    /// The perp's insurance fund was refilled from its reserve.
    PerpFundRefilled,
    /// The perp's reserve could not raise what its fund needed.
    PerpReserveShort,
    /// A cross-protocol circuit breaker tripped.
    BreakerTripped,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SysEvent {
    /// Block.
    pub block: u64,
    /// Where it happened.
    pub protocol: Protocol,
    /// What happened.
    pub kind: SysEventKind,
    /// Amount (USD), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// A human sentence.
    pub detail: String,
}

/// First occurrences, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SysEvents {
    list: Vec<SysEvent>,
}

impl SysEvents {
    /// Record unless this protocol already had an event of this kind.
    pub fn first(
        &mut self,
        block: u64,
        protocol: Protocol,
        kind: SysEventKind,
        amount: Option<f64>,
        detail: impl FnOnce() -> String,
    ) {
        if !self.happened(protocol, kind) {
            self.list.push(SysEvent {
                block,
                protocol,
                kind,
                amount,
                detail: detail(),
            });
        }
    }

    /// Did it happen?
    pub fn happened(&self, protocol: Protocol, kind: SysEventKind) -> bool {
        self.list
            .iter()
            .any(|e| e.protocol == protocol && e.kind == kind)
    }

    /// The first block it happened in.
    pub fn block_of(&self, protocol: Protocol, kind: SysEventKind) -> Option<u64> {
        self.list
            .iter()
            .find(|e| e.protocol == protocol && e.kind == kind)
            .map(|e| e.block)
    }

    /// All, in order.
    pub fn events(&self) -> &[SysEvent] {
        &self.list
    }
}
