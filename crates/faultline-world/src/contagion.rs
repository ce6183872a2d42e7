//! The dynamic Contagion Index of a world: how much of the other protocols' losses each
//! protocol's failure causes, measured by rerunning the same world (same seed, same
//! randomness) with that protocol's links to the others cut: its forced sales
//! (liquidators and keepers keep what they seize from it, its liquidity provider does
//! not hedge, its borrowers and vault do not sell), deposits between it and a lending
//! market (kept as cash), and, for an issuer, its stablecoin's price (every oracle
//! reads it at par, and holders watching its balance sheet do not see its losses) — so
//! its failure no longer moves the venues, oracles and deposits the others depend on.
//!
//! A protocol's loss is its shortfall plus its latent shortfall at the end. For protocol
//! `p`: `harm caused = max(0, Σ_{q≠p} (loss_q − loss_q with p cut))`; for `q`:
//! `loss received = Σ_{p≠q} max(0, loss_q − loss_q with p cut)`; the Contagion Index of
//! `p` is its share of the harm all protocols cause (0 when none does).

use crate::record::{ContagionRow, WorldSummary};
use crate::spec::WorldSpec;
use crate::{World, WorldError};

fn losses(s: &WorldSummary) -> Vec<f64> {
    s.protocols.iter().map(|p| p.loss).collect()
}

/// Run one counterfactual per protocol and attribute the losses of `base` (the summary of
/// the same world and seed, run without cuts).
pub fn dynamic_contagion(
    spec: &WorldSpec,
    seed: u64,
    base: &WorldSummary,
) -> Result<Vec<ContagionRow>, WorldError> {
    let base_loss = losses(base);
    let n = base_loss.len();
    let mut cut = Vec::with_capacity(n);
    for p in 0..n {
        let mut w = World::new(spec.clone(), seed)?.with_isolation(p);
        let error = w.run().err().map(|e| e.to_string());
        cut.push(losses(&w.summary(error)?));
    }
    let harm: Vec<f64> = (0..n)
        .map(|p| {
            (0..n)
                .filter(|&q| q != p)
                .map(|q| base_loss[q] - cut[p][q])
                .sum::<f64>()
                .max(0.0)
        })
        .collect();
    let total: f64 = harm.iter().sum();
    Ok((0..n)
        .map(|q| ContagionRow {
            protocol: base.protocols[q].name.clone(),
            loss: base_loss[q],
            harm_caused: harm[q],
            loss_received: (0..n)
                .filter(|&p| p != q)
                .map(|p| (base_loss[q] - cut[p][q]).max(0.0))
                .sum(),
            contagion_index: if total > 0.0 { harm[q] / total } else { 0.0 },
        })
        .collect())
}
