//! Agents: liquidators that repay loans and sell what they seize through named venues,
//! and arbitrageurs that tie a venue to the outside market.

use crate::ledger::{HolderId, Ledger};
use crate::pool::{Direction, Pool};
use crate::spec::{ArbitrageurSpec, LiquidatorSpec, VenueId};
use crate::WorldError;
use faultline_units::{mul_div_wide, Amount, AssetId, Price, Rounding, PRICE_SCALE};

/// Swap `amount` (an asset the venue trades) through `pool` for `trader`: the trader
/// pays the input to the pool's holder and receives the output. Returns what came out.
pub fn swap(
    ledger: &mut Ledger,
    pool: &Pool,
    trader: HolderId,
    amount: Amount,
) -> Result<Amount, WorldError> {
    let (dir, out_asset) = direction(pool, amount.asset())?;
    let out = pool.amount_out(ledger, dir, amount.atoms())?;
    if out <= 0 {
        // The pool pays nothing (a reverted swap): the trader keeps what it offered.
        return Ok(Amount::new(out_asset, 0));
    }
    ledger.transfer(trader, pool.holder, amount)?;
    let out = Amount::new(out_asset, out);
    ledger.transfer(pool.holder, trader, out)?;
    Ok(out)
}

fn direction(pool: &Pool, asset: AssetId) -> Result<(Direction, AssetId), WorldError> {
    if asset == pool.base {
        Ok((Direction::SellBase, pool.quote))
    } else if asset == pool.quote {
        Ok((Direction::BuyBase, pool.base))
    } else {
        Err(WorldError::Route(format!(
            "a pool of {:?}/{:?} does not trade {asset}",
            pool.base, pool.quote
        )))
    }
}

/// What selling `amount` along `route` would return now (each venue once, so the
/// previews do not interact).
pub fn preview_route(
    ledger: &Ledger,
    pools: &[Pool],
    route: &[VenueId],
    amount: Amount,
) -> Result<Amount, WorldError> {
    let mut held = amount;
    for v in route {
        let pool = &pools[v.index()];
        let (dir, out_asset) = direction(pool, held.asset())?;
        held = Amount::new(out_asset, pool.amount_out(ledger, dir, held.atoms())?);
    }
    Ok(held)
}

/// Sell `amount` along `route` for `trader`.
pub fn sell_route(
    ledger: &mut Ledger,
    pools: &[Pool],
    trader: HolderId,
    route: &[VenueId],
    amount: Amount,
) -> Result<Amount, WorldError> {
    let mut held = amount;
    for v in route {
        if held.atoms() <= 0 {
            break;
        }
        held = swap(ledger, &pools[v.index()], trader, held)?;
    }
    Ok(held)
}

/// Holders who sell: their wallet, and when they run, who has left and what they sold.
#[derive(Debug, Clone)]
pub struct Seller {
    /// Parameters.
    pub spec: crate::spec::SellerSpec,
    /// Their wallet.
    pub wallet: HolderId,
    /// Who has left, when they run; and the stream their decisions draw from.
    pub herd: Option<(crate::herd::Herd, rand_chacha::ChaCha12Rng)>,
    /// Atoms sold so far by the price rule (runs included).
    pub sold: i128,
    /// Scheduled sales made so far (their count) and the atoms they sold.
    pub scheduled: (usize, i128),
    /// Blocks in which it sold.
    pub trades: u64,
}

/// A debt-auction bidder's running state.
#[derive(Debug, Clone)]
pub struct DebtBidder {
    /// Parameters.
    pub spec: crate::spec::DebtBidderSpec,
    /// Its wallet.
    pub wallet: HolderId,
    /// Bids placed.
    pub bids: u64,
}

/// A reserve buying while the price is low: its wallet and what it bought.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// Parameters.
    pub spec: crate::spec::BuyerSpec,
    /// Its wallet.
    pub wallet: HolderId,
    /// Atoms of the asset bought so far.
    pub bought: i128,
    /// Quote atoms spent so far.
    pub spent: i128,
    /// Blocks in which it bought.
    pub trades: u64,
}

/// A liquidator's running state.
#[derive(Debug, Clone)]
pub struct Liquidator {
    /// Parameters.
    pub spec: LiquidatorSpec,
    /// Its wallet.
    pub wallet: HolderId,
    /// Liquidations executed.
    pub liquidations: u64,
    /// Gas paid, in the chain's gas asset's value.
    pub gas_paid: faultline_units::Value,
}

impl Liquidator {
    /// The venues it sells `asset` through (empty: it keeps it).
    pub fn route(&self, asset: AssetId) -> &[VenueId] {
        self.spec
            .routes
            .iter()
            .find(|(a, _)| *a == asset)
            .map_or(&[], |(_, r)| r.as_slice())
    }
}

/// An arbitrageur's running state.
#[derive(Debug, Clone)]
pub struct Arbitrageur {
    /// Parameters.
    pub spec: ArbitrageurSpec,
    /// Its wallet.
    pub wallet: HolderId,
    /// Trades made.
    pub trades: u64,
}

impl Arbitrageur {
    /// Trade the pool toward `target` (quote units per base unit, from the outside
    /// market), at most `max_base` base atoms' worth, and settle the other leg outside
    /// the world at `target`: buying base in the pool it sells the base outside, and
    /// the reverse. The size is the largest that leaves the pool's mid no further than
    /// the target (bisection on the exact pool arithmetic). The outside leg pays the
    /// arbitrageur floored amounts.
    pub fn act(
        &mut self,
        ledger: &mut Ledger,
        pool: &Pool,
        target: Price,
        max_base: i128,
    ) -> Result<(), WorldError> {
        let mid = pool.mid(ledger)?;
        if !target.is_positive() || !mid.is_positive() {
            return Ok(());
        }
        let gap = mul_div_wide(
            i128::from((mid.atoms() - target.atoms()).abs()),
            1_000_000,
            i128::from(target.atoms()),
            Rounding::Floor,
        )?;
        if gap <= i128::from(self.spec.threshold.atoms()) {
            return Ok(());
        }
        let (b, q) = pool.reserves(ledger);
        let cheap = mid < target; // the pool sells base too cheaply: buy it there
        let outside_quote_for = |base: i128, rounding| -> Result<i128, WorldError> {
            // base atoms → quote atoms at the target price.
            let num = mul_div_wide(
                base,
                i128::from(target.atoms()),
                i128::from(PRICE_SCALE),
                rounding,
            )?;
            let sb = faultline_units::scale_of(pool.base_decimals)?;
            let sq = faultline_units::scale_of(pool.quote_decimals)?;
            Ok(mul_div_wide(num, sq, sb, rounding)?)
        };
        let size = size_toward(
            ledger,
            pool,
            !cheap,
            target,
            if cheap {
                outside_quote_for(max_base, Rounding::Floor)?.min(q)
            } else {
                max_base.min(b)
            },
        )?;
        if size <= 0 {
            return Ok(());
        }
        let offered = if cheap { pool.quote } else { pool.base };
        ledger.external_in(self.wallet, Amount::new(offered, size))?;
        let got = swap(ledger, pool, self.wallet, Amount::new(offered, size))?;
        ledger.external_out(self.wallet, got)?;
        self.trades += 1;
        Ok(())
    }
}

/// The largest order into `pool` (base atoms when `sell_base`, else quote atoms), at
/// most `cap`, that leaves its mid no further than `target`: selling base lowers the
/// mid to no less than the target, buying base raises it to no more (bisection on the
/// exact pool arithmetic).
pub fn size_toward(
    ledger: &Ledger,
    pool: &Pool,
    sell_base: bool,
    target: Price,
    cap: i128,
) -> Result<i128, WorldError> {
    let (b, q) = pool.reserves(ledger);
    if sell_base {
        bisect(cap.min(b), |x| {
            let out = pool.amount_out(ledger, Direction::SellBase, x)?;
            Ok(pool.mid_at(b + x, q - out)? >= target)
        })
    } else {
        bisect(cap.min(q), |x| {
            let out = pool.amount_out(ledger, Direction::BuyBase, x)?;
            Ok(pool.mid_at(b - out, q + x)? <= target)
        })
    }
}

/// The largest `x` in `[0, cap]` with `ok(x)` true, for `ok` true at 0 and monotone.
fn bisect(cap: i128, ok: impl Fn(i128) -> Result<bool, WorldError>) -> Result<i128, WorldError> {
    if cap <= 0 {
        return Ok(0);
    }
    if ok(cap)? {
        return Ok(cap);
    }
    let (mut lo, mut hi) = (0i128, cap);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}
