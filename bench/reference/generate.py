"""Write the inputs every implementation reads: q, lev (N each) and z (T), as
little-endian float64 files. Usage: generate.py N T SEED OUTDIR"""
import json
import os
import sys
import numpy as np

n, t, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(seed)
rng.uniform(0.5, 1.5, n).astype("<f8").tofile(os.path.join(out, "q.f64"))
rng.uniform(2.0, 10.0, n).astype("<f8").tofile(os.path.join(out, "lev.f64"))
rng.standard_normal(t).astype("<f8").tofile(os.path.join(out, "z.f64"))
with open(os.path.join(out, "meta.json"), "w") as f:
    json.dump({"n": n, "t": t, "seed": seed}, f)
