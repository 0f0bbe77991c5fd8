"""Factories (zeros, ones, randn, ...) and the framework's seeded random generator."""
from __future__ import annotations

import numpy as np

from .tensor import DEFAULT_FLOAT, DEFAULT_INT, Tensor, _check_dtype, _shape_args

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator behind randn, rand, randint and nn.init."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The framework's NumPy generator (what manual_seed seeds)."""
    return _generator


def _finish(array, dtype, requires_grad, default=DEFAULT_FLOAT):
    dtype = _check_dtype(default if dtype is None else dtype, "factory")
    return Tensor(array.astype(dtype, copy=False), requires_grad=requires_grad)


def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (editing one edits the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    _check_dtype(array.dtype, "from_numpy")
    return Tensor._make(array)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(_shape_args(size, "zeros")), dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(_shape_args(size, "ones")), dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    default = (np.bool_ if isinstance(fill_value, bool) else DEFAULT_INT
               if isinstance(fill_value, int) else DEFAULT_FLOAT)
    return _finish(np.full(_shape_args((size,), "full"), fill_value), dtype, requires_grad, default)


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.zeros(t.shape), dtype or t.dtype, requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.ones(t.shape), dtype or t.dtype, requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.full(t.shape, fill_value), dtype or t.dtype, requires_grad)


def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples from the framework's generator."""
    return _finish(_generator.standard_normal(_shape_args(size, "randn")), dtype, requires_grad)


def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1) from the framework's generator."""
    return _finish(_generator.random(_shape_args(size, "rand")), dtype, requires_grad)


def randint(low, high, size, dtype=None) -> Tensor:
    return _finish(_generator.integers(low, high, _shape_args((size,), "randint")), dtype,
                   False, DEFAULT_INT)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    default = DEFAULT_FLOAT if any(isinstance(v, float) for v in (start, end, step)) else DEFAULT_INT
    return _finish(np.arange(start, end, step), dtype, requires_grad, default)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.linspace(start, end, steps), dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return _finish(np.eye(n, m), dtype, requires_grad)
