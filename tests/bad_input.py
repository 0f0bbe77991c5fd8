"""The bad-input contract shared by the audit tests (test_bad_input_audit*.py).

Every public call, whatever it is given, either

* returns the right answer (checked against a NumPy reference by each test), or
* raises a documented exception — ValueError, TypeError, RuntimeError,
  IndexError, KeyError (OSError subclasses for file paths) — whose message
  names the op or function that was called.

Never a NumPy exception class or an AttributeError from deep inside, never a
message that does not say which op failed ("operands could not be broadcast
together" alone is a failure), never a warning turned into an error.

Floating-point warnings (overflow to inf, 0/0 = nan) are switched off with
np.errstate: inf and nan are the IEEE results, checked against the reference.
Any other warning but a plain UserWarning (PyTorch's own, copied) is a contract
failure, e.g. NumPy's RuntimeWarning "Mean of empty slice".

So every call to the code under test goes through `attempt` (setup calls on drawn
values too), and every line of reference arithmetic on drawn values runs inside
`ieee_arithmetic()` or `reference()`: pytest turns RuntimeWarnings into errors, and
which extreme values a run draws depends on the hypothesis version and the seed.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

DOCUMENTED_ERRORS = (ValueError, TypeError, RuntimeError, IndexError, KeyError)

# Hypothesis budget per test: the whole audit runs in a few seconds, on the same examples
# every time. TG_AUDIT_EXAMPLES=5000 runs a deeper audit on fresh random examples.
_DEEP = int(os.environ.get("TG_AUDIT_EXAMPLES", "0"))
AUDIT = settings(max_examples=_DEEP or 50, deadline=None, derandomize=not _DEEP,
                 database=None, suppress_health_check=list(HealthCheck))
SMALL_AUDIT = settings(AUDIT, max_examples=_DEEP or 30)

SUPPORTED_DTYPES = [np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64,
                                          np.uint8, np.float16, np.float32, np.float64)]
UNSUPPORTED_DTYPES = [np.dtype(t) for t in (object, np.complex64, np.complex128, "U3", "S3",
                                            "datetime64[s]")]
FLOAT_DTYPES = [np.dtype(t) for t in (np.float16, np.float32, np.float64)]
# arguments of the wrong type altogether
JUNK = [None, "a", "1.5", b"x", [1.0, "a"], {}, {"a": 1}, object(), 1 + 2j, {1, 2}]

supported_dtypes = st.sampled_from(SUPPORTED_DTYPES)
unsupported_dtypes = st.sampled_from(UNSUPPORTED_DTYPES)
junk = st.sampled_from(JUNK)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
nonempty_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def arrays(dtype, shape) -> st.SearchStrategy:
    """Arrays with every kind of value the dtype holds: nan, ±inf, extremes, subnormals."""
    return hnp.arrays(dtype, shape)


def unsupported_arrays(shape) -> st.SearchStrategy:
    def build(dtype, shape):
        if dtype == np.dtype(object):
            return np.full(shape, None, dtype=object)
        return np.zeros(shape, dtype=dtype)
    return st.builds(build, unsupported_dtypes, st.just(shape) if isinstance(shape, tuple) else shape)


def ieee_arithmetic():
    """For reference arithmetic on drawn values: overflow to ±inf, inf - inf = nan and
    0 · inf = nan are the IEEE results the code under test must match, not events to
    warn about. Never wrap the code under test in it: `attempt` does that for the
    floating-point flags alone and still fails on any other warning."""
    return np.errstate(all="ignore")


def attempt(call, names, *, also=()):
    """Run `call()`; return (result, None) or (None, error) for an error that keeps the
    contract: a documented type (or one of `also`), not a NumPy class, with a message
    that names one of `names`. Our own UserWarnings (PyTorch's, e.g. "Initializing
    zero-element tensors is a no-op") are fine; any other warning is a failure."""
    with np.errstate(all="ignore"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome = call(), None
        except Exception as error:  # noqa: BLE001 - judging every error is the point
            check_error(error, names, also)
            outcome = None, error
    escaped = [w for w in caught if not (w.category is UserWarning)]
    assert not escaped, f"a warning escaped: {escaped[0].category.__name__}: {escaped[0].message}"
    return outcome


def check_error(error, names, also=()):
    kind = type(error)
    message = str(error)
    assert not kind.__module__.startswith("numpy"), \
        f"a NumPy exception escaped: {kind.__name__}: {message}"
    assert isinstance(error, DOCUMENTED_ERRORS + tuple(also)), \
        f"undocumented exception type {kind.__name__}: {message}"
    assert any(name in message for name in names), \
        f"{kind.__name__} does not name the op (one of {names}): {message!r}"


def expect_error(call, names, kinds=DOCUMENTED_ERRORS, mentions=()):
    """`call()` must raise one of `kinds`, naming the op and every string of `mentions`."""
    result, error = attempt(call, names)
    assert error is not None, f"expected an error, got {result!r}"
    assert isinstance(error, kinds), f"expected {kinds}, got {type(error).__name__}: {error}"
    for text in mentions:
        assert str(text) in str(error), f"{text!r} not mentioned in: {error}"
    return error


def reference(call):
    """The NumPy reference value, or the exception NumPy raises (None, error)."""
    with ieee_arithmetic(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call(), None
        except Exception as error:  # noqa: BLE001
            return None, error


def assert_tensor_equals(result, expected, dtype=None):
    """A Tensor with the expected dtype, shape and values (nan where nan)."""
    assert isinstance(result, tg.Tensor), f"expected a Tensor, got {type(result).__name__}"
    expected = np.asarray(expected)
    dtype = expected.dtype if dtype is None else np.dtype(dtype)
    assert result.dtype == dtype, f"dtype {result.dtype}, expected {dtype}"
    assert result.shape == expected.shape, f"shape {result.shape}, expected {expected.shape}"
    with ieee_arithmetic():  # e.g. a float64 reference rounded to float16 overflows to inf
        expected_in_dtype = expected.astype(dtype)
    assert np.array_equal(result.numpy(force=True), expected_in_dtype,
                          equal_nan=dtype.kind == "f"), f"{result.numpy(force=True)} != {expected}"


def assert_tensor_close(result, expected, dtype, rtol, atol=0.0):
    """Like assert_tensor_equals, with a tolerance; nan and ±inf must match exactly."""
    assert isinstance(result, tg.Tensor), f"expected a Tensor, got {type(result).__name__}"
    expected = np.asarray(expected)
    assert result.dtype == np.dtype(dtype), f"dtype {result.dtype}, expected {dtype}"
    assert result.shape == expected.shape, f"shape {result.shape}, expected {expected.shape}"
    actual, expected = result.numpy(force=True).astype(np.float64), expected.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
