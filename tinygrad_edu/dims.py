"""dims and sizes as users give them (ints, tuples, negative dims, NumPy's axis=)
turned into what NumPy wants, with PyTorch's errors."""
from __future__ import annotations

import numpy as np


def _normalize_axes(dim, ndim: int, op: str, allow_tuple: bool = True):
    """dim (int, tuple or None) -> tuple of non-negative axes, with PyTorch's range error."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not allow_tuple and len(dims) != 1:
        raise TypeError(f"{op}: dim must be a single int, got {dim!r}")
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    axes = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int, got {type(d).__name__}")
        if not low <= d <= high:
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                             f"[{low}, {high}], but got {d})")
        axes.append(d % max(ndim, 1))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
    return tuple(axes) if ndim else ()


def _axis(dim, ndim: int, op: str) -> int:
    """One dim -> its non-negative axis."""
    if dim is None:  # _normalize_axes reads None as "all dims"; here one dim is needed
        raise TypeError(f"{op}: dim must be an int, got None")
    axes = _normalize_axes(dim, ndim, op, allow_tuple=False)
    return axes[0] if axes else 0


def _dim_alias(dim, axis, keepdim, keepdims, op):
    """Accept NumPy's axis=/keepdims= as aliases of dim=/keepdim=."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _shape_args(shape, op):
    """reshape(2, 3) and reshape((2, 3)) both give (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be ints, got {shape!r}")
    return tuple(int(n) for n in shape)
