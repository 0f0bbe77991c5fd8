"""Numerical stability: the exp-based ops stay finite, warning-free and exact at the
limits for |x| up to 1e4, in float32 and float64 (SPEC §8).

Overflow, division by zero and invalid operations are turned into errors here.
Underflow is not: a value that rounds to 0 (e^-10000) is the exact rounded result.
"""
import math

import numpy as np
import pytest

import tinygrad_edu as tg

EXTREMES = [-1e4, -750.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 750.0, 1e4]
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def floating_point_errors_raise():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


def exact_sigmoid(x: float) -> float:
    """Reference in Python floats, branch chosen so that nothing overflows."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_is_exact_at_the_limits_and_its_gradient_is_finite(dtype):
    x = tg.tensor(np.array(EXTREMES, dtype=dtype), requires_grad=True)
    s = x.sigmoid()
    s.sum().backward()
    expected = np.array([exact_sigmoid(v) for v in EXTREMES]).astype(dtype)
    np.testing.assert_allclose(s.numpy(force=True), expected, rtol=4 * np.finfo(dtype).eps, atol=0)
    assert s.numpy(force=True)[-1] == 1.0 and s.numpy(force=True)[0] == 0.0
    assert x.grad.numpy(force=True)[-1] == 0.0 and x.grad.numpy(force=True)[0] == 0.0
    np.testing.assert_allclose(x.grad.numpy(force=True), expected * (1 - expected), rtol=1e-5, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_of_moderate_inputs_is_the_textbook_formula_bit_for_bit(dtype):
    # the articles compute 1/(1+exp(-x)); equality tests against them rely on this
    x = np.linspace(-20, 20, 101).astype(dtype)
    assert np.array_equal(tg.tensor(x).sigmoid().numpy(force=True), 1 / (1 + np.exp(-x)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_saturates_exactly(dtype):
    x = tg.tensor(np.array(EXTREMES, dtype=dtype), requires_grad=True)
    t = x.tanh()
    t.sum().backward()
    np.testing.assert_array_equal(t.numpy(force=True)[[0, -1]], [-1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(force=True)[[0, -1]], [0.0, 0.0])
    assert np.isfinite(x.grad.numpy(force=True)).all()


def softmax_reference(row):
    shifted = np.asarray(row, dtype=np.float64) - max(row)
    e = np.exp(shifted)
    return e / e.sum()


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_log_softmax_of_huge_logits(dtype):
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [3.0, 1e4, 1e4]], dtype=dtype)
    upstream = np.array([[0.2, -0.5, 1.0], [1.0, 2.0, 3.0], [0.1, 0.3, -0.7]], dtype=dtype)
    x = tg.tensor(logits, requires_grad=True)
    p = x.softmax(1)
    log_p = x.log_softmax(1)
    expected = np.stack([softmax_reference(r) for r in logits])
    np.testing.assert_allclose(p.numpy(force=True), expected, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(log_p.numpy(force=True)[0], [0.0, -1e4, -2e4], rtol=1e-6)
    np.testing.assert_allclose(log_p.numpy(force=True)[1], np.log([1 / 3] * 3), rtol=1e-6)

    (log_p * tg.tensor(upstream)).sum().backward()
    # d log_softmax: g - softmax * sum(g), computed independently
    expected_grad = upstream - expected * upstream.sum(axis=1, keepdims=True)
    assert np.isfinite(x.grad.numpy(force=True)).all()
    np.testing.assert_allclose(x.grad.numpy(force=True), expected_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_of_huge_values(dtype):
    x = tg.tensor(np.array([[1e4, 1e4], [-1e4, 0.0]], dtype=dtype), requires_grad=True)
    out = x.logsumexp(1)
    out.sum().backward()
    np.testing.assert_allclose(out.numpy(force=True), [1e4 + math.log(2), 0.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(force=True), [[0.5, 0.5], [0.0, 1.0]], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_gradient_is_finite_for_huge_logits(dtype):
    x = tg.tensor(np.array([1e4, -1e4, 5.0], dtype=dtype), requires_grad=True)
    (x.softmax(0) * tg.tensor(np.array([1.0, 2.0, 3.0], dtype=dtype))).sum().backward()
    p = softmax_reference([1e4, -1e4, 5.0])
    g = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(force=True), p * (g - (p * g).sum()), atol=1e-6)
