"""Dropout: the mask statistics, 1/(1−p) scaling, train/eval, p = 0 and p = 1,
reproducibility under tg.manual_seed, in-place use and PyTorch's errors."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg


def test_training_zeroes_about_p_and_scales_the_rest_by_one_over_one_minus_p():
    tg.manual_seed(0)
    x = tg.ones(200, 500)
    out = nn.Dropout(p=0.3)(x).numpy(force=True)
    kept = out != 0
    assert set(np.unique(out).tolist()) == {0.0, np.float32(1 / 0.7).item()}
    # 100,000 Bernoulli(0.7) draws: the kept fraction is within 5 standard deviations
    assert abs(kept.mean() - 0.7) < 5 * np.sqrt(0.7 * 0.3 / kept.size)
    # the expected value is unchanged
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(0.3 / 0.7 / kept.size)


def test_the_gradient_is_the_same_mask_and_scale():
    tg.manual_seed(1)
    x = tg.tensor(np.random.default_rng(0).normal(size=(6, 7)), requires_grad=True)
    out = F.dropout(x, p=0.4)
    out.sum().backward()
    mask = out.numpy(force=True) != 0
    np.testing.assert_array_equal(x.grad.numpy(force=True), mask / 0.6)
    np.testing.assert_allclose(out.numpy(force=True), x.numpy(force=True) * mask / 0.6, rtol=1e-15)


def test_eval_mode_is_the_identity():
    dropout = nn.Dropout(0.9).eval()
    x = tg.tensor([1.0, 2.0, 3.0])
    assert dropout(x) is x
    assert F.dropout(x, 0.9, training=False) is x


def test_p_zero_changes_nothing_and_p_one_zeroes_everything():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    assert nn.Dropout(0.0)(x).tolist() == [1.0, -2.0, 3.0]
    out = nn.Dropout(1.0)(x)
    assert out.tolist() == [0.0, 0.0, 0.0]  # not nan: no division by 1 − p = 0
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_masks_are_reproducible_under_manual_seed():
    x = tg.ones(50)
    tg.manual_seed(42)
    first = [nn.Dropout()(x).tolist() for _ in range(3)]
    tg.manual_seed(42)
    second = [nn.Dropout()(x).tolist() for _ in range(3)]
    assert first == second
    assert first[0] != first[1]  # a new mask every call


def test_inplace_rewrites_the_input():
    tg.manual_seed(3)
    x = tg.ones(20)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(x.tolist()) <= {0.0, 2.0}
    leaf = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.Dropout(0.5, inplace=True)(leaf)


def test_float64_stays_float64():
    assert nn.Dropout()(tg.tensor(np.ones(4))).dtype == np.float64


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_probability_outside_0_1_is_pytorchs_error(p):
    with pytest.raises(ValueError, match=f"^dropout probability has to be between 0 and 1, "
                                         f"but got {p}$"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="dropout probability"):
        F.dropout(tg.ones(2), p)


@pytest.mark.parametrize("p, kind", [("0.5", "str"), (None, "NoneType"), (True, "bool")])
def test_probability_that_is_not_a_number_is_a_type_error(p, kind):
    with pytest.raises(TypeError, match=f"^dropout: p must be a number, got {kind}$"):
        nn.Dropout(p)
    with pytest.raises(TypeError, match=f"^dropout: p must be a number, got {kind}$"):
        F.dropout(tg.ones(2), p)


def test_repr_is_pytorchs():
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout(0.2, inplace=True)) == "Dropout(p=0.2, inplace=True)"
