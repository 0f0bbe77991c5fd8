"""Tensor methods composed from the primitive ones: no backward code of their own.

`Tensor` inherits `ComposedOps` (see tensor.py), so `x.softmax(1)` is
`(x - shift).exp() / ...` recorded as the primitives it is made of, and the
gradient follows from theirs. New PyTorch methods that are compositions go here,
keeping the reading path (ops.py, autograd.py, tensor.py) short.
"""
from __future__ import annotations

import collections
import math

import numpy as np

from . import checks, ops
from .dtypes import bool_, float16, float32, float64, int32, int64
from .operands import cat_operands, promote, tensor_list

MaxMin = collections.namedtuple("MaxMin", ["values", "indices"])


class ComposedOps:
    """Methods of Tensor made of other Tensor methods."""

    __slots__ = ()

    # -- arithmetic and dtypes -------------------------------------------------

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def pow(self, exponent):
        return self ** exponent

    def square(self):
        return self * self

    def matmul(self, other):
        return self @ other

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    def clip(self, min=None, max=None):
        return self.clamp(min, max)

    def type(self, dtype):
        return self.to(dtype)

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def half(self):
        return self.to(float16)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(int32)

    def bool(self):
        return self.to(bool_)

    # -- softmax & co: shifted by the max, so exp never overflows -------------------

    def softmax(self, dim):
        e = (self - self._stable_shift(dim, "softmax")).exp()
        return e / e.sum(dim, keepdim=True)

    def log_softmax(self, dim):
        shifted = self - self._stable_shift(dim, "softmax")
        return shifted - shifted.exp().sum(dim, keepdim=True).log()

    def logsumexp(self, dim, keepdim=False):
        shift = self._stable_shift(dim, "logsumexp")
        out = (self - shift).exp().sum(dim, keepdim=True).log() + shift
        return out if keepdim else out.squeeze(dim)

    def _stable_shift(self, dim, op):
        """The max along dim, as a constant: subtracting it keeps exp from overflowing
        and changes neither softmax nor its gradient."""
        axis = checks.axis(dim, self.ndim, op)
        data = self._data if self._data.dtype.kind == "f" else self._data.astype(float32)
        if data.size == 0:
            return self._make(np.zeros((), data.dtype))
        shift = np.max(data, axis=axis, keepdims=True)
        return self._make(np.where(np.isfinite(shift), shift, 0).astype(data.dtype))

    # -- reductions ----------------------------------------------------------------

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Without dim: the smallest element. With dim: (values, indices); min = -max(-x)."""
        if hasattr(dim, "_data"):
            return minimum(self, dim)
        dim, keepdim = checks.dim_alias(dim, axis, keepdim, keepdims, "min")
        checks.reduction_axis(self, dim, "min")  # errors name min, not the max computing it
        result = _reversed_order(self).max(dim, keepdim)
        if isinstance(result, MaxMin):
            return MaxMin(_reversed_order(result.values), result.indices)
        return _reversed_order(result)

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim, "argmax")

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim, "argmin")

    def _arg(self, function, dim, keepdim, op):
        """Index of the first max/min: not differentiable, an int64 tensor."""
        axis = checks.reduction_axis(self, dim, op)
        if axis is None:
            index = np.asarray(function(self._data), dtype=int64)
            return self._make(index.reshape((1,) * self.ndim) if keepdim else index)
        if self.ndim == 0:
            return self._make(np.asarray(0, dtype=int64))
        return self._make(np.asarray(function(self._data, axis=axis, keepdims=keepdim), int64))

    # -- shape -----------------------------------------------------------------------

    def view(self, *shape):
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        start, end = checks.flatten_dims(self, start_dim, end_dim)
        if self.ndim == 0:
            return self.reshape(1)
        return self.reshape(self.shape[:start] + (math.prod(self.shape[start:end + 1]),)
                            + self.shape[end + 1:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = checks.axes(dim, self.ndim, "squeeze")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1)))

    def unsqueeze(self, dim):
        axis = checks.axis(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def transpose(self, dim0, dim1):
        a, b = checks.axis(dim0, self.ndim, "transpose"), checks.axis(dim1, self.ndim, "transpose")
        if a == b:
            return self
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(axes)

    def swapaxes(self, dim0, dim1):
        return self.transpose(dim0, dim1)

    @property
    def T(self):
        return self.permute(tuple(reversed(range(self.ndim)))) if self.ndim > 1 else self

    def broadcast_to(self, shape):
        return self.expand(shape)


# -- functions of several tensors ----------------------------------------------------


def maximum(a, b):
    """Elementwise max; on ties the gradient is split evenly, as PyTorch."""
    return ops.Maximum.apply(*promote(a, b, "maximum"))


def minimum(a, b):
    """Elementwise min = -max(-a, -b)."""
    x, y = promote(a, b, "minimum")
    if x.shape != y.shape:
        checks.broadcastable(x.shape, y.shape, "minimum")  # else the error would say Maximum
    return _reversed_order(ops.Maximum.apply(_reversed_order(x), _reversed_order(y)))


def _reversed_order(t):
    """-t for floats. For integers and bools, ~t (= -t-1; max-t unsigned; not-t bool):
    -t wraps around (-(-128) is -128 in int8, unsigned values wrap) or is refused (bool),
    while ~t reverses the order of every value. Integer tensors carry no gradient."""
    if t._data.dtype.kind == "f":
        return -t
    return t._make(np.asarray(np.invert(t._data)))


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension."""
    tensors = tensor_list(tensors, "stack")
    checks.stack_shapes(tensors)
    axis = checks.axis(dim, tensors[0].ndim + 1, "stack")
    tensors, axis = cat_operands([t.unsqueeze(axis) for t in tensors], axis)
    return ops.Cat.apply(*tensors, axis=axis)
