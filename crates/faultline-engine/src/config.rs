//! Engine-wide configuration.

use faultline_math::adl::AdlRanking;

/// How the mark price (used for margin and PnL) is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MarkMethod {
    /// The oracle price, as dYdX v4 and Drift margin on-chain positions.
    #[default]
    Oracle,
    /// Median of the oracle price, the best bid and the best ask (after Hyperliquid's
    /// median-based mark).
    MedianOracleBook,
}

/// What happens to a loss the insurance fund cannot cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeficitPolicy {
    /// Auto-deleverage opposing positions at the bankruptcy price, ranked by the rule.
    Adl(AdlRanking),
    /// Keep selling into the book; haircut profitable accounts pro rata by unrealized
    /// profit to cover what the fund cannot.
    SocializedLoss,
}

impl Default for DeficitPolicy {
    fn default() -> Self {
        Self::Adl(AdlRanking::Bitmex)
    }
}

/// Configuration of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// Simulated time per block.
    pub block_time_ms: u64,
    /// Number of blocks to run.
    pub blocks: u64,
    /// Mark price method.
    pub mark: MarkMethod,
    /// Deficit policy.
    pub deficit: DeficitPolicy,
    /// Run seed (every random stream derives from it).
    pub seed: u64,
}
