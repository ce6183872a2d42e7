//! Oracles: sources per venue, median aggregation, TWAP, OSM-style delay, heartbeat and
//! deviation-threshold updates, update latency, and validity classes that gate what the
//! protocol may do.
//!
//! Each block the oracle *observes* its live sources (the median of their prices), keeps
//! a TWAP of those medians over a window, and delays the result by `delay_blocks` (Maker's
//! Oracle Security Module publishes the previous hour's price). It *pushes* an update
//! when the heartbeat expires or the value moved by the deviation threshold since the
//! last push (Chainlink's heartbeat/deviation rule). A pushed update lands after
//! `latency_blocks`, or, on a simulated chain, when its transaction is included.
//!
//! Validity follows Drift's oracle guard rails: a price is *stale* when its last update
//! is older than `max_staleness_blocks`, *too volatile* when it diverges from the TWAP of
//! observations by more than `max_twap_divergence`, *divergent* when live sources
//! disagree by more than `max_source_spread`, and has *no data* when no source is live.
//! With `guard_liquidations`, liquidations wait while the oracle is not valid.

use faultline_units::{ArithmeticError, Ppm, Price, Rounding};
use std::collections::VecDeque;

/// Where an oracle reads a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceRef {
    /// The perpetual's own order book mid.
    PerpBook,
    /// The exogenous reference price (an index the venue cannot move).
    Reference,
    /// Spot venue `i` of the market.
    Venue(usize),
    /// A price set from outside the venue before each block
    /// ([`crate::Simulation::set_external_price`]): a world's oracle.
    External,
}

/// Oracle parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleParams {
    /// Sources, aggregated by median.
    pub sources: Vec<SourceRef>,
    /// TWAP window over the medians (1 = spot).
    pub twap_blocks: u32,
    /// Delay between observation and publication (OSM: one hour of blocks).
    pub delay_blocks: u32,
    /// Push at least this often (`None`: every block).
    pub heartbeat_blocks: Option<u64>,
    /// Push when the value moved this much since the last push.
    pub deviation: Option<Ppm>,
    /// Blocks between a push and its landing when there is no chain.
    pub latency_blocks: u32,
    /// Older than this, the price is stale.
    pub max_staleness_blocks: Option<u64>,
    /// Further than this from the TWAP of observations, the price is too volatile.
    pub max_twap_divergence: Option<Ppm>,
    /// Sources further apart than this (max − min over median) are divergent.
    pub max_source_spread: Option<Ppm>,
    /// Block liquidations while the oracle is not valid.
    pub guard_liquidations: bool,
}

/// Whether the protocol may use the published price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Validity {
    /// Usable.
    Valid,
    /// Not updated for too long.
    Stale,
    /// Too far from the TWAP of observations.
    TooVolatile,
    /// Sources disagree.
    Divergent,
    /// No live source.
    NoData,
}

impl Validity {
    /// A short name for outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Stale => "stale",
            Validity::TooVolatile => "too_volatile",
            Validity::Divergent => "divergent",
            Validity::NoData => "no_data",
        }
    }
}

/// A market's oracle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oracle {
    params: OracleParams,
    window: VecDeque<Price>,
    delayed: VecDeque<Price>,
    published: Price,
    published_block: u64,
    last_push: Price,
    last_push_block: u64,
    pending: VecDeque<(u64, Price)>,
    live_sources: usize,
    spread: Ppm,
}

impl Oracle {
    /// An oracle that has published `initial` at block 0.
    pub fn new(params: OracleParams, initial: Price) -> Self {
        let delayed = std::iter::repeat_n(initial, params.delay_blocks as usize + 1).collect();
        let window = std::iter::repeat_n(initial, params.twap_blocks.max(1) as usize).collect();
        let live_sources = params.sources.len();
        Self {
            params,
            window,
            delayed,
            published: initial,
            published_block: 0,
            last_push: initial,
            last_push_block: 0,
            pending: VecDeque::new(),
            live_sources,
            spread: Ppm::ZERO,
        }
    }

    /// Parameters.
    pub fn params(&self) -> &OracleParams {
        &self.params
    }

    /// The published price.
    pub fn price(&self) -> Price {
        self.published
    }

    /// Blocks since the published price was updated.
    pub fn age(&self, block: u64) -> u64 {
        block.saturating_sub(self.published_block)
    }

    /// The TWAP of observed medians.
    pub fn twap(&self) -> Price {
        let n = i64::try_from(self.window.len()).unwrap_or(1).max(1);
        let sum: i128 = self.window.iter().map(|p| i128::from(p.atoms())).sum();
        Price::from_atoms(i64::try_from(sum / i128::from(n)).unwrap_or(i64::MAX))
    }

    /// Observe this block's live source prices (offline sources left out). Returns the
    /// value to push when the heartbeat or deviation rule fires, else `None`. `frozen`
    /// suppresses pushes (a scheduled oracle freeze).
    pub fn observe(
        &mut self,
        block: u64,
        live: &mut [Price],
        frozen: bool,
    ) -> Result<Option<Price>, ArithmeticError> {
        self.live_sources = live.len();
        if live.is_empty() {
            return Ok(None);
        }
        live.sort_unstable();
        let median = if live.len() % 2 == 1 {
            live[live.len() / 2]
        } else {
            let (a, b) = (live[live.len() / 2 - 1], live[live.len() / 2]);
            Price::from_atoms(a.atoms() / 2 + b.atoms() / 2 + (a.atoms() % 2 + b.atoms() % 2) / 2)
        };
        self.spread = if median.is_positive() {
            live[live.len() - 1]
                .checked_sub(live[0])?
                .ratio_to(median, Rounding::Ceil)?
        } else {
            Ppm::ZERO
        };
        self.window.push_back(median);
        while self.window.len() > self.params.twap_blocks.max(1) as usize {
            self.window.pop_front();
        }
        let value = self.twap();
        self.delayed.push_back(value);
        while self.delayed.len() > self.params.delay_blocks as usize + 1 {
            self.delayed.pop_front();
        }
        let candidate = self.delayed.front().copied().unwrap_or(value);
        if frozen {
            return Ok(None);
        }
        let heartbeat_due = self
            .params
            .heartbeat_blocks
            .is_none_or(|h| block.saturating_sub(self.last_push_block) >= h);
        let moved = match self.params.deviation {
            Some(d) if self.last_push.is_positive() => {
                candidate
                    .checked_sub(self.last_push)?
                    .abs()
                    .ratio_to(self.last_push, Rounding::Floor)?
                    >= d
            }
            _ => false,
        };
        if heartbeat_due || moved {
            self.last_push = candidate;
            self.last_push_block = block;
            Ok(Some(candidate))
        } else {
            Ok(None)
        }
    }

    /// Queue a pushed update to land after the configured latency (no chain).
    pub fn send(&mut self, block: u64, price: Price) {
        self.pending
            .push_back((block + u64::from(self.params.latency_blocks), price));
    }

    /// Land every queued update due by `block`; returns true if one landed.
    pub fn deliver(&mut self, block: u64) -> bool {
        let mut landed = false;
        while self.pending.front().is_some_and(|(due, _)| *due <= block) {
            if let Some((_, p)) = self.pending.pop_front() {
                self.land(block, p);
                landed = true;
            }
        }
        landed
    }

    /// Apply an update now (its transaction was included, or its latency passed).
    pub fn land(&mut self, block: u64, price: Price) {
        self.published = price;
        self.published_block = block;
    }

    /// Validity of the published price at `block`.
    pub fn validity(&self, block: u64) -> Result<Validity, ArithmeticError> {
        if self.live_sources == 0 {
            return Ok(Validity::NoData);
        }
        if self
            .params
            .max_staleness_blocks
            .is_some_and(|m| self.age(block) > m)
        {
            return Ok(Validity::Stale);
        }
        if let Some(m) = self.params.max_twap_divergence {
            let twap = self.twap();
            if twap.is_positive()
                && self
                    .published
                    .checked_sub(twap)?
                    .abs()
                    .ratio_to(twap, Rounding::Floor)?
                    > m
            {
                return Ok(Validity::TooVolatile);
            }
        }
        if self
            .params
            .max_source_spread
            .is_some_and(|m| self.spread > m)
        {
            return Ok(Validity::Divergent);
        }
        Ok(Validity::Valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i64) -> Price {
        Price::from_units(x).unwrap()
    }

    fn params() -> OracleParams {
        OracleParams {
            sources: vec![SourceRef::Reference],
            twap_blocks: 1,
            delay_blocks: 0,
            heartbeat_blocks: None,
            deviation: None,
            latency_blocks: 0,
            max_staleness_blocks: None,
            max_twap_divergence: None,
            max_source_spread: None,
            guard_liquidations: false,
        }
    }

    fn step(o: &mut Oracle, block: u64, prices: &[i64]) -> Option<Price> {
        let mut live: Vec<Price> = prices.iter().map(|&x| p(x)).collect();
        let push = o.observe(block, &mut live, false).unwrap();
        if let Some(v) = push {
            o.send(block, v);
        }
        o.deliver(block);
        push
    }

    #[test]
    fn median_of_three_ignores_one_manipulated_source() {
        let mut o = Oracle::new(params(), p(100));
        step(&mut o, 1, &[100, 101, 500]);
        assert_eq!(o.price(), p(101));
    }

    #[test]
    fn osm_delay_publishes_the_price_from_n_blocks_ago() {
        let mut o = Oracle::new(
            OracleParams {
                delay_blocks: 3,
                ..params()
            },
            p(100),
        );
        for (b, x) in [(1, 90), (2, 80), (3, 70)] {
            step(&mut o, b, &[x]);
            assert_eq!(o.price(), p(100));
        }
        step(&mut o, 4, &[60]);
        assert_eq!(o.price(), p(90));
    }

    #[test]
    fn twap_averages_the_window() {
        let mut o = Oracle::new(
            OracleParams {
                twap_blocks: 4,
                ..params()
            },
            p(100),
        );
        step(&mut o, 1, &[60]);
        assert_eq!(o.price(), p(90), "(100·3 + 60) / 4");
    }

    #[test]
    fn heartbeat_and_deviation_decide_when_to_push() {
        let mut o = Oracle::new(
            OracleParams {
                heartbeat_blocks: Some(10),
                deviation: Some(Ppm::from_bps(50)),
                ..params()
            },
            p(100),
        );
        assert_eq!(step(&mut o, 1, &[100]), None, "no move, heartbeat not due");
        assert_eq!(step(&mut o, 2, &[100]), None);
        assert_eq!(step(&mut o, 3, &[101]), Some(p(101)), "1% ≥ 0.5% deviation");
        assert_eq!(step(&mut o, 4, &[101]), None);
        assert_eq!(
            step(&mut o, 13, &[101]),
            Some(p(101)),
            "heartbeat after 10 blocks"
        );
        assert_eq!(o.price(), p(101));
    }

    #[test]
    fn latency_delays_landing_and_staleness_invalidates() {
        let mut o = Oracle::new(
            OracleParams {
                latency_blocks: 2,
                max_staleness_blocks: Some(5),
                ..params()
            },
            p(100),
        );
        step(&mut o, 1, &[90]);
        assert_eq!(o.price(), p(100));
        step(&mut o, 2, &[90]);
        step(&mut o, 3, &[90]);
        assert_eq!(o.price(), p(90), "the block-1 push landed at block 3");
        assert_eq!(o.validity(3).unwrap(), Validity::Valid);
        let mut frozen = Oracle::new(
            OracleParams {
                max_staleness_blocks: Some(5),
                ..params()
            },
            p(100),
        );
        for b in 1..=10 {
            let mut live = vec![p(90)];
            frozen.observe(b, &mut live, true).unwrap();
        }
        assert_eq!(frozen.validity(10).unwrap(), Validity::Stale);
    }

    #[test]
    fn divergent_and_missing_sources_are_invalid() {
        let mut o = Oracle::new(
            OracleParams {
                max_source_spread: Some(Ppm::from_bps(500)),
                ..params()
            },
            p(100),
        );
        step(&mut o, 1, &[100, 100, 120]);
        assert_eq!(o.validity(1).unwrap(), Validity::Divergent);
        step(&mut o, 2, &[]);
        assert_eq!(o.validity(2).unwrap(), Validity::NoData);
    }

    #[test]
    fn a_price_far_from_the_twap_is_too_volatile() {
        let mut o = Oracle::new(
            OracleParams {
                twap_blocks: 10,
                max_twap_divergence: Some(Ppm::from_bps(500)),
                ..params()
            },
            p(100),
        );
        o.land(1, p(80));
        assert_eq!(o.validity(1).unwrap(), Validity::TooVolatile);
    }
}
