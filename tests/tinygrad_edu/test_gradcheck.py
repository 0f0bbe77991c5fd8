"""tg.gradcheck itself (SPEC §2; PYTORCH_SEMANTICS row 18): PyTorch's
defaults and criterion |a − n| ≤ atol + rtol·|n|, a readable report when a
gradient is wrong, and the checks around it."""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import tinygrad_edu as tg


def f64(values, requires_grad=True):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


class WrongSquare(tg.Function):
    """d/dx x² = 2x, deliberately miscoded as 3x to be caught"""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, g, x):
        return g * 3 * x


class ScaledSquare(tg.Function):
    """x², with the derivative 2x scaled by a chosen factor (1 = correct)"""

    saves_inputs = True
    factor = 1.0

    def forward(self, x):
        return x * x

    def backward(self, g, x):
        return g * (2 * self.factor) * x


def test_defaults_are_pytorchs():
    parameters = inspect.signature(tg.gradcheck).parameters
    assert parameters["eps"].default == 1e-6
    assert parameters["atol"].default == 1e-5
    assert parameters["rtol"].default == 1e-3
    assert parameters["raise_exception"].default is True


def test_passes_on_correct_ops():
    x, y = f64([[0.5, -1.0], [2.0, 0.3]]), f64([1.5, 0.7])
    assert tg.gradcheck(lambda a, b: (a * b).sigmoid() @ b, [x, y]) is True


def test_fails_on_a_wrong_custom_function_with_a_readable_report():
    x = f64([1.0, -2.0, 3.0])
    with pytest.raises(tg.GradcheckError) as error:
        tg.gradcheck(WrongSquare.apply, [x])
    text = str(error.value)
    assert text.startswith("Jacobian mismatch for output 0 with respect to input 0,")
    # the worst element is d out[2] / d x[2]: numerical 2·3 = 6, analytical 3·3 = 9
    worst = re.search(r"worst element: d output\[flat 2\] / d input\[2\]: "
                      r"numerical ([-\d.e+]+), analytical ([-\d.e+]+)", text)
    assert worst, text
    assert float(worst.group(1)) == pytest.approx(6.0, rel=1e-6)
    assert float(worst.group(2)) == pytest.approx(9.0, rel=1e-12)
    assert "mismatching elements: 3 of 9" in text
    assert "numerical:" in text and "analytical:" in text
    assert isinstance(error.value, RuntimeError)


def test_report_names_only_the_input_whose_gradient_is_wrong():
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    with pytest.raises(tg.GradcheckError) as error:
        tg.gradcheck(lambda a, b: a * WrongSquare.apply(b), [x, y])
    assert "with respect to input 1," in str(error.value)
    assert "with respect to input 0," not in str(error.value)


def test_raise_exception_false_returns_false():
    assert tg.gradcheck(WrongSquare.apply, [f64([1.0])], raise_exception=False) is False
    assert tg.gradcheck(lambda a: a * a, [f64([1.0])], raise_exception=False) is True


def test_criterion_is_atol_plus_rtol_times_numerical():
    # x = 10: numerical 20; the tolerance is 1e-5 + 1e-3·20 ≈ 0.02
    x = f64([10.0])
    ScaledSquare.factor = 1.0 + 0.0009  # analytical 20.018: inside
    assert tg.gradcheck(ScaledSquare.apply, [x])
    ScaledSquare.factor = 1.0 + 0.0011  # analytical 20.022: outside
    assert not tg.gradcheck(ScaledSquare.apply, [x], raise_exception=False)
    assert tg.gradcheck(ScaledSquare.apply, [x], rtol=2e-3)
    ScaledSquare.factor = 1.0


def test_only_inputs_that_require_grad_are_checked():
    x, constant = f64([1.0, 2.0]), f64([3.0, 4.0], requires_grad=False)
    assert tg.gradcheck(lambda a, c: a * WrongSquare.apply(c), [x, constant])


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        tg.gradcheck(lambda a: a * 2, [f64([1.0], requires_grad=False)])


def test_float32_inputs_warn_like_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=re.escape(
            "Input #0 requires gradient and is not a double precision floating point or complex. "
            "This check will likely fail if all the inputs are not of double precision floating "
            "point or complex.")):
        tg.gradcheck(lambda a: a * 2, [x], raise_exception=False)


def test_several_outputs_are_each_checked():
    x = f64([0.5, 1.5])
    assert tg.gradcheck(lambda a: (a.exp(), a.sum() * 2), [x])
    with pytest.raises(tg.GradcheckError, match="for output 1 with respect to input 0"):
        tg.gradcheck(lambda a: (a.exp(), WrongSquare.apply(a)), [x])


def test_outputs_that_do_not_require_grad_are_skipped_like_pytorch():
    # PyTorch checks only the differentiable outputs (_differentiable_outputs)
    x = f64([0.5, 1.5])
    assert tg.gradcheck(lambda a: (a * 2, tg.ones(3, dtype=tg.float64)), [x])


class NonDeterministic(tg.Function):
    """d/dx 2x = 2, plus noise on every call"""

    calls = 0

    def forward(self, x):
        return x * 2

    def backward(self, g):
        NonDeterministic.calls += 1
        return g * (2 + 1e-3 * NonDeterministic.calls)


def test_a_backward_that_differs_between_runs_is_reported():
    with pytest.raises(tg.GradcheckError, match="not reentrant"):
        tg.gradcheck(NonDeterministic.apply, [f64([1.0, 2.0])], atol=1, rtol=1)


def test_inputs_are_left_unchanged():
    x = f64([0.25, -0.5])
    tg.gradcheck(lambda a: a.tanh(), [x])
    assert x.tolist() == [0.25, -0.5] and x.grad is None
