//! Every open position of every protocol, in one shape: what it holds and owes in
//! dollars at the protocol's own prices, how far it is from liquidation, and at what
//! price of its collateral it gets there — the view a risk engineer reads before a run
//! (`faultline inspect WORLD`) or at any tick.
//!
//! Health is the protocol's own test, scaled so that 1 is the liquidation line:
//! - lending (Aave v3): the health factor `Σ collateral × liquidation threshold / Σ debt`;
//! - CDP (Maker `vat`): `ink × spot / (art × rate)`, i.e. collateral value over debt ×
//!   the liquidation ratio `mat`;
//! - perp: the margin group's equity over its maintenance margin.
//!
//! The liquidation price is the collateral price (others held) at which health reaches
//! 1: for a lending borrower with a single collateral asset, `debt / (units ×
//! threshold)`; for a vault, `art × mat / ink`; for a perp position, the engine's
//! (isolated or cross). Figures are dollars as floats: this is a report, not a ledger.

use super::World;
use crate::world::Protocol;
use crate::WorldError;
use serde::Serialize;

/// One position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionRow {
    /// The protocol's name.
    pub protocol: String,
    /// Its kind: `perp`, `lending` or `cdp`.
    pub kind: &'static str,
    /// The position's owner: `account N` (perp), `borrower N` (lending), `vault N` (CDP).
    pub account: String,
    /// Where it is held: the perp market's index, the borrower's collateral and debt
    /// assets (`WETH/USDC`), the vault's collateral asset.
    pub market: String,
    /// Collateral (lending, CDP) or the margin group's equity (perp), dollars.
    pub collateral_usd: f64,
    /// Debt (lending, CDP) or the position's notional at mark (perp), dollars.
    pub debt_usd: f64,
    /// 1 is the liquidation line; below it the position may be liquidated.
    pub health: f64,
    /// The collateral (perp: mark) price at which health reaches 1, if one price does.
    pub liquidation_price: Option<f64>,
    /// Perp only: the position's place in its side's ADL queue and the queue's length.
    pub adl_rank: Option<(u32, u32)>,
}

impl World {
    /// Every open position of every perp venue, lending market and CDP, in protocol
    /// order and then by account. Issuers and options vaults hold no positions of others.
    pub fn inspect(&self) -> Result<Vec<PositionRow>, WorldError> {
        let mut rows = Vec::new();
        for p in &self.protocols {
            match p {
                Protocol::Perp(perp) => {
                    let views = perp.sim.inspect().map_err(|e| WorldError::Perp {
                        protocol: perp.spec.name.clone(),
                        message: e.to_string(),
                    })?;
                    rows.extend(views.iter().map(|v| {
                        let maintenance = v.maintenance_margin.to_f64();
                        PositionRow {
                            protocol: perp.spec.name.clone(),
                            kind: "perp",
                            account: format!("account {}", v.account.index()),
                            market: perp.sim.venue().markets[v.market.index()]
                                .params
                                .symbol
                                .clone(),
                            collateral_usd: v.equity.to_f64(),
                            debt_usd: (v.size.to_f64() * v.mark_price.to_f64()).abs(),
                            health: if maintenance > 0.0 {
                                v.equity.to_f64() / maintenance
                            } else {
                                f64::INFINITY
                            },
                            liquidation_price: v.liquidation_price.map(|p| p.to_f64()),
                            adl_rank: v.adl_rank,
                        }
                    }));
                }
                Protocol::Lending(m) => rows.extend(self.lending_rows(m)?),
                Protocol::Cdp(c) => rows.extend(self.cdp_rows(c)?),
                Protocol::Issuer(_) | Protocol::Vault(_) => {}
            }
        }
        Ok(rows)
    }

    fn lending_rows(&self, m: &crate::lending::Lending) -> Result<Vec<PositionRow>, WorldError> {
        let prices = self.reserve_prices(m);
        let mut rows = Vec::new();
        for b in 0..m.borrower_count() {
            let (weighted, coll, debt) = m.account(b, &prices)?;
            if debt.to_f64() <= 0.0 {
                continue;
            }
            let held: Vec<usize> = (0..m.spec.reserves.len())
                .filter(|&i| {
                    m.spec.reserves[i].collateral && m.collateral_of(b, i).unwrap_or(0) > 0
                })
                .collect();
            let owed: Vec<usize> = (0..m.spec.reserves.len())
                .filter(|&i| m.debt_of(b, i).unwrap_or(0) > 0)
                .collect();
            let name = |set: &[usize]| {
                set.iter()
                    .map(|&i| {
                        self.spec.assets[m.spec.reserves[i].asset.index()]
                            .name
                            .as_str()
                    })
                    .collect::<Vec<_>>()
                    .join("+")
            };
            let liquidation_price = match held.as_slice() {
                [i] => {
                    let r = &m.spec.reserves[*i];
                    let units = m.collateral_of(b, *i)? as f64 / 10f64.powi(i32::from(r.decimals));
                    let lt = r.liquidation_threshold.to_f64();
                    (units > 0.0 && lt > 0.0).then(|| debt.to_f64() / (units * lt))
                }
                _ => None,
            };
            rows.push(PositionRow {
                protocol: m.spec.name.clone(),
                kind: "lending",
                account: format!("borrower {b}"),
                market: format!("{}/{}", name(&held), name(&owed)),
                collateral_usd: coll.to_f64(),
                debt_usd: debt.to_f64(),
                health: weighted.to_f64() / debt.to_f64(),
                liquidation_price,
                adl_rank: None,
            });
        }
        Ok(rows)
    }

    fn cdp_rows(&self, c: &crate::cdp::Cdp) -> Result<Vec<PositionRow>, WorldError> {
        let prices = self.ilk_prices(c);
        let unit = |atoms: i128, decimals: u8| atoms as f64 / 10f64.powi(i32::from(decimals));
        let mut rows = Vec::new();
        for (k, v) in c.vaults.iter().enumerate() {
            if v.art <= 0 {
                continue;
            }
            let ilk = &c.spec.ilks[v.ilk];
            let ink = unit(v.ink, ilk.decimals);
            let debt = unit(v.art, c.spec.stable_decimals);
            let mat = ilk.mat.to_f64();
            let collateral = ink * prices[v.ilk].to_f64();
            rows.push(PositionRow {
                protocol: c.spec.name.clone(),
                kind: "cdp",
                account: format!("vault {k}"),
                market: self.spec.assets[ilk.asset.index()].name.clone(),
                collateral_usd: collateral,
                debt_usd: debt,
                health: collateral / (debt * mat),
                liquidation_price: (ink > 0.0).then(|| debt * mat / ink),
                adl_rank: None,
            });
        }
        Ok(rows)
    }
}
