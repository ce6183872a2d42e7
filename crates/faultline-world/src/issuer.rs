//! An algorithmic stablecoin whose only backing is a swap against its issuer's share
//! token (Terra's `x/market` module, UST and LUNA): anyone may burn one stablecoin for a
//! dollar's worth of newly minted share at the share's oracle price, or burn a dollar's
//! worth of share for one new stablecoin, less a spread, within a capacity per block.
//! Arbitrageurs ([`IssuerArbitrageur`]) do so whenever the stablecoin's pool strays
//! further from $1 than the spread: below the peg each redemption mints share and sells
//! it, so a falling share price needs ever more share per stablecoin — the dilution
//! spiral of May 2022.
//!
//! Terra's module (Terra Money, `x/market` specification, "Market" module docs)
//! computes a spread from a virtual constant-product pool (`BasePool`) that recovers to
//! balance over `PoolRecoveryPeriod` blocks, floored at `MinStabilitySpread` (0.5% from
//! November 2020). Here the module's effect over a block is kept — a floor on the spread
//! and a most swapped per block (proposal 1164 put the daily minting capacity at about
//! $1.2B) — and the virtual pool's curve within a block is not: a world block is one
//! batch.

use crate::agents::{size_toward, swap};
use crate::ledger::{HolderId, Ledger};
use crate::pool::{Direction, Pool};
use crate::record::{BorneBy, IssuerDetail, ProtocolRow, ProtocolSummary};
use crate::spec::{ChainId, OracleId, ProtocolId, VenueId};
use crate::WorldError;
use faultline_units::{mul_div_wide, Amount, AssetId, Ppm, Price, Rounding, PRICE_SCALE};

const PPM: i128 = 1_000_000;

/// An issuer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerSpec {
    /// Name.
    pub name: String,
    /// The chain it runs on.
    pub chain: ChainId,
    /// The stablecoin (priced by its markets).
    pub stable: AssetId,
    /// Its decimals.
    pub stable_decimals: u8,
    /// The share token minted and burned against it.
    pub share: AssetId,
    /// Its decimals.
    pub share_decimals: u8,
    /// The oracle that prices the share for swaps (Terra's validators' exchange-rate
    /// votes).
    pub share_oracle: OracleId,
    /// The swap keeps this share of what it pays out (`MinStabilitySpread`).
    pub spread: Ppm,
    /// Most stablecoin atoms swapped, both ways together, in one block of its chain.
    pub capacity_per_block: i128,
    /// From this tick on nothing is swapped (the chain was halted).
    pub halt_tick: Option<u64>,
}

/// Totals since genesis, atoms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssuerStats {
    /// Stablecoin burned for share.
    pub redeemed: i128,
    /// Share minted for it.
    pub share_minted: i128,
    /// Stablecoin minted for share.
    pub issued: i128,
    /// Share burned for it.
    pub share_burned: i128,
    /// Swaps executed.
    pub swaps: u64,
}

/// A running issuer.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// Parameters.
    pub spec: IssuerSpec,
    /// Totals.
    pub stats: IssuerStats,
    /// Capacity used in the current block.
    used: i128,
    /// The stablecoin's supply at genesis (the issuer is its only minter and burner).
    stable_genesis: i128,
}

impl Issuer {
    /// An issuer; its stablecoin's supply is counted by [`Issuer::seal`].
    pub fn new(spec: IssuerSpec) -> Self {
        Self {
            spec,
            stats: IssuerStats::default(),
            used: 0,
            stable_genesis: 0,
        }
    }

    /// Genesis is over: whatever supply of the stablecoin exists is what it issued.
    pub fn seal(&mut self, ledger: &Ledger) {
        self.stable_genesis = ledger.supply(self.spec.stable).expected();
    }

    /// A new block: the capacity is whole again.
    pub fn open_block(&mut self) {
        self.used = 0;
    }

    /// True once the chain is halted.
    pub fn halted(&self, tick: u64) -> bool {
        self.spec.halt_tick.is_some_and(|h| tick >= h)
    }

    /// Stablecoin atoms that may still be swapped this block.
    pub fn room(&self) -> i128 {
        (self.spec.capacity_per_block - self.used).max(0)
    }

    fn after_spread(&self, atoms: i128) -> Result<i128, WorldError> {
        let keep = PPM - i128::from(self.spec.spread.atoms());
        Ok(mul_div_wide(atoms, keep, PPM, Rounding::Floor)?)
    }

    /// Burn `stable` atoms (at most the room left) from `trader` and mint it share worth
    /// that many dollars less the spread at `share_price` (rounded down). Returns the
    /// share minted.
    pub fn redeem(
        &mut self,
        ledger: &mut Ledger,
        trader: HolderId,
        stable: i128,
        share_price: Price,
    ) -> Result<i128, WorldError> {
        let stable = stable.min(self.room());
        if stable <= 0 || !share_price.is_positive() {
            return Ok(0);
        }
        // A stablecoin counts as $1: its dollars, then share at the oracle.
        let dollars = Amount::new(self.spec.stable, stable).value(
            Price::from_atoms(PRICE_SCALE),
            self.spec.stable_decimals,
            Rounding::Floor,
        )?;
        let gross = Amount::for_value(
            self.spec.share,
            dollars,
            share_price,
            self.spec.share_decimals,
            Rounding::Floor,
        )?;
        let share = self.after_spread(gross.atoms())?;
        ledger.burn(trader, Amount::new(self.spec.stable, stable))?;
        ledger.mint(trader, Amount::new(self.spec.share, share))?;
        self.used += stable;
        self.stats.redeemed += stable;
        self.stats.share_minted += share;
        self.stats.swaps += 1;
        Ok(share)
    }

    /// Burn `share` atoms from `trader` and mint it one stablecoin per dollar they are
    /// worth at `share_price`, less the spread, at most the room left (rounded down;
    /// only the share needed is burned). Returns the stablecoin minted.
    pub fn issue(
        &mut self,
        ledger: &mut Ledger,
        trader: HolderId,
        share: i128,
        share_price: Price,
    ) -> Result<i128, WorldError> {
        if share <= 0 || !share_price.is_positive() {
            return Ok(0);
        }
        let par = Price::from_atoms(PRICE_SCALE);
        let worth = Amount::new(self.spec.share, share).value(
            share_price,
            self.spec.share_decimals,
            Rounding::Floor,
        )?;
        let gross = Amount::for_value(
            self.spec.stable,
            worth,
            par,
            self.spec.stable_decimals,
            Rounding::Floor,
        )?;
        let full = self.after_spread(gross.atoms())?;
        let stable = full.min(self.room());
        if stable <= 0 {
            return Ok(0);
        }
        // The share burned for `stable`: rounded up, never more than offered.
        let burn = if stable == full {
            share
        } else {
            mul_div_wide(share, stable, full, Rounding::Ceil)?.min(share)
        };
        ledger.burn(trader, Amount::new(self.spec.share, burn))?;
        ledger.mint(trader, Amount::new(self.spec.stable, stable))?;
        self.used += stable;
        self.stats.issued += stable;
        self.stats.share_burned += burn;
        self.stats.swaps += 1;
        Ok(stable)
    }

    fn units(&self, asset: AssetId, atoms: i128) -> f64 {
        let d = if asset == self.spec.stable {
            self.spec.stable_decimals
        } else {
            self.spec.share_decimals
        };
        Amount::new(asset, atoms).to_units_f64(d)
    }

    /// The holders' loss at the stablecoin's market price `stable_price`: every
    /// outstanding unit marked from $1 down to it. Nothing is liquidated; what an
    /// algorithmic stablecoin's holders lose is the depeg.
    fn depeg_loss(&self, ledger: &Ledger, stable_price: Price) -> Result<f64, WorldError> {
        let supply = Amount::new(self.spec.stable, ledger.supply(self.spec.stable).expected());
        let gap = Price::from_atoms((PRICE_SCALE - stable_price.atoms()).max(0));
        Ok(supply
            .value(gap, self.spec.stable_decimals, Rounding::Ceil)?
            .to_f64())
    }

    /// One row of the protocol timeline: exposure is the stablecoin outstanding at $1.
    pub fn row(&self, ledger: &Ledger, tick: u64, time_ms: u64) -> Result<ProtocolRow, WorldError> {
        let supply = ledger.supply(self.spec.stable).expected();
        Ok(ProtocolRow {
            tick,
            time_ms,
            protocol: self.spec.name.clone(),
            exposure: self.units(self.spec.stable, supply),
            liquidations: 0,
            shortfall: 0.0,
            protocol_deficit: 0.0,
            skipped: 0,
            liquidatable: 0,
        })
    }

    /// The summary: no liquidations and no shortfall at close; the latent shortfall is
    /// the holders' depeg loss at the end.
    pub fn summary(
        &self,
        ledger: &Ledger,
        stable_price: Price,
    ) -> Result<ProtocolSummary, WorldError> {
        let s = &self.stats;
        let latent = self.depeg_loss(ledger, stable_price)?;
        let supply = ledger.supply(self.spec.stable).expected();
        Ok(ProtocolSummary {
            name: self.spec.name.clone(),
            kind: "issuer".into(),
            liquidations: 0,
            liquidation_volume: 0.0,
            skipped_unprofitable: 0,
            skipped_no_capital: 0,
            skipped_no_cash: 0,
            liquidatable_at_end: 0,
            shortfall: 0.0,
            borne_by: BorneBy {
                reserve: 0.0,
                adl_haircut: 0.0,
                socialized_loss: 0.0,
                protocol_deficit: 0.0,
            },
            latent_shortfall: latent,
            loss: latent,
            lending: None,
            perp: None,
            cdp: None,
            issuer: Some(IssuerDetail {
                redeemed: self.units(self.spec.stable, s.redeemed),
                share_minted: self.units(self.spec.share, s.share_minted),
                issued: self.units(self.spec.stable, s.issued),
                share_burned: self.units(self.spec.share, s.share_burned),
                swaps: s.swaps,
                stable_supply_end: self.units(self.spec.stable, supply),
                stable_price_end: stable_price.to_f64(),
            }),
            options: None,
        })
    }

    /// The stablecoin's supply must equal genesis plus issued less redeemed.
    pub fn check(&self, ledger: &Ledger) -> Result<(), String> {
        let supply = ledger.supply(self.spec.stable).expected();
        let books = self.stable_genesis + self.stats.issued - self.stats.redeemed;
        if supply == books {
            Ok(())
        } else {
            Err(format!(
                "stablecoin supply {supply} atoms, but genesis + issued − redeemed = {books}"
            ))
        }
    }
}

/// An arbitrageur of an issuer's swap: it buys the stablecoin on `stable_venue` below
/// the peg, redeems it and sells the share on `share_venue`; above the peg it buys share
/// there, swaps it for new stablecoin and sells that. Its quote asset (the pools' other
/// side, the same for both) is its capital.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerArbitrageurSpec {
    /// Name.
    pub name: String,
    /// The issuer.
    pub protocol: ProtocolId,
    /// A pool of the stablecoin against the quote asset.
    pub stable_venue: VenueId,
    /// A pool of the share against the same quote asset.
    pub share_venue: VenueId,
    /// Quote atoms at the start.
    pub capital: i128,
}

/// Its running state.
#[derive(Debug, Clone)]
pub struct IssuerArbitrageur {
    /// Parameters.
    pub spec: IssuerArbitrageurSpec,
    /// Its wallet.
    pub wallet: HolderId,
    /// Swaps it made.
    pub swaps: u64,
}

/// What an arbitrageur needs to see: the two pools, the quote's dollar price and the
/// share's oracle price.
#[derive(Debug)]
pub struct Market<'a> {
    /// The stablecoin's pool.
    pub stable: &'a Pool,
    /// The share's pool.
    pub share: &'a Pool,
    /// The quote asset's price in dollars.
    pub quote_price: Price,
    /// The share's oracle price.
    pub share_price: Price,
}

impl IssuerArbitrageur {
    /// One block: first redeem or issue what it already holds, then trade the stable
    /// pool toward the band's edge `1 ± spread` (in dollars), within the issuer's room.
    pub fn act(
        &mut self,
        ledger: &mut Ledger,
        issuer: &mut Issuer,
        m: &Market<'_>,
    ) -> Result<(), WorldError> {
        if !m.quote_price.is_positive() || !m.share_price.is_positive() {
            return Ok(());
        }
        let spread = i128::from(issuer.spec.spread.atoms());
        // The band's edges in quote units per stablecoin.
        let edge = |k: i128| -> Result<Price, WorldError> {
            let dollars = mul_div_wide(i128::from(PRICE_SCALE), PPM + k, PPM, Rounding::Floor)?;
            let q = mul_div_wide(
                dollars,
                i128::from(PRICE_SCALE),
                i128::from(m.quote_price.atoms()),
                Rounding::Floor,
            )?;
            Ok(Price::from_atoms(i64::try_from(q).map_err(|_| {
                faultline_units::ArithmeticError::new("peg band")
            })?))
        };
        let (low, high) = (edge(-spread)?, edge(spread)?);
        let mid = m.stable.mid(ledger)?;
        if mid < low {
            self.below_peg(ledger, issuer, m, low)
        } else if mid > high {
            self.above_peg(ledger, issuer, m, high)
        } else {
            Ok(())
        }
    }

    fn below_peg(
        &mut self,
        ledger: &mut Ledger,
        issuer: &mut Issuer,
        m: &Market<'_>,
        low: Price,
    ) -> Result<(), WorldError> {
        let room = issuer.room();
        if room <= 0 {
            return Ok(());
        }
        let cash = ledger.balance(self.wallet, m.stable.quote).atoms();
        let toward = size_toward(ledger, m.stable, false, low, cash)?;
        // No more quote than buys the room.
        let for_room = m
            .stable
            .amount_in(ledger, Direction::BuyBase, room)?
            .unwrap_or(toward);
        let pay = toward.min(for_room);
        if pay > 0 {
            swap(
                ledger,
                m.stable,
                self.wallet,
                Amount::new(m.stable.quote, pay),
            )?;
        }
        let held = ledger.balance(self.wallet, issuer.spec.stable).atoms();
        let minted = issuer.redeem(ledger, self.wallet, held, m.share_price)?;
        if minted > 0 {
            self.swaps += 1;
            let share = ledger.balance(self.wallet, issuer.spec.share);
            swap(ledger, m.share, self.wallet, share)?;
        }
        Ok(())
    }

    fn above_peg(
        &mut self,
        ledger: &mut Ledger,
        issuer: &mut Issuer,
        m: &Market<'_>,
        high: Price,
    ) -> Result<(), WorldError> {
        // The stablecoin to sell that brings its pool down to the band's edge.
        let sell = size_toward(ledger, m.stable, true, high, issuer.room())?;
        if sell <= 0 {
            return Ok(());
        }
        // The share that many stablecoins need, grossed up for the spread.
        let dollars = Amount::new(issuer.spec.stable, sell).value(
            Price::from_atoms(PRICE_SCALE),
            issuer.spec.stable_decimals,
            Rounding::Ceil,
        )?;
        let keep = PPM - i128::from(issuer.spec.spread.atoms());
        let share_needed = Amount::for_value(
            issuer.spec.share,
            dollars.mul_div(PPM, keep.max(1), Rounding::Ceil)?,
            m.share_price,
            issuer.spec.share_decimals,
            Rounding::Ceil,
        )?
        .atoms();
        let have = ledger.balance(self.wallet, issuer.spec.share).atoms();
        let missing = (share_needed - have).max(0);
        if let Some(cost) = m.share.amount_in(ledger, Direction::BuyBase, missing)? {
            let cash = ledger.balance(self.wallet, m.share.quote).atoms();
            swap(
                ledger,
                m.share,
                self.wallet,
                Amount::new(m.share.quote, cost.min(cash)),
            )?;
        }
        let share = ledger.balance(self.wallet, issuer.spec.share).atoms();
        let minted = issuer.issue(ledger, self.wallet, share, m.share_price)?;
        if minted > 0 {
            self.swaps += 1;
            swap(
                ledger,
                m.stable,
                self.wallet,
                Amount::new(issuer.spec.stable, minted),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UST: AssetId = AssetId(0);
    const LUNA: AssetId = AssetId(1);
    const E6: i128 = 1_000_000;

    fn issuer(capacity: i128) -> (Ledger, Issuer, HolderId) {
        let mut l = Ledger::new(vec!["UST".into(), "LUNA".into()]);
        let trader = l.open("trader");
        l.genesis(trader, Amount::new(UST, 1_000 * E6)).unwrap();
        l.genesis(trader, Amount::new(LUNA, 10 * E6)).unwrap();
        l.seal();
        let mut i = Issuer::new(IssuerSpec {
            name: "terra".into(),
            chain: ChainId(0),
            stable: UST,
            stable_decimals: 6,
            share: LUNA,
            share_decimals: 6,
            share_oracle: OracleId(0),
            spread: Ppm::from_atoms(5_000),
            capacity_per_block: capacity,
            halt_tick: Some(10),
        });
        i.seal(&l);
        (l, i, trader)
    }

    fn dollars(d: i64) -> Price {
        Price::from_units(d).unwrap()
    }

    #[test]
    fn a_redemption_burns_the_stablecoin_and_mints_a_dollar_of_share_less_the_spread() {
        let (mut l, mut i, t) = issuer(1_000 * E6);
        // 100 UST at LUNA = $80: $99.50 of LUNA = 1.24375 LUNA.
        let minted = i.redeem(&mut l, t, 100 * E6, dollars(80)).unwrap();
        assert_eq!(minted, 1_243_750);
        assert_eq!(l.balance(t, UST).atoms(), 900 * E6);
        assert_eq!(l.balance(t, LUNA).atoms(), 10 * E6 + 1_243_750);
        assert_eq!(l.supply(LUNA).minted, 1_243_750);
        assert_eq!(l.supply(UST).burned, 100 * E6);
        i.check(&l).unwrap();
        assert!(l.imbalances().is_empty());
    }

    #[test]
    fn swaps_stop_at_the_capacity_until_the_next_block_and_for_good_after_the_halt() {
        let (mut l, mut i, t) = issuer(150 * E6);
        i.redeem(&mut l, t, 100 * E6, dollars(80)).unwrap();
        i.redeem(&mut l, t, 100 * E6, dollars(80)).unwrap();
        assert_eq!(
            i.stats.redeemed,
            150 * E6,
            "the second swap gets the 50 left"
        );
        assert_eq!(i.redeem(&mut l, t, 100 * E6, dollars(80)).unwrap(), 0);
        i.open_block();
        assert_eq!(i.room(), 150 * E6);
        assert!(!i.halted(9) && i.halted(10));
    }

    #[test]
    fn issuing_burns_only_the_share_the_capacity_lets_through() {
        let (mut l, mut i, t) = issuer(100 * E6);
        // 2 LUNA at $80 = $160 → 159.2 UST after the spread; the room is 100 UST, so
        // 100 / 159.2 of the 2 LUNA is burned, rounded up.
        let minted = i.issue(&mut l, t, 2 * E6, dollars(80)).unwrap();
        assert_eq!(minted, 100 * E6);
        let burned = i.stats.share_burned;
        assert_eq!(burned, 1_256_282, "ceil(2e6 × 100 / 159.2)");
        assert_eq!(l.balance(t, LUNA).atoms(), 10 * E6 - burned);
        i.check(&l).unwrap();
        assert!(l.imbalances().is_empty());
    }

    #[test]
    fn the_books_catch_a_stablecoin_minted_behind_the_issuers_back() {
        let (mut l, i, t) = issuer(100 * E6);
        l.mint(t, Amount::new(UST, 1)).unwrap();
        assert!(i.check(&l).is_err());
    }
}
