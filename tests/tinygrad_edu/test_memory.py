"""Graphs are freed after backward: memory stays flat over long training runs and no
reference cycle keeps a graph alive (SPEC §8)."""
import gc
import tracemalloc

import numpy as np

import tinygrad_edu as tg


def make_step():
    """One per-sample SGD step of a 2-2-1 sigmoid net, the loop users write."""
    rng = np.random.default_rng(0)
    w1 = tg.tensor(rng.normal(size=(2, 2)), requires_grad=True)
    w2 = tg.tensor(rng.normal(size=(2, 1)), requires_grad=True)
    inputs = [tg.tensor(np.array([[a, b]], dtype=np.float64)) for a in (0, 1) for b in (0, 1)]
    targets = [tg.tensor(np.array([[float(a != b)]])) for a in (0, 1) for b in (0, 1)]

    def step(i):
        nonlocal w1, w2  # `w -= ...` rebinds the name (to the same tensor)
        x, y = inputs[i % 4], targets[i % 4]
        loss = (((x @ w1).sigmoid() @ w2).sigmoid() - y).square().mean()
        w1.grad = w2.grad = None
        loss.backward()
        with tg.no_grad():
            w1 -= 0.5 * w1.grad
            w2 -= 0.5 * w2.grad
        return loss

    return step


def test_100000_training_steps_keep_memory_flat():
    step = make_step()
    for i in range(1000):  # warm up caches and allocator pools
        step(i)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for i in range(100_000):
            step(i)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    # a leak of even one 8-byte float per step would be 800 kB
    assert grown < 64 * 1024, f"memory grew by {grown} bytes over 100,000 steps"


def test_a_finished_step_leaves_no_garbage_for_the_cycle_collector():
    step = make_step()
    step(0)
    gc.collect()
    gc.disable()
    try:
        for i in range(200):
            step(i)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0, f"{unreachable} objects were only freed by the cycle collector"


def test_a_graph_that_is_never_backpropagated_is_freed_without_the_cycle_collector():
    x = tg.tensor(np.ones(3), requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        for _ in range(100):
            ((x * 2).sigmoid().exp() + x).sum()  # saved outputs must not form cycles
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0


def test_create_graph_backward_leaves_no_cycles_when_grads_are_taken_with_grad():
    x = tg.tensor(np.array([0.3, -0.2]), requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            (g,) = tg.grad((x.tanh() * x).sum(), x, create_graph=True)
            tg.grad(g.sum(), x)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0
