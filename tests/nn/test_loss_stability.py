"""Numerical stability of the losses and the softmax layers (SPEC §3 and §8): for
inputs with |x| up to 1e4, in float32 and float64, values and gradients are
finite, raise no floating-point warning and equal the exact limits.

Overflow, division by zero and invalid operations (0/0, inf - inf, log of a
negative number) are turned into errors here. Underflow is not: e^-10000
rounding to 0 is the exact rounded result.

Every reference below is computed independently, one element at a time in
Python floats (float64) with the formula arranged so that nothing overflows,
then compared with a tolerance of a few units in the last place of the dtype
under test. Where the exact answer is a representable number (0, 100, 1e4,
2e4, σ(x) − y = 0) the comparison is exact.
"""
import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg

DTYPES = [np.float32, np.float64]
REDUCTIONS = ["none", "mean", "sum"]
# logits from the saturated ends to 0, including values whose e^x overflows float32 (89)
# and float64 (710)
LOGITS = [-1e4, -1000.0, -750.0, -100.0, -88.0, -30.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 30.0,
          88.0, 100.0, 750.0, 1000.0, 1e4]
RNG = np.random.default_rng(2024)


@pytest.fixture(autouse=True)
def floating_point_errors_raise():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


def eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def backward_with(loss, reduction, upstream):
    """Backpropagate: ones for a reduced loss, `upstream` for reduction='none'."""
    if reduction == "none":
        loss.backward(tg.tensor(upstream))
    else:
        loss.backward()


def reduced(values, grads, reduction, upstream, count):
    """The expected (value, gradient) from per-element values and derivatives."""
    if reduction == "none":
        return values, grads * upstream
    if reduction == "sum":
        return values.sum(), grads
    return values.sum() / count, grads / count


def assert_finite(*arrays):
    for array in arrays:
        assert np.isfinite(array).all(), array


def assert_within(actual, expected, bound):
    """|actual − expected| ≤ bound, elementwise (bound may be an array)."""
    error = np.abs(np.asarray(actual, dtype=float) - expected)
    assert (error <= bound).all(), f"error {error.max():.3g} exceeds the bound where " \
                                   f"{np.argwhere(error > bound)[:5].tolist()}"


# -- references in Python floats ---------------------------------------------------


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def bce_with_logits(x: float, y: float) -> float:
    """−[y log σ(x) + (1−y) log(1−σ(x))] = max(x, 0) − x·y + log(1 + e^−|x|)."""
    return max(x, 0.0) - x * y + math.log1p(math.exp(-abs(x)))


def clamped_log(v: float) -> float:
    """PyTorch's BCE log: log v, but never below −100 (log 0 = −100)."""
    return -100.0 if v <= 0.0 else max(math.log(v), -100.0)


def bce(p: float, y: float) -> float:
    return -(y * clamped_log(p) + (1 - y) * clamped_log(1 - p))


def bce_gradient(p: float, y: float) -> float:
    """PyTorch's BCE derivative, floored at float32(1e-12): steep but finite at 0 and 1."""
    return (p - y) / max(p * (1 - p), float(np.float32(1e-12)))


def log_softmax(row) -> list:
    top = max(row)
    log_total = math.log(math.fsum(math.exp(v - top) for v in row))
    return [v - top - log_total for v in row]


def softmax(row) -> list:
    """e^(v − max) / Σ: relative accuracy even for the tiny entries (exp of log_softmax
    would turn log_softmax's absolute error into a relative one)."""
    top = max(row)
    exps = [math.exp(v - top) for v in row]
    total = math.fsum(exps)
    return [e / total for e in exps]


# -- BCEWithLogitsLoss ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_of_huge_logits_is_finite_and_within_ulps_of_exact(dtype, reduction):
    targets = [0.0, 0.25, 1.0]
    x = np.array([[v] * len(targets) for v in LOGITS], dtype=dtype)
    y = np.array([targets] * len(LOGITS), dtype=dtype)
    upstream = RNG.uniform(-2, 2, size=x.shape).astype(dtype)
    xt = tg.tensor(x, requires_grad=True)
    loss = nn.BCEWithLogitsLoss(reduction=reduction)(xt, tg.tensor(y))
    backward_with(loss, reduction, upstream)
    assert loss.dtype == dtype and xt.grad.dtype == dtype
    assert_finite(loss.numpy(force=True), xt.grad.numpy(force=True))

    xs, ys = x.astype(float).ravel(), y.astype(float).ravel()
    values = np.array([bce_with_logits(a, b) for a, b in zip(xs, ys)]).reshape(x.shape)
    slopes = np.array([sigmoid(a) - b for a, b in zip(xs, ys)]).reshape(x.shape)
    expected, expected_grad = reduced(values, slopes, reduction, upstream.astype(float), x.size)
    # max(x, 0) − x·y + log(1 + e^−|x|) adds terms as large as |x| and a log(1 + ·) of
    # size ≤ log 2: its error is a few ulps of 1 + |x| (not of the result, which can be
    # as small as 4e-44; the log is not log1p), summed over the elements when reduced
    scale = 4 * eps(dtype) * (1 + np.abs(x.astype(float)))
    if reduction == "none":
        assert_within(loss.numpy(force=True), expected, scale)
    else:
        assert_within(loss.numpy(force=True), expected, 2 * scale.sum() / (x.size if reduction == "mean" else 1))
    # σ(x) − y lies in [−1, 1]: a few ulps of 1 (times the upstream gradient)
    assert_within(xt.grad.numpy(force=True), expected_grad, 4 * eps(dtype) * (2 if reduction == "none" else 1)
                  / (x.size if reduction == "mean" else 1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_exact_limits(dtype):
    # e^-10000 is 0 in both dtypes, so these are exact: log(1 + 0) = 0
    x = tg.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    y = tg.tensor(np.array([1.0, 1.0, 0.0, 0.0], dtype=dtype))
    loss = nn.BCEWithLogitsLoss(reduction="none")(x, y)
    loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(force=True), [0.0, 1e4, 1e4, 0.0])
    # σ(x) − y: 1 − 1 = 0 when confidently right, ±1 when confidently wrong
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0.0, -1.0, 1.0, 0.0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_and_pos_weight_of_huge_logits(dtype):
    x = tg.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    y = tg.tensor(np.array([1.0, 1.0, 0.0, 0.0], dtype=dtype))
    pos_weight = tg.tensor(np.array([3.0], dtype=dtype))
    loss = nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)(x, y)
    loss.sum().backward()
    # p·y·(−log σ(x)) + (1−y)·(−log(1−σ(x))): the positive class counts three times
    np.testing.assert_array_equal(loss.numpy(force=True), [0.0, 3e4, 1e4, 0.0])
    # d/dx = (1−y)·σ(x) − p·y·(1−σ(x))
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0.0, -3.0, 1.0, 0.0])


# -- BCELoss -----------------------------------------------------------------------


def bce_inputs(dtype):
    """Probabilities from exactly 0 to exactly 1, including what a sigmoid of huge
    logits gives (0 and 1 exactly) and the smallest subnormal."""
    tiny = float(np.finfo(dtype).smallest_subnormal)
    below_one = float(np.nextafter(dtype(1), dtype(0)))
    saturated = tg.tensor(np.array([-1e4, 1e4], dtype=dtype)).sigmoid().numpy(force=True).tolist()
    return [0.0, tiny, 1e-30, 1e-7, 0.3, 0.5, 1 - 1e-3, below_one, 1.0] + saturated


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_at_and_near_0_and_1_is_finite_and_matches_pytorchs_clamped_formula(dtype, reduction):
    probabilities = bce_inputs(dtype)
    targets = [0.0, 0.3, 1.0]
    p = np.array([[v] * len(targets) for v in probabilities], dtype=dtype)
    y = np.array([targets] * len(probabilities), dtype=dtype)
    upstream = RNG.uniform(-2, 2, size=p.shape).astype(dtype)
    pt, yt = tg.tensor(p, requires_grad=True), tg.tensor(y, requires_grad=True)
    loss = nn.BCELoss(reduction=reduction)(pt, yt)
    backward_with(loss, reduction, upstream)
    assert_finite(loss.numpy(force=True), pt.grad.numpy(force=True), yt.grad.numpy(force=True))

    ps, ys = p.astype(float).ravel(), y.astype(float).ravel()
    values = np.array([bce(a, b) for a, b in zip(ps, ys)]).reshape(p.shape)
    slopes = np.array([bce_gradient(a, b) for a, b in zip(ps, ys)]).reshape(p.shape)
    target_slopes = np.array([clamped_log(1 - a) - clamped_log(a) for a in ps]).reshape(p.shape)
    expected, expected_grad = reduced(values, slopes, reduction, upstream.astype(float), p.size)
    _, expected_target_grad = reduced(values, target_slopes, reduction, upstream.astype(float),
                                      p.size)
    tolerance = dict(rtol=16 * eps(dtype), atol=16 * eps(dtype))
    np.testing.assert_allclose(loss.numpy(force=True), expected, **tolerance)
    np.testing.assert_allclose(pt.grad.numpy(force=True), expected_grad, **tolerance)
    np.testing.assert_allclose(yt.grad.numpy(force=True), expected_target_grad, **tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_of_certain_predictions_is_exactly_100_when_wrong_and_0_when_right(dtype):
    p = tg.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    y = tg.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    loss = nn.BCELoss(reduction="none")(p, y)
    loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(force=True), [100.0, 100.0, 0.0, 0.0])
    # (p − y) / max(p(1 − p), 1e-12): ∓1e12 where wrong, 0 where right
    floor = float(np.float32(1e-12))
    np.testing.assert_allclose(p.grad.numpy(force=True), [-1 / floor, 1 / floor, 0.0, 0.0], rtol=eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_then_bce_of_huge_logits_stays_finite(dtype):
    # the textbook pipeline: σ saturates to exactly 0 or 1, the clamp keeps the loss at 100
    x = tg.tensor(np.array([-1e4, 1e4, -1e4, 1e4], dtype=dtype), requires_grad=True)
    y = tg.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    loss = nn.BCELoss(reduction="sum")(x.sigmoid(), y)
    loss.backward()
    assert loss.item() == 200.0
    # dL/dσ is ∓1e12 but dσ/dx = σ(1−σ) = 0 exactly: the logits get a zero gradient
    np.testing.assert_array_equal(x.grad.numpy(force=True), [0.0, 0.0, 0.0, 0.0])


# -- CrossEntropyLoss ----------------------------------------------------------------


def huge_logit_rows(dtype):
    """(N, 3) logits: hand-picked saturated rows, then random rows over [−1e4, 1e4]."""
    rows = [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [-1e4, 1e4, 1e4], [1e4, 1e4 - 1, -1e4],
            [0.0, 0.0, 0.0], [750.0, -750.0, 0.0], [-100.0, 100.0, 88.0]]
    rows += RNG.uniform(-1e4, 1e4, size=(13, 3)).tolist()
    return np.array(rows, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_indices_of_huge_logits(dtype, reduction):
    x = huge_logit_rows(dtype)
    targets = np.arange(len(x)) % 3
    upstream = RNG.uniform(-2, 2, size=len(x)).astype(dtype)
    xt = tg.tensor(x, requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction=reduction)(xt, tg.tensor(targets))
    backward_with(loss, reduction, upstream)
    assert loss.dtype == dtype
    assert_finite(loss.numpy(force=True), xt.grad.numpy(force=True))

    log_p = np.array([log_softmax(row) for row in x.astype(float).tolist()])
    p = np.array([softmax(row) for row in x.astype(float).tolist()])
    values = -log_p[np.arange(len(x)), targets]
    slopes = p - np.eye(3)[targets]  # softmax − one-hot
    if reduction == "none":
        expected, expected_grad = values, slopes * upstream[:, None].astype(float)
    else:
        expected, expected_grad = reduced(values, slopes, reduction, None, len(x))
    # log_softmax subtracts the row's max (up to 1e4): a few ulps of it
    np.testing.assert_allclose(loss.numpy(force=True), expected, rtol=8 * eps(dtype),
                               atol=8 * eps(dtype) * 2e4 * (1 if reduction != "sum" else len(x)))
    np.testing.assert_allclose(xt.grad.numpy(force=True), expected_grad, rtol=0, atol=8 * eps(dtype) * 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_exact_limits(dtype):
    x = tg.tensor(np.array([[1e4, 0.0, -1e4]] * 3, dtype=dtype), requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction="none")(x, tg.tensor([0, 1, 2]))
    loss.sum().backward()
    # log_softmax([1e4, 0, −1e4]) = [0, −1e4, −2e4] exactly, as e^−1e4 = 0
    np.testing.assert_array_equal(loss.numpy(force=True), [0.0, 1e4, 2e4])
    np.testing.assert_array_equal(x.grad.numpy(force=True), [[0.0, 0.0, 0.0], [1.0, -1.0, 0.0],
                                                [1.0, 0.0, -1.0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_probabilities_of_huge_logits(dtype, reduction):
    x = huge_logit_rows(dtype)
    # one-hot rows, uniform rows and random mixtures, some with exact zeros against −2e4 logits
    probabilities = np.concatenate([np.eye(3), np.full((2, 3), 1 / 3),
                                    RNG.dirichlet(np.ones(3), size=len(x) - 5)]).astype(dtype)
    upstream = RNG.uniform(-2, 2, size=len(x)).astype(dtype)
    xt = tg.tensor(x, requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction=reduction)(xt, tg.tensor(probabilities))
    backward_with(loss, reduction, upstream)
    assert_finite(loss.numpy(force=True), xt.grad.numpy(force=True))

    log_p = np.array([log_softmax(row) for row in x.astype(float).tolist()])
    p = np.array([softmax(row) for row in x.astype(float).tolist()])
    y = probabilities.astype(float)
    values = -(y * log_p).sum(1)
    slopes = p * y.sum(1, keepdims=True) - y  # softmax·Σy − y
    if reduction == "none":
        expected, expected_grad = values, slopes * upstream[:, None].astype(float)
    else:
        expected, expected_grad = reduced(values, slopes, reduction, None, len(x))
    np.testing.assert_allclose(loss.numpy(force=True), expected, rtol=8 * eps(dtype),
                               atol=8 * eps(dtype) * 2e4 * (1 if reduction != "sum" else len(x)))
    np.testing.assert_allclose(xt.grad.numpy(force=True), expected_grad, rtol=0, atol=8 * eps(dtype) * 2)


# -- Softmax and LogSoftmax modules -------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_modules_of_huge_inputs(dtype, dim):
    x = huge_logit_rows(dtype)
    upstream = RNG.uniform(-2, 2, size=x.shape).astype(dtype)
    axis = dim % 2
    rows = np.moveaxis(x.astype(float), axis, -1)
    log_p = np.moveaxis(np.array([log_softmax(r) for r in rows.tolist()]), -1, axis)
    p = np.moveaxis(np.array([softmax(r) for r in rows.tolist()]), -1, axis)
    g = upstream.astype(float)

    xs = tg.tensor(x, requires_grad=True)
    out = nn.Softmax(dim=dim)(xs)
    (out * tg.tensor(upstream)).sum().backward()
    assert_finite(out.numpy(force=True), xs.grad.numpy(force=True))
    np.testing.assert_allclose(out.numpy(force=True), p, rtol=8 * eps(dtype), atol=np.finfo(dtype).tiny)
    # d softmax: s·(g − Σ g·s)
    expected_grad = p * (g - (g * p).sum(axis, keepdims=True))
    np.testing.assert_allclose(xs.grad.numpy(force=True), expected_grad, rtol=0, atol=8 * eps(dtype) * 2)

    xl = tg.tensor(x, requires_grad=True)
    out = nn.LogSoftmax(dim=dim)(xl)
    (out * tg.tensor(upstream)).sum().backward()
    assert_finite(out.numpy(force=True), xl.grad.numpy(force=True))
    np.testing.assert_allclose(out.numpy(force=True), log_p, rtol=8 * eps(dtype), atol=8 * eps(dtype) * 2e4)
    # d log_softmax: g − s·Σ g
    expected_grad = g - p * g.sum(axis, keepdims=True)
    np.testing.assert_allclose(xl.grad.numpy(force=True), expected_grad, rtol=0, atol=8 * eps(dtype) * 2 * 20)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_saturated_rows_is_exactly_one_hot_or_uniform(dtype):
    x = tg.tensor(np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype))
    np.testing.assert_array_equal(nn.Softmax(dim=1)(x).data[[0, 2]], [[1.0, 0.0, 0.0],
                                                                        [0.5, 0.5, 0.0]])
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).data[1], [1 / 3] * 3, rtol=eps(dtype))
    np.testing.assert_array_equal(nn.LogSoftmax(dim=1)(x).data[0], [0.0, -1e4, -2e4])
