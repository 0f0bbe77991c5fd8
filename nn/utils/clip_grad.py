"""Gradient clipping, PyTorch's torch.nn.utils.clip_grad.

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

The gradients are changed in place (their arrays keep their identity), under
`tg.no_grad()`.
"""
from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import checks

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _tensor_list(tensors, function: str, what: str = "parameters") -> list:
    """A Tensor or any iterable of Tensors (model.parameters() is a generator), as a list."""
    if isinstance(tensors, Iterable) and not isinstance(tensors, tg.Tensor):
        tensors = list(tensors)
    return list(checks.tensors(tensors, what, function))


def _norm_order(norm_type, function: str) -> float:
    if isinstance(norm_type, str):
        if norm_type != "inf":
            raise ValueError(f"{function}: norm_type must be a number or 'inf', got {norm_type!r}")
        return math.inf
    return float(checks.real(norm_type, function, "norm_type"))


def _vector_norm(array: np.ndarray, order: float):
    """‖array‖_p over all elements, in the array's dtype (torch.linalg.vector_norm)."""
    flat = np.abs(array.reshape(-1))
    if order == math.inf:
        return flat.max(initial=0).astype(array.dtype)
    if order == -math.inf:
        return flat.min(initial=math.inf).astype(array.dtype)
    if order == 0:
        return np.asarray(np.count_nonzero(flat), dtype=array.dtype)
    if order == 1:
        return flat.sum(dtype=array.dtype)
    if order == 2:
        return np.sqrt(np.dot(flat, flat)).astype(array.dtype)
    with np.errstate(over="ignore", divide="ignore"):  # overflow gives inf, as in PyTorch
        return (flat ** order).sum(dtype=array.dtype) ** (1 / order)


@tg.no_grad()
def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite: bool = False, foreach=None):
    """The norm of all the tensors together, as if concatenated into one vector: the
    norm of the vector of their norms. Returns a 0-d Tensor (tensor(0.) for none)."""
    tensors = _tensor_list(tensors, "get_total_norm", "tensors")
    # one kernel for tg.jit: it reads the tensors in NumPy, so a replay reads them again
    return tg.jit.call(_get_total_norm, tensors, norm_type, error_if_nonfinite)


def _get_total_norm(tensors, norm_type, error_if_nonfinite):
    order = _norm_order(norm_type, "get_total_norm")
    if not tensors:
        return tg.tensor(0.0)
    norms = [_vector_norm(t.numpy(force=True), order) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.array(norms, dtype=dtype), order)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {order} for gradients from `parameters` is "
                           f"non-finite, so it cannot be clipped. To disable this error and scale "
                           f"the gradients by the non-finite norm anyway, set "
                           f"`error_if_nonfinite=False`")
    return tg.from_numpy(np.asarray(total, dtype=dtype))


@tg.no_grad()
def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None) -> None:
    """Scale every gradient by min(max_norm / (total_norm + 1e-6), 1), in place."""
    parameters = _tensor_list(parameters, "clip_grads_with_norm_")
    tg.jit.call(_clip_grads_with_norm, parameters, max_norm, total_norm)  # one kernel for tg.jit


def _clip_grads_with_norm(parameters, max_norm, total_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    max_norm = float(max_norm)
    total = total_norm.numpy(force=True) if isinstance(total_norm, tg.Tensor) else np.asarray(total_norm)
    coefficient = np.minimum(max_norm / (total + 1e-6), 1.0).astype(total.dtype)
    for grad in grads:
        array = grad.numpy(force=True)
        array *= coefficient.astype(grad.dtype)


@tg.no_grad()
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite: bool = False,
                    foreach=None):
    """Rescale the gradients of `parameters` so that their total norm (see
    get_total_norm) is at most max_norm: each gradient is multiplied by
    min(max_norm / (total + 1e-6), 1). Returns the total norm before clipping.
    norm_type may be inf ('inf'); error_if_nonfinite=True raises instead of scaling
    by a nan or infinite norm."""
    if isinstance(parameters, tg.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = _tensor_list(parameters, "clip_grad_norm_")
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    # one kernel for tg.jit: a replay clips the gradients of its own step
    return tg.jit.call(_clip_grad_norm, parameters, max_norm, norm_type, error_if_nonfinite)


def _clip_grad_norm(parameters, max_norm, norm_type, error_if_nonfinite):
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


@tg.no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place."""
    parameters = _tensor_list(parameters, "clip_grad_value_")
    clip_value = float(checks.real(clip_value, "clip_grad_value_", "clip_value"))
    tg.jit.call(_clip_grad_value, parameters, clip_value)  # one kernel for tg.jit, as above


def _clip_grad_value(parameters, clip_value):
    for p in parameters:
        if p.grad is not None:
            array = p.grad.numpy(force=True)
            np.clip(array, -clip_value, clip_value, out=array)
