"""Peak memory of one W3 iteration (784-196-1 sigmoid + BCE, full batch of 11,272,
float32): tinygrad_edu + nn vs hand NumPy, measured with tracemalloc.

    python benchmarks/memory.py [--n 11272] [--json PATH]

For each implementation: set up, run one untraced warm-up iteration, then trace one
more iteration and report the peak of the memory allocated during it (NumPy reports
its array buffers to tracemalloc, so forward activations, saved tensors, gradients and
temporaries all count; the data and the weights, allocated before, do not). PyTorch
is left out: its allocator does not report to tracemalloc.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from benchmarks.workloads import w3_bce_full_batch as w3  # noqa: E402

MB = 1024 ** 2


def peak_of_one_iteration(make_runner) -> int:
    """Peak bytes allocated (above the level at its start) during one iteration."""
    runner = make_runner()
    runner.run()  # warm-up: first-call allocations (caches, lazily built state) are not measured
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        runner.run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start


def measure(n: int = w3.MNIST_5_VS_8, seed: int = 0) -> dict:
    problem = w3.make_problem(n, iterations=1, seed=seed)
    peaks = {"hand": peak_of_one_iteration(lambda: w3.hand(problem)),
             "tg": peak_of_one_iteration(lambda: w3.tinygrad(problem))}
    activation_mb = w3.LAYERS[1] * n * 4 / MB  # one (196, n) float32 array
    return {"workload": "W3", "n": n, "peak_bytes": peaks,
            "peak_mb": {impl: b / MB for impl, b in peaks.items()},
            "tg_over_hand": peaks["tg"] / peaks["hand"],
            "hidden_activation_mb": activation_mb}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=w3.MNIST_5_VS_8, help="batch size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)

    result = measure(args.n, args.seed)
    print(f"\nW3 peak memory of one iteration (tracemalloc), batch {args.n}, float32; "
          f"one (196, n) activation = {result['hidden_activation_mb']:.1f} MB")
    for impl in ("hand", "tg"):
        mb = result["peak_mb"][impl]
        print(f"  {impl:5} {mb:8.1f} MB  ({mb / result['hidden_activation_mb']:.1f} activations)")
    print(f"  tg/hand {result['tg_over_hand']:.2f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
