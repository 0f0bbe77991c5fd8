"""`Tensor`: a NumPy array that remembers the op that made it.

Each method here makes one primitive of ops.py (`ops.Mul.apply(x, y)`) after at most
one call that checks and converts its arguments (checks.py) or promotes two operands
to one dtype (dtypes.py). Methods composed from these ones (softmax, min, var, ...)
live in composed.py; Python and NumPy protocols (repr, item, comparisons, ...) in
protocols.py; in-place updates in inplace.py; hooks in hooks.py. `Tensor` inherits
them all explicitly, so `x.softmax(1)` works while this file stays short.
"""
from __future__ import annotations

import numpy as np

from . import autograd, checks, gradients, jit, ops
from .composed import ComposedOps, MaxMin, maximum
from .operands import (as_array, cat_operands, clamp_operands, matmul_operands, power_operands,
                       promote, to_float)
from .hooks import HookMethods
from .inplace import InPlaceMethods
from .protocols import TensorProtocols


class Tensor(ComposedOps, TensorProtocols, InPlaceMethods, HookMethods):
    """An n-dimensional array with reverse-mode autograd.

    `Tensor(data, requires_grad=False, dtype=None, name=None)`: `data` is a number,
    a nested list, a NumPy array (its dtype is kept) or a Tensor. Python floats
    give float32; integer and bool data cannot require grad.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_version_counter",
                 "_hooks", "name", "__weakref__")
    __array_ufunc__ = None  # NumPy hands `ndarray (op) Tensor` to Tensor's reflected operators

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self._data = as_array(data, dtype)  # a copy, with PyTorch's default dtypes
        self._requires_grad, self._grad, self.grad_fn, self._hooks = False, None, None, None
        self._version_counter = [0]  # shared with detached views; bumped by in-place ops
        self.name = name
        if requires_grad:
            self._set_requires_grad(True, "constructor")

    @staticmethod
    def _make(data, requires_grad=False, grad_fn=None, version_counter=None):
        """An op's result: no checks, no copy (always a plain Tensor, never a subclass)."""
        t = object.__new__(Tensor)
        t._data, t._requires_grad, t._grad, t.grad_fn = data, requires_grad, None, grad_fn
        t._version_counter = [0] if version_counter is None else version_counter
        t._hooks = t.name = None
        return t

    # -- what autograd needs ----------------------------------------------------

    @property
    def data(self) -> Tensor:
        """The same memory as a Tensor that does not require grad (PyTorch's legacy `.data`:
        changes through it are unseen by autograd); `.numpy()` gives the NumPy array."""
        if jit._recorder is not None:  # tg.jit guards self, whose array the copy reads
            jit._recorder.guard(self)
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = checks.new_data(self, value)

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self._set_requires_grad(value, "attribute")

    def requires_grad_(self, requires_grad=True) -> Tensor:
        self._set_requires_grad(requires_grad, "requires_grad_")
        return self

    def _set_requires_grad(self, value, how):
        self._requires_grad = checks.requires_grad_change(self, bool(value), how)

    @property
    def grad(self):
        if jit._recorder is not None:  # tg.jit refuses it in a traced step (outside optimizers)
            jit.grad_read(self)
        if self.grad_fn is not None:
            checks.grad_access(self)  # PyTorch warns when a non-leaf's .grad is read
        return self._grad

    @grad.setter
    def grad(self, value):
        if jit._recorder is not None:  # tg.jit replays `t.grad = None`, refuses other values
            jit.grad_assigned(self, value)
        self._grad = None if value is None else checks.assigned_grad(self, value)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad."""
        gradients.tensor_backward((self,), (gradient,), retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """The same data and version counter, cut from the graph."""
        if jit._recorder is not None:  # tg.jit guards self, whose array the copy reads
            jit._recorder.guard(self)
        return Tensor._make(self._data, False, None, self._version_counter)

    def to(self, *args, **kwargs) -> Tensor:
        """to(dtype), to(device, dtype), to(other_tensor), to(dtype=..., copy=True), ..."""
        dtype, copy = checks.to_arguments(self, args, kwargs)
        if dtype == self._data.dtype and not copy:
            return self
        if dtype.kind != "f":  # integer results carry no gradient, but are an op (tg.jit replays it)
            return ops.Cast.apply(self.detach(), dtype=dtype)
        return ops.Cast.apply(self, dtype=dtype)

    def clone(self) -> Tensor:
        """A copy that stays in the graph (the gradient passes through unchanged)."""
        return ops.Cast.apply(self, dtype=self.dtype)

    # -- arithmetic: promote the operands to one dtype, then one primitive -------

    def __add__(self, other):
        return ops.Add.apply(*promote(self, other, "+"))

    def __radd__(self, other):
        return ops.Add.apply(*promote(other, self, "+"))

    def __sub__(self, other):
        return ops.Sub.apply(*promote(self, other, "-"))

    def __rsub__(self, other):
        return ops.Sub.apply(*promote(other, self, "-"))

    def __mul__(self, other):
        return ops.Mul.apply(*promote(self, other, "*"))

    def __rmul__(self, other):
        return ops.Mul.apply(*promote(other, self, "*"))

    def __truediv__(self, other):
        return ops.Div.apply(*promote(self, other, "/", division=True))

    def __rtruediv__(self, other):  # other / self = other · (1/self), as in PyTorch
        x, y = promote(other, self, "/", division=True)
        return ops.Mul.apply(x, ops.Reciprocal.apply(y))

    def __neg__(self):
        return ops.Neg.apply(checks.negatable(self))

    def __pow__(self, exponent):
        base, exponent = power_operands(self, exponent)
        if isinstance(exponent, (int, float)):
            return ops.PowScalar.apply(base, exponent=exponent)
        return ops.Pow.apply(*promote(base, exponent, "**"))

    def __rpow__(self, base):
        return ops.Pow.apply(*promote(*power_operands(base, self), "**"))

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    # -- elementwise functions ------------------------------------------------------

    def exp(self):
        return ops.Exp.apply(to_float(self))

    def log(self):
        return ops.Log.apply(to_float(self))

    def sqrt(self):
        return ops.Sqrt.apply(to_float(self))

    def abs(self):
        return ops.Abs.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(to_float(self))

    def tanh(self):
        return ops.Tanh.apply(to_float(self))

    def relu(self):
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        slope = checks.number(negative_slope, "leaky_relu", "negative_slope")
        return ops.LeakyReLU.apply(to_float(self), negative_slope=float(slope))

    def clamp(self, min=None, max=None):
        x, low, high = clamp_operands(self, min, max)
        return ops.Clamp.apply(x, low=low, high=high)

    # -- reductions -------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keepdim = checks.reduction_dims(self, dim, keepdim, axis, keepdims, "sum")
        return ops.Sum.apply(self, axis=axes, keepdims=keepdim)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keepdim = checks.reduction_dims(self, dim, keepdim, axis, keepdims, "mean")
        if self._data.size == 0:  # nan, as in PyTorch (NumPy would warn, and divide by 0)
            return self.sum(axes, keepdim) * float("nan")
        return ops.Mean.apply(self, axis=axes, keepdims=keepdim)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Without dim: the largest element. With dim: (values, indices), as PyTorch."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        axis, keepdim = checks.max_dim(self, dim, keepdim, axis, keepdims, "max")
        if axis is None:
            return ops.Max.apply(self, axis=None, keepdims=False)
        if self.ndim == 0:  # one element, along the only "dim" a 0-d tensor accepts
            return self.reshape(1).max(0)
        return MaxMin(ops.Max.apply(self, axis=axis, keepdims=keepdim), self.argmax(axis, keepdim))

    # -- shape ---------------------------------------------------------------------------

    def reshape(self, *shape):
        shape = checks.reshape_shape(self, shape)
        return self if shape == self.shape else ops.Reshape.apply(self, shape=shape)

    def permute(self, *dims):
        return ops.Permute.apply(self, axes=checks.permutation(self, dims))

    def expand(self, *sizes):
        shape = checks.expanded_shape(self, sizes)
        return self if shape == self.shape else ops.Expand.apply(self, shape=shape)

    def __getitem__(self, index):
        out = self
        for step in checks.index(index):  # two steps only where PyTorch's layout is not NumPy's
            out = ops.GetItem.apply(out, index=step)
        return out


autograd.Tensor = Tensor  # the class the engine makes op results of (see autograd.py)


# -- functions of several tensors -------------------------------------------------------


def matmul(a, b):
    """Matrix product, with PyTorch's 1-D rules: a vector is a row on the left and a
    column on the right, and that dimension is dropped from the result."""
    x, y = matmul_operands(a, b)  # Tensors of one dtype
    if x._data.ndim > 1 and y._data.ndim > 1:
        return ops.MatMul.apply(x, y)
    checks.matmul_shapes(x.shape, y.shape)  # 0-d and 1-D operands, before they are reshaped
    out = ops.MatMul.apply(x.reshape(1, -1) if x.ndim == 1 else x,
                           y.reshape(-1, 1) if y.ndim == 1 else y)
    rows = out.shape[-2:-1] if x.ndim > 1 else ()
    columns = out.shape[-1:] if y.ndim > 1 else ()
    return out.reshape(out.shape[:-2] + rows + columns)


def where(condition, a, b):
    """a where condition else b; the gradient goes only to the selected branch."""
    condition = checks.where_condition(condition)
    return ops.Where.apply(*promote(a, b, "where"), condition=condition)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors, axis = cat_operands(tensors, dim)
    return ops.Cat.apply(*tensors, axis=axis)
