"""Loss modules against their formulas written out independently in NumPy (float64):
values and gradients for every reduction, PyTorch's edge cases and error texts."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg
from tinygrad_edu.articles.activations import sigmoid

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(1234)


def _value_and_grad(loss_module, x, target, reduction, upstream=None):
    """Run the loss on float64 data; backward with `upstream` for reduction='none'."""
    xt = tg.tensor(x, requires_grad=True)
    loss = loss_module(xt, target if isinstance(target, tg.Tensor) else tg.tensor(target))
    if reduction == "none":
        loss.backward(tg.tensor(upstream))
    else:
        loss.backward()
    return loss.numpy(force=True), xt.grad.numpy(force=True)


def _reduce(elementwise, derivative, reduction, upstream, denominator=None):
    """The expected (value, gradient) given the elementwise loss and its derivative."""
    if reduction == "none":
        return elementwise, derivative * upstream
    if reduction == "sum":
        return elementwise.sum(), derivative
    n = elementwise.size if denominator is None else denominator
    return elementwise.sum() / n, derivative / n


# -- MSELoss -----------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_matches_its_formula(reduction):
    x, y = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    upstream = RNG.normal(size=(4, 3))
    value, grad = _value_and_grad(nn.MSELoss(reduction=reduction), x, y, reduction, upstream)
    expected_value, expected_grad = _reduce((x - y) ** 2, 2 * (x - y), reduction, upstream)
    np.testing.assert_allclose(value, expected_value, rtol=1e-13)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-13)


def test_mse_mean_is_over_all_elements():
    loss = nn.MSELoss()(tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.zeros(2, 2))
    assert loss.item() == pytest.approx((1 + 4 + 9 + 16) / 4)


def test_mse_refuses_to_broadcast_n1_against_n():
    with pytest.raises(ValueError) as error:
        nn.MSELoss()(tg.zeros(3, 1), tg.zeros(3))
    text = str(error.value)
    assert text.startswith("mse_loss: target shape (3,) differs from input shape (3, 1)")


# -- BCELoss -----------------------------------------------------------------


def _bce_reference(x, y):
    """PyTorch's BCE: each log clamped at -100; gradient floor float32(1e-12)."""
    with np.errstate(divide="ignore"):
        log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log(1 - x), -100)
    loss = -(y * log_x + (1 - y) * log_1mx)
    grad = (x - y) / np.maximum(x * (1 - x), np.float64(np.float32(1e-12)))
    return loss, grad


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_its_formula(reduction):
    x, y = RNG.uniform(0.01, 0.99, size=(5, 2)), RNG.uniform(0, 1, size=(5, 2))
    upstream = RNG.normal(size=(5, 2))
    value, grad = _value_and_grad(nn.BCELoss(reduction=reduction), x, y, reduction, upstream)
    expected_value, expected_grad = _reduce(*_bce_reference(x, y), reduction, upstream)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12)


def test_bce_at_exactly_0_and_1_is_clamped_to_100():
    x, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    value, grad = _value_and_grad(nn.BCELoss(reduction="none"), x, y, "none", np.ones(4))
    np.testing.assert_array_equal(value, [100.0, 100.0, 0.0, 0.0])
    assert np.isfinite(grad).all()


def test_bce_gradient_floor_matches_pytorchs_float64_number():
    # (0 - 1) / max(0, float32(1e-12)) = -1.000000004e12 (PYTORCH_SEMANTICS row 28), scaled by 1/N
    _, grad = _value_and_grad(nn.BCELoss(), np.array([0.0, 0.5]), np.array([1.0, 1.0]), "mean")
    assert grad[0] == pytest.approx(-1.000000004e12 / 2, rel=1e-9)
    assert grad[1] == pytest.approx((0.5 - 1) / 0.25 / 2, rel=1e-15)
    _, grad = _value_and_grad(nn.BCELoss(), np.array([0.3]), np.array([1.0]), "mean")
    assert grad[0] == pytest.approx(-1 / 0.3, rel=1e-12)


def test_bce_weight_scales_each_element():
    x, y = RNG.uniform(0.1, 0.9, size=(3, 2)), RNG.uniform(0, 1, size=(3, 2))
    w = np.array([2.0, 0.5])
    value, grad = _value_and_grad(nn.BCELoss(weight=tg.tensor(w), reduction="sum"), x, y, "sum")
    loss, derivative = _bce_reference(x, y)
    np.testing.assert_allclose(value, (w * loss).sum(), rtol=1e-12)
    np.testing.assert_allclose(grad, w * derivative, rtol=1e-12)


def test_bce_weight_given_as_a_numpy_array_is_copied():
    # backward reads the weight: changing your array after forward must not change it
    x = tg.tensor(np.array([0.2, 0.7], np.float32), requires_grad=True)
    weight = np.array([1.0, 2.0], np.float32)
    loss = F.binary_cross_entropy(x, tg.tensor([0.0, 1.0]), weight=weight)
    weight[:] = 100.0
    loss.backward()
    want = np.array([1.0 / (1 - 0.2), -2.0 / 0.7], np.float32) / 2  # w·(x − y)/(x(1 − x)), mean
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6)


def test_bce_input_outside_0_1_is_pytorchs_error():
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(RuntimeError) as error:
            nn.BCELoss()(tg.tensor([0.5, bad]), tg.tensor([1.0, 0.0]))
        assert str(error.value) == "all elements of input should be between 0 and 1"


def test_bce_integer_target_is_pytorchs_dtype_error():
    with pytest.raises(RuntimeError, match="^Found dtype Long but expected Float"):
        nn.BCELoss()(tg.tensor([0.5, 0.5]), tg.tensor([1, 0]))


def test_bce_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target shape \(2,\) differs from "
                                         r"input shape \(2, 1\)"):
        nn.BCELoss()(tg.tensor([[0.5], [0.5]]), tg.tensor([1.0, 0.0]))


# -- BCEWithLogitsLoss ---------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_sigmoid_then_bce(reduction):
    x, y = RNG.normal(scale=3, size=(4, 3)), RNG.uniform(0, 1, size=(4, 3))
    upstream = RNG.normal(size=(4, 3))
    s = sigmoid(x)
    loss = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    value, grad = _value_and_grad(nn.BCEWithLogitsLoss(reduction=reduction), x, y, reduction, upstream)
    expected_value, expected_grad = _reduce(loss, s - y, reduction, upstream)
    np.testing.assert_allclose(value, expected_value, rtol=1e-11)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-11, atol=1e-15)


def test_bce_with_logits_gradient_at_zero_is_half_minus_target():
    _, grad = _value_and_grad(nn.BCEWithLogitsLoss(reduction="sum"), np.array([0.0, 0.0]),
                              np.array([1.0, 0.25]), "sum")
    np.testing.assert_array_equal(grad, [-0.5, 0.25])


def test_bce_with_logits_is_stable_for_huge_logits():
    x = np.array([-1e4, -1e4, 1e4, 1e4])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    # max(x,0) − x·y + log(1+e^−|x|) with e^−10⁴ = 0 exactly in float64
    value, grad = _value_and_grad(nn.BCEWithLogitsLoss(reduction="none"), x, y, "none", np.ones(4))
    np.testing.assert_array_equal(value, [0.0, 1e4, 1e4, 0.0])
    np.testing.assert_array_equal(grad, [0.0, -1.0, 1.0, 0.0])


def test_bce_with_logits_pos_weight():
    x, y = RNG.normal(size=(4, 2)), RNG.uniform(0, 1, size=(4, 2))
    p = np.array([3.0, 0.5])
    s = sigmoid(x)
    loss = -(p * y * np.log(s) + (1 - y) * np.log(1 - s))
    grad_expected = (1 - y) * s - p * y * (1 - s)
    module = nn.BCEWithLogitsLoss(pos_weight=tg.tensor(p), reduction="sum")
    value, grad = _value_and_grad(module, x, y, "sum")
    np.testing.assert_allclose(value, loss.sum(), rtol=1e-12)
    np.testing.assert_allclose(grad, grad_expected, rtol=1e-12)


# -- CrossEntropyLoss ----------------------------------------------------------


def _log_softmax(x, axis):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_indices_and_weights(reduction):
    x = RNG.normal(size=(6, 4))
    t = np.array([0, 3, 1, 1, 2, 0])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    upstream = RNG.normal(size=6)
    logp = _log_softmax(x, 1)
    rows = np.arange(6)
    loss = -w[t] * logp[rows, t]
    onehot = np.eye(4)[t]
    derivative = w[t][:, None] * (np.exp(logp) - onehot)
    module = nn.CrossEntropyLoss(weight=tg.tensor(w), reduction=reduction)
    value, grad = _value_and_grad(module, x, tg.tensor(t), reduction, upstream)
    if reduction == "none":
        expected_value, expected_grad = loss, derivative * upstream[:, None]
    else:
        expected_value, expected_grad = _reduce(loss, derivative, reduction, None,
                                                denominator=w[t].sum())
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12)


def test_cross_entropy_mean_divides_by_the_weights_of_the_targets():
    # PYTORCH_SEMANTICS row 29: weights [1, 3, 1], targets [0, 1] -> divide by 4
    x = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])
    logp = _log_softmax(x, 1)
    expected = (-1 * logp[0, 0] - 3 * logp[1, 1]) / 4
    loss = nn.CrossEntropyLoss(weight=tg.tensor([1.0, 3.0, 1.0]))(tg.tensor(x), tg.tensor([0, 1]))
    assert loss.item() == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_ignore_index_drops_those_targets():
    x = RNG.normal(size=(4, 3))
    t = np.array([2, -100, 0, -100])
    value, grad = _value_and_grad(nn.CrossEntropyLoss(), x, tg.tensor(t), "mean")
    logp = _log_softmax(x, 1)
    assert value == pytest.approx(-(logp[0, 2] + logp[2, 0]) / 2, rel=1e-12)
    np.testing.assert_array_equal(grad[[1, 3]], 0)
    custom = nn.CrossEntropyLoss(ignore_index=2)(tg.tensor(x), tg.tensor([2, 1, 0, 2]))
    assert custom.item() == pytest.approx(-(logp[1, 1] + logp[2, 0]) / 2, rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_probabilities(reduction):
    x = RNG.normal(size=(5, 3))
    y = RNG.dirichlet(np.ones(3), size=5)
    upstream = RNG.normal(size=5)
    logp = _log_softmax(x, 1)
    loss = -(y * logp).sum(1)
    derivative = np.exp(logp) * y.sum(1, keepdims=True) - y
    value, grad = _value_and_grad(nn.CrossEntropyLoss(reduction=reduction), x, y, reduction, upstream)
    if reduction == "none":
        expected_value, expected_grad = loss, derivative * upstream[:, None]
    else:
        expected_value, expected_grad = _reduce(loss, derivative, reduction, None, denominator=5)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


def test_cross_entropy_of_one_sample_with_a_0d_target():
    x = np.array([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss()(tg.tensor(x), tg.tensor(2))
    assert loss.item() == pytest.approx(-_log_softmax(x, 0)[2], rel=1e-12)


def test_cross_entropy_with_extra_dimensions():
    x = RNG.normal(size=(2, 3, 4))  # (N, C, d1)
    t = RNG.integers(0, 3, size=(2, 4))
    logp = _log_softmax(x, 1)
    expected = -np.take_along_axis(logp, t[:, None, :], 1)[:, 0, :]
    losses = nn.CrossEntropyLoss(reduction="none")(tg.tensor(x), tg.tensor(t))
    np.testing.assert_allclose(losses.numpy(force=True), expected, rtol=1e-12)


def test_cross_entropy_errors_copy_pytorch():
    x = tg.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError) as error:
        nn.CrossEntropyLoss()(x, tg.tensor([0, 3]))
    assert str(error.value) == "Target 3 is out of bounds."
    with pytest.raises(RuntimeError) as error:
        nn.CrossEntropyLoss()(x, tg.tensor([0.0, 1.0]))
    assert str(error.value) == "expected target dtype to be Long or Byte, but got Float"
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(3,\) does not fit input "
                                         r"shape \(2, 3\)"):
        nn.CrossEntropyLoss()(x, tg.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 3 classes"):
        nn.CrossEntropyLoss(weight=tg.tensor([1.0, 2.0]))(x, tg.tensor([0, 1]))


# -- shared behaviour ----------------------------------------------------------


@pytest.mark.parametrize("loss_class", [nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss,
                                        nn.CrossEntropyLoss, nn.NLLLoss, nn.L1Loss,
                                        nn.SmoothL1Loss, nn.HuberLoss])
def test_bad_reduction_is_pytorchs_value_error(loss_class):
    with pytest.raises(ValueError) as error:
        loss_class(reduction="avg")
    assert str(error.value) == "avg is not a valid value for reduction"


def test_loss_reprs_are_pytorchs():
    assert [repr(m()) for m in (nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss)] == [
        "MSELoss()", "BCELoss()", "BCEWithLogitsLoss()", "CrossEntropyLoss()"]
    # PyTorch shows no options for these either
    assert [repr(m) for m in (nn.NLLLoss(), nn.L1Loss(), nn.SmoothL1Loss(beta=0.5),
                              nn.HuberLoss(delta=2.0), nn.CrossEntropyLoss(label_smoothing=0.1),
                              nn.BCEWithLogitsLoss(pos_weight=tg.ones(2)))] == [
        "NLLLoss()", "L1Loss()", "SmoothL1Loss()", "HuberLoss()", "CrossEntropyLoss()",
        "BCEWithLogitsLoss()"]


def test_a_loss_weight_is_a_buffer_not_a_parameter():
    loss = nn.CrossEntropyLoss(weight=tg.tensor([1.0, 2.0]))
    assert list(loss.parameters()) == []
    assert list(loss.state_dict()) == ["weight"]


def test_float32_losses_stay_float32():
    x = tg.tensor([[0.2, 0.7]], requires_grad=True)
    y = tg.tensor([[0.0, 1.0]])
    for loss in (nn.MSELoss()(x, y), nn.BCELoss()(x, y), nn.BCEWithLogitsLoss()(x, y),
                 nn.CrossEntropyLoss()(x, tg.tensor([1]))):
        assert loss.dtype == tg.float32


# -- L1, smooth L1, Huber: PyTorch 2.13's numbers (float64) and the formulas ------------------

REGRESSION_INPUT = np.array([[0.5, -1.0, 2.0], [3.0, 0.2, -0.3]])
REGRESSION_TARGET = np.array([[0.0, 0.0, 4.0], [1.0, 0.0, 0.0]])


def _regression(loss, **options):
    return loss(tg.tensor(REGRESSION_INPUT), tg.tensor(REGRESSION_TARGET), **options)


def test_regression_losses_match_pytorch():
    assert _regression(nn.L1Loss()).item() == 1.0
    np.testing.assert_allclose(_regression(nn.SmoothL1Loss(beta=0.5)).item(), 0.7716666666666666,
                               rtol=1e-15)
    np.testing.assert_allclose(_regression(nn.HuberLoss(delta=2.0)).item(), 0.7816666666666666,
                               rtol=1e-15)
    np.testing.assert_allclose(_regression(nn.SmoothL1Loss(reduction="none")).data,
                               [[0.125, 0.5, 1.5], [1.5, 0.02, 0.045]], rtol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.5])
def test_smooth_l1_and_huber_formulas(reduction, threshold):
    d = np.abs(REGRESSION_INPUT - REGRESSION_TARGET)
    smooth = np.where(d < threshold, 0.5 * d ** 2 / threshold, d - 0.5 * threshold)
    huber = np.where(d < threshold, 0.5 * d ** 2, threshold * (d - 0.5 * threshold))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(_regression(F.smooth_l1_loss, reduction=reduction,
                                           beta=threshold).data, reduce(smooth), rtol=1e-14)
    np.testing.assert_allclose(_regression(F.huber_loss, reduction=reduction,
                                           delta=threshold).data, reduce(huber), rtol=1e-14)
    # Huber = δ · smooth L1 with β = δ
    np.testing.assert_allclose(reduce(huber), threshold * reduce(smooth), rtol=1e-14)


def test_regression_loss_gradients():
    x = tg.tensor(REGRESSION_INPUT, requires_grad=True)
    y = tg.tensor(REGRESSION_TARGET, requires_grad=True)
    for loss in (lambda a, b: F.l1_loss(a, b, "sum"), lambda a, b: F.smooth_l1_loss(a, b, beta=0.7),
                 lambda a, b: F.huber_loss(a, b, "sum", delta=1.3)):
        assert tg.gradcheck(loss, (x, y))
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    F.l1_loss(x, tg.tensor([0.0, 2.0, 5.0]), "sum").backward()
    assert x.grad.tolist() == [1.0, 0.0, -1.0]  # sign, and 0 where equal (PyTorch)


def test_smooth_l1_with_beta_zero_is_l1():
    assert _regression(nn.SmoothL1Loss(beta=0.0)).item() == _regression(nn.L1Loss()).item()


def test_regression_loss_errors_copy_pytorch():
    with pytest.raises(RuntimeError, match="^smooth_l1_loss does not support negative values "
                                           "for beta.$"):
        _regression(nn.SmoothL1Loss(beta=-1.0))
    for delta in (0.0, -1.0):
        with pytest.raises(RuntimeError, match="^huber_loss does not support non-positive "
                                               "values for delta.$"):
            _regression(nn.HuberLoss(delta=delta))
    with pytest.raises(ValueError, match="differs from input shape"):
        nn.L1Loss()(tg.ones(2, 1), tg.ones(2))  # no silent broadcasting (see MSELoss)


def test_options_of_the_wrong_type_name_the_loss():
    # PyTorch raises TypeError too (e.g. "smooth_l1_loss(): argument 'beta' (position 4) must
    # be float, not str"); here in the format of every "must be" error
    x = tg.zeros(2, 3)
    with pytest.raises(TypeError, match="^smooth_l1_loss: beta must be a number, got str$"):
        F.smooth_l1_loss(x, x, beta="1")
    with pytest.raises(TypeError, match="^huber_loss: delta must be a number, got NoneType$"):
        F.huber_loss(x, x, delta=None)
    with pytest.raises(TypeError, match="^cross_entropy: label_smoothing must be a number, "
                                        "got str$"):
        F.cross_entropy(x, tg.tensor([0, 1]), label_smoothing="0.1")
    with pytest.raises(TypeError, match="^nll_loss: ignore_index must be an int, got float$"):
        F.nll_loss(x, tg.tensor([0, 1]), ignore_index=1.0)
    with pytest.raises(TypeError, match="^cross_entropy: ignore_index must be an int, got bool$"):
        nn.CrossEntropyLoss(ignore_index=True)(x, tg.tensor([0, 1]))
    with pytest.raises(TypeError, match="^binary_cross_entropy: target must be a Tensor, "
                                        "got list$"):
        nn.BCELoss()(x, [[0.0] * 3] * 2)


# -- NLLLoss, label smoothing, pos_weight: PyTorch 2.13's numbers (float64) ------------------

LOGITS = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-1.0, 3.0, 0.0]])
CLASSES = np.array([0, 2, -100])
CLASS_WEIGHTS = np.array([1.0, 2.0, 0.5])


def test_nll_loss_module_matches_pytorch():
    loss = nn.NLLLoss(weight=tg.tensor(CLASS_WEIGHTS))(tg.tensor(LOGITS).log_softmax(1),
                                                       tg.tensor(CLASSES))
    np.testing.assert_allclose(loss.item(), 0.494855147181186, rtol=1e-14)


def test_cross_entropy_label_smoothing_matches_pytorch():
    x, t = tg.tensor(LOGITS), tg.tensor(CLASSES)
    np.testing.assert_allclose(nn.CrossEntropyLoss(label_smoothing=0.1)(x, t).item(),
                               0.7016270724432006, rtol=1e-14)
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(weight=tg.tensor(CLASS_WEIGHTS), label_smoothing=0.2)(x, t).item(),
        0.8070569847272779, rtol=1e-14)
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(label_smoothing=0.3, reduction="none")(x, t).data,
        [0.691311296657157, 1.031942848229244, 0.0], rtol=1e-14)
    probabilities = tg.tensor(np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]))
    np.testing.assert_allclose(
        nn.CrossEntropyLoss(label_smoothing=0.25)(x, probabilities).item(), 1.6766571273257211,
        rtol=1e-14)


def test_label_smoothing_is_a_mix_with_the_uniform_target():
    # for index targets: (1 − ε)·CE(y) + ε·CE(uniform), by hand, no ignored targets
    x = RNG.normal(size=(4, 5))
    t = np.array([0, 4, 2, 2])
    log_p = x - np.log(np.exp(x).sum(1, keepdims=True))
    by_hand = (0.8 * -log_p[np.arange(4), t] + 0.2 * -log_p.mean(1)).mean()
    loss = F.cross_entropy(tg.tensor(x), tg.tensor(t), label_smoothing=0.2)
    np.testing.assert_allclose(loss.item(), by_hand, rtol=1e-14)


def test_label_smoothing_gradcheck_and_range():
    x = tg.tensor(RNG.normal(size=(4, 3)), requires_grad=True)
    t = tg.tensor([0, 2, -100, 1])
    w = tg.tensor(CLASS_WEIGHTS)
    for reduction in ("mean", "sum", "none"):
        assert tg.gradcheck(lambda a: F.cross_entropy(a, t, w, reduction=reduction,
                                                      label_smoothing=0.3), (x,))
    with pytest.raises(RuntimeError, match=r"^label_smoothing must be between 0.0 and 1.0. "
                                           r"Got: 1.5$"):
        nn.CrossEntropyLoss(label_smoothing=1.5)(tg.ones(2, 3), tg.tensor([0, 1]))


def test_bce_with_logits_pos_weight_matches_pytorch():
    x = tg.tensor(np.array([[2.0, -1.0], [0.0, 3.0]]))
    y = tg.tensor(np.array([[1.0, 0.0], [1.0, 0.5]]))
    loss = nn.BCEWithLogitsLoss(pos_weight=tg.tensor(np.array([3.0, 0.5])))(x, y)
    np.testing.assert_allclose(loss.item(), 1.0774819440018206, rtol=1e-14)
