"""tg.grad, the functional interface (SPEC §2; PYTORCH_SEMANTICS row 16):
returns a tuple, never touches .grad, and handles unused inputs with
allow_unused / materialize_grads or PyTorch's errors."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg


def test_returns_a_tuple_of_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([3.0, 4.0], requires_grad=True)
    result = tg.grad((x * y).sum(), [x, y])
    assert isinstance(result, tuple) and len(result) == 2
    assert result[0].tolist() == [3.0, 4.0] and result[1].tolist() == [1.0, 2.0]
    (single,) = tg.grad((x * x).sum(), x)  # one Tensor is accepted too
    assert single.tolist() == [2.0, 4.0]


def test_does_not_touch_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.grad((x * x).sum(), x)
    assert x.grad is None
    x.grad = tg.tensor([5.0, 5.0])
    tg.grad((x * x).sum(), x)
    assert x.grad.tolist() == [5.0, 5.0]


def test_gradient_keeps_the_input_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.grad((x.double() * 3.0).sum(), x)
    assert g.dtype == np.float32


def test_gradient_with_respect_to_an_intermediate():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    out = (h * h).sum()
    g_h, g_x = tg.grad(out, [h, x])
    assert g_h.tolist() == [6.0, 12.0]
    assert g_x.tolist() == [18.0, 36.0]


def test_grad_outputs_weigh_a_non_scalar_output():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.grad(x * x, x, grad_outputs=tg.tensor([1.0, -1.0]))
    assert g.tolist() == [2.0, -4.0]
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        tg.grad(x * x, x)


def test_several_outputs_add_up():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.grad([(x * 2).sum(), (x * x).sum()], x)
    assert g.tolist() == [4.0, 6.0]


UNUSED = ("The differentiated Tensor at index 1 appears to not have been used in the graph. "
          "Set allow_unused=True if this is the desired behavior.")


def test_unused_input_is_an_error_by_default():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    unused = tg.tensor([3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=f"^{re.escape(UNUSED)}$"):
        tg.grad((x * 2).sum(), [x, unused])


def test_unused_input_gives_none_with_allow_unused():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    unused = tg.tensor([3.0], requires_grad=True)
    g_x, g_unused = tg.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert g_x.tolist() == [2.0, 2.0] and g_unused is None


def test_unused_input_gives_zeros_with_materialize_grads():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    unused = tg.tensor(np.array([3.0, 4.0, 5.0]), requires_grad=True)
    _, g_unused = tg.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    assert g_unused.tolist() == [0.0, 0.0, 0.0] and g_unused.dtype == np.float64


def test_input_that_does_not_require_grad_is_an_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    constant = tg.tensor([1.0])
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require grad$"):
        tg.grad((x * constant).sum(), [x, constant])


def test_graph_is_freed_unless_retain_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    out = (x * x).sum()
    tg.grad(out, x, retain_graph=True)
    (g,) = tg.grad(out, x)
    assert g.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        tg.grad(out, x)


def test_create_graph_returns_a_differentiable_gradient():
    x = tg.tensor(3.0, requires_grad=True)
    (g,) = tg.grad(x ** 3, x, create_graph=True)
    assert g.item() == 27.0 and g.requires_grad and g.grad_fn is not None
    (h,) = tg.grad(g, x)
    assert h.item() == 18.0
