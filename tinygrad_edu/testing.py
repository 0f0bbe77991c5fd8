"""Cross-check helpers: hand-derived gradients against autograd's, name by name.

The typical use is checking your own backprop::

    from tinygrad_edu.testing import assert_grads_match, compare_grads, grads_of

    hand = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}     # your NumPy deltas
    loss.backward()
    print(compare_grads(hand, grads_of(params)))              # a table, one row per name
    assert_grads_match(hand, grads_of(params))                # raises with that table

Both mappings go from a name to an ndarray, a Tensor (its values are used), a
number or ``None`` (a gradient that was never computed). Each row of the table says

* ``exact``    — bitwise equal (after promotion to a common dtype),
* ``close``    — within tolerance, elementwise ``|actual - expected| <= atol + rtol*|expected|``,
* ``MISMATCH`` — some element is out of tolerance, or holds NaN,
* ``SHAPE``    — the two arrays have different shapes,
* ``MISSING``  — the name is expected but ``actual`` lacks it (or its value is None),
* ``EXTRA``    — ``actual`` has a name that ``expected`` does not.

Upper-case statuses fail. The columns also give the largest absolute and relative
error, the index of the worst element (the one nearest to, or furthest past, its
tolerance) and both values there, printed in full (``repr``) so that the two
numbers can be told apart even when they differ only in the 16th digit.

Default tolerance (``rtol=1e-12``, ``atol=None``): two float64 computations of
the same gradient by different but correct routes (the article's formula and the
chain of autograd's local rules) differ by a few units in the last place per
operation, i.e. ~1e-16 relative, growing with the length of the sums in the
matrix products; 1e-12 leaves that a factor of >1000 of room and still catches
any real mistake (a wrong derivative is typically off by 1e-2 .. 1e2 relative).
``atol=None`` means "``rtol`` times the largest |expected| value of that
tensor": an element whose exact value cancels to ~0 is then judged against the
size of its neighbours rather than its own (tiny) size, where rounding errors
are large *relative* to it. Pass a number to use a fixed ``atol`` instead. For
float32 gradients use something like ``rtol=1e-5``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tensor import Tensor

DEFAULT_RTOL = 1e-12

EXACT, CLOSE = "exact", "close"
MISMATCH, SHAPE, MISSING, EXTRA = "MISMATCH", "SHAPE", "MISSING", "EXTRA"
PASSING = (EXACT, CLOSE)

_COLUMNS = ("name", "shape", "status", "max abs err", "max rel err", "worst index",
            "expected", "actual")


@dataclass(frozen=True)
class GradRow:
    """The comparison of one named gradient (one row of the report)."""

    name: str
    status: str
    expected_shape: tuple | None = None
    actual_shape: tuple | None = None
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    worst_index: tuple | None = None
    expected_value: float | None = None
    actual_value: float | None = None
    atol: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in PASSING

    def cells(self) -> tuple[str, ...]:
        """The row as the table's text cells."""
        if self.expected_shape is not None and self.actual_shape is not None \
                and self.expected_shape != self.actual_shape:
            shape = f"{self.expected_shape} vs {self.actual_shape}"
        else:
            shape = str(self.expected_shape if self.expected_shape is not None else self.actual_shape)
        if self.status == MISSING:
            return (self.name, shape, self.status, "-", "-", "-", "(present)", "None / absent")
        if self.status == EXTRA:
            return (self.name, shape, self.status, "-", "-", "-", "None / absent", "(present)")
        if self.status == SHAPE:
            return (self.name, shape, self.status, "-", "-", "-", "-", "-")
        worst = "-" if self.status == EXACT or self.worst_index is None else str(self.worst_index)
        return (self.name, shape, self.status, _number(self.max_abs_error),
                _number(self.max_rel_error), worst, _value(self.expected_value),
                _value(self.actual_value))


@dataclass(frozen=True)
class GradReport:
    """All rows of a comparison; ``str(report)`` is the printable table."""

    rows: tuple[GradRow, ...]
    rtol: float
    atol: float | None

    @property
    def ok(self) -> bool:
        """True when every row is exact or close."""
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> tuple[GradRow, ...]:
        return tuple(row for row in self.rows if not row.ok)

    def __getitem__(self, name: str) -> GradRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def summary(self) -> str:
        counts = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        order = (EXACT, CLOSE, MISMATCH, SHAPE, MISSING, EXTRA)
        parts = [f"{counts[s]} {s}" for s in order if s in counts] or ["nothing to compare"]
        atol = "rtol*max|expected| per tensor" if self.atol is None else f"{self.atol:g}"
        verdict = "all match" if self.ok else "GRADIENTS DIFFER"
        return (f"gradient check, {verdict}: {', '.join(parts)}  "
                f"(pass: |actual - expected| <= atol + rtol*|expected| elementwise; "
                f"rtol={self.rtol:g}, atol={atol})")

    def table(self) -> str:
        lines = [_COLUMNS] + [row.cells() for row in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(_COLUMNS))]
        text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
                for line in lines]
        text.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(text)

    def __str__(self) -> str:
        return self.summary() + "\n" + self.table()


def compare_grads(expected, actual, rtol: float = DEFAULT_RTOL, atol: float | None = None) -> GradReport:
    """Compare two name -> gradient mappings; returns a `GradReport` (print it for the table).

    ``expected`` and ``actual`` are mappings (or iterables of ``(name, value)``
    pairs) from names to ndarrays, Tensors, numbers or None. An element passes
    when ``|actual - expected| <= atol + rtol*|expected|``; ``atol=None`` (the
    default) uses ``rtol * max|expected|`` of each tensor (see the module docstring).
    """
    if rtol < 0 or (atol is not None and atol < 0):
        raise ValueError(f"compare_grads: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    expected, actual = _as_mapping(expected, "expected"), _as_mapping(actual, "actual")
    rows = []
    for name, value in expected.items():
        want = _as_array(value, name, "expected")
        got = _as_array(actual.get(name), name, "actual")
        rows.append(_compare_one(str(name), want, got, rtol, atol))
    for name, value in actual.items():
        if name not in expected:
            got = _as_array(value, name, "actual")
            if got is not None:
                rows.append(GradRow(str(name), EXTRA, actual_shape=got.shape))
    return GradReport(tuple(rows), rtol, atol)


def assert_grads_match(expected, actual, rtol: float = DEFAULT_RTOL, atol: float | None = None) -> GradReport:
    """Raise AssertionError, whose message is `compare_grads`' table, unless every name matches.

    Returns the report when everything matches (handy for printing it anyway).
    """
    report = compare_grads(expected, actual, rtol=rtol, atol=atol)
    if not report.ok:
        names = ", ".join(row.name for row in report.failures)
        raise AssertionError(f"gradients differ for: {names}\n{report}")
    return report


def grads_of(named_tensors) -> dict:
    """``{name: tensor.grad}`` from a mapping or ``(name, tensor)`` pairs,
    e.g. ``grads_of(model.named_parameters())``; a grad never computed stays None."""
    return {name: tensor.grad for name, tensor in _as_mapping(named_tensors, "named_tensors").items()}


# ----------------------------------------------------------------------------
# the comparison of one tensor


def _compare_one(name, want, got, rtol, atol) -> GradRow:
    if want is None and got is None:
        return GradRow(name, EXACT)  # both say "no gradient"
    if got is None:
        return GradRow(name, MISSING, expected_shape=want.shape)
    if want is None:
        return GradRow(name, EXTRA, actual_shape=got.shape)
    if want.shape != got.shape:
        return GradRow(name, SHAPE, expected_shape=want.shape, actual_shape=got.shape)
    common = np.result_type(want.dtype, got.dtype, np.float16)  # floats, so that NaN/inf exist
    want, got = want.astype(common), got.astype(common)
    scale = float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0))
    row_atol = rtol * scale if atol is None else atol
    if want.tobytes() == got.tobytes() and not np.isnan(want).any():  # (empty arrays end here)
        return GradRow(name, EXACT, want.shape, got.shape, 0.0, 0.0, atol=row_atol)

    flat_want, flat_got = want.reshape(-1).astype(np.float64), got.reshape(-1).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        error = np.abs(flat_got - flat_want)
        error[flat_want == flat_got] = 0.0  # equal infinities: no error (inf - inf would be NaN)
        error[np.isnan(flat_want) | np.isnan(flat_got)] = np.inf  # a NaN gradient never passes
        magnitude = np.abs(flat_want)
        relative = np.where(error == 0, 0.0, error / magnitude)
        tolerance = row_atol + rtol * magnitude
        tolerance[~np.isfinite(tolerance)] = 0.0  # an infinite expected value must match exactly
        excess = np.where(error == 0, 0.0, error / tolerance)  # > 1: out of tolerance
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), want.shape))
    status = CLOSE if float(np.max(excess)) <= 1.0 else MISMATCH
    return GradRow(name, status, want.shape, got.shape, float(np.max(error)),
                   float(np.max(relative)), worst, _item(want, worst), _item(got, worst), row_atol)


def _item(array, index):
    return None if array.size == 0 else array[index].item()


# ----------------------------------------------------------------------------
# input normalisation and formatting


def _as_mapping(value, which: str) -> dict:
    try:
        return dict(value)
    except (TypeError, ValueError):
        raise TypeError(f"compare_grads: {which} must be a mapping name -> gradient (or an "
                        f"iterable of (name, value) pairs), got {type(value).__name__}") from None


def _as_array(value, name, which: str):
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value._data
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"compare_grads: {which}[{name!r}] must be numeric (an ndarray, a Tensor "
                        f"or a number), got dtype {array.dtype}")
    return array


def _number(x) -> str:
    return "-" if x is None else f"{x:.3g}"


def _value(x) -> str:
    return "-" if x is None else repr(x)
