//! The dynamic Contagion Index: the loss each protocol's failure causes the others,
//! measured by rerunning the system on the same seed with that protocol's links cut.

use crate::events::Protocol;
use crate::system::{run_with, Isolation, PerpFactory, Run};
use crate::{SystemConfig, SystemError};
use serde::Serialize;

/// One protocol's dynamic contagion measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DynamicContagion {
    /// Protocol.
    pub protocol: Protocol,
    /// Losses of the other protocols in the run as configured (USD).
    pub others_loss: f64,
    /// The same with this protocol's links cut (USD).
    pub others_loss_isolated: f64,
    /// Loss its failure caused elsewhere: the difference.
    pub loss_caused: f64,
    /// Its share of the system-wide loss (the dynamic Contagion Index).
    pub contagion_index: f64,
}

/// The dynamic Contagion Index: for each protocol, rerun on the same seed with its links
/// to the others cut ([`Isolation`]); what the others lose less is the loss its failure
/// causes, and its share of the system-wide loss is its index. The CDP's link is FUSD
/// (price and reserve holdings); the lending market's and the vault's is the deposits
/// others keep in it (for the lending market, its depositors' losses avoided; for the
/// vault, the lending market's); the perp's is its reserve's withdrawals and FUSD sales.
pub fn dynamic_contagion(
    cfg: &SystemConfig,
    seed: u64,
    base: &Run,
    perp: Option<PerpFactory<'_>>,
) -> Result<Vec<DynamicContagion>, SystemError> {
    let total = base.summary.system_loss;
    let mut out = Vec::new();
    let cut = |cdp, deposits, perp| Isolation {
        cdp,
        deposits,
        perp,
    };
    let cases = [
        (Protocol::Cdp, cfg.cdp.is_some(), cut(true, false, false)),
        (
            Protocol::Lending,
            cfg.lending.is_some(),
            cut(false, true, false),
        ),
        (
            Protocol::Vault,
            cfg.vault.is_some(),
            cut(false, true, false),
        ),
        (Protocol::Perp, cfg.perp.is_some(), cut(false, false, true)),
    ];
    for (p, present, iso) in cases {
        if !present {
            continue;
        }
        let cut = run_with(cfg, seed, iso, perp)?;
        let others = base.summary.losses.others(p);
        let others_iso = cut.summary.losses.others(p);
        let caused = others - others_iso;
        out.push(DynamicContagion {
            protocol: p,
            others_loss: others,
            others_loss_isolated: others_iso,
            loss_caused: caused,
            contagion_index: if total > 0.0 { caused / total } else { 0.0 },
        });
    }
    Ok(out)
}
