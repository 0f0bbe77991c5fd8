"""Tensor construction, dtypes and PyTorch's promotion rules, attributes,
repr and conversions (SPEC §2; PYTORCH_SEMANTICS rows 1, 2, 3, 14, 20, 21, 22)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg

# ----------------------------------------------------------------------------
# construction and default dtypes (row 20)


@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    ([[1.0], [2.0]], np.float32),
    ([1, 2.5], np.float32),  # NumPy would say float64
    (3, np.int64),
    ([1, 2], np.int64),
    (True, np.bool_),
    ([True, False], np.bool_),
    (np.array([1.0, 2.0]), np.float64),  # NumPy arrays keep their dtype
    (np.array([1.0, 2.0], dtype=np.float32), np.float32),
    (np.array([1, 2], dtype=np.int32), np.int32),
    (np.float32(2.0), np.float32),
    (np.float64(2.0), np.float64),
])
def test_default_dtypes(data, dtype):
    assert tg.tensor(data).dtype == dtype
    assert tg.Tensor(data).dtype == dtype


def test_explicit_dtype():
    assert tg.tensor([1, 2], dtype=tg.float64).dtype == np.float64
    assert tg.Tensor(1.5, dtype=np.float16).dtype == np.float16
    assert tg.tensor([1.7, 2.2], dtype=tg.int32).tolist() == [1, 2]


def test_numpy_arrays_are_copied_but_from_numpy_shares_memory():
    array = np.array([1.0, 2.0])
    copied, shared = tg.tensor(array), tg.from_numpy(array)
    array[0] = 9.0
    assert copied.tolist() == [1.0, 2.0]
    assert shared.tolist() == [9.0, 2.0]
    assert shared.dtype == np.float64


def test_tensor_from_tensor_copies_the_data():
    a = tg.tensor([1.0, 2.0])
    b = tg.Tensor(a)
    a.data[0] = 5.0
    assert b.tolist() == [1.0, 2.0]


def test_values_survive_construction():
    data = [[1.25, -2.5, 0.0], [3.0, 4.5, -6.0]]
    np.testing.assert_array_equal(tg.tensor(data).numpy(force=True), np.array(data, dtype=np.float32))


def test_integer_and_bool_tensors_cannot_require_grad():
    # row 14: PyTorch has three slightly different texts; the constructor's is copied
    for data in ([1, 2], [True, False], np.array([1, 2], dtype=np.int32)):
        with pytest.raises(RuntimeError, match=r"^Only Tensors of floating point and complex dtype "
                                               r"can require gradients"):
            tg.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(?i)only Tensors of floating point dtype can require gradients"):
        tg.tensor([1, 2]).requires_grad_()
    t = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"(?i)only Tensors of floating point and complex dtype can "
                                           r"require gradients"):
        t.requires_grad = True
    assert not t.requires_grad


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_tensors_of_every_width_can_require_grad(dtype):
    assert tg.tensor(np.ones(2, dtype=dtype), requires_grad=True).requires_grad


# ----------------------------------------------------------------------------
# promotion: PyTorch's rules, where NumPy 2 differs (row 20)

f32 = tg.tensor([1.0, 2.0])
f64 = tg.tensor(np.array([1.0, 2.0]))
i64 = tg.tensor([1, 2])


@pytest.mark.parametrize("make, dtype", [
    (lambda: f32 * 1.5, np.float32),  # Python float never upcasts
    (lambda: f32 * 2, np.float32),
    (lambda: 1.5 * f32, np.float32),
    (lambda: f32 * np.float64(2.0), np.float32),  # NumPy says float64
    (lambda: f32 * np.array(2.0), np.float32),  # 0-d array: NumPy says float64
    (lambda: f32 * tg.tensor(np.array(2.0)), np.float32),  # 0-d float64 tensor does not promote
    (lambda: f32 * f64, np.float64),  # dimensioned float64 does
    (lambda: f32 + np.array([1.0, 2.0]), np.float64),
    (lambda: i64 / 2, np.float32),  # NumPy says float64
    (lambda: i64 / i64, np.float32),
    (lambda: i64 * 1.5, np.float32),  # NumPy says float64
    (lambda: i64 + 1, np.int64),
    (lambda: i64 * f32, np.float32),
    (lambda: i64 * tg.tensor(np.array(2.0)), np.float64),  # 0-d of a higher category
    (lambda: tg.tensor(np.array([1, 2], dtype=np.int32)) + 7, np.int32),
    (lambda: tg.tensor([True, False]) + 1, np.int64),
    (lambda: tg.tensor(np.ones(2, np.float16)) * 3.0, np.float16),
    (lambda: tg.tensor(2.0) * tg.tensor(np.array(2.0)), np.float64),  # both 0-d: ordinary promotion
    (lambda: i64 ** 0.5, np.float32),  # NumPy says float64
    (lambda: i64 ** 2, np.int64),
    (lambda: 2.0 ** i64, np.float32),
    (lambda: 2 / i64, np.float32),
    (lambda: f32 ** tg.tensor(np.array(2.0)), np.float32),
    (lambda: i64.exp(), np.float32),  # float-valued math on ints gives the default float
    (lambda: i64.sigmoid(), np.float32),
    (lambda: tg.where(np.array([True, False]), f32, f64), np.float64),
    (lambda: tg.cat([f32, f64]), np.float64),
    (lambda: tg.maximum(f32, 0.5), np.float32),
])
def test_type_promotion_follows_pytorch(make, dtype):
    assert make().dtype == dtype


def test_int_tensor_times_float_tensor_with_grad_is_float32_with_grad():
    w = tg.tensor([0.5, 0.25], requires_grad=True)
    out = i64 * w
    assert out.dtype == np.float32 and out.requires_grad
    out.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0]


def test_grad_has_the_leaf_dtype_even_when_the_graph_is_float64():
    x32 = tg.tensor([1.0, 2.0], requires_grad=True)
    y64 = tg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    out = x32 * y64
    assert out.dtype == np.float64
    out.sum().backward()
    assert x32.grad.dtype == np.float32 and x32.grad.tolist() == [3.0, 4.0]
    assert y64.grad.dtype == np.float64 and y64.grad.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("reduce", [
    lambda x: x.sum(), lambda x: x.sum(0), lambda x: x.sum(1, keepdim=True), lambda x: x.mean(),
    lambda x: x.mean(1), lambda x: x.max(), lambda x: x.min(), lambda x: x.max(0).values,
    lambda x: x.logsumexp(1), lambda x: x.softmax(0), lambda x: x.log_softmax(1),
], ids=["sum", "sum_dim", "sum_keepdim", "mean", "mean_dim", "max", "min", "max_dim", "logsumexp",
        "softmax", "log_softmax"])
def test_reductions_keep_the_dtype(dtype, reduce):
    x = tg.tensor(np.arange(6, dtype=dtype).reshape(2, 3) / 4, requires_grad=True)
    out = reduce(x)
    assert out.dtype == dtype
    assert isinstance(out.detach().numpy(), np.ndarray)  # not a NumPy scalar of another type
    out.backward(tg.tensor(np.ones(out.shape, dtype=dtype)))
    assert x.grad.dtype == dtype


def test_integer_sums_are_int64_and_integer_mean_is_an_error():
    assert tg.tensor(np.array([1, 2], dtype=np.int32)).sum().dtype == np.int64
    assert tg.tensor([True, True, False]).sum().item() == 2
    with pytest.raises(RuntimeError, match="mean"):
        tg.tensor([1, 2]).mean()


# ----------------------------------------------------------------------------
# attributes (SPEC §2)


def test_shape_ndim_dtype_numel_size():
    x = tg.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3
    assert x.dtype == np.float32 and x.numel() == 24
    assert x.size() == (2, 3, 4) and x.size(-1) == 4
    assert tg.tensor(5.0).shape == () and tg.tensor(5.0).numel() == 1


def test_T_reverses_the_dimensions():
    x = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(x.T.numpy(force=True), np.arange(24.0).reshape(2, 3, 4).T)
    v = tg.tensor([1.0, 2.0])
    assert v.T.tolist() == [1.0, 2.0]


def test_data_is_a_tensor_sharing_memory_that_does_not_require_grad():
    # PyTorch's legacy .data: same storage, cut from autograd, its own version counter
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert isinstance(d, tg.Tensor) and not d.requires_grad and d.is_leaf
    d[0] = 7.0
    assert x.tolist() == [7.0, 2.0]
    assert np.shares_memory(x.numpy(force=True), d.numpy())
    x.data = np.array([3.0, 4.0], dtype=np.float32)
    assert x.tolist() == [3.0, 4.0] and x.requires_grad and x.is_leaf
    x.data = tg.tensor([5.0, 6.0])  # a Tensor: its storage is taken over
    assert x.tolist() == [5.0, 6.0]


def test_manual_sgd_through_data_as_in_pytorch_scripts():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.1 * w.grad  # no in-place error on the leaf: .data does not require grad
    assert w.tolist() == pytest.approx([0.8, -1.6]) and w.requires_grad and w._version == 0
    w.grad.data.zero_()
    assert w.grad.tolist() == [0.0, 0.0]
    w.data.fill_(0)
    assert w.tolist() == [0.0, 0.0]


def test_name_is_a_free_label():
    w = tg.Tensor([1.0], requires_grad=True, name="w1")
    assert w.name == "w1"
    assert tg.tensor([1.0]).name is None
    assert (w * 2).name is None
    w.name = "weight"
    assert w.name == "weight"


def test_requires_grad_propagates_only_when_an_input_requires_it():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([2.0])
    assert (a * b).requires_grad and not (a * b).is_leaf
    assert not (b * b).requires_grad and (b * b).is_leaf and (b * b).grad_fn is None


def test_requires_grad_cannot_be_switched_off_on_a_non_leaf():
    y = tg.tensor([1.0], requires_grad=True) * 2
    text = ("you can only change requires_grad flags of leaf variables. If you want to use a "
            "computed variable in a subgraph that doesn't require differentiation use "
            "var_no_grad = var.detach().")
    with pytest.raises(RuntimeError, match=re.escape(text)):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match=re.escape(text)):
        y.requires_grad = False
    assert y.requires_grad_(True) is y and y.requires_grad  # a silent no-op


def test_requires_grad_underscore_on_a_leaf():
    x = tg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad


def test_detach_shares_data_but_leaves_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.data[0] = 10.0
    assert y.tolist() == [10.0, 4.0]


def test_clone_copies_the_data_and_stays_in_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.grad_fn is not None
    c.data[0] = 5.0
    assert x.tolist() == [1.0, 2.0]
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# ----------------------------------------------------------------------------
# repr (row 22: PyTorch's layout; node names ours)


@pytest.mark.parametrize("make, text", [
    (lambda: tg.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: tg.tensor([1.0, 2.0], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward>)"),
    (lambda: tg.tensor(np.array([1.0, 2.0])), "tensor([1., 2.], dtype=float64)"),
    (lambda: tg.tensor(np.array([1.0, 2.0]), requires_grad=True),
     "tensor([1., 2.], dtype=float64, requires_grad=True)"),
    (lambda: tg.tensor([1.5, 2.0]), "tensor([1.5000, 2.0000])"),
    (lambda: tg.tensor(3.0), "tensor(3.)"),
    (lambda: tg.tensor(3.0, requires_grad=True).sigmoid(), "tensor(0.9526, grad_fn=<SigmoidBackward>)"),
    (lambda: tg.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: tg.tensor(np.array([1, 2], dtype=np.int32)), "tensor([1, 2], dtype=int32)"),
    (lambda: tg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tg.tensor([[1.5, 2.0], [3.0, 4.0]]), "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])"),
    (lambda: tg.tensor(np.array([1.0, 2.0], dtype=np.float16)), "tensor([1., 2.], dtype=float16)"),
])
def test_repr(make, text):
    assert repr(make()) == text


def test_str_is_the_repr():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert str(x) == repr(x)


# ----------------------------------------------------------------------------
# conversions (row 21)


def test_item_float_int_on_one_element():
    assert tg.tensor(2.5).item() == 2.5 and isinstance(tg.tensor(2.5).item(), float)
    assert tg.tensor([[7]]).item() == 7 and isinstance(tg.tensor([[7]]).item(), int)
    assert float(tg.tensor([2.5])) == 2.5
    assert int(tg.tensor(3.0)) == 3


def test_conversions_of_several_elements_raise_pytorchs_errors():
    two = tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"^a Tensor with 2 elements cannot be converted to Scalar$"):
        two.item()
    with pytest.raises(ValueError, match=r"^only one element tensors can be converted to Python scalars$"):
        float(two)
    with pytest.raises(RuntimeError, match=r"^Boolean value of Tensor with more than one value is ambiguous$"):
        bool(two)


def test_bool_of_one_element():
    assert bool(tg.tensor([1.0])) and not bool(tg.tensor(0.0))


def test_numpy_refuses_a_tensor_that_requires_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 2.0]
    assert x.numpy(force=True).tolist() == [1.0, 2.0]
    assert isinstance(tg.tensor([1.0]).numpy(), np.ndarray)


def test_tolist_gives_nested_python_lists_and_a_scalar_for_0d():
    assert tg.tensor([[1.0, 2.0], [3.0, 4.0]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert tg.tensor(2.0).tolist() == 2.0 and isinstance(tg.tensor(2.0).tolist(), float)
    assert tg.tensor([1, 2]).tolist() == [1, 2]


def test_len_and_iteration():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2
    assert [row.tolist() for row in x] == [[1.0, 2.0], [3.0, 4.0]]


def test_to_float_double():
    x = tg.tensor([1, 2])
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.to(tg.float64).tolist() == [1.0, 2.0]
    y = tg.tensor([1.0, 2.0])
    assert y.to(tg.float32) is y  # no copy when the dtype already matches


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_a_numpy_scalar_exponent_does_not_upcast_the_tensor(dtype):
    # PyTorch treats NumPy scalars like Python numbers here; NumPy would give float64
    x = tg.tensor(np.array([1.5, 2.0], dtype=dtype), requires_grad=True)
    y = x ** np.float64(2.0)
    assert y.dtype == dtype
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), [3.0, 4.0])
