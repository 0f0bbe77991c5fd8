"""`Tensor`: a NumPy array that remembers the op that made it.

Each method either calls one primitive of `ops.py` explicitly, or is composed
from other methods (and then needs no backward code of its own).
"""
from __future__ import annotations

import collections
import collections.abc
import functools
import math
import warnings

import numpy as np

from . import autograd, ops
from .autograd import _modes
from .dims import _axis, _dim_alias, _normalize_axes, _shape_args
from .dtypes import (_CATEGORY, DEFAULT_FLOAT, DEFAULT_INT, SUPPORTED_DTYPES, _builtin_error,
                     _calling_op, _check_dtype, _fits_integer_dtype, _is_number,
                     _promote_types, _python_data_to_array, bool_, float16, float32, float64,
                     int32, int64, result_type)

MaxMin = collections.namedtuple("MaxMin", ["values", "indices"])


def _clamp_operands(x: "Tensor", low, high):
    """clamp's tensor and bounds, ready for NumPy. The bounds become Python numbers (a
    NumPy float64 bound would upcast a float32 tensor); an int tensor with a float bound
    becomes float32 (PyTorch's promotion); an int bound must fit an int tensor's dtype."""
    for bound in (low, high):
        if bound is not None and not _is_number(bound):
            raise TypeError(f"clamp: min and max must be numbers, got {type(bound).__name__}")
    low, high = [b.item() if isinstance(b, np.generic) else b for b in (low, high)]
    if x.dtype.kind in "iu":
        if isinstance(low, float) or isinstance(high, float):
            return x._float(), low, high
        for bound in (low, high):
            if bound is not None and not _fits_integer_dtype(bound, x.dtype):
                raise RuntimeError(f"clamp: value {bound} cannot be converted to type "
                                   f"{x.dtype} without overflow")
    return x, low, high


def _holds_bools(value) -> bool:
    """bool ** bool: NumPy answers in int8, PyTorch's result is int64 (as for bool ** 2)."""
    return isinstance(value, (bool, np.bool_)) or (
        isinstance(value, (Tensor, np.ndarray)) and value.dtype == bool_)


# ----------------------------------------------------------------------------


class Tensor:
    """An n-dimensional array with reverse-mode autograd.

    `Tensor(data, requires_grad=False, dtype=None, name=None)`: `data` is a
    number, a nested list, a NumPy array (its dtype is kept) or a Tensor.
    Python floats give float32; integer and bool data cannot require grad.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_version_counter",
                 "_hooks", "name", "__weakref__")
    # make NumPy hand `ndarray (op) Tensor` over to Tensor's reflected operators
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if dtype is not None:
            dtype = _check_dtype(dtype, "tensor")
        if isinstance(data, Tensor):
            array = np.array(data._data, dtype=dtype)
        elif isinstance(data, (np.ndarray, np.generic)):
            if dtype is not None:  # np.array(strings, dtype=float32) would parse them
                _check_dtype(data.dtype, "tensor")
            array = np.array(data, dtype=dtype)
        else:
            array = _python_data_to_array(data, dtype)
        _check_dtype(array.dtype, "tensor")
        self._data = array
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._version_counter = [0]
        self._hooks = None
        self.name = name
        if requires_grad:
            self._set_requires_grad(True, "Only Tensors of floating point and complex dtype "
                                          "can require gradients")

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, version_counter=None):
        """Fast constructor for op results: no checks, no copy."""
        t = object.__new__(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._version_counter = [0] if version_counter is None else version_counter
        t._hooks = None
        t.name = None
        return t

    # -- attributes ---------------------------------------------------------

    @property
    def data(self) -> np.ndarray:
        """The underlying NumPy array (shared, not copied). Assigning replaces it
        without autograd knowing, as in PyTorch."""
        return self._data

    @data.setter
    def data(self, value):
        value = value._data if isinstance(value, Tensor) else np.asarray(value)
        _check_dtype(value.dtype, "Tensor.data")
        self._data = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self._set_requires_grad(value, "only Tensors of floating point and complex dtype "
                                       "can require gradients")

    def _set_requires_grad(self, value, dtype_message):
        value = bool(value)
        if self.grad_fn is not None:
            if value:
                return  # requires_grad_(True) on a non-leaf is a no-op, as in PyTorch
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(f"{dtype_message} (got dtype {self._data.dtype})")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True) -> "Tensor":
        self._set_requires_grad(requires_grad, "only Tensors of floating point dtype can "
                                               "require gradients")
        return self

    @property
    def grad(self):
        if self.grad_fn is not None and self._grad is None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad shape "
                                   f"{value.shape}, tensor shape {self.shape}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: grad dtype "
                                   f"{value.dtype}, tensor dtype {self.dtype}")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        return fn is not None and bool(fn.pre_hooks) and any(
            isinstance(h, autograd._RetainGrad) and h.tensor() is self for h in fn.pre_hooks)

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor has seen (PyTorch's _version)."""
        return self._version_counter[0]

    @property
    def device(self) -> str:
        return "cpu"

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[_normalize_axes(dim, self.ndim, "size")[0]]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    __hash__ = object.__hash__

    # -- conversion ---------------------------------------------------------

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.item()

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self._data.item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self._data.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.item())

    def __format__(self, spec):
        return format(self.item(), spec) if spec and self._data.size == 1 else str(self)

    def numpy(self, force=False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def tolist(self):
        return self._data.tolist()

    def detach(self) -> "Tensor":
        """Same data and version counter, cut from the graph."""
        return Tensor._make(self._data, False, None, self._version_counter)

    def to(self, dtype) -> "Tensor":
        dtype = _check_dtype(dtype, "to")
        if dtype == self._data.dtype:
            return self
        if dtype.kind != "f":  # integer results cannot carry gradients
            return Tensor._make(self._data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    type = to

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

    def clone(self) -> "Tensor":
        """A copy that stays in the graph (gradient passes through unchanged)."""
        return ops.Cast.apply(self, dtype=self.dtype)

    def _float(self) -> "Tensor":
        """int/bool tensors become float32 before float-valued math (exp, sigmoid, ...)."""
        return self if self._data.dtype.kind == "f" else self.to(DEFAULT_FLOAT)

    # -- repr ---------------------------------------------------------------

    def __repr__(self):
        data = self._data
        options = dict(separator=", ", prefix="tensor(")
        if data.dtype.kind == "f":
            finite = data[np.isfinite(data)].astype(np.float64)
            whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
            options.update(precision=4, floatmode="maxprec" if whole else "fixed")
            big = finite.size and (np.abs(finite).max() >= 1e8 or 0 < np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
            options["suppress_small"] = not big
        body = np.array2string(data, **options)
        extras = []
        if data.dtype not in (DEFAULT_FLOAT, DEFAULT_INT, bool_):
            extras.append(f"dtype={data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __str__ = __repr__

    # -- autograd -----------------------------------------------------------

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad."""
        if gradient is not None and not isinstance(gradient, Tensor):
            try:
                gradient = Tensor(gradient)
            except (TypeError, ValueError) as error:
                raise TypeError(f"backward: gradient must be a Tensor, an array or a number "
                                f"({error})") from None
        if inputs is not None:
            for t in (inputs,) if isinstance(inputs, Tensor) else inputs:
                if not isinstance(t, Tensor):
                    raise TypeError(f"backward: inputs must be Tensors, got {type(t).__name__}")
        autograd.backward((self,), (gradient,), retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a non-None return
        replaces the gradient. Returns a handle with `.remove()`."""
        if not callable(hook):
            raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
            hooks.append(hook)
        else:
            if self.grad_fn.pre_hooks is None:
                self.grad_fn.pre_hooks = []
            hooks = self.grad_fn.pre_hooks
            retain = [h for h in hooks if isinstance(h, autograd._RetainGrad)]
            hooks.insert(len(hooks) - len(retain), hook)  # retain_grad always sees the final grad
        return autograd.RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in `.grad` after backward (no-op on leaves)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self.retains_grad:
            if self.grad_fn.pre_hooks is None:
                self.grad_fn.pre_hooks = []
            self.grad_fn.pre_hooks.append(autograd._RetainGrad(self))

    # -- in-place -----------------------------------------------------------

    def _check_inplace(self, message):
        if self._requires_grad and self.grad_fn is None and _modes.grad_enabled:
            raise RuntimeError(message)

    def _inplace(self, out_of_place, ufunc, other, symbol):
        """`self (symbol)= other`: PyTorch's leaf rule, then either a plain NumPy
        update (nothing to record) or the recorded op with self rebased onto it."""
        self._check_inplace("a leaf Variable that requires grad is being used in an "
                            "in-place operation.")
        other_requires = isinstance(other, Tensor) and other._requires_grad
        if not (_modes.grad_enabled and (self._requires_grad or other_requires)):
            value = other._data if isinstance(other, Tensor) else other
            if isinstance(value, (np.ndarray, np.generic)) or isinstance(value, (int, float, bool)):
                try:
                    ufunc(self._data, value, out=self._data)
                except TypeError:
                    raise RuntimeError(f"{symbol}: result type {np.result_type(self._data, value)} "
                                       f"can't be cast to the desired output type {self.dtype}") from None
                except (ValueError, OverflowError) as error:
                    raise RuntimeError(f"{symbol}: {error} (tensor of dtype {self.dtype} and "
                                       f"shape {self.shape})") from None
                self._version_counter[0] += 1
                return self
            return NotImplemented
        # The previous value becomes a separate node input (a copy, so that the op
        # may save it); every earlier user of self sees the version bump below.
        previous = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn)
        result = out_of_place(previous, other)
        if result is NotImplemented:
            return result
        if result.shape != self.shape:
            raise RuntimeError(f"{symbol}: output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(result.shape)}")
        if _CATEGORY[result.dtype.kind] > _CATEGORY[self.dtype.kind]:
            raise RuntimeError(f"{symbol}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        self._data[...] = result._data
        self.grad_fn, self._requires_grad = result.grad_fn, result._requires_grad
        self._version_counter[0] += 1
        return self

    def __iadd__(self, other):
        return self._inplace(Tensor.__add__, np.add, other, "+=")

    def __isub__(self, other):
        return self._inplace(Tensor.__sub__, np.subtract, other, "-=")

    def __imul__(self, other):
        return self._inplace(Tensor.__mul__, np.multiply, other, "*=")

    def __itruediv__(self, other):
        if self.dtype.kind != "f":
            raise RuntimeError(f"/=: result type float32 can't be cast to the desired output "
                               f"type {self.dtype}")
        return self._inplace(Tensor.__truediv__, np.true_divide, other, "/=")

    def zero_(self) -> "Tensor":
        self._check_inplace("a leaf Variable that requires grad is being used in an "
                            "in-place operation.")
        self._data[...] = 0
        self._version_counter[0] += 1
        return self

    def fill_(self, value) -> "Tensor":
        self._check_inplace("a leaf Variable that requires grad is being used in an "
                            "in-place operation.")
        if isinstance(value, Tensor):
            if value.numel() != 1:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                                   f"with {value.ndim} dimensions")
            value = value.item()
        if not _is_number(value):  # NumPy would store None as nan and parse strings
            raise TypeError(f"fill_: value must be a number, got {type(value).__name__}")
        try:
            self._data[...] = value
        except (ValueError, OverflowError) as error:  # 300 or nan into int8
            raise ValueError(f"fill_: {error} (tensor of dtype {self.dtype})") from None
        self._version_counter[0] += 1
        return self

    def __setitem__(self, index, value):
        self._check_inplace("a view of a leaf Variable that requires grad is being used in an "
                            "in-place operation.")
        value_requires = isinstance(value, Tensor) and value._requires_grad
        if _modes.grad_enabled and (self._requires_grad or value_requires):
            raise RuntimeError(
                "setitem: assigning into a tensor that takes part in autograd is not recorded "
                "by tinygrad_edu; build the tensor with tg.where or tg.cat instead, or assign "
                "under tg.no_grad()")
        if not isinstance(value, Tensor) and not _is_number(value) and \
                np.asarray(value).dtype.kind not in "biuf":
            # NumPy would store None as nan and parse strings
            raise TypeError(f"setitem: cannot assign a {type(value).__name__} to a tensor "
                            f"(expected a Tensor, an array or a number)")
        try:
            self._data[_index_arrays(index)] = value._data if isinstance(value, Tensor) else value
        except (IndexError, ValueError, TypeError, OverflowError) as error:
            raise _builtin_error(error)(f"setitem: {error} (tensor of shape {self.shape})") from None
        self._version_counter[0] += 1

    # -- arithmetic ---------------------------------------------------------

    def _operands(self, other):
        """(self, other) as Tensors of one dtype, by PyTorch's promotion rules;
        NotImplemented for operands that are not numbers or arrays."""
        if not isinstance(other, Tensor):
            if isinstance(other, (np.ndarray, np.generic)):
                other = Tensor._make(np.asarray(other))
                if other.dtype not in SUPPORTED_DTYPES:
                    raise TypeError(f"{_calling_op()}: unsupported operand dtype {other.dtype} "
                                    f"(with a {self.dtype} tensor of shape {self.shape}); "
                                    f"tensors hold float, int or bool data")
            elif isinstance(other, (int, float)):  # bool is an int
                dtype = self._data.dtype
                if dtype.kind != "f":
                    dtype = result_type(self._data, other)
                    if dtype.kind in "iu" and not _fits_integer_dtype(other, dtype):
                        raise RuntimeError(f"{_calling_op()}: value {other} cannot be converted "
                                           f"to type {dtype} without overflow")
                constant = Tensor._make(np.asarray(other, dtype=dtype))
                return (self if dtype == self._data.dtype else self.to(dtype)), constant
            else:
                return NotImplemented
        if other._data.dtype == self._data.dtype:
            return self, other
        dtype = result_type(self._data, other._data)
        return self.to(dtype), other.to(dtype)

    def _binary(self, op, other, reflected=False):
        operands = self._operands(other)
        if operands is NotImplemented:
            return NotImplemented
        x, y = operands
        return op.apply(y, x) if reflected else op.apply(x, y)

    def __add__(self, other):
        return self._binary(ops.Add, other)

    def __radd__(self, other):
        return self._binary(ops.Add, other, reflected=True)

    def __sub__(self, other):
        return self._binary(ops.Sub, other)

    def __rsub__(self, other):
        return self._binary(ops.Sub, other, reflected=True)

    def __mul__(self, other):
        return self._binary(ops.Mul, other)

    def __rmul__(self, other):
        return self._binary(ops.Mul, other, reflected=True)

    def __truediv__(self, other):
        operands = self._operands(other) if self._data.dtype.kind == "f" else \
            self._int_division_operands(other)
        if operands is NotImplemented:
            return NotImplemented
        x, y = operands
        return ops.Div.apply(x._float(), y._float())  # int / int is float32, as in PyTorch

    def __rtruediv__(self, other):
        operands = self._operands(other) if self._data.dtype.kind == "f" else \
            self._int_division_operands(other)
        if operands is NotImplemented:
            return NotImplemented
        x, y = operands
        return ops.Div.apply(y._float(), x._float())

    def _int_division_operands(self, other):
        """Operands of int_tensor / other. int / int is float32, as in PyTorch, from the
        original values: an int operand is never narrowed to the other's int dtype first
        (a 0-d int16 300 / an int8 tensor would wrap 300 around; int8 / 300 would fail
        to cast 300 to int8)."""
        if isinstance(other, (np.ndarray, np.generic)) and other.dtype.kind in "biu":
            other = Tensor._make(np.asarray(other))
        if isinstance(other, Tensor) and other._data.dtype.kind != "f":
            return self._float(), other._float()
        if isinstance(other, int):
            return self._float()._operands(other)
        return self._operands(other)

    def __neg__(self):
        if self.dtype == bool_:
            raise TypeError("neg: negation, the `-` operator, on a bool tensor is not supported")
        return ops.Neg.apply(self)

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        if isinstance(exponent, np.floating) and self.dtype.kind == "f":
            exponent = exponent.item()  # NumPy's float64 scalar would upcast x; PyTorch's not
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            if self.dtype.kind != "f":
                if isinstance(exponent, float):
                    return ops.PowScalar.apply(self._float(), exponent=exponent)
                base = self.to(DEFAULT_INT) if self.dtype == bool_ else self  # NumPy: int8
                if not _fits_integer_dtype(exponent, base.dtype):
                    raise RuntimeError(f"**: value {exponent} cannot be converted to type "
                                       f"{base.dtype} without overflow")
                return ops.PowScalar.apply(base, exponent=exponent)
            return ops.PowScalar.apply(self, exponent=exponent)
        if self.dtype == bool_ and _holds_bools(exponent):
            return self.to(DEFAULT_INT)._binary(ops.Pow, exponent)
        return self._binary(ops.Pow, exponent)

    def __rpow__(self, base):
        if self.dtype == bool_ and _holds_bools(base):
            return self.to(DEFAULT_INT)._binary(ops.Pow, base, reflected=True)
        return self._binary(ops.Pow, base, reflected=True)

    def pow(self, exponent):
        return self ** exponent

    def square(self):
        return self * self

    def __matmul__(self, other):
        if isinstance(other, Tensor) and self._data.ndim > 1 and other._data.ndim > 1 \
                and self._data.dtype == other._data.dtype:
            return ops.MatMul.apply(self, other)  # the common case, without matmul's checks
        return matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, (np.ndarray, Tensor)):
            return NotImplemented
        return matmul(other, self)

    def matmul(self, other):
        return matmul(self, other)

    def __abs__(self):
        return self.abs()

    # comparisons: non-differentiable, give bool tensors
    def _compare(self, ufunc, other, symbol):
        if isinstance(other, int) and not isinstance(other, bool) and \
                self._data.dtype.kind in "iub":
            dtype = result_type(self._data, other)
            if not _fits_integer_dtype(other, dtype):
                # no cast can hold `other`, but NumPy compares an int array with it exactly
                return Tensor._make(np.asarray(ufunc(self._data.astype(dtype), other)))
        operands = self._operands(other)
        if operands is NotImplemented:
            return NotImplemented
        x, y = operands
        try:
            return Tensor._make(np.asarray(ufunc(x._data, y._data)))
        except ValueError:
            message = autograd._broadcast_message([x.shape, y.shape])
            raise RuntimeError(f"{symbol}: {message} (shapes {x.shape} and {y.shape})") from None

    def __lt__(self, other):
        return self._compare(np.less, other, "<")

    def __le__(self, other):
        return self._compare(np.less_equal, other, "<=")

    def __gt__(self, other):
        return self._compare(np.greater, other, ">")

    def __ge__(self, other):
        return self._compare(np.greater_equal, other, ">=")

    def __eq__(self, other):
        return self._compare(np.equal, other, "==")

    def __ne__(self, other):
        return self._compare(np.not_equal, other, "!=")

    def eq(self, other):
        return self == other

    # -- elementwise functions -----------------------------------------------

    def exp(self):
        return ops.Exp.apply(self._float())

    def log(self):
        return ops.Log.apply(self._float())

    def sqrt(self):
        return ops.Sqrt.apply(self._float())

    def abs(self):
        return ops.Abs.apply(self)

    def sigmoid(self):
        return ops.Sigmoid.apply(self._float())

    def tanh(self):
        return ops.Tanh.apply(self._float())

    def relu(self):
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        if not _is_number(negative_slope):
            raise TypeError(f"leaky_relu: negative_slope must be a number, got "
                            f"{type(negative_slope).__name__}")
        return ops.LeakyReLU.apply(self._float(), negative_slope=float(negative_slope))

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
        x, low, high = _clamp_operands(self, min, max)
        return ops.Clamp.apply(x, low=low, high=high)

    clip = clamp

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

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
        axis = _axis(dim, self.ndim, op)
        data = self._float()._data
        if data.size == 0:
            return Tensor._make(np.zeros((), data.dtype))
        shift = np.max(data, axis=axis, keepdims=True)
        return Tensor._make(np.where(np.isfinite(shift), shift, 0).astype(data.dtype))

    # -- reductions -----------------------------------------------------------

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _dim_alias(dim, axis, keepdim, keepdims, "sum")
        axes = None if dim is None else _normalize_axes(dim, self.ndim, "sum")
        return ops.Sum.apply(self, axis=axes, keepdims=bool(keepdim))

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dim_alias(dim, axis, keepdim, keepdims, "mean")
        if self.dtype.kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                               f"a floating point or complex dtype. Got: {self.dtype}")
        axes = None if dim is None else _normalize_axes(dim, self.ndim, "mean")
        if self._data.size == 0:
            # Either the result is empty too, or it averages zero elements: nan, as in
            # PyTorch (NumPy would warn "Mean of empty slice", and its backward divide by 0)
            return self.sum(dim, keepdim) * math.nan
        return ops.Mean.apply(self, axis=axes, keepdims=bool(keepdim))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Without dim: the largest element. With dim: (values, indices), as PyTorch."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        dim, keepdim = _dim_alias(dim, axis, keepdim, keepdims, "max")
        axis = self._reduction_axis(dim, "max")
        if axis is None:
            return ops.Max.apply(self, axis=None, keepdims=False)
        if self.ndim == 0:
            return MaxMin(self, Tensor._make(np.asarray(0, dtype=int64)))
        values = ops.Max.apply(self, axis=axis, keepdims=keepdim)
        return MaxMin(values, self.argmax(axis, keepdim))

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Without dim: the smallest element. With dim: (values, indices)."""
        if isinstance(dim, Tensor):
            return minimum(self, dim)
        dim, keepdim = _dim_alias(dim, axis, keepdim, keepdims, "min")
        self._reduction_axis(dim, "min")  # errors name min, not the max computing it
        result = _reversed_order(self).max(dim, keepdim)
        if isinstance(result, MaxMin):
            return MaxMin(_reversed_order(result.values), result.indices)
        return _reversed_order(result)

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim, "argmax")

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim, "argmin")

    def _reduction_axis(self, dim, op):
        """The axis of max/min/argmax/argmin (None for all elements), which must not be
        empty: an empty slice has no largest element."""
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{op}(): Expected reduction dim to be specified for "
                                   f"input.numel() == 0 (shape {self.shape})")
            return None
        axis = _axis(dim, self.ndim, op)
        if self.ndim and self.shape[axis] == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim {axis} to have non-zero size "
                               f"(shape {self.shape})")
        return axis

    def _arg(self, function, dim, keepdim, op):
        axis = self._reduction_axis(dim, op)
        if axis is None:
            index = np.asarray(function(self._data), dtype=int64)
            return Tensor._make(index.reshape((1,) * self.ndim) if keepdim else index)
        if self.ndim == 0:
            return Tensor._make(np.asarray(0, dtype=int64))
        return Tensor._make(np.asarray(function(self._data, axis=axis, keepdims=keepdim), int64))

    # -- shape ----------------------------------------------------------------

    def reshape(self, *shape):
        shape = _shape_args(shape, "reshape")
        if shape == self.shape:
            return self
        if any(n < -1 for n in shape):
            raise RuntimeError(f"reshape: invalid shape dimension {min(shape)} in {list(shape)} "
                               f"(tensor of shape {self.shape})")
        known = math.prod(n for n in shape if n != -1)
        if shape.count(-1) > 1 or (shape.count(-1) == 0 and known != self._data.size) or \
                (shape.count(-1) == 1 and (known == 0 or self._data.size % known)):
            raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size "
                               f"{self._data.size} (tensor of shape {self.shape})")
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        start, end = _axis(start_dim, self.ndim, "flatten"), _axis(end_dim, self.ndim, "flatten")
        if self.ndim == 0:
            return self.reshape(1)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = self.shape[:start] + (math.prod(self.shape[start:end + 1]),) + self.shape[end + 1:]
        return self.reshape(shape)

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axes = _normalize_axes(dim, self.ndim, "squeeze")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1)))

    def unsqueeze(self, dim):
        axis = _axis(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def permute(self, *dims):
        dims = _shape_args(dims, "permute")
        axes = _normalize_axes(dims, self.ndim, "permute") if dims else ()
        if len(dims) != self.ndim:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                               f"not match the length of the desired ordering of dimensions i.e. "
                               f"input.dim() = {self.ndim} is not equal to len(dims) = {len(dims)}")
        return ops.Permute.apply(self, axes=axes)

    def transpose(self, dim0, dim1):
        a, b = _axis(dim0, self.ndim, "transpose"), _axis(dim1, self.ndim, "transpose")
        if a == b:
            return self
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return ops.Permute.apply(self, axes=tuple(axes))

    swapaxes = transpose

    @property
    def T(self):
        return ops.Permute.apply(self, axes=tuple(reversed(range(self.ndim)))) if self.ndim > 1 else self

    def expand(self, *sizes):
        sizes = _shape_args(sizes, "expand")
        if len(sizes) < self.ndim:
            raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be "
                               f"greater or equal to the number of dimensions in the tensor "
                               f"({self.ndim})")
        shape = list(sizes)
        for i, n in enumerate(sizes[:len(sizes) - self.ndim]):
            if n < 0:
                raise RuntimeError(f"expand: the expanded size of the tensor ({n}) isn't allowed "
                                   f"in a leading, non-existing dimension {i} (target sizes "
                                   f"{list(sizes)}, tensor sizes {list(self.shape)})")
        for i in range(1, self.ndim + 1):
            have, want = self.shape[-i], sizes[-i]
            if want == -1:
                shape[-i] = have
            elif have != want and have != 1:
                raise RuntimeError(
                    f"expand: The expanded size of the tensor ({want}) must match the existing "
                    f"size ({have}) at non-singleton dimension {len(sizes) - i}.  Target sizes: "
                    f"{list(sizes)}.  Tensor sizes: {list(self.shape)}")
        if tuple(shape) == self.shape:
            return self
        return ops.Expand.apply(self, shape=tuple(shape))

    def broadcast_to(self, shape):
        return self.expand(shape)

    def __getitem__(self, index):
        return ops.GetItem.apply(self, index=_index_arrays(index))


def _index_arrays(index):
    """Tensors and lists inside an index become NumPy arrays (int or bool)."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, list):
        try:
            # an empty list selects nothing: as int, not NumPy's default float64
            index = np.asarray(index) if index else np.zeros(0, dtype=np.intp)
        except ValueError:
            raise IndexError(f"getitem: a list used as an index must be rectangular (all rows "
                             f"of the same length), got {index!r}") from None
    if isinstance(index, np.ndarray) and index.dtype.kind not in "iub":
        raise IndexError(f"getitem: tensors used as indices must be long, int or bool tensors, "
                         f"got dtype {index.dtype}")
    return index


# ----------------------------------------------------------------------------
# functions of several tensors


def _as_tensor(value, op: str):
    """Tensors pass through, arrays are wrapped (no copy), anything else gives None."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        _check_dtype(value.dtype, op)
        return Tensor._make(np.asarray(value))
    return None


def _pair(a, b, op):
    """Two operands, at least one of them a Tensor, promoted to one dtype."""
    if isinstance(a, Tensor):
        operands = a._operands(b)
    elif isinstance(b, Tensor):
        operands = b._operands(a)
        operands = operands if operands is NotImplemented else operands[::-1]
    else:
        operands = Tensor(a)._operands(b)
    if operands is NotImplemented:
        raise TypeError(f"{op}: unsupported operand types {type(a).__name__} and {type(b).__name__}")
    return operands


def matmul(a, b):
    """Matrix product with PyTorch's 1-D rules (a vector is a row on the left, a column
    on the right, and that dimension is dropped from the result)."""
    a, b = _as_tensor(a, "matmul"), _as_tensor(b, "matmul")
    if a is None or b is None:
        raise TypeError("matmul: both arguments must be Tensors or arrays")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != k_b and (a.ndim == 1 or b.ndim == 1):
        raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                           f"({a.shape[-1]} != {k_b})")
    x, y = a._operands(b)
    if x.ndim > 1 and y.ndim > 1:
        return ops.MatMul.apply(x, y)
    out = ops.MatMul.apply(x.reshape(1, -1) if x.ndim == 1 else x,
                           y.reshape(-1, 1) if y.ndim == 1 else y)
    rows = (out.shape[-2],) if x.ndim > 1 else ()
    columns = (out.shape[-1],) if y.ndim > 1 else ()
    return out.reshape(out.shape[:-2] + rows + columns)


def maximum(a, b):
    """Elementwise max; on ties the gradient is split evenly, as PyTorch."""
    return ops.Maximum.apply(*_pair(a, b, "maximum"))


def minimum(a, b):
    """Elementwise min = -max(-a, -b)."""
    x, y = _pair(a, b, "minimum")
    if x.shape != y.shape:
        _check_broadcastable(x.shape, y.shape, "minimum")  # else the error would say Maximum
    return _reversed_order(ops.Maximum.apply(_reversed_order(x), _reversed_order(y)))


def _check_broadcastable(a: tuple, b: tuple, op: str) -> None:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(f"{op}: {autograd._broadcast_message([a, b])} (input shapes {a}, "
                           f"{b})") from None


def _reversed_order(t: Tensor) -> Tensor:
    """-t for floats. For integers and bools, ~t (= -t-1; max-t unsigned; not-t bool):
    -t wraps around (-(-128) is -128 in int8, unsigned values wrap) or is refused (bool),
    while ~t reverses the order of every value. Integer tensors carry no gradient."""
    if t._data.dtype.kind == "f":
        return -t
    return Tensor._make(np.asarray(np.invert(t._data)))


def where(condition, a, b):
    """a where condition else b; the gradient goes only to the selected branch."""
    condition = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if condition.dtype != bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype}")
    x, y = _pair(a, b, "where")
    return ops.Where.apply(x, y, condition=condition)


def _common_dtype(tensors):
    """cat/stack promote like a chain of binary ops between dimensioned tensors."""
    top = max(_CATEGORY[t.dtype.kind] for t in tensors)
    return functools.reduce(_promote_types, [t.dtype for t in tensors
                                             if _CATEGORY[t.dtype.kind] == top])


def _tensor_list(tensors, op: str) -> list:
    """The tensors to join, as a list; arrays are wrapped."""
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, collections.abc.Iterable):
        raise TypeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not "
                        f"{type(tensors).__name__}")
    tensors = [t if isinstance(t, Tensor) else _as_tensor(t, op) for t in tensors]
    if not tensors or any(t is None for t in tensors):
        raise TypeError(f"{op}(): expected a non-empty sequence of Tensors")
    return tensors


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    first = tensors[0]
    if first.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = _axis(dim, first.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim:
            raise RuntimeError(f"cat: Tensors must have same number of dimensions: got "
                               f"{first.ndim} and {t.ndim} (tensor number {i})")
        for d in range(first.ndim):
            if d != axis and t.shape[d] != first.shape[d]:
                raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {axis}. "
                                   f"Expected size {first.shape[d]} but got size {t.shape[d]} for "
                                   f"tensor number {i} in the list.")
    dtype = _common_dtype(tensors)
    return ops.Cat.apply(*(t.to(dtype) for t in tensors), axis=axis)


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at entry {i}")
    axis = _axis(dim, tensors[0].ndim + 1, "stack")
    return cat([t.unsqueeze(axis) for t in tensors], axis)
