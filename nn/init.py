"""Weight initialisation, with PyTorch's signatures and formulas.

Every function fills its tensor in place (under `tg.no_grad()`, so it works on
Parameters and bumps their version counter) and returns the same tensor.
Random values come from `tg.generator()` — seeded by `tg.manual_seed(n)` — or
from the NumPy Generator passed as `generator=`.

Fans of a weight of shape (out, in, *kernel): fan_in = in·∏kernel,
fan_out = out·∏kernel.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import checks


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended scale for a nonlinearity: 1 for linear/sigmoid, 5/3 for
    tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope = param or 0.01),
    3/4 for selu."""
    linear_fns = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode: str) -> int:
    if not isinstance(mode, str):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    """Write `values` into `tensor` (checked by the caller) in place, cast to its dtype,
    and return it."""
    with tg.no_grad():
        tensor[...] = values
    return tensor


def _rng(generator, function: str):
    if generator is None:
        return tg.generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"nn.init.{function}: generator must be a numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    return generator


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with samples of U(a, b)."""
    checks.tensor(tensor, "nn.init.uniform_", "tensor")
    # finite numbers: NumPy would parse strings, store None as nan, or fail inside
    checks.number(a, "nn.init.uniform_", "a", finite=True)
    checks.number(b, "nn.init.uniform_", "b", finite=True)
    if a > b:
        raise ValueError(f"nn.init.uniform_: expects a <= b, but got a={a} > b={b}")
    return _fill(tensor, _rng(generator, "uniform_").uniform(a, b, size=tensor.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with samples of N(mean, std²)."""
    checks.tensor(tensor, "nn.init.normal_", "tensor")
    checks.number(mean, "nn.init.normal_", "mean", finite=True)
    checks.number(std, "nn.init.normal_", "std", finite=True)
    if std < 0:
        raise ValueError(f"nn.init.normal_: expects std >= 0.0, but found std {std}")
    std = std + 0.0  # -0.0 is a valid std, but NumPy refuses it as negative
    return _fill(tensor, _rng(generator, "normal_").normal(mean, std, size=tensor.shape))


def constant_(tensor, val: float):
    """Fill with `val`."""
    checks.tensor(tensor, "nn.init.constant_", "tensor")
    checks.number(val, "nn.init.constant_", "val")
    return _fill(tensor, val)


def zeros_(tensor):
    checks.tensor(tensor, "nn.init.zeros_", "tensor")
    return _fill(tensor, 0)


def ones_(tensor):
    checks.tensor(tensor, "nn.init.ones_", "tensor")
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot: U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    checks.tensor(tensor, "nn.init.xavier_uniform_", "tensor")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot: N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    checks.tensor(tensor, "nn.init.xavier_normal_", "tensor")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _zero_element(tensor) -> bool:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None):
    """He: U(−bound, bound) with bound = gain·√(3 / fan), gain = calculate_gain(
    nonlinearity, a). Linear's default is a = √5, which makes bound = 1/√fan_in."""
    checks.tensor(tensor, "nn.init.kaiming_uniform_", "tensor")
    if _zero_element(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None):
    """He: N(0, std²) with std = gain / √fan."""
    checks.tensor(tensor, "nn.init.kaiming_normal_", "tensor")
    if _zero_element(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
