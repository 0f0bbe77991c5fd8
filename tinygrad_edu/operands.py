"""Operands of ops: user data turned into arrays and Tensors of one dtype, by
PyTorch's rules (dtypes.py), not NumPy's.

`promote(a, b, op)` is the one call a binary method makes before its primitive:
it returns two Tensors of the dtype PyTorch would compute in, the caller naming
itself (`op`) for the errors.
"""
from __future__ import annotations

import functools

import numpy as np

from . import autograd, checks
from .dtypes import (CATEGORY, DEFAULT_FLOAT, DEFAULT_INT, bool_, float64, promote_types,
                     result_type)


def as_array(data, dtype=None) -> np.ndarray:
    """A new array holding `data` (number, nested list, array or Tensor): Python floats
    give float32, NumPy arrays keep their dtype, nothing is converted silently."""
    if dtype is not None:
        dtype = checks.dtype(dtype, "tensor")
    if isinstance(data, autograd.Tensor):
        from . import jit  # (jit imports this module)
        jit.refuse("tg.tensor(a tensor) (it copies the values: .clone() is an op)")
        array = np.array(data._data, dtype=dtype)
    elif isinstance(data, (np.ndarray, np.generic)):
        if dtype is not None:  # np.array(strings, dtype=float32) would parse them
            checks.dtype(data.dtype, "tensor")
        array = np.array(data, dtype=dtype)
    else:
        array = _python_data_to_array(data, dtype)
    checks.dtype(array.dtype, "tensor")
    return array


def _python_data_to_array(data, dtype):
    try:
        # np.array(["1.5", None, 1j], dtype=float32) would parse the string, turn None into
        # nan and drop the imaginary part: look at the data as it is first
        found = np.array(data).dtype if dtype is not None else None
        if found is None or found.kind in "biuf":
            array = np.array(data, dtype=dtype)
    except (ValueError, OverflowError, TypeError) as error:
        raise checks.builtin_error(error)(f"tensor: cannot build a tensor from this data "
                                          f"({error})") from None
    if found is not None and found.kind not in "biuf":
        raise TypeError(f"tensor: cannot build a {dtype} tensor from data of dtype {found} "
                        f"(strings, None, complex numbers or other non-numbers)")
    if dtype is None and array.dtype == float64 and not _holds_numpy(data):
        array = array.astype(DEFAULT_FLOAT)  # Python floats give float32, as in PyTorch
    if dtype is None and array.dtype == np.uint64 and not _holds_numpy(data):
        # NumPy's answer for Python ints in [2**63, 2**64); PyTorch's ints are int64
        raise ValueError("tensor: Python int too large for int64 (pass dtype=... to choose "
                         "another dtype)")
    return array


def _holds_numpy(data) -> bool:
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, (np.ndarray, np.generic))


def to_float(t):
    """int and bool tensors become float32 before float-valued math (exp, sigmoid, ...)."""
    return t if t._data.dtype.kind == "f" else t.to(DEFAULT_FLOAT)


def as_tensor(value, op: str):
    """Tensors pass through, arrays are wrapped (no copy), anything else gives None."""
    if isinstance(value, autograd.Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        checks.dtype(value.dtype, op)
        return autograd.Tensor._make(np.asarray(value))
    return None


def promote(a, b, op: str, division: bool = False):
    """(a, b) as two Tensors of one dtype by PyTorch's rules; one of them is a Tensor
    (or neither, as in `where(c, 1.0, 0.0)`), the other may be an array or a number.
    With `division`, integers divide as float32 (int / int is float32 in PyTorch)."""
    Tensor = autograd.Tensor
    if isinstance(a, Tensor):
        if isinstance(b, Tensor) and a._data.dtype is b._data.dtype and \
                not (division and a._data.dtype.kind != "f"):
            return a, b  # the common case: nothing to convert
        return _pair(a, b, op, division)
    if isinstance(b, Tensor):
        y, x = _pair(b, a, op, division)
        return x, y
    return _pair(Tensor(a), b, op, division)


def _pair(t, other, op: str, division: bool):
    """(t, other) promoted, t a Tensor."""
    if division and t._data.dtype.kind != "f":
        t, other = _integer_division(t, other)
    x, y = _operands(t, other, op)
    if division and x._data.dtype.kind != "f":
        x, y = to_float(x), to_float(y)
    return x, y


# The version counter of a number an op turned into a tensor (the 0.5 of `0.5 * x`): such a
# tensor is never changed, and a tuple says so. In-place ops refuse it; tg.jit folds what it
# feeds; and, unlike a list, the cycle collector stops tracking it.
CONSTANT_VERSION = (0,)

# Those tensors, made once per (type, value, dtype) and shared by every op that uses the
# number, as nothing changes them (their arrays are read-only too): a graph holds one
# object fewer per op on a number, which is what the cycle collector walks (W5's chain of
# y·c and y + d made 100,000 of them). Drawings still show one node per use.
_CONSTANTS = {}
_MAX_CONSTANTS = 1024  # a loop over ever new numbers (x * i) starts the cache over


def constant(value, dtype):
    """The tensor of the Python number `value` as `dtype`, shared (see _CONSTANTS)."""
    key = (type(value), value, dtype)
    tensor = _CONSTANTS.get(key) if value else None  # 0.0 == -0.0: zeros are not shared
    if tensor is None:
        array = np.asarray(value, dtype=dtype)
        array.setflags(write=False)
        tensor = autograd.Tensor._make(array, False, None, CONSTANT_VERSION)
        if value:
            if len(_CONSTANTS) >= _MAX_CONSTANTS:
                _CONSTANTS.clear()
            _CONSTANTS[key] = tensor
    return tensor


def _operands(t, other, op: str):
    """(t, other) as Tensors of one dtype; t is a Tensor."""
    Tensor = autograd.Tensor
    if not isinstance(other, Tensor):
        if isinstance(other, (np.ndarray, np.generic)):
            other = Tensor._make(np.asarray(other))
            checks.operand_dtype(other._data, op, t)
        elif isinstance(other, (int, float)):  # bool is an int
            dtype = t._data.dtype
            if dtype.kind != "f":
                dtype = result_type(t._data, other, op)
                if dtype.kind in "iu":
                    checks.fits_dtype(other, dtype, op)
            return (t if dtype == t._data.dtype else t.to(dtype)), constant(other, dtype)
        else:
            checks.operand_types(t, other, op)
    if other._data.dtype == t._data.dtype:
        return t, other
    dtype = result_type(t._data, other._data, op)
    return t.to(dtype), other.to(dtype)


def _integer_division(t, other):
    """Operands of int_tensor / other. int / int is float32, from the original values: an
    int operand is never narrowed to the other's int dtype first (a 0-d int16 300 / an
    int8 tensor would wrap 300 around; int8 / 300 would fail to cast 300 to int8)."""
    if isinstance(other, (np.ndarray, np.generic)) and other.dtype.kind in "biu":
        other = autograd.Tensor._make(np.asarray(other))
    if isinstance(other, autograd.Tensor) and other._data.dtype.kind != "f":
        return to_float(t), to_float(other)
    if isinstance(other, int):
        return to_float(t), other
    return t, other


def _holds_bools(value) -> bool:
    """bool ** bool: NumPy answers in int8, PyTorch's result is int64 (as for bool ** 2)."""
    return isinstance(value, (bool, np.bool_)) or (
        isinstance(value, (autograd.Tensor, np.ndarray)) and value.dtype == bool_)


def power_operands(base, exponent):
    """base ** exponent as PyTorch types it. A Python-number exponent of a Tensor stays
    a number (ops.PowScalar: its derivative needs no log); bool ** bool counts in int64."""
    Tensor = autograd.Tensor
    if isinstance(base, Tensor):
        if isinstance(exponent, np.floating) and base.dtype.kind == "f":
            exponent = exponent.item()  # NumPy's float64 scalar would upcast; PyTorch's not
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            if base.dtype.kind == "f":
                return base, exponent
            if isinstance(exponent, float):
                return to_float(base), exponent
            base = base.to(DEFAULT_INT) if base.dtype == bool_ else base  # NumPy: int8
            return base, checks.fits_dtype(exponent, base.dtype, "**")
    if _holds_bools(base) and _holds_bools(exponent):
        if isinstance(base, Tensor):
            return base.to(DEFAULT_INT), exponent
        return base, exponent.to(DEFAULT_INT)
    return base, exponent


def clamp_operands(x, low, high):
    """clamp's tensor and bounds, ready for NumPy: an int tensor with a float bound
    becomes float32 (PyTorch's promotion); an int bound must fit an int tensor's dtype."""
    low, high = checks.clamp_bounds(low, high)
    if x.dtype.kind in "iu":
        if isinstance(low, float) or isinstance(high, float):
            return to_float(x), low, high
        for bound in (low, high):
            if bound is not None:
                checks.fits_dtype(bound, x.dtype, "clamp")
    return x, low, high


def matmul_operands(a, b):
    """Both operands of a matrix product as Tensors of one dtype (arrays are wrapped;
    numbers are refused: a product of matrices needs at least one dimension)."""
    Tensor = autograd.Tensor
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        return a, b  # the common case: nothing to convert
    x = a if isinstance(a, Tensor) else as_tensor(a, "matmul")
    y = b if isinstance(b, Tensor) else as_tensor(b, "matmul")
    if x is None or y is None:
        raise TypeError("matmul: both arguments must be Tensors or arrays")
    return promote(x, y, "@")


def tensor_list(tensors, op: str) -> list:
    """The tensors to join (cat, stack), as a list; arrays are wrapped."""
    checks.sequence_of_tensors(tensors, op)
    tensors = [as_tensor(t, op) for t in tensors]
    checks.non_empty_tensors(tensors, op)
    return tensors


def common_dtype(tensors, op: str):
    """cat/stack promote like a chain of binary ops between dimensioned tensors."""
    top = max(CATEGORY[t.dtype.kind] for t in tensors)
    return functools.reduce(lambda a, b: promote_types(a, b, op),
                            [t.dtype for t in tensors if CATEGORY[t.dtype.kind] == top])


def cat_operands(tensors, dim):
    """cat's tensors, all of one dtype, and the axis they are joined along."""
    tensors = tensor_list(tensors, "cat")
    axis = checks.cat_shapes(tensors, dim)
    dtype = common_dtype(tensors, "cat")
    return [t.to(dtype) for t in tensors], axis
