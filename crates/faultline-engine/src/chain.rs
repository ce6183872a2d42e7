//! The chain: blocks with a gas limit, an EIP-1559 base fee, exogenous congestion, and a
//! mempool in which the simulation's own transactions (oracle updates, liquidations)
//! compete for inclusion, wait, or are dropped.
//!
//! - Base fee (EIP-1559): `b' = b · (1 + (used − target) / target / 8)`.
//! - Parametric congestion: other users demand `utilization × target` gas (times any
//!   scheduled spike multiplier, scaled by `(initial base fee / base fee)^elasticity`
//!   as users give up when fees rise) with priority fees exponentially distributed (mean
//!   `priority_mean_gwei`). When demand exceeds the gas limit only bids above
//!   `p* = mean · ln(demand / limit)` fit, so a transaction is included when its priority
//!   fee reaches `p*` and its max fee covers `base fee + priority fee`.
//! - Replayed congestion: a series of market gas prices (e.g. the mean gas price of
//!   Black Thursday); a transaction is included when its max fee reaches the going price.
//!
//! A transaction sent in block `t` can be included from block `t + 1` on. Included
//! transactions are ordered by priority fee (highest first), ties by submission order. A
//! transaction still pending after `max_pending_blocks` is dropped.

use faultline_units::{AccountId, Price};

/// A transaction's gas bid policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GasBid {
    /// Gas the transaction uses.
    pub gas_used: u64,
    /// Bid this fraction above the going price at submission (0.1 = 10%).
    pub premium: f64,
    /// Never bid more than this (gwei).
    pub max_fee_gwei: f64,
}

/// A scheduled multiplier on exogenous gas demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GasSpike {
    /// First block.
    pub start: u64,
    /// Last block.
    pub end: u64,
    /// Demand multiplier.
    pub multiplier: f64,
}

/// Exogenous demand for block space.
#[derive(Debug, Clone, PartialEq)]
pub enum GasDemand {
    /// Demand as a multiple of the target, with spikes.
    Parametric {
        /// Normal demand as a multiple of the target gas (1 = exactly on target).
        utilization: f64,
        /// Mean priority fee of other users (gwei).
        priority_mean_gwei: f64,
        /// Price elasticity of demand: demand scales with `(initial base fee / base fee)^ε`,
        /// so a spike of `m`× settles near an `m^(1/ε)`× base fee instead of growing
        /// without bound (0: inelastic).
        elasticity: f64,
        /// Scheduled spikes.
        spikes: Vec<GasSpike>,
    },
    /// The going gas price per block (gwei); holds its last value.
    Replay {
        /// One price per block.
        gwei: Vec<f64>,
    },
}

/// Chain parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainParams {
    /// Gas limit per block.
    pub gas_limit: u64,
    /// Target gas per block (EIP-1559: half the limit).
    pub target_gas: u64,
    /// Base fee at block 0 (gwei).
    pub initial_base_fee_gwei: f64,
    /// Other users' demand.
    pub demand: GasDemand,
    /// Pending transactions older than this are dropped.
    pub max_pending_blocks: u64,
    /// Quote per unit of the gas token, fixed (used when `gas_token_market` is `None`).
    pub gas_token_price: f64,
    /// Market whose reference price prices the gas token.
    pub gas_token_market: Option<usize>,
    /// Oracle updates' bid.
    pub oracle_bid: GasBid,
    /// Liquidations' bid.
    pub liquidation_bid: GasBid,
    /// Liquidations are sent only when the expected reward beats gas by this (quote).
    pub min_liquidation_profit: f64,
    /// MEV searchers front-run this fraction of each liquidation (and back-run it).
    pub mev_frontrun_fraction: Option<f64>,
}

/// What a transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// Publish an oracle price for a market.
    OracleUpdate {
        /// Market index.
        market: usize,
        /// The value.
        price: Price,
    },
    /// Liquidate an account's margin group (encoded as `group_key`).
    Liquidation {
        /// Account.
        account: AccountId,
        /// 0 for cross, `1 + market` for an isolated position.
        group_key: u32,
        /// The competing liquidator that sent it (0 without competing liquidators).
        liquidator: u32,
    },
}

/// A transaction in the mempool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tx {
    /// Submission order.
    pub id: u64,
    /// Block it was submitted in.
    pub submitted: u64,
    /// What it does.
    pub kind: TxKind,
    /// Gas it uses.
    pub gas_used: u64,
    /// Max fee (gwei).
    pub max_fee_gwei: f64,
    /// Priority fee (gwei).
    pub priority_gwei: f64,
}

/// The chain's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    params: ChainParams,
    base_fee_gwei: f64,
    going_gwei: f64,
    threshold_gwei: f64,
    pending: Vec<Tx>,
    next_id: u64,
    dropped: u64,
}

impl Chain {
    /// A chain at block 0.
    pub fn new(params: ChainParams) -> Self {
        let base = match &params.demand {
            GasDemand::Replay { gwei } => gwei
                .first()
                .copied()
                .unwrap_or(params.initial_base_fee_gwei),
            GasDemand::Parametric { .. } => params.initial_base_fee_gwei,
        };
        Self {
            params,
            base_fee_gwei: base,
            going_gwei: base,
            threshold_gwei: 0.0,
            pending: Vec::new(),
            next_id: 0,
            dropped: 0,
        }
    }

    /// Parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }
    /// The going price to get included now (gwei).
    pub fn gas_price_gwei(&self) -> f64 {
        self.going_gwei
    }
    /// The base fee (gwei).
    pub fn base_fee_gwei(&self) -> f64 {
        self.base_fee_gwei
    }
    /// Transactions waiting.
    pub fn pending(&self) -> &[Tx] {
        &self.pending
    }
    /// Transactions dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Submit a transaction bidding per `bid` at the going price.
    pub fn submit(&mut self, block: u64, kind: TxKind, bid: &GasBid) {
        let max_fee = (self.going_gwei * (1.0 + bid.premium)).min(bid.max_fee_gwei);
        let priority = match self.params.demand {
            GasDemand::Parametric { .. } => (max_fee - self.base_fee_gwei).max(0.0),
            GasDemand::Replay { .. } => max_fee,
        };
        self.pending.push(Tx {
            id: self.next_id,
            submitted: block,
            kind,
            gas_used: bid.gas_used,
            max_fee_gwei: max_fee,
            priority_gwei: priority,
        });
        self.next_id += 1;
    }

    /// True if a transaction of this kind is already waiting.
    pub fn is_pending(&self, kind: &TxKind) -> bool {
        self.pending.iter().any(|t| &t.kind == kind)
    }

    fn demand_gas(&self, block: u64) -> f64 {
        match &self.params.demand {
            #[allow(clippy::cast_precision_loss)] // gas amounts are far below 2^52
            GasDemand::Parametric {
                utilization,
                spikes,
                elasticity,
                ..
            } => {
                let m: f64 = spikes
                    .iter()
                    .filter(|s| s.start <= block && block <= s.end)
                    .map(|s| s.multiplier)
                    .product();
                let response = libm::pow(
                    self.params.initial_base_fee_gwei / self.base_fee_gwei.max(1e-9),
                    *elasticity,
                );
                utilization * self.params.target_gas as f64 * m * response
            }
            GasDemand::Replay { .. } => 0.0,
        }
    }

    /// Produce block `block`: set its gas market, include what bids enough (in priority
    /// order, within the gas limit), drop what waited too long, move the base fee.
    /// A halted chain includes nothing and drops nothing.
    pub fn produce(&mut self, block: u64, halted: bool) -> Vec<Tx> {
        if halted {
            return Vec::new();
        }
        #[allow(clippy::cast_precision_loss)]
        let limit = self.params.gas_limit as f64;
        let demand = self.demand_gas(block);
        match &self.params.demand {
            GasDemand::Parametric {
                priority_mean_gwei, ..
            } => {
                self.threshold_gwei = if demand > limit {
                    priority_mean_gwei * libm::log(demand / limit)
                } else {
                    0.0
                };
                self.going_gwei = self.base_fee_gwei + self.threshold_gwei;
            }
            GasDemand::Replay { gwei } => {
                let i = usize::try_from(block)
                    .unwrap_or(usize::MAX)
                    .min(gwei.len().saturating_sub(1));
                self.going_gwei = gwei.get(i).copied().unwrap_or(self.going_gwei);
                self.base_fee_gwei = self.going_gwei;
                self.threshold_gwei = 0.0;
            }
        }
        let mut order: Vec<Tx> = std::mem::take(&mut self.pending);
        order.sort_by(|a, b| {
            b.priority_gwei
                .total_cmp(&a.priority_gwei)
                .then(a.id.cmp(&b.id))
        });
        let mut used = 0u64;
        let mut included = Vec::new();
        for tx in order {
            // A transaction reaches a block producer in the block after it is sent.
            if tx.submitted >= block {
                self.pending.push(tx);
                continue;
            }
            let fits = tx.max_fee_gwei >= self.going_gwei
                && tx.priority_gwei >= self.threshold_gwei
                && used + tx.gas_used <= self.params.gas_limit;
            if fits {
                used += tx.gas_used;
                included.push(tx);
            } else if block.saturating_sub(tx.submitted) >= self.params.max_pending_blocks {
                self.dropped += 1;
            } else {
                self.pending.push(tx);
            }
        }
        self.pending.sort_by_key(|t| t.id);
        if let GasDemand::Parametric { .. } = self.params.demand {
            #[allow(clippy::cast_precision_loss)]
            let total = (demand + used as f64).min(limit);
            #[allow(clippy::cast_precision_loss)]
            let target = self.params.target_gas.max(1) as f64;
            self.base_fee_gwei =
                (self.base_fee_gwei * (1.0 + (total - target) / target / 8.0)).max(1e-9);
        }
        included
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(demand: GasDemand) -> ChainParams {
        let bid = GasBid {
            gas_used: 100_000,
            premium: 0.1,
            max_fee_gwei: 500.0,
        };
        ChainParams {
            gas_limit: 30_000_000,
            target_gas: 15_000_000,
            initial_base_fee_gwei: 10.0,
            demand,
            max_pending_blocks: 5,
            gas_token_price: 2_000.0,
            gas_token_market: None,
            oracle_bid: bid,
            liquidation_bid: bid,
            min_liquidation_profit: 0.0,
            mev_frontrun_fraction: None,
        }
    }

    #[test]
    fn eip_1559_base_fee_rises_an_eighth_in_a_full_block() {
        let mut c = Chain::new(params(GasDemand::Parametric {
            utilization: 2.0,
            priority_mean_gwei: 1.0,
            elasticity: 0.0,
            spikes: vec![],
        }));
        c.produce(1, false);
        assert!(
            (c.base_fee_gwei() - 11.25).abs() < 1e-9,
            "{}",
            c.base_fee_gwei()
        );
        let mut idle = Chain::new(params(GasDemand::Parametric {
            utilization: 0.0,
            priority_mean_gwei: 1.0,
            elasticity: 0.0,
            spikes: vec![],
        }));
        idle.produce(1, false);
        assert!((idle.base_fee_gwei() - 8.75).abs() < 1e-9);
    }

    #[test]
    fn with_elastic_demand_a_20x_spike_settles_near_a_20x_base_fee() {
        let spike = GasSpike {
            start: 1,
            end: 2_000,
            multiplier: 20.0,
        };
        let mut c = Chain::new(params(GasDemand::Parametric {
            utilization: 1.0,
            priority_mean_gwei: 2.0,
            elasticity: 1.0,
            spikes: vec![spike],
        }));
        for b in 1..=2_000 {
            c.produce(b, false);
        }
        let ratio = c.base_fee_gwei() / 10.0;
        assert!(
            (ratio - 20.0).abs() < 1.0,
            "base fee settled at {ratio}× its start"
        );
    }

    #[test]
    fn a_spike_prices_out_a_stale_bid_which_is_then_dropped() {
        let spike = GasSpike {
            start: 2,
            end: 100,
            multiplier: 20.0,
        };
        let mut c = Chain::new(params(GasDemand::Parametric {
            utilization: 1.0,
            priority_mean_gwei: 2.0,
            elasticity: 0.0,
            spikes: vec![spike],
        }));
        let kind = TxKind::OracleUpdate {
            market: 0,
            price: Price::ONE,
        };
        c.submit(
            0,
            kind,
            &GasBid {
                gas_used: 100_000,
                premium: 0.1,
                max_fee_gwei: 11.0,
            },
        );
        // Demand 20× the target against a 2× limit: p* = 2·ln(10) ≈ 4.6 gwei over base.
        assert!(c.produce(2, false).is_empty());
        assert!(c.gas_price_gwei() > 14.0);
        for b in 3..=5 {
            assert!(c.produce(b, false).is_empty());
        }
        assert_eq!(c.dropped(), 1);
        assert!(c.pending().is_empty());
    }

    #[test]
    fn higher_priority_is_included_first_and_the_gas_limit_binds() {
        let mut p = params(GasDemand::Parametric {
            utilization: 0.5,
            priority_mean_gwei: 1.0,
            elasticity: 0.0,
            spikes: vec![],
        });
        p.gas_limit = 250_000;
        p.target_gas = 125_000;
        let mut c = Chain::new(p);
        let bid = |premium| GasBid {
            gas_used: 100_000,
            premium,
            max_fee_gwei: 1_000.0,
        };
        c.submit(
            0,
            TxKind::OracleUpdate {
                market: 0,
                price: Price::ONE,
            },
            &bid(0.1),
        );
        c.submit(
            0,
            TxKind::OracleUpdate {
                market: 1,
                price: Price::ONE,
            },
            &bid(0.5),
        );
        c.submit(
            0,
            TxKind::OracleUpdate {
                market: 2,
                price: Price::ONE,
            },
            &bid(0.3),
        );
        let got: Vec<u64> = c.produce(1, false).iter().map(|t| t.id).collect();
        assert_eq!(got, vec![1, 2], "two fit, highest priority first");
        assert_eq!(c.pending().len(), 1);
    }

    #[test]
    fn a_replayed_gas_series_sets_the_going_price_and_a_halt_includes_nothing() {
        let mut c = Chain::new(params(GasDemand::Replay {
            gwei: vec![10.0, 10.0, 200.0, 10.0],
        }));
        c.submit(
            0,
            TxKind::OracleUpdate {
                market: 0,
                price: Price::ONE,
            },
            &GasBid {
                gas_used: 1,
                premium: 0.5,
                max_fee_gwei: 50.0,
            },
        );
        assert!(c.produce(1, true).is_empty(), "halted");
        assert!(
            c.produce(2, false).is_empty(),
            "15 gwei bid < 200 gwei going price"
        );
        assert_eq!(c.produce(3, false).len(), 1);
    }
}
