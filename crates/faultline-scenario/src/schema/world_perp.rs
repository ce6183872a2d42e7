//! World files, perp venues: how a venue's markets are bound to the world, the assets
//! it accepts besides its collateral, its insurance fund's reserve and refills.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A perp venue's insurance-fund refills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefillFile {
    /// The level that starts refills, a share of the fund at the start.
    #[serde(default = "half")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub below: f64,
    /// Most paid in per block, units of the venue's collateral.
    #[schemars(range(min = 0.0, max = 1e15))]
    pub per_block: f64,
    /// Units the treasury holds as cash.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1e15))]
    pub cash: f64,
    /// A deposit in a lending market that lists the venue's collateral.
    #[serde(default)]
    pub lend: Option<DepositFile>,
}

/// An amount deposited in a lending market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositFile {
    /// The lending market.
    pub protocol: String,
    /// Units deposited (at the venue's first block).
    #[schemars(range(min = 0.0, max = 1e15))]
    pub amount: f64,
}

fn half() -> f64 {
    0.5
}

/// An asset a perp venue accepts as margin besides its quote collateral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpCollateralFile {
    /// The asset (not the venue's `collateral`).
    pub asset: String,
    /// The world oracle it is valued at.
    pub oracle: String,
    /// Share of its value not counted as margin (Drift: 1 − asset weight). The account
    /// is credited the same haircut value when it is seized.
    #[schemars(range(min = 0.0, max = 0.99))]
    pub haircut: f64,
    /// Share of each cross trader's opening margin posted in it instead of the quote
    /// (at its haircut value, so opening margins do not change). Shares add up to at
    /// most 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub share: f64,
    /// The pool where seized units are sold: it trades `asset` against the venue's
    /// `collateral`.
    pub sell_on: String,
}

/// The insurance fund's reserve in another asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InsuranceReserveFile {
    /// The asset (not the venue's `collateral`).
    pub asset: String,
    /// Units held at the start.
    #[schemars(range(min = 0.0, max = 1e15))]
    pub amount: f64,
    /// The world oracle it is valued at.
    pub oracle: String,
    /// Share of its value not counted.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 0.99))]
    pub haircut: f64,
    /// The pool where what is drawn is sold: it trades `asset` against the venue's
    /// `collateral`.
    pub sell_on: String,
}

/// How a market of a perp venue is tied to the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpMarketFile {
    /// The market's symbol in the venue file.
    pub symbol: String,
    /// The asset whose outside price is the market's reference.
    pub asset: String,
    /// The world oracle the venue marks and liquidates on (replaces the venue file's
    /// oracle for this market).
    pub oracle: String,
    /// The venue where the venue's liquidity provider lays off liquidation flow (a pool
    /// trading `asset` as base); none: the flow stays on the perp book.
    #[serde(default)]
    pub hedge_venue: Option<String>,
    /// Share of the flow laid off.
    #[serde(default = "one")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub hedge_fraction: f64,
}

fn one() -> f64 {
    1.0
}
