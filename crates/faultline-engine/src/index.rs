//! The liquidation index: only the margin groups a price move could have made
//! liquidatable are checked, not every account every block.
//!
//! Each trader group registers conservative trigger prices per market:
//!
//! - a group with one position registers its exact liquidation price (the maintenance
//!   condition solved for the mark, tiers included) moved `buffer` toward the current
//!   mark, on the side where it fires (a long fires when the mark falls to it);
//! - a group with several positions registers a distance bound: with slack
//!   `s = equity − maintenance` and gross exposure `g = Σ |notional| × (1 + max tier rate)`,
//!   no move of every mark by less than `δ = s / g` can make it liquidatable, so it fires
//!   when any of its marks leaves `mark × (1 ± δ·(1 − buffer))`.
//!
//! Funding is the only thing that moves equity without a trade; every group is also
//! re-checked every `refresh_blocks`, chosen so funding at its cap cannot use up half the
//! buffer in between. Groups touched by a liquidation, ADL or a haircut are re-checked
//! the next block. The set of groups found liquidatable each block is therefore exactly
//! the full scan's (a test runs both and compares every byte of state).

use faultline_state::{AccountKind, MarginGroup, StateError, Venue};
use faultline_units::{AccountId, ArithmeticError, Ppm, Price, Rounding};
use std::collections::{BTreeMap, BTreeSet};

/// A group's key: (account, 0 for cross or 1 + market for isolated).
pub(crate) type GroupKey = (AccountId, u32);

/// How far a trigger is moved toward the mark.
const BUFFER: f64 = 0.005;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Registration {
    triggers: Vec<(usize, bool, Price)>,
    due: u64,
}

/// Trigger prices of every trader group, by market.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LiquidationIndex {
    /// Fire when the mark falls to or below the price.
    lower: Vec<BTreeSet<(Price, GroupKey)>>,
    /// Fire when the mark rises to or above the price.
    upper: Vec<BTreeSet<(Price, GroupKey)>>,
    groups: BTreeMap<GroupKey, Registration>,
    refresh: BTreeSet<(u64, GroupKey)>,
    dirty: BTreeSet<GroupKey>,
    refresh_blocks: u64,
    initialized: bool,
}

pub(crate) fn key(account: AccountId, group: MarginGroup) -> GroupKey {
    (account, crate::sim::encode_group(group))
}

impl LiquidationIndex {
    /// Register every trader group once, at the first block.
    pub(crate) fn initialize(
        &mut self,
        venue: &Venue,
        block: u64,
        block_time_ms: u64,
    ) -> Result<(), StateError> {
        if self.initialized {
            return Ok(());
        }
        self.initialized = true;
        let n = venue.markets.len();
        self.lower = vec![BTreeSet::new(); n];
        self.upper = vec![BTreeSet::new(); n];
        // Funding at its cap may use at most half the buffer between two refreshes.
        let worst_per_block = venue
            .markets
            .iter()
            .map(|m| {
                m.params.funding.rate_cap.abs().to_f64() * block_time_ms as f64
                    / m.params.funding.interval_ms.max(1) as f64
            })
            .fold(0.0, f64::max);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to [1, 1000]
        let r = if worst_per_block > 0.0 {
            (0.5 * BUFFER / worst_per_block).floor().clamp(1.0, 1_000.0) as u64
        } else {
            1_000
        };
        self.refresh_blocks = r;
        for a in venue
            .accounts
            .iter()
            .filter(|a| a.kind == AccountKind::Trader)
        {
            for g in venue.groups_of(a.id).collect::<Vec<_>>() {
                self.register(venue, key(a.id, g), block)?;
            }
        }
        Ok(())
    }

    /// Groups to check this block: triggers crossed by the marks, refreshes due, and
    /// groups marked dirty. Their registrations are removed (re-register after).
    pub(crate) fn candidates(&mut self, venue: &Venue, block: u64, out: &mut Vec<GroupKey>) {
        out.clear();
        let mut found: BTreeSet<GroupKey> = std::mem::take(&mut self.dirty);
        for (i, m) in venue.markets.iter().enumerate() {
            let mark = m.mark_price;
            found.extend(
                self.lower[i]
                    .range((mark, (AccountId(0), 0))..)
                    .map(|e| e.1),
            );
            found.extend(
                self.upper[i]
                    .range(..=(mark, (AccountId(u32::MAX), u32::MAX)))
                    .map(|e| e.1),
            );
        }
        found.extend(
            self.refresh
                .range(..=(block, (AccountId(u32::MAX), u32::MAX)))
                .map(|e| e.1),
        );
        for k in &found {
            self.remove(*k);
        }
        out.extend(found);
    }

    /// Check `k` again next block.
    pub(crate) fn mark_dirty(&mut self, k: GroupKey) {
        self.dirty.insert(k);
    }

    fn remove(&mut self, k: GroupKey) {
        if let Some(reg) = self.groups.remove(&k) {
            for (i, lower, p) in reg.triggers {
                let set = if lower {
                    &mut self.lower[i]
                } else {
                    &mut self.upper[i]
                };
                set.remove(&(p, k));
            }
            self.refresh.remove(&(reg.due, k));
        }
    }

    /// (Re-)register a group from its state now. A group that no longer exists is
    /// dropped; one that is liquidatable now is checked again next block.
    pub(crate) fn register(
        &mut self,
        venue: &Venue,
        k: GroupKey,
        block: u64,
    ) -> Result<(), StateError> {
        self.remove(k);
        let (account, group) = (k.0, crate::sim::decode_group(k.1));
        let exists = match group {
            MarginGroup::Cross => venue.accounts[account.index()].positions.iter().any(|p| {
                venue.group_of(account, p.market) == MarginGroup::Cross && !p.size.is_zero()
            }),
            MarginGroup::Isolated(m) => venue.accounts[account.index()]
                .position(m)
                .is_some_and(|p| !p.size.is_zero()),
        };
        if !exists {
            return Ok(());
        }
        let h = venue.group_health(account, group)?;
        if h.is_liquidatable() {
            self.dirty.insert(k);
            return Ok(());
        }
        let triggers = triggers(venue, account, group)?;
        for &(i, lower, p) in &triggers {
            let set = if lower {
                &mut self.lower[i]
            } else {
                &mut self.upper[i]
            };
            set.insert((p, k));
        }
        let due = block + self.refresh_blocks;
        self.refresh.insert((due, k));
        self.groups.insert(k, Registration { triggers, due });
        Ok(())
    }
}

fn scaled(p: Price, factor: f64) -> Result<Price, ArithmeticError> {
    p.mul_ppm(Ppm::from_f64(factor)?, Rounding::Floor)
}

/// Conservative trigger prices of a healthy group.
fn triggers(
    venue: &Venue,
    account: AccountId,
    group: MarginGroup,
) -> Result<Vec<(usize, bool, Price)>, StateError> {
    let positions: Vec<_> = venue.accounts[account.index()]
        .positions
        .iter()
        .filter(|p| venue.group_of(account, p.market) == group && !p.size.is_zero())
        .copied()
        .collect();
    if let [p] = positions.as_slice() {
        // Plan for the largest requirement volatility-scaled margin may impose.
        let m = &venue.markets[p.market.index()];
        let scale = m.margin_multiplier.max(m.margin_multiplier_cap);
        let Some(liq) = venue.liquidation_price_at_scale(account, p.market, scale)? else {
            return Ok(Vec::new());
        };
        let long = p.size.is_positive();
        let trigger = if long {
            scaled(liq, 1.0 + BUFFER)?
        } else {
            scaled(liq, 1.0 - BUFFER)?
        };
        return Ok(vec![(p.market.index(), long, trigger)]);
    }
    let h = venue.group_health(account, group)?;
    // Requirements at the largest multiplier any of the group's markets may reach.
    let worst = positions
        .iter()
        .map(|p| {
            let m = &venue.markets[p.market.index()];
            m.margin_multiplier_cap.max(m.margin_multiplier).to_f64()
                / m.margin_multiplier.to_f64().max(1e-9)
        })
        .fold(1.0, f64::max);
    let slack = (h.equity.to_f64() - h.maintenance.to_f64() * worst).max(0.0);
    let mut gross = 0.0;
    for p in &positions {
        let m = &venue.markets[p.market.index()];
        let cap = m.margin_multiplier_cap.max(m.margin_multiplier).to_f64();
        let max_rate = cap
            * m.params
                .margin
                .tiers()
                .iter()
                .map(|t| t.maintenance_rate.to_f64())
                .fold(0.0, f64::max);
        gross += p
            .size
            .notional(m.mark_price, Rounding::Ceil)?
            .abs()
            .to_f64()
            * (1.0 + max_rate);
    }
    let delta = if gross > 0.0 {
        (slack / gross * (1.0 - BUFFER)).min(0.99)
    } else {
        0.99
    };
    let mut out = Vec::with_capacity(2 * positions.len());
    for p in &positions {
        let mark = venue.markets[p.market.index()].mark_price;
        out.push((p.market.index(), true, scaled(mark, 1.0 - delta)?));
        out.push((p.market.index(), false, scaled(mark, 1.0 + delta)?));
    }
    Ok(out)
}
