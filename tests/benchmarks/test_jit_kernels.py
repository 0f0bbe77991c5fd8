"""benchmarks/jit_kernels.py times each statement of a tg.jit replay (an inlined `if` or
`try` is one). Its timed copy of the replay function must compute exactly what the replay
computes, and its report must list every statement that `step.kernels()` shows. Nothing
is asserted about the times."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ lives at the repo root

from benchmarks import harness, jit_kernels  # noqa: E402
from benchmarks.workloads import w1_xor, w3_bce_full_batch, w4_leaky_column  # noqa: E402
from tinygrad_edu.jit import statements as jit_statements  # noqa: E402


@pytest.mark.parametrize("build", [lambda: w1_xor.build(steps=12),
                                   lambda: w4_leaky_column.build(steps=12),
                                   lambda: w3_bce_full_batch.build(n=32, iterations=2)],
                         ids=["W1", "W4", "W3"])
def test_the_timed_replay_computes_what_the_replay_computes(build):
    workload = build()
    body, costs, _, runner = jit_kernels.timed_replays(workload, blocks=1)

    eager = harness.run_once(workload.factories["tg"])
    for name, weight in runner.weights().items():
        assert np.array_equal(weight, eager[name])
    assert runner.replayed_only()
    assert costs.shape == (workload.steps, len(body)) and (costs >= 0).all()
    statements = jit_statements(runner.jit_step.kernels().splitlines()[1:-1])
    assert body == [s[0] + ("  …" if len(s) > 1 else "") for s in statements]


def test_the_report_lists_every_kernel_and_splits_the_step_by_kind():
    workload = w1_xor.build(steps=12)
    report = jit_kernels.profile(workload, blocks=1)

    statements = jit_statements(workload.factories["jit"]().jit_step.kernels().splitlines()[1:-1])
    for statement in statements:
        assert statement[0].strip() in report
    for kind in ("forward", "backward", "accumulate into .grad", "optimizer step + zero_grad",
                 "del (values after their last use)", "the rest of a step"):
        assert kind in report
    assert f"{len(statements)} statements" in report
    assert any(len(s) > 1 for s in statements)  # the sigmoids, inlined: if ... else ...


@pytest.mark.parametrize("line, kind", [
    ("    v1 = F1(v0)  # Sigmoid", "forward"),
    ("    if v0.size == 0 or v0.min() > _EXP_OVERFLOWS_BELOW[v0.dtype]:  # Sigmoid  …", "forward"),
    ("    t10_c = N10.exponent  # PowScalarBackward", "backward"),
    ("    v6 = asarray(F6(v5, **O6))  # Sum", "forward"),
    ("    g13, g14 = B13(g12, v1, c1)  # MatMulBackward", "backward"),
    ("    g12 = g10 + g11", "sums and fits of gradients"),
    ("    g17 = fit(N14, g17, D_g17, False)", "sums and fits of gradients"),
    ("    accumulate(T16, g14, G16)", "accumulate into .grad"),
    ("    K18()  # SGD.step", "optimizer step + zero_grad"),
    ("    K19()  # Module.zero_grad", "optimizer step + zero_grad"),
    ("    v7 = K12(*A12)._data  # clip_grad_norm", "optimizer step + zero_grad"),
])
def test_each_replay_line_is_sorted_by_what_it_does(line, kind):
    assert jit_kernels.kind(line) == kind


@pytest.mark.parametrize("previous", ["forward", "backward"])
def test_an_inlined_kernels_later_statements_count_with_it(previous):
    assert jit_kernels.kind("    v5 = v4 ** 2", previous) == previous
    assert jit_kernels.kind("    if t10_c == 0:  …", previous) == previous
    assert jit_kernels.kind("    del v4, t10_c", previous) == "del (values after their last use)"
    assert jit_kernels.kind("    g12 = g10 + g11", previous) == "sums and fits of gradients"


def test_the_scalar_chain_has_no_replay_to_profile():
    from benchmarks.workloads import w5_scalar_chain
    report = jit_kernels.profile(w5_scalar_chain.build(ops=20), blocks=1)
    assert report == "W5: no jit (the chain is built once, nothing to replay)"
