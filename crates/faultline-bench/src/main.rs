//! The reference cascade model of BENCHMARKS.md, implemented the way the engine finds
//! liquidations: by an index on liquidation price instead of a scan of every account.
//!
//! Model (the same in bench/reference/*.py): N long accounts, size q ~ U(0.5, 1.5),
//! leverage L ~ U(2, 10), collateral c = q·100/L, entry 100. Each of T steps:
//! P ← P·exp(−σ²/2 + σ·z) with σ = 0.002; at step T/2, P ← 0.75·P; every account with
//! c + q(P − 100) < 0.05·q·P is liquidated in full, the liquidated quantity Q is sold and
//! P ← max(P − κ·Q, 0.01) with κ = 10/N.
//!
//! The condition reduces to `P < (100 − 100/L) / 0.95`, independent of q, so accounts
//! sorted by that price are liquidated from the top as P falls: O(N log N + T) instead
//! of O(N·T). Each candidate is still tested with the model's own inequality, so the
//! result matches a scan exactly.
//!
//! Usage:
//!   reference-cascade run <dir>            inputs written by bench/reference/generate.py
//!   reference-cascade montecarlo <paths> <n> <t> [threads]
#![allow(clippy::print_stdout)] // a benchmark prints its figures

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::path::Path;

const SIGMA: f64 = 0.002;

/// One account, as the index keeps it: 16 bytes.
#[derive(Clone, Copy)]
struct Account {
    trigger: f64,
    q: f64,
    c: f64,
}

/// The outcome of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Outcome {
    liquidations: usize,
    final_price: f64,
}

fn cascade(q: &[f64], lev: &[f64], z: &[f64], scratch: &mut Vec<Account>) -> Outcome {
    let n = q.len();
    #[allow(clippy::cast_precision_loss)]
    let kappa = 10.0 / n as f64;
    scratch.clear();
    scratch.extend(q.iter().zip(lev).map(|(&q, &l)| {
        let c = q * 100.0 / l;
        Account {
            trigger: (100.0 - 100.0 / l) / 0.95,
            q,
            c,
        }
    }));
    // Highest trigger first: those go first as the price falls.
    scratch.sort_unstable_by(|a, b| b.trigger.total_cmp(&a.trigger));
    let mut p = 100.0;
    let mut next = 0;
    let mut liquidated = 0;
    let half = z.len() / 2;
    for (t, &zt) in z.iter().enumerate() {
        p *= libm::exp(-SIGMA * SIGMA / 2.0 + SIGMA * zt);
        if t == half {
            p *= 0.75;
        }
        let mut sold = 0.0;
        // The model's own test on each candidate, in trigger order.
        while next < n {
            let a = scratch[next];
            if a.c + a.q * (p - 100.0) < 0.05 * a.q * p {
                sold += a.q;
                next += 1;
                liquidated += 1;
            } else {
                break;
            }
        }
        if sold > 0.0 {
            p = (p - kappa * sold).max(0.01);
        }
    }
    Outcome {
        liquidations: liquidated,
        final_price: p,
    }
}

fn read_f64s(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn now() -> std::time::Instant {
    std::time::Instant::now()
}

fn run(dir: &Path) {
    let (q, lev, z) = (
        read_f64s(&dir.join("q.f64")),
        read_f64s(&dir.join("lev.f64")),
        read_f64s(&dir.join("z.f64")),
    );
    let rss_before = peak_rss_kb();
    let start = now();
    let mut scratch = Vec::new();
    let out = cascade(&q, &lev, &z, &mut scratch);
    let secs = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let account_steps = q.len() as f64 * z.len() as f64;
    let rss_after = peak_rss_kb();
    let json = serde_json::json!({
        "implementation": "faultline (Rust, liquidation-price index)",
        "n": q.len(),
        "t": z.len(),
        "liquidations": out.liquidations,
        "final_price": out.final_price,
        "seconds": secs,
        "account_steps_per_second": account_steps / secs,
        "peak_rss_kb": rss_after,
        "model_bytes_per_account": std::mem::size_of::<Account>() + 2 * std::mem::size_of::<f64>(),
        "peak_rss_growth_bytes_per_account": (rss_after.saturating_sub(rss_before) * 1024) as f64 / q.len().max(1) as f64,
    });
    println!("{json}");
}

/// Inputs of path `i`: sizes, leverages and innovations from the path's own stream.
fn path_inputs(
    seed: u64,
    n: usize,
    t: usize,
    q: &mut Vec<f64>,
    lev: &mut Vec<f64>,
    z: &mut Vec<f64>,
) {
    let mut rng = ChaCha12Rng::seed_from_u64(seed);
    q.clear();
    lev.clear();
    z.clear();
    for _ in 0..n {
        q.push(0.5 + rng.random::<f64>());
        lev.push(2.0 + 8.0 * rng.random::<f64>());
    }
    for _ in 0..t {
        z.push(StandardNormal.sample(&mut rng));
    }
}

fn montecarlo(paths: u64, n: usize, t: usize, threads: Option<usize>) {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(k) = threads {
        b = b.num_threads(k);
    }
    let pool = b.build().unwrap_or_else(|e| panic!("thread pool: {e}"));
    let start = now();
    let outcomes: Vec<Outcome> = pool.install(|| {
        (0..paths)
            .into_par_iter()
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
                |(q, lev, z, scratch), i| {
                    path_inputs(faultline_engine::rng::path_seed(7, i), n, t, q, lev, z);
                    cascade(q, lev, z, scratch)
                },
            )
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let mean_liq =
        outcomes.iter().map(|o| o.liquidations as f64).sum::<f64>() / outcomes.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let account_steps = paths as f64 * n as f64 * t as f64;
    println!(
        "{}",
        serde_json::json!({
            "paths": paths, "n": n, "t": t, "threads": pool.current_num_threads(),
            "seconds": secs, "account_steps_per_second": account_steps / secs,
            "mean_liquidations": mean_liq, "peak_rss_kb": peak_rss_kb(),
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("run") if args.len() == 3 => run(Path::new(&args[2])),
        Some("montecarlo") if args.len() >= 5 => {
            let num = |i: usize| {
                args[i]
                    .parse::<u64>()
                    .unwrap_or_else(|_| panic!("argument {} must be a number", args[i]))
            };
            let threads = args.get(5).and_then(|s| s.parse().ok());
            montecarlo(
                num(2),
                usize::try_from(num(3)).unwrap_or(0),
                usize::try_from(num(4)).unwrap_or(0),
                threads,
            );
        }
        _ => {
            eprintln!("usage: reference-cascade run <inputs dir> | reference-cascade montecarlo <paths> <n> <t> [threads]");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index gives the same answer as the model's plain scan of every account.
    #[test]
    fn the_sorted_index_matches_a_full_scan() {
        let (mut q, mut lev, mut z) = (Vec::new(), Vec::new(), Vec::new());
        for seed in 0..20 {
            path_inputs(seed, 2_000, 400, &mut q, &mut lev, &mut z);
            let fast = cascade(&q, &lev, &z, &mut Vec::new());
            let kappa = 10.0 / 2_000.0;
            let mut alive = vec![true; q.len()];
            let mut p = 100.0;
            let mut count = 0;
            for (t, &zt) in z.iter().enumerate() {
                p *= libm::exp(-SIGMA * SIGMA / 2.0 + SIGMA * zt);
                if t == z.len() / 2 {
                    p *= 0.75;
                }
                let mut sold = 0.0;
                for i in 0..q.len() {
                    let c = q[i] * 100.0 / lev[i];
                    if alive[i] && c + q[i] * (p - 100.0) < 0.05 * q[i] * p {
                        alive[i] = false;
                        sold += q[i];
                        count += 1;
                    }
                }
                if sold > 0.0 {
                    p = (p - kappa * sold).max(0.01);
                }
            }
            assert_eq!(fast.liquidations, count, "seed {seed}");
            assert!(
                (fast.final_price - p).abs() <= 1e-9 * p.abs().max(1.0),
                "seed {seed}: {} vs {p}",
                fast.final_price
            );
        }
    }
}
