"""SPEC §7's benchmarks: the same training math four ways, timed against each other.

    python benchmarks/run.py                     # W1–W5 at full size (about a minute)
    python benchmarks/run.py --quick             # smaller blocks, 3 repeats: < 1 minute
    python benchmarks/run.py --workloads W1,W3 --repeats 9 --json out/w13.json
    python benchmarks/run.py --threads auto      # keep the libraries' default thread counts
    python benchmarks/run.py --memory            # also W3's peak memory (benchmarks/memory.py)

Each workload runs in its own process (so thread settings apply before NumPy loads and
one workload's garbage cannot slow the next), which freezes what its imports made out of
the cycle collector's walks (gc.freeze: PyTorch's import would otherwise slow every
full collection of tinygrad_edu's), and is written up to five ways:

  hand   hand-written NumPy following the article's explicit formulas;
  tg     tinygrad_edu + nn as a PyTorch user writes it: a step function doing forward,
         loss, loss.backward(), SGD step, zero_grad;
  jit    the same step function under tg.jit, traced once in set-up, replayed in the
         timed block (W1–W4; W5 is a chain built once, nothing to replay);
  floor  W1, W2, W4: the NumPy calls eager tg makes, written out by hand with nothing
         else (no Tensor, no call per kernel, no optimizer loop): the least a replay
         that gives eager's bits can cost (workloads' `floor`);
  torch  the same code on PyTorch CPU, when `import torch` works (never required).

All start from the same initial weights (made once in NumPy). Before anything is timed,
each implementation runs one block and must end on the same weights as hand NumPy
(np.allclose, tight for float64, looser for float32), jit and floor on eager tg's bit for
bit, and jit must have replayed every step of the block; a failure stops the run. Then the
implementations take turns (hand, tg, jit, floor, torch, hand, ...) for --repeats blocks,
and the table reports each one's median time per step, the ratios tg/hand, jit/hand,
floor/hand, jit/floor, torch/tg and torch/jit (> 1: tinygrad_edu is faster than PyTorch)
against SPEC §7's targets.
JSON goes to out/bench.json by default (out/ is git-ignored).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from benchmarks import harness  # noqa: E402

ALL_WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
DEFAULT_JSON = harness.REPO_ROOT / "out" / "bench.json"
EXIT_MISMATCH = 3


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time hand NumPy vs tinygrad_edu (eager and tg.jit) vs PyTorch on SPEC §7's "
                    "workloads.")
    parser.add_argument("--quick", action="store_true",
                        help="smaller blocks and 3 repeats: the whole run takes < 1 minute")
    parser.add_argument("--workloads", default=",".join(ALL_WORKLOADS),
                        help="comma-separated subset of W1..W5 (default: all)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed blocks per implementation (default 7, --quick 3)")
    parser.add_argument("--threads", default="1",
                        help="BLAS/OpenMP threads for NumPy and PyTorch alike: a number "
                             "(default 1, set through OMP/OPENBLAS/MKL_NUM_THREADS before "
                             "NumPy loads, and torch.set_num_threads) or 'auto' (NumPy's "
                             "BLAS default, detected with threadpoolctl, given to PyTorch)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="PATH",
                        help=f"where to write the results (default {DEFAULT_JSON})")
    parser.add_argument("--seed", type=int, default=0, help="seed of data and initial weights")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--memory", action="store_true",
                        help="also measure W3's peak memory, tg vs hand (benchmarks/memory.py)")
    # internal: run one workload in this process and write its result to a file
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in args.workloads if w not in ALL_WORKLOADS]
    if unknown or not args.workloads:
        parser.error(f"--workloads: unknown {unknown or 'empty list'}; choose from "
                     f"{', '.join(ALL_WORKLOADS)}")
    if args.repeats is None:
        args.repeats = 3 if args.quick else 7
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.threads != "auto" and not (args.threads.isdigit() and int(args.threads) >= 1):
        parser.error(f"--threads must be a positive number or 'auto' (got {args.threads!r})")
    return args


# ----------------------------------------------------------------------------
# the worker: one workload, in its own process


def import_torch(skip: bool):
    """(torch module or None, why it is missing)."""
    if skip:
        return None, "skipped (--no-torch)"
    try:
        import torch
    except ImportError as error:
        return None, f"not available ({error})"
    return torch, None


def run_worker(args) -> int:
    torch, torch_missing = import_torch(args.no_torch)
    threads = {"requested": args.threads,
               "env": {var: os.environ.get(var) for var in harness.THREAD_ENV_VARS}}
    if torch is not None:
        threads.update(harness.configure_torch_threads(torch, args.threads))
    threads["numpy_blas"] = harness.numpy_blas_pools()

    from benchmarks.workloads import BUILDERS
    workload = BUILDERS[args.worker](quick=args.quick, seed=args.seed)
    # What exists now (the modules of NumPy, PyTorch and tinygrad_edu, the workload's data)
    # lives to the end: out of the cycle collector's walks, as a long-running program
    # would put it. Otherwise importing PyTorch, ~150,000 tracked objects, taxes every
    # later full collection, and those walk tinygrad_edu's graphs: W5's tg took 11.4-11.6 µs
    # per op so, 7.7 µs frozen (PyTorch's own graph is not tracked: 5.5-5.8 µs either way).
    gc.freeze()
    impls = [impl for impl in harness.IMPLEMENTATIONS
             if impl in workload.factories and (impl != "torch" or torch is not None)]

    blas = ", ".join(f"{p['internal_api']} {p['version']}: {p['num_threads']}"
                     for p in threads["numpy_blas"]) or "unknown (no threadpoolctl)"
    torch_threads = (f"torch intra-op {threads['torch_intra_op']}, inter-op "
                     f"{threads['torch_inter_op']}" if torch is not None
                     else f"torch {torch_missing}")
    harness.log(f"\n{workload.id}: {workload.title}\n  block = {workload.steps} × "
                f"{workload.unit}; threads: NumPy BLAS [{blas}], {torch_threads}")

    result = {"id": workload.id, "title": workload.title, "unit": workload.unit,
              "steps_per_block": workload.steps, "dtype": workload.dtype,
              "repeats": args.repeats, "implementations": impls, "threads": threads,
              "torch_missing": torch_missing, "notes": workload.notes,
              "target": workload.target.text,
              "jit_target": workload.jit_target.text if workload.jit_target else None,
              "no_jit": workload.no_jit,
              "check": {"rtol": workload.rtol, "atol": workload.atol}}

    # 1. every implementation must end on the same weights before anything is timed
    try:
        finals = {impl: harness.run_once(workload.factories[impl]) for impl in impls}
        if workload.expected is not None:
            finals["closed form"] = workload.expected()
        rows = harness.compare_weights(workload, finals)
        # tg.jit's promise, and what makes the floor a floor: eager's bits
        bitwise = [row for impl in ("jit", "floor") if impl in impls
                   for row in harness.compare_bitwise(workload, finals, impl)]
    except (harness.WeightMismatch, harness.NotReplayed) as failure:
        harness.log(f"  WEIGHT CHECK FAILED\n{failure}")
        result["error"] = str(failure)
        args.result_file.write_text(json.dumps(result, indent=2))
        return EXIT_MISMATCH
    result["check"].update(rows=rows, jit_bitwise_rows=bitwise)
    worst = {}
    for row in rows:
        worst[row["impl"]] = max(worst.get(row["impl"], 0.0), row["allclose_margin"])
    harness.log(f"  weights agree with hand NumPy (rtol {workload.rtol:g}, atol "
                f"{workload.atol:g}; worst |error| / (atol + rtol·|hand|): "
                + ", ".join(f"{impl} {m:.2g}" for impl, m in worst.items()) + ")"
                + ("; jit's are eager tg's bit for bit, every step a replay" if "jit" in impls else "")
                + ("; floor's are eager tg's bit for bit" if "floor" in impls else ""))

    # 2. interleaved timing
    trace_s = []
    per_step = harness.time_interleaved(workload, impls, args.repeats, trace_s)
    medians = {impl: harness.median(times) for impl, times in per_step.items()}
    ratios = {"tg_over_hand": harness.ratio(medians["tg"], medians["hand"]),
              "jit_over_hand": harness.ratio(medians.get("jit"), medians["hand"]),
              "floor_over_hand": harness.ratio(medians.get("floor"), medians["hand"]),
              "jit_over_floor": harness.ratio(medians.get("jit"), medians.get("floor")),
              "torch_over_tg": harness.ratio(medians.get("torch"), medians["tg"]),
              "torch_over_jit": harness.ratio(medians.get("torch"), medians.get("jit"))}
    result.update(s_per_step=per_step, median_s_per_step=medians, **ratios,
                  met=workload.target.met(ratios["tg_over_hand"], ratios["torch_over_tg"]))
    if workload.jit_target is not None:
        result.update(jit_trace_s=trace_s, median_jit_trace_s=harness.median(trace_s),
                      jit_met=workload.jit_target.met(ratios["jit_over_hand"],
                                                      ratios["torch_over_jit"]),
                      jit_moonshot=workload.jit_target.moonshot(ratios["jit_over_hand"]))
    harness.log("  median ms per " + workload.unit + ": "
                + ", ".join(f"{impl} {medians[impl] * 1e3:.4g}" for impl in impls)
                + (f"; jit's first call (trace, untimed set-up) {result['median_jit_trace_s'] * 1e3:.3g} ms"
                   if trace_s else ""))
    args.result_file.write_text(json.dumps(result, indent=2))
    return 0


# ----------------------------------------------------------------------------
# the driver


def run_workload_process(workload_id: str, args, env) -> dict:
    with tempfile.TemporaryDirectory(prefix="tg_bench_") as tmp:
        result_file = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", workload_id,
                   "--result-file", str(result_file), "--threads", args.threads,
                   "--repeats", str(args.repeats), "--seed", str(args.seed)]
        command += ["--quick"] * args.quick + ["--no-torch"] * args.no_torch
        completed = subprocess.run(command, env=env)
        result = json.loads(result_file.read_text()) if result_file.exists() else None
    if completed.returncode == EXIT_MISMATCH:
        raise SystemExit(f"\nStopped: {workload_id}'s implementations disagree (see above); "
                         "nothing was timed.")
    if completed.returncode != 0 or result is None:
        raise SystemExit(f"\nStopped: the {workload_id} worker failed (exit code "
                         f"{completed.returncode}).")
    return result


def run_memory_process(args, env) -> dict:
    with tempfile.TemporaryDirectory(prefix="tg_bench_") as tmp:
        result_file = Path(tmp) / "memory.json"
        command = [sys.executable, str(Path(__file__).resolve().parent / "memory.py"),
                   "--json", str(result_file), "--seed", str(args.seed)]
        completed = subprocess.run(command, env=env)
        if completed.returncode != 0 or not result_file.exists():
            raise SystemExit(f"\nStopped: benchmarks/memory.py failed (exit code "
                             f"{completed.returncode}).")
        return json.loads(result_file.read_text())


def describe_threads(threads: str) -> str:
    if threads == "auto":
        return ("threads: 'auto' — NumPy's BLAS keeps its default thread count; PyTorch gets "
                "the same count (threadpoolctl, else os.cpu_count())")
    return (f"threads: pinned to {threads} — {', '.join(harness.THREAD_ENV_VARS)}={threads} "
            f"set before NumPy is imported; torch.set_num_threads({threads}), inter-op 1")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args)

    machine = harness.machine_info()
    harness.log(harness.format_machine_info(machine))
    harness.log(describe_threads(args.threads))
    harness.log(f"mode: {'quick' if args.quick else 'full'}, {args.repeats} repeats, "
                f"seed {args.seed}, workloads {', '.join(args.workloads)}")
    env = harness.thread_env(args.threads)

    results = [run_workload_process(w, args, env) for w in args.workloads]
    memory = run_memory_process(args, env) if args.memory else None

    harness.log("\nMedian time per step (ms). tg: tinygrad_edu eager; jit: the same step under "
                "tg.jit (replays; the trace is set-up); floor: eager's NumPy calls "
                "and nothing else.\ntg/hand, jit/hand: overhead over hand NumPy; jit/floor: the "
                "replay's own overhead; torch/tg, torch/jit > 1: faster than PyTorch eager.\nTimings on a shared "
                "machine are noisy: compare ratios within one run.\n")
    harness.log(harness.format_table(results))
    for r in results:
        notes = r["notes"] + ([f"torch {r['torch_missing']}"] if r["torch_missing"] else [])
        notes += [f"no jit: {r['no_jit']}"] if r.get("no_jit") else []
        notes += ([f"jit's first call (eager step + trace + compile, in set-up): "
                   f"{r['median_jit_trace_s'] * 1e3:.3g} ms"] if r.get("jit_trace_s") else [])
        for note in notes:
            harness.log(f"  {r['id']}: {note}")
    if memory is not None:
        harness.log(f"\nW3 peak memory (tracemalloc, one iteration): hand "
                    f"{memory['peak_mb']['hand']:.1f} MB, tg {memory['peak_mb']['tg']:.1f} MB, "
                    f"tg/hand {memory['tg_over_hand']:.2f}x")

    report = {"machine": machine, "threads": args.threads, "quick": args.quick,
              "repeats": args.repeats, "seed": args.seed, "results": results, "memory": memory}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    harness.log(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
