"""Tensor hooks (SPEC §2; PYTORCH_SEMANTICS row 15): a hook sees the gradient,
a non-None return replaces it downstream, hooks chain in registration order,
a leaf's hooks run before accumulation, handles remove them."""
from __future__ import annotations

import pytest

import tinygrad_edu as tg


def test_hook_sees_the_gradient_of_a_leaf():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0]]
    assert x.grad.tolist() == [2.0, 4.0]  # returning None leaves the gradient alone


def test_leaf_hook_runs_before_accumulation_so_grad_stores_the_replacement():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    assert x.grad.tolist() == [20.0, 40.0]
    (x * x).sum().backward()  # the hook runs on each call's gradient, before it is added
    assert x.grad.tolist() == [40.0, 80.0]


def test_leaf_hook_sees_the_total_over_all_paths_once():
    x = tg.tensor(2.0, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    (x * x + x * 3).backward()
    assert seen == [7.0]


def test_hooks_chain_in_registration_order():
    x = tg.tensor([1.0], requires_grad=True)
    seen = []

    def hook(name, factor):
        def run(g):
            seen.append((name, g.item()))
            return g * factor
        return run

    x.register_hook(hook("first", 2))
    x.register_hook(hook("second", 3))
    x.register_hook(hook("third", 1))
    (x * 5).sum().backward()
    assert seen == [("first", 5.0), ("second", 10.0), ("third", 30.0)]
    assert x.grad.item() == 30.0


def test_hook_on_an_intermediate_replaces_the_gradient_downstream():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]]  # d(y²)/dy = 2y
    assert x.grad.tolist() == [180.0, 360.0]  # 10 · 2y · 3


def test_hook_on_the_root_changes_the_seed():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.register_hook(lambda g: g * 0.5)
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0]


def test_retain_grad_stores_the_gradient_after_the_hooks():
    x = tg.tensor([1.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)  # registered after retain_grad, still runs first
    (y * 1.0).sum().backward()
    assert y.grad.tolist() == [2.0]
    assert x.grad.tolist() == [6.0]


def test_handle_remove_unregisters_the_hook():
    x = tg.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 100)
    handle.remove()
    (x * 2).sum().backward()
    assert calls == [] and x.grad.tolist() == [2.0]
    handle.remove()  # removing twice is harmless


def test_remove_only_removes_its_own_hook():
    x = tg.tensor([1.0], requires_grad=True)
    y = x * 1
    first = y.register_hook(lambda g: g * 2)
    y.register_hook(lambda g: g * 3)
    first.remove()
    y.sum().backward()
    assert x.grad.tolist() == [3.0]


def test_hook_on_a_tensor_that_does_not_require_grad_is_an_error():
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't require gradient$"):
        tg.tensor([1.0]).register_hook(lambda g: g)


def test_leaf_hooks_also_run_for_tg_grad():
    x = tg.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: g * 5)
    (g,) = tg.grad((x * 2).sum(), x)
    assert g.tolist() == [10.0]
    assert x.grad is None
