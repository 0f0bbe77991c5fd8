"""`Linear`: the fully connected layer y = x·Wᵀ + b."""
from __future__ import annotations

import math

import tinygrad_edu as tg
from tinygrad_edu import checks

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """y = x·Wᵀ + b, with weight W of shape (out_features, in_features) and bias b
    of shape (out_features,): PyTorch's layout, so state dicts carry over.

    The input is (..., in_features) or a single sample (in_features,).
    Initialisation is PyTorch's: W and b uniform in [−1/√in, 1/√in]
    (`kaiming_uniform_(W, a=√5)` works out to exactly that bound), drawn from
    tg's generator, so `tg.manual_seed(n)` makes it reproducible.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features = checks.integer(in_features, "Linear", "in_features", minimum=0)
        self.out_features = checks.integer(out_features, "Linear", "out_features", minimum=0)
        dtype = tg.float32 if dtype is None else dtype
        self.weight = Parameter(tg.zeros(self.out_features, self.in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(tg.zeros(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
