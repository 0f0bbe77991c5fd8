"""The benchmarks (benchmarks/, SPEC §7) time hand-written NumPy against tinygrad_edu + nn,
eager and under tg.jit. A timing is only meaningful if all compute the same thing, so this
runs the benchmarks' own pre-timing check — same initial weights, same steps, same final
weights — on small versions of W1–W5, between hand NumPy and tinygrad_edu (PyTorch is
never needed here), and checks that the jitted step replays and ends on eager's weights
bit for bit. Nothing is timed.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ lives at the repo root

from benchmarks import harness  # noqa: E402
from benchmarks.workloads import (w1_xor, w2_digits, w3_bce_full_batch,  # noqa: E402
                                  w4_leaky_column, w5_scalar_chain)

SMALL_WORKLOADS = {
    "W1 XOR 2-2-1, 40 sample steps": lambda: w1_xor.build(steps=40),
    "W2 digits 64-32-16-10, 5 samples": lambda: w2_digits.build(samples=5),
    "W3 784-196-1 BCE, batch 64, 3 iterations": lambda: w3_bce_full_batch.build(n=64,
                                                                                 iterations=3),
    "W4 2-3-2 LeakyReLU, 60 sample steps": lambda: w4_leaky_column.build(steps=60),
    "W5 chain of 200 scalar ops": lambda: w5_scalar_chain.build(ops=200),
}


def trained_weights(workload, impl):
    """(weights before, weights after) one block of the workload's steps."""
    runner = workload.factories[impl]()
    before = {name: np.array(w, copy=True) for name, w in runner.weights().items()}
    runner.run()
    return before, runner.weights()


@pytest.mark.parametrize("name", SMALL_WORKLOADS)
def test_tinygrad_ends_on_the_same_weights_as_hand_numpy(name):
    workload = SMALL_WORKLOADS[name]()
    hand_before, hand_after = trained_weights(workload, "hand")
    _, tg_after = trained_weights(workload, "tg")

    rows = harness.compare_weights(workload, {"hand": hand_after, "tg": tg_after})

    assert {row["weight"] for row in rows} == set(hand_after)
    assert all(row["ok"] for row in rows)
    # the check compared trained weights, not the untouched initial ones
    for weight, after in hand_after.items():
        if weight in hand_before:
            assert not np.allclose(after, hand_before[weight]), f"{weight} did not move"


JIT_WORKLOADS = [name for name in SMALL_WORKLOADS if not name.startswith("W5")]


@pytest.mark.parametrize("name", JIT_WORKLOADS)
def test_the_jitted_step_ends_on_eager_weights_bit_for_bit_and_on_hand_numpys(name):
    workload = SMALL_WORKLOADS[name]()
    finals = {impl: harness.run_once(workload.factories[impl]) for impl in ("hand", "tg", "jit")}

    bitwise = harness.compare_bitwise(workload, finals)
    close = harness.compare_weights(workload, finals)

    assert [row["weight"] for row in bitwise] == list(finals["tg"])
    assert all(row["ok"] and row["elements_differing"] == 0 for row in bitwise)
    assert all(row["ok"] for row in close if row["impl"] == "jit")
    for weight in finals["hand"]:
        assert np.array_equal(finals["jit"][weight], finals["tg"][weight])


@pytest.mark.parametrize("name", JIT_WORKLOADS)
def test_the_jitted_block_replays_every_step_of_one_trace(name):
    workload = SMALL_WORKLOADS[name]()
    runner = workload.factories["jit"]()
    (trace,) = runner.jit_step.traces.values()  # traced once, in set-up
    replays = []
    replay = trace.replay
    trace.replay = lambda args: replays.append(1) or replay(args)  # count the replays

    runner.run()

    assert runner.jit_step.trace_count == 1 and runner.replayed_only()
    assert len(replays) == workload.steps
    assert runner.trace_s > 0


FLOOR_WORKLOADS = [name for name in SMALL_WORKLOADS if name[:2] in ("W1", "W2", "W4")]


@pytest.mark.parametrize("name", FLOOR_WORKLOADS)
def test_each_floor_ends_on_eager_weights_bit_for_bit(name):
    # a floor writes out eager's NumPy calls: when an op's formula changes, this fails
    # until the floor follows
    workload = SMALL_WORKLOADS[name]()
    finals = {impl: harness.run_once(workload.factories[impl]) for impl in ("hand", "tg", "floor")}
    rows = harness.compare_bitwise(workload, finals, impl="floor")
    assert rows and all(row["ok"] for row in rows)
    assert all(row["ok"] for row in harness.compare_weights(workload, finals))


def test_a_floor_that_is_not_eager_arithmetic_is_caught():
    workload = w4_leaky_column.build(steps=5)
    problem = w4_leaky_column.make_problem(5, 0)
    problem.lr *= 1.0 + 1e-15  # one ulp off is another computation
    finals = {"tg": harness.run_once(workload.factories["tg"]),
              "floor": harness.run_once(lambda: w4_leaky_column.floor(problem))}
    with pytest.raises(harness.WeightMismatch, match="floor does not end on tg's weights"):
        harness.compare_bitwise(workload, finals, impl="floor")


def test_only_the_per_sample_workloads_have_a_floor():
    have = {name[:2] for name, build in SMALL_WORKLOADS.items() if "floor" in build().factories}
    assert have == {"W1", "W2", "W4"}


def test_a_step_traced_again_is_not_a_replay():
    """A guard that fails makes tg.jit trace again (eagerly): the check must notice."""
    workload = w1_xor.build(steps=8)
    runner = workload.factories["jit"]()
    (trace,) = runner.jit_step.traces.values()
    weight = trace.leaves[0][0]
    weight._data = weight._data.copy()  # the parameter's array replaced: the guard fails
    runner.run()
    assert not runner.replayed_only()
    with pytest.raises(harness.NotReplayed, match="traced again"):
        harness.run_once(lambda: runner)


def test_the_bitwise_check_stops_on_one_flipped_bit():
    workload = w1_xor.build(steps=8)
    finals = {impl: harness.run_once(workload.factories[impl]) for impl in ("tg", "jit")}
    flipped = finals["jit"]["W1"].copy()
    flipped.view(np.uint64)[0, 0] ^= 1  # the last bit of one float64: 1 ulp
    finals["jit"] = dict(finals["jit"], W1=flipped)

    with pytest.raises(harness.WeightMismatch, match=r"W1 .* 1 .* NO"):
        harness.compare_bitwise(workload, finals)


def test_the_bitwise_check_tells_minus_zero_from_zero():
    workload = w1_xor.build(steps=8)
    finals = {"tg": {"W0": np.array([0.0, 1.0])}, "jit": {"W0": np.array([-0.0, 1.0])}}
    with pytest.raises(harness.WeightMismatch, match="bit for bit"):
        harness.compare_bitwise(workload, finals)


def test_scalar_chain_matches_its_closed_form():
    """dy/dx of y·c + d repeated k times is c^k; y is c^k·x0 + d(c^k − 1)/(c − 1)."""
    workload = w5_scalar_chain.build(ops=200)
    _, tg_after = trained_weights(workload, "tg")
    expected = w5_scalar_chain.closed_form(200)
    np.testing.assert_allclose(tg_after["dy/dx"], w5_scalar_chain.C ** 100, rtol=1e-13)
    np.testing.assert_allclose(tg_after["y"], expected["y"], rtol=1e-12)


def test_the_check_stops_on_a_one_part_per_million_difference():
    workload = w1_xor.build(steps=8)
    hand = harness.run_once(workload.factories["hand"])
    nudged = {name: w.copy() for name, w in hand.items()}
    nudged["W0"][1, 2] *= 1 + 1e-6

    with pytest.raises(harness.WeightMismatch, match=r"W0 .* NO"):
        harness.compare_weights(workload, {"hand": hand, "tg": nudged})


def test_the_check_reports_a_missing_or_reshaped_weight():
    workload = w1_xor.build(steps=8)
    hand = harness.run_once(workload.factories["hand"])
    reshaped = dict(hand, W1=hand["W1"].ravel())
    with pytest.raises(harness.WeightMismatch, match=r"shape \(3,\)"):
        harness.compare_weights(workload, {"hand": hand, "tg": reshaped})


@pytest.mark.parametrize("over_hand, torch_over, verdict", [
    (1.1, 6.0, "yes"),
    (1.3, 6.0, "no"),    # too slow against hand NumPy
    (1.1, 4.0, "no"),    # not enough faster than PyTorch
    (1.1, None, "n/a"),  # PyTorch not measured
])
def test_a_target_is_met_only_when_every_measured_ratio_meets_it(over_hand, torch_over, verdict):
    target = harness.Target("≤1.2x hand, torch/jit ≥5", max_over_hand=1.2, min_torch_over=5.0)
    assert target.met(over_hand, torch_over) == verdict


@pytest.mark.parametrize("over_hand, verdict", [(0.95, "yes"), (1.0, "yes"), (1.1, "no")])
def test_the_moonshot_is_reported_beside_the_target(over_hand, verdict):
    target = harness.Target("≤1.2x hand (moonshot ≤1.0x)", max_over_hand=1.2,
                            moonshot_over_hand=1.0)
    assert target.met(over_hand, None) == "yes"
    assert target.moonshot(over_hand) == verdict
    assert harness.Target("≤4x hand", max_over_hand=4.0).moonshot(over_hand) is None


def test_every_workload_but_the_scalar_chain_has_a_jit_implementation_and_target():
    for name, build in SMALL_WORKLOADS.items():
        workload = build()
        has_jit = not name.startswith("W5")
        assert ("jit" in workload.factories) == has_jit
        assert (workload.jit_target is not None) == has_jit
        assert (workload.no_jit is None) == has_jit
