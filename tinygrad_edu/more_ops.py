"""More primitive ops, written like ops.py: each forward (NumPy) directly above its backward.

These are the ops of PyTorch's namespace that no composition of the core ops gives
with PyTorch's values and gradients:

* sin, cos, erf — no core op computes them;
* log10, log1p, expm1 — log(x)/ln 10, log(1 + x) and exp(x) − 1 round differently
  (log10(1000) would be 2.9999999999999996; log1p(1e-10) would lose every digit);
* norm — sqrt(sum(x²)) has the gradient x/‖x‖, which is 0/0 at x = 0, where
  PyTorch's convention is 0 (and likewise for the other p);
* cumsum — as a composition it is a matmul with a triangular matrix: O(n²), and
  another order of rounding;
* einsum — one op whose gradient is an einsum of G with the other operands.

Docstrings start with `name(inputs): rule`, G the gradient of the op's output (the
drawings show that line). Backward formulas use operators and the helpers below,
which work on NumPy arrays and on Tensors, so `create_graph=True` works for all.
"""
from __future__ import annotations

import math

import numpy as np

from . import autograd
from .autograd import Function
from .ops import _NUMPY, _array

# ----------------------------------------------------------------------------
# helpers that work on NumPy arrays and on Tensors alike (for create_graph)


def sin(x):
    return np.sin(x) if isinstance(x, _NUMPY) else x.sin()


def cos(x):
    return np.cos(x) if isinstance(x, _NUMPY) else x.cos()


def exp(x):
    return np.exp(x) if isinstance(x, _NUMPY) else x.exp()


def absolute(x):
    return np.abs(x) if isinstance(x, _NUMPY) else x.abs()


def cumsum(g, axis):
    return np.cumsum(g, axis) if isinstance(g, _NUMPY) else CumSum.apply(g, axis=axis)


def flip(g, axis):
    """g reversed along axis (a slice with step −1: a view, or GetItem on a Tensor)."""
    return g[(slice(None),) * axis + (slice(None, None, -1),)]


def einsum(equation, *operands):
    """np.einsum on arrays; on Tensors (create_graph), the recorded op, with any array
    among the operands as a constant."""
    if all(isinstance(x, _NUMPY) for x in operands):
        return np.einsum(equation, *operands, optimize=len(operands) > 2)
    inputs, output = equation.split("->")
    tensors = [x if not isinstance(x, _NUMPY) else autograd.Tensor._make(np.asarray(x))
               for x in operands]
    return Einsum.apply(*tensors, inputs=inputs.split(","), output=output)


# ----------------------------------------------------------------------------
# elementwise functions


def _rounded(function, x):
    """function(x) computed in float64, then rounded to x's dtype. NumPy's float32
    versions are up to 2 ulp off (log10(1000) is 3.0000002); rounding the float64 result
    gives PyTorch's correctly rounded values (log10(1000) = 3)."""
    if x.dtype == np.float64:
        return function(x)
    with np.errstate(over="ignore"):  # expm1(100) is inf in float32, as in PyTorch
        return function(x.astype(np.float64)).astype(x.dtype)


class Sin(Function):
    """sin(x): ∂ = cos x"""

    saves_inputs = True

    def forward(self, x):
        return _rounded(np.sin, x)

    def backward(self, g, x):
        return g * cos(x)


class Cos(Function):
    """cos(x): ∂ = −sin x"""

    saves_inputs = True

    def forward(self, x):
        return _rounded(np.cos, x)

    def backward(self, g, x):
        return -g * sin(x)


_LN_10 = math.log(10)


class Log10(Function):
    """log10(x): ∂ = 1/(x·ln 10)"""

    saves_inputs = True

    def forward(self, x):
        return _rounded(np.log10, x)

    def backward(self, g, x):
        return g / (x * _LN_10)


class Log1p(Function):
    """log1p(x): ∂ = 1/(1+x)

    log(1 + x) without rounding 1 + x first, so tiny x keep their digits.
    """

    saves_inputs = True

    def forward(self, x):
        return _rounded(np.log1p, x)

    def backward(self, g, x):
        return g / (1 + x)


class Expm1(Function):
    """expm1(x): ∂ = eˣ = out + 1

    eˣ − 1 without rounding eˣ first, so tiny x keep their digits.
    """

    saves_output = True

    def forward(self, x):
        return _rounded(np.expm1, x)

    def backward(self, g, out):
        return g * (out + 1)


_ERF = np.frompyfunc(math.erf, 1, 1)  # NumPy has no erf; Python's is correctly rounded
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class Erf(Function):
    """erf(x): ∂ = (2/√π)·e^(−x²)

    The Gauss error function (2/√π) ∫₀ˣ e^(−t²) dt, by Python's math.erf element by
    element (a Python call each: about 0.1 µs per element).
    """

    saves_inputs = True

    def forward(self, x):
        return np.asarray(_ERF(x), dtype=np.float64).astype(x.dtype, copy=False)

    def backward(self, g, x):
        return g * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


# ----------------------------------------------------------------------------
# reductions


class Norm(Function):
    """norm(x): ∂ = sign(x)·|x|ᵖ⁻¹ / ‖x‖ᵖ⁻¹

    PyTorch's conventions: 0 where ‖x‖ = 0 (p = 2: x/‖x‖); p = 1: sign(x), 0 at x = 0;
    p = ±inf: sign(x) shared evenly by the elements that tie for the largest (smallest)
    |x|; p = 0 (the count of nonzero elements): no gradient.
    """

    saves_inputs = True
    saves_output = True
    shows = "p = {p}"

    def forward(self, x, p, axis, keepdims):
        self.p, self.axis = p, axis
        self.kept_shape = (1,) * x.ndim if axis is None else \
            tuple(1 if i in axis else n for i, n in enumerate(x.shape))
        size = np.abs(x)
        if p == 2:
            out = np.sqrt((x * x).sum(axis, keepdims=keepdims))
        elif p == 1:
            out = size.sum(axis, keepdims=keepdims)
        elif p == math.inf:
            out = size.max(axis, keepdims=keepdims)
        elif p == -math.inf:
            out = size.min(axis, keepdims=keepdims)
        elif p == 0:
            out = (x != 0).sum(axis, keepdims=keepdims).astype(x.dtype)
        else:
            with np.errstate(divide="ignore"):  # 0 ** negative p is inf: PyTorch's value too
                out = (size ** p).sum(axis, keepdims=keepdims) ** (1 / p)
        return np.asarray(out, dtype=x.dtype)

    def backward(self, g, x, out):
        p = self.p
        if p == 0:
            return None  # piecewise constant: PyTorch gives no gradient either
        g, norm = g.reshape(self.kept_shape), out.reshape(self.kept_shape)
        sign = np.sign(_array(x))
        if p == 1:
            return g * sign
        if math.isinf(p):  # like max: the elements at the norm share G
            size = np.abs(_array(x))
            ties = (size == _array(norm)) | np.isnan(size)
            share = sign * ties / ties.sum(self.axis, keepdims=True)
            return g * share.astype(sign.dtype, copy=False)
        zero_norm = _array(norm) == 0  # masks keep 0/0 out, as PyTorch's masked_fill
        if p == 2:
            return g * x / (norm + zero_norm)
        if p < 1:  # |x|ᵖ⁻¹ is infinite at x = 0, where PyTorch's gradient is 0
            zero = _array(x) == 0
            return g * sign * (absolute(x) + zero) ** (p - 1) * ~zero * norm ** (1 - p)
        scale = g / (norm + zero_norm) ** (p - 1) * ~zero_norm
        if p < 2:
            return sign * absolute(x) ** (p - 1) * scale
        return x * absolute(x) ** (p - 2) * scale


class CumSum(Function):
    """cumsum(x): ∂x = G summed from the end (a reversed cumsum)"""

    def forward(self, x, axis):
        self.axis = axis
        return np.cumsum(x, axis)

    def backward(self, g):
        return flip(cumsum(flip(g, self.axis), self.axis), self.axis)


# ----------------------------------------------------------------------------
# several operands


class Einsum(Function):
    """einsum(x₀, x₁, …): ∂xₖ = einsum of G with the other operands

    `inputs` holds each operand's labels (one letter per dimension) and `output` the
    result's (checks.einsum_equation makes them from the user's equation). For the
    gradient of xₖ, G takes the output's labels and the result takes xₖ's; a label
    repeated in xₖ (a diagonal, as in 'ii->i') puts G back on the diagonal through an
    identity matrix, and a label nothing else has (summed, as in 'ij->i') is copied
    along it through a vector of ones.
    """

    saves_inputs = True
    shows = "{equation}"

    def forward(self, *operands, inputs, output):
        self.input_labels, self.output_labels = list(inputs), output
        self.equation = ",".join(inputs) + "->" + output
        self.sizes = {}
        for labels, x in zip(inputs, operands):
            for label, n in zip(labels, x.shape):
                self.sizes[label] = max(n, self.sizes.get(label, n))  # size-1 dims broadcast
        out = np.einsum(self.equation, *operands, optimize=len(operands) > 2)
        if any(np.shares_memory(out, x) for x in operands):  # 'ij->ji' is a view in NumPy
            out = out.copy()
        return out

    def backward(self, g, *operands):
        return tuple(self._operand_grad(k, g, operands) if needed else None
                     for k, needed in enumerate(self.needs_input_grad))

    def _operand_grad(self, k, g, operands):
        labels = self.input_labels[k]
        terms, factors = [self.output_labels], [g]
        for i, x in enumerate(operands):
            if i != k:
                terms.append(self.input_labels[i])
                factors.append(x)
        spare = iter(c for c in _LETTERS if c not in self.equation)
        distinct = ""
        for label in labels:
            if label in distinct:  # a diagonal: a fresh letter, tied to label by the identity
                fresh = next(spare)
                terms.append(label + fresh)
                factors.append(np.eye(self.sizes[label], dtype=operands[k].dtype))
                label = fresh
            elif not self._full_size_in(label, terms, factors):  # summed away: copied back
                terms.append(label)
                factors.append(np.ones(self.sizes[label], dtype=operands[k].dtype))
            distinct += label
        return einsum(",".join(terms) + "->" + distinct, *factors)

    def _full_size_in(self, label, terms, factors) -> bool:
        """Whether a term has `label` at its full (broadcast) size; else the result would
        come out with size 1 there."""
        return any(label in term and x.shape[term.index(label)] == self.sizes[label]
                   for term, x in zip(terms, factors))


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Indices(Function):
    """indices(x): no derivative — positions read off x's values (argmax, sort order)

    `find(x)` computes them in NumPy (also ~x of integers, which min takes the max of). Applied to a detached input it records no node,
    but it is an op: tg.jit replays it on each step's values instead of keeping the
    positions of the traced step.
    """

    def forward(self, x, find):
        return find(x)

    def backward(self, g):
        raise RuntimeError("indices have no derivative (apply Indices to a detached tensor)")
