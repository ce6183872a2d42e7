//! Liquidations 1.2's English collateral auction (`flip.sol`, Multi-Collateral Dai 1.0,
//! in force on 2020-03-12):
//!
//! - `tend`: keepers bid FUSD for the whole lot; a bid must beat the standing one by
//!   `beg` (or equal the tab), and the bidder pays the previous bidder back plus the
//!   raise to the surplus buffer;
//! - `dent`: once the bid equals the tab, keepers bid by accepting less collateral for
//!   it (again by `beg`); what they give up goes back to the vault owner;
//! - `deal`: `ttl` after the last bid, or at `end` (`tau` after the kick), the standing
//!   bidder takes the lot; whatever the bids did not raise stays as bad debt;
//! - `tick`: an auction that reached `end` with no bid restarts.
//!
//! Keepers bid only while gas is under their limit and the lot, at the ETH pool's price,
//! pays for their bid and the gas. A `Model` keeper bids its valuation at once; a
//! `Lowball` keeper opens with the smallest bid the contract accepts and raises only by
//! the minimum — so when congestion keeps everyone else out, it wins for almost nothing,
//! as zero-DAI bids did on Black Thursday.

use crate::cdp::Cdp;
use crate::config::{CurveConfig, KeeperStrategy};
use crate::events::{Protocol, SysEventKind, SysEvents};
use crate::ledger::{Holder, Ledger, Token};
use crate::market::Pools;
use crate::{Ctx, SystemError};

impl Cdp {
    /// `(ttl, tau)` in blocks and `beg`, for English auctions.
    pub(crate) fn english_blocks(&self, ctx: &Ctx) -> Option<(u64, u64, f64)> {
        match self.cfg.auction.curve {
            CurveConfig::English { ttl_s, tau_s, beg } => {
                let blocks = |s: u64| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    // positive, small
                    let b = (s as f64 / ctx.block_s).ceil().max(1.0) as u64;
                    b
                };
                Some((blocks(ttl_s), blocks(tau_s), beg))
            }
            _ => None,
        }
    }

    /// One block of every English auction: settle, restart, or take bids.
    pub(crate) fn english_step(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let Some((ttl, tau, beg)) = self.english_blocks(ctx) else {
            return Ok(());
        };
        let mut i = 0;
        while i < self.auctions.len() {
            let au = self.auctions[i];
            if au.winner.is_some() && (ctx.block >= au.tic || ctx.block >= au.end) {
                self.deal(i, ctx, ledger, pools, events)?;
                continue;
            }
            if au.winner.is_none() && ctx.block >= au.end {
                self.auctions[i].end = ctx.block + tau;
                self.totals.resets += 1;
            } else if self.stopped < 3 {
                self.bids(i, ttl, beg, ctx, ledger)?;
            }
            i += 1;
        }
        Ok(())
    }

    fn bids(
        &mut self,
        i: usize,
        ttl: u64,
        beg: f64,
        ctx: &Ctx,
        ledger: &mut Ledger,
    ) -> Result<(), SystemError> {
        for k in 0..self.keepers.len() {
            let au = self.auctions[i];
            let kp = &self.keepers[k];
            if au.winner == Some(k) || ctx.gas_gwei > kp.max_gas_gwei {
                continue;
            }
            let value = Token::Eth.units(au.lot) * ctx.eth_market;
            let worth = Token::Fusd.atoms(value * (1.0 - kp.min_discount));
            if au.bid < au.tab {
                // tend: raise the FUSD bid for the whole lot.
                #[allow(clippy::cast_possible_truncation)] // a raise over a bid
                let min_next = if au.bid == 0 {
                    1
                } else {
                    (au.bid as f64 * (1.0 + beg)).ceil() as i128
                };
                // A model keeper bids its valuation, or all it has if that is less.
                let want = match kp.strategy {
                    KeeperStrategy::Model => worth.min(au.tab).min(kp.fusd),
                    KeeperStrategy::Lowball => min_next.min(au.tab),
                };
                let valid = want >= min_next || want == au.tab;
                if !valid
                    || want > worth
                    || want > kp.fusd
                    || value - Token::Fusd.units(want) <= ctx.gas_usd
                {
                    continue;
                }
                if let Some(j) = au.winner {
                    self.keepers[j].fusd += au.bid;
                    self.keepers[j].paid -= au.bid;
                }
                ledger.transfer(Token::Fusd, Holder::Keepers, Holder::CdpVow, want - au.bid)?;
                self.keepers[k].fusd -= want;
                self.keepers[k].paid += want;
                let a = &mut self.auctions[i];
                a.bid = want;
                a.winner = Some(k);
                a.tic = ctx.block + ttl;
            } else {
                // dent: accept less collateral for the whole tab.
                let price = ctx.eth_market * (1.0 - kp.min_discount);
                if price <= 0.0 {
                    continue;
                }
                let needed = Token::Eth.atoms(Token::Fusd.units(au.tab) / price);
                #[allow(clippy::cast_possible_truncation)] // a fraction of the lot
                let max_lot = (au.lot as f64 / (1.0 + beg)).floor() as i128;
                let lot = match kp.strategy {
                    KeeperStrategy::Model => needed,
                    KeeperStrategy::Lowball => max_lot,
                };
                if lot > max_lot || lot < needed || lot <= 0 || kp.fusd < au.tab {
                    continue;
                }
                if Token::Eth.units(lot) * ctx.eth_market - Token::Fusd.units(au.tab) <= ctx.gas_usd
                {
                    continue;
                }
                if let Some(j) = au.winner {
                    self.keepers[j].fusd += au.bid;
                    self.keepers[j].paid -= au.bid;
                }
                self.keepers[k].fusd -= au.bid;
                self.keepers[k].paid += au.bid;
                ledger.transfer(
                    Token::Eth,
                    Holder::CdpClipper,
                    Holder::VaultOwners,
                    au.lot - lot,
                )?;
                let a = &mut self.auctions[i];
                a.lot = lot;
                a.winner = Some(k);
                a.tic = ctx.block + ttl;
            }
        }
        Ok(())
    }

    fn deal(
        &mut self,
        i: usize,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        let au = self.auctions.remove(i);
        let Some(k) = au.winner else { return Ok(()) };
        ledger.transfer(Token::Eth, Holder::CdpClipper, Holder::Keepers, au.lot)?;
        self.sold_to_keeper(k, au.bid, au.lot, ctx, ledger, pools, events)?;
        if au.bid < au.tab {
            let short = Token::Fusd.units(au.tab - au.bid);
            events.first(
                ctx.block,
                Protocol::Cdp,
                SysEventKind::CdpBadDebt,
                Some(short),
                || format!("an auction settled {short:.0} FUSD short of its tab"),
            );
        }
        Ok(())
    }
}
