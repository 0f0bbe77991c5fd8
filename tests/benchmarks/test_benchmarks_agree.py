"""The benchmarks (benchmarks/, SPEC §7) time hand-written NumPy against tinygrad_edu + nn.
A timing is only meaningful if both compute the same thing, so this runs the benchmarks'
own pre-timing check — same initial weights, same steps, same final weights — on small
versions of W1–W5, between hand NumPy and tinygrad_edu (PyTorch is never needed here).
Nothing is timed.
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


@pytest.mark.parametrize("tg_over_hand, torch_over_tg, verdict", [
    (1.5, 5.0, "yes"),
    (2.5, 5.0, "no"),    # too slow against hand NumPy
    (1.5, 3.0, "no"),    # not enough faster than PyTorch
    (1.5, None, "n/a"),  # PyTorch not measured
])
def test_a_target_is_met_only_when_every_measured_ratio_meets_it(tg_over_hand, torch_over_tg,
                                                                  verdict):
    target = harness.Target("≤2.0x hand, torch/tg ≥4", max_tg_over_hand=2.0,
                            min_torch_over_tg=4.0)
    assert target.met(tg_over_hand, torch_over_tg) == verdict
