"""Bad input gives a clear error naming the op and the shapes or dtypes
(SPEC §2 and §8), with PyTorch's texts where PYTORCH_SEMANTICS says "copy" —
never a bare NumPy traceback from deep inside."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg


def test_matmul_shape_mismatch_uses_pytorchs_text():
    with pytest.raises(RuntimeError, match=re.escape("mat1 and mat2 shapes cannot be multiplied (5x3 and 4x3)")):
        tg.zeros(5, 3) @ tg.zeros(4, 3)


@pytest.mark.parametrize("a, b", [((2, 5, 3), (2, 4, 3)), ((3,), (4,)), ((5, 3), (4,)), ((3,), (4, 2))])
def test_matmul_shape_mismatch_names_both_shapes(a, b):
    with pytest.raises(RuntimeError, match="matmul") as error:
        tg.zeros(*a) @ tg.zeros(*b)
    assert str(a) in str(error.value) and str(b) in str(error.value)


def test_matmul_of_a_0d_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="at least 1D"):
        tg.tensor(2.0) @ tg.zeros(2)


def test_matmul_with_incompatible_batch_dimensions():
    with pytest.raises(RuntimeError, match=r"MatMul.*\(2, 3, 4\).*\(3, 4, 5\)"):
        tg.zeros(2, 3, 4) @ tg.zeros(3, 4, 5)


@pytest.mark.parametrize("op, name", [(lambda a, b: a + b, "Add"), (lambda a, b: a - b, "Sub"),
                                      (lambda a, b: a * b, "Mul"), (lambda a, b: a / b, "Div"),
                                      (lambda a, b: tg.maximum(a, b), "Maximum")])
def test_broadcast_mismatch_names_the_op_the_dimension_and_the_shapes(op, name):
    with pytest.raises(RuntimeError) as error:
        op(tg.zeros(2, 3), tg.zeros(2, 4))
    text = str(error.value)
    assert text.startswith(name)
    assert "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1" in text
    assert "(2, 3)" in text and "(2, 4)" in text


def test_comparison_broadcast_mismatch():
    with pytest.raises(RuntimeError, match=r"<.*\(3,\).*\(4,\)"):
        tg.zeros(3) < tg.zeros(4)


@pytest.mark.parametrize("call, op", [
    (lambda x: x.sum(2), "sum"), (lambda x: x.mean(-3), "mean"), (lambda x: x.max(5), "max"),
    (lambda x: x.softmax(2), "softmax"), (lambda x: x.log_softmax(-3), "softmax"),
    (lambda x: x.transpose(0, 2), "transpose"), (lambda x: x.unsqueeze(4), "unsqueeze"),
    (lambda x: x.argmax(2), "argmax"), (lambda x: tg.cat([x, x], 2), "cat"),
    (lambda x: x.squeeze(3), "squeeze"),
])
def test_dimension_out_of_range(call, op):
    x = tg.zeros(2, 3)
    with pytest.raises(IndexError, match=rf"^{op}: Dimension out of range \(expected to be in range of "
                                         r"\[-\d, \d\], but got -?\d\)"):
        call(x)


def test_bad_reshape_names_the_shapes():
    with pytest.raises(RuntimeError, match=re.escape("shape [4, 2] is invalid for input of size 6")) as error:
        tg.zeros(2, 3).reshape(4, 2)
    assert "(2, 3)" in str(error.value)
    with pytest.raises(RuntimeError, match="reshape"):
        tg.zeros(2, 3).reshape(-1, -1)
    with pytest.raises(RuntimeError, match="reshape"):
        tg.zeros(2, 3).view(4, -1)


def test_bad_expand_permute_cat_stack():
    with pytest.raises(RuntimeError, match=r"expand.*\(4\).*\(2\)"):
        tg.zeros(2, 3).expand(4, 3)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        tg.zeros(2, 3).permute(0)
    with pytest.raises(RuntimeError, match=r"cat: Sizes of tensors must match except in dimension 1"):
        tg.cat([tg.zeros(2, 3), tg.zeros(3, 2)], 1)
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2, 3\] "
                                           r"at entry 0 and \[3, 2\] at entry 1"):
        tg.stack([tg.zeros(2, 3), tg.zeros(3, 2)])


@pytest.mark.parametrize("index", [5, (0, 3), [0, 7], (slice(None), [3])])
def test_out_of_range_index_names_the_op_and_shape(index):
    with pytest.raises(IndexError, match=r"GetItem.*out of bounds.*\(2, 3\)"):
        tg.zeros(2, 3)[index]


def test_float_index_is_an_index_error():
    with pytest.raises(IndexError, match="long, int or bool"):
        tg.zeros(3)[tg.tensor([0.0, 1.0])]


@pytest.mark.parametrize("data", [
    [1 + 2j], np.array([1j]), np.array([object()]), "abc", ["a", "b"], np.array(["x"]),
])
def test_unsupported_dtypes_are_rejected_with_the_dtype_named(data):
    with pytest.raises(TypeError, match=r"dtype .* is not supported"):
        tg.tensor(data)


def test_ragged_nested_lists_are_rejected():
    with pytest.raises(ValueError, match="tensor: cannot build a tensor"):
        tg.tensor([[1.0], [1.0, 2.0]])


def test_unsupported_operands():
    x = tg.zeros(2)
    with pytest.raises(TypeError):
        x + "a"
    with pytest.raises(TypeError):
        x * (1 + 2j)
    with pytest.raises(TypeError, match="complex128"):
        x * np.array([1j, 2j])
    with pytest.raises(TypeError):
        tg.zeros(2, dtype=np.complex64)


def test_clamp_needs_a_bound_and_where_a_bool_condition():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        tg.zeros(2).clamp()
    with pytest.raises(RuntimeError, match="boolean"):
        tg.where(tg.tensor([1, 0]), tg.zeros(2), tg.ones(2))


def test_max_of_an_empty_tensor():
    with pytest.raises(RuntimeError, match="max"):
        tg.zeros(0).max()


def test_bool_negation_is_refused():
    with pytest.raises(TypeError, match="bool"):
        -tg.tensor([True])


def test_assigning_a_grad_of_the_wrong_shape_or_type():
    x = tg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = tg.zeros(3)
    with pytest.raises(TypeError):
        x.grad = np.zeros(2)
