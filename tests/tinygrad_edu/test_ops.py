"""Gradients of every differentiable op, checked with tg.gradcheck (central
differences, float64).

Three layers:

* every case of the catalogue (op_catalogue.py) with a random upstream
  gradient R — the scalar (f(x) * R).sum() — so a gradient that is right only
  for an all-ones upstream (what a bare .sum() would test) still fails;
* the full Jacobian of every case (one backward per output element);
* hypothesis-drawn shapes, including mutually broadcastable pairs.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from op_catalogue import CASES, make_inputs

SETTINGS = settings(max_examples=20, deadline=None)


def _seed(name: str) -> int:
    return sum(name.encode()) * 7919  # stable per case, different across cases


def with_random_upstream(fn, upstream):
    """x -> (fn(x) * upstream).sum(): one scalar that weighs each output element."""
    return lambda *xs: (fn(*xs) * upstream).sum()


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck_with_random_upstream_gradient(case):
    rng = np.random.default_rng(_seed(case.name))
    inputs = make_inputs(rng, case.specs)
    upstream = tg.tensor(rng.standard_normal(case.fn(*inputs).shape))
    assert tg.gradcheck(with_random_upstream(case.fn, upstream), inputs, **case.gradcheck_options)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradcheck_full_jacobian(case):
    rng = np.random.default_rng(_seed(case.name) + 1)
    inputs = make_inputs(rng, case.specs)
    assert tg.gradcheck(case.fn, inputs, **case.gradcheck_options)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradient_has_the_input_shape_and_dtype(case):
    rng = np.random.default_rng(_seed(case.name) + 2)
    inputs = make_inputs(rng, case.specs)
    out = case.fn(*inputs)
    out.backward(tg.tensor(rng.standard_normal(out.shape)))
    for x in inputs:
        assert x.grad is not None
        assert x.grad.shape == x.shape
        assert x.grad.dtype == np.float64


# ----------------------------------------------------------------------------
# hypothesis: random shapes


def _tensors(seed, shapes_and_kinds):
    return make_inputs(np.random.default_rng(seed), shapes_and_kinds)


def _check(fn, inputs, seed):
    """gradcheck with a random upstream gradient of the output's shape."""
    rng = np.random.default_rng(seed + 12345)
    upstream = tg.tensor(rng.standard_normal(fn(*inputs).shape))
    assert tg.gradcheck(with_random_upstream(fn, upstream), inputs)


BINARY = {
    "add": (lambda x, y: x + y, "normal", "normal"),
    "sub": (lambda x, y: x - y, "normal", "normal"),
    "mul": (lambda x, y: x * y, "normal", "normal"),
    "div": (lambda x, y: x / y, "normal", "positive"),
    "pow": (lambda x, y: x ** y, "positive", "normal"),
    "maximum": (tg.maximum, "offgrid", "offgrid_shifted"),
    "minimum": (tg.minimum, "offgrid", "offgrid_shifted"),
    "where": (lambda x, y: tg.where((x.numpy(force=True) > 0.1), x, y), "offgrid", "normal"),
}

UNARY = {
    "neg": (lambda x: -x, "normal"),
    "exp": (lambda x: x.exp(), "normal"),
    "log": (lambda x: x.log(), "positive"),
    "sqrt": (lambda x: x.sqrt(), "positive"),
    "abs": (lambda x: x.abs(), "nonzero"),
    "sigmoid": (lambda x: x.sigmoid(), "normal"),
    "tanh": (lambda x: x.tanh(), "normal"),
    "relu": (lambda x: x.relu(), "nonzero"),
    "leaky_relu": (lambda x: x.leaky_relu(0.05), "nonzero"),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), "unbounded"),
    "pow_scalar": (lambda x: x ** 3, "normal"),
    "clone": (lambda x: x.clone(), "normal"),
    "flatten": (lambda x: x.flatten(), "normal"),
    "T": (lambda x: x.T, "normal"),
    "max": (lambda x: x.max(), "distinct"),
    "min": (lambda x: x.min(), "distinct"),
    "sum": (lambda x: x.sum(), "normal"),
    "mean": (lambda x: x.mean(), "normal"),
}


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**32 - 1))
def test_binary_ops_on_broadcastable_shapes(shapes, op, seed):
    fn, kind_a, kind_b = BINARY[op]
    a_shape, b_shape = shapes.input_shapes
    _check(fn, _tensors(seed, [(a_shape, kind_a), (b_shape, kind_b)]), seed)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
       op=st.sampled_from(sorted(UNARY)), seed=st.integers(0, 2**32 - 1))
def test_unary_ops_on_random_shapes(shape, op, seed):
    fn, kind = UNARY[op]
    _check(fn, _tensors(seed, [(shape, kind)]), seed)


@st.composite
def shape_and_dim(draw, min_dims=1):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return shape, dim


REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), "normal"),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), "normal"),
    "max": (lambda x, d, k: x.max(d, keepdim=k).values, "distinct"),
    "min": (lambda x, d, k: x.min(d, keepdim=k).values, "distinct"),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k), "normal"),
    "softmax": (lambda x, d, k: x.softmax(d), "normal"),
    "log_softmax": (lambda x, d, k: x.log_softmax(d), "normal"),
    "squeeze": (lambda x, d, k: x.squeeze(d), "normal"),
    "unsqueeze": (lambda x, d, k: x.unsqueeze(d), "normal"),
    "cat": (lambda x, d, k: tg.cat([x, x * 2, x[..., :1] if d in (-1, x.ndim - 1) else x], d),
            "normal"),
    "stack": (lambda x, d, k: tg.stack([x, x.exp()], d), "normal"),
}


@SETTINGS
@given(shape_dim=shape_and_dim(), keepdim=st.booleans(),
       op=st.sampled_from(sorted(REDUCTIONS)), seed=st.integers(0, 2**32 - 1))
def test_ops_along_a_dimension(shape_dim, keepdim, op, seed):
    shape, dim = shape_dim
    fn, kind = REDUCTIONS[op]
    _check(lambda x: fn(x, dim, keepdim), _tensors(seed, [(shape, kind)]), seed)


@SETTINGS
@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 4), m=st.integers(1, 3),
       vector_left=st.booleans(), vector_right=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_matmul_with_broadcast_batch_dimensions(batch, n, k, m, vector_left, vector_right, seed):
    a_batch, b_batch = batch.input_shapes
    a_shape = (k,) if vector_left else a_batch + (n, k)
    b_shape = (k,) if vector_right else b_batch + (k, m)
    _check(lambda a, b: a @ b, _tensors(seed, [(a_shape, "normal"), (b_shape, "normal")]), seed)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3),
       data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_permute_transpose_reshape_expand(shape, data, seed):
    ndim = len(shape)
    order = data.draw(st.permutations(range(ndim)))
    d0, d1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    reversed_shape = tuple(reversed(shape))
    expanded = tuple(2 if n == 1 else n for n in shape)  # every size-1 axis grows

    def fn(x):
        permuted = x.permute(*order).reshape(-1).reshape(reversed_shape + (1,)).squeeze(-1)
        transposed = x.transpose(d0, d1).T.reshape(reversed_shape)
        broadcast = x.expand(2, *expanded).sum(0).T  # shape reversed(expanded)
        return permuted * 2 + transposed + broadcast

    _check(fn, _tensors(seed, [(shape, "normal")]), seed)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
       data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_getitem_with_random_integer_arrays_and_masks(shape, data, seed):
    rows = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=shape[0], max_size=shape[0])))
    start = data.draw(st.integers(0, shape[0] - 1))

    def fn(x):
        return tg.cat([x[rows].reshape(-1), x[mask].reshape(-1), x[start:].reshape(-1)], 0)

    _check(fn, _tensors(seed, [(shape, "normal")]), seed)
