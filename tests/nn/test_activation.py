"""Activation modules and their functional forms: values, kink derivatives, reprs."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg

X = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])


def _grad(module, x=X):
    t = tg.tensor(x, requires_grad=True)
    module(t).sum().backward()
    return t.grad.numpy(force=True)


def test_sigmoid():
    s = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(nn.Sigmoid()(tg.tensor(X)).data, s, rtol=1e-12)
    np.testing.assert_allclose(_grad(nn.Sigmoid()), s * (1 - s), rtol=1e-12)
    assert _grad(nn.Sigmoid(), np.array([0.0]))[0] == 0.25


def test_tanh():
    np.testing.assert_allclose(nn.Tanh()(tg.tensor(X)).data, np.tanh(X), rtol=1e-12)
    np.testing.assert_allclose(_grad(nn.Tanh()), 1 - np.tanh(X) ** 2, rtol=1e-12)


def test_relu_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(nn.ReLU()(tg.tensor(X)).data, np.maximum(X, 0))
    np.testing.assert_array_equal(_grad(nn.ReLU()), [0, 0, 0, 1, 1])


def test_leaky_relu_derivative_at_zero_is_the_slope():
    layer = nn.LeakyReLU(0.2)
    np.testing.assert_allclose(layer(tg.tensor(X)).data, np.where(X > 0, X, 0.2 * X))
    np.testing.assert_allclose(_grad(layer), [0.2, 0.2, 0.2, 1, 1])
    assert nn.LeakyReLU().negative_slope == 0.01


def test_identity_passes_through():
    t = tg.tensor(X)
    assert nn.Identity(54, unused="x")(t) is t


def test_softmax_and_log_softmax_along_dim():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])
    e = np.exp(x - x.max(1, keepdims=True))
    expected = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim=1)(tg.tensor(x)).data, expected, rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(tg.tensor(x)).data,
                               (x - x.max(1, keepdims=True)) - np.log(e.sum(1, keepdims=True)),
                               rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax(dim=0)(tg.tensor(x)).data.sum(0), [1, 1, 1])


def test_softmax_without_dim_warns_and_uses_pytorchs_legacy_choice():
    x = tg.tensor(np.ones((2, 3)))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.numpy(force=True), np.full((2, 3), 1 / 3))  # dim=1 for 2-D input


def test_functional_forms_match_the_modules():
    t = tg.tensor(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for module, function in [(nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh), (nn.ReLU(), F.relu),
                                 (nn.LeakyReLU(), F.leaky_relu)]:
            np.testing.assert_array_equal(module(t).numpy(force=True), function(t).numpy(force=True))
        np.testing.assert_array_equal(nn.Softmax(0)(t).data, F.softmax(t, 0).numpy(force=True))


def test_reprs_are_pytorchs():
    assert [repr(m) for m in (nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.Identity())] == [
        "Sigmoid()", "Tanh()", "ReLU()", "Identity()"]
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"


def test_activations_have_no_parameters():
    assert list(nn.Sequential(nn.Sigmoid(), nn.ReLU(), nn.Softmax(1)).parameters()) == []


# --- GELU, SiLU, Softplus: values and gradients probed on PyTorch 2.13 (float64) -------------

POINTS = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])

TORCH_VALUES = {
    "gelu": ([-0.00404969409489031, -0.15865525393145702, -0.15426876936299344, 0.0,
              0.34573123063700656, 0.841344746068543, 2.99595030590511],
             [-0.01194564720418392, -0.08331547058768635, 0.13250487534383712, 0.5,
              0.8674951246561629, 1.0833154705876864, 1.011945647204184]),
    "gelu_tanh": ([-0.00363739208177299, -0.15880800939172324, -0.15428599017485606, 0.0,
                   0.34571400982514394, 0.8411919906082768, 2.996362607918227],
                  [-0.01158416663096965, -0.08296408384578252, 0.13263009646535764, 0.5,
                   0.8673699035346424, 1.0829640838457826, 1.0115841666309695]),
    "silu": ([-0.14227761953270035, -0.2689414213699951, -0.1887703343990727, 0.0,
              0.3112296656009273, 0.7310585786300049, 2.8577223804672998],
             [-0.08810410601516962, 0.07232948812851325, 0.2600388126973482, 0.5,
              0.7399611873026519, 0.9276705118714869, 1.0881041060151693]),
    "softplus": ([0.04858735157374206, 0.31326168751822286, 0.4740769841801067,
                  0.6931471805599453, 0.9740769841801067, 1.3132616875182228, 3.048587351573742],
                 [0.04742587317756679, 0.2689414213699951, 0.37754066879814546, 0.5,
                  0.6224593312018546, 0.7310585786300049, 0.9525741268224333]),
    "softplus_beta2_threshold1": ([1.2378425688652247e-03, 6.3464005521486247e-02,
                                   1.5663084375911143e-01, 3.4657359027997264e-01,
                                   6.5663084375911140e-01, 1.0, 3.0],
                                  [0.00247262315663477, 0.11920292202211755, 0.2689414213699951,
                                   0.5, 0.7310585786300049, 1.0, 1.0]),
}

MODULES = {
    "gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate="tanh"), "silu": nn.SiLU(),
    "softplus": nn.Softplus(), "softplus_beta2_threshold1": nn.Softplus(beta=2, threshold=1),
}


@pytest.mark.parametrize("name", sorted(TORCH_VALUES))
def test_new_activations_match_pytorchs_values_and_gradients(name):
    values, grads = TORCH_VALUES[name]
    np.testing.assert_allclose(MODULES[name](tg.tensor(POINTS)).data, values, rtol=1e-14,
                               atol=1e-16)
    np.testing.assert_allclose(_grad(MODULES[name], POINTS), grads, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_new_activations_pass_gradcheck_and_gradgradcheck(name):
    # second derivatives too: erf and log1p (more_ops.py) write their backward with ops that record
    x = tg.tensor(np.random.default_rng(3).normal(size=(3, 4)) * 2, requires_grad=True)
    assert tg.gradcheck(MODULES[name], (x,))
    first = lambda t: tg.grad(MODULES[name](t).sum(), t, create_graph=True)[0]
    assert tg.gradcheck(first, (x,))


def test_gelu_is_x_times_the_normal_cdf():
    # Φ(x) by hand, from math.erf
    import math
    expected = [x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in POINTS]
    np.testing.assert_allclose(F.gelu(tg.tensor(POINTS)).data, expected, rtol=1e-15)


def test_softplus_is_exact_far_out_in_float32():
    # log1p(e^x) ≈ e^x for very negative x: PyTorch gives e^-20 and a float32 denormal;
    # log(1 + e^x) would round to 0. Above the threshold softplus is x itself.
    x = tg.tensor(np.float32([-20, -90, 25, 100]))
    out = F.softplus(x).numpy(force=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[:2], np.float32([2.0611537e-09, 8.1940087e-40]), rtol=1e-6)
    assert list(out[2:]) == [25.0, 100.0]
    big = tg.tensor([800.0, -800.0], requires_grad=True)  # no overflow, no nan gradient
    F.softplus(big).sum().backward()
    assert big.grad.tolist() == [1.0, 0.0]


def test_new_activations_keep_float32_and_refuse_integers():
    x32 = tg.tensor([0.5, -1.0])
    for module in MODULES.values():
        assert module(x32).dtype == np.float32
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.GELU()(tg.tensor([1, 2]))


def test_gelu_approximate_must_be_none_or_tanh():
    with pytest.raises(RuntimeError, match="^approximate argument must be either none or tanh.$"):
        nn.GELU("foo")(tg.tensor([1.0]))


def test_silu_inplace_rewrites_the_input_and_keeps_the_gradient():
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    h = x * 1.0
    out = F.silu(h, inplace=True)
    assert out is h
    out.sum().backward()
    s = 1 / (1 + np.exp(-np.array([-1.0, 2.0])))
    np.testing.assert_allclose(x.grad.numpy(force=True), s * (1 + np.array([-1.0, 2.0]) * (1 - s)), rtol=1e-6)


def test_new_activation_reprs_are_pytorchs():
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softplus(2, 10)) == "Softplus(beta=2, threshold=10)"


def test_a_module_reports_its_functions_error_as_pytorch_does():
    # torch: nn.ReLU()([1.0]) raises "relu(): argument 'input' (position 1) must be Tensor,
    # not list": the module calls the function, which checks the input and names itself
    for module, function in [(nn.Sigmoid(), "sigmoid"), (nn.Tanh(), "tanh"), (nn.ReLU(), "relu"),
                             (nn.LeakyReLU(), "leaky_relu"), (nn.GELU(), "gelu"),
                             (nn.Softmax(dim=0), "softmax")]:
        with pytest.raises(TypeError, match=f"^{function}: input must be a Tensor, got list$"):
            module([1.0])
    with pytest.raises(RuntimeError, match="^silu: input must be a floating-point tensor, got "
                                           "dtype int64$"):
        nn.SiLU()(tg.tensor([1, 2]))
