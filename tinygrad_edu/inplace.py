"""In-place updates: `+= -= *= /=`, add_ sub_ mul_ div_ copy_ zero_ fill_ clamp_
masked_fill_, and assignment into slices (`x[i] = v`).

Each bumps the tensor's version counter, so a node that saved the old value
refuses to back-propagate (checks.saved_values_error) instead of silently using
the new one. On a leaf that requires grad they are allowed only under
`tg.no_grad()` (PyTorch's rule: that is how optimizers update parameters).

On a tensor that takes part in autograd (it requires grad, or the new value
does) the update is recorded, as PyTorch does: the out-of-place op is applied to
the old value and the tensor is rebased onto its node (`grad_fn` changes, the
Python object and its memory stay). Otherwise NumPy updates the array in place.
"""
from __future__ import annotations

import numpy as np

from . import autograd, checks, jit, ops


class InPlaceMethods:
    """`Tensor`'s in-place methods (see tensor.py)."""

    __slots__ = ()

    def _recording(self, other, text=checks.LEAF_INPLACE) -> bool:
        """Whether an update of self with `other` must be recorded (after the leaf rule)."""
        if type(self._version_counter) is tuple:
            checks.constant_inplace(self)
        if not autograd.grad_mode.enabled:
            return False  # under no_grad: no leaf rule, nothing to record
        checks.inplace_allowed(self, True, text)
        return self._requires_grad or (hasattr(other, "_data") and other._requires_grad)

    def _rebase(self, out_of_place, other, symbol):
        """Record `self = out_of_place(self, other)` and make self that result."""
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse(f"the in-place update {symbol}")
        # The old value becomes a separate node input (a copy, so that the op may save
        # it); every earlier user of self sees the version bump below.
        previous = self._make(self._data.copy(), self._requires_grad, self.grad_fn)
        result = out_of_place(previous, other)
        checks.inplace_result(self, result, symbol)
        self._data[...] = result._data
        self.grad_fn, self._requires_grad = result.grad_fn, result._requires_grad
        self._version_counter[0] += 1
        return self

    def _arithmetic(self, out_of_place, ufunc, other, symbol):
        """`self (symbol)= other`: recorded, or NumPy's `ufunc(self, other, out=self)`."""
        if self._recording(other):
            return self._rebase(out_of_place, other, symbol)
        value = other._data if hasattr(other, "_data") else other
        if not isinstance(value, (np.ndarray, np.generic, int, float, bool)):
            return NotImplemented
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse(f"the in-place update {symbol}")
        try:
            ufunc(self._data, value, out=self._data)
        except (TypeError, ValueError, OverflowError) as error:
            raise checks.inplace_error(error, self, value, symbol) from None
        self._version_counter[0] += 1
        return self

    def _assign(self, out_of_place, other, symbol, text=checks.LEAF_INPLACE):
        """A non-arithmetic update: recorded, or its result written into self's array."""
        if self._recording(other, text):
            return self._rebase(out_of_place, other, symbol)
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse(f"the in-place update {symbol}")
        result = out_of_place(self.detach(), other)
        checks.inplace_result(self, result, symbol)
        self._data[...] = result._data
        self._version_counter[0] += 1
        return self

    def __iadd__(self, other):
        return self._arithmetic(type(self).__add__, np.add, other, "+=")

    def __isub__(self, other):
        return self._arithmetic(type(self).__sub__, np.subtract, other, "-=")

    def __imul__(self, other):
        return self._arithmetic(type(self).__mul__, np.multiply, other, "*=")

    def __itruediv__(self, other):
        if self.dtype.kind != "f":
            raise RuntimeError(f"/=: result type float32 can't be cast to the desired output "
                               f"type {self.dtype}")
        return self._arithmetic(type(self).__truediv__, np.true_divide, other, "/=")

    def add_(self, other, *, alpha=1):
        return self.__iadd__(other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        return self.__isub__(other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self.__imul__(other)

    def div_(self, other):
        return self.__itruediv__(other)

    def clamp_(self, min=None, max=None):
        return self._assign(lambda x, _: x.clamp(min, max).to(x.dtype), None, "clamp_")

    def copy_(self, src):
        """Copy `src` (broadcast to self's shape, cast to its dtype) into self; the
        gradient flows to src, none to self's old value."""
        src = checks.tensor(src, "copy_", "src") if not isinstance(src, np.ndarray) else src
        return self._assign(lambda x, s: _replaced(x, s), src, "copy_")

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        value = checks.fill_value(value)
        return self._assign(lambda x, v: _replaced(x, _filled(x, v)), value, "fill_")

    def masked_fill_(self, mask, value):
        mask = checks.where_condition(mask)
        return self._assign(lambda x, v: ops.Where.apply(_as_dtype(x, v), x, condition=mask), value,
                            "masked_fill_")

    def __setitem__(self, index, value):
        checks.setitem_value(value)
        steps = checks.index(index)
        if self._recording(value, checks.LEAF_VIEW_INPLACE):
            value = value if hasattr(value, "_data") else self._make(np.asarray(value, self.dtype))
            self._rebase(lambda x, v: ops.SetItem.apply(x, v.to(x.dtype), steps=steps), value,
                         "setitem")
            return
        if jit._recorder is not None:  # while tg.jit traces a step
            jit.refuse("assignment into a tensor")
        try:
            ops._at(self._data, steps[:-1])[steps[-1]] = value._data if hasattr(value, "_data") else value
        except (IndexError, ValueError, TypeError, OverflowError) as error:
            raise checks.builtin_error(error)(f"setitem: {error} (tensor of shape {self.shape})") from None
        self._version_counter[0] += 1


def _as_dtype(x, value):
    """`value` (a number or a Tensor) as a Tensor of x's dtype."""
    if hasattr(value, "_data"):
        return value if value.dtype == x.dtype else value.to(x.dtype)
    return _filled(x._make(np.empty((), x.dtype)), checks.number(value, "masked_fill_", "value"))


def _filled(x, value):
    """A constant of x's shape and dtype holding `value`."""
    try:
        return x._make(np.full(x.shape, value, dtype=x.dtype))
    except (ValueError, OverflowError) as error:  # 300 or nan into int8
        raise ValueError(f"fill_: {error} (tensor of dtype {x.dtype})") from None


def _replaced(x, new):
    """`new` in x's dtype (broadcast to x's shape), recorded so that x's old value gets
    no gradient and `new` gets all of it."""
    new = new if hasattr(new, "_data") else x._make(np.asarray(new))
    new = new.to(x.dtype) if new.dtype != x.dtype else new
    return ops.Where.apply(x, new, condition=np.zeros(x.shape, dtype=bool))
