"""Shared machinery of the benchmarks: what a workload is, the weight check that must
pass before anything is timed, the interleaved timer, thread settings and machine info.

A workload (one module in `benchmarks/workloads/`) builds a `Workload`: a problem
(data + initial weights, generated once in NumPy) and, for each implementation
("hand", "tg", "jit", "floor", "torch"), a factory that sets that implementation up *untimed*
and returns a `Runner`. `Runner.run()` performs one block of `Workload.steps` steps (the
timed part); `Runner.weights()` returns the state afterwards as NumPy arrays, so the
implementations can be compared element by element.
"""
from __future__ import annotations

import dataclasses
import gc
import importlib.metadata
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Callable

import numpy as np

# hand NumPy, tinygrad_edu eager, the same tinygrad_edu step under tg.jit, eager's NumPy
# calls written out by hand (W1, W2, W4), PyTorch eager; also the order in which the timer
# interleaves them
IMPLEMENTATIONS = ("hand", "tg", "jit", "floor", "torch")
REPO_ROOT = Path(__file__).resolve().parent.parent

# Every BLAS / OpenMP runtime NumPy or PyTorch may load reads one of these at start-up.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


# ----------------------------------------------------------------------------
# what a workload is


@dataclasses.dataclass
class Runner:
    """One implementation, set up and ready to be timed."""

    run: Callable[[], None]                        # one block of `Workload.steps` steps
    weights: Callable[[], dict[str, np.ndarray]]   # the state after the block
    # "jit" runners only: the tg.jit step, traced during set-up (see workloads/jitted.py)
    jit_step: object | None = None
    trace_s: float | None = None                   # that first, tracing call, in seconds
    traces_after_setup: tuple = ()                 # the step's traces when set-up ended

    def replayed_only(self) -> bool:
        """A jit runner's block replayed the set-up's trace and never traced again
        (a guard that failed would trace again, eagerly: bitwise equal, but not a replay)."""
        return self.jit_step is None or tuple(self.jit_step.traces.values()) == self.traces_after_setup


@dataclasses.dataclass
class Target:
    """SPEC §7's target for one implementation of a workload (tg eager, or tg.jit), as
    ratios measured in the same run.

    Its time over hand NumPy's must be at most `max_over_hand`; torch's time over its
    time (how many times faster than PyTorch eager it is) at least `min_torch_over`.
    `moonshot_over_hand` is SPEC's stretch goal, reported beside the verdict.
    """

    text: str
    max_over_hand: float | None = None
    min_torch_over: float | None = None
    moonshot_over_hand: float | None = None

    def met(self, over_hand: float | None, torch_over: float | None) -> str:
        """'yes', 'no', or 'n/a' when a ratio the target needs was not measured."""
        verdicts = []
        if self.max_over_hand is not None:
            verdicts.append(None if over_hand is None else over_hand <= self.max_over_hand)
        if self.min_torch_over is not None:
            verdicts.append(None if torch_over is None else torch_over >= self.min_torch_over)
        if not verdicts:
            return "yes"  # "completes": reaching the verdict means it completed
        if False in verdicts:
            return "no"
        return "n/a" if None in verdicts else "yes"

    def moonshot(self, over_hand: float | None) -> str | None:
        """'yes' / 'no' against the moonshot ratio; None when there is no moonshot."""
        if self.moonshot_over_hand is None or over_hand is None:
            return None
        return "yes" if over_hand <= self.moonshot_over_hand else "no"


@dataclasses.dataclass
class Workload:
    id: str                                   # "W1"
    title: str                                # one line for the table's legend
    unit: str                                 # what one timed step is ("sample step", "op", ...)
    steps: int                                # steps in one timed block
    dtype: str                                # "float64" / "float32"
    rtol: float                               # tolerance of the pre-timing weight check
    atol: float
    factories: dict[str, Callable[[], Runner]]  # no "jit" where tg.jit does not apply
    target: Target                             # tg eager's
    jit_target: Target | None = None           # tg.jit's
    no_jit: str | None = None                  # why there is no "jit" implementation
    notes: list[str] = dataclasses.field(default_factory=list)
    # the final state computed without any of the implementations (closed form), if known
    expected: Callable[[], dict[str, np.ndarray]] | None = None


# ----------------------------------------------------------------------------
# the check that runs before any timing


class WeightMismatch(RuntimeError):
    """The implementations disagree: timing them would compare different computations."""


def compare_weights(workload: Workload, finals: dict[str, dict[str, np.ndarray]],
                    reference: str = "hand") -> list[dict]:
    """Compare every implementation's final state with `reference`'s.

    Returns one row per (implementation, weight) with the max abs / rel error; raises
    WeightMismatch (with all rows as a table) if any weight is not
    np.allclose(got, expected, rtol=workload.rtol, atol=workload.atol), has another
    shape, is missing, or is not finite.
    """
    expected = finals[reference]
    rows, bad = [], False
    for impl, weights in finals.items():
        if impl == reference:
            continue
        for name, want in expected.items():
            got = weights.get(name)
            row = {"impl": impl, "weight": name, "shape": list(np.shape(want))}
            if got is None or np.shape(got) != np.shape(want):
                row.update(ok=False, problem=f"shape {None if got is None else np.shape(got)}")
            else:
                got, want_ = np.asarray(got, np.float64), np.asarray(want, np.float64)
                abs_err = np.abs(got - want_)
                rel_err = abs_err / np.maximum(np.abs(want_), np.finfo(np.float64).tiny)
                # allclose passes where abs_err <= atol + rtol·|expected|: margin <= 1
                margin = abs_err / (workload.atol + workload.rtol * np.abs(want_))
                row.update(max_abs_err=float(abs_err.max(initial=0.0)),
                           max_rel_err=float(rel_err.max(initial=0.0)),
                           allclose_margin=float(margin.max(initial=0.0)),
                           ok=bool(np.isfinite(got).all() and np.isfinite(want_).all()
                                   and np.allclose(got, want_, rtol=workload.rtol,
                                                   atol=workload.atol)))
            bad |= not row["ok"]
            rows.append(row)
    if bad:
        raise WeightMismatch(
            f"{workload.id}: implementations end on different weights after {workload.steps} "
            f"steps (rtol={workload.rtol:g}, atol={workload.atol:g}, reference {reference}):\n"
            + format_check_rows(rows))
    return rows


def compare_bitwise(workload: Workload, finals: dict[str, dict[str, np.ndarray]],
                    impl: str = "jit", reference: str = "tg") -> list[dict]:
    """tg.jit promises eager's results bit for bit: every weight of `impl` must have
    `reference`'s dtype, shape and bytes (so 0.0 vs -0.0 or two NaNs with different
    payloads count as different). Returns one row per weight; raises WeightMismatch
    (with the rows as a table) if any differs."""
    rows, bad = [], False
    for name, want in finals[reference].items():
        got = finals[impl].get(name)
        want = np.asarray(want)
        row = {"impl": impl, "weight": name, "shape": list(want.shape)}
        if got is None or np.shape(got) != want.shape or np.asarray(got).dtype != want.dtype:
            row.update(ok=False, problem="missing" if got is None else
                       f"shape {np.shape(got)} {np.asarray(got).dtype}, want {want.dtype}")
        else:
            got = np.asarray(got)
            # one row of bytes per element (an empty weight has no elements to differ)
            same_bits = (np.ascontiguousarray(got).view(np.uint8).reshape(got.size, -1)
                         == np.ascontiguousarray(want).view(np.uint8).reshape(want.size, -1)
                         ).all(-1) if got.size else np.ones(0, bool)
            differ = got.size - int(same_bits.sum())
            row.update(elements_differing=differ,
                       max_abs_diff=float(np.abs(got.astype(np.float64) - want).max(initial=0.0)),
                       ok=differ == 0)
        bad |= not row["ok"]
        rows.append(row)
    if bad:
        lines = [f"  {'impl':5} {'weight':8} {'shape':12} {'differing':>10} {'max |diff|':>11}  ok"]
        for r in rows:
            head = f"  {r['impl']:5} {r['weight']:8} {str(tuple(r['shape'])):12} "
            lines.append(head + (f"{r['problem']:>23}  NO" if "problem" in r else
                                 f"{r['elements_differing']:10d} {r['max_abs_diff']:11.3g}  "
                                 f"{'yes' if r['ok'] else 'NO'}"))
        raise WeightMismatch(
            f"{workload.id}: {impl} does not end on {reference}'s weights bit for bit after "
            f"{workload.steps} steps:\n" + "\n".join(lines))
    return rows


class NotReplayed(RuntimeError):
    """A jit runner traced its step again inside the block: its time is not a replay's."""


def format_check_rows(rows: list[dict]) -> str:
    lines = [f"  {'impl':11} {'weight':8} {'shape':12} {'max abs err':>12} {'max rel err':>12} "
             f"{'margin':>8}  ok"]
    for r in rows:
        head = f"  {r['impl']:11} {r['weight']:8} {str(tuple(r['shape'])):12} "
        if "problem" in r:
            lines.append(head + f"{r['problem']:>34}  NO")
        else:
            lines.append(head + f"{r['max_abs_err']:12.3g} {r['max_rel_err']:12.3g} "
                         f"{r['allclose_margin']:8.2g}  {'yes' if r['ok'] else 'NO'}")
    return "\n".join(lines)


def run_once(factory: Callable[[], Runner]) -> dict[str, np.ndarray]:
    """Set up, run one block and return the final weights (copied). Raises NotReplayed
    if a jit runner traced again during the block."""
    runner = factory()
    runner.run()
    if not runner.replayed_only():
        raise NotReplayed(f"the tg.jit step was traced again during the block "
                          f"({runner.jit_step.trace_count} trace(s)); its guards:\n"
                          + runner.jit_step.kernels())
    return {name: np.array(value, copy=True) for name, value in runner.weights().items()}


# ----------------------------------------------------------------------------
# timing


def time_interleaved(workload: Workload, impls: list[str], repeats: int,
                     trace_s: list[float] | None = None) -> dict[str, list[float]]:
    """Seconds per step of each implementation, one sample per repetition.

    The implementations take turns (hand, tg, jit, torch, hand, tg, ...) so that a
    slow phase of a shared machine hits all of them alike. Each block starts from
    freshly set-up state (same initial weights; set-up is not timed, and for "jit" it
    includes tracing the step) after a gc.collect(); the garbage collector stays enabled
    while timing, since collections triggered by the framework's own allocations are
    part of its cost. The jit runners' tracing times are appended to `trace_s`.
    """
    per_step = {impl: [] for impl in impls}
    for _ in range(repeats):
        for impl in impls:
            runner = workload.factories[impl]()
            if runner.trace_s is not None and trace_s is not None:
                trace_s.append(runner.trace_s)
            gc.collect()
            start = time.perf_counter()
            runner.run()
            elapsed = time.perf_counter() - start
            if not runner.replayed_only():
                raise NotReplayed(f"{workload.id}: the tg.jit step was traced again while timed")
            per_step[impl].append(elapsed / workload.steps)
            del runner
    return per_step


def median(values: list[float]) -> float:
    return statistics.median(values)


# ----------------------------------------------------------------------------
# threads


def thread_env(threads: str) -> dict[str, str]:
    """Environment for a worker process: `threads` = "N" pins every BLAS/OpenMP pool
    to N threads (the variables must be set before NumPy is imported, hence a fresh
    process); "auto" leaves the libraries' defaults."""
    env = dict(os.environ)
    if threads != "auto":
        for var in THREAD_ENV_VARS:
            env[var] = str(int(threads))
    return env


def numpy_blas_pools() -> list[dict]:
    """NumPy's BLAS thread pools as threadpoolctl sees them ([] without threadpoolctl)."""
    try:
        import threadpoolctl
    except ImportError:
        return []
    numpy_dir = str(Path(np.__file__).resolve().parent.parent)
    return [{"internal_api": p.get("internal_api"), "version": p.get("version"),
             "num_threads": p.get("num_threads"), "filepath": p.get("filepath")}
            for p in threadpoolctl.threadpool_info()
            if p.get("user_api") == "blas" and str(p.get("filepath", "")).startswith(numpy_dir)]


def numpy_thread_count() -> int:
    """The BLAS thread count NumPy will use (os.cpu_count() if it cannot be detected)."""
    pools = numpy_blas_pools()
    return int(pools[0]["num_threads"]) if pools else (os.cpu_count() or 1)


def configure_torch_threads(torch, threads: str) -> dict:
    """Give PyTorch the same intra-op thread count as NumPy's BLAS; one inter-op thread."""
    count = numpy_thread_count() if threads == "auto" else int(threads)
    torch.set_num_threads(count)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before PyTorch's first parallel work
        pass
    return {"torch_intra_op": torch.get_num_threads(),
            "torch_inter_op": torch.get_num_interop_threads()}


# ----------------------------------------------------------------------------
# the machine


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_revision() -> str | None:
    """HEAD's commit, with '+dirty' when the working tree has changes (read-only git calls)."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")  # never take the index lock
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def machine_info() -> dict:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "cpus_available_to_process": affinity,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": package_version("torch"),
        "tinygrad_edu": package_version("tinygrad_edu"),
        "git": git_revision(),
    }


def format_machine_info(info: dict) -> str:
    return "\n".join([
        f"CPU      : {info['cpu_model']} ({info['logical_cpus']} logical CPUs, "
        f"{info['cpus_available_to_process']} available to this process)",
        f"Platform : {info['platform']}",
        f"Versions : Python {info['python']}, NumPy {info['numpy']}, "
        f"torch {info['torch'] or 'not installed'}, tinygrad_edu {info['tinygrad_edu']} "
        f"(git {info['git']})",
    ])


# ----------------------------------------------------------------------------
# the results table


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def format_table(results: list[dict]) -> str:
    """One row per workload: median ms per step of each implementation, the ratios, and
    the eager and jit targets with their verdicts."""
    def ms(value):
        return "-" if value is None else f"{value * 1e3:.4g}"

    def times(value):
        return "-" if value is None else f"{value:.2f}x"

    header = ("workload", "unit", "hand ms", "tg ms", "jit ms", "floor ms", "torch ms",
              "tg/hand", "jit/hand", "floor/hand", "jit/floor", "torch/tg", "torch/jit",
              "eager target", "met?", "jit target", "met?")
    left = {0, 1, 13, 14, 15, 16}
    rows = [header]
    for r in results:
        med = r["median_s_per_step"]
        if r.get("jit_target") is None:
            jit_cells = ("-", "-", "-", f"no jit ({r.get('no_jit') or 'not applicable'})", "-")
        else:
            moonshot = f" (moonshot {r['jit_moonshot']})" if r.get("jit_moonshot") else ""
            jit_cells = (ms(med.get("jit")), times(r["jit_over_hand"]), times(r["torch_over_jit"]),
                         r["jit_target"], r["jit_met"] + moonshot)
        rows.append((r["id"], r["unit"], ms(med.get("hand")), ms(med.get("tg")), jit_cells[0],
                     ms(med.get("floor")), ms(med.get("torch")), times(r["tg_over_hand"]),
                     jit_cells[1], times(r.get("floor_over_hand")), times(r.get("jit_over_floor")),
                     times(r["torch_over_tg"]), jit_cells[2], r["target"], r["met"],
                     jit_cells[3], jit_cells[4]))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(str(cell).ljust(w) if i in left else str(cell).rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, flush=True)
