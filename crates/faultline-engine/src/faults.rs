//! Faults on a schedule: the infrastructure failures that turned real crashes into
//! disasters (BitMEX's outage on 2020-03-13 02:16–02:40 UTC, Terra's chain halt in May
//! 2022, oracles that stopped updating, liquidation engines that lagged).

/// What fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// A venue stops trading and quoting: `venue = None` is the perp's own book.
    VenueOutage {
        /// Market index.
        market: usize,
        /// Spot venue index, or `None` for the perp book.
        venue: Option<usize>,
    },
    /// An oracle stops pushing updates.
    OracleFreeze {
        /// Market index.
        market: usize,
    },
    /// No blocks: no transaction lands, the protocol does nothing (prices keep moving).
    ChainHalt,
    /// The liquidation engine stops (for one market, or all).
    LiquidationStall {
        /// Market index, or `None` for every market.
        market: Option<usize>,
    },
    /// The liquidation engine acts on what it saw `blocks` blocks earlier.
    LiquidationLag {
        /// Lag in blocks.
        blocks: u64,
    },
    /// A code failure prices one asset wrong by `factor`.
    Misprice {
        /// Market index.
        market: usize,
        /// Multiplier applied to the protocol's oracle price.
        factor: f64,
    },
}

/// One scheduled fault, active from `start` to `end` inclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// What fails.
    pub kind: FaultKind,
    /// First block.
    pub start: u64,
    /// Last block.
    pub end: u64,
}

/// The schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults(pub Vec<Fault>);

impl Faults {
    fn active(&self, block: u64) -> impl Iterator<Item = &FaultKind> {
        self.0
            .iter()
            .filter(move |f| f.start <= block && block <= f.end)
            .map(|f| &f.kind)
    }

    /// Faults that start at `block`.
    pub fn starting(&self, block: u64) -> impl Iterator<Item = &Fault> {
        self.0.iter().filter(move |f| f.start == block)
    }

    /// Is a venue offline?
    pub fn venue_offline(&self, market: usize, venue: Option<usize>, block: u64) -> bool {
        self.active(block).any(|k| matches!(*k, FaultKind::VenueOutage { market: m, venue: v } if m == market && v == venue))
    }

    /// Is the market's oracle frozen?
    pub fn oracle_frozen(&self, market: usize, block: u64) -> bool {
        self.active(block)
            .any(|k| matches!(*k, FaultKind::OracleFreeze { market: m } if m == market))
    }

    /// Is the chain halted?
    pub fn chain_halted(&self, block: u64) -> bool {
        self.active(block)
            .any(|k| matches!(k, FaultKind::ChainHalt))
    }

    /// Is the liquidation engine stopped for this market?
    pub fn liquidation_stalled(&self, market: usize, block: u64) -> bool {
        self.active(block).any(|k| matches!(*k, FaultKind::LiquidationStall { market: m } if m.is_none_or(|m| m == market)))
    }

    /// The liquidation engine's lag now (the largest active).
    pub fn liquidation_lag(&self, block: u64) -> u64 {
        self.active(block)
            .filter_map(|k| {
                if let FaultKind::LiquidationLag { blocks } = *k {
                    Some(blocks)
                } else {
                    None
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// The misprice factor on a market now, if any.
    pub fn misprice(&self, market: usize, block: u64) -> Option<f64> {
        self.active(block).find_map(|k| {
            if let FaultKind::Misprice { market: m, factor } = *k {
                (m == market).then_some(factor)
            } else {
                None
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_active_inclusively_between_their_blocks() {
        let f = Faults(vec![
            Fault {
                kind: FaultKind::VenueOutage {
                    market: 0,
                    venue: None,
                },
                start: 10,
                end: 20,
            },
            Fault {
                kind: FaultKind::LiquidationLag { blocks: 5 },
                start: 1,
                end: 100,
            },
            Fault {
                kind: FaultKind::Misprice {
                    market: 1,
                    factor: 0.5,
                },
                start: 30,
                end: 30,
            },
        ]);
        assert!(!f.venue_offline(0, None, 9));
        assert!(f.venue_offline(0, None, 10) && f.venue_offline(0, None, 20));
        assert!(
            !f.venue_offline(0, Some(0), 15),
            "only the perp book is out"
        );
        assert_eq!(f.liquidation_lag(50), 5);
        assert_eq!(f.misprice(1, 30), Some(0.5));
        assert_eq!(f.misprice(0, 30), None);
        assert!(!f.chain_halted(15));
    }
}
