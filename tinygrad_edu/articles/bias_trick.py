"""Article 000's network in plain NumPy, in the article's own conventions: the oracle.

Adrian Rosebrock, "Backpropagation from scratch with Python", PyImageSearch, 6 May 2021,
https://pyimagesearch.com/2021/05/06/backpropagation-from-scratch-with-python/

Conventions (re-coded from the article's formulas, not its code):

* row vectors; the *bias trick*: a column of ones appended *last* to the input,
  ``[x0, x1] -> [x0, x1, 1]``, and only there. A hidden layer's weights have one extra
  column, which makes one more ordinary sigmoid unit — Figure 2's third hidden value is
  0.378, not 1 — that feeds the next layer like the others;
* ``W[l]`` has shape (n_l + 1, n_{l+1} + 1) for hidden layers and (n_{L-1} + 1, n_L) for
  the last one, initialised randn / sqrt(n_l);
* sigmoid on every layer, the output included: ``A[l+1] = σ(A[l]·W[l])``;
* loss ½·Σ(prediction − target)², per-sample gradient descent with learning rate α.

The hand-derived backward pass and update::

    D[L-1] = (A[L] − y) ⊙ σ'(A[L])
    D[l-1] = (D[l]·W[l]ᵀ) ⊙ σ'(A[l])        for l = L-1 … 1
    W[l]  -= α · A[l]ᵀ·D[l]                   (every D first, then every update)

with the article's ``sigmoid_deriv(a) = a(1 − a)`` given the *activation*: that is
σ'(z) written through a = σ(z). ``A[l]ᵀ·D[l]`` is the gradient of ½Σ(pred − y)², for
one row or summed over several.

The mistake (the article's own comment on ``sigmoid_deriv`` warns about it): handing
the same a(1 − a) helper the net input z = A·W instead of the activation.
``mistaken_gradients`` re-codes it; a cross-check against autograd must flag it.
"""
from __future__ import annotations

import numpy as np

from .activations import sigmoid, sigmoid_prime_from_output


def with_bias_column(X):
    """The bias trick: a column of ones appended last, (n, d) -> (n, d + 1)."""
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


def init_weights(layer_sizes, rng):
    """The article's weights for ``layer_sizes`` = (n_0, …, n_L): randn / sqrt(n_l), one bias
    row on every layer and one extra column on every hidden layer."""
    weights = [rng.standard_normal((n_in + 1, n_out + 1)) / np.sqrt(n_in)
               for n_in, n_out in zip(layer_sizes[:-2], layer_sizes[1:-1])]
    n_in, n_out = layer_sizes[-2:]
    weights.append(rng.standard_normal((n_in + 1, n_out)) / np.sqrt(n_in))
    return weights


def forward(weights, A0):
    """The activations [A[0], …, A[L]]: A[0] is the input *with* its bias column,
    A[l+1] = σ(A[l]·W[l])."""
    activations = [A0]
    for W in weights:
        activations.append(sigmoid(activations[-1] @ W))
    return activations


def deltas(weights, activations, target, slope=sigmoid_prime_from_output, slope_of=None):
    """The list D in forward order (D[l] belongs to W[l]).

    Each delta is multiplied by ``slope`` of layer l's ``slope_of[l]``. The article's
    choice, the default: ``sigmoid_prime_from_output`` of the layer's activation A[l+1]."""
    slope_of = activations[1:] if slope_of is None else slope_of
    D = [(activations[-1] - target) * slope(slope_of[-1])]
    for layer in range(len(weights) - 1, 0, -1):
        D.append((D[-1] @ weights[layer].T) * slope(slope_of[layer - 1]))
    return D[::-1]


def net_inputs(weights, activations):
    """z of every layer: [A[0]·W[0], …, A[L-1]·W[L-1]] (A[l+1] = σ(z_l))."""
    return [A @ W for A, W in zip(activations[:-1], weights)]


def gradients(weights, A0, target):
    """{"W[l]": A[l]ᵀ·D[l]}: the gradient of ½Σ(pred − target)² that the update subtracts α times."""
    activations = forward(weights, A0)
    return weight_gradients(activations, deltas(weights, activations, target))


def mistaken_gradients(weights, A0, target):
    """The article's warned-about mistake: the a(1 − a) helper handed the net input z = A[l]·W[l]
    instead of the activation σ(z)."""
    activations = forward(weights, A0)
    D = deltas(weights, activations, target, slope_of=net_inputs(weights, activations))
    return weight_gradients(activations, D)


def weight_gradients(activations, D):
    """{"W[l]": A[l]ᵀ·D[l]} from the activations and the deltas."""
    return {f"W[{l}]": A.T @ d for l, (A, d) in enumerate(zip(activations, D))}


def train_step(weights, A0, target, alpha):
    """The article's ``fit_partial`` for one sample (A0: one row with its bias column):
    forward, every delta, then W[l] -= α·A[l]ᵀ·D[l] in place."""
    activations = forward(weights, A0)
    D = deltas(weights, activations, target)
    for W, A, d in zip(weights, activations, D):
        W -= alpha * (A.T @ d)


def fit(weights, X, y, alpha, epochs):
    """The article's training loop: bias column appended, then every epoch one
    ``train_step`` per sample, in order. Updates ``weights`` in place and returns it."""
    A0 = with_bias_column(X)
    for _ in range(epochs):
        for i in range(len(A0)):
            train_step(weights, A0[i:i + 1], y[i:i + 1], alpha)
    return weights

