//! Aave v3.3 liquidation and interest rules in integer arithmetic, as the contracts
//! compute them (`LiquidationLogic.executeLiquidationCall` and
//! `_calculateAvailableCollateralToLiquidate`, `GenericLogic.calculateUserAccountData`,
//! `DefaultReserveInterestRateStrategyV2.calculateInterestRates`).
//!
//! The same call also gives Compound v2's liquidation (`Comptroller.liquidateBorrowAllowed`
//! and `liquidateCalculateSeizeTokens`, 2020): a fixed close factor on the borrow
//! balance, the seized collateral worth `repay × liquidationIncentive` at the oracle, no
//! dust rule and no protocol share ([`CloseFactor::Fixed`]).
//!
//! Amounts are atoms of their asset, prices are dollars per unit with 8 decimals (the
//! Aave oracle's base currency), values are [`Value`]s. Where the contract rounds half
//! up, this module rounds against the party being paid: collateral paid out is floored,
//! debt a liquidator must repay for it is ceiled, so rounding never costs the protocol.

use faultline_units::{mul_div_wide, ArithmeticError, Ppm, Price, Rounding, Value};

/// Health factors and ratios are in parts per million.
const ONE: i128 = 1_000_000;
/// Below this health factor the whole debt of a reserve may be liquidated (0.95).
pub const CLOSE_FACTOR_HF_THRESHOLD_PPM: i128 = 950_000;
/// Share of the total debt one call may repay above that health factor (50%).
pub const DEFAULT_CLOSE_FACTOR_PPM: i128 = 500_000;
/// v3.3: positions whose reserve collateral or debt is below $2,000 may be liquidated
/// in full whatever the health factor.
pub const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_DOLLARS: i128 = 2_000;
/// v3.3: a partial liquidation may not leave less than $1,000 of debt or collateral.
pub const MIN_LEFTOVER_BASE_DOLLARS: i128 = 1_000;
/// Rates are annual, in ray (10²⁷), as in the contracts.
pub const RAY: i128 = 1_000_000_000_000_000_000_000_000_000;

/// One side of a liquidation: a balance in one reserve and its oracle price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReserveBalance {
    /// Atoms.
    pub atoms: i128,
    /// Oracle price, dollars per unit.
    pub price: Price,
    /// The asset's decimals.
    pub decimals: u8,
}

impl ReserveBalance {
    /// `atoms × price / unit`.
    pub fn value(&self, rounding: Rounding) -> Result<Value, ArithmeticError> {
        faultline_units::Amount::new(faultline_units::AssetId(0), self.atoms).value(
            self.price,
            self.decimals,
            rounding,
        )
    }

    fn atoms_for(&self, v: Value, rounding: Rounding) -> Result<i128, ArithmeticError> {
        Ok(faultline_units::Amount::for_value(
            faultline_units::AssetId(0),
            v,
            self.price,
            self.decimals,
            rounding,
        )?
        .atoms())
    }
}

/// How much of a debt one call may repay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CloseFactor {
    /// Aave v3.3: 50% of the total debt above HF 0.95 for positions of $2,000 or more,
    /// all of it otherwise; a partial call may not leave dust.
    #[default]
    AaveV33,
    /// Compound v2: `closeFactorMantissa` of the borrow balance, whatever the health
    /// factor (`maxClose = closeFactor × borrowBalance`, truncated); no dust rule.
    Fixed(Ppm),
}

/// A `liquidationCall` as a liquidator sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationCall {
    /// The borrower's debt in the reserve being repaid.
    pub debt: ReserveBalance,
    /// The borrower's balance in the collateral reserve being seized.
    pub collateral: ReserveBalance,
    /// The borrower's debt across every reserve.
    pub total_debt: Value,
    /// The borrower's health factor, parts per million.
    pub health_factor_ppm: i128,
    /// Debt the liquidator offers to repay (atoms of the debt asset).
    pub debt_to_cover: i128,
    /// Liquidation bonus of the collateral reserve as a multiplier (1.05 → 1,050,000).
    pub liquidation_bonus: Ppm,
    /// Share of the bonus that goes to the treasury.
    pub protocol_fee: Ppm,
    /// The close-factor rule.
    pub close_factor: CloseFactor,
}

/// What a call exchanges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidationOutcome {
    /// Debt atoms the liquidator repays.
    pub debt_repaid: i128,
    /// Collateral atoms the liquidator receives.
    pub collateral_to_liquidator: i128,
    /// Collateral atoms the treasury receives.
    pub protocol_fee: i128,
    /// The call would leave less than $1,000 of debt or collateral behind while leaving
    /// both: the contract reverts (`MUST_NOT_LEAVE_DUST`); the liquidator must cover all.
    pub leaves_dust: bool,
}

/// The most debt one call may repay: the whole reserve debt, or, when the position is
/// large and its health factor above 0.95, what brings repayment to 50% of the total
/// debt (v3.3).
pub fn max_liquidatable_debt(c: &LiquidationCall) -> Result<i128, ArithmeticError> {
    if let CloseFactor::Fixed(f) = c.close_factor {
        return mul_div_wide(c.debt.atoms, i128::from(f.atoms()), ONE, Rounding::Floor);
    }
    let threshold = Value::from_dollars(MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_DOLLARS)?;
    let debt_value = c.debt.value(Rounding::Floor)?;
    if c.collateral.value(Rounding::Floor)? >= threshold
        && debt_value >= threshold
        && c.health_factor_ppm > CLOSE_FACTOR_HF_THRESHOLD_PPM
    {
        let half = c
            .total_debt
            .mul_div(DEFAULT_CLOSE_FACTOR_PPM, ONE, Rounding::Floor)?;
        if debt_value > half {
            return c.debt.atoms_for(half, Rounding::Floor);
        }
    }
    Ok(c.debt.atoms)
}

/// `executeLiquidationCall`'s amounts: the debt repaid and the collateral seized with
/// its bonus, capped by the collateral the borrower has, and the treasury's share of
/// the bonus.
pub fn liquidation_call(c: &LiquidationCall) -> Result<LiquidationOutcome, ArithmeticError> {
    let to_liquidate = c.debt_to_cover.min(max_liquidatable_debt(c)?).max(0);
    let bonus = i128::from(c.liquidation_bonus.atoms());
    // Collateral worth the debt at the oracle prices, times the bonus.
    let debt_value = ReserveBalance {
        atoms: to_liquidate,
        ..c.debt
    }
    .value(Rounding::Floor)?;
    let base_collateral = c.collateral.atoms_for(debt_value, Rounding::Floor)?;
    let max_collateral = mul_div_wide(base_collateral, bonus, ONE, Rounding::Floor)?;
    let (seized, repaid) = if max_collateral > c.collateral.atoms {
        // All the collateral, and only the debt it pays for at the bonus.
        let coll_value = c.collateral.value(Rounding::Floor)?;
        let without_bonus = coll_value.mul_div(ONE, bonus, Rounding::Ceil)?;
        (
            c.collateral.atoms,
            c.debt
                .atoms_for(without_bonus, Rounding::Ceil)?
                .min(to_liquidate),
        )
    } else {
        (max_collateral, to_liquidate)
    };
    let bonus_part = seized - mul_div_wide(seized, ONE, bonus, Rounding::Ceil)?;
    let fee = mul_div_wide(
        bonus_part.max(0),
        i128::from(c.protocol_fee.atoms()),
        ONE,
        Rounding::Floor,
    )?;
    let dust_rule = c.close_factor == CloseFactor::AaveV33;
    let leaves_dust = if dust_rule && repaid < c.debt.atoms && seized < c.collateral.atoms {
        let floor = Value::from_dollars(MIN_LEFTOVER_BASE_DOLLARS)?;
        let debt_left = ReserveBalance {
            atoms: c.debt.atoms - repaid,
            ..c.debt
        };
        let coll_left = ReserveBalance {
            atoms: c.collateral.atoms - seized,
            ..c.collateral
        };
        debt_left.value(Rounding::Floor)? < floor || coll_left.value(Rounding::Floor)? < floor
    } else {
        false
    };
    Ok(LiquidationOutcome {
        debt_repaid: repaid,
        collateral_to_liquidator: seized - fee,
        protocol_fee: fee,
        leaves_dust,
    })
}

/// Health factor in parts per million: `Σ collateral × threshold / Σ debt`
/// (`GenericLogic`); `i128::MAX` without debt.
pub fn health_factor_ppm(
    collateral_times_threshold: Value,
    debt: Value,
) -> Result<i128, ArithmeticError> {
    if debt.0 <= 0 {
        return Ok(i128::MAX);
    }
    mul_div_wide(collateral_times_threshold.0, ONE, debt.0, Rounding::Floor)
}

/// The kinked borrow-rate curve (v3 `DefaultReserveInterestRateStrategyV2`), annual rates
/// in ray.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateCurveRay {
    /// Rate at zero utilization.
    pub base: i128,
    /// Added linearly up to the optimal utilization.
    pub slope1: i128,
    /// Added linearly from the optimal utilization to 100%.
    pub slope2: i128,
    /// The kink, ray (strictly between 0 and 1).
    pub optimal_utilization: i128,
}

impl RateCurveRay {
    /// Borrow rate at usage `debt / (cash + debt)`.
    pub fn borrow_rate(&self, debt: i128, cash: i128) -> Result<i128, ArithmeticError> {
        if debt <= 0 {
            return Ok(self.base);
        }
        let u = mul_div_wide(debt, RAY, cash.max(0) + debt, Rounding::Floor)?;
        let uo = self.optimal_utilization;
        Ok(if u <= uo {
            self.base + mul_div_wide(self.slope1, u, uo, Rounding::Floor)?
        } else {
            self.base + self.slope1 + mul_div_wide(self.slope2, u - uo, RAY - uo, Rounding::Floor)?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(atoms_6: i128) -> ReserveBalance {
        ReserveBalance {
            atoms: atoms_6,
            price: Price::from_atoms(100_000_000),
            decimals: 6,
        }
    }

    fn eth(units: i128, price: i64) -> ReserveBalance {
        ReserveBalance {
            atoms: units * 10i128.pow(18),
            price: Price::from_atoms(price * 100_000_000),
            decimals: 18,
        }
    }

    fn call(debt: ReserveBalance, coll: ReserveBalance, hf: i128) -> LiquidationCall {
        LiquidationCall {
            debt,
            collateral: coll,
            total_debt: debt.value(Rounding::Floor).unwrap(),
            health_factor_ppm: hf,
            debt_to_cover: i128::MAX,
            liquidation_bonus: Ppm::from_atoms(1_050_000),
            protocol_fee: Ppm::from_atoms(100_000),
            close_factor: CloseFactor::AaveV33,
        }
    }

    #[test]
    fn compound_v2_repays_the_close_factor_of_the_borrow_whatever_the_health() {
        // 124 DAI-like debts: $1,000,000 of DAI read at $1.30 against $1,250,000 of ETH;
        // close factor 50%, incentive 8%, no protocol share: $500,000 of DAI repaid for
        // ETH worth 500,000 × 1.30 × 1.08 = $702,000.
        let dai = ReserveBalance {
            atoms: 1_000_000 * 10i128.pow(18),
            price: Price::from_atoms(130_000_000),
            decimals: 18,
        };
        let mut c = call(dai, eth(2_500, 500), 720_000);
        c.close_factor = CloseFactor::Fixed(Ppm::from_atoms(500_000));
        c.liquidation_bonus = Ppm::from_atoms(1_080_000);
        c.protocol_fee = Ppm::ZERO;
        let o = liquidation_call(&c).unwrap();
        assert_eq!(o.debt_repaid, 500_000 * 10i128.pow(18));
        assert_eq!(o.collateral_to_liquidator, 1_404 * 10i128.pow(18));
        assert_eq!(o.protocol_fee, 0);
        // A small remainder is no reason to revert: no dust rule.
        c.debt_to_cover = 999_999 * 10i128.pow(18);
        assert!(!liquidation_call(&c).unwrap().leaves_dust);
        // Under Aave v3.3 a health factor of 0.72 lets one call take all the collateral
        // (for the $1.25M / 1.08 / 1.30 of DAI it pays for), not half the debt.
        c.close_factor = CloseFactor::AaveV33;
        c.debt_to_cover = i128::MAX;
        let all = liquidation_call(&c).unwrap();
        assert_eq!(all.collateral_to_liquidator, 2_500 * 10i128.pow(18));
        assert_eq!(all.debt_repaid, 890_313_390_313_392_307_692_308);
    }

    #[test]
    fn above_hf_095_half_the_debt_is_repaid_with_a_5pct_bonus_and_10pct_fee() {
        // 5 ETH at $2,000 against $9,000 of USDC: HF 0.9722 with LT 0.875. Half the debt
        // ($4,500) is repaid for $4,725 of ETH (2.3625 ETH); the treasury keeps 10% of
        // the $225 bonus (0.01125 ETH).
        let o = liquidation_call(&call(usd(9_000_000_000), eth(5, 2_000), 972_222)).unwrap();
        assert_eq!(o.debt_repaid, 4_500_000_000);
        assert_eq!(o.protocol_fee, 11_250_000_000_000_000);
        assert_eq!(
            o.collateral_to_liquidator,
            2_362_500_000_000_000_000 - 11_250_000_000_000_000
        );
        assert!(!o.leaves_dust);
    }

    #[test]
    fn below_hf_095_or_below_2000_dollars_all_the_debt_may_go() {
        let o = liquidation_call(&call(usd(9_000_000_000), eth(5, 2_000), 949_999)).unwrap();
        assert_eq!(o.debt_repaid, 9_000_000_000);
        // $1,500 of debt against $1,800 of collateral, HF 0.98: small, so in full.
        let small = liquidation_call(&call(
            usd(1_500_000_000),
            ReserveBalance {
                atoms: 9 * 10i128.pow(17),
                price: Price::from_atoms(2_000 * 100_000_000),
                decimals: 18,
            },
            980_000,
        ))
        .unwrap();
        assert_eq!(small.debt_repaid, 1_500_000_000);
    }

    #[test]
    fn an_underwater_position_gives_all_its_collateral_for_less_than_its_debt() {
        // 0.5 ETH at $2,000 ($1,000) against $1,200: all the ETH for $1,000 / 1.05 of debt.
        let coll = ReserveBalance {
            atoms: 5 * 10i128.pow(17),
            price: Price::from_atoms(2_000 * 100_000_000),
            decimals: 18,
        };
        let o = liquidation_call(&call(usd(1_200_000_000), coll, 700_000)).unwrap();
        assert_eq!(o.collateral_to_liquidator + o.protocol_fee, coll.atoms);
        assert_eq!(o.debt_repaid, 952_380_953, "1,000 / 1.05 dollars, ceiled");
    }

    #[test]
    fn a_partial_call_that_leaves_under_1000_dollars_is_dust() {
        // $2,100 of debt against $3,000 of collateral at HF 0.90 (all of it may go):
        // covering $2,000 would leave $100 of debt, so the contract reverts.
        let mut c = call(usd(2_100_000_000), eth(3, 1_000), 900_000);
        c.debt_to_cover = 2_000_000_000;
        assert!(liquidation_call(&c).unwrap().leaves_dust);
        c.debt_to_cover = i128::MAX;
        let full = liquidation_call(&c).unwrap();
        assert!(!full.leaves_dust);
        assert_eq!(full.debt_repaid, 2_100_000_000);
    }

    #[test]
    fn health_factor_and_rate_curve() {
        let hf = health_factor_ppm(
            Value::from_dollars(8_300).unwrap(),
            Value::from_dollars(8_000).unwrap(),
        );
        assert_eq!(hf.unwrap(), 1_037_500);
        assert_eq!(health_factor_ppm(Value(5), Value::ZERO).unwrap(), i128::MAX);
        // base 0, slope1 4%, slope2 60%, kink 90% (USDC-like).
        let r = RateCurveRay {
            base: 0,
            slope1: RAY / 25,
            slope2: RAY * 6 / 10,
            optimal_utilization: RAY * 9 / 10,
        };
        assert_eq!(r.borrow_rate(45, 55).unwrap(), RAY / 50);
        assert_eq!(r.borrow_rate(90, 10).unwrap(), RAY / 25);
        assert_eq!(r.borrow_rate(100, 0).unwrap(), RAY / 25 + RAY * 6 / 10);
        assert_eq!(r.borrow_rate(0, 10).unwrap(), 0);
    }
}
