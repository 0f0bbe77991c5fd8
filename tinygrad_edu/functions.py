"""PyTorch's functions of the torch namespace that are Tensor methods too: `tg.sin(x)`
is `x.sin()`, with PyTorch's parameter names and defaults, after checking that the
input is a Tensor (a TypeError naming the function otherwise). einsum, a function
only, is here too.
"""
from __future__ import annotations

from . import checks, more_ops
from .tensor import Tensor


def _input(value, op: str):
    return checks.tensor(value, op, "input")


# -- elementwise ----------------------------------------------------------------------


def exp(input):
    return _input(input, "exp").exp()


def expm1(input):
    return _input(input, "expm1").expm1()


def log(input):
    return _input(input, "log").log()


def log10(input):
    return _input(input, "log10").log10()


def log1p(input):
    return _input(input, "log1p").log1p()


def sqrt(input):
    return _input(input, "sqrt").sqrt()


def abs(input):  # noqa: A001 - PyTorch's name
    return _input(input, "abs").abs()


def sin(input):
    return _input(input, "sin").sin()


def cos(input):
    return _input(input, "cos").cos()


def erf(input):
    return _input(input, "erf").erf()


def sigmoid(input):
    return _input(input, "sigmoid").sigmoid()


def tanh(input):
    return _input(input, "tanh").tanh()


def relu(input):
    return _input(input, "relu").relu()


def leaky_relu(input, negative_slope=0.01):
    return _input(input, "leaky_relu").leaky_relu(negative_slope)


def clamp(input, min=None, max=None):  # noqa: A002 - PyTorch's names
    return _input(input, "clamp").clamp(min, max)


def pow(input, exponent):  # noqa: A001 - PyTorch's name; input may be a number (2 ** t)
    return input ** exponent


def isnan(input):
    return _input(input, "isnan").isnan()


def isinf(input):
    return _input(input, "isinf").isinf()


def isfinite(input):
    return _input(input, "isfinite").isfinite()


def clone(input):
    return _input(input, "clone").clone()


# -- softmax & co ------------------------------------------------------------------


def softmax(input, dim):
    return _input(input, "softmax").softmax(dim)


def log_softmax(input, dim):
    return _input(input, "log_softmax").log_softmax(dim)


def logsumexp(input, dim, keepdim=False):
    return _input(input, "logsumexp").logsumexp(dim, keepdim)


# -- reductions -------------------------------------------------------------------------


def sum(input, dim=None, keepdim=False, **aliases):  # noqa: A001 - PyTorch's name
    return _input(input, "sum").sum(dim, keepdim, **aliases)


def mean(input, dim=None, keepdim=False, **aliases):
    return _input(input, "mean").mean(dim, keepdim, **aliases)


def max(input, dim=None, keepdim=False, **aliases):  # noqa: A001 - PyTorch's name
    return _input(input, "max").max(dim, keepdim, **aliases)


def min(input, dim=None, keepdim=False, **aliases):  # noqa: A001 - PyTorch's name
    return _input(input, "min").min(dim, keepdim, **aliases)


def argmax(input, dim=None, keepdim=False):
    return _input(input, "argmax").argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _input(input, "argmin").argmin(dim, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _input(input, "var").var(dim, unbiased, keepdim, correction=correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _input(input, "std").std(dim, unbiased, keepdim, correction=correction)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    return _input(input, "norm").norm(p, dim, keepdim, dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    return _input(input, "prod").prod(dim, keepdim, dtype)


def cumsum(input, dim, *, dtype=None):
    return _input(input, "cumsum").cumsum(dim, dtype=dtype)


def all(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    return _input(input, "all").all(dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    return _input(input, "any").any(dim, keepdim)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _input(input, "isclose").isclose(other, rtol, atol, equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return _input(input, "allclose").allclose(other, rtol, atol, equal_nan)


def numel(input) -> int:
    return _input(input, "numel").numel()


# -- sorting and selecting ---------------------------------------------------------------


def sort(input, dim=-1, descending=False, stable=False):
    return _input(input, "sort").sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return _input(input, "argsort").argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    return _input(input, "topk").topk(k, dim, largest, sorted)


def gather(input, dim, index):
    return _input(input, "gather").gather(dim, index)


def index_select(input, dim, index):
    return _input(input, "index_select").index_select(dim, index)


def masked_fill(input, mask, value):
    return _input(input, "masked_fill").masked_fill(mask, value)


# -- shape ---------------------------------------------------------------------------------


def reshape(input, *shape):
    return _input(input, "reshape").reshape(*shape)


def transpose(input, dim0, dim1):
    return _input(input, "transpose").transpose(dim0, dim1)


def permute(input, *dims):
    return _input(input, "permute").permute(*dims)


def flatten(input, start_dim=0, end_dim=-1):
    return _input(input, "flatten").flatten(start_dim, end_dim)


def squeeze(input, dim=None):
    return _input(input, "squeeze").squeeze(dim)


def unsqueeze(input, dim):
    return _input(input, "unsqueeze").unsqueeze(dim)


def split(tensor, split_size_or_sections, dim=0):
    return _input(tensor, "split").split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return _input(input, "chunk").chunk(chunks, dim)


# -- several tensors -------------------------------------------------------------------------


def einsum(equation, *operands):
    """Einstein summation: einsum('ij,jk->ik', a, b) is a @ b, einsum('ii->i', a) the
    diagonal, einsum('bij,bjk->bik', a, b) a batched product, ... The operands may also
    come as one list; '...' stands for the dims no letter names (they broadcast), and
    without '->' the output is the letters used once, in alphabetical order."""
    operands = checks.einsum_operands(operands)
    inputs, output, _ = checks.einsum_equation(equation, [t.shape for t in operands])
    return more_ops.Einsum.apply(*operands, inputs=inputs, output=output)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)
