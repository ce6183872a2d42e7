"""The reference cascade model as a Mesa (3.x) agent-based model: one agent per account."""
import math
import sys
import time
import mesa
from common import SIGMA, load, report


class Trader(mesa.Agent):
    def __init__(self, model, q, lev):
        super().__init__(model)
        self.q = q
        self.c = q * 100.0 / lev
        self.alive = True

    def step(self):
        m = self.model
        if self.alive and self.c + self.q * (m.price - 100.0) < 0.05 * self.q * m.price:
            self.alive = False
            m.sold += self.q
            m.liquidations += 1


class Cascade(mesa.Model):
    def __init__(self, q, lev, z):
        super().__init__(seed=0)
        self.z = z
        self.price = 100.0
        self.kappa = 10.0 / len(q)
        self.liquidations = 0
        self.sold = 0.0
        self.t = 0
        for qi, li in zip(q, lev):
            Trader(self, float(qi), float(li))

    def step(self):
        self.price *= math.exp(-SIGMA * SIGMA / 2.0 + SIGMA * float(self.z[self.t]))
        if self.t == len(self.z) // 2:
            self.price *= 0.75
        self.sold = 0.0
        self.agents.do("step")
        if self.sold > 0.0:
            self.price = max(self.price - self.kappa * self.sold, 0.01)
        self.t += 1


q, lev, z = load(sys.argv[1])
start = time.perf_counter()
model = Cascade(q, lev, z)
for _ in range(len(z)):
    model.step()
report("mesa", len(q), len(z), model.liquidations, model.price, time.perf_counter() - start)
