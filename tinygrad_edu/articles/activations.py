"""The activation functions the four articles use, and their derivatives, in plain NumPy.

One definition each, shared by every article's oracle (and by the tests that need a
NumPy reference for them). A derivative is named for what it takes:

* ``sigmoid_prime(z)`` is σ'(z) = σ(z)(1 − σ(z)), a function of the net input z;
* ``sigmoid_prime_from_output(a)`` is the same number written through the output
  a = σ(z): a(1 − a). Articles 000 and 002 use this form. It is only σ'(z) when it
  is given a = σ(z); given z itself it computes z(1 − z), a wrong derivative that
  looks plausible (article 000's and 003's warnings, re-coded as their mistakes).

``sigmoid`` is the articles' formula 1/(1 + e^−z), bit for bit: it is what the
articles compute, what tinygrad_edu's sigmoid computes wherever e^−z is finite, and
the cheapest form (the benchmarks' hand-written NumPy is timed with it). For
z < −709 (float64; −88 in float32) e^−z overflows: NumPy warns, and the result,
1/(1 + inf) = 0, is still the limit. The oracles never go there; references for
the engine's own behaviour at such inputs are written in the tests that need them.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + e^−z)."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z)), from the net input z."""
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_prime_from_output(a):
    """σ'(z) through the output a = σ(z): a(1 − a). Wrong when given anything but σ(z)."""
    return a * (1.0 - a)


def tanh_prime(z):
    """tanh'(z) = 1 − tanh²(z)."""
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    """1 where z > 0, else 0 (0 at z = 0, as PyTorch)."""
    return (z > 0).astype(np.float64)


# name -> (g, g'), both functions of the net input z
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (np.tanh, tanh_prime),
    "relu": (relu, relu_prime),
}


def leaky_relu_pair(slope):
    """(f, f') of LeakyReLU with the given negative slope, for the per-layer lists of article 001:
    f(z) = z where z > 0, else slope·z; f'(z) = 1 where z > 0, else slope (slope at z = 0, as
    PyTorch)."""

    def leaky_relu(z):
        return np.where(z > 0, z, slope * z)

    def leaky_relu_prime(z):
        return np.where(z > 0, 1.0, slope)

    return leaky_relu, leaky_relu_prime


def activation_pair(name, slope=0.01):
    """(g, g') by name: "sigmoid", "tanh", "relu" or "leaky_relu" (with ``slope``)."""
    if name == "leaky_relu":
        return leaky_relu_pair(slope)
    if name not in ACTIVATIONS:
        raise ValueError(f"activation_pair: unknown activation {name!r}; "
                         f"expected one of {sorted([*ACTIVATIONS, 'leaky_relu'])}")
    return ACTIVATIONS[name]
