"""tg.detect_anomaly (SPEC §2; PYTORCH_SEMANTICS row 19): raise at the first
op whose forward output or backward gradient holds NaN/inf, naming the op,
its input shapes and the file:line of the user code that created it.

NumPy warns on log(-1), 1/0, exp overflow; pytest turns RuntimeWarning into
errors, so the ops that produce NaN/inf on purpose run under np.errstate.
"""
from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

import tinygrad_edu as tg

THIS_FILE = os.path.basename(__file__)


def line_here() -> int:
    """The caller's line number (the op under test sits on the next line)."""
    return inspect.currentframe().f_back.f_lineno


def test_forward_nan_names_the_op_shapes_and_user_line():
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    with tg.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(RuntimeError) as error:
            line = line_here() + 1
            x.log()
    text = str(error.value)
    assert "'Log'" in text and "nan" in text
    assert "float32 (2,)" in text
    assert f"{THIS_FILE}:{line}" in text
    assert "its inputs were all finite" in text


def test_forward_inf_is_caught_too():
    x = tg.tensor(np.array([[1000.0, 1.0]]), requires_grad=True)
    with tg.detect_anomaly(), np.errstate(over="ignore"):
        with pytest.raises(RuntimeError, match=r"'Exp'.*inf.*float64 \(1, 2\)"):
            x.exp()


def test_forward_reports_an_input_that_already_held_nan():
    x = tg.tensor([np.nan, 1.0])
    w = tg.tensor([1.0, 1.0], requires_grad=True)
    with tg.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"'Mul'.*input\(s\) \[0\] already held nan/inf"):
            x * w


def test_forward_check_names_the_primitive_inside_a_composed_op():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(RuntimeError, match=r"'Div'.*\(1, 2\).*\(1, 1\)") as error:
            line = line_here() + 1
            (x - x).softmax(1) / (x - x).sum(1, keepdim=True)
    assert f"{THIS_FILE}:{line}" in str(error.value)


class NanGradient(tg.Function):
    """d/dx = nan (deliberately broken, to be caught)"""

    def forward(self, x):
        return x * 2

    def backward(self, g):
        return g * np.nan


def test_backward_nan_names_the_node_shapes_and_user_line():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.detect_anomaly():
        line = line_here() + 1
        y = NanGradient.apply(x)
        with pytest.raises(RuntimeError) as error:
            (y * 3).sum().backward()
    text = str(error.value)
    # PyTorch: "Function 'NanBBackward' returned nan values in its 0th output."
    assert text.startswith("Function 'NanGradientBackward' returned nan values in its 0th output.")
    assert "(2,)" in text
    assert f"{THIS_FILE}:{line}" in text
    assert x.grad is None


def test_backward_inf_from_sqrt_at_zero():
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        line = line_here() + 1
        y = x.sqrt()
        with pytest.raises(RuntimeError, match=r"^Function 'SqrtBackward' returned inf values in its 0th "
                                               r"output") as error:
            y.sum().backward()
    assert f"{THIS_FILE}:{line}" in str(error.value)


def test_without_anomaly_mode_nan_gradients_propagate_silently():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    NanGradient.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy(force=True)).all()


def test_enabling_anomaly_mode_warns_like_pytorch():
    with pytest.warns(UserWarning, match=r"^Anomaly Detection has been enabled\. This mode will increase the "
                                         r"runtime and should only be enabled for debugging\.$"):
        with tg.detect_anomaly():
            pass


def test_anomaly_mode_is_off_by_default_and_restored():
    assert not tg.is_anomaly_enabled()
    with tg.detect_anomaly():
        assert tg.is_anomaly_enabled()
        with tg.detect_anomaly(check_nan=False):
            assert not tg.is_anomaly_enabled()
        assert tg.is_anomaly_enabled()
    assert not tg.is_anomaly_enabled()


def test_detect_anomaly_as_a_decorator():
    @tg.detect_anomaly()
    def broken(t):
        return t.log()

    with np.errstate(invalid="ignore"):
        with pytest.raises(RuntimeError, match="'Log'"):
            broken(tg.tensor([-1.0]))
        assert np.isnan(tg.tensor([-1.0]).log().numpy(force=True)).all()  # outside: no check


def test_finite_graphs_run_unchanged_under_anomaly_mode():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.detect_anomaly():
        (x.sigmoid() * x.exp()).sum().backward()
    s = 1 / (1 + np.exp(-np.array([1.0, 2.0])))
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(force=True), s * (1 - s) * e + s * e, rtol=1e-6)
