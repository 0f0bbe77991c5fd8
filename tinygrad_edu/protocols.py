"""Tensor as Python and NumPy see it: sizes, conversions, repr, comparisons.

None of it records a graph (comparisons give bool tensors, which carry no
gradient); `Tensor` inherits `TensorProtocols` (see tensor.py).
"""
from __future__ import annotations

import numpy as np

from . import checks, devices, jit
from .dtypes import DEFAULT_FLOAT, DEFAULT_INT, bool_, fits, result_type
from .operands import promote


class TensorProtocols:
    """Sizes, conversions to Python and NumPy, repr and comparison operators."""

    __slots__ = ()
    __hash__ = object.__hash__  # defining __eq__ below would otherwise remove it

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor has seen (PyTorch's _version)."""
        return self._version_counter[0]

    @property
    def device(self) -> devices.device:
        return devices.CPU  # the only device

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[checks.axis(dim, self.ndim, "size")]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def __len__(self):
        checks.has_dims(self, "len()")
        return self.shape[0]

    def __iter__(self):
        checks.has_dims(self, "iteration over")
        return (self[i] for i in range(self.shape[0]))

    # -- conversion ---------------------------------------------------------------

    def item(self):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse(".item()", tensor=self)
        checks.one_element(self, "item")
        return self._data.item()

    def __float__(self):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse("float()", tensor=self)
        checks.one_element(self, "float")
        return float(self._data.item())

    def __int__(self):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse("int()", tensor=self)
        checks.one_element(self, "int")
        return int(self._data.item())

    def __bool__(self):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse("bool() (an `if` or `while` on a tensor)", tensor=self)
        checks.one_element(self, "bool")
        return bool(self._data.item())

    def __format__(self, spec):
        return format(self.item(), spec) if spec and self._data.size == 1 else str(self)

    def numpy(self, force=False) -> np.ndarray:
        if jit._recorder is not None:  # while tg.jit traces a step (force: only inside a call)
            if not force or jit._recorder.in_call:
                jit.refuse(".numpy()", tensor=self)
            else:  # library code reading it as an op's option: guarded like a parameter
                jit._recorder.guard(self)
        if self._requires_grad and not force:
            checks.numpy_allowed(self, force)
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def tolist(self):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse(".tolist()", tensor=self)
        return self._data.tolist()

    # -- repr -------------------------------------------------------------------------

    def __repr__(self):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse("printing a tensor", tensor=self)
        data = self._data
        options = dict(separator=", ", prefix="tensor(")
        if data.dtype.kind == "f":
            finite = data[np.isfinite(data)].astype(np.float64)
            whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
            options.update(precision=4, floatmode="maxprec" if whole else "fixed")
            small = finite[finite != 0]
            big = finite.size and (np.abs(finite).max() >= 1e8 or 0 < np.abs(small).min(initial=1) < 1e-4)
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

    # -- comparisons: not differentiable, they give bool tensors ----------------------

    def _compare(self, ufunc, other, symbol):
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse(f"the comparison {symbol}", tensor=(self, other))
        if isinstance(other, int) and not isinstance(other, bool) and \
                self._data.dtype.kind in "iub":
            dtype = result_type(self._data, other)
            if not fits(other, dtype):
                # no cast can hold `other`, but NumPy compares an int array with it exactly
                return self._make(np.asarray(ufunc(self._data.astype(dtype), other)))
        if not (hasattr(other, "_data") or isinstance(other, (np.ndarray, np.generic, int, float))):
            return NotImplemented  # `t == "a"` is plain Python identity: False
        x, y = promote(self, other, symbol)
        try:
            return self._make(np.asarray(ufunc(x._data, y._data)))
        except ValueError:
            message = checks.broadcast_message(x.shape, y.shape)
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
