"""Factories (zeros, ones, randn, ...), random generators and PyTorch's seeding API.

Every factory takes PyTorch's dtype=, device= (the CPU: devices.py) and requires_grad=.
The random ones take generator= (a `tg.Generator`) and otherwise draw from the default
generator, which `tg.manual_seed(n)` seeds (nn.init and DataLoader's shuffling draw
from it too). Values cannot equal PyTorch's: the generators differ (NumPy's PCG64).
"""
from __future__ import annotations

import secrets

import numpy as np

from . import checks, devices, jit
from .dtypes import DEFAULT_FLOAT, DEFAULT_INT, int64
from .tensor import Tensor

# ----------------------------------------------------------------------------
# generators


class Generator:
    """PyTorch's torch.Generator: a seed and the NumPy generator it seeds (`.generator`).

    A new one starts from PyTorch's default seed, 67280421310721. `manual_seed(n)`
    reseeds it and returns it, so `tg.Generator().manual_seed(0)` can be passed as
    `generator=` in one expression.
    """

    DEFAULT_SEED = 67280421310721

    def __init__(self, device="cpu"):
        self.device = devices.device(device)
        self.manual_seed(self.DEFAULT_SEED)

    def manual_seed(self, seed) -> Generator:
        """Reseed from `seed`, an int in [-2**63, 2**64) (negative ones wrap around)."""
        self._initial_seed = checks.seed(seed)
        self.generator = np.random.default_rng(self._initial_seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        new_seed = secrets.randbits(64)
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._initial_seed

    def __repr__(self):
        return f"<tinygrad_edu.Generator initial_seed={self._initial_seed}>"


default_generator = Generator()
default_generator.seed()  # a fresh seed per process, as PyTorch's default generator


def manual_seed(seed) -> Generator:
    """Seed the default generator (behind randn, rand, randint, nn.init, DataLoader)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def generator() -> np.random.Generator:
    """The default generator's NumPy generator (what manual_seed seeds)."""
    return default_generator.generator


def _rng(generator_, op: str) -> np.random.Generator:
    """The NumPy generator to draw from: generator=, else the default one."""
    jit.refuse(f"tg.{op}", "draws random numbers")
    found = checks.random_generator(generator_, op)
    return default_generator.generator if found is None else found


# ----------------------------------------------------------------------------
# from data


def _finish(array, dtype, requires_grad, default=DEFAULT_FLOAT, op="factory"):
    dtype = checks.dtype(default if dtype is None else dtype, op)
    return Tensor(array.astype(dtype, copy=False), requires_grad=requires_grad)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor holding a copy of `data` (pin_memory is a CUDA matter: ignored)."""
    checks.cpu_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (editing one edits the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    checks.dtype(array.dtype, "from_numpy")
    return Tensor._make(array)


# ----------------------------------------------------------------------------
# filled


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "zeros")
    return _finish(np.zeros(checks.new_size(size, "zeros")), dtype, requires_grad, op="zeros")


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "ones")
    return _finish(np.ones(checks.new_size(size, "ones")), dtype, requires_grad, op="ones")


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """PyTorch leaves the values unset; here they are zeros (never another array's bytes)."""
    checks.cpu_device(device, "empty")
    return _finish(np.zeros(checks.new_size(size, "empty")), dtype, requires_grad, op="empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "full")
    default = (np.bool_ if isinstance(fill_value, bool) else DEFAULT_INT
               if isinstance(fill_value, (int, np.integer)) else DEFAULT_FLOAT)
    checks.full_value(fill_value, checks.dtype(default if dtype is None else dtype, "full"), "full")
    return _finish(np.full(checks.new_size((size,), "full"), fill_value), dtype, requires_grad, default, "full")


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "zeros_like")
    return _finish(np.zeros(checks.like(t, "zeros_like").shape), dtype or t.dtype, requires_grad,
                   op="zeros_like")


def ones_like(t: Tensor, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "ones_like")
    return _finish(np.ones(checks.like(t, "ones_like").shape), dtype or t.dtype, requires_grad,
                   op="ones_like")


def empty_like(t: Tensor, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros, like `empty`."""
    checks.cpu_device(device, "empty_like")
    return _finish(np.zeros(checks.like(t, "empty_like").shape), dtype or t.dtype, requires_grad,
                   op="empty_like")


def full_like(t: Tensor, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "full_like")
    dtype = checks.dtype(dtype or checks.like(t, "full_like").dtype, "full_like")
    checks.full_value(fill_value, dtype, "full_like")
    return _finish(np.full(t.shape, fill_value), dtype, requires_grad, op="full_like")


# ----------------------------------------------------------------------------
# random


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    checks.cpu_device(device, "randn")
    dtype = checks.float_dtype(dtype, "randn")
    samples = _rng(generator, "randn").standard_normal(checks.new_size(size, "randn"))
    return _finish(samples, dtype, requires_grad, op="randn")


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1)."""
    checks.cpu_device(device, "rand")
    dtype = checks.float_dtype(dtype, "rand")
    samples = _rng(generator, "rand").random(checks.new_size(size, "rand"))
    return _finish(samples, dtype, requires_grad, op="rand")


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size)."""
    checks.cpu_device(device, "randint")
    low, high, size = checks.randint_args(args, low, high, size)
    integers = _rng(generator, "randint").integers(low, high, checks.new_size((size,), "randint"))
    return _finish(integers, dtype, requires_grad, DEFAULT_INT, "randint")


def rand_like(t: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples in [0, 1) of t's shape and (floating) dtype."""
    checks.cpu_device(device, "rand_like")
    dtype = checks.float_dtype(dtype or checks.like(t, "rand_like").dtype, "rand_like")
    return _finish(_rng(generator, "rand_like").random(t.shape), dtype, requires_grad, op="rand_like")


def randn_like(t: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples of t's shape and (floating) dtype."""
    checks.cpu_device(device, "randn_like")
    dtype = checks.float_dtype(dtype or checks.like(t, "randn_like").dtype, "randn_like")
    samples = _rng(generator, "randn_like").standard_normal(t.shape)
    return _finish(samples, dtype, requires_grad, op="randn_like")


def randint_like(t: Tensor, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False) -> Tensor:
    """Integers uniform in [low, high) of t's shape and dtype: randint_like(t, high) or
    randint_like(t, low, high)."""
    checks.cpu_device(device, "randint_like")
    checks.like(t, "randint_like")
    low, high, _ = checks.randint_args((low, high) if high is not None else (low,), None, None,
                                       t.shape, op="randint_like")
    integers = _rng(generator, "randint_like").integers(low, high, t.shape)
    return _finish(integers, dtype or t.dtype, requires_grad, op="randint_like")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples: normal(mean, std, size) with numbers, or elementwise with a tensor
    mean and/or std (their broadcast shape). The result carries no gradient (PyTorch's
    has a zero one)."""
    checks.cpu_device(device, "normal")
    shape, default = checks.normal_args(mean, std, size)
    dtype = checks.float_dtype(dtype, "normal")
    mean, std = (v._data if hasattr(v, "_data") else v for v in (mean, std))
    samples = _rng(generator, "normal").standard_normal(shape)
    return _finish(mean + std * samples, dtype, requires_grad, default, "normal")


def multinomial(input: Tensor, num_samples, replacement=False, *, generator=None) -> Tensor:
    """Indices drawn from the categories of each row of `input` (weights, not necessarily
    summing to 1). Without replacement the draw is sequential: each index once, chosen
    with probability proportional to its weight among those left; zero-weight categories
    come only after all others."""
    checks.multinomial_args(input, num_samples, replacement)
    rng = _rng(generator, "multinomial")
    weights = input._data.astype(np.float64).reshape(-1, input.shape[-1])
    if len(weights) == 0:  # no rows: no samples
        samples = np.zeros((0, num_samples), dtype=int64)
    elif replacement:
        cumulative = np.cumsum(weights, axis=1)
        draws = rng.random((len(weights), num_samples)) * cumulative[:, -1:]
        samples = np.stack([np.searchsorted(c, d, side="right") for c, d in zip(cumulative, draws)])
        last_positive = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
        samples = np.minimum(samples, last_positive[:, None])  # a draw rounded up to the total
    else:
        # The exponential race (PyTorch's method too): weight / Exp(1) per category; the
        # largest keys, in order, are a sequential weighted draw without replacement.
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = weights / rng.standard_exponential(weights.shape)
        samples = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(samples.reshape(input.shape[:-1] + (num_samples,)).astype(int64))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0, 1, ..., n − 1 (int64 by default)."""
    checks.cpu_device(device, "randperm")
    checks.integer(n, "randperm", "n")
    (n,) = checks.new_size((n,), "randperm")
    dtype = checks.randperm_dtype(n, DEFAULT_INT if dtype is None else dtype)
    return _finish(_rng(generator, "randperm").permutation(n), dtype, requires_grad, op="randperm")


# ----------------------------------------------------------------------------
# ranges


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "arange")
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


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "linspace")
    checks.range_bounds("linspace", start=start, end=end)
    checks.count(steps, "linspace", "steps")
    return _finish(np.linspace(start, end, steps), dtype, requires_grad, op="linspace")


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    checks.cpu_device(device, "eye")
    checks.count(n, "eye", "n")
    if m is not None:
        checks.count(m, "eye", "m")
    return _finish(np.eye(n, m), dtype, requires_grad, op="eye")
