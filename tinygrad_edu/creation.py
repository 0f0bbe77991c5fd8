"""Factories (zeros, ones, randn, ...) and the framework's seeded random generator."""
from __future__ import annotations

import math

import numpy as np

from .dims import _shape_args
from .dtypes import DEFAULT_FLOAT, DEFAULT_INT, _check_dtype, _fits_integer_dtype, _is_number
from .tensor import Tensor

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator behind randn, rand, randint and nn.init."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed) % 2**64)  # negative seeds work, as in PyTorch


def generator() -> np.random.Generator:
    """The framework's NumPy generator (what manual_seed seeds)."""
    return _generator


def _size(size, op: str) -> tuple:
    """zeros(2, 3) and zeros((2, 3)) both give (2, 3); sizes must not be negative."""
    shape = _shape_args(size, op)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension "
                           f"{min(shape)}: {list(shape)}")
    return shape


def _finish(array, dtype, requires_grad, default=DEFAULT_FLOAT, op="factory"):
    dtype = _check_dtype(default if dtype is None else dtype, op)
    return Tensor(array.astype(dtype, copy=False), requires_grad=requires_grad)


def _float_dtype(dtype, op: str):
    """Random floats cannot be stored in an int or bool tensor (they would all truncate)."""
    if dtype is not None and _check_dtype(dtype, op).kind != "f":
        raise TypeError(f"{op}: dtype must be a floating-point dtype, got {np.dtype(dtype)}")
    return dtype


def _check_fill_value(fill_value, dtype, op: str) -> None:
    """A number that the tensor's dtype can hold (NumPy would turn None into nan,
    parse strings, and wrap 300 around in int8 or nan into an arbitrary integer)."""
    if not _is_number(fill_value):
        raise TypeError(f"{op}: fill_value must be a number, got {type(fill_value).__name__}")
    dtype = np.dtype(dtype)
    if dtype.kind in "iub" and not math.isfinite(fill_value):
        raise ValueError(f"{op}: cannot fill a tensor of dtype {dtype} with {fill_value}")
    if dtype.kind in "iu" and not _fits_integer_dtype(fill_value, dtype):
        raise RuntimeError(f"{op}: value {fill_value} cannot be converted to type {dtype} "
                           f"without overflow")


def _like(t, op: str) -> Tensor:
    if not isinstance(t, (Tensor, np.ndarray)):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")
    return t


def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (editing one edits the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    _check_dtype(array.dtype, "from_numpy")
    return Tensor._make(array)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(_size(size, "zeros")), dtype, requires_grad, op="zeros")


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(_size(size, "ones")), dtype, requires_grad, op="ones")


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    default = (np.bool_ if isinstance(fill_value, bool) else DEFAULT_INT
               if isinstance(fill_value, (int, np.integer)) else DEFAULT_FLOAT)
    _check_fill_value(fill_value, _check_dtype(default if dtype is None else dtype, "full"), "full")
    return _finish(np.full(_size((size,), "full"), fill_value), dtype, requires_grad, default, "full")


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(_like(t, "zeros_like").shape), dtype or t.dtype, requires_grad,
                   op="zeros_like")


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(_like(t, "ones_like").shape), dtype or t.dtype, requires_grad,
                   op="ones_like")


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    dtype = _check_dtype(dtype or _like(t, "full_like").dtype, "full_like")
    _check_fill_value(fill_value, dtype, "full_like")
    return _finish(np.full(t.shape, fill_value), dtype, requires_grad, op="full_like")


def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples from the framework's generator."""
    dtype = _float_dtype(dtype, "randn")
    return _finish(_generator.standard_normal(_size(size, "randn")), dtype, requires_grad, op="randn")


def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1) from the framework's generator."""
    dtype = _float_dtype(dtype, "rand")
    return _finish(_generator.random(_size(size, "rand")), dtype, requires_grad, op="rand")


def randint(low, high, size, dtype=None) -> Tensor:
    """Integers uniform in [low, high)."""
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an int, got {type(value).__name__}")
    if low >= high:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    return _finish(_generator.integers(low, high, _size((size,), "randint")), dtype,
                   False, DEFAULT_INT, "randint")


def _check_range_bounds(op: str, **bounds) -> None:
    for name, value in bounds.items():
        if not _is_number(value) or isinstance(value, bool):
            raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"{op}: {name} must be finite, got {value}")


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    _check_range_bounds("arange", start=start, end=end, step=step)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    default = DEFAULT_FLOAT if any(isinstance(v, float) for v in (start, end, step)) else DEFAULT_INT
    try:
        values = np.arange(start, end, step)
    except (ValueError, MemoryError) as error:  # e.g. a step of 1e-300
        raise RuntimeError(f"arange: cannot build the range from {start} to {end} in steps of "
                           f"{step} ({error})") from None
    return _finish(values, dtype, requires_grad, default, "arange")


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    _check_range_bounds("linspace", start=start, end=end)
    _check_count("linspace", "steps", steps)
    return _finish(np.linspace(start, end, steps), dtype, requires_grad, op="linspace")


def _check_count(op: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise RuntimeError(f"{op}: {name} must be non-negative, got {value}")


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    _check_count("eye", "n", n)
    if m is not None:
        _check_count("eye", "m", m)
    return _finish(np.eye(n, m), dtype, requires_grad, op="eye")
