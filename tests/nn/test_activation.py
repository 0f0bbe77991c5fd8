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
    return t.grad.data


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
    np.testing.assert_allclose(y.data, np.full((2, 3), 1 / 3))  # dim=1 for 2-D input


def test_functional_forms_match_the_modules():
    t = tg.tensor(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for module, function in [(nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh), (nn.ReLU(), F.relu),
                                 (nn.LeakyReLU(), F.leaky_relu)]:
            np.testing.assert_array_equal(module(t).data, function(t).data)
        np.testing.assert_array_equal(nn.Softmax(0)(t).data, F.softmax(t, 0).data)


def test_reprs_are_pytorchs():
    assert [repr(m) for m in (nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.Identity())] == [
        "Sigmoid()", "Tanh()", "ReLU()", "Identity()"]
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"


def test_activations_have_no_parameters():
    assert list(nn.Sequential(nn.Sigmoid(), nn.ReLU(), nn.Softmax(1)).parameters()) == []
