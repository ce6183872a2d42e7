//! A per-position view of risk at the current block: what `faultline inspect` prints.

use crate::config::DeficitPolicy;
use crate::sim::{EngineError, Simulation};
use faultline_math::adl::{score, AdlCandidate, AdlRanking};
use faultline_state::{AccountKind, MarginMode};
use faultline_units::{AccountId, Base, MarketId, Price, Quote};

/// One position and the health of its margin group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionView {
    /// Owner.
    pub account: AccountId,
    /// Trader or liquidity provider.
    pub kind: AccountKind,
    /// Market.
    pub market: MarketId,
    /// Cross or isolated.
    pub mode: MarginMode,
    /// Signed size.
    pub size: Base,
    /// Average entry.
    pub entry_price: Price,
    /// Mark price.
    pub mark_price: Price,
    /// Equity of the margin group.
    pub equity: Quote,
    /// Initial margin of the group.
    pub initial_margin: Quote,
    /// Maintenance margin of the group.
    pub maintenance_margin: Quote,
    /// Mark price at which the group reaches maintenance (others held at mark).
    pub liquidation_price: Option<Price>,
    /// Price at which closing the position leaves the group with zero equity.
    pub bankruptcy_price: Option<Price>,
    /// Position in the ADL queue of its side (1 = deleveraged first) and queue length;
    /// `None` under unranked rules (pro rata, dYdX walk) or socialized loss.
    pub adl_rank: Option<(u32, u32)>,
}

impl Simulation {
    /// Every open position with its group's margin figures and its ADL rank.
    pub fn inspect(&self) -> Result<Vec<PositionView>, EngineError> {
        let v = &self.venue;
        let mut rows = Vec::new();
        let mut scores: Vec<(MarketId, bool, i128, AccountId)> = Vec::new();
        let rule = match self.config.deficit {
            DeficitPolicy::Adl(
                r @ (AdlRanking::Bitmex | AdlRanking::Binance | AdlRanking::Hyperliquid),
            ) => Some(r),
            _ => None,
        };
        for a in &v.accounts {
            for p in &a.positions {
                if p.size.is_zero() {
                    continue;
                }
                let m = &v.markets[p.market.index()];
                let h = v.group_health(a.id, v.group_of(a.id, p.market))?;
                let bankruptcy = v.bankruptcy_price(a.id, p.market)?;
                if let Some(rule) = rule {
                    let c = AdlCandidate {
                        account: a.id,
                        size: p.size,
                        entry_price: p.entry_price,
                        mark: m.mark_price,
                        bankruptcy_price: bankruptcy.unwrap_or(Price::ZERO),
                        unrealized_pnl: p.unrealized_pnl(m.mark_price)?,
                        wallet_balance: h.wallet,
                        margin_balance: h.equity,
                        maintenance_margin: h.maintenance,
                    };
                    scores.push((p.market, p.size.is_positive(), score(rule, &c)?, a.id));
                }
                rows.push(PositionView {
                    account: a.id,
                    kind: a.kind,
                    market: p.market,
                    mode: p.mode,
                    size: p.size,
                    entry_price: p.entry_price,
                    mark_price: m.mark_price,
                    equity: h.equity,
                    initial_margin: h.initial,
                    maintenance_margin: h.maintenance,
                    liquidation_price: v.liquidation_price(a.id, p.market)?,
                    bankruptcy_price: bankruptcy,
                    adl_rank: None,
                });
            }
        }
        // Rank within (market, side): higher score first, ties by account id.
        scores.sort_by(|x, y| {
            (x.0, x.1)
                .cmp(&(y.0, y.1))
                .then(y.2.cmp(&x.2))
                .then(x.3.cmp(&y.3))
        });
        let index: std::collections::BTreeMap<(AccountId, MarketId), usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.account, r.market), i))
            .collect();
        let mut start = 0;
        while start < scores.len() {
            let key = (scores[start].0, scores[start].1);
            let end = start
                + scores[start..]
                    .iter()
                    .take_while(|s| (s.0, s.1) == key)
                    .count();
            let of = u32::try_from(end - start).unwrap_or(u32::MAX);
            for (rank, s) in scores[start..end].iter().enumerate() {
                if let Some(&i) = index.get(&(s.3, s.0)) {
                    rows[i].adl_rank = Some((u32::try_from(rank + 1).unwrap_or(u32::MAX), of));
                }
            }
            start = end;
        }
        Ok(rows)
    }
}
