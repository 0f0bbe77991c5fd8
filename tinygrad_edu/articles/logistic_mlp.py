"""Article 002's network in plain NumPy, in the article's own conventions: the oracle.

Abhisek Jana, "Understand and Implement the Backpropagation Algorithm From Scratch In Python",
A Developer Diary, 18 April 2019,
http://www.adeveloperdiary.com/data-science/machine-learning/understand-and-implement-the-backpropagation-algorithm-from-scratch-in-python/

Conventions (re-coded from the article's formulas, not its code):

* samples are columns: A⁰ = Xᵀ of shape (n_features, n); layer l (from 1) holds W^l of
  shape (out, in) and b^l of shape (out, 1); Z^l = W^l·A^{l-1} + b^l, A^l = σ(Z^l), sigmoid
  on every layer (the demo: MNIST 5-vs-8, 784-196-1);
* binary cross-entropy averaged over the n samples,
  J = −(1/n)·Σ[Y log A^L + (1 − Y) log(1 − A^L)] (the article's displayed formula slips a
  sign inside the bracket; its code has it right);
* full-batch gradient descent, learning rate 0.1; init W^l = randn(out, in)/sqrt(in), b^l = 0.

The hand-derived backward pass::

    dZ^L     = A^L − Y                     (σ and the cross-entropy simplified together)
    dW^l     = dZ^l·(A^{l-1})ᵀ / n
    db^l     = Σ_columns dZ^l / n          (axis 1, keepdims)
    dA^{l-1} = (W^l)ᵀ·dZ^l
    dZ^{l-1} = dA^{l-1} ⊙ σ'(Z^{l-1})

σ'(Z) = σ(Z)(1 − σ(Z)) is computed as A(1 − A): A^{l-1} *is* σ(Z^{l-1}), so the numbers are
the same, bit for bit, without a second exponential.

The mistake: the article's "N-Layer Neural Network Algorithm" listing writes
dZ = dA·σ'(dA), the derivative evaluated at the incoming gradient instead of at Z (its code
does it right). ``mistaken_gradients`` re-codes the listing; a cross-check must flag it.
"""
from __future__ import annotations

import numpy as np

from .activations import sigmoid, sigmoid_prime, sigmoid_prime_from_output


def init_parameters(layer_sizes, rng, bias_scale=0.0):
    """{"W1", "b1", …}: W^l = randn(out, in)/sqrt(in), b^l = 0 — or, with ``bias_scale`` > 0,
    b^l = bias_scale·randn(out, 1) (the article's zeros leave the bias path untested)."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        params[f"b{l}"] = bias_scale * rng.standard_normal((n_out, 1))
    return params


def forward(params, A0):
    """([None, Z^1, …, Z^L], [A^0, A^1, …, A^L]) for A^0 = Xᵀ (one column per sample)."""
    Z, A = [None], [A0]
    for l in range(1, len(params) // 2 + 1):
        Z.append(params[f"W{l}"] @ A[-1] + params[f"b{l}"])
        A.append(sigmoid(Z[-1]))
    return Z, A


def gradients(params, A0, Y):
    """{"W1": dW^1, "b1": db^1, …}: the derivation's gradients of the mean cross-entropy;
    Y holds the 0/1 labels as a (1, n) row."""
    _, A = forward(params, A0)
    L, n = len(A) - 1, A0.shape[1]
    return _backward(params, A, A[L] - Y, n,
                     dZ_of=lambda dA, l: dA * sigmoid_prime_from_output(A[l]))


def mistaken_gradients(params, A0, Y):
    """The listing: dA^L = −Y/A^L + (1 − Y)/(1 − A^L), then dZ = dA·σ'(dA) on every layer."""
    _, A = forward(params, A0)
    L, n = len(A) - 1, A0.shape[1]
    dA = -Y / A[L] + (1 - Y) / (1 - A[L])
    return _backward(params, A, dA * sigmoid_prime(dA), n, dZ_of=lambda dA, l: dA * sigmoid_prime(dA))


def _backward(params, A, dZ, n, dZ_of):
    """dW, db of every layer from dZ^L down; ``dZ_of(dA^l, l)`` gives dZ^l."""
    grads = {}
    for l in range(len(A) - 1, 0, -1):
        grads[f"W{l}"] = dZ @ A[l - 1].T / n
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / n
        if l > 1:
            dZ = dZ_of(params[f"W{l}"].T @ dZ, l - 1)
    return dict(sorted(grads.items()))


def train_step(params, A0, Y, learning_rate):
    """One full-batch iteration: every gradient from the same forward pass, then
    p -= learning_rate·dp for every parameter, in place."""
    grads = gradients(params, A0, Y)
    for name, grad in grads.items():
        params[name] -= learning_rate * grad


def fit(params, X, Y, learning_rate, iterations):
    """The article's ``fit``: ``iterations`` full-batch steps on X (n, features), Y (1, n).
    Updates ``params`` in place and returns it."""
    A0 = X.T
    for _ in range(iterations):
        train_step(params, A0, Y, learning_rate)
    return params

