"""benchmarks/exact_floor.py writes out the NumPy calls of eager's step by hand, to time
the least a bitwise-exact replay can cost. Each floor must stay eager's arithmetic bit for
bit: when an op's formula changes, this fails until the floor follows."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ lives at the repo root

from benchmarks import exact_floor  # noqa: E402
from benchmarks.workloads import w1_xor, w2_digits, w4_leaky_column  # noqa: E402


@pytest.mark.parametrize("build, floor", [
    (lambda: w1_xor.build(steps=40), exact_floor.bias_trick_floor),
    (lambda: w2_digits.build(samples=20), exact_floor.bias_trick_floor),
    (lambda: w4_leaky_column.build(steps=40), exact_floor.column_floor),
], ids=["W1", "W2", "W4"])
def test_each_floor_ends_on_eager_weights_bit_for_bit(build, floor):
    exact_floor.check(build(), floor)  # raises WeightMismatch otherwise


def test_a_floor_that_is_not_eager_arithmetic_is_caught():
    workload = w4_leaky_column.build(steps=5)
    workload.problem.lr *= 1.0 + 1e-15  # one ulp off is another computation
    eager_problem = w4_leaky_column.make_problem(5, 0)
    workload.factories["tg"] = lambda: w4_leaky_column.tinygrad(eager_problem)
    with pytest.raises(exact_floor.harness.WeightMismatch):
        exact_floor.check(workload, exact_floor.column_floor)
