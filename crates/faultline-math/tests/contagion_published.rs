//! Published worked examples of the contagion measures, reproduced.
//!
//! Sources (numbers only; see docs/spec-vectors.md):
//! - Eisenberg–Noe: Gandy & Veraart, R package `systemicrisk`, help page
//!   `default_clearing`, example and printed output
//!   (<https://rdrr.io/cran/systemicrisk/man/default_clearing.html>): three banks,
//!   external assets (1/2, 5/8, 3/4), external liabilities (3/2, 1/2, 1/2), interbank
//!   liabilities 1/2 between every pair; banks 1 and 2 default and
//!   p* = (1.473214, 1.419643, 1.500000) — exactly (165/112, 159/112, 3/2). With
//!   Rogers–Veraart bankruptcy costs α = 0.5, β = 0.7 on the same page: all three
//!   default, p* = (0.5020200, 0.5147049, 0.5653806).
//! - DebtRank (Battiston et al. 2012 rule): Cinelli & Silva, R package
//!   `NetworkRiskMeasures`, README example (2016): exposures a→(0, 1, 0),
//!   b→(10, 0, 3), c→(3, 2, 0) (what the row lent to the column), capital (2, 5, 2),
//!   weights (10, 100, 30); DebtRank of the default of a, b, c: 0.9285714, 0.25,
//!   0.6642857; a 10% shock to all: final distress (0.15, 0.26, 0.30), added stress 16.07%.

use faultline_math::contagion::{debt_rank, eisenberg_noe, rogers_veraart};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn eisenberg_noe_reproduces_the_systemicrisk_example() {
    // External creditors are a fourth node that owes nothing.
    let l = vec![
        vec![0.0, 0.5, 0.5, 1.5],
        vec![0.5, 0.0, 0.5, 0.5],
        vec![0.5, 0.5, 0.0, 0.5],
        vec![0.0, 0.0, 0.0, 0.0],
    ];
    let c = eisenberg_noe(&l, &[0.5, 0.625, 0.75, 0.0]).unwrap();
    assert_eq!(c.defaulted, vec![true, true, false, false]);
    for (got, want) in c.payments.iter().zip([165.0 / 112.0, 159.0 / 112.0, 1.5]) {
        assert!(close(*got, want), "{:?}", c.payments);
    }
    // As printed, to 7 significant digits.
    let printed = [1.473214, 1.419643, 1.5];
    for (got, want) in c.payments.iter().zip(printed) {
        assert!((got - want).abs() < 5e-7, "{got} vs {want}");
    }
    assert!(close(c.equity[2], 1.0 / 56.0), "bank 3 keeps 1/56");
}

/// `impact[j][i] = min(1, exposure of i to j / capital of i)`.
fn impact(exposure: &[[f64; 3]; 3], capital: [f64; 3]) -> Vec<Vec<f64>> {
    (0..3)
        .map(|j| {
            (0..3)
                .map(|i| (exposure[i][j] / capital[i]).min(1.0))
                .collect()
        })
        .collect()
}

#[test]
fn debt_rank_reproduces_the_network_risk_measures_example() {
    let exposure = [[0.0, 1.0, 0.0], [10.0, 0.0, 3.0], [3.0, 2.0, 0.0]];
    let w = impact(&exposure, [2.0, 5.0, 2.0]);
    let v: Vec<f64> = [10.0, 100.0, 30.0].iter().map(|x| x / 140.0).collect();
    let default_of = |k: usize| {
        let mut h = [0.0; 3];
        h[k] = 1.0;
        debt_rank(&w, &v, &h).unwrap().1
    };
    assert!(close(default_of(0), 13.0 / 14.0));
    assert!(close(default_of(1), 0.25));
    // The case that tells the 2012 rule from the 2015 linear one (which gives 3/4).
    assert!(close(default_of(2), 93.0 / 140.0));
    for (k, printed) in [0.9285714, 0.25, 0.6642857].into_iter().enumerate() {
        assert!((default_of(k) - printed).abs() < 5e-8);
    }
    let (h, r) = debt_rank(&w, &v, &[0.1, 0.1, 0.1]).unwrap();
    for (got, want) in h.iter().zip([0.15, 0.26, 0.30]) {
        assert!(close(*got, want), "{h:?}");
    }
    assert!((r - 0.1607).abs() < 5e-5, "added stress {r}");
}

#[test]
fn rogers_veraart_reproduces_the_systemicrisk_example() {
    let l = vec![
        vec![0.0, 0.5, 0.5, 1.5],
        vec![0.5, 0.0, 0.5, 0.5],
        vec![0.5, 0.5, 0.0, 0.5],
        vec![0.0, 0.0, 0.0, 0.0],
    ];
    let c = rogers_veraart(&l, &[0.5, 0.625, 0.75, 0.0], 0.5, 0.7).unwrap();
    assert_eq!(c.defaulted, vec![true, true, true, false]);
    let exact = [
        4225.0 / 8416.0,
        160_275.0 / 311_392.0,
        176_055.0 / 311_392.0,
    ];
    let printed = [0.5020200, 0.5147049, 0.5653806];
    for i in 0..3 {
        assert!(close(c.payments[i], exact[i]), "{:?}", c.payments);
        assert!((c.payments[i] - printed[i]).abs() < 5e-8);
    }
    assert!(rogers_veraart(&l, &[0.5, 0.625, 0.75, 0.0], 1.5, 0.7).is_err());
}
