"""The floor under any bitwise-exact replay: W1, W2 and W4's step as the NumPy calls eager
makes, written out by hand, timed against hand NumPy.

    python benchmarks/exact_floor.py            # W1, W2, W4 at full size
    python benchmarks/exact_floor.py --quick

A tg.jit replay gives eager's bits, so it makes eager's NumPy calls: it computes the loss
the step returns and back-propagates through it (the article's hand loop starts from
p − t) and each sigmoid checks x.min() before its exp. Here those calls are written out with nothing else: no Tensor, no Python call per kernel, no
optimizer loop, and the kernels fed by constants alone folded, as tg.jit folds them. Each
floor must end on eager tg's weights bit for bit before it is timed (otherwise it would be
another computation); hand NumPy and the floor then take turns, as in run.py. What a
replay spends beyond the floor is its own overhead; what the floor spends beyond hand
NumPy is the price of being eager's arithmetic exactly. (The floors repeat the arithmetic
of ops.py's forward and backward on purpose: a call per op is part of what they leave out.)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__":  # before NumPy loads, as run.py's workers do
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import numpy as np  # noqa: E402

from benchmarks import harness  # noqa: E402
from benchmarks.workloads import bias_trick, w1_xor, w2_digits, w4_leaky_column  # noqa: E402
from tinygrad_edu.articles import column_vectors  # noqa: E402

# the largest x for which e^-x overflows in float64: ops.Sigmoid's switch to its stable form
_EXP_OVERFLOWS_BELOW = -np.log(np.finfo(np.float64).max)


def bias_trick_floor(problem: bias_trick.BiasTrickProblem) -> harness.Runner:
    """W1 and W2: a = σ(a·W) per layer, loss ½Σ(a − t)², SGD, as eager computes them."""
    weights = [w.copy() for w in problem.initial_weights]
    half = np.asarray(0.5)  # the 0.5 of `0.5 * (...).sum()`, as operands makes it
    # folded: MulBackward(seed 1, 0.5) then SumBackward, expanded to the output's shape
    upstream = np.empty(problem.samples[0][1].shape)
    upstream[...] = np.asarray(1.0) * half

    def run():
        for x, t in problem.samples:
            activations = [x]
            for W in weights:
                z = activations[-1] @ W
                if z.size == 0 or z.min() > _EXP_OVERFLOWS_BELOW:
                    activations.append(1 / (1 + np.exp(-z)))
                else:  # (never taken here: the stable form, for completeness)
                    e = np.exp(-np.abs(z))
                    r = 1 / (1 + e)
                    activations.append(np.where(z >= 0, r, e * r))
            d = activations[-1] - t
            np.asarray(half * np.asarray((d ** 2).sum(None, keepdims=False)))  # the loss
            g = upstream * (2 * d)  # PowScalarBackward; SubBackward passes it on
            grads = [None] * len(weights)
            for layer in range(len(weights) - 1, -1, -1):
                s = activations[layer + 1]
                g = g * s * (1 - s)  # SigmoidBackward
                grads[layer] = activations[layer].swapaxes(-1, -2) @ g  # MatMulBackward
                if layer:
                    g = g @ weights[layer].swapaxes(-1, -2)
            for W, dW in zip(weights, grads):
                W -= problem.alpha * dW

    return harness.Runner(run, lambda: bias_trick.named(weights))


def column_floor(problem: w4_leaky_column.ColumnProblem) -> harness.Runner:
    """W4: y = W·x + b, LeakyReLU, MSE mean, SGD, as eager computes them."""
    layers = [(W.copy(), b.copy()) for W, b in problem.initial]
    slope = w4_leaky_column.SLOPE
    # folded: MeanBackward(seed 1), G/n expanded to the output's shape
    upstream = np.empty(problem.samples[0][1].shape)
    upstream[...] = np.asarray(1.0).reshape((1, 1)) / upstream.size

    def run():
        for x, t in problem.samples:
            inputs, outputs = [x], []
            for W, b in layers:
                y = W @ inputs[-1] + b
                outputs.append(y)
                inputs.append(np.maximum(y, y * slope))  # LeakyReLU, 0 < slope <= 1
            d = inputs[-1] - t
            np.asarray(np.add.reduce(d * d, None, keepdims=False) / d.size)  # the loss
            g = upstream * d + upstream * d  # MulBackward of d·d, both parts, summed
            grads = []
            for layer in range(len(layers) - 1, -1, -1):
                W, _ = layers[layer]
                y = outputs[layer]
                g = np.where(y > 0, g, g * slope)  # LeakyReLUBackward
                grads.append((g @ inputs[layer].swapaxes(-1, -2), g.copy()))  # AddBackward: copied
                if layer:
                    g = W.swapaxes(-1, -2) @ g
            for (W, b), (dW, db) in zip(layers, grads[::-1]):
                W -= problem.lr * dW
                b -= problem.lr * db

    return harness.Runner(run, lambda: column_vectors.named(layers))


FLOORS = {"W1": (w1_xor.build, bias_trick_floor), "W2": (w2_digits.build, bias_trick_floor),
          "W4": (w4_leaky_column.build, column_floor)}


def check(workload, floor) -> None:
    """The floor ends on eager tg's weights, bit for bit."""
    eager = harness.run_once(workload.factories["tg"])
    ours = harness.run_once(lambda: floor(workload.problem))
    for name, weight in eager.items():
        if not np.array_equal(weight, ours[name]):
            raise harness.WeightMismatch(f"{workload.id}: the floor's {name} is not eager's")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller blocks, 3 repeats")
    parser.add_argument("--workloads", default="W1,W2,W4")
    args = parser.parse_args(argv)
    print("median µs per step; floor/hand: the least a bitwise-exact replay can cost")
    for workload_id in args.workloads.upper().split(","):
        build, floor = FLOORS[workload_id]
        workload = build(quick=args.quick)
        check(workload, floor)
        workload.factories["floor"] = lambda: floor(workload.problem)
        times = harness.time_interleaved(workload, ["hand", "floor"], 3 if args.quick else 9)
        hand, ours = (harness.median(times[impl]) * 1e6 for impl in ("hand", "floor"))
        print(f"{workload_id}: hand {hand:.2f}, floor {ours:.2f}, floor/hand {ours / hand:.2f}x")


if __name__ == "__main__":
    main()
