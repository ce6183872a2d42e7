"""The reference cascade model in cadCAD (0.5): state variables updated by a partial
state update block each timestep."""
import math
import sys
import time
import numpy as np
from cadCAD.configuration import Experiment
from cadCAD.configuration.utils import config_sim
from cadCAD.engine import ExecutionContext, ExecutionMode, Executor
from common import SIGMA, load, report

q, lev, z = load(sys.argv[1])
n, t = len(q), len(z)
c = q * 100.0 / lev
kappa = 10.0 / n


def p_liquidate(params, substep, history, state):
    p = state["price"] * math.exp(-SIGMA * SIGMA / 2.0 + SIGMA * z[state["timestep"]])
    if state["timestep"] == t // 2:
        p *= 0.75
    alive = state["alive"]
    hit = alive & (c + q * (p - 100.0) < 0.05 * q * p)
    return {"moved": p, "hit": hit, "sold": float(q[hit].sum())}


def s_price(params, substep, history, state, policy):
    p = policy["moved"]
    if policy["sold"] > 0.0:
        p = max(p - kappa * policy["sold"], 0.01)
    return "price", p


def s_alive(params, substep, history, state, policy):
    return "alive", state["alive"] & ~policy["hit"]


def s_count(params, substep, history, state, policy):
    return "liquidations", state["liquidations"] + int(policy["hit"].sum())


blocks = [{"policies": {"liquidate": p_liquidate}, "variables": {"price": s_price, "alive": s_alive, "liquidations": s_count}}]
initial = {"price": 100.0, "alive": np.ones(n, dtype=bool), "liquidations": 0}
exp = Experiment()
exp.append_model(initial_state=initial, partial_state_update_blocks=blocks, sim_configs=config_sim({"N": 1, "T": range(t)}))
start = time.perf_counter()
executor = Executor(exec_context=ExecutionContext(context=ExecutionMode().single_mode), configs=exp.configs)
raw, _, _ = executor.execute()
last = raw[-1]
report("cadCAD", n, t, last["liquidations"], last["price"], time.perf_counter() - start)
