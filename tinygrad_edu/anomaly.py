"""Anomaly mode: `tg.detect_anomaly()` raises at the first op whose forward output or
backward gradient holds NaN/inf, naming it, its input shapes and the line of user
code that created it. It is an `autograd.Observer`, installed while the mode is on.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import autograd, checks
from .modes import _ContextDecorator

_NOT_RECORDED = "<enable tg.detect_anomaly() to record where ops are created>"


class AnomalyObserver(autograd.Observer):
    """Checks every recorded node's output and every backward step's gradients."""

    def applied(self, fn, out, options):
        fn.created_at = checks.user_call_site()
        data = out._data
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            arrays = [p._data for p in fn.parents]
            bad = "nan" if np.isnan(data).any() else "inf"
            inputs_bad = [i for i, a in enumerate(arrays)
                          if a.dtype.kind == "f" and not np.isfinite(a).all()]
            why = (f"its input(s) {inputs_bad} already held nan/inf" if inputs_bad
                   else "its inputs were all finite")
            raise RuntimeError(
                f"Op '{type(fn).__name__}' (node {fn.name()}) produced {bad} values in its forward "
                f"output ({why}). Inputs: {checks.describe(arrays)}. Op created at {fn.created_at}.")

    def visited(self, fn, input_grads):
        for i, g in enumerate(input_grads):
            data = g if g is None or isinstance(g, np.ndarray) else g._data
            if data is not None and not np.isfinite(data).all():
                bad = "nan" if np.isnan(data).any() else "inf"
                shapes = ", ".join(str(tuple(p.shape)) for p in fn.parents)
                raise RuntimeError(
                    f"Function '{fn.name()}' returned {bad} values in its {i}th output. "
                    f"Input shapes: {shapes}. Op created at "
                    f"{getattr(fn, 'created_at', _NOT_RECORDED)}.")


_ANOMALY = AnomalyObserver()


class detect_anomaly(_ContextDecorator):
    """Raise at the first op whose forward output or backward gradient holds NaN/inf.

    The error names the op, its input shapes and the file:line of user code that
    created it. Slows everything down: for debugging only. With check_nan=False
    nothing is checked (as in PyTorch, where it only keeps the tracebacks).
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)
        self.previous = is_anomaly_enabled()
        _switch(self.check_nan)

    def __exit__(self, *exc):
        _switch(self.previous)
        return False

    def _fresh(self):
        return detect_anomaly(self.check_nan)


def is_anomaly_enabled() -> bool:
    return _ANOMALY in autograd.observers


def _switch(on: bool) -> None:
    if on and not is_anomaly_enabled():
        autograd.observers.append(_ANOMALY)
    elif not on and is_anomaly_enabled():
        autograd.observers.remove(_ANOMALY)
