"""`LayerNorm`: normalise each sample over its last dimensions."""
from __future__ import annotations

import tinygrad_edu as tg

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """y = (x − mean) / √(var + eps) · weight + bias over the last
    len(normalized_shape) dimensions of each sample (biased variance). weight starts
    at ones and bias at zeros, both of shape normalized_shape, when
    elementwise_affine (bias=False drops the bias only)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype=None):
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = tg.float32 if dtype is None else dtype
        if elementwise_affine:
            self.weight = Parameter(tg.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(tg.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
