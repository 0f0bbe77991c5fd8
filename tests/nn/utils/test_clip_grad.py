"""nn.utils.clip_grad_norm_ / clip_grad_value_ against PyTorch 2.13's numbers and the
definition (the norm of the concatenated gradients), norm types, errors."""
import math

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.utils import clip_grad_norm_, clip_grad_value_

GRAD_A = [[3.0, -4.0], [1.0, 2.0]]
GRAD_B = [0.5, -6.0, 2.0]


def _params(dtype=np.float64):
    a = nn.Parameter(tg.tensor(np.zeros((2, 2), dtype=dtype)))
    b = nn.Parameter(tg.tensor(np.zeros(3, dtype=dtype)))
    a.grad = tg.tensor(np.array(GRAD_A, dtype=dtype))
    b.grad = tg.tensor(np.array(GRAD_B, dtype=dtype))
    return a, b


TORCH = {  # norm_type: (total norm, clipped grad of a, clipped grad of b) with max_norm=2
    2.0: (8.381527307120106, [[0.7158598981170299, -0.9544798641560398],
                              [0.23861996603900995, 0.4772399320780199]],
          [0.11930998301950498, -1.4317197962340598, 0.4772399320780199]),
    1.0: (18.5, [[0.32432430679328067, -0.4324324090577076],
                 [0.1081081022644269, 0.2162162045288538]],
          [0.05405405113221345, -0.6486486135865613, 0.2162162045288538]),
    math.inf: (6.0, [[0.9999998333333611, -1.3333331111111482],
                     [0.33333327777778704, 0.6666665555555741]],
               [0.16666663888889352, -1.9999996666667221, 0.6666665555555741]),
    3.0: (6.869168608917909, [[0.8734680232979677, -1.1646240310639568],
                              [0.2911560077659892, 0.5823120155319784]],
          [0.1455780038829946, -1.7469360465959354, 0.5823120155319784]),
}


@pytest.mark.parametrize("norm_type", sorted(TORCH))
def test_clip_grad_norm_matches_pytorch(norm_type):
    a, b = _params()
    total = clip_grad_norm_([a, b], 2.0, norm_type=norm_type)
    expected_total, expected_a, expected_b = TORCH[norm_type]
    assert isinstance(total, tg.Tensor) and total.ndim == 0
    np.testing.assert_allclose(total.item(), expected_total, rtol=1e-15)
    np.testing.assert_allclose(a.grad.numpy(force=True), expected_a, rtol=1e-14)
    np.testing.assert_allclose(b.grad.numpy(force=True), expected_b, rtol=1e-14)


def test_total_norm_is_the_norm_of_all_gradients_concatenated():
    a, b = _params()
    flat = np.concatenate([np.ravel(GRAD_A), GRAD_B])
    total = clip_grad_norm_(iter([a, b]), 1.0)
    np.testing.assert_allclose(total.item(), np.linalg.norm(flat), rtol=1e-15)
    # after clipping, the norm is max_norm (up to the 1e-6 in the denominator)
    clipped = np.concatenate([a.grad.numpy(force=True).ravel(), b.grad.numpy(force=True)])
    np.testing.assert_allclose(np.linalg.norm(clipped), 1.0, rtol=1e-6)


def test_small_gradients_are_left_alone_and_identity_is_kept():
    a, b = _params()
    grad_array = a.grad.numpy(force=True)
    total = clip_grad_norm_([a, b], max_norm=100.0)
    assert a.grad.numpy(force=True) is grad_array  # in place
    assert a.grad.numpy(force=True).tolist() == GRAD_A and total.item() == pytest.approx(8.381527307120106)


def test_float32_gradients_give_a_float32_norm():
    a, b = _params(np.float32)
    total = clip_grad_norm_([a, b], 2.0, norm_type="inf")
    assert total.dtype == np.float32 and a.grad.dtype == np.float32


def test_parameters_without_gradient_are_skipped_and_none_gives_zero():
    a, b = _params()
    c = nn.Parameter(tg.zeros(2))
    assert clip_grad_norm_([a, c, b], 2.0).item() == pytest.approx(8.381527307120106)
    assert clip_grad_norm_([], 1.0).item() == 0.0
    assert clip_grad_norm_(c, 1.0).item() == 0.0  # a single tensor is accepted


def test_non_finite_norm():
    a, b = _params()
    b.grad.data[0] = np.nan
    with pytest.raises(RuntimeError, match=r"^The total norm of order 2.0 for gradients from "
                                           r"`parameters` is non-finite, so it cannot be "
                                           r"clipped. To disable this error and scale the "
                                           r"gradients by the non-finite norm anyway, set "
                                           r"`error_if_nonfinite=False`$"):
        clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    a, b = _params()
    b.grad.data[0] = np.inf
    with np.errstate(invalid="ignore"):  # inf · 0: PyTorch also gives nan there
        total = clip_grad_norm_([a, b], 1.0)
    assert total.item() == math.inf and np.all(a.grad.numpy(force=True) == 0)


def test_an_empty_generator_warns():
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_value_clamps_each_element():
    a, b = _params()
    assert clip_grad_value_([a, b], 1.5) is None
    assert a.grad.tolist() == [[1.5, -1.5], [1.0, 1.5]]
    assert b.grad.tolist() == [0.5, -1.5, 1.5]


def test_arguments_of_the_wrong_type_name_the_function():
    a, _ = _params()
    with pytest.raises(TypeError, match="^clip_grad_norm_: parameters must be Tensors, got "
                                        "NoneType$"):
        clip_grad_norm_([a, None], 1.0)
    with pytest.raises(TypeError, match="^clip_grad_value_: parameters must be a Tensor or a "
                                        "sequence of Tensors, got int$"):
        clip_grad_value_(3, 1.0)
    with pytest.raises(TypeError, match="^clip_grad_value_: clip_value must be a number, "
                                        "got bool$"):
        clip_grad_value_([a], True)
    with pytest.raises(TypeError, match="^get_total_norm: norm_type must be a number, got "
                                        "NoneType$"):
        clip_grad_norm_([a], 1.0, norm_type=None)
    with pytest.raises(ValueError, match="^get_total_norm: norm_type must be a number or 'inf', "
                                         "got 'max'$"):
        clip_grad_norm_([a], 1.0, norm_type="max")


def test_clipping_a_model_between_backward_and_step():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = (model(tg.randn(8, 3)) * 100).sum()
    loss.backward()
    total = clip_grad_norm_(model.parameters(), 0.5)
    assert total.item() > 0.5
    norm = math.sqrt(sum((p.grad.numpy(force=True).astype(np.float64) ** 2).sum() for p in model.parameters()))
    assert norm == pytest.approx(0.5, rel=1e-5)
