"""Gradients against hand-written NumPy formulas (an oracle independent of
gradcheck), the derivative conventions at kinks (PYTORCH_SEMANTICS row 26),
and the ops that are not differentiable.

Each formula test seeds backward with a random upstream gradient R, so the
expected value is the vector-Jacobian product Rᵀ·J written out by hand.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

@pytest.fixture
def rng():
    """A fresh generator per test: values do not depend on which tests ran before."""
    return np.random.default_rng(20240601)


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def backward_with(out, upstream):
    out.backward(tg.tensor(upstream))


def close(actual, expected):
    np.testing.assert_allclose(actual.numpy(force=True) if isinstance(actual, tg.Tensor) else actual,
                               expected, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------
# vector-Jacobian products written by hand


def test_mul_with_broadcasting_sums_over_the_broadcast_axes(rng):
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((4,))
    R = rng.standard_normal((3, 4))
    ta, tb = leaf(a), leaf(b)
    backward_with(ta * tb, R)
    close(ta.grad, (R * b).sum(axis=1, keepdims=True))  # ∂/∂a = Σ_j R_ij b_j
    close(tb.grad, (R * a).sum(axis=0))  # ∂/∂b = Σ_i R_ij a_i


def test_div_gradients_are_one_over_y_and_minus_x_over_y_squared(rng):
    x, y = rng.standard_normal((2, 3)), rng.uniform(0.5, 2, (2, 3))
    R = rng.standard_normal((2, 3))
    tx, ty = leaf(x), leaf(y)
    backward_with(tx / ty, R)
    close(tx.grad, R / y)
    close(ty.grad, -R * x / y**2)


def test_pow_with_tensor_exponent(rng):
    x, y = rng.uniform(0.5, 2, (2, 3)), rng.standard_normal((2, 3))
    R = rng.standard_normal((2, 3))
    tx, ty = leaf(x), leaf(y)
    backward_with(tx ** ty, R)
    close(tx.grad, R * y * x ** (y - 1))
    close(ty.grad, R * x**y * np.log(x))


def test_matmul_gradients_are_g_times_b_transposed_and_a_transposed_times_g(rng):
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    R = rng.standard_normal((3, 2))
    tA, tB = leaf(A), leaf(B)
    backward_with(tA @ tB, R)
    close(tA.grad, R @ B.T)
    close(tB.grad, A.T @ R)


def test_batched_matmul_sums_the_shared_operand_over_the_batch(rng):
    A, B = rng.standard_normal((5, 3, 4)), rng.standard_normal((4, 2))
    R = rng.standard_normal((5, 3, 2))
    tA, tB = leaf(A), leaf(B)
    backward_with(tA @ tB, R)
    close(tA.grad, R @ B.T)
    close(tB.grad, np.einsum("bik,bij->kj", A, R))


def test_vector_matrix_product(rng):
    v, M = rng.standard_normal(4), rng.standard_normal((4, 3))
    R = rng.standard_normal(3)
    tv, tM = leaf(v), leaf(M)
    backward_with(tv @ tM, R)
    close(tv.grad, M @ R)
    close(tM.grad, np.outer(v, R))


def test_sigmoid_and_tanh(rng):
    x = rng.standard_normal((3, 4))
    R = rng.standard_normal((3, 4))
    s, t = 1 / (1 + np.exp(-x)), np.tanh(x)
    tx = leaf(x)
    backward_with(tx.sigmoid(), R)
    close(tx.grad, R * s * (1 - s))
    tx.grad = None
    backward_with(tx.tanh(), R)
    close(tx.grad, R * (1 - t**2))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_jacobian_vector_product(axis, rng):
    x, R = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    s = _softmax(x, axis)
    tx = leaf(x)
    backward_with(tx.softmax(axis), R)
    close(tx.grad, s * (R - (R * s).sum(axis=axis, keepdims=True)))


def test_log_softmax_gradient_is_r_minus_softmax_times_sum_r(rng):
    x, R = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    tx = leaf(x)
    backward_with(tx.log_softmax(1), R)
    close(tx.grad, R - _softmax(x, 1) * R.sum(axis=1, keepdims=True))


def test_logsumexp_gradient_is_the_softmax(rng):
    x, R = rng.standard_normal((3, 4)), rng.standard_normal(3)
    tx = leaf(x)
    backward_with(tx.logsumexp(1), R)
    close(tx.grad, R[:, None] * _softmax(x, 1))


def test_softmax_values_and_gradient_are_stable_for_large_inputs():
    x = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    tx = leaf(x)
    out = tx.log_softmax(1)
    assert np.isfinite(out.numpy(force=True)).all()
    close(out, x - x.max(1, keepdims=True) - np.log(np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True)))
    out.sum().backward()
    assert np.isfinite(tx.grad.numpy(force=True)).all()


def test_sigmoid_is_stable_for_large_inputs():
    x = leaf([-1e4, -50.0, 0.0, 50.0, 1e4])
    out = x.sigmoid()
    close(out, [0.0, 1 / (1 + np.exp(50.0)), 0.5, 1 / (1 + np.exp(-50.0)), 1.0])
    out.sum().backward()
    assert np.isfinite(x.grad.numpy(force=True)).all()


def test_mean_spreads_r_over_n(rng):
    x, R = rng.standard_normal((3, 4)), rng.standard_normal(4)
    tx = leaf(x)
    backward_with(tx.mean(0), R)
    close(tx.grad, np.broadcast_to(R / 3, (3, 4)))


def test_max_with_dim_sends_the_gradient_to_the_argmax(rng):
    x = rng.standard_normal((3, 5))
    R = rng.standard_normal(3)
    tx = leaf(x)
    backward_with(tx.max(1).values, R)
    expected = np.zeros((3, 5))
    expected[np.arange(3), x.argmax(1)] = R
    close(tx.grad, expected)


def test_integer_array_indexing_adds_up_repeated_indices(rng):
    x = rng.standard_normal((4, 3))
    index = np.array([0, 2, 0, 0, 3])
    R = rng.standard_normal((5, 3))
    tx = leaf(x)
    backward_with(tx[index], R)
    expected = np.zeros((4, 3))
    np.add.at(expected, index, R)
    close(tx.grad, expected)


def test_bool_mask_indexing_scatters_back_to_the_true_positions(rng):
    x = rng.standard_normal((3, 4))
    mask = x > 0.2
    R = rng.standard_normal(int(mask.sum()))
    tx = leaf(x)
    backward_with(tx[mask], R)
    expected = np.zeros((3, 4))
    expected[mask] = R
    close(tx.grad, expected)


def test_cat_cuts_the_gradient_back_into_pieces(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 5))
    R = rng.standard_normal((2, 8))
    ta, tb = leaf(a), leaf(b)
    backward_with(tg.cat([ta, tb], 1), R)
    close(ta.grad, R[:, :3])
    close(tb.grad, R[:, 3:])


def test_permute_sends_the_gradient_back_by_the_inverse_permutation(rng):
    x, R = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2, 3))
    tx = leaf(x)
    backward_with(tx.permute(2, 0, 1), R)
    close(tx.grad, R.transpose(1, 2, 0))


def test_one_element_picked_out_and_scaled():
    # a 0-d intermediate: its backward arithmetic must stay in arrays
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x[0] * 3).backward()
    assert x.grad.tolist() == [3.0, 0.0]


def test_pow_of_two_0d_tensors():
    a = tg.tensor(np.array(2.0), requires_grad=True)
    b = tg.tensor(np.array(3.0), requires_grad=True)
    (a ** b).backward()
    assert a.grad.item() == pytest.approx(3 * 2.0 ** 2, rel=1e-12)  # b·a^(b-1)
    assert b.grad.item() == pytest.approx(2.0 ** 3 * np.log(2.0), rel=1e-12)  # a^b·ln a


def test_sum_of_a_0d_tensor_times_a_number():
    a = tg.tensor(np.array(2.0), requires_grad=True)
    (a.sum() * 3.0).backward()
    assert a.grad.item() == 3.0


def test_cast_passes_the_gradient_and_casts_it_back_to_the_leaf_dtype(rng):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)  # float32
    y = x.double()
    assert y.dtype == np.float64
    R = rng.standard_normal(3)
    backward_with(y * 2.0, R)
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(force=True), (2 * R).astype(np.float32))


# ----------------------------------------------------------------------------
# conventions at kinks (PYTORCH_SEMANTICS row 26)


def grad_of(fn, values):
    x = tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy(force=True)


def test_relu_derivative_at_zero_is_zero():
    assert grad_of(lambda x: x.relu(), [-1.0, 0.0, 2.0]).tolist() == [0.0, 0.0, 1.0]


def test_leaky_relu_derivative_at_zero_is_the_slope():
    assert grad_of(lambda x: x.leaky_relu(), [-1.0, 0.0, 2.0]).tolist() == [0.01, 0.01, 1.0]
    assert grad_of(lambda x: tg.leaky_relu(x, 0.2), [0.0]).tolist() == [0.2]


SPECIAL_VALUES = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-40, -1e-40, 3.0, -3.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.01, 0.2, 1.0, 0.0, 1e-30, 2.0, -0.5])
def test_leaky_relu_is_x_where_positive_else_slope_times_x_bit_for_bit(dtype, slope):
    # ops.LeakyReLU takes max(αx, x) for 0 < α ≤ 1: the same bits, signed zeros, nans and
    # infinities included; α = 1e-30 rounds to 0 in float16 and float32, where max(∞, ∞·0)
    # would be nan, so those go the np.where way
    with np.errstate(all="ignore"):
        x = np.array(SPECIAL_VALUES + list(np.linspace(-5, 5, 21)), dtype=dtype)
        expected = np.array([v if v > 0 else v * dtype(slope) for v in x], dtype=dtype)
        out = tg.tensor(x).leaky_relu(slope).numpy(force=True)
    assert out.dtype == dtype and out.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype, bits", [(np.float16, [0x7C01, 0xFC01]),
                                         (np.float32, [0x7F800001, 0xFF800001]),
                                         (np.float64, [0x7FF0000000000001, 0xFFF0000000000001])])
def test_leaky_relu_quiets_a_signalling_nan_as_the_formula_does(dtype, bits):
    # x·α quiets it; max keeps the first of two NaNs, so ops.LeakyReLU puts αx first
    x = np.array(bits, dtype=f"u{np.dtype(dtype).itemsize}").view(dtype)
    with np.errstate(all="ignore"):
        expected = np.where(x > 0, x, x * dtype(0.01))
        out = tg.tensor(x).leaky_relu(0.01).numpy(force=True)
    assert out.tobytes() == expected.tobytes() and out.tobytes() != x.tobytes()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 2)])
def test_mean_is_numpy_mean_bit_for_bit(dtype, dim, rng):
    # ops.Mean divides np.add.reduce by n itself for float64 (float16 and float32 keep np.mean)
    x = (rng.standard_normal((3, 5, 7)) * 100).astype(dtype)
    out = tg.tensor(x).mean(dim, keepdim=dim == 1).numpy(force=True)
    assert out.tobytes() == np.asarray(np.mean(x, axis=dim, keepdims=dim == 1)).tobytes()


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64]),
                    hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                    elements=st.floats(allow_nan=True, allow_infinity=True, width=16)),
       slope=st.one_of(st.floats(0, 1), st.sampled_from([0.01, 1e-30, 5e-324, 1.0])))
def test_leaky_relu_bits_for_any_input_and_slope_in_0_to_1(x, slope):
    with np.errstate(all="ignore"):
        expected = np.where(x > 0, x, x * slope)
        out = tg.tensor(x).leaky_relu(slope).numpy(force=True)
    assert out.dtype == x.dtype and out.tobytes() == expected.tobytes()


def test_a_float32_mean_over_more_than_2_to_the_24_elements_is_numpy_mean_bit_for_bit():
    # np.mean divides a float32 sum by the count in float64; the count 2²⁴ + 1 has no
    # float32 of its own, so dividing in float32 would round it first
    x = np.random.default_rng(0).random(2**24 + 1, dtype=np.float32)
    assert tg.tensor(x).mean().numpy(force=True).tobytes() == np.asarray(np.mean(x)).tobytes()


def test_square_gradient_is_exactly_r_times_two_x(rng):
    # PowScalar's backward skips x ** 1 for c = 2: the very same numbers
    x, R = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    tx = leaf(x)
    backward_with(tx ** 2, R)
    assert tx.grad.numpy(force=True).tobytes() == (R * (2 * x)).tobytes()


def test_abs_derivative_at_zero_is_zero():
    assert grad_of(lambda x: x.abs(), [-2.0, 0.0, 3.0]).tolist() == [-1.0, 0.0, 1.0]


def test_sigmoid_derivative_at_zero_is_a_quarter():
    assert grad_of(lambda x: x.sigmoid(), [0.0]).tolist() == [0.25]


def test_max_without_dim_splits_ties_evenly():
    assert grad_of(lambda x: x.max(), [1.0, 3.0, 3.0]).tolist() == [0.0, 0.5, 0.5]


def test_min_without_dim_splits_ties_evenly():
    assert grad_of(lambda x: x.min(), [2.0, 1.0, 1.0, 1.0]).tolist() == pytest.approx([0, 1 / 3, 1 / 3, 1 / 3])


def test_max_and_min_with_dim_send_the_gradient_to_the_first_extreme():
    values = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    assert grad_of(lambda x: x.max(1).values, values).tolist() == [[0, 1, 0], [1, 0, 0]]
    assert grad_of(lambda x: x.min(0).values, [[1.0, 2.0], [1.0, 0.0]]).tolist() == [[1, 0], [0, 1]]
    x = tg.tensor(values, requires_grad=True)
    assert x.max(1).indices.tolist() == [1, 0]  # the index the gradient went to


def test_maximum_and_minimum_split_a_tie_half_and_half():
    for function in (tg.maximum, tg.minimum):
        a = tg.tensor([1.0, 2.0], requires_grad=True)
        b = tg.tensor([1.0, 0.0], requires_grad=True)
        function(a, b).sum().backward()
        winner_a = 1.0 if function is tg.maximum else 0.0
        assert a.grad.tolist() == [0.5, winner_a]
        assert b.grad.tolist() == [0.5, 1.0 - winner_a]


def test_clamp_passes_the_gradient_at_both_bounds():
    assert grad_of(lambda x: x.clamp(0, 1), [0.0, 1.0, 0.5, 2.0]).tolist() == [1, 1, 1, 0]
    assert grad_of(lambda x: x.clamp(min=0), [-1.0, 0.0, 5.0]).tolist() == [0, 1, 1]
    assert grad_of(lambda x: x.clamp(max=0), [-1.0, 0.0, 5.0]).tolist() == [1, 1, 0]


def test_where_sends_zeros_not_none_to_the_unselected_branch():
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tg.tensor([4.0, 5.0, 6.0], requires_grad=True)
    condition = np.array([True, False, True])
    tg.where(condition, a, b).sum().backward()
    assert a.grad.tolist() == [1, 0, 1]
    assert b.grad.tolist() == [0, 1, 0]


def test_where_as_a_relu_gives_zero_gradient_where_the_constant_is_selected():
    x = tg.tensor([-1.0, 4.0], requires_grad=True)
    tg.where(x > 0, x * 3, tg.tensor(0.0)).sum().backward()
    assert x.grad.tolist() == [0.0, 3.0]


def test_power_zero_and_two_have_zero_derivative_at_zero():
    assert grad_of(lambda x: x ** 0, [0.0, 2.0]).tolist() == [0.0, 0.0]
    assert grad_of(lambda x: x ** 2, [0.0]).tolist() == [0.0]
    assert grad_of(lambda x: x ** tg.tensor(0.0, dtype=tg.float64), [0.0]).tolist() == [0.0]


def test_pow_exponent_gradient_is_zero_at_base_zero():
    # d(x**y)/dy = x**y·log x, taken as 0 at x = 0 (y >= 0), as in PyTorch
    x = tg.tensor([0.0, 2.0], requires_grad=True)
    y = tg.tensor([2.0, 3.0], requires_grad=True)
    (x ** y).sum().backward()
    assert y.grad.numpy(force=True)[0] == 0.0
    assert y.grad.numpy(force=True)[1] == pytest.approx(8 * np.log(2.0), rel=1e-6)


def test_sqrt_derivative_at_zero_is_infinite():
    with np.errstate(divide="ignore"):
        assert grad_of(lambda x: x.sqrt(), [0.0]).tolist() == [np.inf]


# ----------------------------------------------------------------------------
# not differentiable


@pytest.mark.parametrize("compare", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b,
                                     lambda a, b: a >= b, lambda a, b: a == b, lambda a, b: a != b],
                         ids=["lt", "le", "gt", "ge", "eq", "ne"])
def test_comparisons_give_bool_tensors_outside_the_graph(compare):
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    for result in (compare(a, b), compare(a, 2.0)):
        assert result.dtype == np.bool_
        assert not result.requires_grad
        assert result.grad_fn is None and result.is_leaf
        assert result.tolist() == compare(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])).tolist()


def test_argmax_and_argmin_give_int64_indices_outside_the_graph():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    for result, expected in ((x.argmax(), 3), (x.argmin(), 4), (x.argmax(1), [1, 0]),
                             (x.argmin(dim=0), [0, 1, 0]), (tg.argmax(x, 1, keepdim=True), [[1], [0]])):
        assert result.dtype == np.int64
        assert not result.requires_grad and result.grad_fn is None
        assert result.tolist() == expected


def test_max_indices_are_not_differentiable():
    x = tg.tensor([[1.0, 5.0]], requires_grad=True)
    values, indices = x.max(1)
    assert values.requires_grad
    assert not indices.requires_grad and indices.dtype == np.int64
