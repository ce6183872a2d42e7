"""Shared pieces of the reference cascade model (see BENCHMARKS.md).

N long accounts: size q ~ U(0.5, 1.5), leverage L ~ U(2, 10), collateral c = q*100/L,
entry 100. Each of T steps: P <- P*exp(-s^2/2 + s*z) with s = 0.002; at step T/2,
P <- 0.75*P; every account with c + q(P - 100) < 0.05*q*P is liquidated in full, the
liquidated quantity Q is sold and P <- max(P - kappa*Q, 0.01), kappa = 10/N.
"""
import json
import os
import numpy as np

SIGMA = 0.002


def load(directory):
    read = lambda name: np.fromfile(os.path.join(directory, name), dtype="<f8")
    return read("q.f64"), read("lev.f64"), read("z.f64")


def report(name, n, t, liquidations, final_price, seconds):
    print(json.dumps({
        "implementation": name, "n": n, "t": t, "liquidations": int(liquidations),
        "final_price": float(final_price), "seconds": seconds,
        "account_steps_per_second": n * t / seconds,
    }))
