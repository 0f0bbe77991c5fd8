"""W5 — a chain of 100,000 scalar ops, forward + backward, float64.

    y = x;  repeat N/2 times:  y = y · c;  y = y + d        (N ops in all)

then dy/dx by reverse mode (tg, torch). The result checks itself: dy/dx = c^(N/2).
One step is one op: the time reported is (forward + backward) / N — the per-node cost
of recording and walking a graph, with no arithmetic to hide it.

Hand NumPy has no graph to walk: it runs the same loop on NumPy float64 scalars and
carries the derivative along (forward mode, dy/dx ← c·dy/dx at each product), which is
the floor for a Python loop of scalar ops.

There is no tg.jit version: the chain is built and differentiated once, so a trace
would never be replayed.
"""
from __future__ import annotations

import dataclasses

import numpy as np

import tinygrad_edu as tg

from ..harness import Runner, Target, Workload

C = 0.99999  # c^(N/2) stays near 1 for N = 100,000, so nothing under- or overflows
D = 1e-3
X0 = 0.5


@dataclasses.dataclass
class ChainProblem:
    ops: int  # even: ops/2 products and ops/2 sums


def named(y, dydx) -> dict[str, np.ndarray]:
    return {"y": np.asarray(y, np.float64), "dy/dx": np.asarray(dydx, np.float64)}


def hand(problem: ChainProblem) -> Runner:
    result = {}

    def run():
        y, dydx = np.float64(X0), np.float64(1.0)
        c, d = np.float64(C), np.float64(D)
        for _ in range(problem.ops // 2):
            y = y * c
            dydx = dydx * c
            y = y + d
        result.update(named(y, dydx))

    return Runner(run, lambda: result)


def tinygrad(problem: ChainProblem) -> Runner:
    result = {}

    def run():
        x = tg.tensor(X0, dtype=tg.float64, requires_grad=True)
        y = x
        for _ in range(problem.ops // 2):
            y = y * C
            y = y + D
        y.backward()
        result.update(named(y.item(), x.grad.item()))

    return Runner(run, lambda: result)


def pytorch(problem: ChainProblem) -> Runner:
    import torch

    result = {}

    def run():
        x = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(problem.ops // 2):
            y = y * C
            y = y + D
        y.backward()
        result.update(named(y.item(), x.grad.item()))

    return Runner(run, lambda: result)


def closed_form(ops: int) -> dict[str, np.ndarray]:
    """y and dy/dx of the chain without the loop: y = c^k x0 + d (c^k − 1)/(c − 1)."""
    k = ops // 2
    return named(C ** k * X0 + D * (C ** k - 1) / (C - 1), C ** k)


def build(quick: bool = False, seed: int = 0, ops: int | None = None) -> Workload:
    del seed  # nothing random
    ops = ops or (20_000 if quick else 100_000)
    if ops % 2:
        raise ValueError(f"W5: the chain alternates · and +, so ops must be even (got {ops})")
    problem = ChainProblem(ops)
    notes = ["hand = forward-mode loop on NumPy scalars (no graph)"]
    if ops != 100_000:
        notes.append(f"chain of {ops} ops instead of 100,000")
    return Workload(
        id="W5", title=f"chain of {ops:,} scalar ops (y·c, y+d), forward + backward, float64",
        unit="op", steps=ops, dtype="float64", rtol=1e-9, atol=1e-12,
        factories={"hand": lambda: hand(problem), "tg": lambda: tinygrad(problem),
                   "torch": lambda: pytorch(problem)},
        target=Target("≤2x torch per op", min_torch_over=0.5),
        no_jit="the chain is built once, nothing to replay", notes=notes,
        expected=lambda: closed_form(ops))
