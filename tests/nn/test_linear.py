"""nn.Linear and F.linear: y = x·Wᵀ + b, PyTorch's layout and default init."""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg


def test_shapes_follow_pytorch():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.is_leaf
    assert layer.weight.dtype == tg.float32
    assert nn.Linear(4, 3, bias=False).bias is None
    assert nn.Linear(4, 3, dtype=tg.float64).weight.dtype == tg.float64


def test_repr():
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"


@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 4)])
def test_forward_is_x_times_w_transposed_plus_b(shape):
    layer = nn.Linear(4, 3, dtype=tg.float64)
    x = np.random.default_rng(0).normal(size=shape)
    y = layer(tg.tensor(x))
    expected = x @ layer.weight.numpy(force=True).T + layer.bias.numpy(force=True)
    assert y.shape == shape[:-1] + (3,)
    np.testing.assert_allclose(y.numpy(force=True), expected, rtol=1e-12)


@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 4)])
def test_gradients_match_the_hand_derivation(shape):
    rng = np.random.default_rng(1)
    layer = nn.Linear(4, 3, dtype=tg.float64)
    x = tg.tensor(rng.normal(size=shape), requires_grad=True)
    upstream = rng.normal(size=shape[:-1] + (3,))
    layer(x).backward(tg.tensor(upstream))
    g2, x2 = upstream.reshape(-1, 3), x.numpy(force=True).reshape(-1, 4)
    np.testing.assert_allclose(x.grad.numpy(force=True), upstream @ layer.weight.numpy(force=True), rtol=1e-12)  # G·W
    np.testing.assert_allclose(layer.weight.grad.numpy(force=True), g2.T @ x2, rtol=1e-12)        # Gᵀ·x
    np.testing.assert_allclose(layer.bias.grad.numpy(force=True), g2.sum(0), rtol=1e-12)          # Σ G


def test_gradcheck_with_and_without_bias():
    rng = np.random.default_rng(2)
    x = tg.tensor(rng.normal(size=(3, 2)), requires_grad=True)
    w = tg.tensor(rng.normal(size=(4, 2)), requires_grad=True)
    b = tg.tensor(rng.normal(size=4), requires_grad=True)
    assert tg.gradcheck(F.linear, (x, w, b))
    assert tg.gradcheck(F.linear, (x, w))


def test_second_derivatives_through_linear():
    # f(x) = Σ (x·Wᵀ)² ; ∂f/∂x = 2·(x·Wᵀ)·W ; its derivative along x is 2·WᵀW per row
    rng = np.random.default_rng(3)
    w = tg.tensor(rng.normal(size=(3, 2)))
    x = tg.tensor(rng.normal(size=(2,)), requires_grad=True)
    (grad_x,) = tg.grad((F.linear(x, w) ** 2).sum(), x, create_graph=True)
    np.testing.assert_allclose(grad_x.numpy(force=True), 2 * (w.numpy(force=True) @ x.numpy(force=True)) @ w.numpy(force=True), rtol=1e-12)
    hessian = np.stack([tg.grad(grad_x[i], x, retain_graph=True)[0].numpy(force=True) for i in range(2)])
    np.testing.assert_allclose(hessian, 2 * w.numpy(force=True).T @ w.numpy(force=True), rtol=1e-12)


def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    tg.manual_seed(0)
    layer = nn.Linear(100, 200)
    bound = 1 / math.sqrt(100)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy(force=True)).max() <= bound
    w = layer.weight.numpy(force=True)
    # 20,000 samples of U(-0.1, 0.1): the extremes come close to the bound, the
    # mean is near 0 and the variance near bound²/3
    assert np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.005
    np.testing.assert_allclose(w.var(), bound ** 2 / 3, rtol=0.05)


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(7)
    a = nn.Linear(3, 2)
    tg.manual_seed(7)
    b = nn.Linear(3, 2)
    np.testing.assert_array_equal(a.weight.numpy(force=True), b.weight.numpy(force=True))
    np.testing.assert_array_equal(a.bias.numpy(force=True), b.bias.numpy(force=True))


def test_wrong_input_width_gives_pytorchs_error():
    with pytest.raises(RuntimeError) as error:
        nn.Linear(4, 3)(tg.zeros(5, 3))
    assert str(error.value) == "mat1 and mat2 shapes cannot be multiplied (5x3 and 4x3)"
    with pytest.raises(RuntimeError, match=r"\(1x3 and 4x3\)"):
        nn.Linear(4, 3)(tg.zeros(3))
    # leading dimensions are flattened into rows, as PyTorch reports them (2·5 = 10 rows)
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 shapes cannot be multiplied "
                                           r"\(10x3 and 4x4\)$"):
        nn.Linear(4, 4)(tg.zeros(2, 5, 3))
    with pytest.raises(RuntimeError, match="^both arguments to linear need to be at least 1D, "
                                           "but they are 0D and 2D$"):
        nn.Linear(4, 4)(tg.tensor(1.0))


def test_bad_arguments_name_linear():
    with pytest.raises(TypeError, match="^linear: input must be a Tensor, got list$"):
        nn.Linear(2, 1)([1.0, 2.0])
    with pytest.raises(TypeError, match="^Linear: in_features must be an int, got float$"):
        nn.Linear(2.0, 1)
    with pytest.raises(TypeError, match="^Linear: out_features must be an int, got bool$"):
        nn.Linear(2, True)
    with pytest.raises(ValueError, match="^Linear: in_features must be at least 0, got -1$"):
        nn.Linear(-1, 1)


def test_dtype_mismatch_is_an_error_naming_both_dtypes():
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        nn.Linear(2, 1)(tg.tensor(np.zeros((1, 2))))


def test_the_graph_has_one_linear_node():
    layer = nn.Linear(2, 2)
    y = layer(tg.tensor([[1.0, 2.0]]))
    assert y.grad_fn.name() == "LinearBackward"
    assert y.grad_fn.parents == (y.grad_fn.parents[0], layer.weight, layer.bias)
    assert type(y.grad_fn).__doc__.splitlines()[0].startswith("linear(x, W, b): ∂x = G·W")
