"""The reference cascade model, vectorized with numpy: every step tests every account."""
import sys
import time
import numpy as np
from common import SIGMA, load, report

q, lev, z = load(sys.argv[1])
start = time.perf_counter()
n, t = len(q), len(z)
c = q * 100.0 / lev
alive = np.ones(n, dtype=bool)
kappa = 10.0 / n
p = 100.0
liquidations = 0
for step in range(t):
    p *= np.exp(-SIGMA * SIGMA / 2.0 + SIGMA * z[step])
    if step == t // 2:
        p *= 0.75
    hit = alive & (c + q * (p - 100.0) < 0.05 * q * p)
    sold = q[hit].sum()
    if sold > 0.0:
        alive &= ~hit
        liquidations += int(hit.sum())
        p = max(p - kappa * sold, 0.01)
report("numpy", n, t, liquidations, p, time.perf_counter() - start)
