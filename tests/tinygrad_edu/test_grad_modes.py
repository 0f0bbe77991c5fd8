"""Grad modes (SPEC §2; PYTORCH_SEMANTICS row 9): no_grad, enable_grad,
set_grad_enabled and inference_mode as context managers, decorators and
(set_grad_enabled) a plain call; is_grad_enabled; nesting; a thread-local flag."""
from __future__ import annotations

import threading

import pytest

import tinygrad_edu as tg


@pytest.fixture(autouse=True)
def grad_mode_is_restored():
    assert tg.is_grad_enabled()
    yield
    assert tg.is_grad_enabled(), "a test left grad mode off"


def test_grad_is_enabled_by_default():
    x = tg.tensor([1.0], requires_grad=True)
    assert (x * 2).requires_grad


def test_no_grad_context_records_nothing():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None
    assert tg.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @tg.no_grad()
    def double(t):
        """Doubles."""
        assert not tg.is_grad_enabled()
        return t * 2

    x = tg.tensor([1.0], requires_grad=True)
    assert not double(x).requires_grad
    assert double.__name__ == "double" and double.__doc__ == "Doubles."
    assert (x * 2).requires_grad


def test_no_grad_and_enable_grad_as_bare_decorators():
    # PyTorch accepts @torch.no_grad without parentheses too
    @tg.no_grad
    def double(t):
        return t * 2

    @tg.enable_grad
    def triple(t):
        return t * 3

    x = tg.tensor([1.0], requires_grad=True)
    assert not double(x).requires_grad
    with tg.no_grad():
        assert triple(x).requires_grad


def test_enable_grad_inside_no_grad():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            y = x * 2
        assert not tg.is_grad_enabled()
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_enable_grad_as_a_decorator_inside_no_grad():
    @tg.enable_grad()
    def square(t):
        return t * t

    x = tg.tensor([3.0], requires_grad=True)
    with tg.no_grad():
        y = square(x)
        assert not tg.is_grad_enabled()
    y.sum().backward()
    assert x.grad.tolist() == [6.0]


def test_set_grad_enabled_as_a_plain_call():
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
        assert not (tg.tensor([1.0], requires_grad=True) * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()


@pytest.mark.parametrize("mode", [False, True])
def test_set_grad_enabled_as_a_context_manager(mode):
    with tg.no_grad():
        with tg.set_grad_enabled(mode):
            assert tg.is_grad_enabled() is mode
        assert not tg.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator():
    @tg.set_grad_enabled(False)
    def inside():
        return tg.is_grad_enabled()

    assert tg.is_grad_enabled()  # making the decorator did not switch the mode
    assert inside() is False
    assert tg.is_grad_enabled()


def test_nested_no_grad_restores_each_level():
    with tg.no_grad():
        with tg.no_grad():
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            with tg.no_grad():
                assert not tg.is_grad_enabled()
            assert tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


def test_factories_inside_no_grad_still_make_grad_leaves():
    with tg.no_grad():
        w = tg.zeros(2, requires_grad=True)
        v = tg.tensor([1.0], requires_grad=True)
    assert w.requires_grad and w.is_leaf and v.requires_grad


def test_backward_inside_no_grad_on_a_graph_built_outside():
    x = tg.tensor(3.0, requires_grad=True)
    y = x * x
    with tg.no_grad():
        y.backward()
    assert x.grad.item() == 6.0


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = tg.is_grad_enabled()
        x = tg.tensor([1.0], requires_grad=True)
        seen["records"] = (x * 2).requires_grad

    with tg.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen == {"enabled": True, "records": True}


# ----------------------------------------------------------------------------
# inference_mode: no_grad for code that never needs gradients (PyTorch 2.13's behaviour)


def test_inference_mode_records_nothing():
    x = tg.tensor([1.0], requires_grad=True)
    assert not tg.is_inference_mode_enabled()
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled() and not tg.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.is_leaf
    assert not tg.is_inference_mode_enabled() and (x * 2).requires_grad


def test_inference_mode_as_a_decorator_with_and_without_parentheses():
    @tg.inference_mode()
    def modes():
        """Reports the modes."""
        return tg.is_grad_enabled(), tg.is_inference_mode_enabled()

    @tg.inference_mode
    def bare():
        return tg.is_grad_enabled()

    assert modes() == (False, True) and bare() is False
    assert modes.__name__ == "modes" and modes.__doc__ == "Reports the modes."
    assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()


def test_inference_mode_false_switches_recording_on():
    # PyTorch: inside no_grad, `with torch.inference_mode(False)` records again
    with tg.no_grad():
        with tg.inference_mode(False):
            assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()
        assert not tg.is_grad_enabled()


def test_inference_mode_nests_and_restores_after_an_exception():
    with tg.inference_mode():
        with tg.enable_grad():
            assert tg.is_grad_enabled() and tg.is_inference_mode_enabled()
        with pytest.raises(ValueError):
            with tg.inference_mode(False):
                raise ValueError("inside")
        assert not tg.is_grad_enabled() and tg.is_inference_mode_enabled()
    assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()


def test_inference_mode_takes_a_bool():
    with pytest.raises(TypeError, match="^inference_mode: mode must be a bool, got str"):
        tg.inference_mode("yes")
