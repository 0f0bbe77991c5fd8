"""W3 — 784-196-1 sigmoid network, binary cross-entropy, full-batch gradient descent on
11,272 samples (article 002's MNIST 5-vs-8 shape), float32.

Seed 002 conventions: W (out, in), b (out, 1), A0 = Xᵀ (features × samples),
Z = W·A + b, A = σ(Z) on both layers, J = −mean[Y log A + (1−Y) log(1−A)],
init W = randn / sqrt(fan_in), b = 0, learning rate 0.1. One step is one full-batch
iteration (forward, backward, update), eager or under tg.jit; the hand-written NumPy is
``tinygrad_edu.articles.logistic_mlp.train_step``, the article's formulas. The data are synthetic, of that shape and
seeded: pixels uniform in [0, 1), labels from a random linear teacher.
"""
from __future__ import annotations

import dataclasses

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import logistic_mlp as article

from ..harness import Runner, Target, Workload
from . import jitted

LAYERS = (784, 196, 1)
MNIST_5_VS_8 = 11_272


@dataclasses.dataclass
class FullBatchProblem:
    A0: np.ndarray                 # (784, n) = Xᵀ, float32
    Y: np.ndarray                  # (1, n) of 0/1, float32
    initial: dict[str, np.ndarray]  # W1 (196, 784), b1 (196, 1), W2 (1, 196), b2 (1, 1)
    lr: float
    iterations: int


def make_problem(n: int, iterations: int, seed: int) -> FullBatchProblem:
    rng = np.random.default_rng(seed)
    X = rng.random((n, LAYERS[0]), dtype=np.float32)
    teacher = rng.standard_normal(LAYERS[0]).astype(np.float32)
    score = (X - 0.5) @ teacher
    Y = (score > np.median(score)).astype(np.float32)[None, :]
    initial = {}
    for l, (fan_in, fan_out) in enumerate(zip(LAYERS[:-1], LAYERS[1:]), start=1):
        initial[f"W{l}"] = (rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32)
        initial[f"b{l}"] = np.zeros((fan_out, 1), dtype=np.float32)
    return FullBatchProblem(A0=X.T, Y=Y, initial=initial, lr=0.1, iterations=iterations)


# ----------------------------------------------------------------------------
# (a) hand-written NumPy: the article's full-batch iteration, from its one home


def hand(problem: FullBatchProblem) -> Runner:
    p = {name: w.copy() for name, w in problem.initial.items()}

    def run():
        for _ in range(problem.iterations):
            article.train_step(p, problem.A0, problem.Y, problem.lr)

    return Runner(run, lambda: p)


# ----------------------------------------------------------------------------
# (b) tinygrad_edu + nn


class ColumnSigmoidNet(nn.Module):
    """Article 002's two layers on column-major data: A = σ(W·A_prev + b)."""

    def __init__(self, initial):
        super().__init__()
        for name, value in initial.items():
            setattr(self, name, nn.Parameter(tg.tensor(value)))

    def forward(self, A0):
        A1 = (self.W1 @ A0 + self.b1).sigmoid()
        return (self.W2 @ A1 + self.b2).sigmoid()


def tinygrad(problem: FullBatchProblem, jit: bool = False) -> Runner:
    """Eager, or with the iteration under tg.jit (traced in set-up, see jitted.py)."""
    model = ColumnSigmoidNet(problem.initial)
    loss_fn = nn.BCELoss()
    optimizer = nn.SGD(model.parameters(), lr=problem.lr)
    A0, Y = tg.from_numpy(problem.A0), tg.from_numpy(problem.Y)

    def step(A0, Y):
        loss = loss_fn(model(A0), Y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    if jit:
        step = jitted.traced(step, (A0, Y), model)

    def run():
        for _ in range(problem.iterations):
            step(A0, Y)

    return jitted.runner(
        run, lambda: {name: p.detach().numpy() for name, p in model.named_parameters()}, step)


# ----------------------------------------------------------------------------
# (c) PyTorch


def pytorch(problem: FullBatchProblem) -> Runner:
    import torch

    class TorchColumnSigmoidNet(torch.nn.Module):
        def __init__(self, initial):
            super().__init__()
            for name, value in initial.items():
                setattr(self, name, torch.nn.Parameter(torch.tensor(value)))

        def forward(self, A0):
            A1 = (self.W1 @ A0 + self.b1).sigmoid()
            return (self.W2 @ A1 + self.b2).sigmoid()

    model = TorchColumnSigmoidNet(problem.initial)
    loss_fn = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.lr)
    A0, Y = torch.from_numpy(problem.A0), torch.from_numpy(problem.Y)

    def run():
        for _ in range(problem.iterations):
            loss = loss_fn(model(A0), Y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    return Runner(run, lambda: {name: p.detach().numpy() for name, p in model.named_parameters()})


def build(quick: bool = False, seed: int = 0, n: int = MNIST_5_VS_8,
          iterations: int | None = None) -> Workload:
    iterations = iterations or (1 if quick else 2)
    problem = make_problem(n, iterations, seed)
    notes = [] if n == MNIST_5_VS_8 else [f"batch of {n} samples instead of {MNIST_5_VS_8}"]
    return Workload(
        id="W3", title=f"784-196-1 sigmoid + BCE, full batch of {n}, lr 0.1, float32",
        unit="iteration", steps=iterations, dtype="float32", rtol=1e-5, atol=1e-7,
        factories={"hand": lambda: hand(problem), "tg": lambda: tinygrad(problem),
                   "jit": lambda: tinygrad(problem, jit=True), "torch": lambda: pytorch(problem)},
        target=Target("≤1.10x hand, ≤ torch", max_over_hand=1.10, min_torch_over=1.0),
        jit_target=Target("≤1.05x hand", max_over_hand=1.05),
        notes=notes)
