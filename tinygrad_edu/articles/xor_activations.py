"""Article 003's network in plain NumPy, in the article's own conventions: the oracle.

Ziad Salloum, "Back Propagation, the Easy Way (Part 2)", Towards Data Science, 2019,
https://towardsdatascience.com/back-propagation-the-easy-way-part-2-bea37046c897

Conventions (re-coded from the article's formulas, not its code):

* row vectors; the bias trick puts a column of ones *first* in the input,
  ``[x0, x1] -> [1, x0, x1]``, and only there (the extra unit of a hidden layer is an
  ordinary activated unit);
* weights of shape (n_{i-1} + 1, n_i + 1) for hidden layers and (n_{L-1} + 1, n_L) for the
  output layer, drawn uniformly from [−1, 1);
* one activation g for every layer, the output included — "tanh", "sigmoid" or "relu";
  z = a·W, A = g(z);
* one randomly chosen sample per step; the error A − y at the output (loss ½Σ(A − y)²).

The hand-derived backward pass and update::

    output layer:  δ = (A − y) ⊙ g'(z)
    hidden layer:  δ = (δ_right·W_rightᵀ) ⊙ g'(z)
    every layer:   W -= lr·a_leftᵀ·δ          (every δ first, then every update)

with g' evaluated at the net input z. The article warns against the common mistake of
evaluating it at the output A instead; ``mistaken_gradients`` re-codes that mistake, which a
cross-check must flag — except for relu, where g'(g(z)) = g'(z) and the mistake is harmless.
"""
from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS


def with_bias_column(X):
    """The bias trick: a column of ones first, (n, d) -> (n, 1 + d)."""
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])


def init_weights(layer_sizes, rng):
    """Hidden (n_{i-1}+1, n_i+1), output (n_{L-1}+1, n_L), uniform in [−1, 1)."""
    shapes = [(n_in + 1, n_out + 1) for n_in, n_out in zip(layer_sizes[:-2], layer_sizes[1:-1])]
    shapes.append((layer_sizes[-2] + 1, layer_sizes[-1]))
    return [2 * rng.random(shape) - 1 for shape in shapes]


def forward(weights, a0, activation):
    """(the inputs a_left of every layer, the net inputs z of every layer, the output A)."""
    g, _ = ACTIVATIONS[activation]
    inputs, net_inputs, a = [], [], a0
    for W in weights:
        inputs.append(a)
        net_inputs.append(a @ W)
        a = g(net_inputs[-1])
    return inputs, net_inputs, a


def deltas(weights, a0, y, activation):
    """(the inputs a_left of every layer, the δ of every layer in forward order), g' at z."""
    _, g_prime = ACTIVATIONS[activation]
    inputs, net_inputs, output = forward(weights, a0, activation)
    return inputs, _deltas(weights, output, y, [g_prime(z) for z in net_inputs])


def _deltas(weights, output, y, slopes):
    """δ of every layer in forward order; ``slopes[i]`` is the g' factor of layer i."""
    delta = [(output - y) * slopes[-1]]
    for layer in range(len(weights) - 2, -1, -1):
        delta.insert(0, (delta[0] @ weights[layer + 1].T) * slopes[layer])
    return delta


def gradients(weights, a0, y, activation):
    """{"W[i]": a_leftᵀ·δ}: the gradient of ½Σ(A − y)² that the update subtracts lr times."""
    return weight_gradients(*deltas(weights, a0, y, activation))


def mistaken_gradients(weights, a0, y, activation):
    """The mistake the article warns about: g' evaluated at each layer's output g(z) instead of z."""
    g, g_prime = ACTIVATIONS[activation]
    inputs, net_inputs, output = forward(weights, a0, activation)
    return weight_gradients(inputs, _deltas(weights, output, y, [g_prime(g(z)) for z in net_inputs]))


def weight_gradients(inputs, delta):
    """{"W[i]": a_leftᵀ·δ} from the inputs of every layer and their deltas."""
    return {f"W[{i}]": a.T @ d for i, (a, d) in enumerate(zip(inputs, delta))}


def train_step(weights, a0, y, activation, learning_rate):
    """One sample (a0: one row with its ones column): every δ, then W -= lr·a_leftᵀ·δ in place."""
    inputs, delta = deltas(weights, a0, y, activation)
    for W, a, d in zip(weights, inputs, delta):
        W -= learning_rate * (a.T @ d)


def fit(weights, X, y, activation, learning_rate, sample_order):
    """The article's ``fit``: ones column first, then one ``train_step`` per index in
    ``sample_order`` (the article draws each index at random). Updates ``weights`` in place
    and returns it."""
    A0 = with_bias_column(X)
    for i in sample_order:
        train_step(weights, A0[i:i + 1], y[i:i + 1], activation, learning_rate)
    return weights
