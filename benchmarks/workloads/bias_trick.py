"""Article 000's network (W1 and W2), written four ways.

(a) the hand-written NumPy is the article's own loop, ``fit_partial``, from its one home
``tinygrad_edu.articles.bias_trick`` (the module the tests check autograd against):
bias column of ones appended last, a_{l+1} = σ(a_l·W_l) on every layer, loss
0.5·Σ(pred − target)², per-sample SGD W_l −= α·a_lᵀ·D_l. Hidden weights have one extra
column, whose unit is itself σ(a·w), not a constant 1, as in the article;
(b) tinygrad_edu + nn and (c) PyTorch run the same network as a PyTorch user writes it;
(b') is (b)'s step under tg.jit;
(d) the floor: the NumPy calls eager (b) makes, written out by hand (see `floor`).
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


# ----------------------------------------------------------------------------
# (d) the floor under a bitwise-exact replay

# the largest x for which e^-x overflows in float64: ops.Sigmoid's switch to its stable form
_EXP_OVERFLOWS_BELOW = -np.log(np.finfo(np.float64).max)


def floor(problem: BiasTrickProblem) -> Runner:
    """Eager tg's step as the NumPy calls it makes, with nothing else: no Tensor, no
    Python call per kernel, no optimizer loop, and what constants alone feed folded (as
    tg.jit folds it). It computes the loss the step returns and back-propagates through
    ½Σ(a − t)² (the article's loop starts from a − t), and each sigmoid checks x.min()
    first. It must end on eager's weights bit for bit (run.py checks it), so it is the
    least a replay that gives eager's bits can cost. (It repeats ops.py's arithmetic on
    purpose: a call per op is part of what it leaves out.)"""
    weights = [w.copy() for w in problem.initial_weights]
    half = np.asarray(0.5)  # the 0.5 of `0.5 * (...).sum()`, as operands makes it
    # folded: MulBackward(seed 1, 0.5) then SumBackward, expanded to the output's shape
    upstream = np.empty(problem.samples[0][1].shape)
    upstream[...] = np.asarray(1.0) * half

    def run():
        for x, t in problem.samples:
            activations = [x]
            for W in weights:
                z = activations[-1] @ W
                if z.size == 0 or z.min() > _EXP_OVERFLOWS_BELOW:
                    activations.append(1.0 / (1.0 + np.exp(-z)))
                else:  # (never taken here: the stable form, for completeness)
                    e = np.exp(-np.abs(z))
                    r = 1.0 / (1.0 + e)
                    activations.append(np.where(z >= 0, r, e * r))
            d = activations[-1] - t
            np.asarray(half * np.asarray((d ** 2).sum(None, keepdims=False)))  # the loss
            g = upstream * (2 * d)  # PowScalarBackward; SubBackward passes it on
            grads = [None] * len(weights)
            for layer in range(len(weights) - 1, -1, -1):
                s = activations[layer + 1]
                g = g * s * (1.0 - s)  # SigmoidBackward
                grads[layer] = activations[layer].swapaxes(-1, -2) @ g  # MatMulBackward
                if layer:
                    g = g @ weights[layer].swapaxes(-1, -2)
            for W, dW in zip(weights, grads):
                W -= problem.alpha * dW

    return Runner(run, lambda: named(weights))


def factories(problem: BiasTrickProblem) -> dict:
    return {"hand": lambda: hand(problem), "tg": lambda: tinygrad(problem),
            "jit": lambda: tinygrad(problem, jit=True), "floor": lambda: floor(problem),
            "torch": lambda: pytorch(problem)}
