"""Article 000's network (W1 and W2), written three ways.

(a) the hand-written NumPy is the article's own loop, ``fit_partial``, from its one home
``tinygrad_edu.articles.bias_trick`` (the module the tests check autograd against):
bias column of ones appended last, a_{l+1} = σ(a_l·W_l) on every layer, loss
0.5·Σ(pred − target)², per-sample SGD W_l −= α·a_lᵀ·D_l. Hidden weights have one extra
column, whose unit is itself σ(a·w), not a constant 1, as in the article;
(b) tinygrad_edu + nn and (c) PyTorch run the same network as a PyTorch user writes it;
(b') is (b)'s step under tg.jit.
"""
from __future__ import annotations

import dataclasses

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import bias_trick as article

from ..harness import Runner
from . import jitted


@dataclasses.dataclass
class BiasTrickProblem:
    samples: list[tuple[np.ndarray, np.ndarray]]  # one per step: x (1, n_0+1) incl. the ones, y (1, n_L)
    initial_weights: list[np.ndarray]
    alpha: float


def named(weights) -> dict[str, np.ndarray]:
    return {f"W{i}": w for i, w in enumerate(weights)}


# ----------------------------------------------------------------------------
# (a) hand-written NumPy: the article's fit_partial


def hand(problem: BiasTrickProblem) -> Runner:
    W = [w.copy() for w in problem.initial_weights]
    alpha = problem.alpha

    def run():
        for x, y in problem.samples:
            article.train_step(W, x, y, alpha)

    return Runner(run, lambda: named(W))


# ----------------------------------------------------------------------------
# (b) tinygrad_edu + nn, the way a PyTorch user writes it


class BiasTrickMLP(nn.Module):
    """x → σ(x·W0) → σ(·W1) → ...: the article's network as an nn.Module."""

    def __init__(self, weights):
        super().__init__()
        for i, w in enumerate(weights):
            setattr(self, f"W{i}", nn.Parameter(tg.tensor(w)))
        self.layer_weights = tuple(self.parameters())

    def forward(self, a):
        for W in self.layer_weights:
            a = (a @ W).sigmoid()
        return a


def tinygrad(problem: BiasTrickProblem, jit: bool = False) -> Runner:
    """Eager, or with the step under tg.jit (traced in set-up, see jitted.py)."""
    model = BiasTrickMLP(problem.initial_weights)
    optimizer = nn.SGD(model.parameters(), lr=problem.alpha)
    samples = [(tg.tensor(x), tg.tensor(y)) for x, y in problem.samples]

    def step(x, target):
        loss = 0.5 * ((model(x) - target) ** 2).sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    if jit:
        step = jitted.traced(step, samples[0], model)

    def run():
        for x, target in samples:
            step(x, target)

    return jitted.runner(run, lambda: named(p.detach().numpy() for p in model.layer_weights), step)


# ----------------------------------------------------------------------------
# (c) PyTorch, the same user code


def pytorch(problem: BiasTrickProblem) -> Runner:
    import torch

    class TorchBiasTrickMLP(torch.nn.Module):
        def __init__(self, weights):
            super().__init__()
            for i, w in enumerate(weights):
                setattr(self, f"W{i}", torch.nn.Parameter(torch.tensor(w)))
            self.layer_weights = tuple(self.parameters())

        def forward(self, a):
            for W in self.layer_weights:
                a = (a @ W).sigmoid()
            return a

    model = TorchBiasTrickMLP(problem.initial_weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.alpha)
    samples = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in problem.samples]

    def run():
        for x, target in samples:
            loss = 0.5 * ((model(x) - target) ** 2).sum()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    return Runner(run, lambda: named(p.detach().numpy() for p in model.layer_weights))


def factories(problem: BiasTrickProblem) -> dict:
    return {"hand": lambda: hand(problem), "tg": lambda: tinygrad(problem),
            "jit": lambda: tinygrad(problem, jit=True), "torch": lambda: pytorch(problem)}
