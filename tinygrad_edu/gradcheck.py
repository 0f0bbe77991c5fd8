"""gradcheck: analytic gradients against central differences, PyTorch's rule."""
from __future__ import annotations

import warnings

import numpy as np

from . import gradients
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytic and numerical Jacobians disagree (message shows where)."""


def _as_tuple(value):
    return value if isinstance(value, tuple) else tuple(value) if isinstance(value, list) else (value,)


def _outputs(func, inputs):
    """The differentiable outputs (float tensors that require grad), as PyTorch checks."""
    return [o for o in _as_tuple(func(*inputs))
            if isinstance(o, Tensor) and o.dtype.kind == "f" and o.requires_grad]


def numerical_jacobian(func, inputs, index, eps):
    """Rows: output elements; columns: elements of inputs[index]; central differences."""
    x = inputs[index]._data
    flat = x.reshape(-1)  # a view: perturbing it perturbs the input
    # Evaluated in the caller's grad mode: `func` may itself call tg.grad (second order).
    sizes = [o.numel() for o in _outputs(func, inputs)]
    columns = [[] for _ in sizes]
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        plus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
        flat[k] = original - eps
        minus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
        flat[k] = original
        for j, (p, m) in enumerate(zip(plus, minus)):
            columns[j].append((p - m) / (2 * eps))
    return [np.stack(c, axis=1) if c else np.zeros((n, 0)) for c, n in zip(columns, sizes)]


def analytical_jacobian(func, inputs, index):
    """Rows: output elements; columns: elements of inputs[index]; one backward per row."""
    outputs = _outputs(func, inputs)
    x = inputs[index]
    jacobians = []
    for out in outputs:
        rows = []
        for k in range(out.numel()):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[k] = 1
            (g,) = gradients.grad(out, x, grad_outputs=Tensor._make(seed), retain_graph=True,
                                 allow_unused=True)
            rows.append(np.zeros(x.numel()) if g is None else g._data.astype(np.float64).reshape(-1))
        jacobians.append(np.stack(rows) if rows else np.zeros((0, x.numel())))
    return jacobians


def _index(flat_index, shape):
    return tuple(int(i) for i in np.unravel_index(flat_index, shape)) if shape else ()


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0) -> bool:
    """Compare analytic gradients of `func` with central differences.

    Passes when |analytical - numerical| <= atol + rtol * |numerical| for every
    element of every Jacobian (PyTorch's criterion), for each input that
    requires grad. Also checks that backward gives the same result twice.
    Returns True, or raises GradcheckError showing, per input, the worst element
    and both values (or returns False with raise_exception=False).
    """
    if not callable(func):
        raise TypeError(f"gradcheck: func must be callable, got {type(func).__name__}")
    for name, value in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) \
                or value < 0 or (name == "eps" and value == 0):
            raise ValueError(f"gradcheck: {name} must be a finite number "
                             f"{'> 0' if name == 'eps' else '>= 0'}, got {value!r}")
    inputs = _as_tuple(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex.", UserWarning)
    if not _outputs(func, inputs):
        raise ValueError("gradcheck: func returned no differentiable output (a floating-point "
                         "Tensor that requires grad), so there is nothing to check")
    failures = []
    for i in checked:
        numerical = numerical_jacobian(func, inputs, i, eps)
        analytical = analytical_jacobian(func, inputs, i)
        again = analytical_jacobian(func, inputs, i)
        for out_index, (n, a, a2) in enumerate(zip(numerical, analytical, again)):
            if a.shape == a2.shape and np.abs(a - a2).max(initial=0) > nondet_tol:
                failures.append(f"Backward is not reentrant for output {out_index} with respect "
                                f"to input {i}: two runs differ by {np.abs(a - a2).max():.3g}")
            with np.errstate(invalid="ignore"):  # inf - inf: nan, counted as a mismatch below
                excess = np.abs(a - n) - (atol + rtol * np.abs(n))
            excess = np.where(np.isnan(a) & np.isnan(n), -1.0, excess)  # both nan: agree
            excess = np.where(np.isnan(excess), np.inf, excess)
            if excess.size and (excess > 0).any():
                failures.append(_mismatch_report(out_index, i, n, a, excess,
                                                 inputs[i].shape, atol, rtol))
    if failures:
        if raise_exception:
            raise GradcheckError("\n\n".join(failures))
        return False
    return True


def _mismatch_report(out_index, in_index, numerical, analytical, excess, in_shape, atol, rtol):
    row, col = np.unravel_index(int(np.argmax(excess)), excess.shape)
    n, a = numerical[row, col], analytical[row, col]
    lines = [f"Jacobian mismatch for output {out_index} with respect to input {in_index},",
             f"worst element: d output[flat {row}] / d input{list(_index(col, in_shape))}: "
             f"numerical {n:.10g}, analytical {a:.10g}, |a - n| = {abs(a - n):.3g} > "
             f"atol + rtol*|n| = {atol + rtol * abs(n):.3g}",
             f"mismatching elements: {int((excess > 0).sum())} of {excess.size}"]
    if numerical.size <= 64:
        with np.printoptions(precision=6, suppress=True):
            lines += ["numerical:", str(numerical), "analytical:", str(analytical)]
    return "\n".join(lines)
