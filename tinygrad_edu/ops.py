"""The primitive ops: each forward (NumPy) directly above its backward.

Every other operation (softmax, min, stack, minimum, ...) is composed from these
(composed.py) and needs no backward code. Each op's docstring starts with its
name, its inputs and its local derivative rule, `name(inputs): rule`, where G is
the gradient of the op's output; drawings show that line on the op's node.

A backward receives the upstream gradient `g` and then the saved values it
asked for (`saves_inputs`, `saves_output`). It returns one gradient per input,
shaped like the op's output; the engine sums broadcast axes away (one shared
helper, `autograd.unbroadcast`) and casts to each input's dtype. `g` and the
saved values are NumPy arrays normally, and Tensors under create_graph=True, so
each formula is written with operators and the few helpers below that work on
both.
"""
from __future__ import annotations

import math

import numpy as np

from . import checks
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


def where(condition, a, b):
    """`a` where `condition` (a boolean array) holds, else `b`."""
    return np.where(condition, a, b) if isinstance(a, _NUMPY) else Where.apply(a, b, condition=condition)


# ----------------------------------------------------------------------------
# arithmetic


class Add(Function):
    """add(x, y): ∂x = 1, ∂y = 1"""

    def forward(self, x, y):
        return x + y

    def backward(self, g):
        return g, g


class Sub(Function):
    """sub(x, y): ∂x = 1, ∂y = −1"""

    def forward(self, x, y):
        return x - y

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Neg(Function):
    """neg(x): ∂ = −1"""

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Mul(Function):
    """mul(x, y): ∂x = y, ∂y = x"""

    saves_inputs = ((1,), (0,))  # ∂x reads y, ∂y reads x: only what a needed gradient reads

    def forward(self, x, y):
        return x * y

    def backward(self, g, x, y):
        dx, dy = self.needs_input_grad
        return (g * y if dx else None), (g * x if dy else None)


class Div(Function):
    """div(x, y): ∂x = 1/y, ∂y = −x/y²"""

    saves_inputs = ((1,), (0, 1))

    def forward(self, x, y):
        return x / y

    def backward(self, g, x, y):
        dx, dy = self.needs_input_grad
        return (g / y if dx else None), (-g * x / (y * y) if dy else None)


class PowScalar(Function):
    """pow(x): ∂ = c·xᶜ⁻¹

    x ** c for a number c; the derivative is 0 where c == 0, as in PyTorch.
    """

    saves_inputs = True
    shows = "c = {exponent}"

    def forward(self, x, exponent):
        self.exponent = exponent
        return x ** exponent

    def backward(self, g, x):
        c = self.exponent
        if c == 0:
            return g * 0
        return g * (c * (x if c == 2 else x ** (c - 1)))  # x¹ is x: one call less on squares


class Reciprocal(Function):
    """reciprocal(x): ∂ = −1/x²

    Written −out² from the saved output, so `c / x` (= c · reciprocal(x), as in
    PyTorch) does not need x itself.
    """

    saves_output = True

    def forward(self, x):
        return 1.0 / x

    def backward(self, g, out):
        return -g * out * out


class Pow(Function):
    """pow(x, y): ∂x = y·xʸ⁻¹, ∂y = xʸ·ln x"""

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
    """matmul(A, B): ∂A = G·Bᵀ, ∂B = Aᵀ·G"""

    saves_inputs = ((1,), (0,))

    def forward(self, a, b):
        try:
            return a @ b
        except ValueError:  # checked only when NumPy refuses: PyTorch's text if the sizes differ
            checks.matmul_shapes(a.shape, b.shape)
            raise

    def backward(self, g, a, b):
        da, db = self.needs_input_grad
        return (g @ b.swapaxes(-1, -2) if da else None), (a.swapaxes(-1, -2) @ g if db else None)


# ----------------------------------------------------------------------------
# elementwise functions


class Exp(Function):
    """exp(x): ∂ = eˣ"""

    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, out):
        return g * out


class Log(Function):
    """log(x): ∂ = 1/x"""

    saves_inputs = True

    def forward(self, x):
        return np.log(x)

    def backward(self, g, x):
        return g / x


class Sqrt(Function):
    """sqrt(x): ∂ = 1/(2√x)"""

    saves_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, out):
        return g / (2.0 * out)


class Abs(Function):
    """abs(x): ∂ = sign(x)

    sign(0) = 0, so the derivative at 0 is 0, as in PyTorch.
    """

    saves_inputs = True

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, x):
        return g * np.sign(_array(x))


# e^-x overflows for x below -log(largest float)
_EXP_OVERFLOWS_BELOW = {np.dtype(t): -np.log(np.finfo(t).max) for t in (np.float16, np.float32, np.float64)}


class Sigmoid(Function):
    """sigmoid(x): ∂ = s(1−s)"""

    saves_output = True

    def forward(self, x):
        if x.size == 0 or x.min() > _EXP_OVERFLOWS_BELOW[x.dtype]:
            # the textbook formula where e^-x cannot overflow: 8x cheaper than the stable one
            # below on W3's 11,272 x 196 activations (W3 takes 18% longer without it)
            return 1.0 / (1.0 + np.exp(-x))
        # e^-|x| never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below
        e = np.exp(-np.abs(x))
        r = 1.0 / (1.0 + e)
        return np.where(x >= 0, r, e * r)

    def backward(self, g, s):
        return g * s * (1.0 - s)


class Tanh(Function):
    """tanh(x): ∂ = 1−t²"""

    saves_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, t):
        return g * (1.0 - t * t)


class ReLU(Function):
    """relu(x): ∂ = 1 if x > 0 else 0

    0 at x = 0, as in PyTorch.
    """

    saves_output = True

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, out):
        return g * (_array(out) > 0)


class LeakyReLU(Function):
    """leaky_relu(x): ∂ = 1 if x > 0 else α

    α (negative_slope) at x = 0, as in PyTorch. For 0 < α ≤ 1 (α as x's dtype rounds it:
    ∞·0 would be nan) max(αx, x) is the same bits, in one NumPy call instead of three
    (αx first: of two NaNs max keeps the first, and αx is the one the formula gives).
    """

    saves_inputs = True
    shows = "α = {slope}"

    def forward(self, x, negative_slope):
        self.slope = negative_slope
        if 0 < x.dtype.type(negative_slope) <= 1:
            return np.maximum(x * negative_slope, x)
        return np.where(x > 0, x, x * negative_slope)

    def backward(self, g, x):
        return where(_array(x) > 0, g, g * self.slope)


class Clamp(Function):
    """clamp(x): ∂ = 1 inside [min, max] else 0

    The bounds themselves are inside (the gradient passes there), as in PyTorch.
    """

    saves_inputs = True
    shows = "min = {low}, max = {high}"

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
    """maximum(x, y): ∂ = 1 to the larger input (½ each on ties)"""

    saves_inputs = True

    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, g, x, y):
        x, y = _array(x), _array(y)
        to_x = (x > y) + 0.5 * (x == y)
        return g * to_x.astype(g.dtype), g * (1 - to_x).astype(g.dtype)


class Where(Function):
    """where(x, y): ∂x = 1 where c, ∂y = 1 where not c"""

    def forward(self, x, y, condition):
        self.condition = condition
        return np.where(condition, x, y)

    def backward(self, g):
        return g * self.condition, g * ~self.condition


class Cast(Function):
    """cast(x): ∂ = 1 (cast back to x's dtype)

    The engine casts every gradient to its input's dtype, so backward is the identity.
    """

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return g


# ----------------------------------------------------------------------------
# reductions


class Sum(Function):
    """sum(x): ∂x = G copied over the summed axes"""

    def forward(self, x, axis, keepdims):
        self.in_shape = x.shape
        self.kept_shape = (1,) * x.ndim if axis is None else \
            tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        out = x.sum(axis, keepdims=keepdims)
        return out if x.dtype.kind == "f" else np.asarray(out, dtype=np.int64)

    def backward(self, g):
        return expand(g.reshape(self.kept_shape), self.in_shape)


class Mean(Function):
    """mean(x): ∂x = G/n copied over the averaged axes"""

    def forward(self, x, axis, keepdims):
        self.in_shape = x.shape
        self.kept_shape = (1,) * x.ndim if axis is None else \
            tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        self.count = x.size // max(1, math.prod(self.kept_shape))
        if x.dtype != np.float64:  # np.mean sums float16 in float32, divides float32 in float64
            return x.mean(axis, keepdims=keepdims)
        # float64: np.mean's sum and division without its wrapper (1.8 µs -> 0.7 on tiny arrays)
        return np.add.reduce(x, axis, keepdims=keepdims) / self.count

    def backward(self, g):
        return expand(g.reshape(self.kept_shape) / self.count, self.in_shape)


class Max(Function):
    """max(x): ∂x = G at the maximum, 0 elsewhere

    With dim, the first maximum gets it; without, ties split it evenly (as PyTorch).
    """

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
    """reshape(x): ∂x = G reshaped to x's shape"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Expand(Function):
    """expand(x): ∂x = G summed over the expanded axes

    The engine's unbroadcast does the summing, so backward passes G on.
    """

    def forward(self, x, shape):
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return g


class Permute(Function):
    """permute(x): ∂x = G permuted back"""

    def forward(self, x, axes):
        self.inverse = tuple(np.argsort(axes))
        return x.transpose(axes)

    def backward(self, g):
        return permute(g, self.inverse)


class GetItem(Function):
    """getitem(x): ∂x = G scattered back to x[i]

    Repeated indices add up.
    """

    def forward(self, x, index):
        self.index, self.in_shape = index, x.shape
        return x[index]

    def backward(self, g):
        return scatter(g, self.index, self.in_shape)


class SetItem(Function):
    """setitem(x, v): ∂x = G with zeros at x[i], ∂v = G[i]

    `x[i] = v` recorded as a new value; the index may come in steps (see
    checks.index), applied one after the other.
    """

    def forward(self, x, value, steps):
        self.steps, out = steps, x.copy()
        _at(out, steps[:-1])[steps[-1]] = value
        self.kept = np.ones(x.shape, dtype=bool)  # where x's own values survive
        _at(self.kept, steps[:-1])[steps[-1]] = False
        return out

    def backward(self, g):
        return g * self.kept, _at(g, self.steps)


def _at(x, steps):
    """x indexed by each step in turn (NumPy views for basic steps; Tensors too)."""
    for step in steps:
        x = x[step]
    return x


class Scatter(Function):
    """scatter(g): ∂ = G[i]

    The backward of GetItem, recorded under create_graph.
    """

    def forward(self, g, index, shape):
        self.index = index
        return scatter(g, index, shape)

    def backward(self, upstream):
        return upstream[self.index]


class Cat(Function):
    """cat(x₀, x₁, …): ∂xₖ = slice k of G"""

    def forward(self, *xs, axis):
        self.axis = axis
        self.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        before = (slice(None),) * self.axis
        return tuple(g[before + (slice(lo, hi),)] for lo, hi in zip(self.bounds[:-1], self.bounds[1:]))
