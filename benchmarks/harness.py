"""Shared machinery of the benchmarks: what a workload is, the weight check that must
pass before anything is timed, the interleaved timer, thread settings and machine info.

A workload (one module in `benchmarks/workloads/`) builds a `Workload`: a problem
(data + initial weights, generated once in NumPy) and, for each implementation
("hand", "tg", "torch"), a factory that sets that implementation up *untimed* and
returns a `Runner`. `Runner.run()` performs one block of `Workload.steps` steps (the
timed part); `Runner.weights()` returns the state afterwards as NumPy arrays, so the
three implementations can be compared element by element.
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

IMPLEMENTATIONS = ("hand", "tg", "torch")
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


@dataclasses.dataclass
class Target:
    """SPEC §7's target for a workload, as ratios measured in the same run.

    tg/hand must be at most `max_tg_over_hand`; torch/tg (how many times slower
    PyTorch is than tinygrad_edu) must be at least `min_torch_over_tg`.
    """

    text: str
    max_tg_over_hand: float | None = None
    min_torch_over_tg: float | None = None

    def met(self, tg_over_hand: float | None, torch_over_tg: float | None) -> str:
        """'yes', 'no', or 'n/a' when a ratio the target needs was not measured."""
        verdicts = []
        if self.max_tg_over_hand is not None:
            verdicts.append(None if tg_over_hand is None else tg_over_hand <= self.max_tg_over_hand)
        if self.min_torch_over_tg is not None:
            verdicts.append(None if torch_over_tg is None
                            else torch_over_tg >= self.min_torch_over_tg)
        if not verdicts:
            return "yes"  # "completes": reaching the verdict means it completed
        if False in verdicts:
            return "no"
        return "n/a" if None in verdicts else "yes"


@dataclasses.dataclass
class Workload:
    id: str                                   # "W1"
    title: str                                # one line for the table's legend
    unit: str                                 # what one timed step is ("sample step", "op", ...)
    steps: int                                # steps in one timed block
    dtype: str                                # "float64" / "float32"
    rtol: float                               # tolerance of the pre-timing weight check
    atol: float
    factories: dict[str, Callable[[], Runner]]
    target: Target
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
    """Set up, run one block and return the final weights (copied)."""
    runner = factory()
    runner.run()
    return {name: np.array(value, copy=True) for name, value in runner.weights().items()}


# ----------------------------------------------------------------------------
# timing


def time_interleaved(workload: Workload, impls: list[str], repeats: int) -> dict[str, list[float]]:
    """Seconds per step of each implementation, one sample per repetition.

    The implementations take turns (hand, tg, torch, hand, tg, torch, ...) so that a
    slow phase of a shared machine hits all of them alike. Each block starts from
    freshly set-up state (same initial weights; set-up is not timed) after a
    gc.collect(); the garbage collector stays enabled while timing, since
    collections triggered by the framework's own allocations are part of its cost.
    """
    per_step = {impl: [] for impl in impls}
    for _ in range(repeats):
        for impl in impls:
            runner = workload.factories[impl]()
            gc.collect()
            start = time.perf_counter()
            runner.run()
            elapsed = time.perf_counter() - start
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
    """workload | hand ms | tg ms | torch ms | tg/hand | torch/tg | target | met?"""
    def ms(value):
        return "-" if value is None else f"{value * 1e3:.4g}"

    def times(value):
        return "-" if value is None else f"{value:.2f}x"

    header = ("workload", "unit", "hand ms", "tg ms", "torch ms", "tg/hand", "torch/tg",
              "target", "met?")
    rows = [header]
    for r in results:
        med = r["median_s_per_step"]
        rows.append((r["id"], r["unit"], ms(med.get("hand")), ms(med.get("tg")),
                     ms(med.get("torch")), times(r["tg_over_hand"]), times(r["torch_over_tg"]),
                     r["target"], r["met"]))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(str(cell).ljust(w) if i in (0, 1, 7, 8) else str(cell).rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, flush=True)
