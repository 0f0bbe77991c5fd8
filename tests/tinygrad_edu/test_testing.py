"""tinygrad_edu.testing: compare_grads / assert_grads_match / grads_of, the cross-check helpers."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import DEFAULT_RTOL, assert_grads_match, compare_grads, grads_of


def row_line(report_text, name):
    """The table line of one name (the first cell of each row is the name)."""
    for line in report_text.splitlines():
        if line.split() and line.split()[0] == name:
            return line
    raise AssertionError(f"no row for {name!r} in:\n{report_text}")


@pytest.fixture
def grad():
    return np.random.default_rng(0).standard_normal((3, 4))


# ----------------------------------------------------------------------------
# the three value statuses


def test_identical_arrays_are_exact(grad):
    report = compare_grads({"W": grad}, {"W": grad.copy()})
    assert report.ok
    row = report["W"]
    assert (row.status, row.max_abs_error, row.max_rel_error) == ("exact", 0.0, 0.0)
    assert "exact" in row_line(str(report), "W")


def test_a_difference_in_the_last_digits_is_close_and_reported_at_its_index(grad):
    nudged = grad.copy()
    nudged[1, 2] = np.nextafter(nudged[1, 2], np.inf)  # one unit in the last place
    report = compare_grads({"W": grad}, {"W": nudged})
    row = report["W"]
    assert report.ok and row.status == "close"
    assert row.worst_index == (1, 2)
    assert row.max_abs_error == abs(nudged[1, 2] - grad[1, 2])
    assert row.max_rel_error == pytest.approx(abs(nudged[1, 2] - grad[1, 2]) / abs(grad[1, 2]))
    line = row_line(str(report), "W")
    assert repr(float(grad[1, 2])) in line and repr(float(nudged[1, 2])) in line


def test_a_wrong_element_is_a_mismatch_with_both_values_shown(grad):
    wrong = grad.copy()
    wrong[2, 0] += 0.25
    report = compare_grads({"W": grad}, {"W": wrong})
    row = report["W"]
    assert not report.ok and row.status == "MISMATCH"
    assert row.worst_index == (2, 0)
    assert row.max_abs_error == pytest.approx(0.25)
    assert (row.expected_value, row.actual_value) == (grad[2, 0], wrong[2, 0])
    line = row_line(str(report), "W")
    assert "MISMATCH" in line and "(2, 0)" in line
    assert repr(float(grad[2, 0])) in line and repr(float(wrong[2, 0])) in line


def test_the_worst_index_is_the_element_furthest_past_its_tolerance():
    expected = np.array([100.0, 1.0, 0.001])
    actual = expected + np.array([1e-9, 1e-9, 5e-9])  # the largest error is at index 2
    row = compare_grads({"g": expected}, {"g": actual}, atol=0.0)["g"]
    assert row.status == "MISMATCH" and row.worst_index == (2,)


def test_the_table_has_one_row_per_name_and_the_documented_columns(grad):
    text = str(compare_grads({"W1": grad, "b1": grad[0]}, {"W1": grad, "b1": grad[0]}))
    header = text.splitlines()[1]
    for column in ("name", "shape", "status", "max abs err", "max rel err", "worst index",
                   "expected", "actual"):
        assert column in header
    assert "(3, 4)" in row_line(text, "W1") and "(4,)" in row_line(text, "b1")
    assert "rtol=1e-12" in text.splitlines()[0]


# ----------------------------------------------------------------------------
# names and shapes


def test_a_name_missing_from_actual_or_holding_none_is_missing(grad):
    report = compare_grads({"W": grad, "b": grad[0]}, {"b": None})
    assert [row.status for row in report.rows] == ["MISSING", "MISSING"]
    assert not report.ok
    assert "MISSING" in row_line(str(report), "W")


def test_a_name_only_in_actual_is_extra(grad):
    report = compare_grads({"W": grad}, {"W": grad, "stray": np.ones(2)})
    assert report["stray"].status == "EXTRA" and not report.ok
    assert "EXTRA" in row_line(str(report), "stray")


def test_an_extra_name_without_a_gradient_is_not_reported(grad):
    # a parameter the loss never used has grad None: nothing to compare
    report = compare_grads({"W": grad}, {"W": grad, "unused": None})
    assert report.ok and [row.name for row in report.rows] == ["W"]


def test_both_none_means_both_say_no_gradient():
    assert compare_grads({"frozen": None}, {"frozen": None}).ok


def test_a_transposed_gradient_is_a_shape_mismatch(grad):
    report = compare_grads({"W": grad}, {"W": grad.T})
    assert report["W"].status == "SHAPE" and not report.ok
    assert "(3, 4) vs (4, 3)" in row_line(str(report), "W")


def test_rows_follow_the_expected_order_then_the_extras(grad):
    report = compare_grads({"b": grad[0], "a": grad}, {"z": grad, "a": grad, "b": grad[0]})
    assert [row.name for row in report.rows] == ["b", "a", "z"]


# ----------------------------------------------------------------------------
# tolerances


def test_default_tolerance_is_1e12_relative_to_the_tensors_scale():
    assert DEFAULT_RTOL == 1e-12
    expected = np.array([1.0, 1e-6])
    # 5e-13 off on the tiny element: 5e-7 relative to itself, but 5e-13 of the tensor's scale
    actual = expected + np.array([0.0, 5e-13])
    assert compare_grads({"g": expected}, {"g": actual})["g"].status == "close"
    assert compare_grads({"g": expected}, {"g": actual}, atol=0.0)["g"].status == "MISMATCH"
    # the largest element may be off by atol + rtol·|e| = 2e-12, not 3e-12
    assert compare_grads({"g": expected}, {"g": expected + [1.9e-12, 0]})["g"].status == "close"
    assert compare_grads({"g": expected}, {"g": expected + [3e-12, 0]})["g"].status == "MISMATCH"


def test_explicit_rtol_and_atol_follow_the_allclose_rule():
    expected, actual = np.array([2.0]), np.array([2.125])  # off by 0.125, exactly
    assert compare_grads({"g": expected}, {"g": actual}, rtol=0.0625, atol=0.0).ok      # 0.125 <= 0.125
    assert not compare_grads({"g": expected}, {"g": actual}, rtol=0.03125, atol=0.0).ok  # > 0.0625
    assert compare_grads({"g": expected}, {"g": actual}, rtol=0.03125, atol=0.0625).ok  # 0.0625 + 0.0625
    assert not compare_grads({"g": expected}, {"g": actual}, rtol=0.0, atol=0.0625).ok


def test_a_zero_expected_tensor_needs_an_exact_zero_by_default():
    assert compare_grads({"g": np.zeros(3)}, {"g": np.zeros(3)}).ok
    assert not compare_grads({"g": np.zeros(3)}, {"g": np.array([0.0, 1e-300, 0.0])}).ok


def test_nan_never_passes_even_in_both():
    nan = np.array([1.0, np.nan])
    assert compare_grads({"g": nan}, {"g": nan.copy()})["g"].status == "MISMATCH"
    assert compare_grads({"g": np.ones(2)}, {"g": nan})["g"].status == "MISMATCH"


def test_equal_infinities_match_and_a_finite_value_against_infinity_does_not():
    inf = np.array([np.inf, 1.0])
    assert compare_grads({"g": inf}, {"g": inf.copy()}).ok
    assert not compare_grads({"g": inf}, {"g": np.array([1e308, 1.0])}).ok


def test_negative_tolerances_are_rejected():
    with pytest.raises(ValueError, match="rtol and atol must be >= 0"):
        compare_grads({}, {}, rtol=-1.0)


# ----------------------------------------------------------------------------
# inputs


def test_tensors_are_compared_through_their_data(grad):
    report = compare_grads({"W": tg.Tensor(grad)}, {"W": tg.Tensor(grad.copy())})
    assert report["W"].status == "exact"


def test_scalars_and_zero_dim_arrays(grad):
    report = compare_grads({"s": 2.5, "t": np.float64(1.0)}, {"s": np.array(2.5), "t": tg.Tensor(np.array(1.5))})
    assert report["s"].status == "exact" and report["t"].status == "MISMATCH"
    assert report["t"].worst_index == ()


def test_float32_against_float64_compares_values():
    values = np.array([0.5, 0.25, 3.0])  # exactly representable in float32
    assert compare_grads({"g": values}, {"g": values.astype(np.float32)})["g"].status == "exact"
    close = np.array([0.1, 0.2])
    row = compare_grads({"g": close}, {"g": close.astype(np.float32)}, rtol=1e-6)["g"]
    assert row.status == "close"


def test_pairs_work_like_a_mapping(grad):
    assert compare_grads([("W", grad)], iter([("W", grad)])).ok


def test_non_numeric_values_and_non_mappings_are_rejected(grad):
    with pytest.raises(TypeError, match=r"actual\['W'\] must be numeric"):
        compare_grads({"W": grad}, {"W": "oops"})
    with pytest.raises(TypeError, match="expected must be a mapping"):
        compare_grads(42, {"W": grad})


def test_grads_of_reads_grad_from_named_tensors():
    x = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    unused = tg.Tensor(np.array([3.0]), requires_grad=True)
    (x * x).sum().backward()
    grads = grads_of({"x": x, "unused": unused})
    assert grads["unused"] is None
    report = assert_grads_match({"x": np.array([2.0, 4.0])}, grads)
    assert report["x"].status == "exact"


# ----------------------------------------------------------------------------
# assert_grads_match


def test_assert_grads_match_returns_the_report_when_everything_matches(grad):
    report = assert_grads_match({"W": grad}, {"W": grad})
    assert report.ok and report["W"].status == "exact"


def test_assert_grads_match_raises_with_the_table_naming_what_differs(grad):
    wrong = grad * 1.01
    with pytest.raises(AssertionError) as failure:
        assert_grads_match({"W1": grad, "b1": grad[0]}, {"W1": wrong, "b1": grad[0]})
    message = str(failure.value)
    assert message.startswith("gradients differ for: W1\n")
    assert "MISMATCH" in row_line(message, "W1")
    assert "exact" in row_line(message, "b1")
    assert str(compare_grads({"W1": grad, "b1": grad[0]}, {"W1": wrong, "b1": grad[0]})) in message


def test_assert_grads_match_on_a_real_backward():
    # d/dW of sum(sigmoid(x @ W)) = xᵀ·s(1 − s): the rule, written by hand
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))
    W_t = tg.Tensor(W, requires_grad=True)
    (tg.Tensor(x) @ W_t).sigmoid().sum().backward()
    s = 1 / (1 + np.exp(-(x @ W)))
    assert_grads_match({"W": x.T @ (s * (1 - s))}, {"W": W_t.grad})
    with pytest.raises(AssertionError, match="MISMATCH"):
        assert_grads_match({"W": x.T @ s}, {"W": W_t.grad})
