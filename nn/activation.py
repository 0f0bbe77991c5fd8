"""Activation layers: thin Modules over nn.functional, with PyTorch's reprs."""
from __future__ import annotations

from tinygrad_edu import Tensor

from . import functional as F
from .module import Module


class Identity(Module):
    """forward(x) = x. Accepts (and ignores) any constructor arguments, as PyTorch's."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x);  σ'(x) = σ(x)(1 − σ(x))."""

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise F.expected_tensor_error("Sigmoid", "input", input)
        return input.sigmoid()


class Tanh(Module):
    """tanh(x);  tanh'(x) = 1 − tanh²(x)."""

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise F.expected_tensor_error("Tanh", "input", input)
        return input.tanh()


class ReLU(Module):
    """max(x, 0);  relu'(x) = 1 for x > 0, else 0 (0 at x = 0, as PyTorch)."""

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise F.expected_tensor_error("ReLU", "input", input)
        return input.relu()


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise; the derivative at 0 is negative_slope."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise F.expected_tensor_error("LeakyReLU", "input", input)
        return input.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """e^x / Σ e^x along `dim` (each slice along dim sums to 1)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x − logsumexp(x) along `dim`: log-probabilities, for NLL-style losses."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
