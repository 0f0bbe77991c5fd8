"""`Parameter`: a Tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

import numpy as np

import tinygrad_edu as tg


class Parameter(tg.Tensor):
    """A leaf Tensor that requires grad by default and that a `Module` registers
    when it is assigned as an attribute (`self.weight = Parameter(...)`).

    `Parameter(tensor)` shares the tensor's storage (no copy), as in PyTorch;
    NumPy arrays and nested lists are accepted too (and copied, as `tg.tensor`
    does). Results of ops on a Parameter are plain Tensors.
    """

    __slots__ = ()  # Tensor uses __slots__; keep Parameter as light as a Tensor

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = np.empty((0,), dtype=tg.float32)
        if isinstance(data, tg.Tensor):
            # share the tensor's storage (no copy), like torch.nn.Parameter
            super().__init__(np.empty((0,), dtype=data.dtype))
            self.data = data
        else:
            super().__init__(data)
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
