"""Bad-input audit of the torch namespace beyond the core (more_ops.py, composed.py,
functions.py, creation.py's random factories, devices.py), driven by hypothesis with
the contract of bad_input.py: a call gives the right answer (checked against NumPy
where one exists) or raises a documented exception naming the op.

Tensors come in every supported dtype and shape (0-d and zero-size included); the
other arguments are valid values, edge values and junk (None, strings, lists, dicts,
complex numbers, ...).
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from bad_input import (AUDIT, SMALL_AUDIT, arrays, assert_tensor_close, assert_tensor_equals,
                       attempt, junk, reference, shapes, supported_dtypes)

tensors = supported_dtypes.flatmap(lambda d: arrays(d, shapes)).map(tg.from_numpy)
float_tensors = st.sampled_from([np.float16, np.float32, np.float64]).flatmap(
    lambda d: arrays(np.dtype(d), shapes)).map(tg.from_numpy)
dims = st.one_of(st.integers(-4, 4), st.none(), st.tuples(st.integers(-3, 3)),
                 st.lists(st.integers(-3, 3), max_size=3), junk)
flags = st.one_of(st.booleans(), st.integers(0, 1), junk)
small_ints = st.one_of(st.integers(-3, 5), st.floats(-2, 5), junk)


def _float_result_dtype(t):
    return t.dtype if t.dtype.kind == "f" else np.dtype(np.float32)


@AUDIT
@given(t=tensors, name=st.sampled_from(["sin", "cos", "log10", "log1p", "expm1", "erf"]))
def test_elementwise_functions(t, name):
    result, error = attempt(lambda: getattr(tg, name)(t), [name])
    assert error is None, error
    x = t.numpy(force=True).astype(_float_result_dtype(t)).astype(np.float64)  # ints compute in float32
    function = np.vectorize(math.erf, otypes=[float]) if name == "erf" else getattr(np, name)
    expected, _ = reference(lambda: function(x).astype(_float_result_dtype(t)))
    assert_tensor_close(result, expected, _float_result_dtype(t), rtol=1e-6 if t.dtype != np.float16 else 1e-3)


@AUDIT
@given(t=tensors, name=st.sampled_from(["isnan", "isinf", "isfinite"]))
def test_value_tests(t, name):
    result, error = attempt(lambda: getattr(t, name)(), [name])
    assert error is None, error
    expected = getattr(np, name)(t.numpy(force=True)) if t.dtype.kind == "f" else \
        np.full(t.shape, name == "isfinite")
    assert_tensor_equals(result, expected, np.bool_)


@AUDIT
@given(t=tensors, dim=dims, unbiased=st.one_of(st.none(), flags), keepdim=flags,
       correction=st.one_of(st.none(), st.integers(-1, 3), st.floats(0, 2), junk),
       name=st.sampled_from(["var", "std"]))
def test_var_and_std(t, dim, unbiased, keepdim, correction, name):
    result, error = attempt(lambda: getattr(t, name)(dim, unbiased, keepdim, correction=correction),
                            [name])
    if error is None:
        assert t.dtype.kind == "f" and isinstance(result, tg.Tensor)


@AUDIT
@given(t=tensors, p=st.one_of(st.sampled_from([2, 1, 0, 3, 0.5, -1, math.inf, -math.inf, "fro",
                                                "nuc", "x", None]), junk),
       dim=dims, keepdim=flags)
def test_norm(t, p, dim, keepdim):
    result, error = attempt(lambda: tg.norm(t, p, dim, keepdim), ["norm"])
    if error is None and dim is None and p in (2, "fro", None, 1) and t.dtype == np.float64:
        order = 1 if p == 1 else 2
        expected, _ = reference(lambda: np.linalg.norm(t.numpy(force=True).reshape(-1), order))
        assert_tensor_close(result, expected, np.float64, rtol=1e-12)


@AUDIT
@given(t=tensors, dim=dims, keepdim=flags, name=st.sampled_from(["prod", "cumsum"]))
def test_prod_and_cumsum(t, dim, keepdim, name):
    call = (lambda: t.prod(dim, keepdim)) if name == "prod" else (lambda: t.cumsum(dim))
    result, error = attempt(call, [name])
    if error is None and isinstance(dim, int) and not isinstance(dim, bool) and t.ndim:
        x = t.numpy(force=True) if t.dtype.kind == "f" else t.numpy(force=True).astype(np.int64)
        expected, _ = reference(lambda: np.prod(x, axis=dim, keepdims=keepdim) if name == "prod"
                                else np.cumsum(x, axis=dim))
        if x.dtype.kind == "f":
            assert_tensor_close(result, expected, x.dtype, rtol=1e-2 if x.dtype == np.float16 else 1e-5)
        else:
            assert_tensor_equals(result, expected)


@AUDIT
@given(t=tensors, dim=dims, descending=flags, name=st.sampled_from(["sort", "argsort"]))
def test_sort_and_argsort(t, dim, descending, name):
    result, error = attempt(lambda: getattr(t, name)(dim, descending), [name])
    if error is None and isinstance(dim, int) and t.ndim and descending is False:
        expected = np.argsort(t.numpy(force=True), axis=dim, kind="stable")
        indices = result.indices if name == "sort" else result
        assert_tensor_equals(indices, expected, np.int64)


@AUDIT
@given(t=tensors, k=small_ints, dim=dims, largest=flags)
def test_topk(t, k, dim, largest):
    result, error = attempt(lambda: t.topk(k, dim, largest), ["topk"])
    if error is None:
        assert result.values.shape == result.indices.shape


@AUDIT
@given(t=tensors, dim=dims, index=st.one_of(tensors, junk), name=st.sampled_from(["gather", "index_select"]))
def test_gather_and_index_select(t, dim, index, name):
    result, error = attempt(lambda: getattr(t, name)(dim, index), [name])
    if error is None and name == "gather":
        assert result.shape == index.shape


@AUDIT
@given(t=tensors, mask=st.one_of(tensors, junk),
       value=st.one_of(st.integers(-300, 300), st.floats(allow_nan=True), st.booleans(), tensors, junk))
def test_masked_fill(t, mask, value):
    result, error = attempt(lambda: t.masked_fill(mask, value), ["masked_fill"])
    if error is None:
        expected, _ = reference(lambda: np.where(mask.numpy(force=True), np.asarray(
            value.numpy(force=True) if isinstance(value, tg.Tensor) else value).astype(t.dtype), t.numpy(force=True)))
        assert_tensor_equals(result, expected, t.dtype)


@AUDIT
@given(t=tensors, size=st.one_of(small_ints, st.lists(st.integers(-1, 3), max_size=4)), dim=dims,
       name=st.sampled_from(["split", "chunk"]))
def test_split_and_chunk(t, size, dim, name):
    result, error = attempt(lambda: getattr(t, name)(size, dim), [name])
    if error is None:
        axis = (dim[0] if isinstance(dim, (tuple, list)) else dim) % t.ndim
        assert sum(p.shape[axis] for p in result) == t.shape[axis]


@AUDIT
@given(t=tensors, repeats=st.lists(st.one_of(st.integers(-1, 3), junk), max_size=4))
def test_repeat(t, repeats):
    result, error = attempt(lambda: t.repeat(*repeats), ["repeat"])
    if error is None:
        assert_tensor_equals(result, np.tile(t.numpy(force=True), repeats) if repeats else t.numpy(force=True), t.dtype)


@AUDIT
@given(t=tensors, other=st.one_of(tensors, junk), rtol=st.one_of(st.floats(-1, 1), junk),
       equal_nan=flags)
def test_allclose(t, other, rtol, equal_nan):
    result, error = attempt(lambda: tg.allclose(t, other, rtol, 1e-8, equal_nan), ["allclose"])
    if error is None:
        assert isinstance(result, bool)


@AUDIT
@given(t=tensors, dim=dims, keepdim=flags, name=st.sampled_from(["all", "any"]))
def test_all_and_any(t, dim, keepdim, name):
    result, error = attempt(lambda: getattr(tg, name)(t, dim, keepdim), [name])
    if error is None and dim is None and keepdim is False:
        expected = getattr(np, name)(t.numpy(force=True))
        assert_tensor_equals(result, expected, np.uint8 if t.dtype == np.uint8 else np.bool_)


@AUDIT
@given(equation=st.one_of(st.sampled_from(["ij,jk->ik", "ii->i", "ij->ji", "i,i->", "...", "ij",
                                           "i.j", "ij->k", "ab->aa", ",->", "->"]),
                          st.text(alphabet="ij,.->k ", max_size=8), junk),
       operands=st.lists(st.one_of(tensors, junk), max_size=3))
def test_einsum(equation, operands):
    result, error = attempt(lambda: tg.einsum(equation, *operands), ["einsum"])
    if error is None:
        expected, _ = reference(lambda: np.einsum(equation, *[o.numpy(force=True) for o in operands]))
        assert np.shape(expected) == result.shape


@AUDIT
@given(t=tensors, args=st.lists(st.one_of(st.sampled_from(["cpu", "cuda", "cpu:0", "float32",
                                                             tg.float64, tg.int8, None, True, 0]),
                                          junk), max_size=3))
def test_to(t, args):
    result, error = attempt(lambda: t.to(*args), ["to"])
    if error is None:
        assert isinstance(result, tg.Tensor) and result.shape == t.shape


@SMALL_AUDIT
@given(spec=st.one_of(st.sampled_from(["cpu", "cpu:0", "cpu:1", "cuda", "cuda:0", "mps", "cpu:",
                                       "cpu:x", ""]), st.integers(-1, 2), junk),
       index=st.one_of(st.none(), st.integers(-1, 2), junk))
def test_device(spec, index):
    result, error = attempt(lambda: tg.device(spec, index), ["device"])
    if error is None:
        assert result.type == "cpu"


@SMALL_AUDIT
@given(mean=st.one_of(st.floats(allow_nan=False, width=32), float_tensors, junk),
       std=st.one_of(st.floats(-1, 3), float_tensors, junk),
       size=st.one_of(st.none(), st.tuples(st.integers(-1, 3)), junk),
       generator=st.one_of(st.none(), st.just(tg.Generator()), junk))
def test_normal(mean, std, size, generator):
    result, error = attempt(lambda: tg.normal(mean, std, size, generator=generator), ["normal"])
    if error is None:
        assert result.dtype.kind == "f"


@SMALL_AUDIT
@given(weights=tensors, num_samples=small_ints, replacement=flags,
       generator=st.one_of(st.none(), st.just(tg.Generator()), junk))
def test_multinomial(weights, num_samples, replacement, generator):
    result, error = attempt(lambda: tg.multinomial(weights, num_samples, replacement,
                                                   generator=generator), ["multinomial"])
    if error is None:
        assert result.dtype == np.int64 and result.shape == weights.shape[:-1] + (num_samples,)
        rows = weights.numpy(force=True).reshape(-1, weights.shape[-1])
        if replacement and len(rows):  # zero weights are never drawn
            assert (rows[0] > 0)[result.numpy(force=True).reshape(-1, num_samples)[0]].all()


@SMALL_AUDIT
@given(n=small_ints, dtype=st.one_of(st.none(), supported_dtypes, junk),
       generator=st.one_of(st.none(), st.just(tg.Generator()), junk))
def test_randperm(n, dtype, generator):
    result, error = attempt(lambda: tg.randperm(n, generator=generator, dtype=dtype), ["randperm"])
    if error is None:
        assert sorted(result.numpy(force=True).astype(np.int64).tolist()) == list(range(n))


@SMALL_AUDIT
@given(seed=st.one_of(st.integers(-2**64, 2**65), junk))
def test_generator_seeds(seed):
    result, error = attempt(lambda: tg.Generator().manual_seed(seed), ["manual_seed"])
    assert (error is None) == (isinstance(seed, int) and not isinstance(seed, bool)
                               and -2**63 <= seed < 2**64), error
