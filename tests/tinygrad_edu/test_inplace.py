"""In-place updates (SPEC §2; PYTORCH_SEMANTICS rows 10, 11, 12): the leaf
rule with PyTorch's texts, updates under no_grad with a version bump, and the
version counter that turns a modified saved tensor into an error instead of a
silently wrong gradient."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def leaf(values=(1.0, 2.0)):
    return tg.tensor(np.array(values), requires_grad=True)


# ----------------------------------------------------------------------------
# the leaf rule (row 11)


@pytest.mark.parametrize("update", [
    lambda x: x.__iadd__(1.0), lambda x: x.__isub__(1.0), lambda x: x.__imul__(2.0),
    lambda x: x.__itruediv__(2.0), lambda x: x.zero_(), lambda x: x.fill_(3.0),
    lambda x: x.__iadd__(tg.tensor(np.array([1.0, 1.0]))),
], ids=["+=", "-=", "*=", "/=", "zero_", "fill_", "+= tensor"])
def test_in_place_on_a_leaf_that_requires_grad_is_refused(update):
    x = leaf()
    with pytest.raises(RuntimeError, match=f"^{re.escape(LEAF)}$"):
        update(x)
    assert x.tolist() == [1.0, 2.0] and x._version == 0


def test_augmented_assignment_statement_on_a_leaf_is_refused():
    x = leaf()
    with pytest.raises(RuntimeError, match=f"^{re.escape(LEAF)}$"):
        x += 1.0


def test_setitem_on_a_leaf_that_requires_grad_uses_the_view_text():
    x = leaf()
    with pytest.raises(RuntimeError, match=f"^{re.escape(VIEW_OF_LEAF)}$"):
        x[0] = 5.0


def test_in_place_on_a_leaf_is_allowed_under_no_grad_and_bumps_the_version():
    x = leaf()
    assert x._version == 0
    with tg.no_grad():
        x -= 0.5
        assert x._version == 1
        x *= 2.0
        x /= 4.0
        x += tg.tensor(np.array([1.0, 1.0]))
        x[1] = 10.0
        x.zero_()
        x.fill_(7.0)
    assert x._version == 7
    assert x.tolist() == [7.0, 7.0]
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


def test_sgd_style_update_then_a_fresh_backward():
    w = leaf([1.0, -2.0])
    (w * w).sum().backward()
    with tg.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(w.numpy(force=True), [0.8, -1.6])
    w.grad = None
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(force=True), [1.6, -3.2])


def test_in_place_on_a_plain_tensor_works_in_grad_mode():
    t = tg.tensor([1.0, 2.0])
    t += 1.0
    t *= 2.0
    assert t.tolist() == [4.0, 6.0] and t._version == 2 and not t.requires_grad


def test_in_place_on_a_non_leaf_is_recorded():
    x = leaf([1.0, 2.0])
    y = x * 1.0
    y += 2.0
    y *= 3.0
    assert y.tolist() == [9.0, 12.0] and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_in_place_with_a_tensor_that_requires_grad_joins_the_graph():
    x = leaf([1.0, 2.0])
    acc = tg.zeros(2, dtype=tg.float64)
    acc += x * x
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_in_place_shape_and_dtype_errors():
    a = tg.zeros(3)
    with pytest.raises(RuntimeError, match=r"\+=.*shape.*3.*broadcast shape.*2, ?3"):
        a += tg.zeros(2, 3)
    b = tg.zeros(3) * tg.tensor([1.0], requires_grad=True)  # the recorded path
    with pytest.raises(RuntimeError, match=re.escape("output with shape [3] doesn't match the broadcast shape [2, 3]")):
        b += tg.zeros(2, 3)
    i = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type int64"):
        i /= 2
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 1.5


# ----------------------------------------------------------------------------
# the version counter (rows 10, 12)


def test_modifying_an_input_saved_by_mul_is_an_error():
    x = leaf()
    y = x * 1.0
    z = y * y  # Mul saves both inputs
    y += 1.0
    assert y._version == 1
    with pytest.raises(RuntimeError, match=f"^{re.escape(MODIFIED)}"):
        z.sum().backward()


def test_modifying_a_leaf_saved_for_backward_under_no_grad_is_an_error():
    x = leaf()
    z = (x * x).sum()
    with tg.no_grad():
        x += 1.0
    with pytest.raises(RuntimeError, match=f"^{re.escape(MODIFIED)}"):
        z.backward()


@pytest.mark.parametrize("op, derivative", [
    (lambda t: t.exp(), lambda out: out),
    (lambda t: t.sigmoid(), lambda out: out * (1 - out)),
    (lambda t: t.tanh(), lambda out: 1 - out ** 2),
], ids=["exp", "sigmoid", "tanh"])
@pytest.mark.parametrize("update", [lambda t: t.__iadd__(1.0), lambda t: t.__imul__(2.0)], ids=["+=", "*="])
def test_ops_that_save_their_output_ignore_changes_to_their_input(op, derivative, update):
    x = leaf()
    y = x * 1.0
    out = op(y)
    expected = derivative(out.numpy(force=True).copy())
    update(y)  # exp, sigmoid and tanh saved their output, not y; out was made from y's old value
    out.backward(tg.tensor(np.array([1.0, 1.0])))
    np.testing.assert_allclose(x.grad.numpy(force=True), expected, rtol=1e-12)


@pytest.mark.parametrize("op", [lambda t: t.exp(), lambda t: t.sigmoid(), lambda t: t.tanh()],
                         ids=["exp", "sigmoid", "tanh"])
def test_ops_that_save_their_output_detect_changes_to_it(op):
    x = leaf()
    out = op(x)
    final = out * 1.0
    out += 1.0
    with pytest.raises(RuntimeError, match=f"^{re.escape(MODIFIED)}"):
        (final + out).sum().backward()


def test_add_saves_nothing_so_a_later_in_place_add_is_harmless():
    x = leaf()
    y = x * 1.0
    z = y + y
    y += 1.0
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_add_saves_nothing_so_a_later_in_place_mul_is_harmless():
    # z was made from y's old value: dz/dx = 2 whatever happens to y afterwards
    x = leaf()
    y = x * 1.0
    z = y + y
    y *= 2.0
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_detach_shares_the_version_counter():
    x = leaf()
    y = x * 1.0
    z = y * y
    d = y.detach()
    d += 1.0  # through the detached alias
    assert y._version == 1 and y.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match=f"^{re.escape(MODIFIED)}"):
        z.sum().backward()


def test_the_error_names_the_node_and_the_versions():
    x = leaf()
    y = x * 1.0
    z = y * y
    y += 1.0
    with pytest.raises(RuntimeError) as error:
        z.sum().backward()
    text = str(error.value)
    assert "MulBackward" in text and "version 1" in text and "expected version 0" in text


# ----------------------------------------------------------------------------
# recorded in-place updates on tensors that take part in autograd (as PyTorch)


def test_makemore_style_assignment_into_a_gradient_is_recorded():
    # dlogits = softmax(logits); dlogits[range(n), Y] -= 1: the -1 is a constant, so
    # d/dlogits of sum(dlogits * W) is the softmax Jacobian applied to W
    rng = np.random.default_rng(0)
    logits_np, W = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    logits = tg.tensor(logits_np, requires_grad=True)
    Y = [1, 0, 4, 4]
    d = logits.softmax(1)
    d[range(4), Y] -= 1
    assert d.grad_fn.name() == "SetItemBackward"
    (d * tg.tensor(W)).sum().backward()
    p = np.exp(logits_np) / np.exp(logits_np).sum(1, keepdims=True)
    expected_value = p.copy()
    expected_value[range(4), Y] -= 1
    np.testing.assert_allclose(d.detach().numpy(), expected_value, rtol=1e-12)
    np.testing.assert_allclose(logits.grad.numpy(), p * (W - (p * W).sum(1, keepdims=True)), rtol=1e-12)


def test_accumulating_rows_by_index_sends_each_row_its_gradient():
    # dC[ix[k]] += demb[k] (makemore's embedding backward), here with demb = 2·emb
    emb = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), requires_grad=True)
    C = tg.zeros(3, 2, dtype=tg.float64)
    ix = [0, 2, 0]
    for k in range(3):
        C[ix[k]] += emb[k] * 2
    assert C.tolist() == [[12.0, 16.0], [0.0, 0.0], [6.0, 8.0]] and C.requires_grad
    weights = np.array([[1.0, 10.0], [100.0, 1000.0], [1e4, 1e5]])
    (C * tg.tensor(weights)).sum().backward()
    assert emb.grad.tolist() == (2 * weights[ix]).tolist()


def test_assigning_a_value_that_requires_grad_into_a_constant():
    x = tg.zeros(5, dtype=tg.float64)
    v = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    x[1:3] = v * 3
    assert x.requires_grad and not x.is_leaf and x.tolist() == [0.0, 3.0, 6.0, 0.0, 0.0]
    (x * tg.arange(5, dtype=tg.float64)).sum().backward()
    assert v.grad.tolist() == [3.0, 6.0]  # 3 · positions 1 and 2


def test_assignment_under_the_old_value_gives_it_no_gradient():
    a = tg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = a * 1
    b[1] = 10.0
    (b * b).sum().backward()
    assert a.grad.tolist() == [2.0, 0.0, 6.0]


@pytest.mark.parametrize("update, expected", [
    (lambda b, a: b.add_(tg.ones(3, dtype=tg.float64), alpha=3).mul_(a).clamp_(min=0),
     [5.0, 0.0, 9.0]),  # d relu((a + 3)·a)/da = 2a + 3 where (a + 3)·a > 0: a = 1, 3
    (lambda b, a: b.sub_(a, alpha=2).div_(2.0), [-0.5, -0.5, -0.5]),  # (a - 2a)/2
    (lambda b, a: b.zero_().add_(a), [1.0, 1.0, 1.0]),
    (lambda b, a: b.fill_(4.0).mul_(a), [4.0, 4.0, 4.0]),
], ids=["add_ mul_ clamp_", "sub_ div_", "zero_", "fill_"])
def test_in_place_methods_on_a_non_leaf_are_recorded(update, expected):
    a = tg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    b = a * 1
    assert update(b, a) is b and not b.is_leaf
    b.sum().backward()
    assert a.grad.tolist() == expected


def test_add_with_alpha_follows_the_formula():
    a = tg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    b = a * 1
    b.add_(tg.ones(3, dtype=tg.float64), alpha=3)
    assert b.tolist() == [4.0, 1.0, 6.0]


def test_copy_sends_the_gradient_to_the_source_only():
    a = tg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    s = tg.tensor(np.array([5.0]), requires_grad=True)
    b = a * 2
    b.copy_(s * 2)  # broadcast to b's shape
    assert b.tolist() == [10.0, 10.0, 10.0]
    (b * tg.tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0] and s.grad.tolist() == [12.0]  # 2·(1 + 2 + 3)


def test_masked_fill_cuts_the_gradient_where_it_fills():
    a = tg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    b = a * 2
    b.masked_fill_(tg.tensor([True, False, True]), 0.5)
    assert b.tolist() == [0.5, -4.0, 0.5]
    (b * b).sum().backward()
    assert a.grad.tolist() == [0.0, -16.0, 0.0]  # d(2a)²/da = 8a where not filled


def test_an_op_saves_only_what_its_needed_gradients_read():
    # PyTorch: d * 2 saves only the 2 (∂d reads it), so changing d afterwards is fine
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    d = x * 1
    e = d * 2
    d += 1
    e.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_a_number_over_a_tensor_needs_only_its_result():
    # 10 / d = 10 · reciprocal(d), whose gradient −10/d² is read from the saved result
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    d = x * 1
    e = 10.0 / d
    d.add_(1)
    e.sum().backward()
    assert x.grad.tolist() == [-10.0, -2.5]


def test_a_product_of_two_tensors_that_need_gradients_still_guards_both():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = tg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = x * 1
    z = (y * w).sum()  # ∂w reads y
    y += 1
    with pytest.raises(RuntimeError, match=f"^{re.escape(MODIFIED)}"):
        z.backward()
