//! Contagion between institutions (protocols) that hold each other's liabilities:
//! Eisenberg–Noe clearing, DebtRank, and a static Contagion Index built on them.
//!
//! These are analysis measures over a small network (one node per protocol), computed in
//! `f64`; they never move money in a simulation.
//!
//! Conventions: `liabilities[i][j]` is what node `i` owes node `j` (nominal);
//! `external[i]` is node `i`'s assets outside the network.

use std::fmt;

/// A network that cannot be analysed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkError(pub String);

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NetworkError {}

/// The result of clearing a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Clearing {
    /// What each node pays in total (`p*`).
    pub payments: Vec<f64>,
    /// What each node owes in total (`p̄`).
    pub obligations: Vec<f64>,
    /// Nodes that pay less than they owe.
    pub defaulted: Vec<bool>,
    /// Equity after clearing: external assets + payments received − payments made
    /// (≥ 0 in the greatest clearing vector).
    pub equity: Vec<f64>,
    /// Rounds of the fictitious default algorithm (each adds at least one defaulter).
    pub rounds: usize,
}

impl Clearing {
    /// Total shortfall: Σ (p̄ᵢ − p*ᵢ).
    pub fn shortfall(&self) -> f64 {
        self.obligations
            .iter()
            .zip(&self.payments)
            .map(|(o, p)| o - p)
            .sum()
    }
}

fn check_square(liabilities: &[Vec<f64>], n: usize, what: &str) -> Result<(), NetworkError> {
    for (i, row) in liabilities.iter().enumerate() {
        if row.len() != n {
            return Err(NetworkError(format!(
                "{what} row {i} has {} entries; the network has {n} nodes",
                row.len()
            )));
        }
        for (j, &x) in row.iter().enumerate() {
            if !(x.is_finite() && x >= 0.0) {
                return Err(NetworkError(format!(
                    "{what}[{i}][{j}] = {x}: must be a finite non-negative amount"
                )));
            }
            if i == j && x != 0.0 {
                return Err(NetworkError(format!(
                    "{what}[{i}][{i}] = {x}: a node cannot owe itself"
                )));
            }
        }
    }
    Ok(())
}

/// The greatest clearing payment vector of Eisenberg and Noe, "Systemic Risk in Financial
/// Systems", Management Science 47(2), 2001: `p*ᵢ = min(p̄ᵢ, eᵢ + Σⱼ Πⱼᵢ p*ⱼ)` with
/// `Πⱼᵢ = Lⱼᵢ / p̄ⱼ`, computed by their fictitious default algorithm (section 3): assume
/// the current defaulters pay everything they have, solve the linear system for their
/// payments, add every node that then cannot pay in full, repeat. Defaults only grow, so
/// it ends within `n` rounds.
pub fn eisenberg_noe(liabilities: &[Vec<f64>], external: &[f64]) -> Result<Clearing, NetworkError> {
    rogers_veraart(liabilities, external, 1.0, 1.0)
}

/// The greatest clearing vector with bankruptcy costs, Rogers and Veraart, "Failure and
/// Rescue in an Interbank Network", Management Science 59(4), 2013: a defaulter pays
/// `α·eᵢ + β·Σⱼ Πⱼᵢ p*ⱼ` (it recovers only `α` of its outside assets and `β` of what it
/// is paid); a node that can pay in full does. Their greatest-clearing-vector algorithm
/// is the fictitious default loop below; `α = β = 1` is Eisenberg–Noe.
pub fn rogers_veraart(
    liabilities: &[Vec<f64>],
    external: &[f64],
    alpha: f64,
    beta: f64,
) -> Result<Clearing, NetworkError> {
    if !((0.0..=1.0).contains(&alpha) && (0.0..=1.0).contains(&beta)) {
        return Err(NetworkError(format!(
            "bankruptcy recovery rates alpha = {alpha}, beta = {beta}: each must lie in [0, 1]"
        )));
    }
    let costs = (alpha, beta);
    let n = external.len();
    if liabilities.len() != n {
        return Err(NetworkError(format!(
            "{} liability rows for {n} nodes",
            liabilities.len()
        )));
    }
    check_square(liabilities, n, "liabilities")?;
    if let Some((i, e)) = external
        .iter()
        .enumerate()
        .find(|(_, e)| !(e.is_finite() && **e >= 0.0))
    {
        return Err(NetworkError(format!(
            "external[{i}] = {e}: must be a finite non-negative amount"
        )));
    }
    let obligations: Vec<f64> = liabilities.iter().map(|r| r.iter().sum()).collect();
    // share[j][i] = Π_ji: the fraction of j's payments that goes to i.
    let share = |j: usize, i: usize| {
        if obligations[j] > 0.0 {
            liabilities[j][i] / obligations[j]
        } else {
            0.0
        }
    };
    let inflow = |p: &[f64], i: usize| (0..n).map(|j| share(j, i) * p[j]).sum::<f64>();
    let mut defaulted = vec![false; n];
    let mut payments = obligations.clone();
    let mut rounds = 0;
    loop {
        // Defaults only grow (Eisenberg–Noe, Lemma 4), so this ends within n rounds.
        let next: Vec<bool> = (0..n)
            .map(|i| {
                defaulted[i] || external[i] + inflow(&payments, i) < obligations[i] * (1.0 - 1e-12)
            })
            .collect();
        if next == defaulted {
            break;
        }
        defaulted = next;
        rounds += 1;
        payments = solve_defaulters(&defaulted, &obligations, external, &share, costs)?;
    }
    // A defaulter's equity is zero; under bankruptcy costs what it had beyond its
    // payments is lost to them.
    let equity = (0..n)
        .map(|i| {
            if defaulted[i] {
                0.0
            } else {
                (external[i] + inflow(&payments, i) - payments[i]).max(0.0)
            }
        })
        .collect();
    Ok(Clearing {
        payments,
        obligations,
        defaulted,
        equity,
        rounds,
    })
}

/// Payments when the nodes in `defaulted` pay all they have and the others pay in full:
/// for defaulters `pᵢ − Σ_{j∈D} Πⱼᵢ pⱼ = eᵢ + Σ_{j∉D} Πⱼᵢ p̄ⱼ`, solved by Gaussian
/// elimination with partial pivoting. A closed ring of defaulters with nothing flowing
/// in is singular; its greatest solution is found by iterating down from p̄.
fn solve_defaulters(
    defaulted: &[bool],
    obligations: &[f64],
    external: &[f64],
    share: &dyn Fn(usize, usize) -> f64,
    (alpha, beta): (f64, f64),
) -> Result<Vec<f64>, NetworkError> {
    let n = obligations.len();
    let d: Vec<usize> = (0..n).filter(|&i| defaulted[i]).collect();
    let mut p = obligations.to_vec();
    if d.is_empty() {
        return Ok(p);
    }
    let k = d.len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for (r, &i) in d.iter().enumerate() {
        for (c, &j) in d.iter().enumerate() {
            a[r][c] = f64::from(u8::from(r == c)) - beta * share(j, i);
        }
        a[r][k] = alpha * external[i]
            + beta
                * (0..n)
                    .filter(|&j| !defaulted[j])
                    .map(|j| share(j, i) * obligations[j])
                    .sum::<f64>();
    }
    if let Some(x) = gauss(a) {
        for (r, &i) in d.iter().enumerate() {
            p[i] = x[r].clamp(0.0, obligations[i]);
        }
        return Ok(p);
    }
    // Singular: Picard iteration from p̄ converges monotonically to the greatest fixed point.
    for _ in 0..100_000 {
        let mut change = 0.0f64;
        for &i in &d {
            let v = (alpha * external[i] + beta * (0..n).map(|j| share(j, i) * p[j]).sum::<f64>())
                .min(obligations[i]);
            change = change.max((p[i] - v).abs());
            p[i] = v;
        }
        if change < 1e-12 {
            return Ok(p);
        }
    }
    Err(NetworkError(
        "the clearing iteration did not converge".into(),
    ))
}

/// Solve an augmented `k × (k+1)` system; `None` when it is singular.
fn gauss(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                if f != 0.0 {
                    for (x, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                        *x -= f * p;
                    }
                }
            }
        }
    }
    Some((0..k).map(|r| a[r][k] / a[r][r]).collect())
}

/// DebtRank of Battiston, Puliga, Kaushik, Tasca and Caldarelli, "DebtRank: Too Central
/// to Fail? Financial Networks, the FED and Systemic Risk", Scientific Reports 2:541
/// (2012). `impact[j][i]` is the relative equity loss `j`'s default inflicts on `i`
/// (`min(1, exposure of i to j / capital of i)`); `value[i]` the node's economic weight.
/// Distress `h ∈ [0, 1]`; a node propagates its distress once, in the step after it
/// becomes distressed, then is inactive: `hᵢ(t) = min(1, hᵢ(t−1) + Σ_{j distressed}
/// impact[j][i]·hⱼ(t−1))`. Returns the final distress and `R = Σ hᵢ(T)vᵢ − Σ hᵢ(1)vᵢ`,
/// the value lost beyond the initial shock.
pub fn debt_rank(
    impact: &[Vec<f64>],
    value: &[f64],
    initial_distress: &[f64],
) -> Result<(Vec<f64>, f64), NetworkError> {
    let n = value.len();
    if impact.len() != n || initial_distress.len() != n {
        return Err(NetworkError(format!(
            "impact has {} rows and initial_distress {} entries for {n} nodes",
            impact.len(),
            initial_distress.len()
        )));
    }
    for (i, row) in impact.iter().enumerate() {
        if row.len() != n || row.iter().any(|w| !(0.0..=1.0).contains(w)) {
            return Err(NetworkError(format!(
                "impact row {i}: {n} entries in [0, 1] expected"
            )));
        }
    }
    if initial_distress.iter().any(|h| !(0.0..=1.0).contains(h)) {
        return Err(NetworkError("initial distress must lie in [0, 1]".into()));
    }
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Undistressed,
        Distressed,
        Inactive,
    }
    let mut h = initial_distress.to_vec();
    let mut s: Vec<State> = h
        .iter()
        .map(|&x| {
            if x > 0.0 {
                State::Distressed
            } else {
                State::Undistressed
            }
        })
        .collect();
    while s.contains(&State::Distressed) {
        let prev_h = h.clone();
        let prev_s = s.clone();
        for i in 0..n {
            let add: f64 = (0..n)
                .filter(|&j| prev_s[j] == State::Distressed)
                .map(|j| impact[j][i] * prev_h[j])
                .sum();
            h[i] = (prev_h[i] + add).min(1.0);
            s[i] = match prev_s[i] {
                State::Distressed | State::Inactive => State::Inactive,
                State::Undistressed if h[i] > 0.0 => State::Distressed,
                State::Undistressed => State::Undistressed,
            };
        }
    }
    let weighted = |x: &[f64]| x.iter().zip(value).map(|(a, v)| a * v).sum::<f64>();
    let r = weighted(&h) - weighted(initial_distress);
    Ok((h, r))
}

/// The static Contagion Index of each of the first `members` nodes (the protocols; any
/// nodes after them stand for outside creditors): the loss its failure alone inflicts on
/// the other members, as a share of the sum of those losses over all members. A member
/// "fails" when its external assets are lost (`eᵢ = 0`); the loss to another member is
/// the fall in its Eisenberg–Noe equity from the unshocked network. Also returns the raw
/// losses.
pub fn contagion_index(
    liabilities: &[Vec<f64>],
    external: &[f64],
    members: usize,
) -> Result<(Vec<f64>, Vec<f64>), NetworkError> {
    let base = eisenberg_noe(liabilities, external)?;
    let m = members.min(external.len());
    let mut caused = Vec::with_capacity(m);
    for i in 0..m {
        let mut e = external.to_vec();
        e[i] = 0.0;
        let shocked = eisenberg_noe(liabilities, &e)?;
        caused.push(
            (0..m)
                .filter(|&j| j != i)
                .map(|j| (base.equity[j] - shocked.equity[j]).max(0.0))
                .sum::<f64>(),
        );
    }
    let total: f64 = caused.iter().sum();
    let index = caused
        .iter()
        .map(|c| if total > 0.0 { c / total } else { 0.0 })
        .collect();
    Ok((index, caused))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * (1.0 + b.abs())
    }

    #[test]
    fn a_solvent_network_pays_in_full() {
        let l = vec![vec![0.0, 10.0], vec![5.0, 0.0]];
        let c = eisenberg_noe(&l, &[10.0, 1.0]).unwrap();
        assert_eq!(c.payments, vec![10.0, 5.0]);
        assert_eq!(c.defaulted, vec![false, false]);
        assert_eq!(c.equity, vec![5.0, 6.0]);
        assert_eq!(c.rounds, 0);
    }

    #[test]
    fn a_chain_of_defaults_is_cleared_exactly() {
        // A owes B 10, B owes C 10; A has 4 outside, B 3, C 0.
        // A pays 4 (default); B has 3 + 4 = 7 < 10 and pays 7 (default by contagion).
        let l = vec![
            vec![0.0, 10.0, 0.0],
            vec![0.0, 0.0, 10.0],
            vec![0.0, 0.0, 0.0],
        ];
        let c = eisenberg_noe(&l, &[4.0, 3.0, 0.0]).unwrap();
        assert!(close(c.payments[0], 4.0) && close(c.payments[1], 7.0));
        assert_eq!(c.defaulted, vec![true, true, false]);
        assert!(close(c.equity[2], 7.0));
        assert!(close(c.shortfall(), 9.0));
    }

    #[test]
    fn a_cycle_of_defaulters_solves_the_linear_system() {
        // 0 owes 1 10, 1 owes 2 20, 2 owes 0 5; only 1 has outside money (5).
        // Defaulters {0, 1}: p0 = 0 + p2 = 5, p1 = 5 + p0 = 10; node 2 receives 10 and
        // pays its 5 in full. Equity: 0, 0, 5 — all of the outside money, none created.
        let l = vec![
            vec![0.0, 10.0, 0.0],
            vec![0.0, 0.0, 20.0],
            vec![5.0, 0.0, 0.0],
        ];
        let c = eisenberg_noe(&l, &[0.0, 5.0, 0.0]).unwrap();
        for (got, want) in c.payments.iter().zip([5.0, 10.0, 5.0]) {
            assert!(close(*got, want), "{:?}", c.payments);
        }
        assert_eq!(c.defaulted, vec![true, true, false]);
        assert!(close(c.equity[2], 5.0) && c.equity[0].abs() < 1e-9);
        assert!(close(c.equity.iter().sum::<f64>(), 5.0));
    }

    #[test]
    fn a_closed_ring_with_no_outside_money_clears_at_its_greatest_vector() {
        let l = vec![vec![0.0, 5.0], vec![5.0, 0.0]];
        let c = eisenberg_noe(&l, &[0.0, 0.0]).unwrap();
        assert_eq!(c.payments, vec![5.0, 5.0], "netting lets both pay");
    }

    #[test]
    fn bad_input_is_named() {
        let e = eisenberg_noe(&[vec![0.0, -1.0], vec![0.0, 0.0]], &[1.0, 1.0]).unwrap_err();
        assert!(e.0.contains("liabilities[0][1]"), "{e}");
        let e = eisenberg_noe(&[vec![0.0]], &[1.0, 1.0]).unwrap_err();
        assert!(e.0.contains("1 liability rows for 2"), "{e}");
    }

    #[test]
    fn debt_rank_propagates_each_distress_once() {
        // 0 → 1 → 2 with impacts 0.5 and 1.0; 0 fully distressed.
        let w = vec![
            vec![0.0, 0.5, 0.0],
            vec![0.0, 0.0, 1.0],
            vec![0.0, 0.0, 0.0],
        ];
        let v = [0.5, 0.3, 0.2];
        let (h, r) = debt_rank(&w, &v, &[1.0, 0.0, 0.0]).unwrap();
        assert_eq!(h, vec![1.0, 0.5, 0.5]);
        assert!(close(r, 0.3 * 0.5 + 0.2 * 0.5));
        // A cycle does not reverberate: 0 ↔ 1 with impact 1 each way, 0 at 0.5. Node 1
        // takes 0.5 and hits 0 back (to 1.0), but 0 has already propagated and does not
        // pass its new distress on, so 1 stays at 0.5.
        let w = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
        let (h, _) = debt_rank(&w, &[0.5, 0.5], &[0.5, 0.0]).unwrap();
        assert_eq!(h, vec![1.0, 0.5]);
    }

    #[test]
    fn the_contagion_index_points_at_the_node_others_depend_on() {
        // The hub owes each of two leaves 10 and holds all the outside assets; a leaf's
        // failure hurts nobody (it owes nothing).
        let l = vec![
            vec![0.0, 10.0, 10.0],
            vec![0.0, 0.0, 0.0],
            vec![0.0, 0.0, 0.0],
        ];
        let (index, caused) = contagion_index(&l, &[25.0, 1.0, 1.0], 3).unwrap();
        assert!(close(index[0], 1.0) && index[1] == 0.0 && index[2] == 0.0);
        assert!(close(caused[0], 20.0));
    }
}
