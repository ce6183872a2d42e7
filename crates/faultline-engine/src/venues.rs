//! Phase 2: venues. Books follow the reference and refill; market makers withdraw depth
//! as realized volatility rises; arbitrageurs with finite capital and latency pull AMM
//! pools toward the perp book; an attacker may push a thin venue with a budget.

use crate::events::EventKind;
use crate::sim::{EngineError, Simulation};
use faultline_state::{BookSide, VenueBook, WalkLimit};
use faultline_units::{Base, Ppm, Price, Quote, Rounding};
use std::collections::VecDeque;

const MS_PER_YEAR: f64 = 365.0 * 24.0 * 3_600_000.0;

/// Market makers show less depth as realized volatility rises:
/// `depth = full × 1 / (1 + sensitivity × max(0, σ_realized / σ_reference − 1))`,
/// with `σ_realized` an EWMA of squared reference log returns (RiskMetrics-style).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiquidityParams {
    /// How strongly depth falls with excess volatility (0: never).
    pub withdraw_sensitivity: f64,
    /// Annual volatility at which makers show full depth.
    pub reference_vol_annual: f64,
    /// Half-life of the volatility estimate, in blocks.
    pub vol_halflife_blocks: f64,
    /// Makers also pull depth as the inventory they absorbed grows:
    /// × 1 / (1 + inventory_sensitivity × |inventory notional| / inventory_limit).
    pub inventory_limit: Option<f64>,
    /// See `inventory_limit`.
    pub inventory_sensitivity: f64,
}

/// Arbitrage between AMM pools and the perp book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArbitrageParams {
    /// Quote the arbitrageurs can deploy per block.
    pub capital_per_block: Quote,
    /// They act on the book mid seen this many blocks ago.
    pub latency_blocks: u32,
    /// They act only when the pool is this far from their target.
    pub min_edge: Ppm,
}

/// An attacker buying a thin venue to move an oracle source (as on Mango Markets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manipulation {
    /// Spot venue index.
    pub venue: usize,
    /// First block of buying.
    pub start: u64,
    /// Last block; the position is sold back the block after.
    pub end: u64,
    /// Total quote the attacker spends.
    pub budget: Quote,
    /// Quote spent per block.
    pub per_block: Quote,
}

/// Per-market venue state carried between blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct VenueState {
    pub ewma_var: f64,
    pub last_reference: f64,
    pub mids: VecDeque<Price>,
    pub held: Base,
    pub spent: Quote,
    pub depth_multiplier: f64,
}

impl Simulation {
    /// Phase 2 for market `i`.
    pub(crate) fn venues_phase(&mut self, i: usize) -> Result<(), EngineError> {
        let block = self.block.0;
        let dt = self.config.block_time_ms as f64 / MS_PER_YEAR;
        let rt = &mut self.runtimes[i];
        let m = &mut self.venue.markets[i];
        let reference = m.reference_price;
        // Volatility estimate and depth withdrawal.
        let r = reference.to_f64();
        if rt.state.last_reference > 0.0 && r > 0.0 {
            let ret = libm::log(r / rt.state.last_reference);
            let lambda = rt.liquidity.map_or(0.94, |l| {
                libm::pow(0.5, 1.0 / l.vol_halflife_blocks.max(1e-9))
            });
            rt.state.ewma_var = lambda * rt.state.ewma_var + (1.0 - lambda) * ret * ret;
        }
        rt.state.last_reference = r;
        let multiplier = match rt.liquidity {
            Some(l) if l.reference_vol_annual > 0.0 => {
                let sigma = (rt.state.ewma_var / dt).sqrt();
                1.0 / (1.0
                    + l.withdraw_sensitivity * (sigma / l.reference_vol_annual - 1.0).max(0.0))
            }
            _ => 1.0,
        };
        let lp_inventory = self.venue.accounts[self.lp.index()]
            .position(m.id)
            .map_or(0.0, |p| p.size.to_f64().abs() * reference.to_f64());
        let multiplier = match rt.liquidity {
            Some(LiquidityParams {
                inventory_limit: Some(limit),
                inventory_sensitivity,
                ..
            }) if limit > 0.0 => multiplier / (1.0 + inventory_sensitivity * lp_inventory / limit),
            _ => multiplier,
        };
        rt.state.depth_multiplier = multiplier;
        let mult = Ppm::from_f64(multiplier)?;
        m.book.set_reference(reference);
        m.book.set_depth_multiplier(mult)?;
        m.book.refill()?;
        m.book_offline = self.faults.venue_offline(i, None, block);
        for (j, v) in m.venues.iter_mut().enumerate() {
            v.offline = self.faults.venue_offline(i, Some(j), block);
            if let VenueBook::Book(b) = &mut v.liquidity {
                b.set_reference(reference);
                b.set_depth_multiplier(mult)?;
                b.refill()?;
            }
        }
        rt.state.mids.push_back(m.book.mid()?);
        let keep = rt.arbitrage.map_or(1, |a| a.latency_blocks as usize + 1);
        while rt.state.mids.len() > keep {
            rt.state.mids.pop_front();
        }
        self.arbitrage(i)?;
        self.manipulate(i)
    }

    fn arbitrage(&mut self, i: usize) -> Result<(), EngineError> {
        let rt = &self.runtimes[i];
        let (Some(arb), Some(&target)) = (rt.arbitrage, rt.state.mids.front()) else {
            return Ok(());
        };
        let m = &mut self.venue.markets[i];
        if m.book_offline || !target.is_positive() {
            return Ok(());
        }
        for v in m
            .venues
            .iter_mut()
            .filter(|v| !v.offline && matches!(v.liquidity, VenueBook::Amm(_)))
        {
            let price = v.mid()?;
            if !price.is_positive() {
                continue;
            }
            let edge = price
                .checked_sub(target)?
                .abs()
                .ratio_to(target, Rounding::Floor)?;
            if edge <= arb.min_edge {
                continue;
            }
            let qty = Base::from_quote(arb.capital_per_block, price, Rounding::Floor)?;
            // Cheap pool: buy there, sell on the book; dear pool: the reverse.
            let (pool_side, book_side) = if price < target {
                (BookSide::Ask, BookSide::Bid)
            } else {
                (BookSide::Bid, BookSide::Ask)
            };
            let fill = v.execute(pool_side, qty, WalkLimit::Price(target))?;
            if fill.filled.is_positive() {
                m.book.execute(book_side, fill.filled, WalkLimit::None)?;
            }
        }
        Ok(())
    }

    fn manipulate(&mut self, i: usize) -> Result<(), EngineError> {
        let block = self.block.0;
        let Some(a) = self.runtimes[i].manipulation else {
            return Ok(());
        };
        let Some(v) = self.venue.markets[i].venues.get_mut(a.venue) else {
            return Ok(());
        };
        if v.offline {
            return Ok(());
        }
        let st = &mut self.runtimes[i].state;
        if (a.start..=a.end).contains(&block) && st.spent < a.budget {
            let spend = a.per_block.min(a.budget.checked_sub(st.spent)?);
            let qty = base_for_quote(v, spend)?;
            if qty.is_positive() {
                let fill = v.execute(BookSide::Ask, qty, WalkLimit::None)?;
                st.held = st.held.checked_add(fill.filled)?;
                st.spent = st.spent.checked_add(fill.notional)?;
            }
            let label = v.label.clone();
            let id = self.venue.markets[i].id;
            self.emit(
                EventKind::OracleManipulation,
                Some(id),
                None,
                Some(a.budget),
                format!(
                    "an attacker is buying venue `{label}` with a budget of {}",
                    a.budget
                ),
            );
        } else if block > a.end && st.held.is_positive() {
            let held = st.held;
            st.held = Base::ZERO;
            v.execute(BookSide::Bid, held, WalkLimit::None)?;
        }
        Ok(())
    }
}

/// The most base `spend` quote buys on a venue (bisection on the venue's own quotes).
fn base_for_quote(v: &faultline_state::SpotVenue, spend: Quote) -> Result<Base, EngineError> {
    let price = v.mid()?;
    if !price.is_positive() || !spend.is_positive() {
        return Ok(Base::ZERO);
    }
    let (mut lo, mut hi) = (
        0i64,
        Base::from_quote(spend, price, Rounding::Floor)?
            .atoms()
            .max(1),
    );
    for _ in 0..64 {
        if lo >= hi {
            break;
        }
        let mid = lo + (hi - lo + 1) / 2;
        let fill = v.preview(BookSide::Ask, Base::from_atoms(mid), WalkLimit::None)?;
        if fill.filled.atoms() == mid && fill.notional <= spend {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(Base::from_atoms(lo))
}
