"""dtypes: which ones a Tensor holds, PyTorch's promotion rules (not NumPy's), and
turning user data into arrays without silent conversions."""
from __future__ import annotations

import numbers
import sys

import numpy as np

float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int8, int16, int32, int64 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64)
uint8, bool_ = np.dtype(np.uint8), np.dtype(np.bool_)
DEFAULT_FLOAT, DEFAULT_INT = float32, int64

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating point
_DEFAULT_OF_CATEGORY = {0: bool_, 1: DEFAULT_INT, 2: DEFAULT_FLOAT}
SUPPORTED_DTYPES = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_,
                    np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64))


def _check_dtype(dtype, where: str) -> np.dtype:
    if dtype is None:  # np.dtype(None) would silently mean float64
        raise TypeError(f"{where}: None is not a dtype")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a dtype") from None
    if dtype not in SUPPORTED_DTYPES:
        raise TypeError(f"{where}: dtype {dtype} is not supported; use a float, int or bool "
                        f"dtype ({', '.join(str(d) for d in SUPPORTED_DTYPES)})")
    return dtype


def _priority(value) -> int:
    """PyTorch ranks operands: dimensioned tensors 2, 0-d tensors and NumPy scalars 1,
    Python numbers 0. A lower rank sets the dtype only if its category is higher."""
    return 2 if value.ndim else 1


def result_type(a: np.ndarray, b) -> np.dtype:
    """dtype of `a (op) b` by PyTorch's rules; `b` is an array or a Python number."""
    da = a.dtype
    if isinstance(b, np.ndarray):
        db = b.dtype
        if da == db:
            return da
        ca, cb = _CATEGORY[da.kind], _CATEGORY[db.kind]
        pa, pb = _priority(a), _priority(b)
        if pa == pb or ca == cb:
            if ca != cb:
                return da if ca > cb else db
            return _promote_types(da, db) if pa == pb else (da if pa > pb else db)
        high, low = (da, db) if pa > pb else (db, da)
        return low if _CATEGORY[low.kind] > _CATEGORY[high.kind] else high
    category = 0 if isinstance(b, bool) else 1 if isinstance(b, int) else 2
    return da if category <= _CATEGORY[da.kind] else _DEFAULT_OF_CATEGORY[category]


def _promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """np.promote_types, except that two integer dtypes never give a float: NumPy turns
    uint64 with a signed int into float64 (losing precision); PyTorch refuses."""
    dtype = np.promote_types(a, b)
    if dtype.kind == "f" and a.kind in "iu" and b.kind in "iu":
        raise TypeError(f"{_calling_op()}: no integer dtype holds both {a} and {b} "
                        f"(convert one of them with .to(...))")
    return dtype


# The methods that bring two operands to one dtype, and the op each one stands for.
_OPERATOR_OF_METHOD = {
    "__add__": "+", "__radd__": "+", "__iadd__": "+=", "__sub__": "-", "__rsub__": "-",
    "__isub__": "-=", "__mul__": "*", "__rmul__": "*", "__imul__": "*=", "__truediv__": "/",
    "__rtruediv__": "/", "__itruediv__": "/=", "__pow__": "**", "__rpow__": "**",
    "__matmul__": "@", "__rmatmul__": "@", "__lt__": "<", "__le__": "<=", "__gt__": ">",
    "__ge__": ">=", "__eq__": "==", "__ne__": "!=", "matmul": "matmul", "maximum": "maximum",
    "minimum": "minimum", "where": "where", "cat": "cat", "stack": "stack",
}


def _calling_op() -> str:
    """The operator being evaluated, read from the call stack. Only error messages use
    it, so that the hot paths (_operands, _binary) need not pass the op's name along."""
    frame = sys._getframe(1)
    for _ in range(6):
        frame = frame.f_back
        if frame is None:
            break
        op = _OPERATOR_OF_METHOD.get(frame.f_code.co_name)
        if op is not None:
            return op
    return "binary op"


def _is_number(value) -> bool:
    """A real number (Python or NumPy), bools included; not complex, not strings."""
    return isinstance(value, numbers.Real)


def _python_data_to_array(data, dtype):
    try:
        # np.array(["1.5", None, 1j], dtype=float32) would parse the string, turn None into
        # nan and drop the imaginary part: look at the data as it is first
        found = np.array(data).dtype if dtype is not None else None
        if found is None or found.kind in "biuf":
            array = np.array(data, dtype=dtype)
    except (ValueError, OverflowError, TypeError) as error:
        raise _builtin_error(error)(f"tensor: cannot build a tensor from this data "
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


def _fits_integer_dtype(value, dtype: np.dtype) -> bool:
    info = np.iinfo(dtype)
    return info.min <= value <= info.max


def _builtin_error(error: Exception) -> type:
    """The built-in class to re-raise `error` as with a better message: NumPy's own
    subclasses (e.g. its UFuncTypeError) cannot be built from a message alone."""
    if isinstance(error, OverflowError):
        return ValueError
    return next((kind for kind in (IndexError, KeyError, TypeError, ValueError)
                 if isinstance(error, kind)), RuntimeError)
