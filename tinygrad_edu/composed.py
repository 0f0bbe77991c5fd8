"""Tensor methods composed from the primitive ones: no backward code of their own.

`Tensor` inherits `ComposedOps` (see tensor.py), so `x.softmax(1)` is
`(x - shift).exp() / ...` recorded as the primitives it is made of, and the
gradient follows from theirs. New PyTorch methods that are compositions go here,
keeping the reading path (ops.py, autograd.py, tensor.py) short; so do the one-line
methods whose op is a primitive of more_ops.py (sin, norm, cumsum, ...).
"""
from __future__ import annotations

import collections
import functools
import itertools
import math

import numpy as np

from . import checks, jit, more_ops, ops
from .dtypes import bool_, float16, float32, float64, int32, int64
from .modes import no_grad
from .operands import cat_operands, promote, tensor_list, to_float

MaxMin = collections.namedtuple("MaxMin", ["values", "indices"])
Sorted = collections.namedtuple("sort", ["values", "indices"])  # PyTorch's return_types.sort
TopK = collections.namedtuple("topk", ["values", "indices"])


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

    # -- devices: there is only the CPU (devices.py) -------------------------------------

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        """Refused: there is no GPU here (the error says so)."""
        checks.device_spec("cuda", op="cuda")

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    # -- elementwise functions of more_ops.py (ints and bools compute in float32) --------

    def sin(self):
        return more_ops.Sin.apply(to_float(self))

    def cos(self):
        return more_ops.Cos.apply(to_float(self))

    def log10(self):
        return more_ops.Log10.apply(to_float(self))

    def log1p(self):
        return more_ops.Log1p.apply(to_float(self))

    def expm1(self):
        return more_ops.Expm1.apply(to_float(self))

    def erf(self):
        return more_ops.Erf.apply(to_float(self))

    # -- tests of values: bool tensors, no gradient ----------------------------------------

    def nelement(self) -> int:
        return self.numel()

    def isnan(self):
        return self._test_floats(np.isnan, False)

    def isinf(self):
        return self._test_floats(np.isinf, False)

    def isfinite(self):
        return self._test_floats(np.isfinite, True)

    def _test_floats(self, test, integers_pass):
        jit.refuse(test.__name__, tensor=self)
        if self._data.dtype.kind != "f":  # ints and bools are never nan or inf
            return self._make(np.full(self.shape, integers_pass))
        return self._make(np.asarray(test(self._data)))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self − other| <= atol + rtol·|other| elementwise (equal infinities are close;
        nans only with equal_nan): a bool tensor."""
        return self._make(self._close(other, rtol, atol, equal_nan, "isclose"))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        """Whether isclose holds everywhere: a Python bool."""
        return bool(self._close(other, rtol, atol, equal_nan, "allclose").all())

    def _close(self, other, rtol, atol, equal_nan, op):
        jit.refuse(op, tensor=(self, other))
        checks.allclose_args(self, other, rtol, atol, op)
        equal_nan = checks.boolean(equal_nan, op, "equal_nan")
        a, b = self._data, other._data
        if a.dtype == bool_:
            return np.asarray(a == b)
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: isclose handles infs
            return np.asarray(np.isclose(a, b, rtol, atol, equal_nan))

    def all(self, dim=None, keepdim=False):
        return self._all_or_any(np.all, dim, keepdim, "all")

    def any(self, dim=None, keepdim=False):
        return self._all_or_any(np.any, dim, keepdim, "any")

    def _all_or_any(self, function, dim, keepdim, op):
        """Non-zero counts as True (nan too); uint8 answers in uint8, as PyTorch's."""
        jit.refuse(op, tensor=self)
        axes = checks.dims_or_all(self, dim, op)
        result = function(self._data, axis=axes, keepdims=checks.boolean(keepdim, op, "keepdim"))
        return self._make(np.asarray(result, dtype=self.dtype if self.dtype == np.uint8 else bool_))

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Indices drawn with these weights (tg.multinomial: a random factory)."""
        from .creation import multinomial  # creation.py builds on Tensor, hence imports late
        return multinomial(self, num_samples, replacement, generator=generator)

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
        and changes neither softmax nor its gradient. An infinite max is clamped to the
        largest finite number (a row holding +inf then gives PyTorch's nan). It is made
        by ops under no_grad, not in NumPy: no gradient flows into it, and tg.jit
        computes it anew at each replay instead of freezing the traced one."""
        axis = checks.axis(dim, self.ndim, op)
        x = self if self._data.dtype.kind == "f" else self.to(float32)
        if x._data.size == 0:
            return self._make(np.zeros((), x._data.dtype))
        limit = float(np.finfo(x._data.dtype).max)
        with no_grad():  # (a 0-d tensor is its own max)
            top = x if x._data.ndim == 0 else ops.Max.apply(x, axis=axis, keepdims=True)
            return ops.Clamp.apply(top, low=-limit, high=limit)

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

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Σ(x − mean)² / (n − correction) over dim (all by default); correction is 1
        (Bessel's) unless unbiased=False (0) or correction= says otherwise."""
        axes, correction, keepdim = checks.variance_args(self, dim, unbiased, keepdim,
                                                         correction, "var")
        return self._variance(axes, correction, keepdim, "var")

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """√var; its gradient is 0 where var = 0 (PyTorch's), not 1/(2√0)."""
        axes, correction, keepdim = checks.variance_args(self, dim, unbiased, keepdim,
                                                         correction, "std")
        variance = self._variance(axes, correction, keepdim, "std")
        zero = variance == 0  # sqrt only where var > 0: elsewhere 0, and no gradient
        return variance.masked_fill(zero, 1.0).sqrt().masked_fill(zero, 0.0)

    def _variance(self, axes, correction, keepdim, op):
        count = self._data.size if axes is None else math.prod(self.shape[a] for a in axes)
        dof = checks.degrees_of_freedom(count, correction, op)
        centered = self - self.mean(axes, keepdim=True)
        squares = (centered * centered).sum(axes, keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):  # dof = 0: inf or nan (warned)
            return squares / dof

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The p-norm (sum |x|ᵖ)^(1/p) over dim (all by default): 'fro' and the default are
        p = 2, ±inf the largest/smallest |x|, 0 the count of nonzero elements."""
        x = self if dtype is None else self.to(checks.floating_dtype(
            dtype, "norm", "linalg.vector_norm: dtype should be floating point or complex"))
        p, axes, keepdim = checks.norm_args(x, p, dim, keepdim)
        return more_ops.Norm.apply(x, p=p, axis=axes, keepdims=keepdim)

    def prod(self, dim=None, keepdim=False, dtype=None):
        """Product of the elements (along dim). Multiplied in pairs, tree-like: each
        element's gradient is then exactly the product of the others, zeros included
        (PyTorch's), which G·prod/x is not. Integers and bools multiply in int64."""
        keepdim = checks.boolean(keepdim, "prod", "keepdim")
        x = self._accumulating(dtype, "prod")
        if dim is None:  # every element (keepdim keeps every dim, at size 1)
            product = x.reshape(-1)._pairwise_product(0)
            return product.reshape((1,) * self.ndim if keepdim else ())
        axis = checks.axis(dim, self.ndim, "prod")
        if x.ndim == 0:
            return x.clone()
        product = x._pairwise_product(axis)
        return product if keepdim else product.squeeze(axis)

    def _pairwise_product(self, axis):
        """The product along axis, kept as a size-1 dim: neighbours multiplied level by level."""
        x, before = self, (slice(None),) * axis
        if x.shape[axis] == 0:
            return x.sum(axis, keepdim=True) + 1  # the empty product
        while x.shape[axis] > 1:
            n = x.shape[axis]
            pairs = x[before + (slice(0, n - 1, 2),)] * x[before + (slice(1, n, 2),)]
            x = pairs if n % 2 == 0 else \
                ops.Cat.apply(pairs, x[before + (slice(n - 1, n),)], axis=axis)
        return x

    def cumsum(self, dim, *, dtype=None):
        """Running sums along dim; integers and bools sum in int64."""
        axis = checks.axis(dim, self.ndim, "cumsum")
        x = self._accumulating(dtype, "cumsum")
        return x.clone() if x.ndim == 0 else more_ops.CumSum.apply(x, axis=axis)

    def _accumulating(self, dtype, op):
        """The tensor to multiply or sum: cast to dtype=, else ints and bools to int64."""
        if dtype is not None:
            return self.to(checks.dtype(dtype, op))
        return self.to(int64) if self._data.dtype.kind in "biu" else self

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim, "argmax")

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim, "argmin")

    def _arg(self, function, dim, keepdim, op):
        """Index of the first max/min: not differentiable, an int64 tensor."""
        axis = checks.reduction_axis(self, dim, op)
        if self.ndim == 0 and axis is not None:
            return self._make(np.asarray(0, dtype=int64))
        return self._indices(functools.partial(_first_extreme, function=function, axis=axis,
                                               keepdim=keepdim))

    def _indices(self, find):
        """`find(data)`'s positions as an op on the detached data (more_ops.Indices): no
        gradient, and tg.jit finds them anew at each step."""
        return more_ops.Indices.apply(self.detach(), find=find)

    # -- sorting and selecting: the values are gathered (the gradient scatters back) ---------

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) along dim. nan sorts as the largest value; equal values keep
        their order (the sort is always stable, which stable=False allows)."""
        axis, order = self._sorting(dim, descending, stable, "sort")
        return Sorted(self._take(order, axis), self._make(order))

    def argsort(self, dim=-1, descending=False, stable=False):
        return self._make(self._sorting(dim, descending, stable, "argsort")[1])

    def _sorting(self, dim, descending, stable, op):
        axis = checks.axis(dim, self.ndim, op)
        checks.boolean(stable, op, "stable")
        return axis, self._order(axis, checks.boolean(descending, op, "descending"))

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The k largest (or smallest) values along dim and their indices, largest first
        (smallest first). Ties are taken in index order (PyTorch's order of ties is
        unspecified), and the result is always sorted (sorted=False allows any order)."""
        axis = checks.axis(dim, self.ndim, "topk")
        k = checks.topk_count(self, k, axis)
        checks.boolean(sorted, "topk", "sorted")
        largest = checks.boolean(largest, "topk", "largest")
        if self.ndim == 0 and k == 0:  # no values of a 0-d tensor: an empty 1-D result
            order = np.zeros(0, dtype=int64)
            return TopK(self.reshape(1)[order], self._make(order))
        order = self._order(axis, largest, k if self.ndim else None)
        return TopK(self._take(order, axis), self._make(order))

    def _order(self, axis, descending, first=None) -> np.ndarray:
        """The indices that sort self along axis, stably (nan last, as the largest); with
        `first`, only the first that many."""
        find = functools.partial(_sort_order, axis=axis, descending=descending, first=first)
        return self._indices(find)._data

    def _take(self, positions: np.ndarray, axis: int):
        """self's elements at `positions` along axis, the other dims in step (gather)."""
        if self.ndim == 0:
            return self.clone()
        grids = np.indices(positions.shape, sparse=True)
        return self[tuple(positions if a == axis else grids[a] for a in range(self.ndim))]

    def gather(self, dim, index):
        """out[i][j] = self[index[i][j]][j] for dim 0 (and alike for other dims)."""
        axis = checks.axis(dim, self.ndim, "gather")
        return self._take(checks.gather_index(self, axis, index), axis)

    def index_select(self, dim, index):
        """The slices of self at `index` (a 1-D int tensor) along dim."""
        axis = checks.axis(dim, self.ndim, "index_select")
        checks.select_index(self, axis, index)
        index = index.reshape(-1) if index.ndim == 0 else index  # (an op: tg.jit replays it)
        return self.clone() if self.ndim == 0 else self[(slice(None),) * axis + (index,)]

    def masked_fill(self, mask, value):
        """value where mask (a bool tensor broadcasting with self) is True, self elsewhere.
        value is a number or a 0-d tensor, cast to self's dtype; the gradient reaches self
        where mask is False, and a 0-d value tensor where it is True."""
        condition = checks.masked_fill_args(self, mask, value)
        fill = value.to(self.dtype) if hasattr(value, "_data") else \
            self._make(np.asarray(value).astype(self.dtype))
        return ops.Where.apply(fill, self, condition=condition)

    # -- shape -----------------------------------------------------------------------

    def split(self, split_size, dim=0):
        """Pieces of split_size along dim (the last may be smaller), or of the sizes listed."""
        axis = checks.axis(dim, self.ndim, "split")
        return self._pieces(checks.split_sizes(self, split_size, axis), axis)

    def chunk(self, chunks, dim=0):
        """At most `chunks` pieces of ceil(n / chunks) along dim (the last may be smaller)."""
        axis = checks.axis(dim, self.ndim, "chunk")
        return self._pieces(checks.chunk_sizes(self, chunks, axis), axis)

    def _pieces(self, sizes, axis):
        before = (slice(None),) * axis
        return tuple(self[before + (slice(end - n, end),)]
                     for end, n in zip(itertools.accumulate(sizes), sizes))

    def repeat(self, *repeats):
        """The tensor tiled repeats[d] times along each dim d (leading repeats add dims):
        each dim becomes a (repeat, size) pair, expanded, then merged."""
        repeats = checks.repeat_sizes(self, repeats)
        shape = (1,) * (len(repeats) - self.ndim) + self.shape
        pairs = self.reshape(sum(((1, n) for n in shape), ()))
        tiled = pairs.expand(sum(((r, n) for r, n in zip(repeats, shape)), ()))
        return tiled.reshape(tuple(r * n for r, n in zip(repeats, shape)))

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


def _first_extreme(data, function, axis, keepdim):
    """argmax/argmin's positions: over all elements (axis None) or along axis."""
    if axis is None:
        index = np.asarray(function(data), dtype=int64)
        return index.reshape((1,) * data.ndim) if keepdim else index
    return np.asarray(function(data, axis=axis, keepdims=keepdim), int64)


def _sort_order(data, axis, descending, first=None):
    """The positions that sort data along axis, stably (nan last, as the largest); with
    `first`, the first that many of them."""
    if data.ndim == 0:
        return np.zeros((), dtype=int64)
    if not descending:
        order = np.argsort(data, axis, kind="stable").astype(int64, copy=False)
    else:
        # Descending and stable: sort the reversed data ascending and read it backwards.
        # Equal values then keep their order, and nan (sorted last) comes first.
        reversed_order = np.argsort(more_ops.flip(data, axis), axis, kind="stable")
        order = more_ops.flip(data.shape[axis] - 1 - reversed_order, axis).astype(int64)
    return order if first is None else order[(slice(None),) * axis + (slice(0, first),)]


def _reversed_order(t):
    """-t for floats. For integers and bools, ~t (= -t-1; max-t unsigned; not-t bool):
    -t wraps around (-(-128) is -128 in int8, unsigned values wrap) or is refused (bool),
    while ~t reverses the order of every value. Integer tensors carry no gradient."""
    if t._data.dtype.kind == "f":
        return -t
    return more_ops.Indices.apply(t.detach(), find=np.invert)  # an op, which tg.jit replays


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension."""
    tensors = tensor_list(tensors, "stack")
    checks.stack_shapes(tensors)
    axis = checks.axis(dim, tensors[0].ndim + 1, "stack")
    tensors, axis = cat_operands([t.unsqueeze(axis) for t in tensors], axis)
    return ops.Cat.apply(*tensors, axis=axis)
