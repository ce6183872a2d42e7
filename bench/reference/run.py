"""Run the reference cascade model in every implementation on the same inputs, check
they agree, and print throughput (account-steps per second) and ratios.

Usage: python bench/reference/run.py [--quick]   (from the repository root; needs
numpy, mesa and cadCAD: pip install -r bench/reference/requirements.txt)
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUST = os.path.join(ROOT, "target", "release", "reference-cascade")
PY = sys.executable

# (N, T, implementations); Mesa and cadCAD are run only where they finish in minutes.
SIZES = [
    (1_000, 1_000, ["rust", "numpy", "mesa", "cadcad"]),
    (10_000, 1_000, ["rust", "numpy", "mesa", "cadcad"]),
    (100_000, 1_000, ["rust", "numpy", "cadcad"]),
    (1_000_000, 10_000, ["rust", "numpy"]),
]
if "--quick" in sys.argv:
    SIZES = SIZES[:2]

SCRIPTS = {"numpy": "numpy_model.py", "mesa": "mesa_model.py", "cadcad": "cadcad_model.py"}


def run(cmd):
    out = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, check=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "faultline-bench"], cwd=ROOT, check=True)
    rows = []
    ok = True
    for n, t, impls in SIZES:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([PY, os.path.join(HERE, "generate.py"), str(n), str(t), "1", d], check=True)
            results = {}
            for impl in impls:
                results[impl] = run([RUST, "run", d]) if impl == "rust" else run([PY, SCRIPTS[impl], d])
            base = results["rust"]
            for impl, r in results.items():
                agree = r["liquidations"] == base["liquidations"] and abs(r["final_price"] - base["final_price"]) <= 1e-9 * abs(base["final_price"])
                ok &= agree
                rows.append({
                    "n": n, "t": t, "implementation": impl, "liquidations": r["liquidations"],
                    "final_price": r["final_price"], "seconds": r["seconds"],
                    "account_steps_per_second": r["account_steps_per_second"],
                    "faultline_speedup": base["account_steps_per_second"] / r["account_steps_per_second"],
                    "agrees": agree, "peak_rss_kb": r.get("peak_rss_kb"),
                })
    mc = subprocess.run([RUST, "montecarlo", "1000", "10000", "1000"], capture_output=True, text=True, check=True).stdout
    print(f"{'N':>9} {'T':>6} {'implementation':<10} {'liquidations':>12} {'final price':>14} {'seconds':>10} {'account-steps/s':>16} {'Faultline ×':>12} agrees")
    for r in rows:
        print(f"{r['n']:>9} {r['t']:>6} {r['implementation']:<10} {r['liquidations']:>12} {r['final_price']:>14.6f} {r['seconds']:>10.4f} {r['account_steps_per_second']:>16.3e} {r['faultline_speedup']:>12.1f} {r['agrees']}")
    m = json.loads(mc)
    print(f"Monte Carlo: {m['paths']} paths of N={m['n']}, T={m['t']} on {m['threads']} threads in {m['seconds']:.3f} s")
    big = [r for r in rows if r["implementation"] == "rust" and r["n"] == 1_000_000]
    if big:
        print(f"Memory at N=1,000,000: peak RSS {big[0]['peak_rss_kb']} KB = {big[0]['peak_rss_kb'] * 1024 / 1_000_000:.0f} bytes per account (inputs included)")
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"sizes": rows, "montecarlo": m}, f, indent=2)
    if not ok:
        print("IMPLEMENTATIONS DISAGREE", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
