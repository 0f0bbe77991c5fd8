"""In-place updates: `+= -= *= /=`, zero_, fill_ and assignment into slices.

Each bumps the tensor's version counter, so a node that saved the old value
refuses to back-propagate (checks.saved_values_usable) instead of silently
using the new one. On a leaf that requires grad they are allowed only under
`tg.no_grad()` (PyTorch's rule: that is how optimizers update parameters).
An in-place op on a tensor that takes part in autograd is recorded: the tensor
is rebased onto the node of the out-of-place op, as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from . import autograd, checks


class InPlaceMethods:
    """`Tensor`'s in-place methods (see tensor.py)."""

    __slots__ = ()

    def _inplace(self, out_of_place, ufunc, other, symbol):
        """`self (symbol)= other`: PyTorch's leaf rule, then either a plain NumPy update
        (nothing to record) or the recorded op with self rebased onto it."""
        grad_enabled = autograd.grad_mode.enabled
        checks.inplace_allowed(self, grad_enabled)
        other_requires = hasattr(other, "_data") and other._requires_grad
        if not (grad_enabled and (self._requires_grad or other_requires)):
            value = other._data if hasattr(other, "_data") else other
            if not isinstance(value, (np.ndarray, np.generic, int, float, bool)):
                return NotImplemented
            try:
                ufunc(self._data, value, out=self._data)
            except (TypeError, ValueError, OverflowError) as error:
                raise checks.inplace_error(error, self, value, symbol) from None
            self._version_counter[0] += 1
            return self
        # The previous value becomes a separate node input (a copy, so that the op may
        # save it); every earlier user of self sees the version bump below.
        previous = self._make(self._data.copy(), self._requires_grad, self.grad_fn)
        result = out_of_place(previous, other)
        checks.inplace_result(self, result, symbol)
        self._data[...] = result._data
        self.grad_fn, self._requires_grad = result.grad_fn, result._requires_grad
        self._version_counter[0] += 1
        return self

    def __iadd__(self, other):
        return self._inplace(type(self).__add__, np.add, other, "+=")

    def __isub__(self, other):
        return self._inplace(type(self).__sub__, np.subtract, other, "-=")

    def __imul__(self, other):
        return self._inplace(type(self).__mul__, np.multiply, other, "*=")

    def __itruediv__(self, other):
        if self.dtype.kind != "f":
            raise RuntimeError(f"/=: result type float32 can't be cast to the desired output "
                               f"type {self.dtype}")
        return self._inplace(type(self).__truediv__, np.true_divide, other, "/=")

    def zero_(self):
        checks.inplace_allowed(self, autograd.grad_mode.enabled)
        self._data[...] = 0
        self._version_counter[0] += 1
        return self

    def fill_(self, value):
        checks.inplace_allowed(self, autograd.grad_mode.enabled)
        value = checks.fill_value(value)
        try:
            self._data[...] = value
        except (ValueError, OverflowError) as error:  # 300 or nan into int8
            raise ValueError(f"fill_: {error} (tensor of dtype {self.dtype})") from None
        self._version_counter[0] += 1
        return self

    def __setitem__(self, index, value):
        grad_enabled = autograd.grad_mode.enabled
        checks.inplace_allowed(self, grad_enabled, checks.LEAF_VIEW_INPLACE)
        value_requires = hasattr(value, "_data") and value._requires_grad
        if grad_enabled and (self._requires_grad or value_requires):
            raise RuntimeError(
                "setitem: assigning into a tensor that takes part in autograd is not recorded "
                "by tinygrad_edu; build the tensor with tg.where or tg.cat instead, or assign "
                "under tg.no_grad()")
        checks.setitem_value(value)
        try:
            self._data[checks.index(index)] = value._data if hasattr(value, "_data") else value
        except (IndexError, ValueError, TypeError, OverflowError) as error:
            raise checks.builtin_error(error)(f"setitem: {error} (tensor of shape {self.shape})") from None
        self._version_counter[0] += 1
