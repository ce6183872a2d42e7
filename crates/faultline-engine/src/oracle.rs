//! Placeholder oracle: the venue's mid price delayed by a fixed number of blocks.
//! Richer oracles (medians, TWAPs, heartbeats, staleness) replace this behind the same
//! `observe` / `price` seam.

use faultline_units::Price;
use std::collections::VecDeque;

/// Publishes the mid observed `delay_blocks` blocks ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedOracle {
    delay_blocks: usize,
    history: VecDeque<Price>,
}

impl DelayedOracle {
    /// An oracle that has seen `initial` for as long as its delay.
    pub fn new(delay_blocks: u32, initial: Price) -> Self {
        let delay_blocks = delay_blocks as usize;
        Self {
            delay_blocks,
            history: std::iter::repeat_n(initial, delay_blocks + 1).collect(),
        }
    }

    /// Record this block's observation and drop what is older than the delay.
    pub fn observe(&mut self, mid: Price) {
        self.history.push_back(mid);
        while self.history.len() > self.delay_blocks + 1 {
            self.history.pop_front();
        }
    }

    /// The published price: the observation `delay_blocks` ago.
    pub fn price(&self) -> Price {
        self.history.front().copied().unwrap_or(Price::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_the_mid_from_n_blocks_ago() {
        let p = |x| Price::from_units(x).unwrap();
        let mut o = DelayedOracle::new(2, p(100));
        o.observe(p(90));
        assert_eq!(o.price(), p(100));
        o.observe(p(80));
        assert_eq!(o.price(), p(100));
        o.observe(p(70));
        assert_eq!(o.price(), p(90));
        let mut instant = DelayedOracle::new(0, p(100));
        instant.observe(p(50));
        assert_eq!(instant.price(), p(50));
    }
}
