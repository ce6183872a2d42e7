//! A CDP's debt auctions in its block: kicks, the bidders' dents, deals (the winners
//! sell what they won along their routes), and the surplus healing the bad debt the bids
//! paid.

use super::World;
use crate::agents::sell_route;
use crate::cdp::Cdp;
use crate::record::WorldEventKind;
use crate::WorldError;
use faultline_units::{Amount, Price, Rounding, Value};

impl World {
    pub(super) fn debt_auctions(&mut self, c: &mut Cdp, p: usize) -> Result<(), WorldError> {
        let Some(d) = c.spec.debt_auction else {
            return Ok(());
        };
        let now = self.time_ms();
        let before = c.stats.flops;
        c.flop_kick(&self.ledger, now);
        if before == 0 && c.stats.flops > 0 {
            let name = c.spec.name.clone();
            let symbol = self.ledger.symbol(d.token).to_string();
            self.emit(
                WorldEventKind::DebtAuction,
                name,
                format!("bad debt the surplus cannot cover is auctioned for new {symbol}"),
            );
        }
        for b in 0..self.debt_bidders.len() {
            if self.debt_bidders[b].spec.protocol.index() != p {
                continue;
            }
            for k in 0..c.flops.len() {
                self.dent(c, b, k, d)?;
            }
        }
        for w in c.flop_settle(&mut self.ledger, now)? {
            if self.sales_cut() {
                continue;
            }
            let bidder = &self.debt_bidders[w.bidder];
            let (wallet, route) = (bidder.wallet, bidder.spec.route.clone());
            sell_route(
                &mut self.ledger,
                &self.pools,
                wallet,
                &route,
                Amount::new(d.token, w.lot),
            )?;
        }
        c.heal(&mut self.ledger)
    }

    /// Bidder `b` dents debt auction `k` down to the smallest lot it accepts — the bid's
    /// worth in token at its oracle less its discount — when the contract takes it and
    /// it holds the bid.
    fn dent(
        &mut self,
        c: &mut Cdp,
        b: usize,
        k: usize,
        d: crate::cdp::DebtAuction,
    ) -> Result<(), WorldError> {
        let bidder = &self.debt_bidders[b];
        let f = c.flops[k];
        if f.guy.is_some_and(|(i, _)| i == b) {
            return Ok(());
        }
        let price = self.oracles[bidder.spec.oracle.index()].price();
        if !price.is_positive()
            || self
                .ledger
                .balance(bidder.wallet, c.spec.stablecoin)
                .atoms()
                < d.sump
        {
            return Ok(());
        }
        // The token the bid is worth at the oracle, marked down by its discount.
        let bid = Amount::new(c.spec.stablecoin, d.sump).value(
            Price::from_atoms(100_000_000),
            c.spec.stable_decimals,
            Rounding::Floor,
        )?;
        let keep = 1_000_000 - i128::from(bidder.spec.discount.atoms());
        let marked = faultline_units::mul_div_wide(
            i128::from(price.atoms()),
            keep,
            1_000_000,
            Rounding::Floor,
        )?;
        let marked = Price::from_atoms(
            i64::try_from(marked).map_err(|_| faultline_units::ArithmeticError::new("bid"))?,
        );
        if !marked.is_positive() {
            return Ok(());
        }
        let lot = Amount::for_value(
            d.token,
            Value(bid.0),
            marked,
            d.token_decimals,
            Rounding::Ceil,
        )?
        .atoms();
        let (who, now) = ((b, bidder.wallet), self.time_ms());
        if c.flop_dent(&mut self.ledger, k, who, lot, now)? {
            self.debt_bidders[b].bids += 1;
        }
        Ok(())
    }
}
