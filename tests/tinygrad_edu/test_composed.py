"""Tensor methods composed from other methods (composed.py) that PyTorch scripts use:
var/std, prod, isnan/isinf/isfinite, isclose/allclose, all/any, sort/argsort/topk,
gather, index_select, masked_fill, split/chunk, repeat, cpu/cuda.

Expected values come from hand formulas, Python's statistics module, NumPy
references, or PyTorch 2.13's results written in (noted where so); gradients of
every differentiable one are also checked by the op catalogue (gradcheck and
gradgradcheck).
"""
from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg

SETTINGS = settings(max_examples=30, deadline=None)


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def close(actual, expected, rtol=1e-12, atol=1e-12):
    actual = actual.numpy(force=True) if isinstance(actual, tg.Tensor) else actual
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def raises(kind, message):
    """pytest.raises matching `message` literally (PyTorch's texts are full of brackets)."""
    import re
    return pytest.raises(kind, match=re.escape(message))


ROWS = [[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]

# ----------------------------------------------------------------------------
# var and std


@pytest.mark.parametrize("args, kwargs, expected", [
    ((), {}, statistics.variance([1, 2, 3, 4, 5, 7])),  # Bessel's correction by default
    ((0,), {}, [4.5, 4.5, 8.0]),
    ((1, False), {}, [statistics.pvariance([1, 2, 3]), statistics.pvariance([4, 5, 7])]),
    ((False,), {}, statistics.pvariance([1, 2, 3, 4, 5, 7])),  # the unbiased-only overload
    ((1,), {"keepdim": True}, [[1.0], [statistics.variance([4, 5, 7])]]),
    ((), {"dim": 1, "correction": 0}, [2 / 3, 14 / 9]),
    ((), {"unbiased": False}, statistics.pvariance([1, 2, 3, 4, 5, 7])),
    ((), {"correction": 2}, 70 / 3 / 4),  # Σ(x − mean)² = 70/3 over 6 − 2
    ((1,), {"correction": 0.5}, [2 / 2.5, (14 / 3) / 2.5]),  # fractional corrections too
    (((0, 1),), {}, statistics.variance([1, 2, 3, 4, 5, 7])),
])
def test_var_overloads(args, kwargs, expected):
    x = tg.tensor(np.array(ROWS))
    close(x.var(*args, **kwargs), expected, rtol=1e-14)
    close(x.std(*args, **kwargs), np.sqrt(expected), rtol=1e-14)
    close(tg.var(x, *args, **kwargs), expected, rtol=1e-14)


def test_var_gradient_by_hand():
    rng = np.random.default_rng(6)
    x, R = rng.standard_normal((3, 5)), rng.standard_normal(3)
    t = leaf(x)
    t.var(1).backward(tg.tensor(R))
    # ∂/∂x_j Σ(x − m)²/(n − 1) = 2(x_j − m)/(n − 1): the mean's own term sums to 0
    close(t.grad, R[:, None] * 2 * (x - x.mean(1, keepdims=True)) / 4)


def test_std_gradient_is_zero_where_the_variance_is_zero():
    # PyTorch 2.13: torch.ones(3, requires_grad=True).std().backward() gives zeros, not nan
    t = leaf([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    out = t.std(1)
    close(out, [0.0, math.sqrt(statistics.variance([1, 2, 4]))], rtol=1e-15)
    out.sum().backward()
    x = np.array([1.0, 2.0, 4.0])
    close(t.grad, [[0.0, 0.0, 0.0], list((x - x.mean()) / (2 * out.numpy(force=True)[1]))])


def test_too_few_degrees_of_freedom_warn_as_pytorch():
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        out = tg.tensor([1.0, 2.0]).var(correction=2)
    assert out.item() == math.inf
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        assert math.isnan(tg.tensor([1.0]).std().item())  # 0/0
    with pytest.warns(UserWarning):
        assert math.isnan(tg.ones(0).var().item())


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor([1, 2]).var(), RuntimeError,
     "var(): std and var only support floating point and complex dtypes"),
    (lambda: tg.ones(3).std(0, True, correction=0), TypeError, "give unbiased= or correction="),
    (lambda: tg.ones(3).var(unbiased=1), TypeError, "var(): argument 'unbiased' must be bool, not int"),
    (lambda: tg.ones(3).var(correction="1"), TypeError, "var: correction must be a number"),
    (lambda: tg.ones(3).var(1), IndexError, "var: Dimension out of range"),
])
def test_var_errors(call, kind, message):
    with raises(kind, message):
        call()


@SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),
                  elements=st.floats(-100, 100)), st.integers(0, 2), st.sampled_from([0, 1, 1.5]))
def test_var_equals_numpy_var_with_ddof(x, dim, correction):
    dim = dim % x.ndim
    close(tg.tensor(x).var(dim, correction=correction), np.var(x, axis=dim, ddof=correction),
          rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------
# prod


def test_prod_values_and_dtypes():
    x = tg.tensor(ROWS)
    assert x.prod().item() == 840.0 and x.prod().shape == ()
    assert x.prod(1).tolist() == [6.0, 140.0] and x.prod(1, True).shape == (2, 1)
    assert x.prod(keepdim=True).shape == (1, 1)
    ints = tg.tensor([1, 2, 3], dtype=tg.int32).prod()
    assert ints.dtype == np.int64 and ints.item() == 6  # integers multiply in int64
    assert tg.tensor([True, True]).prod().item() == 1
    assert tg.tensor(ROWS).prod(dtype=tg.float64).dtype == np.float64
    assert tg.ones(0, 3).prod(0).tolist() == [1.0, 1.0, 1.0]  # the empty product
    assert tg.tensor(5.0).prod(0).item() == 5.0


@pytest.mark.parametrize("values, expected_grad", [
    # PyTorch's gradients: the product of the others, zeros included
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
    ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
    ([1.0, 0.0, 2.0, 0.0, 5.0, 7.0, 3.0], [0.0] * 7),
    ([1.0, 0.0, 2.0, 4.0, 5.0, -7.0, 3.0], [0.0, -840.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
])
def test_prod_gradient_with_zeros(values, expected_grad):
    t = leaf(values)
    t.prod().backward()
    close(t.grad, expected_grad)


@SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.sampled_from([0.0, 0.5, -1.0, 2.0, 1.5, -3.0])), st.integers(0, 2))
def test_prod_and_its_gradient_against_numpy(x, dim):
    dim = dim % x.ndim
    t = leaf(x)
    out = t.prod(dim)
    close(out, np.prod(x, axis=dim), rtol=1e-13)
    out.sum().backward()
    others = [np.prod(np.delete(x, i, axis=dim), axis=dim) for i in range(x.shape[dim])]
    close(t.grad, np.stack(others, axis=dim) if others else np.zeros(x.shape), rtol=1e-13)


def test_prod_dim_must_be_one_int():
    with raises(TypeError, "prod: dim must be a single int, got (0, 1)"):
        tg.ones(2, 2).prod((0, 1))


# ----------------------------------------------------------------------------
# tests of values


def test_isnan_isinf_isfinite():
    x = tg.tensor([1.0, math.nan, math.inf, -math.inf])
    assert x.isnan().tolist() == [False, True, False, False]
    assert x.isinf().tolist() == [False, False, True, True]
    assert x.isfinite().tolist() == [True, False, False, False]
    ints = tg.tensor([1, 2])
    assert ints.isnan().tolist() == [False, False] and ints.isfinite().tolist() == [True, True]
    assert x.isnan().dtype == np.bool_ and not x.isnan().requires_grad


def test_isclose_and_allclose():
    # PyTorch 2.13's answers
    a = tg.tensor([1.0, 2.0])
    assert tg.allclose(a, a + 1e-6) and not a.allclose(a + 1e-3)
    assert not tg.allclose(a, tg.tensor([1.0, math.nan]))
    assert tg.allclose(tg.tensor([math.nan]), tg.tensor([math.nan]), equal_nan=True)
    assert tg.allclose(tg.tensor([math.inf]), tg.tensor([math.inf]))
    assert tg.allclose(a, tg.tensor([[1.0, 2.0]]))  # broadcasting
    assert tg.allclose(tg.tensor([1, 2]), tg.tensor([1, 2]))
    assert tg.allclose(a, tg.tensor([1.0, 2.1]), rtol=0.1) and not tg.allclose(a, a + 1, atol=0.5)
    assert a.isclose(tg.tensor([1.0, 3.0])).tolist() == [True, False]
    assert tg.tensor([True, False]).isclose(tg.tensor([True, True])).tolist() == [True, False]
    assert isinstance(tg.allclose(a, a), bool)


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.allclose(tg.ones(2), tg.ones(2, dtype=tg.float64)), RuntimeError,
     "allclose(): Float did not match Double"),
    (lambda: tg.allclose(tg.tensor([1, 2]), tg.tensor([1.0, 2.0])), RuntimeError,
     "Long did not match Float"),
    (lambda: tg.allclose(tg.ones(2), tg.ones(3)), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    (lambda: tg.allclose(tg.ones(2), [1.0, 1.0]), TypeError,
     "allclose(): argument 'other' (position 2) must be Tensor, not list"),
    (lambda: tg.allclose(tg.ones(2), tg.ones(2), rtol=-1), RuntimeError,
     "allclose(): rtol must be greater than or equal to zero, but got -1"),
    (lambda: tg.ones(2).isclose(tg.ones(2), atol=-0.5), RuntimeError,
     "isclose(): atol must be greater than or equal to zero, but got -0.5"),
    (lambda: tg.ones(2).isclose(tg.ones(2), equal_nan=1), TypeError,
     "argument 'equal_nan' must be bool"),
])
def test_allclose_errors(call, kind, message):
    with raises(kind, message):
        call()


def test_all_and_any():
    # PyTorch 2.13's answers
    rows = tg.tensor([[True, False], [True, True]])
    assert not tg.tensor([1, 0]).all() and tg.tensor([1.0, 2.0]).all()
    assert rows.all(1).tolist() == [False, True] and rows.any(0, keepdim=True).tolist() == [[True, True]]
    assert tg.all(rows, dim=(0, 1)).item() is False
    assert tg.tensor([math.nan]).all().item() is True  # nan is not zero
    assert tg.ones(0).all().item() is True and tg.ones(0).any().item() is False
    uint8 = tg.tensor(np.array([1, 0], dtype=np.uint8)).all()
    assert uint8.dtype == np.uint8 and uint8.item() == 0  # PyTorch keeps uint8 here
    assert tg.tensor(True).all(0).item() is True
    with raises(IndexError, "any: Dimension out of range (expected to be in range of [-1, 0], but got 5)"):
        tg.tensor([1, 0]).any(5)


# ----------------------------------------------------------------------------
# sort, argsort, topk

NAN, INF = math.nan, math.inf
VALUES = [3.0, 1.0, NAN, 2.0, 1.0, 3.0, -INF]


def test_sort_puts_nan_last_and_keeps_ties_in_order():
    # PyTorch 2.13's results, to the index
    ascending = tg.tensor(VALUES).sort()
    assert ascending.indices.tolist() == [6, 1, 4, 3, 0, 5, 2]
    np.testing.assert_array_equal(ascending.values.numpy(force=True), [-INF, 1, 1, 2, 3, 3, NAN])
    descending = tg.sort(tg.tensor(VALUES), 0, True)
    assert descending.indices.tolist() == [2, 0, 5, 3, 1, 4, 6]
    np.testing.assert_array_equal(descending.values.numpy(force=True), [NAN, 3, 3, 2, 1, 1, -INF])
    assert tg.tensor(VALUES).argsort(descending=True).tolist() == [2, 0, 5, 3, 1, 4, 6]
    assert tg.argsort(tg.tensor(VALUES), stable=True).tolist() == [6, 1, 4, 3, 0, 5, 2]
    values, indices = tg.tensor([[3, 1], [0, 5]]).sort(0)
    assert values.tolist() == [[0, 1], [3, 5]] and indices.tolist() == [[1, 0], [0, 1]]
    assert repr(ascending).startswith("sort(values=tensor(")


def test_sort_of_small_ints_bools_0d_and_empty():
    assert tg.tensor([3, 1], dtype=tg.int8).sort(descending=True).values.tolist() == [3, 1]
    assert tg.tensor([-128, 127], dtype=tg.int8).sort(descending=True).values.tolist() == [127, -128]
    assert tg.tensor([True, False]).sort().indices.tolist() == [1, 0]
    zero_d = tg.tensor(3.0).sort()
    assert zero_d.values.item() == 3.0 and zero_d.indices.item() == 0
    assert tg.ones(0).sort().indices.dtype == np.int64


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(0, 12),
                  elements=st.sampled_from([0.0, 1.0, -1.0, 2.5, NAN, INF, -INF])),
       st.booleans())
def test_sort_order_is_pythons_stable_sort(values, descending):
    key = [(math.isnan(v), 0.0 if math.isnan(v) else v) for v in values]
    expected = sorted(range(len(values)), key=key.__getitem__, reverse=descending)
    assert tg.tensor(values).argsort(descending=descending).tolist() == expected


def test_sort_gradient_follows_the_indices():
    # PyTorch 2.13: the weighted sorted values of [1, 3, 3, 2] send [0, 2, 3, 1] back
    t = leaf([1.0, 3.0, 3.0, 2.0])
    (t.sort().values * tg.tensor(np.arange(4.0))).sum().backward()
    close(t.grad, [0.0, 2.0, 3.0, 1.0])


def test_topk():
    t = tg.tensor(VALUES)
    largest = t.topk(3)
    np.testing.assert_array_equal(largest.values.numpy(force=True), [NAN, 3, 3])
    assert largest.indices.tolist() == [2, 0, 5]  # PyTorch 2.13 says [2, 5, 0]: ties unordered
    smallest = tg.topk(t, 3, largest=False)  # PyTorch 2.13 gives these too
    assert smallest.values.tolist() == [-INF, 1.0, 1.0] and smallest.indices.tolist() == [6, 1, 4]
    rows = tg.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]]).topk(2, dim=0)
    assert rows.values.tolist() == [[4, 5, 3], [1, 0, 2]]
    assert rows.indices.tolist() == [[1, 0, 1], [0, 1, 0]]
    assert t.topk(0).values.shape == (0,) and tg.ones(2, 0).topk(0).values.shape == (2, 0)
    assert tg.tensor(3.0).topk(1).values.item() == 3.0
    assert t.topk(2, sorted=False).indices.tolist() == [2, 0]
    assert repr(largest).startswith("topk(values=")


def test_topk_gradient_goes_to_the_chosen_elements():
    t = leaf([1.0, 3.0, 3.0, 2.0])
    t.topk(2).values.sum().backward()
    close(t.grad, [0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor(VALUES).topk(8), RuntimeError, "topk(): selected index k out of range"),
    (lambda: tg.tensor(VALUES).topk(-1), RuntimeError, "topk(): selected index k out of range"),
    (lambda: tg.tensor(VALUES).topk(2.0), TypeError,
     "topk(): argument 'k' (position 1) must be int, not float"),
    (lambda: tg.tensor(VALUES).topk(1, largest=0), TypeError,
     "topk(): argument 'largest' must be bool, not int"),
    (lambda: tg.ones(2).sort(0, descending=1), TypeError,
     "sort(): argument 'descending' must be bool, not int"),
    (lambda: tg.ones(2).sort(1), IndexError,
     "sort: Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda: tg.ones(2).argsort(stable="yes"), TypeError, "argument 'stable' must be bool"),
])
def test_sort_and_topk_errors(call, kind, message):
    with raises(kind, message):
        call()


# ----------------------------------------------------------------------------
# gather, index_select, masked_fill


def test_gather():
    x = tg.tensor(ROWS)
    # PyTorch 2.13's results
    assert x.gather(1, tg.tensor([[0, 0], [1, 0]])).tolist() == [[1, 1], [5, 4]]
    assert tg.gather(x, 0, tg.tensor([[1, 0, 1]])).tolist() == [[4, 2, 7]]
    assert x.gather(1, tg.tensor([[0, 0], [1, 0]], dtype=tg.int32)).tolist() == [[1, 1], [5, 4]]
    assert x.gather(1, tg.zeros(0, 2, dtype=tg.int64)).shape == (0, 2)
    assert tg.tensor(5.0).gather(0, tg.tensor(0)).item() == 5.0


def test_gather_gradient_adds_up_repeated_positions():
    t = leaf(ROWS)
    index = np.array([[2, 2, 0], [1, 1, 1]])
    R = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t.gather(1, tg.tensor(index)).backward(tg.tensor(R))
    close(t.grad, [[3.0, 0.0, 3.0], [0.0, 15.0, 0.0]])


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor(ROWS).gather(1, tg.tensor([[0, 5]])), RuntimeError,
     "gather(): index 5 is out of bounds for dimension 1 with size 3"),
    (lambda: tg.tensor(ROWS).gather(1, tg.tensor([[-1, 0]])), RuntimeError,
     "gather(): index -1 is out of bounds for dimension 1 with size 3"),
    (lambda: tg.tensor(ROWS).gather(1, tg.tensor([0, 1])), RuntimeError,
     "gather(): Index tensor must have the same number of dimensions as input tensor"),
    (lambda: tg.tensor(ROWS).gather(0, tg.tensor([[0, 0, 0, 0]])), RuntimeError,
     "gather(): Size does not match at dimension 1 expected index [1, 4] to be no larger than "
     "self [2, 3] apart from dimension 0"),
    (lambda: tg.tensor(ROWS).gather(1, tg.tensor([[0.0]])), RuntimeError,
     "gather(): Expected dtype int32/int64 for index"),
    (lambda: tg.tensor(ROWS).gather(2, tg.tensor([[0]])), IndexError,
     "gather: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: tg.tensor(ROWS).gather(0, [[0]]), TypeError, "gather: index must be a Tensor, got list"),
])
def test_gather_errors(call, kind, message):
    with raises(kind, message):
        call()


def test_index_select():
    x = tg.tensor(ROWS)
    assert x.index_select(1, tg.tensor([2, 0, 2])).tolist() == [[3, 1, 3], [7, 4, 7]]
    assert tg.index_select(x, 0, tg.tensor(1)).tolist() == [[4, 5, 7]]  # a 0-d index
    assert x.index_select(0, tg.tensor([1], dtype=tg.int32)).tolist() == [[4, 5, 7]]
    assert tg.tensor(5.0).index_select(0, tg.tensor([0])).item() == 5.0
    t = leaf(ROWS)
    t.index_select(1, tg.tensor([2, 0, 2])).backward(tg.ones(2, 3, dtype=tg.float64))
    close(t.grad, [[1.0, 0.0, 2.0], [1.0, 0.0, 2.0]])


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor(ROWS).index_select(0, tg.tensor([[1]])), IndexError,
     "index_select(): Index is supposed to be a vector"),
    (lambda: tg.tensor(ROWS).index_select(0, tg.tensor([2])), IndexError,
     "index_select(): index out of range in self"),
    (lambda: tg.tensor(ROWS).index_select(0, tg.tensor([-1])), IndexError,
     "index_select(): index out of range in self"),
    (lambda: tg.tensor(ROWS).index_select(0, tg.tensor([1.0])), RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    (lambda: tg.tensor(ROWS).index_select(0, [1]), TypeError,
     "index_select(): argument 'index' (position 2) must be Tensor, not list"),
    (lambda: tg.tensor(5.0).index_select(0, tg.tensor([0, 0])), RuntimeError,
     "index_select(): Index to scalar can have only 1 value, got 2 value(s)"),
])
def test_index_select_errors(call, kind, message):
    with raises(kind, message):
        call()


MASK = [True, False, True]


def test_masked_fill():
    x = tg.tensor(ROWS)
    # PyTorch 2.13's results
    assert x.masked_fill(tg.tensor(MASK), -1.0).tolist() == [[-1, 2, -1], [-1, 5, -1]]
    assert tg.tensor([1, 2, 3]).masked_fill(tg.tensor(MASK), 1.5).tolist() == [1, 2, 1]
    assert tg.masked_fill(x, tg.tensor(MASK), tg.tensor(2.0)).tolist() == [[2, 2, 2], [2, 5, 2]]
    assert x.masked_fill(tg.ones(2, 2, 3, dtype=tg.bool), 0).shape == (2, 2, 3)  # mask broadcasts
    assert x.masked_fill(mask=tg.tensor(MASK), value=True).tolist() == [[1, 2, 1], [1, 5, 1]]
    assert tg.tensor([1, 2, 3]).masked_fill(tg.tensor(MASK), 3e10).tolist() == [3e10, 2, 3e10]
    filled = x.masked_fill(tg.tensor(MASK), math.nan)
    assert filled.dtype == np.float32 and math.isnan(filled.numpy(force=True)[0, 0])


def test_masked_fill_gradients():
    # PyTorch 2.13: y = zeros(2, 3), v = 2.0; (y.masked_fill(m, v) * arange(6)).sum()
    # gives y.grad = [[0, 1, 0], [0, 4, 0]] and v.grad = 10
    y, v = tg.zeros(2, 3, requires_grad=True), tg.tensor(2.0, requires_grad=True)
    (y.masked_fill(tg.tensor(MASK), v) * tg.arange(6.0).reshape(2, 3)).sum().backward()
    assert y.grad.tolist() == [[0, 1, 0], [0, 4, 0]] and v.grad.item() == 10.0


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor(ROWS).masked_fill(tg.tensor([1.0, 0.0, 1.0]), 0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype float32"),
    (lambda: tg.tensor(ROWS).masked_fill(tg.tensor([True, False]), 0), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"),
    (lambda: tg.tensor(ROWS).masked_fill(tg.tensor(MASK), tg.tensor([2.0])), RuntimeError,
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."),
    (lambda: tg.tensor([1, 2], dtype=tg.int8).masked_fill(tg.tensor([True, False]), 300),
     RuntimeError, "value 300 cannot be converted to type int8 without overflow"),
    (lambda: tg.tensor([1, 2]).masked_fill(tg.tensor([True, False]), math.nan), RuntimeError,
     "cannot be converted to type int64 without overflow"),
    (lambda: tg.tensor(ROWS).masked_fill(tg.tensor(MASK), "a"), TypeError,
     "masked_fill: value must be a number, got str"),
    (lambda: tg.tensor(ROWS).masked_fill(MASK, 0), TypeError,
     "masked_fill: mask must be a Tensor, got list"),
])
def test_masked_fill_errors(call, kind, message):
    with raises(kind, message):
        call()


# ----------------------------------------------------------------------------
# split, chunk, repeat


def _lists(pieces):
    return [p.tolist() for p in pieces]


def test_split():
    # PyTorch 2.13's results
    assert _lists(tg.arange(5).split(2)) == [[0, 1], [2, 3], [4]]
    assert _lists(tg.arange(5).split([1, 4])) == [[0], [1, 2, 3, 4]]
    assert _lists(tg.split(tg.arange(5), (2, 3), dim=0)) == [[0, 1], [2, 3, 4]]
    assert _lists(tg.arange(6).reshape(2, 3).split(1, 1)) == [[[0], [3]], [[1], [4]], [[2], [5]]]
    assert _lists(tg.arange(6).reshape(2, 3).split([1, 2], -1)) == [[[0], [3]], [[1, 2], [4, 5]]]
    assert _lists(tg.arange(0).split(2)) == [[]] and _lists(tg.arange(0).split(0)) == [[]]
    assert _lists(tg.arange(5).split(7)) == [[0, 1, 2, 3, 4]]
    assert isinstance(tg.arange(5).split(2), tuple)


def test_chunk():
    assert _lists(tg.arange(5).chunk(2)) == [[0, 1, 2], [3, 4]]
    assert _lists(tg.arange(5).chunk(3)) == [[0, 1], [2, 3], [4]]
    assert _lists(tg.arange(6).chunk(4)) == [[0, 1], [2, 3], [4, 5]]  # fewer pieces, as PyTorch
    assert _lists(tg.arange(5).chunk(10)) == [[0], [1], [2], [3], [4]]
    assert _lists(tg.arange(0).chunk(2)) == [[], []]
    assert _lists(tg.chunk(tg.arange(6).reshape(2, 3), 2, 1)) == [[[0, 1], [3, 4]], [[2], [5]]]


def test_split_pieces_carry_their_gradients():
    t = leaf(np.arange(6.0).reshape(2, 3))
    first, second = t.split([1, 2], dim=1)
    (first.sum() * 10 + second.sum()).backward()
    close(t.grad, [[10.0, 1.0, 1.0], [10.0, 1.0, 1.0]])


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.arange(5).split([1, 3]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at dimension "
     "0), but got split_sizes=[1, 3]"),
    (lambda: tg.arange(5).split([2, -1, 4]), RuntimeError,
     "split_with_sizes expects split_sizes have only non-negative entries, but got "
     "split_sizes=[2, -1, 4]"),
    (lambda: tg.arange(5).split(0), RuntimeError,
     "split_size can only be 0 if dimension size is 0, but got dimension size of 5"),
    (lambda: tg.arange(5).split(-1), RuntimeError,
     "split expects split_size be non-negative, but got split_size=-1"),
    (lambda: tg.tensor(5).split(1), RuntimeError, "split expects at least a 1-dimensional tensor"),
    (lambda: tg.arange(5).split(2.0), TypeError, "split: split_size must be an int, got float"),
    (lambda: tg.arange(5).chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda: tg.tensor(1).chunk(1), RuntimeError, "chunk expects at least a 1-dimensional tensor"),
    (lambda: tg.arange(6).split(2, 1), IndexError, "split: Dimension out of range"),
])
def test_split_and_chunk_errors(call, kind, message):
    with raises(kind, message):
        call()


def test_repeat():
    # PyTorch 2.13's results
    assert tg.tensor([1, 2]).repeat(2).tolist() == [1, 2, 1, 2]
    assert tg.tensor([1, 2]).repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert tg.tensor([1, 2]).repeat((3, 1, 2)).tolist() == [[[1, 2, 1, 2]]] * 3
    assert tg.tensor([1, 2]).repeat([2, 1]).tolist() == [[1, 2], [1, 2]]
    assert tg.tensor([1, 2]).repeat(0).tolist() == [] and tg.tensor(3).repeat(2).tolist() == [3, 3]
    assert tg.tensor([[1.0, 2.0]]).repeat(2, 0).shape == (2, 0)
    np.testing.assert_array_equal(tg.tensor(ROWS).repeat(2, 3, 1).numpy(force=True), np.tile(ROWS, (2, 3, 1)))


def test_repeat_gradient_sums_the_tiles():
    t = leaf([1.0, 2.0])
    t.repeat(2, 3).backward(tg.tensor(np.arange(12.0).reshape(2, 6)))
    close(t.grad, [0 + 2 + 4 + 6 + 8 + 10, 1 + 3 + 5 + 7 + 9 + 11])


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor(ROWS).repeat(2), RuntimeError,
     "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"),
    (lambda: tg.tensor([1, 2]).repeat(-1), RuntimeError,
     "Trying to create tensor with negative dimension -2: [-2]"),
    (lambda: tg.tensor([1, 2]).repeat(), TypeError, 'repeat() missing 1 required positional '
                                                    'arguments: "repeats"'),
    (lambda: tg.tensor([1, 2]).repeat(2.0), TypeError, "repeat: sizes must be ints"),
])
def test_repeat_errors(call, kind, message):
    with raises(kind, message):
        call()


# ----------------------------------------------------------------------------
# sizes and devices


def test_nelement_is_numel():
    assert tg.zeros(2, 3).nelement() == 6 == tg.numel(tg.zeros(2, 3))


def test_cpu_is_the_tensor_itself_and_cuda_is_refused():
    t = tg.ones(2)
    assert t.cpu() is t and t.is_cpu and not t.is_cuda
    for call in (t.cuda, lambda: t.cuda(0), lambda: t.cuda("cuda:1")):
        with raises(RuntimeError, "cuda: tinygrad_edu runs on the CPU only; device 'cuda' is not available"):
            call()
