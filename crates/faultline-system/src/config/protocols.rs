//! Configuration of the lending market and the options vault (part of the system file
//! schema; see the parent module).

use super::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An Aave v3-like lending market: USDC is borrowed against ETH and FUSD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LendingConfig {
    /// The USDC reserve.
    pub usdc: BorrowReserveConfig,
    /// Collateral reserves (ETH, FUSD).
    #[schemars(length(min = 1))]
    pub collateral: Vec<CollateralConfig>,
    /// Borrower populations.
    #[schemars(length(min = 1))]
    pub borrowers: Vec<BorrowerConfig>,
    /// Retail USDC depositors.
    pub depositors: DepositorConfig,
    /// How the market prices FUSD: at its pool price, or fixed at $1 (as markets that
    /// hard-code a stablecoin's price do).
    #[serde(default)]
    pub fusd_oracle: FusdOracle,
    /// USDC the liquidators may spend per block.
    #[schemars(range(min = 0.0))]
    pub liquidator_usdc_per_block: f64,
    /// Minimum profit a liquidation must leave after slippage and gas (USD).
    #[serde(default = "d_min_profit")]
    #[schemars(range(min = 0.0))]
    pub liquidator_min_profit: f64,
    /// A reserve fund (Aave's Umbrella / safety module) that covers deficits, held in
    /// USDC and FUSD.
    #[serde(default)]
    pub reserve_fund: ReserveFundConfig,
    /// A fixed close factor (Compound v2: 0.5 always) instead of Aave v3's rule.
    #[serde(default)]
    #[schemars(range(min = 0.01, max = 1.0))]
    pub close_factor: Option<f64>,
    /// The borrowed asset's oracle price departs from $1 (a faulty source).
    #[serde(default)]
    pub debt_oracle: Vec<PriceSpike>,
}

/// How the lending market prices FUSD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FusdOracle {
    /// The FUSD/USDC pool price.
    #[default]
    Market,
    /// Always $1.
    Fixed,
}

/// The borrowable USDC reserve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BorrowReserveConfig {
    /// Borrow rate at zero utilization.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub base_rate: f64,
    /// Added up to the kink.
    #[serde(default = "d_slope1")]
    #[schemars(range(min = 0.0, max = 10.0))]
    pub slope1: f64,
    /// Added from the kink to 100%.
    #[serde(default = "d_slope2")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub slope2: f64,
    /// The kink.
    #[serde(default = "d_uopt")]
    #[schemars(range(min = 0.01, max = 0.99))]
    pub optimal_utilization: f64,
    /// Share of interest kept by the treasury.
    #[serde(default = "d_rf")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub reserve_factor: f64,
    /// Supply cap (USDC; 0 = none).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub supply_cap: f64,
    /// Borrow cap (USDC; 0 = none).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub borrow_cap: f64,
}

/// A collateral asset's risk parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollateralConfig {
    /// The asset.
    pub asset: Asset,
    /// Loan-to-value for new borrowing.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub ltv: f64,
    /// Liquidation threshold.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub liquidation_threshold: f64,
    /// Liquidation bonus (0.05 = the liquidator takes 105% of what it repays).
    #[schemars(range(min = 0.0, max = 0.5))]
    pub liquidation_bonus: f64,
    /// Share of the bonus the protocol keeps.
    #[serde(default = "d_pfee")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub protocol_fee: f64,
    /// Supply cap (units; 0 = none).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub supply_cap: f64,
}

/// A collateral asset.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Asset {
    /// Ether.
    Eth,
    /// The CDP's stablecoin.
    Fusd,
}

/// A borrower population: USDC debt against one collateral, health factors spread
/// evenly over `[hf_min, hf_max]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BorrowerConfig {
    /// Their collateral.
    pub collateral: Asset,
    /// How many (ignored when `debts` or `debts_file` gives each borrower).
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub count: u32,
    /// Collateral they supply in total (units; ignored with `debts`).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub total_collateral: f64,
    /// Each borrower's debt (USD), one borrower per entry; collateral follows from the
    /// health factor.
    #[serde(default)]
    pub debts: Vec<f64>,
    /// Each borrower's debt read from a CSV column (relative to the system file).
    #[serde(default)]
    pub debts_file: Option<DebtsFile>,
    /// Lowest starting health factor.
    #[schemars(range(min = 1.0))]
    pub hf_min: f64,
    /// Highest starting health factor.
    #[schemars(range(min = 1.0))]
    pub hf_max: f64,
    /// Borrowers repay part of their debt (selling collateral) when the borrow rate
    /// exceeds this (0 = never).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub repay_above_rate: f64,
}

/// Borrowers' debts from a CSV file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DebtsFile {
    /// Path relative to the system file.
    #[schemars(length(min = 1))]
    pub file: String,
    /// Column holding each borrower's debt (USD).
    pub column: String,
    /// Multiply each value by this.
    #[serde(default = "d_one")]
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub scale: f64,
}

/// The borrowed asset's oracle price for a stretch of blocks (1 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceSpike {
    /// First block.
    pub start: u64,
    /// Last block (inclusive).
    pub end: u64,
    /// Oracle price of the borrowed asset meanwhile.
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub price: f64,
}

/// Retail USDC depositors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositorConfig {
    /// USDC they deposit in total.
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub total_usdc: f64,
    /// Their run: distressed when the market has a deficit or utilization exceeds
    /// `trigger`.
    #[serde(default)]
    pub run: RunConfig,
}

/// The lending market's reserve fund.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveFundConfig {
    /// USDC.
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub usdc: f64,
    /// FUSD (sold into the peg pool when needed).
    #[serde(default)]
    #[schemars(range(min = 0.0))]
    pub fusd: f64,
}

/// An options vault writing cash-secured puts or covered calls on ETH each epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// Puts (collateral USDC) or calls (collateral ETH).
    pub kind: VaultKind,
    /// Collateral deposited (USDC for puts, ETH for calls).
    #[schemars(extend("exclusiveMinimum" = 0.0))]
    pub deposits: f64,
    /// Strike distance from spot (0.1 = 10% out of the money).
    #[serde(default = "d_otm")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub otm: f64,
    /// Option life, seconds (an epoch).
    #[serde(default = "d_expiry")]
    #[schemars(range(min = 60))]
    pub expiry_s: u64,
    /// Implied volatility floor; the vault marks at max(this, realized).
    #[serde(default = "d_iv")]
    #[schemars(range(min = 0.01, max = 10.0))]
    pub implied_vol: f64,
    /// Cap on the volatility it marks at (a single gap annualizes to absurd realized
    /// volatility; quoted implied volatility after crashes stays within a few times
    /// normal).
    #[serde(default = "d_max_iv")]
    #[schemars(range(min = 0.01, max = 20.0))]
    pub max_implied_vol: f64,
    /// Collateral per unit of maximum payoff (1 = fully secured; 0.5 writes twice as
    /// many options).
    #[serde(default = "d_one")]
    #[schemars(range(min = 0.05, max = 1.0))]
    pub collateral_ratio: f64,
    /// Price move its greeks margin must survive (delta-gamma).
    #[serde(default = "d_shock")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub margin_shock: f64,
    /// Share of idle USDC it deposits in the lending market (puts only).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub lending_share: f64,
}

/// Puts or calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VaultKind {
    /// Cash-secured puts.
    Put,
    /// Covered calls.
    Call,
}
