"""The primitive ops: each forward (NumPy) directly above its backward.

Every other operation (sub-expressions such as mean, softmax, min, stack,
minimum, ...) is composed from these in `tensor.py` and needs no backward code.

A backward receives the upstream gradient `g` and then the saved values it
asked for (`saves_inputs`, `saves_output`). It returns one gradient per input,
shaped like the op's output; the engine sums broadcast axes away (one shared
helper, `autograd.unbroadcast`) and casts to each input's dtype. `g` and the
saved values are NumPy arrays normally, and Tensors under create_graph=True, so
each formula is written with operators and the few helpers below that work on
both.
"""
from __future__ import annotations

import numpy as np

from .autograd import Function

# ----------------------------------------------------------------------------
# helpers that work on NumPy arrays and on Tensors alike (for create_graph)

# NumPy hands back scalars (np.float64, ...) from 0-d arithmetic: they count as arrays
_NUMPY = (np.ndarray, np.generic)


def _array(x):
    """Plain data of an array or a Tensor: for masks, which have zero derivative."""
    return x if isinstance(x, _NUMPY) else x._data


def expand(g, shape):
    if isinstance(g, _NUMPY):
        out = np.empty(shape, dtype=g.dtype)  # 10x cheaper than np.broadcast_to on tiny arrays
        out[...] = g
        return out
    return g.expand(shape)


def log(x):
    return np.log(x) if isinstance(x, _NUMPY) else x.log()


def permute(g, axes):
    return np.transpose(g, axes) if isinstance(g, _NUMPY) else g.permute(axes)


def scatter(g, index, shape):
    """Zeros of `shape` with `g` added at `index` (repeated indices add up)."""
    if isinstance(g, _NUMPY):
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, index, g)
        return out
    return Scatter.apply(g, index=index, shape=shape)


# ----------------------------------------------------------------------------
# arithmetic


class Add(Function):
    """d(x+y) = g, g"""

    def forward(self, x, y):
        return x + y

    def backward(self, g):
        return g, g


class Sub(Function):
    """d(x-y) = g, -g"""

    def forward(self, x, y):
        return x - y

    def backward(self, g):
        return g, -g


class Neg(Function):
    """d(-x) = -g"""

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Mul(Function):
    """d(x*y)/dx = y,  d(x*y)/dy = x"""

    saves_inputs = True

    def forward(self, x, y):
        return x * y

    def backward(self, g, x, y):
        return g * y, g * x


class Div(Function):
    """d(x/y)/dx = 1/y,  d(x/y)/dy = -x/y²"""

    saves_inputs = True

    def forward(self, x, y):
        return x / y

    def backward(self, g, x, y):
        dx, dy = self.needs_input_grad
        return (g / y if dx else None), (-g * x / (y * y) if dy else None)


class PowScalar(Function):
    """d(x**c)/dx = c·x**(c-1)   (c a number; 0 where c == 0, as PyTorch)"""

    saves_inputs = True

    def forward(self, x, exponent):
        self.exponent = exponent
        return x ** exponent

    def backward(self, g, x):
        c = self.exponent
        if c == 2:
            return g * (2 * x)  # squared errors: skip a general power
        return g * (c * x ** (c - 1)) if c != 0 else g * 0


class Pow(Function):
    """d(x**y)/dx = y·x**(y-1),  d(x**y)/dy = x**y·log(x)"""

    saves_inputs = True
    saves_output = True

    def forward(self, x, y):
        return x ** y

    def backward(self, g, x, y, out):
        dx, dy = self.needs_input_grad
        # PyTorch's conventions: d/dx is 0 where y == 0 (even at x == 0), and
        # d/dy is 0 where x == 0 and y >= 0; the masks keep 0·inf out.
        zero_exponent = _array(y) == 0
        gx = g * y * x ** (y + zero_exponent - 1) if dx else None
        zero_base = (_array(x) == 0) & (_array(y) >= 0)
        gy = g * out * log(x + zero_base) * ~zero_base if dy else None
        return gx, gy


class MatMul(Function):
    """d(A@B)/dA = G·Bᵀ,  d(A@B)/dB = Aᵀ·G"""

    saves_inputs = True

    def forward(self, a, b):
        if a.shape[-1] != b.shape[-2]:
            if a.ndim == 2 and b.ndim == 2:
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                                   f"({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
            raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                               f"(last dimension of the first, {a.shape[-1]}, must equal the "
                               f"second-to-last of the second, {b.shape[-2]})")
        return a @ b

    def backward(self, g, a, b):
        da, db = self.needs_input_grad
        return (g @ b.swapaxes(-1, -2) if da else None), (a.swapaxes(-1, -2) @ g if db else None)


# ----------------------------------------------------------------------------
# elementwise functions


class Exp(Function):
    """d/dx exp = exp(x)"""

    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, out):
        return g * out


class Log(Function):
    """d/dx log = 1/x"""

    saves_inputs = True

    def forward(self, x):
        return np.log(x)

    def backward(self, g, x):
        return g / x


class Sqrt(Function):
    """d/dx sqrt = 1/(2·sqrt(x))"""

    saves_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, out):
        return g / (2 * out)


class Abs(Function):
    """d/dx |x| = sign(x)   (0 at 0, as PyTorch)"""

    saves_inputs = True

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, x):
        return g * np.sign(_array(x))


# e^-x overflows for x below -log(largest float)
_EXP_OVERFLOWS_BELOW = {np.dtype(t): -np.log(np.finfo(t).max) for t in (np.float16, np.float32, np.float64)}


class Sigmoid(Function):
    """d/dx sigmoid = s(1-s)"""

    saves_output = True

    def forward(self, x):
        if x.size == 0 or x.min() > _EXP_OVERFLOWS_BELOW[x.dtype]:
            return 1 / (1 + np.exp(-x))  # the textbook formula, where e^-x cannot overflow
        # e^-|x| never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below
        e = np.exp(-np.abs(x))
        r = 1 / (1 + e)
        return np.where(x >= 0, r, e * r)

    def backward(self, g, s):
        return g * s * (1 - s)


class Tanh(Function):
    """d/dx tanh = 1-t²"""

    saves_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, t):
        return g * (1 - t * t)


class ReLU(Function):
    """d/dx relu = 1 if x > 0 else 0   (0 at 0, as PyTorch)"""

    saves_output = True

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, out):
        return g * (_array(out) > 0)


class LeakyReLU(Function):
    """d/dx leaky_relu = 1 if x > 0 else slope   (slope at 0, as PyTorch)"""

    saves_inputs = True

    def forward(self, x, negative_slope):
        self.slope = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    def backward(self, g, x):
        return g * np.where(_array(x) > 0, 1, self.slope).astype(g.dtype)


class Clamp(Function):
    """d/dx clamp = 1 where min <= x <= max else 0   (bounds pass, as PyTorch)"""

    saves_inputs = True

    def forward(self, x, low, high):
        self.low, self.high = low, high
        return np.clip(x, low, high)

    def backward(self, g, x):
        x = _array(x)
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return g * inside


class Maximum(Function):
    """d max(x,y) = g to the larger input, split evenly on ties"""

    saves_inputs = True

    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, g, x, y):
        x, y = _array(x), _array(y)
        to_x = (x > y) + 0.5 * (x == y)
        return g * to_x.astype(g.dtype), g * (1 - to_x).astype(g.dtype)


class Where(Function):
    """d where(c, x, y) = g where c (to x), g where not c (to y)"""

    def forward(self, x, y, condition):
        self.condition = condition
        return np.where(condition, x, y)

    def backward(self, g):
        return g * self.condition, g * ~self.condition


class Cast(Function):
    """d cast(x) = g, cast back to x's dtype (done by the engine)"""

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return g


# ----------------------------------------------------------------------------
# reductions


class Sum(Function):
    """d sum(x) = g spread back over the summed axes"""

    def forward(self, x, axis, keepdims):
        self.in_shape = x.shape
        self.kept_shape = (1,) * x.ndim if axis is None else \
            tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        out = x.sum(axis, keepdims=keepdims)
        return out if x.dtype.kind == "f" else np.asarray(out, dtype=np.int64)

    def backward(self, g):
        return expand(g.reshape(self.kept_shape), self.in_shape)


class Mean(Function):
    """d mean(x) = g / n spread back over the averaged axes"""

    def forward(self, x, axis, keepdims):
        self.in_shape = x.shape
        self.kept_shape = (1,) * x.ndim if axis is None else \
            tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        self.count = x.size // max(1, int(np.prod(self.kept_shape)))
        return x.mean(axis, keepdims=keepdims)

    def backward(self, g):
        return expand(g.reshape(self.kept_shape) / self.count, self.in_shape)


class Max(Function):
    """d max(x) = g to the maximum: the first one with dim, split evenly among ties without"""

    saves_inputs = True

    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims
        if axis is None:
            return x.max()
        self.indices = np.expand_dims(x.argmax(axis=axis), axis)
        out = np.take_along_axis(x, self.indices, axis)
        return out if keepdims else out.squeeze(axis)

    def backward(self, g, x):
        x = _array(x)
        if self.axis is None:
            m = x.max()
            mask = (x == m) | (np.isnan(x) & np.isnan(m))  # a nan maximum is the nans
            return g * (mask / mask.sum()).astype(x.dtype)
        mask = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(mask, self.indices, 1, self.axis)
        kept = g if self.keepdims else g.reshape(self.indices.shape)
        return expand(kept, x.shape) * mask


# ----------------------------------------------------------------------------
# shape and indexing


class Reshape(Function):
    """d reshape(x) = g reshaped back"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Expand(Function):
    """d expand(x) = g summed over the expanded axes (done by the engine)"""

    def forward(self, x, shape):
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return g


class Permute(Function):
    """d permute(x, p) = g permuted by the inverse of p"""

    def forward(self, x, axes):
        self.inverse = tuple(np.argsort(axes))
        return x.transpose(axes)

    def backward(self, g):
        return permute(g, self.inverse)


class GetItem(Function):
    """d x[i] = g scattered back to position i (repeated indices add up)"""

    def forward(self, x, index):
        self.index, self.in_shape = index, x.shape
        return x[index]

    def backward(self, g):
        return scatter(g, self.index, self.in_shape)


class Scatter(Function):
    """d scatter(g, i) = upstream[i]   (the backward of GetItem, for create_graph)"""

    def forward(self, g, index, shape):
        self.index = index
        return scatter(g, index, shape)

    def backward(self, upstream):
        return upstream[self.index]


class Cat(Function):
    """d cat(xs, dim) = g cut back into the pieces"""

    def forward(self, *xs, axis):
        self.axis = axis
        self.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        before = (slice(None),) * self.axis
        return tuple(g[before + (slice(lo, hi),)] for lo, hi in zip(self.bounds[:-1], self.bounds[1:]))
