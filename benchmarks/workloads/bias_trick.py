"""Article 000's network (W1 and W2), written three ways.

Seed 000 (PyImageSearch, "Backpropagation from scratch with Python") conventions:

* bias trick: a column of ones appended *last* to the inputs; a hidden layer's weights
  have shape (n_i + 1, n_{i+1} + 1), the last layer's (n_{L-1} + 1, n_L), initialised
  randn / sqrt(n_i). The extra output column of a hidden layer makes the next layer's
  "bias" unit, which — as in the article — is itself σ(a·w), not a constant 1;
* every layer, the output included: a_{l+1} = σ(a_l · W_l);
* loss 0.5·Σ(pred − target)², per-sample SGD: W_l −= α · a_lᵀ · D_l.
"""
from __future__ import annotations

import dataclasses

import numpy as np

import nn
import tinygrad_edu as tg

from ..harness import Runner


@dataclasses.dataclass
class BiasTrickProblem:
    samples: list[tuple[np.ndarray, np.ndarray]]  # one per step: x (1, n_0+1) incl. the ones, y (1, n_L)
    initial_weights: list[np.ndarray]
    alpha: float


def initial_weights(layers: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """The article's initialisation: randn / sqrt(fan_in), a bias row and column on every
    hidden layer, a bias row only on the last."""
    weights = [rng.standard_normal((n_in + 1, n_out + 1)) / np.sqrt(n_in)
               for n_in, n_out in zip(layers[:-2], layers[1:-1])]
    weights.append(rng.standard_normal((layers[-2] + 1, layers[-1])) / np.sqrt(layers[-2]))
    return weights


def with_bias_column(X: np.ndarray) -> np.ndarray:
    """The article's bias trick: a column of ones appended last."""
    return np.c_[X, np.ones(X.shape[0])]


def named(weights) -> dict[str, np.ndarray]:
    return {f"W{i}": w for i, w in enumerate(weights)}


# ----------------------------------------------------------------------------
# (a) hand-written NumPy: the article's fit_partial


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_deriv(a):
    """σ'(z) written with the activation a = σ(z): a(1 − a)."""
    return a * (1.0 - a)


def hand(problem: BiasTrickProblem) -> Runner:
    W = [w.copy() for w in problem.initial_weights]
    alpha = problem.alpha

    def fit_partial(x, y):
        A = [x]
        for W_l in W:                                     # forward
            A.append(sigmoid(A[-1] @ W_l))
        D = [(A[-1] - y) * sigmoid_deriv(A[-1])]          # output delta
        for layer in range(len(A) - 2, 0, -1):            # hidden deltas, last to first
            D.append((D[-1] @ W[layer].T) * sigmoid_deriv(A[layer]))
        D.reverse()
        for layer in range(len(W)):                       # update
            W[layer] += -alpha * (A[layer].T @ D[layer])

    def run():
        for x, y in problem.samples:
            fit_partial(x, y)

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


def tinygrad(problem: BiasTrickProblem) -> Runner:
    model = BiasTrickMLP(problem.initial_weights)
    optimizer = nn.SGD(model.parameters(), lr=problem.alpha)
    samples = [(tg.tensor(x), tg.tensor(y)) for x, y in problem.samples]

    def run():
        for x, target in samples:
            loss = 0.5 * ((model(x) - target) ** 2).sum()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    return Runner(run, lambda: named(p.data for p in model.layer_weights))


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
            "torch": lambda: pytorch(problem)}
