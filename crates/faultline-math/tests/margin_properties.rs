//! Property tests of the margin schedule.

use faultline_math::margin::{MarginSchedule, TierSpec};
use faultline_units::{Ppm, Quote};
use proptest::prelude::*;

prop_compose! {
    /// Random valid brackets: rising floors, falling leverage, default maintenance rates.
    fn schedule()(levs in proptest::collection::vec(1u32..=20, 1..6), floors in proptest::collection::vec(1_000i64..10_000_000, 6)) -> MarginSchedule {
        let mut lev: Vec<i64> = levs.iter().map(|&l| i64::from(l) * 5).collect();
        lev.sort_unstable_by(|a, b| b.cmp(a));
        let mut floor = 0i64;
        let specs: Vec<TierSpec> = lev.iter().enumerate().map(|(i, &l)| {
            if i > 0 { floor += floors[i]; }
            TierSpec { notional_floor: Quote::from_units(floor).unwrap(), max_leverage: Ppm::from_units(l).unwrap(), maintenance_rate: None }
        }).collect();
        MarginSchedule::new(&specs).unwrap()
    }
}

proptest! {
    /// Initial margin is never below maintenance margin, at any size and leverage.
    #[test]
    fn initial_margin_is_at_least_maintenance(s in schedule(), notional in 0i64..100_000_000_000_000, lev in 1.0f64..200.0) {
        let n = Quote::from_atoms(notional);
        let im = s.initial_margin(n, Some(Ppm::from_f64(lev).unwrap())).unwrap();
        let mm = s.maintenance_margin(n).unwrap();
        prop_assert!(im >= mm, "IM {im} < MM {mm} at notional {n}");
    }

    /// Maintenance margin never falls as a position grows.
    #[test]
    fn maintenance_margin_is_monotone(s in schedule(), a in 0i64..100_000_000_000_000, b in 0i64..100_000_000_000_000) {
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assert!(s.maintenance_margin(Quote::from_atoms(lo)).unwrap() <= s.maintenance_margin(Quote::from_atoms(hi)).unwrap());
    }
}
