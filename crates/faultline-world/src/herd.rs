//! Holders who run, herding: once distressed, each holder still in leaves with
//! probability `base + herd × (share of the others that left last block)`, capped at 1 —
//! withdrawals beget withdrawals, as in the bank-run models after Diamond and Dybvig
//! (1983). Used by a lending reserve's depositors and by holders of an asset who sell.

use rand::RngExt;

/// How holders run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HerdSpec {
    /// Probability per block of leaving once distressed.
    pub base: f64,
    /// Weight on the share of holders that left last block.
    pub herd: f64,
}

/// Who has left so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Herd {
    /// Holders who decided to leave.
    pub leaving: Vec<bool>,
    /// Share that left last block, ppm.
    left_last_ppm: i128,
}

impl Herd {
    /// `holders` holders, all in.
    pub fn new(holders: usize) -> Self {
        Self {
            leaving: vec![false; holders],
            left_last_ppm: 0,
        }
    }

    /// Holders who have left.
    pub fn left(&self) -> usize {
        self.leaving.iter().filter(|&&l| l).count()
    }

    /// One block: while `distressed`, each holder still in for which `eligible` holds
    /// leaves with the herding probability. Returns `(left this block, in before)`.
    pub fn step(
        &mut self,
        spec: HerdSpec,
        distressed: bool,
        eligible: impl Fn(usize) -> bool,
        rng: &mut rand_chacha::ChaCha12Rng,
    ) -> (u32, u32) {
        if !distressed || spec.base <= 0.0 {
            self.left_last_ppm = 0;
            return (0, 0);
        }
        #[allow(clippy::cast_precision_loss)] // a share in ppm
        let p = (spec.base + spec.herd * self.left_last_ppm as f64 / 1e6).min(1.0);
        let (mut active, mut left) = (0u32, 0u32);
        for h in 0..self.leaving.len() {
            if self.leaving[h] || !eligible(h) {
                continue;
            }
            active += 1;
            if rng.random::<f64>() < p {
                self.leaving[h] = true;
                left += 1;
            }
        }
        self.left_last_ppm = if active > 0 {
            i128::from(left) * 1_000_000 / i128::from(active)
        } else {
            0
        };
        (left, active)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn nobody_leaves_calm_and_everyone_leaves_a_certain_run() {
        let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(1);
        let mut h = Herd::new(100);
        let spec = HerdSpec {
            base: 1.0,
            herd: 0.0,
        };
        assert_eq!(h.step(spec, false, |_| true, &mut rng), (0, 0));
        assert_eq!(h.left(), 0);
        assert_eq!(h.step(spec, true, |_| true, &mut rng), (100, 100));
        assert_eq!(h.step(spec, true, |_| true, &mut rng), (0, 0));
    }

    #[test]
    fn herding_speeds_the_run_up() {
        let spec = |herd| HerdSpec { base: 0.01, herd };
        let blocks_to_half = |herd: f64| {
            let mut rng = rand_chacha::ChaCha12Rng::seed_from_u64(7);
            let mut h = Herd::new(10_000);
            (1..1_000)
                .find(|_| {
                    h.step(spec(herd), true, |_| true, &mut rng);
                    h.left() >= 5_000
                })
                .unwrap_or(1_000)
        };
        assert!(blocks_to_half(5.0) < blocks_to_half(0.0));
    }
}
