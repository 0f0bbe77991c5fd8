"""Factories (zeros, ones, randn, ...) and the framework's seeded random generator."""
from __future__ import annotations

import numpy as np

from . import checks
from .dtypes import DEFAULT_FLOAT, DEFAULT_INT
from .tensor import Tensor

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator behind randn, rand, randint and nn.init."""
    global _generator
    seed = checks.integer(seed, "manual_seed", "seed")
    _generator = np.random.default_rng(int(seed) % 2**64)  # negative seeds work, as in PyTorch


def generator() -> np.random.Generator:
    """The framework's NumPy generator (what manual_seed seeds)."""
    return _generator


def _finish(array, dtype, requires_grad, default=DEFAULT_FLOAT, op="factory"):
    dtype = checks.dtype(default if dtype is None else dtype, op)
    return Tensor(array.astype(dtype, copy=False), requires_grad=requires_grad)


def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (editing one edits the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    checks.dtype(array.dtype, "from_numpy")
    return Tensor._make(array)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(checks.new_size(size, "zeros")), dtype, requires_grad, op="zeros")


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(checks.new_size(size, "ones")), dtype, requires_grad, op="ones")


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    default = (np.bool_ if isinstance(fill_value, bool) else DEFAULT_INT
               if isinstance(fill_value, (int, np.integer)) else DEFAULT_FLOAT)
    checks.full_value(fill_value, checks.dtype(default if dtype is None else dtype, "full"), "full")
    return _finish(np.full(checks.new_size((size,), "full"), fill_value), dtype, requires_grad, default, "full")


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(checks.like(t, "zeros_like").shape), dtype or t.dtype, requires_grad,
                   op="zeros_like")


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(checks.like(t, "ones_like").shape), dtype or t.dtype, requires_grad,
                   op="ones_like")


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    dtype = checks.dtype(dtype or checks.like(t, "full_like").dtype, "full_like")
    checks.full_value(fill_value, dtype, "full_like")
    return _finish(np.full(t.shape, fill_value), dtype, requires_grad, op="full_like")


def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples from the framework's generator."""
    dtype = checks.float_dtype(dtype, "randn")
    return _finish(_generator.standard_normal(checks.new_size(size, "randn")), dtype, requires_grad, op="randn")


def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1) from the framework's generator."""
    dtype = checks.float_dtype(dtype, "rand")
    return _finish(_generator.random(checks.new_size(size, "rand")), dtype, requires_grad, op="rand")


def randint(low, high, size, dtype=None) -> Tensor:
    """Integers uniform in [low, high)."""
    checks.integer(low, "randint", "low"), checks.integer(high, "randint", "high")
    if low >= high:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    return _finish(_generator.integers(low, high, checks.new_size((size,), "randint")), dtype,
                   False, DEFAULT_INT, "randint")


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    checks.range_bounds("arange", start=start, end=end, step=step)
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
    checks.range_bounds("linspace", start=start, end=end)
    checks.count(steps, "linspace", "steps")
    return _finish(np.linspace(start, end, steps), dtype, requires_grad, op="linspace")


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    checks.count(n, "eye", "n")
    if m is not None:
        checks.count(m, "eye", "m")
    return _finish(np.eye(n, m), dtype, requires_grad, op="eye")
