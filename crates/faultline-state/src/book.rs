//! An order book described by a depth profile, walked by market orders.
//!
//! The book is a ladder of price levels anchored to the exogenous reference price: level
//! *i* sits at `reference × (1 ∓ offset_i)` and holds the quote depth that the profile
//! puts between offset_{i−1} and offset_i. A market order consumes levels from the
//! top, so selling pushes the best bid (and the mid) down: that is the price impact
//! which turns liquidations into a cascade. Consumed depth refills each block by a fixed
//! fraction of what is missing (resilience). Depth is not money; it only sets prices.

use faultline_units::{ArithmeticError, Base, Ppm, Price, Quote, Rounding};

/// One point of a cumulative depth profile: `cumulative_quote` rests within `offset` of mid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthPoint {
    /// Distance from mid as a fraction (1% = 10,000 ppm).
    pub offset: Ppm,
    /// Quote resting between mid and that distance, on one side.
    pub cumulative_quote: Quote,
}

/// A validated cumulative depth profile (same on both sides), interpolated linearly from
/// zero depth at mid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthProfile {
    points: Vec<DepthPoint>,
}

impl DepthProfile {
    /// Validate: at least one point, offsets strictly increasing in (0, 100%), depth
    /// non-decreasing and positive at the last point.
    pub fn new(points: Vec<DepthPoint>) -> Result<Self, String> {
        let last = points
            .last()
            .ok_or("a depth profile needs at least one point")?;
        if !last.cumulative_quote.is_positive() {
            return Err("the depth profile's deepest point must hold positive depth".into());
        }
        let mut prev = DepthPoint {
            offset: Ppm::ZERO,
            cumulative_quote: Quote::ZERO,
        };
        for (i, p) in points.iter().enumerate() {
            if p.offset <= prev.offset || p.offset >= Ppm::ONE {
                return Err(format!(
                    "depth point {i}: offsets must increase strictly and stay below 100%"
                ));
            }
            if p.cumulative_quote < prev.cumulative_quote {
                return Err(format!(
                    "depth point {i}: cumulative depth must not decrease"
                ));
            }
            prev = *p;
        }
        Ok(Self { points })
    }

    /// The profile's points.
    pub fn points(&self) -> &[DepthPoint] {
        &self.points
    }

    /// The deepest offset the profile describes.
    pub fn max_offset(&self) -> Ppm {
        self.points.last().map_or(Ppm::ZERO, |p| p.offset)
    }

    /// Cumulative depth within `offset`, linear between points, flat beyond the last.
    pub fn depth_within(&self, offset: Ppm) -> Result<Quote, ArithmeticError> {
        let mut prev = DepthPoint {
            offset: Ppm::ZERO,
            cumulative_quote: Quote::ZERO,
        };
        for p in &self.points {
            if offset <= p.offset {
                let span = p.offset.checked_sub(prev.offset)?.atoms();
                let into = offset.checked_sub(prev.offset)?.atoms();
                let rise = p.cumulative_quote.checked_sub(prev.cumulative_quote)?;
                let extra = rise.mul_div(i128::from(into), i128::from(span), Rounding::Floor)?;
                return prev.cumulative_quote.checked_add(extra);
            }
            prev = *p;
        }
        Ok(prev.cumulative_quote)
    }
}

/// Which side of the book an order consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookSide {
    /// Resting buy orders (a market sell consumes them).
    Bid,
    /// Resting sell orders (a market buy consumes them).
    Ask,
}

/// How far a market order may walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkLimit {
    /// Until the quantity is filled or the book is exhausted.
    None,
    /// Only at prices no worse than this one (a sell: ≥, a buy: ≤).
    Price(Price),
    /// Past `reference` (worse for the order), only while the cumulative shortfall
    /// against it, `Σ |price − reference| × qty`, stays within `budget`. Used when an
    /// insurance fund pays for fills beyond a bankruptcy price.
    LossBudget {
        /// The price beyond which fills cost the budget.
        reference: Price,
        /// What the fills beyond `reference` may cost in total.
        budget: Quote,
    },
}

/// The result of walking the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fill {
    /// Base filled (non-negative).
    pub filled: Base,
    /// Quote exchanged (non-negative): proceeds rounded down for a sell, cost up for a buy.
    pub notional: Quote,
    /// Price of the last level touched.
    pub worst_price: Price,
    /// The walk ran out of levels with quantity left (not stopped by its limit).
    pub exhausted: bool,
}

/// The order book of one market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    offsets: Vec<Ppm>,
    /// Depth each level holds when market makers are fully present.
    full: Vec<Quote>,
    /// Depth each level is refilled toward (full depth × the current multiplier).
    target: Vec<Quote>,
    bids: Vec<Quote>,
    asks: Vec<Quote>,
    refill: Ppm,
    reference: Price,
}

/// Parameters to lay out a book's ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookLayout {
    /// Cumulative depth profile.
    pub profile: DepthProfile,
    /// Half the bid–ask spread, as a fraction of the reference.
    pub half_spread: Ppm,
    /// Distance between levels.
    pub level_step: Ppm,
    /// Fraction of missing depth restored each block.
    pub refill_per_block: Ppm,
}

impl Book {
    /// Lay out a full book around `reference`.
    pub fn new(layout: &BookLayout, reference: Price) -> Result<Self, ArithmeticError> {
        let step = layout.level_step.max(Ppm::from_atoms(1));
        let max = layout.profile.max_offset();
        let mut offsets = Vec::new();
        let mut target = Vec::new();
        let mut o = layout.half_spread.max(step);
        let mut prev_depth = Quote::ZERO;
        loop {
            let capped = o.min(max);
            let depth = layout.profile.depth_within(capped)?;
            offsets.push(capped);
            target.push(depth.checked_sub(prev_depth)?);
            prev_depth = depth;
            if capped >= max {
                break;
            }
            o = o.checked_add(step)?;
        }
        Ok(Self {
            bids: target.clone(),
            asks: target.clone(),
            full: target.clone(),
            offsets,
            target,
            refill: layout.refill_per_block,
            reference,
        })
    }

    /// Move the ladder to a new reference price; resting depth keeps its level.
    pub fn set_reference(&mut self, reference: Price) {
        self.reference = reference;
    }

    /// The anchor price.
    pub fn reference(&self) -> Price {
        self.reference
    }

    /// Scale the depth market makers are willing to show (1 = the full profile). Depth
    /// above the new target is withdrawn at once; missing depth refills toward it.
    pub fn set_depth_multiplier(&mut self, multiplier: Ppm) -> Result<(), ArithmeticError> {
        let m = multiplier.max(Ppm::ZERO).min(Ppm::ONE);
        for (t, f) in self.target.iter_mut().zip(&self.full) {
            *t = f.mul_ppm(m, Rounding::Floor)?;
        }
        for side in [&mut self.bids, &mut self.asks] {
            for (rest, target) in side.iter_mut().zip(&self.target) {
                *rest = (*rest).min(*target);
            }
        }
        Ok(())
    }

    /// Restore `refill_per_block` of the missing depth on every level.
    pub fn refill(&mut self) -> Result<(), ArithmeticError> {
        for side in [&mut self.bids, &mut self.asks] {
            for (rest, target) in side.iter_mut().zip(&self.target) {
                let missing = target.checked_sub(*rest)?;
                if missing.is_positive() {
                    *rest = rest
                        .checked_add(missing.mul_ppm(self.refill, Rounding::Ceil)?)?
                        .min(*target);
                }
            }
        }
        Ok(())
    }

    fn level_price(&self, side: BookSide, i: usize) -> Result<Price, ArithmeticError> {
        match side {
            BookSide::Bid => self
                .reference
                .mul_ppm(Ppm::ONE.checked_sub(self.offsets[i])?, Rounding::Floor),
            BookSide::Ask => self
                .reference
                .mul_ppm(Ppm::ONE.checked_add(self.offsets[i])?, Rounding::Ceil),
        }
    }

    /// Best live price on a side; when the side is empty, its deepest level's price.
    pub fn best(&self, side: BookSide) -> Result<Price, ArithmeticError> {
        let levels = match side {
            BookSide::Bid => &self.bids,
            BookSide::Ask => &self.asks,
        };
        for (i, rest) in levels.iter().enumerate() {
            let price = self.level_price(side, i)?;
            if price.is_positive() && Base::from_quote(*rest, price, Rounding::Floor)?.is_positive()
            {
                return Ok(price);
            }
        }
        self.level_price(side, levels.len() - 1)
    }

    /// Mid of the best bid and best ask.
    pub fn mid(&self) -> Result<Price, ArithmeticError> {
        let (b, a) = (self.best(BookSide::Bid)?, self.best(BookSide::Ask)?);
        Ok(Price::from_atoms(
            b.atoms() / 2 + a.atoms() / 2 + (b.atoms() % 2 + a.atoms() % 2) / 2,
        ))
    }

    /// Total resting quote depth on a side.
    pub fn depth(&self, side: BookSide) -> Quote {
        let levels = match side {
            BookSide::Bid => &self.bids,
            BookSide::Ask => &self.asks,
        };
        Quote::from_atoms(levels.iter().map(|q| q.atoms()).sum())
    }

    /// What a market order of `qty` base against `side` would fill, without changing the book.
    pub fn preview(
        &self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        self.walk(side, qty, limit, |_, _| {})
    }

    /// Execute a market order of `qty` base against `side`, consuming depth.
    pub fn execute(
        &mut self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
    ) -> Result<Fill, ArithmeticError> {
        let mut consumed = Vec::new();
        let fill = self.walk(side, qty, limit, |i, q| consumed.push((i, q)))?;
        let levels = match side {
            BookSide::Bid => &mut self.bids,
            BookSide::Ask => &mut self.asks,
        };
        for (i, q) in consumed {
            levels[i] = levels[i].checked_sub(q)?.max(Quote::ZERO);
        }
        Ok(fill)
    }

    fn walk(
        &self,
        side: BookSide,
        qty: Base,
        limit: WalkLimit,
        mut consume: impl FnMut(usize, Quote),
    ) -> Result<Fill, ArithmeticError> {
        let levels = match side {
            BookSide::Bid => &self.bids,
            BookSide::Ask => &self.asks,
        };
        let (notional_rounding, is_sell) = match side {
            BookSide::Bid => (Rounding::Floor, true),
            BookSide::Ask => (Rounding::Ceil, false),
        };
        let mut fill = Fill::default();
        let mut left = qty.abs();
        let mut budget_left = Quote::ZERO;
        if let WalkLimit::LossBudget { budget, .. } = limit {
            budget_left = budget;
        }
        let mut stopped_by_limit = false;
        for (i, rest) in levels.iter().enumerate() {
            if !left.is_positive() {
                break;
            }
            let price = self.level_price(side, i)?;
            if !price.is_positive() || !rest.is_positive() {
                continue;
            }
            let available = Base::from_quote(*rest, price, Rounding::Floor)?;
            let mut take = available.min(left);
            match limit {
                WalkLimit::None => {}
                WalkLimit::Price(p) => {
                    if (is_sell && price < p) || (!is_sell && price > p) {
                        stopped_by_limit = true;
                        break;
                    }
                }
                WalkLimit::LossBudget { reference, .. } => {
                    let shortfall = if is_sell {
                        reference.checked_sub(price)?
                    } else {
                        price.checked_sub(reference)?
                    };
                    if shortfall.is_positive() {
                        let affordable = Base::from_quote(budget_left, shortfall, Rounding::Floor)?;
                        take = take.min(affordable);
                        budget_left =
                            budget_left.checked_sub(take.notional(shortfall, Rounding::Ceil)?)?;
                    }
                }
            }
            if !take.is_positive() {
                stopped_by_limit = true;
                break;
            }
            let value = take.notional(price, notional_rounding)?;
            // Taking everything a level offers clears it, dust included.
            consume(
                i,
                if take == available {
                    *rest
                } else {
                    value.min(*rest)
                },
            );
            fill.filled = fill.filled.checked_add(take)?;
            fill.notional = fill.notional.checked_add(value)?;
            fill.worst_price = price;
            left = left.checked_sub(take)?;
        }
        fill.exhausted = left.is_positive() && !stopped_by_limit;
        Ok(fill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> BookLayout {
        // $1M within 1%, $3M within 2%; 10 bp levels, 5 bp half spread, 10% refill.
        let profile = DepthProfile::new(vec![
            DepthPoint {
                offset: Ppm::from_bps(100),
                cumulative_quote: Quote::from_units(1_000_000).unwrap(),
            },
            DepthPoint {
                offset: Ppm::from_bps(200),
                cumulative_quote: Quote::from_units(3_000_000).unwrap(),
            },
        ])
        .unwrap();
        BookLayout {
            profile,
            half_spread: Ppm::from_bps(5),
            level_step: Ppm::from_bps(10),
            refill_per_block: Ppm::from_bps(1_000),
        }
    }

    #[test]
    fn ladder_holds_exactly_the_profiles_depth() {
        let book = Book::new(&layout(), Price::from_units(100).unwrap()).unwrap();
        assert_eq!(
            book.depth(BookSide::Bid),
            Quote::from_units(3_000_000).unwrap()
        );
        assert_eq!(
            book.depth(BookSide::Ask),
            Quote::from_units(3_000_000).unwrap()
        );
    }

    #[test]
    fn a_market_sell_walks_down_and_moves_the_mid() {
        let mut book = Book::new(&layout(), Price::from_units(100).unwrap()).unwrap();
        let mid0 = book.mid().unwrap();
        // $1M rests within 1%: selling ~10,000 base (≈ $995k) must walk close to −1%.
        let fill = book
            .execute(
                BookSide::Bid,
                Base::from_units(10_000).unwrap(),
                WalkLimit::None,
            )
            .unwrap();
        assert_eq!(fill.filled, Base::from_units(10_000).unwrap());
        let avg = fill.notional.to_f64() / fill.filled.to_f64();
        assert!(avg < 99.95 && avg > 99.0, "average fill {avg}");
        assert!(fill.worst_price < Price::from_f64(99.1).unwrap());
        assert!(book.mid().unwrap() < mid0);
        // Refill restores depth gradually, not at once.
        let after = book.depth(BookSide::Bid);
        book.refill().unwrap();
        assert!(
            book.depth(BookSide::Bid) > after
                && book.depth(BookSide::Bid) < Quote::from_units(3_000_000).unwrap()
        );
    }

    #[test]
    fn price_limit_stops_the_walk_and_book_exhaustion_leaves_a_remainder() {
        let book = Book::new(&layout(), Price::from_units(100).unwrap()).unwrap();
        let limited = book
            .preview(
                BookSide::Bid,
                Base::from_units(1_000_000).unwrap(),
                WalkLimit::Price(Price::from_units(99).unwrap()),
            )
            .unwrap();
        assert!(limited.worst_price >= Price::from_units(99).unwrap());
        let all = book
            .preview(
                BookSide::Bid,
                Base::from_units(1_000_000).unwrap(),
                WalkLimit::None,
            )
            .unwrap();
        assert!(all.filled < Base::from_units(1_000_000).unwrap());
        assert!(all.notional <= Quote::from_units(3_000_000).unwrap());
    }

    #[test]
    fn loss_budget_caps_fills_beyond_the_reference() {
        let book = Book::new(&layout(), Price::from_units(100).unwrap()).unwrap();
        let reference = Price::from_f64(99.5).unwrap();
        let budget = Quote::from_units(100).unwrap();
        let fill = book
            .preview(
                BookSide::Bid,
                Base::from_units(100_000).unwrap(),
                WalkLimit::LossBudget { reference, budget },
            )
            .unwrap();
        // Recompute the shortfall the fill implies and check it stays within budget.
        let at_reference = fill.filled.notional(reference, Rounding::Floor).unwrap();
        let shortfall = at_reference.checked_sub(fill.notional).unwrap();
        assert!(
            shortfall <= budget.checked_add(Quote::from_units(1).unwrap()).unwrap(),
            "shortfall {shortfall}"
        );
        assert!(fill.worst_price < reference);
    }
}
