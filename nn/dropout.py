"""`Dropout`: random zeroing during training, the identity in eval mode."""
from __future__ import annotations

from tinygrad_edu import checks

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training mode, zero each element with probability p (drawn from tg's
    generator, so `tg.manual_seed(n)` makes the masks reproducible) and scale the
    rest by 1/(1−p); after `.eval()`, return the input unchanged."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        checks.probability(p, "dropout")  # at construction, as PyTorch's Dropout
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
