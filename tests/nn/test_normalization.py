"""LayerNorm against PyTorch 2.13's numbers and the formula, gradcheck, errors, repr."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg


def test_matches_pytorch_with_weight_and_bias():
    ln = nn.LayerNorm(3).double()
    with tg.no_grad():
        ln.weight[...] = np.array([1.0, 2.0, 3.0])
        ln.bias[...] = np.array([0.5, 0.0, -0.5])
    out = ln(tg.tensor([[1.0, 2.0, 4.0], [-1.0, 0.0, 0.0]]).double())
    np.testing.assert_allclose(out.numpy(force=True), [[-0.5690415314502977, -0.5345207657251491,
                                           3.5089057429386155],
                                          [-0.9141817436418196, 1.4141817436418198,
                                           1.6212726154627297]], rtol=1e-13)


def test_formula_over_the_last_dimensions():
    x = np.random.default_rng(0).normal(size=(3, 2, 4))
    out = F.layer_norm(tg.tensor(x), (2, 4), eps=1e-3).data
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)  # biased
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)


def test_parameters_start_at_ones_and_zeros():
    ln = nn.LayerNorm((2, 3))
    assert ln.weight.shape == (2, 3) and ln.weight.numpy(force=True).tolist() == [[1.0] * 3] * 2
    assert ln.bias.numpy(force=True).sum() == 0
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    assert nn.LayerNorm(4, bias=False).bias is None


def test_gradcheck():
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    w = tg.tensor(rng.normal(size=4), requires_grad=True)
    b = tg.tensor(rng.normal(size=4), requires_grad=True)
    assert tg.gradcheck(lambda a, c, d: F.layer_norm(a, 4, c, d), (x, w, b))


def test_errors_copy_pytorch():
    with pytest.raises(RuntimeError, match=r"^Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[2, 3\]$"):
        nn.LayerNorm(4)(tg.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 2, 4\]"):
        nn.LayerNorm((2, 4))(tg.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"^Expected weight to be of same shape as "
                                           r"normalized_shape, but got weight of shape \[4\] and "
                                           r"normalized_shape = \[3\]$"):
        F.layer_norm(tg.ones(2, 3), (3,), tg.ones(4))
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.LayerNorm(2)(tg.tensor([[1, 2]]))


def test_repr_is_pytorchs():
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.LayerNorm((2, 3), elementwise_affine=False, bias=False)) == (
        "LayerNorm((2, 3), eps=1e-05, elementwise_affine=False, bias=False)")
