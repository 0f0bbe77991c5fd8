"""Article 001's network in plain NumPy, in the article's own conventions: the oracle.

Rodrigo Girão Serrão, "Neural networks fundamentals with Python – backpropagation",
mathspp blog, https://mathspp.com/blog/neural-networks-fundamentals-with-python-backpropagation

Conventions (re-coded from the article's formulas, not its code):

* column vectors: layer i holds W_i of shape (out, in) and b_i of shape (out, 1) and
  computes y_i = W_i·x_i + b_i, x_{i+1} = f_i(y_i); each layer has its own activation
  f_i (given here as a pair (f_i, f_i'));
* the demo: the quadrant task (points uniform in [−2, 2]², class 0 where x·y > 0),
  a 2-3-2 LeakyReLU network, MSE loss, one SGD step per point, learning rate 0.05.

The hand-derived backward pass, from the last layer to the first::

    dx_n = dL(x_n, t)
    db_i = f_i'(y_i) ⊙ dx_{i+1}
    dx_i = W_iᵀ·db_i
    dW_i = db_i·x_iᵀ

``train_step`` is the article's ``train``: it walks back through the layers and updates
each one as it goes (dx uses W_i before its update, so the step is an exact gradient step).

Settings the article leaves to the series' earlier article: LeakyReLU's slope and the MSE's
scaling; we take MSE = mean((x_n − t)²), so dL = 2(x_n − t)/size (PyTorch's ``MSELoss``),
and the series' initialisation W ~ N(0, (1/(in·out))²), b ~ N(0, (1/out)²).

The mistake: the article's "general step" and generic loop write ``fs[i](y)``, the
activation itself, where the derivative ``dfs[i](y)`` is meant. ``mistaken_gradients``
re-codes it; a cross-check against autograd must flag it.
"""
from __future__ import annotations

import numpy as np


def quadrant_data(n, rng):
    """The article's task, as columns: points (2, n) uniform in [−2, 2]² and targets (2, n),
    (1, 0) where x·y > 0 (1st and 3rd quadrants), else (0, 1)."""
    points = rng.uniform(-2, 2, size=(2, n))
    first_or_third = (points[0] * points[1] > 0).astype(np.float64)
    return points, np.stack([first_or_third, 1 - first_or_third])


def count_correct(guesses, targets):
    """The article's ``assess``: how many columns have their guessed class marked 1 in the targets."""
    return int(np.sum(targets[guesses, np.arange(targets.shape[1])] == 1))


def init_layers(layer_sizes, rng):
    """[(W_i, b_i)] for ``layer_sizes`` = (n_0, …, n_L): W_i ~ N(0, (1/(in·out))²) of shape
    (out, in), b_i ~ N(0, (1/out)²) of shape (out, 1)."""
    return [(rng.normal(0.0, 1.0 / (n_out * n_in), (n_out, n_in)),
             rng.normal(0.0, 1.0 / n_out, (n_out, 1)))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]


def forward(layers, activations, x):
    """(xs, ys): xs = [x_0, …, x_n] with x_0 = x and x_{i+1} = f_i(y_i), ys = [y_0, …, y_{n-1}]
    with y_i = W_i·x_i + b_i; ``activations`` = [(f_i, f_i')]. The article recomputes y_i in
    its backward pass; keeping it gives the same numbers with half the products."""
    xs, ys = [x], []
    for (W, b), (f, _) in zip(layers, activations):
        ys.append(W @ xs[-1] + b)
        xs.append(f(ys[-1]))
    return xs, ys


def mse_derivative(x_n, t):
    """dL/dx_n of L = mean((x_n − t)²)."""
    return 2.0 * (x_n - t) / x_n.size


def gradients(layers, activations, x, t):
    """{"W0": dW_0, "b0": db_0, …}: the article's backward pass, db_i = f_i'(y_i) ⊙ dx_{i+1}."""
    return _backward(layers, activations, x, t, slope_of=lambda f, df, y: df(y))


def mistaken_gradients(layers, activations, x, t):
    """The generic loop as printed: db_i = f_i(y_i) ⊙ dx_{i+1}, the activation for its derivative."""
    return _backward(layers, activations, x, t, slope_of=lambda f, df, y: f(y))


def _backward(layers, activations, x, t, slope_of):
    xs, ys = forward(layers, activations, x)
    dx = mse_derivative(xs[-1], t)
    grads = {}
    for i in reversed(range(len(layers))):
        (W, _), (f, df) = layers[i], activations[i]
        db = slope_of(f, df, ys[i]) * dx
        dx = W.T @ db
        grads[f"W{i}"], grads[f"b{i}"] = db @ xs[i].T, db
    return dict(sorted(grads.items()))


def train_step(layers, activations, x, t, lr):
    """The article's ``train`` for one column x with target t: forward, then from the last layer
    to the first compute db, dx, dW and update W_i, b_i in place."""
    xs, ys = forward(layers, activations, x)
    dx = mse_derivative(xs.pop(), t)
    for (W, b), (_, df), x_in, y in zip(layers[::-1], activations[::-1], xs[::-1], ys[::-1]):
        db = df(y) * dx
        dx = W.T @ db
        W -= lr * (db @ x_in.T)
        b -= lr * db


def train(layers, activations, points, targets, lr):
    """One ``train_step`` per column of ``points`` (2, n) / ``targets``, in order. Updates
    ``layers`` in place and returns it."""
    for i in range(points.shape[1]):
        train_step(layers, activations, points[:, i:i + 1], targets[:, i:i + 1], lr)
    return layers


def named(layers):
    """{"W0": W_0, "b0": b_0, "W1": …} of a list of (W_i, b_i)."""
    return {f"{kind}{i}": value for i, (W, b) in enumerate(layers) for kind, value in (("W", W), ("b", b))}

