//! Lending-market rules as Aave v3 publishes them (Aave v3 technical paper and the
//! v3.3 `LiquidationLogic`, `GenericLogic` and `DefaultReserveInterestRateStrategyV2`
//! contracts): health factor, close factor, liquidation bonus with the protocol's fee,
//! and the kinked interest-rate curve.
//!
//! Values are `f64` in the market's base currency; a simulation that moves money with
//! them rounds at its own boundary.

/// Close factor when the health factor is at or above [`CLOSE_FACTOR_HF_THRESHOLD`].
pub const DEFAULT_CLOSE_FACTOR: f64 = 0.5;
/// Below this health factor the whole debt may be liquidated at once.
pub const CLOSE_FACTOR_HF_THRESHOLD: f64 = 0.95;
/// Aave v3.3: positions whose collateral or debt is below this (base currency, USD)
/// may be liquidated in full whatever the health factor.
pub const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD: f64 = 2_000.0;

/// One collateral asset of a borrower.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Collateral {
    /// Value in base currency.
    pub value: f64,
    /// Liquidation threshold, e.g. 0.83.
    pub liquidation_threshold: f64,
}

/// Health factor `HF = Σ collateralᵢ × LTᵢ / debt` (Aave v3 `GenericLogic`); infinite
/// without debt. Liquidatable below 1.
pub fn health_factor(collateral: &[Collateral], debt: f64) -> f64 {
    if debt <= 0.0 {
        return f64::INFINITY;
    }
    collateral
        .iter()
        .map(|c| c.value * c.liquidation_threshold)
        .sum::<f64>()
        / debt
}

/// The share of the debt one liquidation may repay: 50%, or 100% when the health factor
/// is below 0.95 or the position is small (v3.3).
pub fn close_factor(health_factor: f64, total_collateral: f64, total_debt: f64) -> f64 {
    if health_factor < CLOSE_FACTOR_HF_THRESHOLD
        || total_collateral < MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
        || total_debt < MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
    {
        1.0
    } else {
        DEFAULT_CLOSE_FACTOR
    }
}

/// What a liquidation exchanges, in base currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LendingLiquidation {
    /// Debt the liquidator repays.
    pub debt_repaid: f64,
    /// Collateral taken from the borrower (liquidator's share plus protocol fee).
    pub collateral_seized: f64,
    /// The part of it that goes to the protocol's treasury.
    pub protocol_fee: f64,
    /// Debt left with no collateral behind it (Aave v3.3 burns it as a reserve deficit).
    pub deficit: f64,
}

/// One liquidation of one collateral against one debt (Aave v3 `LiquidationLogic`):
/// the liquidator repays up to `close_factor × debt` (`requested` caps it further) and
/// takes collateral worth `repaid × bonus` (e.g. bonus 1.05); if the collateral cannot
/// cover that, all of it is taken and the repayment shrinks to `collateral / bonus`.
/// The protocol keeps `protocol_fee_share` of the bonus part (`seized − seized/bonus`).
/// When the collateral is exhausted and debt remains (and the borrower has no other
/// collateral, `last_collateral`), the rest is a deficit.
pub fn liquidate(
    collateral_value: f64,
    debt: f64,
    close_factor: f64,
    requested: f64,
    bonus: f64,
    protocol_fee_share: f64,
    last_collateral: bool,
) -> LendingLiquidation {
    let max_repay = (debt * close_factor).min(requested).max(0.0);
    let (repaid, seized) = if max_repay * bonus > collateral_value {
        (collateral_value / bonus, collateral_value)
    } else {
        (max_repay, max_repay * bonus)
    };
    let bonus_part = seized - seized / bonus;
    let protocol_fee = bonus_part * protocol_fee_share;
    let deficit = if last_collateral && seized >= collateral_value {
        (debt - repaid).max(0.0)
    } else {
        0.0
    };
    LendingLiquidation {
        debt_repaid: repaid,
        collateral_seized: seized,
        protocol_fee,
        deficit,
    }
}

/// A kinked interest-rate curve (Aave v3 `DefaultReserveInterestRateStrategyV2`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateCurve {
    /// Borrow rate at zero utilization.
    pub base: f64,
    /// Added linearly up to the optimal utilization.
    pub slope1: f64,
    /// Added linearly from the optimal utilization to 100%.
    pub slope2: f64,
    /// The kink, in (0, 1).
    pub optimal_utilization: f64,
}

impl RateCurve {
    /// Annual variable borrow rate at utilization `u = borrowed / supplied`:
    /// `base + slope1·u/U*` up to the kink, then `base + slope1 + slope2·(u−U*)/(1−U*)`.
    pub fn borrow_rate(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        if u <= self.optimal_utilization {
            self.base + self.slope1 * u / self.optimal_utilization
        } else {
            self.base
                + self.slope1
                + self.slope2 * (u - self.optimal_utilization) / (1.0 - self.optimal_utilization)
        }
    }

    /// Annual supply rate: `borrow_rate × u × (1 − reserve_factor)`.
    pub fn supply_rate(&self, u: f64, reserve_factor: f64) -> f64 {
        self.borrow_rate(u) * u.clamp(0.0, 1.0) * (1.0 - reserve_factor)
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the compared values are exact constants
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * (1.0 + b.abs())
    }

    #[test]
    fn health_and_close_factor() {
        // $10,000 of ETH at LT 0.83 against $8,000 of debt: HF = 8,300 / 8,000.
        let c = [Collateral {
            value: 10_000.0,
            liquidation_threshold: 0.83,
        }];
        assert!(close(health_factor(&c, 8_000.0), 1.0375));
        assert_eq!(health_factor(&c, 0.0), f64::INFINITY);
        assert_eq!(close_factor(0.97, 10_000.0, 9_000.0), 0.5);
        assert_eq!(close_factor(0.949, 10_000.0, 9_000.0), 1.0);
        assert_eq!(close_factor(0.97, 1_500.0, 1_400.0), 1.0, "small position");
    }

    #[test]
    fn a_liquidation_pays_the_bonus_and_the_protocol_fee() {
        // Repay half of $9,000 with a 5% bonus and a 10% protocol fee on the bonus.
        let l = liquidate(10_000.0, 9_000.0, 0.5, f64::INFINITY, 1.05, 0.1, true);
        assert!(close(l.debt_repaid, 4_500.0));
        assert!(close(l.collateral_seized, 4_725.0));
        assert!(close(l.protocol_fee, 22.5));
        assert_eq!(l.deficit, 0.0);
    }

    #[test]
    fn an_underwater_position_gives_all_its_collateral_and_leaves_a_deficit() {
        // $1,000 of collateral against $1,200 of debt, full close factor, 10% bonus:
        // the liquidator repays 1,000 / 1.1 and the rest of the debt is a deficit.
        let l = liquidate(1_000.0, 1_200.0, 1.0, f64::INFINITY, 1.1, 0.0, true);
        assert!(close(l.collateral_seized, 1_000.0));
        assert!(close(l.debt_repaid, 1_000.0 / 1.1));
        assert!(close(l.deficit, 1_200.0 - 1_000.0 / 1.1));
        // With other collateral left there is no deficit yet.
        assert_eq!(
            liquidate(1_000.0, 1_200.0, 1.0, f64::INFINITY, 1.1, 0.0, false).deficit,
            0.0
        );
    }

    #[test]
    fn the_rate_curve_kinks_at_optimal_utilization() {
        // USDC-like: base 0, slope1 4%, slope2 60%, kink 90%.
        let r = RateCurve {
            base: 0.0,
            slope1: 0.04,
            slope2: 0.60,
            optimal_utilization: 0.9,
        };
        assert!(close(r.borrow_rate(0.45), 0.02));
        assert!(close(r.borrow_rate(0.9), 0.04));
        assert!(close(r.borrow_rate(0.95), 0.04 + 0.30));
        assert!(close(r.borrow_rate(1.0), 0.64));
        assert!(close(r.supply_rate(0.9, 0.1), 0.04 * 0.9 * 0.9));
    }
}
