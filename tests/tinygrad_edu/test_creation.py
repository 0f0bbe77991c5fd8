"""Factories (SPEC §2 "Construction"): shapes, default dtypes, dtype= and
requires_grad=, and the seeded generator behind randn/rand/randint."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


@pytest.mark.parametrize("make, value", [(tg.zeros, 0.0), (tg.ones, 1.0)])
def test_zeros_and_ones(make, value):
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert (t.numpy(force=True) == value).all()
    assert make(()).shape == ()
    assert make(4, dtype=tg.float64).dtype == np.float64
    assert make(4, dtype=tg.int64).tolist() == [int(value)] * 4


def test_full_takes_its_default_dtype_from_the_value():
    assert tg.full((2, 2), 1.5).dtype == np.float32
    assert tg.full((2,), 7).dtype == np.int64 and tg.full((2,), 7).tolist() == [7, 7]
    assert tg.full((2,), True).dtype == np.bool_
    assert tg.full(3, 2.0, dtype=tg.float64).dtype == np.float64


def test_like_factories_copy_shape_and_dtype():
    base = tg.tensor(np.ones((2, 3)))
    for t, value in ((tg.zeros_like(base), 0.0), (tg.ones_like(base), 1.0), (tg.full_like(base, 4.0), 4.0)):
        assert t.shape == (2, 3) and t.dtype == np.float64 and (t.numpy(force=True) == value).all()
    assert tg.zeros_like(base, dtype=tg.float32).dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda **kw: tg.zeros(2, **kw), lambda **kw: tg.ones(2, **kw), lambda **kw: tg.full((2,), 1.0, **kw),
    lambda **kw: tg.randn(2, **kw), lambda **kw: tg.rand(2, **kw), lambda **kw: tg.eye(2, **kw),
    lambda **kw: tg.arange(0.0, 2.0, **kw), lambda **kw: tg.linspace(0, 1, 3, **kw),
    lambda **kw: tg.zeros_like(tg.zeros(2), **kw), lambda **kw: tg.ones_like(tg.zeros(2), **kw),
], ids=["zeros", "ones", "full", "randn", "rand", "eye", "arange", "linspace", "zeros_like", "ones_like"])
def test_factories_make_grad_leaves(make):
    t = make(requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    assert not make().requires_grad


def test_integer_factories_cannot_require_grad():
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype"):
        tg.arange(3, requires_grad=True)


def test_arange_and_linspace():
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == np.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tg.arange(0.0, 1.0, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(0.0, 1.0, 0.25).dtype == np.float32
    assert tg.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.linspace(0, 1, 5).dtype == np.float32


def test_eye():
    assert tg.eye(3).tolist() == np.eye(3).tolist() and tg.eye(3).dtype == np.float32
    assert tg.eye(2, 3).shape == (2, 3)


def test_manual_seed_makes_random_factories_reproducible():
    tg.manual_seed(123)
    first = (tg.randn(3, 2).numpy(force=True).copy(), tg.rand(4).numpy(force=True).copy(), tg.randint(0, 10, (5,)).numpy().copy())
    tg.manual_seed(123)
    second = (tg.randn(3, 2).numpy(force=True), tg.rand(4).numpy(force=True), tg.randint(0, 10, (5,)).numpy())
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.manual_seed(124)
    assert not np.array_equal(tg.randn(3, 2).numpy(force=True), first[0])


def test_generator_is_the_seeded_numpy_generator():
    tg.manual_seed(5)
    expected = np.random.default_rng(5).standard_normal(4)
    np.testing.assert_allclose(tg.generator().standard_normal(4), expected)


def test_random_factories_have_the_right_shape_dtype_and_range():
    tg.manual_seed(0)
    normal, uniform = tg.randn(20_000), tg.rand(100, 50)
    assert normal.dtype == np.float32 and uniform.shape == (100, 50)
    assert abs(normal.numpy(force=True).mean()) < 0.03 and abs(normal.numpy(force=True).std() - 1) < 0.03
    assert uniform.numpy(force=True).min() >= 0.0 and uniform.numpy(force=True).max() < 1.0
    integers = tg.randint(3, 6, (1000,))
    assert integers.dtype == np.int64 and set(integers.tolist()) == {3, 4, 5}
    assert tg.randn(2, 2, dtype=tg.float64).dtype == np.float64
