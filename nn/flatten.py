"""`Flatten` and `Unflatten`: reshape layers between convolution-like and dense parts."""
from __future__ import annotations

import math

from tinygrad_edu import checks

from .module import Module


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, 2, 3) -> (N, 6) by default
    (start_dim=1 keeps the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        checks.tensor(input, "flatten")  # Tensor.flatten checks the dims
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size`: Unflatten(1, (2, 5)) turns
    (N, 10) into (N, 2, 5). One entry of the size may be -1 (inferred)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("Unflatten: dim given by name needs named tensors, which tinygrad_edu "
                            "does not have; give dim as an int")
        checks.integer(dim, "Unflatten", "dim")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for index, size in enumerate(unflattened_size):
            if not checks.is_integer(size):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of "
                                f"type {type(size).__name__} at pos {index}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        checks.tensor(input, "unflatten")
        dim = checks.axis(self.dim, input.ndim, "unflatten")
        length = input.shape[dim] if input.ndim else 1
        sizes = list(self.unflattened_size)
        if sizes.count(-1) > 1:
            raise RuntimeError("unflatten: only one dimension can be inferred")
        known = math.prod(n for n in sizes if n != -1)
        if -1 in sizes and known and length % known == 0:
            sizes[sizes.index(-1)] = length // known
        if -1 in sizes or math.prod(sizes) != length:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({length}) in the "
                               f"input tensor")
        return input.reshape(input.shape[:dim] + tuple(sizes) + input.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
