//! Exogenous price processes, generated as whole paths before a run.
//!
//! Per block of length `Δt` (in years) the log price moves by
//!
//! ```text
//! r = (μ − σ_t²/2 − λ·k)·Δt + σ_t·√Δt·ε_t + J_t
//! ```
//!
//! - `ε_t` standard normal (geometric Brownian motion, Black–Scholes 1973), or Student-t
//!   with ν degrees of freedom scaled to unit variance, `ε = z·√((ν−2)/W)` with
//!   `W ~ χ²_ν` (fat tails);
//! - `σ_t` constant, or GARCH(1,1) (Bollerslev 1986): `h_t = ω + α·e²_{t−1} + β·h_{t−1}`
//!   on per-block returns `e`, with `ω = (1 − α − β)·σ²·Δt` so the long-run volatility is
//!   the configured one;
//! - `J_t` Merton (1976) jumps: `N ~ Poisson(λ·Δt)` jumps with log-sizes `N(μ_J, σ_J²)`,
//!   compensated by `k = exp(μ_J + σ_J²/2) − 1` so jumps do not change the mean;
//! - correlation across assets: the normals of one block are mixed by the Cholesky factor
//!   of the correlation matrix;
//! - scheduled gaps multiply the level at their block;
//! - pins condition the path on levels at set blocks: the log path between two anchors is
//!   shifted linearly so it hits both (the Brownian bridge construction), and after the
//!   last pin the shift holds.
//!
//! Replayed series skip the generator and only take gaps.

use crate::rng::{stream, Stream};
use rand_chacha::ChaCha12Rng;
use rand_distr::{ChiSquared, Distribution, Poisson, StandardNormal};

const MS_PER_YEAR: f64 = 365.0 * 24.0 * 3_600_000.0;

/// A scheduled jump: at `block`, the level is multiplied by `1 + fraction`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// Block at which the gap happens.
    pub block: u64,
    /// Relative move (−0.30 is a 30% gap down).
    pub fraction: f64,
}

/// A level the path must pass through.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pin {
    /// Block.
    pub block: u64,
    /// Price at that block.
    pub price: f64,
}

/// Merton jump parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jumps {
    /// Expected jumps per year λ.
    pub intensity_annual: f64,
    /// Mean log jump size μ_J.
    pub mean_log: f64,
    /// Standard deviation of the log jump size σ_J.
    pub sd_log: f64,
}

/// GARCH(1,1) parameters (the long-run volatility is the process's `volatility_annual`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Garch {
    /// Weight of the last squared return.
    pub alpha: f64,
    /// Weight of the last variance.
    pub beta: f64,
}

/// The stochastic part of a process.
#[derive(Debug, Clone, PartialEq)]
pub struct Stochastic {
    /// Starting price.
    pub initial: f64,
    /// Annual drift μ.
    pub drift_annual: f64,
    /// Annual volatility σ (long-run under GARCH).
    pub volatility_annual: f64,
    /// Student-t degrees of freedom (> 2), or `None` for normal innovations.
    pub student_t_dof: Option<f64>,
    /// Merton jumps.
    pub jumps: Option<Jumps>,
    /// GARCH(1,1) volatility.
    pub garch: Option<Garch>,
    /// Levels the path must pass through.
    pub pins: Vec<Pin>,
}

/// How one asset's reference path is made.
#[derive(Debug, Clone, PartialEq)]
pub enum ProcessSpec {
    /// Generated from the seed.
    Stochastic(Stochastic),
    /// Replayed, one price per block (index 0 is the opening price).
    Replay(Vec<f64>),
}

/// Inputs of [`generate_paths`].
#[derive(Debug, Clone, PartialEq)]
pub struct PathsInput<'a> {
    /// One process per asset.
    pub processes: &'a [ProcessSpec],
    /// Gaps per asset.
    pub gaps: &'a [Vec<Gap>],
    /// Correlation of the stochastic assets' normals (identity when `None`).
    pub correlation: Option<&'a [Vec<f64>]>,
    /// Blocks after the opening one.
    pub blocks: u64,
    /// Block length.
    pub block_time_ms: u64,
    /// Run seed.
    pub seed: u64,
}

/// Cholesky factor `L` (lower triangular, `L·Lᵀ = C`) of a correlation matrix, or `None`
/// when it is not symmetric positive definite.
pub fn cholesky(c: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = c.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        if c[i].len() != n {
            return None;
        }
        for j in 0..=i {
            if (c[i][j] - c[j][i]).abs() > 1e-12 {
                return None;
            }
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = c[i][i] - s;
                if d <= 0.0 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (c[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Generate every asset's path: `blocks + 1` prices each.
pub fn generate_paths(input: &PathsInput<'_>) -> Vec<Vec<f64>> {
    #[allow(clippy::cast_precision_loss)] // block times are far below 2^52 ms
    let dt = input.block_time_ms as f64 / MS_PER_YEAR;
    let n = input.processes.len();
    let steps = usize::try_from(input.blocks).unwrap_or(usize::MAX);
    let mut rngs: Vec<ChaCha12Rng> = (0..n)
        .map(|i| {
            stream(
                input.seed,
                Stream::Reference(u16::try_from(i).unwrap_or(u16::MAX)),
            )
        })
        .collect();
    let chol = input.correlation.and_then(cholesky);
    let mut logs: Vec<Vec<f64>> = input
        .processes
        .iter()
        .map(|p| match p {
            ProcessSpec::Stochastic(s) => {
                let mut v = Vec::with_capacity(steps + 1);
                v.push(libm::log(s.initial));
                v
            }
            ProcessSpec::Replay(prices) => prices.iter().map(|p| libm::log(*p)).collect(),
        })
        .collect();
    let mut variance: Vec<f64> = input
        .processes
        .iter()
        .map(|p| match p {
            ProcessSpec::Stochastic(s) => s.volatility_annual * s.volatility_annual * dt,
            ProcessSpec::Replay(_) => 0.0,
        })
        .collect();
    let mut last_shock = vec![0.0; n];
    let mut z = vec![0.0; n];
    for _ in 0..steps {
        for (i, rng) in rngs.iter_mut().enumerate() {
            z[i] = StandardNormal.sample(rng);
        }
        let mixed: Vec<f64> = match &chol {
            Some(l) => (0..n)
                .map(|i| (0..=i).map(|k| l[i][k] * z[k]).sum())
                .collect(),
            None => z.clone(),
        };
        for i in 0..n {
            let ProcessSpec::Stochastic(s) = &input.processes[i] else {
                continue;
            };
            let rng = &mut rngs[i];
            let eps = match s.student_t_dof {
                Some(nu) => {
                    let w: f64 = ChiSquared::new(nu).map_or(nu, |d| d.sample(rng));
                    mixed[i] * ((nu - 2.0) / w.max(f64::MIN_POSITIVE)).sqrt()
                }
                None => mixed[i],
            };
            if let Some(g) = s.garch {
                let omega =
                    (1.0 - g.alpha - g.beta) * s.volatility_annual * s.volatility_annual * dt;
                variance[i] =
                    omega + g.alpha * last_shock[i] * last_shock[i] + g.beta * variance[i];
            }
            let shock = variance[i].sqrt() * eps;
            last_shock[i] = shock;
            let mut r = s.drift_annual * dt - 0.5 * variance[i] + shock;
            if let Some(j) = s.jumps {
                let k = libm::exp(j.mean_log + 0.5 * j.sd_log * j.sd_log) - 1.0;
                r -= j.intensity_annual * k * dt;
                let count: f64 =
                    Poisson::new(j.intensity_annual * dt).map_or(0.0, |d| d.sample(rng));
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // small counts
                for _ in 0..count as u64 {
                    let size: f64 = StandardNormal.sample(rng);
                    r += j.mean_log + j.sd_log * size;
                }
            }
            let last = logs[i].last().copied().unwrap_or(0.0);
            logs[i].push(last + r);
        }
    }
    logs.iter_mut().zip(input.processes).for_each(|(path, p)| {
        if let ProcessSpec::Stochastic(s) = p {
            pin(path, &s.pins);
        }
    });
    logs.into_iter()
        .zip(input.gaps)
        .map(|(path, gaps)| {
            let mut factor = 1.0;
            path.iter()
                .enumerate()
                .map(|(b, x)| {
                    for g in gaps
                        .iter()
                        .filter(|g| usize::try_from(g.block).is_ok_and(|gb| gb == b))
                    {
                        factor *= 1.0 + g.fraction;
                    }
                    libm::exp(*x) * factor
                })
                .collect()
        })
        .collect()
}

/// Shift a log path linearly between anchors so it passes through every pin.
fn pin(path: &mut [f64], pins: &[Pin]) {
    let mut pins: Vec<Pin> = pins
        .iter()
        .copied()
        .filter(|p| usize::try_from(p.block).is_ok_and(|b| b < path.len()) && p.price > 0.0)
        .collect();
    pins.sort_by_key(|p| p.block);
    let (mut a, mut shift_a) = (0usize, 0.0);
    for p in pins {
        let b = usize::try_from(p.block).unwrap_or(0);
        if b <= a {
            continue;
        }
        let shift_b = libm::log(p.price) - path[b];
        #[allow(clippy::cast_precision_loss)] // block indices
        for (t, x) in path.iter_mut().enumerate().take(b + 1).skip(a + 1) {
            let w = (t - a) as f64 / (b - a) as f64;
            *x += shift_a + w * (shift_b - shift_a);
        }
        a = b;
        shift_a = shift_b;
    }
    for x in path.iter_mut().skip(a + 1) {
        *x += shift_a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbm(vol: f64) -> Stochastic {
        Stochastic {
            initial: 100.0,
            drift_annual: 0.0,
            volatility_annual: vol,
            student_t_dof: None,
            jumps: None,
            garch: None,
            pins: vec![],
        }
    }

    fn run(
        processes: &[ProcessSpec],
        corr: Option<&[Vec<f64>]>,
        blocks: u64,
        seed: u64,
    ) -> Vec<Vec<f64>> {
        let gaps = vec![Vec::new(); processes.len()];
        generate_paths(&PathsInput {
            processes,
            gaps: &gaps,
            correlation: corr,
            blocks,
            block_time_ms: 60_000,
            seed,
        })
    }

    fn log_returns(p: &[f64]) -> Vec<f64> {
        p.windows(2).map(|w| libm::log(w[1] / w[0])).collect()
    }

    fn stats(x: &[f64]) -> (f64, f64, f64) {
        #[allow(clippy::cast_precision_loss)]
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let v = x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / n;
        let k = x.iter().map(|a| (a - m).powi(4)).sum::<f64>() / n / (v * v);
        (m, v.sqrt(), k)
    }

    const DT: f64 = 60_000.0 / MS_PER_YEAR;

    #[test]
    fn gbm_has_the_configured_volatility_and_normal_tails() {
        let p = run(&[ProcessSpec::Stochastic(gbm(0.8))], None, 50_000, 1);
        let (_, sd, kurt) = stats(&log_returns(&p[0]));
        assert!((sd / (0.8 * DT.sqrt()) - 1.0).abs() < 0.02, "sd {sd}");
        assert!((kurt - 3.0).abs() < 0.15, "kurtosis {kurt}");
    }

    #[test]
    fn student_t_keeps_the_volatility_and_fattens_the_tails() {
        let s = Stochastic {
            student_t_dof: Some(4.5),
            ..gbm(0.8)
        };
        let p = run(&[ProcessSpec::Stochastic(s)], None, 50_000, 2);
        let (_, sd, kurt) = stats(&log_returns(&p[0]));
        assert!((sd / (0.8 * DT.sqrt()) - 1.0).abs() < 0.06, "sd {sd}");
        assert!(kurt > 5.0, "kurtosis {kurt}");
    }

    #[test]
    fn merton_jumps_arrive_at_their_intensity() {
        // 5,000 jumps a year of −2% on a 1-minute grid: ~0.95 per 100 blocks.
        let s = Stochastic {
            jumps: Some(Jumps {
                intensity_annual: 5_000.0,
                mean_log: -0.02,
                sd_log: 0.001,
            }),
            ..gbm(0.0)
        };
        let p = run(&[ProcessSpec::Stochastic(s)], None, 20_000, 3);
        let jumps = log_returns(&p[0]).iter().filter(|r| **r < -0.01).count();
        let expected = 5_000.0 * DT * 20_000.0;
        #[allow(clippy::cast_precision_loss)]
        let ratio = jumps as f64 / expected;
        assert!((ratio - 1.0).abs() < 0.15, "{jumps} jumps vs {expected}");
    }

    #[test]
    fn garch_clusters_volatility_around_the_long_run_level() {
        let s = Stochastic {
            garch: Some(Garch {
                alpha: 0.1,
                beta: 0.85,
            }),
            ..gbm(0.8)
        };
        let p = run(&[ProcessSpec::Stochastic(s)], None, 50_000, 4);
        let r = log_returns(&p[0]);
        let (_, sd, kurt) = stats(&r);
        assert!((sd / (0.8 * DT.sqrt()) - 1.0).abs() < 0.1, "sd {sd}");
        assert!(kurt > 3.3, "clustering fattens tails: {kurt}");
        // Squared returns are autocorrelated.
        let sq: Vec<f64> = r.iter().map(|x| x * x).collect();
        let (m, s2, _) = stats(&sq);
        #[allow(clippy::cast_precision_loss)]
        let ac = sq.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum::<f64>()
            / (sq.len() - 1) as f64
            / (s2 * s2);
        assert!(ac > 0.05, "autocorrelation of squared returns {ac}");
    }

    #[test]
    fn correlated_assets_share_the_configured_correlation() {
        let c = vec![vec![1.0, 0.8], vec![0.8, 1.0]];
        let p = run(
            &[
                ProcessSpec::Stochastic(gbm(0.8)),
                ProcessSpec::Stochastic(gbm(0.5)),
            ],
            Some(&c),
            30_000,
            5,
        );
        let (a, b) = (log_returns(&p[0]), log_returns(&p[1]));
        let (ma, sa, _) = stats(&a);
        let (mb, sb, _) = stats(&b);
        #[allow(clippy::cast_precision_loss)]
        let rho = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - ma) * (y - mb))
            .sum::<f64>()
            / a.len() as f64
            / (sa * sb);
        assert!((rho - 0.8).abs() < 0.02, "rho {rho}");
        assert!(
            cholesky(&[vec![1.0, 1.2], vec![1.2, 1.0]]).is_none(),
            "not positive definite"
        );
    }

    #[test]
    fn pins_are_hit_exactly_and_gaps_land_on_their_block() {
        let s = Stochastic {
            pins: vec![
                Pin {
                    block: 100,
                    price: 80.0,
                },
                Pin {
                    block: 300,
                    price: 120.0,
                },
            ],
            ..gbm(0.8)
        };
        let gaps = vec![vec![Gap {
            block: 200,
            fraction: -0.5,
        }]];
        let p = generate_paths(&PathsInput {
            processes: &[ProcessSpec::Stochastic(s.clone())],
            gaps: &gaps,
            correlation: None,
            blocks: 400,
            block_time_ms: 60_000,
            seed: 6,
        });
        assert!((p[0][0] - 100.0).abs() < 1e-9);
        assert!((p[0][100] - 80.0).abs() < 1e-9);
        // The gap halves everything from block 200 on, pins included.
        assert!((p[0][300] - 60.0).abs() < 1e-9);
        let same = generate_paths(&PathsInput {
            processes: &[ProcessSpec::Stochastic(s)],
            gaps: &gaps,
            correlation: None,
            blocks: 400,
            block_time_ms: 60_000,
            seed: 6,
        });
        assert_eq!(p, same, "deterministic");
    }

    #[test]
    fn replays_pass_through_with_their_gaps() {
        let gaps = vec![vec![Gap {
            block: 2,
            fraction: 0.1,
        }]];
        let p = generate_paths(&PathsInput {
            processes: &[ProcessSpec::Replay(vec![10.0, 11.0, 12.0, 13.0])],
            gaps: &gaps,
            correlation: None,
            blocks: 3,
            block_time_ms: 1,
            seed: 0,
        });
        let expect = [10.0, 11.0, 13.2, 14.3];
        assert!(
            p[0].iter().zip(expect).all(|(a, b)| (a - b).abs() < 1e-9),
            "{:?}",
            p[0]
        );
    }
}
