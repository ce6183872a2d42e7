//! The perp venue as one protocol of the system: the full engine (`faultline-engine`)
//! stepped in lockstep, its first market's reference price being the system's ETH path,
//! and its insurance fund refilled from a reserve held in the other protocols — USDC, a
//! lending deposit, FUSD sold into the peg pool. A refill is an external inflow on the
//! venue's books and a transfer to `Holder::PerpVenue` on the system's ledger; the two
//! must agree to the atom every block.

use crate::config::PerpConfig;
use crate::events::{Protocol, SysEventKind, SysEvents};
use crate::ledger::{Holder, Ledger, Token};
use crate::lending::{raise_usdc, Lending};
use crate::market::{PoolId, Pools};
use crate::{Ctx, SystemError};
use faultline_engine::{EventKind, Simulation};
use faultline_units::Quote;

/// The perp venue and its reserve.
#[derive(Debug, Clone)]
pub struct PerpLeg {
    /// The engine.
    pub sim: Simulation,
    cfg: PerpConfig,
    fund_start: i128,
    seen: usize,
    /// Refills stopped by a breaker.
    pub stopped: bool,
    /// USDC paid into the fund from the reserve (units).
    pub refilled: f64,
    /// What the fund needed and the reserve could not raise (units, summed per block).
    pub reserve_short: f64,
}

fn engine_err(e: impl std::fmt::Display) -> SystemError {
    SystemError::Ledger(format!("perp venue: {e}"))
}

impl PerpLeg {
    /// Wrap a built venue; the reserve's plain USDC is given here.
    pub fn open(
        cfg: &PerpConfig,
        sim: Simulation,
        ledger: &mut Ledger,
    ) -> Result<Self, SystemError> {
        ledger.genesis(
            Holder::PerpReserve,
            Token::Usdc,
            Token::Usdc.atoms(cfg.reserve_usdc),
        )?;
        let fund_start = i128::from(sim.venue().ledger.insurance_fund.atoms());
        Ok(Self {
            sim,
            cfg: cfg.clone(),
            fund_start,
            seen: 0,
            stopped: false,
            refilled: 0.0,
            reserve_short: 0.0,
        })
    }

    /// Insurance fund now (USDC atoms).
    pub fn fund(&self) -> i128 {
        i128::from(self.sim.venue().ledger.insurance_fund.atoms())
    }

    /// The fund as a share of its opening level.
    pub fn fund_share(&self) -> f64 {
        if self.fund_start <= 0 {
            1.0
        } else {
            self.fund() as f64 / self.fund_start as f64
        }
    }

    /// Loss: bad debt nothing covered plus the negative equity of accounts not yet
    /// liquidated (USD).
    pub fn loss(&self) -> Result<f64, SystemError> {
        let recorded = self.sim.venue().ledger.bad_debt().to_f64();
        let latent = self.sim.latent_bad_debt().map_err(engine_err)?.to_f64();
        Ok(recorded + latent)
    }

    /// Refill the fund if it is low, then step the engine one block.
    pub fn step(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        lending: Option<&mut Lending>,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        if !self.stopped {
            self.refill(ctx, ledger, pools, lending, events)?;
        }
        if !self.sim.is_done() {
            self.sim.step().map_err(engine_err)?;
        }
        let new: Vec<_> = self.sim.events().events()[self.seen..].to_vec();
        self.seen += new.len();
        for e in new {
            let kind = match e.kind {
                EventKind::FirstLiquidation => SysEventKind::PerpLiquidation,
                EventKind::FirstLossPastBankruptcy => SysEventKind::PerpLossPastBankruptcy,
                EventKind::InsuranceFundDrawn => SysEventKind::InsuranceFundDrawn,
                EventKind::InsuranceFundDepleted => SysEventKind::InsuranceFundDepleted,
                EventKind::FirstAdl => SysEventKind::PerpAdl,
                EventKind::SocializedLoss => SysEventKind::PerpSocializedLoss,
                _ => continue,
            };
            events.first(
                e.block.0,
                Protocol::Perp,
                kind,
                e.amount.map(Quote::to_f64),
                || e.detail.clone(),
            );
        }
        Ok(())
    }

    fn refill(
        &mut self,
        ctx: &Ctx,
        ledger: &mut Ledger,
        pools: &mut Pools,
        lending: Option<&mut Lending>,
        events: &mut SysEvents,
    ) -> Result<(), SystemError> {
        #[allow(clippy::cast_possible_truncation)] // a share of the opening fund
        let floor = (self.fund_start as f64 * self.cfg.refill_below) as i128;
        let fund = self.fund();
        if fund >= floor {
            return Ok(());
        }
        let need = (floor - fund).min(Token::Usdc.atoms(self.cfg.refill_per_block));
        let pay = raise_usdc(
            ledger,
            pools,
            lending,
            Holder::PerpReserve,
            need,
            Some(PoolId::Peg),
        )?;
        if pay > 0 {
            ledger.transfer(Token::Usdc, Holder::PerpReserve, Holder::PerpVenue, pay)?;
            let q =
                Quote::from_atoms(i64::try_from(pay).map_err(|_| engine_err("refill overflow"))?);
            self.sim.inject_insurance(q).map_err(engine_err)?;
            self.refilled += Token::Usdc.units(pay);
            events.first(
                ctx.block,
                Protocol::Perp,
                SysEventKind::PerpFundRefilled,
                Some(Token::Usdc.units(pay)),
                || {
                    format!(
                        "the insurance fund was refilled with {:.0} USDC from its reserve",
                        Token::Usdc.units(pay)
                    )
                },
            );
        }
        if pay < need {
            self.reserve_short += Token::Usdc.units(need - pay);
            events.first(
                ctx.block,
                Protocol::Perp,
                SysEventKind::PerpReserveShort,
                Some(Token::Usdc.units(need - pay)),
                || "the reserve could not raise what the insurance fund needed".into(),
            );
        }
        Ok(())
    }

    /// USDC paid in, as the venue counts it (atoms).
    pub fn injected(&self) -> i128 {
        i128::from(self.sim.totals().insurance_topped_up.atoms())
    }
}
