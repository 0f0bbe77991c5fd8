"""W4 — article 001's 2-3-2 LeakyReLU network on column vectors, per-sample SGD, lr 0.05.

Seed 001 conventions: layer i holds W_i (out, in) and b_i (out, 1) and computes
y_i = W_i·x_i + b_i, x_{i+1} = f(y_i) with f = LeakyReLU; loss MSE = mean((x_n − t)²);
backward from the last layer to the first with the corrected rule
db = f'(y) ⊙ dx, dx = Wᵀ·db, dW = db·xᵀ. The data are the article's quadrant task:
points uniform in [−2, 2]², target (1, 0) where x·y > 0 else (0, 1). float64.
LeakyReLU's slope is PyTorch's default 0.01 (the seed leaves it to the series).
"""
from __future__ import annotations

import dataclasses

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import column_vectors as article
from tinygrad_edu.articles.activations import leaky_relu_pair

from ..harness import Runner, Target, Workload
from . import jitted

LAYERS = (2, 3, 2)
SLOPE = 0.01


@dataclasses.dataclass
class ColumnProblem:
    samples: list[tuple[np.ndarray, np.ndarray]]   # x (2, 1), t (2, 1) per step
    initial: list[tuple[np.ndarray, np.ndarray]]   # (W (out, in), b (out, 1)) per layer
    lr: float


def make_problem(steps: int, seed: int) -> ColumnProblem:
    rng = np.random.default_rng(seed)
    data, ts = article.quadrant_data(steps, rng)
    samples = [(data[:, i:i + 1].copy(), ts[:, i:i + 1].copy()) for i in range(steps)]
    return ColumnProblem(samples, article.init_layers(LAYERS, rng), lr=0.05)


# ----------------------------------------------------------------------------
# (a) hand-written NumPy: the article's train() with f' (its corrected form), from its one home


def hand(problem: ColumnProblem) -> Runner:
    layers = [(W.copy(), b.copy()) for W, b in problem.initial]
    activations = [leaky_relu_pair(SLOPE)] * len(layers)

    def run():
        for x, t in problem.samples:
            article.train_step(layers, activations, x, t, problem.lr)

    return Runner(run, lambda: article.named(layers))


# ----------------------------------------------------------------------------
# (b) tinygrad_edu + nn


class ColumnLayer(nn.Module):
    """y = W·x + b on a column vector x, then LeakyReLU."""

    def __init__(self, W, b):
        super().__init__()
        self.W = nn.Parameter(tg.tensor(W))
        self.b = nn.Parameter(tg.tensor(b))

    def forward(self, x):
        return (self.W @ x + self.b).leaky_relu(SLOPE)


def tinygrad(problem: ColumnProblem, jit: bool = False) -> Runner:
    """Eager, or with the step under tg.jit (traced in set-up, see jitted.py)."""
    model = nn.Sequential(*(ColumnLayer(W, b) for W, b in problem.initial))
    loss_fn = nn.MSELoss()
    optimizer = nn.SGD(model.parameters(), lr=problem.lr)
    samples = [(tg.tensor(x), tg.tensor(t)) for x, t in problem.samples]

    def step(x, t):
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    if jit:
        step = jitted.traced(step, samples[0], model)

    def run():
        for x, t in samples:
            step(x, t)

    return jitted.runner(run, lambda: article.named(
        (layer.W.detach().numpy(), layer.b.detach().numpy()) for layer in model), step)


# ----------------------------------------------------------------------------
# (c) PyTorch


def pytorch(problem: ColumnProblem) -> Runner:
    import torch
    import torch.nn.functional as F

    class TorchColumnLayer(torch.nn.Module):
        def __init__(self, W, b):
            super().__init__()
            self.W = torch.nn.Parameter(torch.tensor(W))
            self.b = torch.nn.Parameter(torch.tensor(b))

        def forward(self, x):
            return F.leaky_relu(self.W @ x + self.b, SLOPE)

    model = torch.nn.Sequential(*(TorchColumnLayer(W, b) for W, b in problem.initial))
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.lr)
    samples = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in problem.samples]

    def run():
        for x, t in samples:
            loss = loss_fn(model(x), t)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    return Runner(run, lambda: article.named((layer.W.detach().numpy(), layer.b.detach().numpy())
                                             for layer in model))


# ----------------------------------------------------------------------------
# (d) the floor under a bitwise-exact replay


def floor(problem: ColumnProblem) -> Runner:
    """Eager tg's step as the NumPy calls it makes, with nothing else (no Tensor, no call
    per kernel, no optimizer loop, what constants alone feed folded): y = W·x + b,
    LeakyReLU as max(αy, y), the MSE's mean and its backward, SGD. It must end on eager's
    weights bit for bit (run.py checks it): the least an exact replay can cost."""
    layers = [(W.copy(), b.copy()) for W, b in problem.initial]
    # folded: MeanBackward(seed 1), G/n expanded to the output's shape
    upstream = np.empty(problem.samples[0][1].shape)
    upstream[...] = np.asarray(1.0).reshape((1, 1)) / upstream.size

    def run():
        for x, t in problem.samples:
            inputs, outputs = [x], []
            for W, b in layers:
                y = W @ inputs[-1] + b
                outputs.append(y)
                inputs.append(np.maximum(y * SLOPE, y))  # LeakyReLU, 0 < SLOPE <= 1
            d = inputs[-1] - t
            np.asarray(np.add.reduce(d * d, None, keepdims=False) / d.size)  # the loss
            g = upstream * d + upstream * d  # MulBackward of d·d, both parts, summed
            grads = []
            for layer in range(len(layers) - 1, -1, -1):
                W, _ = layers[layer]
                y = outputs[layer]
                g = np.where(y > 0, g, g * SLOPE)  # LeakyReLUBackward
                grads.append((g @ inputs[layer].swapaxes(-1, -2), g.copy()))  # AddBackward: copied
                if layer:
                    g = W.swapaxes(-1, -2) @ g
            for (W, b), (dW, db) in zip(layers, grads[::-1]):
                W -= problem.lr * dW
                b -= problem.lr * db

    return Runner(run, lambda: article.named(layers))


def build(quick: bool = False, seed: int = 0, steps: int | None = None) -> Workload:
    steps = steps or (500 if quick else 2000)
    problem = make_problem(steps, seed)
    return Workload(
        id="W4", title="2-3-2 LeakyReLU column vectors, MSE, per-sample SGD, lr 0.05 (article 001)",
        unit="sample step", steps=steps, dtype="float64", rtol=1e-9, atol=1e-12,
        factories={"hand": lambda: hand(problem), "tg": lambda: tinygrad(problem),
                   "jit": lambda: tinygrad(problem, jit=True), "floor": lambda: floor(problem),
                   "torch": lambda: pytorch(problem)},
        target=Target("≤4x hand", max_over_hand=4.0),
        jit_target=Target("≤1.2x hand (moonshot ≤1.0x)", max_over_hand=1.2,
                          moonshot_over_hand=1.0))
