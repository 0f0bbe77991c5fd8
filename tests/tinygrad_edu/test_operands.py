"""operands.py: what an op makes of a Python number (`0.5 * x`). The number becomes a
tensor that no one changes, made once per (type, value, dtype) and shared by every op that
uses it, so a graph holds one object fewer per such op (the cycle collector walks them
all: W5's chain of 100,000 `y * c`, `y + d`)."""
from __future__ import annotations

import gc
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import operands


def constant_of(result):
    """The tensor an op made of its number operand (reachable only through the node)."""
    (c,) = [p for p in result.grad_fn.parents if p._version_counter is operands.CONSTANT_VERSION]
    return c


def test_the_same_number_is_one_shared_tensor_per_dtype():
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([3.0], dtype=tg.float64, requires_grad=True)
    h = tg.tensor([1.0], dtype=tg.float32, requires_grad=True)
    assert constant_of(x * 0.5) is constant_of(y * 0.5) is constant_of(0.5 + y)
    assert constant_of(h * 0.5) is not constant_of(x * 0.5)
    assert constant_of(h * 0.5).dtype == tg.float32 and constant_of(x * 0.5).dtype == tg.float64
    assert constant_of(x * 0.25) is not constant_of(x * 0.5)


def test_a_shared_constant_is_read_only_and_gathers_no_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    first, second = (x * 3.0).sum(), (x * 3.0 + 1.0).sum()
    c = constant_of(first.grad_fn.parents[0])
    with pytest.raises(ValueError, match="read-only"):
        c.numpy(force=True)[...] = 4.0
    first.backward()
    second.backward()
    assert x.grad.tolist() == [6.0, 6.0] and c.grad is None and c.item() == 3.0


@pytest.mark.parametrize("change", [
    lambda c: c.requires_grad_(),
    lambda c: setattr(c, "requires_grad", True),
    lambda c: setattr(c, "data", np.array(100.0)),
    lambda c: setattr(c, "grad", tg.tensor(1.0, dtype=tg.float64)),
    lambda c: c.add_(1.0),
], ids=["requires_grad_", "requires_grad=", "data=", "grad=", "add_"])
def test_a_shared_constant_refuses_every_change(change):
    # one change would reach every op on that number, in every graph
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    c = constant_of(x * 3.0)
    with pytest.raises(RuntimeError, match="a constant made from the number 3.0 by an op cannot"):
        change(c)
    c.requires_grad_(False)  # asking for what it is already is fine
    z = tg.tensor([5.0], dtype=tg.float64) * 3.0  # an unrelated graph on the same number
    assert z.tolist() == [15.0] and not z.requires_grad and c.grad is None


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_zeros_keep_their_sign(zero):
    # 0.0 == -0.0 (one dict key): zeros are made anew each time, never shared
    x = tg.tensor([2.0, -2.0], dtype=tg.float64, requires_grad=True)
    product = (x * zero).numpy(force=True)
    expected = np.array([2.0 * zero, -2.0 * zero])
    assert product.tobytes() == expected.tobytes()
    assert math.copysign(1.0, constant_of(x * zero).item()) == math.copysign(1.0, zero)


def test_numbers_of_other_types_are_told_apart():
    t = tg.tensor([1, 2], dtype=tg.int64)
    assert (t * True).dtype == tg.int64 and (t * 1).dtype == tg.int64
    assert (t * 1.0).dtype == tg.float32  # a float makes an int tensor float, as in PyTorch
    assert (t * 1.0).tolist() == [1.0, 2.0] and (t * True).tolist() == [1, 2]


def test_the_cache_is_bounded():
    x = tg.tensor([1.0], dtype=tg.float64, requires_grad=True)
    for i in range(3 * operands._MAX_CONSTANTS):
        assert (x * (i + 0.5)).item() == i + 0.5
    assert 0 < len(operands._CONSTANTS) <= operands._MAX_CONSTANTS


def test_a_chain_of_ops_on_numbers_holds_five_tracked_objects_per_op():
    # node, output tensor, its version counter, the node's inputs and their nodes: the
    # number's tensor is shared, and its version counter (a tuple) is not tracked
    x = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    gc.collect()
    before = len(gc.get_objects())
    y = x
    for _ in range(1000):
        y = y * 0.99999
        y = y + 1e-3
    gc.collect()
    per_op = (len(gc.get_objects()) - before) / 2000
    assert per_op <= 5.01
    y.backward()
    assert x.grad.item() == pytest.approx(0.99999 ** 1000, rel=1e-12)
