"""dtypes: which ones a Tensor holds and PyTorch's promotion rules (not NumPy's).

Pure rules on dtypes and arrays; operands.py applies them to Tensors.
"""
from __future__ import annotations

import numpy as np

float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int8, int16, int32, int64 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64)
uint8, bool_ = np.dtype(np.uint8), np.dtype(np.bool_)
DEFAULT_FLOAT, DEFAULT_INT = float32, int64

CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating point
_DEFAULT_OF_CATEGORY = {0: bool_, 1: DEFAULT_INT, 2: DEFAULT_FLOAT}
SUPPORTED_DTYPES = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_,
                    np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64))


def _priority(value) -> int:
    """PyTorch ranks operands: dimensioned tensors 2, 0-d tensors and NumPy scalars 1,
    Python numbers 0. A lower rank sets the dtype only if its category is higher."""
    return 2 if value.ndim else 1


def result_type(a: np.ndarray, b, op: str = "binary op") -> np.dtype:
    """dtype of `a (op) b` by PyTorch's rules; `b` is an array or a Python number."""
    da = a.dtype
    if isinstance(b, np.ndarray):
        db = b.dtype
        if da == db:
            return da
        ca, cb = CATEGORY[da.kind], CATEGORY[db.kind]
        pa, pb = _priority(a), _priority(b)
        if pa == pb or ca == cb:
            if ca != cb:
                return da if ca > cb else db
            return promote_types(da, db, op) if pa == pb else (da if pa > pb else db)
        high, low = (da, db) if pa > pb else (db, da)
        return low if CATEGORY[low.kind] > CATEGORY[high.kind] else high
    category = 0 if isinstance(b, bool) else 1 if isinstance(b, int) else 2
    return da if category <= CATEGORY[da.kind] else _DEFAULT_OF_CATEGORY[category]


def promote_types(a: np.dtype, b: np.dtype, op: str) -> np.dtype:
    """np.promote_types, except that two integer dtypes never give a float: NumPy turns
    uint64 with a signed int into float64 (losing precision); PyTorch refuses."""
    dtype = np.promote_types(a, b)
    if dtype.kind == "f" and a.kind in "iu" and b.kind in "iu":
        raise TypeError(f"{op}: no integer dtype holds both {a} and {b} "
                        f"(convert one of them with .to(...))")
    return dtype


def fits(value, dtype: np.dtype) -> bool:
    """Whether the integer dtype holds the number `value`."""
    info = np.iinfo(dtype)
    return info.min <= value <= info.max
