//! Auto-deleveraging (ADL): who is closed out against a bankrupt position, and in
//! which order, when the insurance fund cannot absorb the loss or the book cannot take
//! the liquidation. Every rule fills at the bankrupt position's bankruptcy price (the
//! engine's concern); this module only decides the order and the amounts.
//!
//! Rules:
//! - [`AdlRanking::Bitmex`] — BitMEX, "Auto-Deleveraging" (www.bitmex.com/app/adl):
//!   `rank = PnL% × effective leverage` for a profit, `PnL% / effective leverage` for a
//!   loss, where `PnL% = (mark value − avg entry value) / |avg entry value|` and
//!   `effective leverage = |mark value| / (mark value − bankrupt value)`.
//! - [`AdlRanking::Binance`] — Binance Futures FAQ "What is Auto-Deleveraging (ADL)"
//!   (www.binance.com/en/support/faq/360033525471, formula as quoted on
//!   dev.binance.vision/t/17801): `LeveragePnl = PnlPercent × MarginRatio` with
//!   `PnlPercent = max(0, unrealized PnL) / max(1, wallet balance)` and
//!   `MarginRatio = maintenance margin / (wallet balance + unrealized PnL)` (zero when
//!   that equity is not positive). Accounts in loss all score zero.
//! - [`AdlRanking::Hyperliquid`] — Hyperliquid docs, "Auto-deleveraging": profitable
//!   positions sorted by `(mark / entry) × (notional / account value)`.
//! - [`AdlRanking::ProRata`] — every profitable opposing position gives up the same
//!   fraction of its size (falling back to all opposing positions when the profitable
//!   ones are not enough).
//! - [`AdlRanking::DydxOffsetWalk`] — dYdX v4 (`protocol/x/clob/keeper/deleveraging.go`,
//!   `OffsetSubaccountPerpetualPosition`): no ranking; opposing positions are visited
//!   circularly, `(i + offset) mod N`, from a pseudo-random offset until the bankrupt
//!   size is covered, skipping counterparties whose own net collateral is negative
//!   ("non-overlapping bankruptcy prices"). dYdX seeds the offset from the previous
//!   block's timestamp; Faultline draws it from the run's seeded stream.
//!
//! Ties are broken by ascending account id, so the order never depends on hashing.

use crate::split::split_pro_rata;
use faultline_units::{AccountId, ArithmeticError, Base, Price, Quote, Rounding, PPM_SCALE};

/// The ranking rule used to pick deleveraged counterparties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdlRanking {
    /// BitMEX: PnL% × effective leverage of the position.
    #[default]
    Bitmex,
    /// Binance: profit over wallet balance × maintenance margin over equity.
    Binance,
    /// Hyperliquid: mark/entry × notional/account value.
    Hyperliquid,
    /// Pro rata by size across profitable opposing positions.
    ProRata,
    /// dYdX v4: unranked walk from a pseudo-random offset.
    DydxOffsetWalk,
}

/// One opposing position that may be deleveraged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdlCandidate {
    /// Owner of the position.
    pub account: AccountId,
    /// Signed size (opposite in sign to the bankrupt position).
    pub size: Base,
    /// Average entry price.
    pub entry_price: Price,
    /// Current mark price.
    pub mark: Price,
    /// The position's own bankruptcy price (0 when it cannot go bankrupt).
    pub bankruptcy_price: Price,
    /// Unrealized PnL at the mark.
    pub unrealized_pnl: Quote,
    /// Wallet balance backing the position (cross balance, or the isolated margin).
    pub wallet_balance: Quote,
    /// Equity backing the position: wallet balance plus unrealized PnL (and funding).
    pub margin_balance: Quote,
    /// Maintenance margin of the position's margin group.
    pub maintenance_margin: Quote,
}

/// An amount of one candidate's position to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdlFill {
    /// Index into the candidate slice.
    pub candidate: usize,
    /// Absolute base amount to close.
    pub amount: Base,
}

/// The ranking score of a candidate under `rule`, in ppm (higher is deleveraged first).
/// Pro-rata and offset-walk rules do not rank and score zero.
pub fn score(rule: AdlRanking, c: &AdlCandidate) -> Result<i128, ArithmeticError> {
    let scale = i128::from(PPM_SCALE);
    let ppm = |x: faultline_units::Ppm| i128::from(x.atoms());
    match rule {
        AdlRanking::Bitmex => {
            let entry_notional = c.size.notional(c.entry_price, Rounding::Floor)?.abs();
            if entry_notional.is_zero() {
                return Ok(0);
            }
            let pnl_pct = ppm(c.unrealized_pnl.ratio_to(entry_notional, Rounding::Floor)?);
            // |mark value| / (mark value − bankrupt value) = mark / |mark − bankruptcy|.
            let gap = c.mark.checked_sub(c.bankruptcy_price)?.abs();
            if gap.is_zero() {
                return Ok(if pnl_pct > 0 { i128::MAX } else { 0 });
            }
            let leverage = ppm(c.mark.ratio_to(gap, Rounding::Floor)?).max(1);
            Ok(if pnl_pct > 0 {
                pnl_pct * leverage / scale
            } else {
                pnl_pct * scale / leverage
            })
        }
        AdlRanking::Binance => {
            let profit = c.unrealized_pnl.max(Quote::ZERO);
            let wallet = c.wallet_balance.max(Quote::ONE);
            let pnl_pct = ppm(profit.ratio_to(wallet, Rounding::Floor)?);
            if !c.margin_balance.is_positive() {
                return Ok(0);
            }
            let margin_ratio = ppm(c
                .maintenance_margin
                .ratio_to(c.margin_balance, Rounding::Floor)?);
            Ok(pnl_pct * margin_ratio / scale)
        }
        AdlRanking::Hyperliquid => {
            if !c.unrealized_pnl.is_positive()
                || !c.margin_balance.is_positive()
                || !c.entry_price.is_positive()
            {
                return Ok(0);
            }
            let price_ratio = ppm(c.mark.ratio_to(c.entry_price, Rounding::Floor)?);
            let notional = c.size.notional(c.mark, Rounding::Floor)?.abs();
            let leverage = ppm(notional.ratio_to(c.margin_balance, Rounding::Floor)?);
            Ok(price_ratio * leverage / scale)
        }
        AdlRanking::ProRata | AdlRanking::DydxOffsetWalk => Ok(0),
    }
}

/// The order in which a ranked or walking rule visits candidates (indices into
/// `candidates`): by score, highest first, ties by account id; or dYdX's circular walk by
/// account id from `offset`, skipping counterparties with negative net collateral. Pro
/// rata has no order (all candidates by account id).
pub fn order(
    rule: AdlRanking,
    candidates: &[AdlCandidate],
    offset: usize,
) -> Result<Vec<usize>, ArithmeticError> {
    Ok(match rule {
        AdlRanking::Bitmex | AdlRanking::Binance | AdlRanking::Hyperliquid => {
            let mut scored = candidates
                .iter()
                .enumerate()
                .map(|(i, c)| score(rule, c).map(|s| (s, c.account, i)))
                .collect::<Result<Vec<_>, _>>()?;
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            scored.into_iter().map(|(_, _, i)| i).collect()
        }
        AdlRanking::DydxOffsetWalk => {
            // Counterparties with negative net collateral cannot take the other side.
            let mut by_id: Vec<usize> = (0..candidates.len())
                .filter(|&i| !candidates[i].margin_balance.is_negative())
                .collect();
            by_id.sort_by_key(|&i| candidates[i].account);
            if !by_id.is_empty() {
                let start = offset % by_id.len();
                by_id.rotate_left(start);
            }
            by_id
        }
        AdlRanking::ProRata => {
            let mut by_id: Vec<usize> = (0..candidates.len()).collect();
            by_id.sort_by_key(|&i| candidates[i].account);
            by_id
        }
    })
}

/// Decide which candidates are closed, and by how much, to absorb `needed` base.
///
/// `offset` is used only by [`AdlRanking::DydxOffsetWalk`]. The fills never exceed a
/// candidate's size; when all candidates together are smaller than `needed`, the fills
/// cover what they can and the caller records the rest as unabsorbed.
pub fn allocate(
    rule: AdlRanking,
    candidates: &[AdlCandidate],
    needed: Base,
    offset: usize,
) -> Result<Vec<AdlFill>, ArithmeticError> {
    let needed = needed.abs();
    if needed.is_zero() || candidates.is_empty() {
        return Ok(Vec::new());
    }
    if rule == AdlRanking::ProRata {
        return allocate_pro_rata(candidates, needed);
    }
    let order = order(rule, candidates, offset)?;
    let mut fills = Vec::new();
    let mut left = needed;
    for i in order {
        if left.is_zero() {
            break;
        }
        let take = candidates[i].size.abs().min(left);
        if take.is_positive() {
            fills.push(AdlFill {
                candidate: i,
                amount: take,
            });
            left = left.checked_sub(take)?;
        }
    }
    Ok(fills)
}

fn allocate_pro_rata(
    candidates: &[AdlCandidate],
    needed: Base,
) -> Result<Vec<AdlFill>, ArithmeticError> {
    let profitable_size: i64 = candidates
        .iter()
        .filter(|c| c.unrealized_pnl.is_positive())
        .map(|c| c.size.abs().atoms())
        .sum();
    let use_all = profitable_size < needed.atoms();
    let weights: Vec<i64> = candidates
        .iter()
        .map(|c| {
            if use_all || c.unrealized_pnl.is_positive() {
                c.size.abs().atoms()
            } else {
                0
            }
        })
        .collect();
    let total_weight: i64 = weights.iter().sum();
    let target = needed.atoms().min(total_weight);
    let shares = split_pro_rata(target, &weights)?;
    Ok(shares
        .into_iter()
        .enumerate()
        .filter(|&(_, s)| s > 0)
        .map(|(i, s)| AdlFill {
            candidate: i,
            amount: Base::from_atoms(s),
        })
        .collect())
}
