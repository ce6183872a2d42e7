//! Liquidation sizing, bankruptcy price and liquidation price.

use crate::margin::MarginSchedule;
use faultline_units::{ArithmeticError, Base, Ppm, Price, Quote, Rounding, PPM_SCALE};

/// Base amount whose closure covers a margin shortage.
///
/// Closing `Δ` base at price `p` releases `Δ·p·margin_ratio` of requirement and costs
/// `Δ·p·liquidation_fee` of equity, so the shortage `S` is covered when
/// `Δ = S / (p × (margin_ratio − liquidation_fee))`.
///
/// Source: Drift protocol-v2, `programs/drift/src/math/liquidation.rs`,
/// `calculate_base_asset_amount_to_cover_margin_shortage` (margin shortage divided by
/// `oracle_price × margin_ratio − oracle_price × liquidation_fee`). Rounded up so the
/// closure covers the whole shortage. Returns `None` when the fee is not below the
/// margin ratio: then no partial closure can restore health and the caller must close
/// the whole position.
pub fn base_to_cover_margin_shortage(
    margin_shortage: Quote,
    margin_ratio: Ppm,
    liquidation_fee: Ppm,
    price: Price,
) -> Result<Option<Base>, ArithmeticError> {
    let net_rate = margin_ratio.checked_sub(liquidation_fee)?;
    if !net_rate.is_positive() || !price.is_positive() {
        return Ok(None);
    }
    if !margin_shortage.is_positive() {
        return Ok(Some(Base::ZERO));
    }
    // Quote released per one base closed: p × net_rate, as a "price" in quote per base.
    let released_per_base = price.mul_ppm(net_rate, Rounding::Floor)?;
    if !released_per_base.is_positive() {
        return Ok(None);
    }
    let base = Base::from_quote(margin_shortage, released_per_base, Rounding::Ceil)?;
    Ok(Some(base))
}

/// The price at which closing `delta` of a position leaves the account with exactly its
/// pro-rata share of collateral, and zero when the whole account is closed.
///
/// dYdX v4 defines the bankruptcy price of a partial close as
/// `(−DNNV − TNC × |DMMR| / TMMR) / Δ`, with `DNNV` the change in net notional from
/// closing `Δ` at the oracle price, `TNC` the account's total net collateral, `DMMR` the
/// maintenance requirement of the closed part and `TMMR` the account's total requirement
/// (`protocol/x/clob/keeper/liquidations.go`, `GetBankruptcyPriceInQuoteQuantums`).
/// Closing everything (`DMMR = TMMR`) gives the familiar `p_b = mark − equity / size`.
///
/// `delta` is the signed change in position (selling a long: negative). The loss past
/// this price is what the insurance fund absorbs. Rounded so the bankrupt account is
/// never left below zero by rounding: a long's price rounds up, a short's down.
#[derive(Debug, Clone, Copy)]
pub struct BankruptcyInput {
    /// Signed change in the position (a long closing is negative).
    pub delta: Base,
    /// Price the position is marked at.
    pub mark: Price,
    /// Total net collateral (equity) of the account or isolated position.
    pub total_net_collateral: Quote,
    /// Maintenance requirement of the part being closed.
    pub delta_maintenance: Quote,
    /// Total maintenance requirement of the account or isolated position.
    pub total_maintenance: Quote,
}

/// See [`BankruptcyInput`]. Returns `None` when `delta` is zero; a negative result
/// (a long so over-collateralized that it cannot go bankrupt) is clamped to zero.
pub fn bankruptcy_price(input: BankruptcyInput) -> Result<Option<Price>, ArithmeticError> {
    let BankruptcyInput {
        delta,
        mark,
        total_net_collateral,
        delta_maintenance,
        total_maintenance,
    } = input;
    if delta.is_zero() {
        return Ok(None);
    }
    // −DNNV: closing Δ removes −Δ of position worth −Δ·mark.
    let minus_dnnv = delta.checked_neg()?.notional(mark, Rounding::Floor)?;
    let share = if total_maintenance.is_positive() {
        total_net_collateral.mul_div(
            i128::from(delta_maintenance.abs().atoms()),
            i128::from(total_maintenance.atoms()),
            Rounding::Floor,
        )?
    } else {
        total_net_collateral
    };
    let numerator = minus_dnnv.checked_sub(share)?;
    // Selling a long (Δ < 0): numerator/Δ; a higher price favours the bankrupt seller.
    let rounding = if delta.is_negative() {
        Rounding::Ceil
    } else {
        Rounding::Floor
    };
    let price = Price::from_ratio(numerator, delta.checked_neg()?, rounding)?;
    Ok(Some(price.max(Price::ZERO)))
}

/// The mark price at which an account's equity meets its maintenance margin.
///
/// With `E` the equity at mark `m`, position `q` (signed) and the tier's rate `r` and
/// deduction `d`, the condition `E + q(p − m) = |q|·p·r − d` solves to
/// `p = (q·m − E − d) / (q·(1 − sign(q)·r))`. Hyperliquid documents the same solution
/// as `liq_price = price − side × margin_available / position_size / (1 − l × side)`
/// with `l` the maintenance rate (docs, "Trading → Liquidations"). Tiers are tried in
/// order and the root whose notional falls in its own tier is returned; other positions
/// of a cross account are held at their marks. `None` when no positive price
/// liquidates the position (a long collateralized beyond its notional, or `q = 0`).
/// Rounded toward the side that liquidates earlier (long up, short down).
pub fn liquidation_price(
    equity: Quote,
    size: Base,
    mark: Price,
    other_maintenance: Quote,
    schedule: &MarginSchedule,
) -> Result<Option<Price>, ArithmeticError> {
    liquidation_price_scaled(equity, size, mark, other_maintenance, schedule, Ppm::ONE)
}

/// [`liquidation_price`] with every maintenance rate and deduction multiplied by `scale`
/// (volatility-scaled margin: `MM = scale × (n·r − d)`).
pub fn liquidation_price_scaled(
    equity: Quote,
    size: Base,
    mark: Price,
    other_maintenance: Quote,
    schedule: &MarginSchedule,
    scale: Ppm,
) -> Result<Option<Price>, ArithmeticError> {
    if size.is_zero() {
        return Ok(None);
    }
    let long = size.is_positive();
    let tiers = schedule.tiers();
    let mut fallback = None;
    for (k, tier) in tiers.iter().enumerate() {
        let rate = tier.maintenance_rate.mul_ppm(scale, Rounding::Ceil)?;
        let signed_rate = if long { rate } else { rate.checked_neg()? };
        let one_minus = Ppm::ONE.checked_sub(signed_rate)?;
        let denom = size.mul_div(
            i128::from(one_minus.atoms()),
            i128::from(PPM_SCALE),
            Rounding::Floor,
        )?;
        // E + q(p − m) = |q|·p·r − d + other  ⇒  p·q(1 − s·r) = q·m − E − d + other.
        let numerator = size
            .notional(mark, Rounding::Floor)?
            .checked_sub(equity)?
            .checked_sub(tier.maintenance_deduction.mul_ppm(scale, Rounding::Floor)?)?
            .checked_add(other_maintenance)?;
        let rounding = if long {
            Rounding::Ceil
        } else {
            Rounding::Floor
        };
        let p = Price::from_ratio(numerator, denom, rounding)?;
        if !p.is_positive() {
            continue;
        }
        let notional = size.notional(p, Rounding::Floor)?.abs();
        let upper_ok = tiers
            .get(k + 1)
            .is_none_or(|next| notional < next.notional_floor);
        if notional >= tier.notional_floor && upper_ok {
            return Ok(Some(p));
        }
        fallback.get_or_insert(p);
    }
    // Only a rounding hair at a tier boundary can leave no exact match.
    Ok(fallback)
}
