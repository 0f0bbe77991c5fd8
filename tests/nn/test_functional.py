"""nn.functional: gradcheck of every loss in float64 (input and target gradients),
the BCE Function's backward (PyTorch's formula, also under create_graph), and the
argument checks the losses share."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg

RNG = np.random.default_rng(99)


def _leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_every_loss(reduction):
    x = _leaf(RNG.uniform(0.05, 0.95, size=(3, 4)))
    y = _leaf(RNG.uniform(0, 1, size=(3, 4)))
    weight = tg.tensor(RNG.uniform(0.5, 2, size=4))
    classes = tg.tensor(np.array([0, 3, 1]))
    checks = {
        "mse_loss": (lambda a, b: F.mse_loss(a, b, reduction), (x, y)),
        "binary_cross_entropy": (lambda a, b: F.binary_cross_entropy(a, b, weight, reduction), (x, y)),
        "bce_with_logits": (lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight, reduction),
                            (x, y)),
        "bce_with_logits_pos_weight": (
            lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                            pos_weight=weight), (x, y)),
        "cross_entropy_indices": (lambda a: F.cross_entropy(a, classes, weight, reduction=reduction),
                                  (x,)),
        "cross_entropy_probabilities": (
            lambda a, b: F.cross_entropy(a, b.softmax(1), weight, reduction=reduction), (x, y)),
        "nll_loss": (lambda a: F.nll_loss(a.log_softmax(1), classes, reduction=reduction), (x,)),
    }
    for name, (function, inputs) in checks.items():
        assert tg.gradcheck(function, inputs), name


def test_bce_target_gradient_is_the_log_odds():
    # dℓ/dy = log(1 − x) − log(x)
    x, y = RNG.uniform(0.05, 0.95, size=5), _leaf(RNG.uniform(0, 1, size=5))
    F.binary_cross_entropy(tg.tensor(x), y, reduction="sum").backward()
    np.testing.assert_allclose(y.grad.numpy(force=True), np.log(1 - x) - np.log(x), rtol=1e-12)


def test_bce_backward_works_under_create_graph():
    # second derivative of BCE in x: d/dx (x−y)/(x(1−x)) = (q − (x−y)(1−2x))/q², q = x(1−x)
    x_data, y_data = RNG.uniform(0.1, 0.9, size=4), RNG.uniform(0, 1, size=4)
    x = _leaf(x_data)
    (grad_x,) = tg.grad(F.binary_cross_entropy(x, tg.tensor(y_data), reduction="sum"), x,
                        create_graph=True)
    assert grad_x.requires_grad
    (second,) = tg.grad(grad_x.sum(), x)
    q = x_data * (1 - x_data)
    np.testing.assert_allclose(second.numpy(force=True), (q - (x_data - y_data) * (1 - 2 * x_data)) / q ** 2,
                               rtol=1e-12)


def test_bce_node_is_named_and_documented():
    loss = F.binary_cross_entropy(_leaf([0.5]), tg.tensor(np.array([1.0])), reduction="none")
    assert loss.grad_fn.name() == "BinaryCrossEntropyBackward"
    assert "max(x(1−x), 1e-12)" in type(loss.grad_fn).__doc__.splitlines()[0]


def test_functional_and_module_forms_agree():
    x, y = RNG.uniform(0.1, 0.9, size=(2, 3)), RNG.uniform(0, 1, size=(2, 3))
    xt, yt = tg.tensor(x), tg.tensor(y)
    pairs = [(nn.MSELoss(reduction="sum"), lambda: F.mse_loss(xt, yt, "sum")),
             (nn.BCELoss(), lambda: F.binary_cross_entropy(xt, yt)),
             (nn.BCEWithLogitsLoss(), lambda: F.binary_cross_entropy_with_logits(xt, yt)),
             (nn.CrossEntropyLoss(), lambda: F.cross_entropy(xt, yt))]
    for module, function in pairs:
        assert module(xt, yt).item() == function().item()


def test_losses_need_tensors():
    with pytest.raises(TypeError, match="mse_loss: target must be a Tensor, got ndarray"):
        F.mse_loss(tg.zeros(2), np.zeros(2))
    with pytest.raises(TypeError, match="cross_entropy: input must be a Tensor, got list"):
        F.cross_entropy([1.0, 2.0], tg.tensor(0))


def test_losses_need_a_floating_point_input():
    with pytest.raises(RuntimeError, match="mse_loss: input must be a floating-point tensor"):
        F.mse_loss(tg.tensor([1, 2]), tg.tensor([1, 2]))


def test_bad_reduction_is_rejected_by_the_functions_too():
    with pytest.raises(ValueError, match="^sum_all is not a valid value for reduction$"):
        F.mse_loss(tg.zeros(2), tg.zeros(2), reduction="sum_all")


def test_cross_entropy_with_every_target_ignored_is_nan_like_pytorch():
    loss = F.cross_entropy(tg.zeros(2, 3), tg.tensor([-100, -100]))
    assert np.isnan(loss.item())


def test_mse_casts_a_target_of_another_dtype_to_the_inputs():
    loss = F.mse_loss(tg.tensor([1.0, 2.0]), tg.tensor(np.array([0.0, 0.0])))
    assert loss.dtype == tg.float32 and loss.item() == 2.5


def test_dir_lists_the_api_not_the_imports():
    names = dir(F)
    for private in ("np", "math", "warnings", "tg"):
        assert private not in names
    for public in ("linear", "one_hot", "dropout", "gelu", "silu", "softplus", "embedding",
                   "layer_norm", "batch_norm", "l1_loss", "smooth_l1_loss", "huber_loss",
                   "nll_loss", "cross_entropy"):
        assert public in names and callable(getattr(F, public))
    assert sorted(F.__all__) == names


def test_one_hot():
    assert F.one_hot(tg.tensor([[0, 2]])).tolist() == [[[1, 0, 0], [0, 0, 1]]]
    out = F.one_hot(tg.tensor(1), 3)
    assert out.tolist() == [0, 1, 0] and out.dtype == np.int64
    assert F.one_hot(tg.tensor(np.zeros(0, dtype=np.int64)), 3).shape == (0, 3)


def test_one_hot_errors_copy_pytorch():
    cases = [((tg.tensor([1.0]),), "^one_hot is only applicable to index tensor of type LongTensor.$"),
             ((tg.tensor([-1]),), "^Class values must be non-negative.$"),
             ((tg.tensor([3]), 3), "^Class values must be smaller than num_classes.$"),
             ((tg.tensor(np.zeros(0, dtype=np.int64)),),
              "^Can not infer total number of classes from empty tensor.$")]
    for args, message in cases:
        with pytest.raises(RuntimeError, match=message):
            F.one_hot(*args)


def test_new_functions_agree_with_their_modules():
    x = tg.tensor(RNG.normal(size=(4, 3)))
    assert np.array_equal(nn.LayerNorm(3)(x).data, F.layer_norm(x, (3,)).data)
    assert np.array_equal(nn.Softplus(2.0, 5.0)(x).data, F.softplus(x, 2.0, 5.0).numpy(force=True))
    assert np.array_equal(nn.BatchNorm1d(3, affine=False)(x).data,
                          F.batch_norm(x, None, None, training=True).numpy(force=True))
