"""Where a tg.jit replay spends its time: each kernel of the replay function, timed.

    python benchmarks/jit_kernels.py              # W1, W2, W4 (per-sample) and W3
    python benchmarks/jit_kernels.py W1 --blocks 5

For a workload's "jit" runner (benchmarks/workloads/), this prints `step.kernels()` —
the straight-line function a replay runs — with the median time of each statement over
every step of `--blocks` blocks, measured by running the block with a copy of the replay
function that reads the clock between statements (~0.05 µs per reading, subtracted).
Then the step's time split into: the replay function's statements by kind (forward,
backward, the engine's sums and fits, `del`s, accumulation into .grad, the optimizer's
step and zero_grad),
and what is left of one `step(x, y)` call (guards, argument unpacking, the loop), next to
hand NumPy's time per step. One BLAS thread, as in run.py.
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
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

import numpy as np  # noqa: E402

from benchmarks.workloads import BUILDERS  # noqa: E402
from tinygrad_edu.jit import statements  # noqa: E402


def kind(line: str, previous: str | None = None) -> str:
    """What a statement of the replay function does. A kernel's first statement names its
    op or call in a comment; the other statements of an inlined kernel have none and
    belong to the kernel before them (`previous`, the kind of the statement before)."""
    code, _, comment = line.strip().removesuffix("  …").partition("  # ")
    if code.startswith("# folded: "):
        return "folded (run once, while tracing)"
    if code.startswith(("accumulate(", "adopt(")):
        return "accumulate into .grad"
    if comment.endswith("Backward"):
        return "backward"
    if comment.endswith((".step", ".zero_grad")) or re.search(r"\bK\d+\(", code):
        return "optimizer step + zero_grad"  # (and the other calls: clip_grad_norm, ...)
    if comment:
        return "forward"
    if code.startswith("del "):
        return "del (values after their last use)"
    if re.fullmatch(r"g\d+ = g\d+( \+ g\d+)+", code) or "= fit(" in code:
        return "sums and fits of gradients"
    return previous if previous in ("forward", "backward") else "sums and fits of gradients"


def instrumented(source: str, namespace: dict):
    """The replay function with a clock reading after every statement (an inlined `if`
    or `try` is one); each call appends its list of readings to the returned list. Also
    returns the statements, each as its first line ("…" if it has more)."""
    lines = source.splitlines()
    groups = statements(lines[1:-1])
    new = [lines[0], "    _clock = [_now()]"]
    for group in groups:
        new += group + ["    _clock.append(_now())"]
    new += ["    _readings.append(_clock)", lines[-1]]
    body = [group[0] + ("  …" if len(group) > 1 else "") for group in groups]
    readings = []
    scope = dict(namespace, _now=time.perf_counter_ns, _readings=readings)
    exec(compile("\n".join(new), "<tg.jit replay, timed>", "exec"), scope)
    return scope["replay"], body, readings


def clock_cost_ns() -> float:
    costs = []
    for _ in range(20_000):
        a = time.perf_counter_ns()
        b = time.perf_counter_ns()
        costs.append(b - a)
    return statistics.median(costs)


def block_seconds(factory, blocks: int) -> float:
    """Median seconds of one block of a freshly set-up runner."""
    times = []
    for _ in range(blocks):
        runner = factory()
        start = time.perf_counter()
        runner.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_replays(workload, blocks: int):
    """Run `blocks` blocks of the workload's jit runner with the clock read between the
    replay function's lines: (its lines, µs of each line for every step as a
    (steps, lines) array, µs per step spent outside the replay function, the last runner)."""
    clock = clock_cost_ns()
    samples, rest_us = [], []
    for _ in range(blocks):
        runner = workload.factories["jit"]()
        (trace,) = runner.jit_step.traces.values()
        trace.function, body, readings = instrumented(trace.source, trace.function.__globals__)
        start = time.perf_counter_ns()
        runner.run()
        block_ns = time.perf_counter_ns() - start
        # the block minus the replay functions' bodies (and the clock readings in them)
        inside = sum(r[-1] - r[0] for r in readings) + clock * len(body) * len(readings)
        rest_us.append((block_ns - inside) / len(readings) / 1e3)
        samples += readings
    costs = np.maximum(np.diff(np.array(samples, dtype=np.float64), axis=1) - clock, 0) / 1e3
    return body, costs, statistics.median(rest_us), runner


def profile(workload, blocks: int) -> str:
    """The report for one Workload (see the module docstring)."""
    if "jit" not in workload.factories:
        return f"{workload.id}: no jit ({workload.no_jit})"
    per_step = {impl: block_seconds(workload.factories[impl], blocks) / workload.steps * 1e6
                for impl in ("hand", "tg", "jit")}
    body, costs, rest_us, _ = timed_replays(workload, blocks)
    line_us = np.median(costs, axis=0)

    out = [f"{workload.id}: {workload.title}",
           f"  µs per {workload.unit}: hand {per_step['hand']:.4g}, tg eager {per_step['tg']:.4g}, "
           f"tg.jit {per_step['jit']:.4g} (jit/hand {per_step['jit'] / per_step['hand']:.2f}x)",
           "", "  median µs  replay statement"]
    out += [f"  {us:9.3f}  {line.strip()}" for us, line in zip(line_us, body)]
    by_kind, previous = {}, None
    for us, line in zip(line_us, body):
        previous = kind(line, previous)
        by_kind[previous] = by_kind.get(previous, 0.0) + us
    replay_total = float(line_us.sum())
    out += ["", f"  {len(body)} statements, {replay_total:.4g} µs (sum of their medians):"]
    out += [f"  {us:9.3f}  {name}" for name, us in by_kind.items()]
    out.append(f"  {rest_us:9.3f}  the rest of a step: the guards, the "
               f"call, unpacking arguments, the loop")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time each kernel of a tg.jit replay.")
    parser.add_argument("workloads", nargs="*", default=["W1", "W2", "W4", "W3"],
                        help="workloads to profile (default: W1 W2 W4 W3)")
    parser.add_argument("--blocks", type=int, default=3,
                        help="blocks timed per implementation and for the lines (default: 3)")
    parser.add_argument("--quick", action="store_true", help="run.py's --quick block sizes")
    args = parser.parse_args(argv)
    unknown = [w for w in args.workloads if w.upper() not in BUILDERS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {', '.join(BUILDERS)}")
    if args.blocks < 1:
        parser.error("--blocks must be at least 1")
    for workload_id in args.workloads:
        workload = BUILDERS[workload_id.upper()](quick=args.quick)
        print(profile(workload, args.blocks), end="\n\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
