"""The torch namespace (functions.py and tinygrad_edu/__init__.py): each `tg.f(x, ...)`
is `x.f(...)` with PyTorch's parameter names and defaults, refuses a non-Tensor input
naming itself, and the dtype aliases (tg.float, tg.long, ...) shadow Python's builtins
only inside the tinygrad_edu namespace.
"""
from __future__ import annotations

import builtins
import inspect
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import functions

X = tg.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
POSITIVE = tg.tensor([[0.5, 1.0, 2.0], [1.5, 0.25, 0.75]])
MASK = tg.tensor([True, False, True])

# (function, its arguments, the method call it equals)
PAIRS = [
    (tg.sin, (X,), lambda: X.sin()), (tg.cos, (X,), lambda: X.cos()),
    (tg.exp, (X,), lambda: X.exp()), (tg.expm1, (X,), lambda: X.expm1()),
    (tg.log, (POSITIVE,), lambda: POSITIVE.log()), (tg.log10, (POSITIVE,), lambda: POSITIVE.log10()),
    (tg.log1p, (POSITIVE,), lambda: POSITIVE.log1p()), (tg.erf, (X,), lambda: X.erf()),
    (tg.sqrt, (POSITIVE,), lambda: POSITIVE.sqrt()), (tg.abs, (X,), lambda: X.abs()),
    (tg.sigmoid, (X,), lambda: X.sigmoid()), (tg.tanh, (X,), lambda: X.tanh()),
    (tg.relu, (X,), lambda: X.relu()), (tg.leaky_relu, (X, 0.2), lambda: X.leaky_relu(0.2)),
    (tg.clamp, (X, -0.5, 0.5), lambda: X.clamp(-0.5, 0.5)), (tg.pow, (X, 2), lambda: X ** 2),
    (tg.isnan, (X,), lambda: X.isnan()), (tg.isinf, (X,), lambda: X.isinf()),
    (tg.isfinite, (X,), lambda: X.isfinite()), (tg.clone, (X,), lambda: X.clone()),
    (tg.softmax, (X, 1), lambda: X.softmax(1)), (tg.log_softmax, (X, 0), lambda: X.log_softmax(0)),
    (tg.logsumexp, (X, 1), lambda: X.logsumexp(1)),
    (tg.sum, (X, 1), lambda: X.sum(1)), (tg.mean, (X,), lambda: X.mean()),
    (tg.max, (X,), lambda: X.max()), (tg.min, (X, 0), lambda: X.min(0).values),
    (tg.argmax, (X, 1), lambda: X.argmax(1)), (tg.argmin, (X,), lambda: X.argmin()),
    (tg.var, (X, 1), lambda: X.var(1)), (tg.std, (X,), lambda: X.std()),
    (tg.norm, (X, 1, 0), lambda: X.norm(1, 0)), (tg.prod, (X, 1), lambda: X.prod(1)),
    (tg.cumsum, (X, 1), lambda: X.cumsum(1)), (tg.all, (X,), lambda: X.all()),
    (tg.any, (X, 0), lambda: X.any(0)), (tg.isclose, (X, X), lambda: X.isclose(X)),
    (tg.sort, (X, 0), lambda: X.sort(0).values), (tg.argsort, (X,), lambda: X.argsort()),
    (tg.topk, (X, 2), lambda: X.topk(2).values),
    (tg.gather, (X, 1, tg.tensor([[0], [2]])), lambda: X.gather(1, tg.tensor([[0], [2]]))),
    (tg.index_select, (X, 1, tg.tensor([2])), lambda: X.index_select(1, tg.tensor([2]))),
    (tg.masked_fill, (X, MASK, 0.0), lambda: X.masked_fill(MASK, 0.0)),
    (tg.reshape, (X, 3, 2), lambda: X.reshape(3, 2)), (tg.transpose, (X, 0, 1), lambda: X.T),
    (tg.permute, (X, 1, 0), lambda: X.permute(1, 0)), (tg.flatten, (X,), lambda: X.flatten()),
    (tg.squeeze, (X.reshape(1, 6),), lambda: X.flatten()), (tg.unsqueeze, (X, 0), lambda: X[None]),
    (tg.split, (X, 2, 1), lambda: X.split(2, 1)[0]), (tg.chunk, (X, 2), lambda: X.chunk(2)[0]),
]


@pytest.mark.parametrize("function, args, method", PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_function_equals_method(function, args, method):
    result = function(*args)
    if isinstance(result, tuple):  # sort, topk, split, chunk
        result = result[0]
    expected = method()
    assert result.shape == expected.shape and result.dtype == expected.dtype
    np.testing.assert_array_equal(result.numpy(force=True), expected.numpy(force=True))


def test_scalar_answers():
    assert tg.numel(X) == 6 and tg.allclose(X, X) is True


TENSOR_FUNCTIONS = [name for name, f in vars(functions).items()
                    if inspect.isfunction(f) and not name.startswith("_")
                    and name not in ("pow", "einsum", "is_tensor")]


@pytest.mark.parametrize("name", TENSOR_FUNCTIONS)
def test_non_tensor_input_is_refused_naming_the_function(name):
    function = getattr(tg, name)
    extra = [None] * (len([p for p in inspect.signature(function).parameters.values()
                           if p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD]) - 1)
    with pytest.raises(TypeError, match=rf"^{name}: input must be a Tensor, got list"):
        function([1.0, 2.0], *extra)


# PyTorch 2.13's parameter names (torch.<f>.__doc__ / inspect), for keyword calls
TORCH_PARAMETERS = {
    "var": ["input", "dim", "unbiased", "keepdim", "correction"],
    "std": ["input", "dim", "unbiased", "keepdim", "correction"],
    "norm": ["input", "p", "dim", "keepdim", "dtype"],
    "prod": ["input", "dim", "keepdim", "dtype"],
    "cumsum": ["input", "dim", "dtype"],
    "sort": ["input", "dim", "descending", "stable"],
    "argsort": ["input", "dim", "descending", "stable"],
    "topk": ["input", "k", "dim", "largest", "sorted"],
    "gather": ["input", "dim", "index"],
    "index_select": ["input", "dim", "index"],
    "masked_fill": ["input", "mask", "value"],
    "split": ["tensor", "split_size_or_sections", "dim"],
    "chunk": ["input", "chunks", "dim"],
    "allclose": ["input", "other", "rtol", "atol", "equal_nan"],
    "isclose": ["input", "other", "rtol", "atol", "equal_nan"],
    "all": ["input", "dim", "keepdim"],
    "any": ["input", "dim", "keepdim"],
    "numel": ["input"],
}


@pytest.mark.parametrize("name, parameters", TORCH_PARAMETERS.items())
def test_parameter_names_are_pytorchs(name, parameters):
    assert list(inspect.signature(getattr(tg, name)).parameters) == parameters


def test_keyword_calls_as_in_pytorch_scripts():
    assert tg.sort(input=X, dim=0, descending=True).values.tolist() == \
        X.sort(0, descending=True).values.tolist()
    assert tg.topk(X, k=1, dim=1, largest=False, sorted=True).indices.tolist() == [[1], [2]]
    assert len(tg.split(tensor=X, split_size_or_sections=[1, 2], dim=1)) == 2
    assert tg.var(X, dim=1, correction=0).shape == (2,)
    assert tg.allclose(input=X, other=X, rtol=0.0, atol=0.0, equal_nan=False)
    assert tg.cumsum(X, dim=0, dtype=tg.float64).dtype == np.float64
    assert tg.prod(X, 1, keepdim=True, dtype=tg.float64).shape == (2, 1)


def test_defaults_are_pytorchs():
    # var/std: Bessel's correction; norm: 'fro'; sort ascending; topk largest and sorted
    assert inspect.signature(tg.var).parameters["correction"].default is None  # i.e. 1
    assert tg.var(X).item() == pytest.approx(X.var(correction=1).item(), rel=1e-7)
    assert inspect.signature(tg.norm).parameters["p"].default == "fro"
    assert inspect.signature(tg.Tensor.norm).parameters["p"].default == "fro"
    assert inspect.signature(tg.Tensor.topk).parameters["largest"].default is True
    assert inspect.signature(tg.Tensor.sort).parameters["dim"].default == -1
    assert inspect.signature(tg.allclose).parameters["rtol"].default == 1e-05
    assert inspect.signature(tg.allclose).parameters["atol"].default == 1e-08


def test_pow_takes_a_number_base_too():
    assert tg.pow(2, tg.tensor([1.0, 3.0])).tolist() == [2.0, 8.0]


def test_is_tensor():
    assert tg.is_tensor(X) and not tg.is_tensor(np.ones(2)) and not tg.is_tensor(1.0)


# ----------------------------------------------------------------------------
# dtype aliases


def test_dtype_aliases_are_pytorchs():
    assert tg.float == tg.float32 and tg.double == tg.float64 and tg.half == tg.float16
    assert tg.long == tg.int64 and tg.int == tg.int32 and tg.short == tg.int16
    assert tg.bool == np.bool_
    assert tg.zeros(2, dtype=tg.long).dtype == np.int64
    assert tg.tensor([1.0]).to(tg.double).dtype == np.float64
    assert tg.tensor([1.5]).type(tg.int).dtype == np.int32


def test_dtype_aliases_do_not_shadow_python_builtins_outside_the_namespace():
    assert float is builtins.float and int is builtins.int and bool is builtins.bool
    assert float("1.5") == 1.5 and int("3") == 3
    assert math.isclose(float(tg.tensor(2.5)), 2.5)


# ----------------------------------------------------------------------------
# a PyTorch script, with only its import renamed

SCRIPT = """
import tinygrad_edu as torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
generator = torch.Generator().manual_seed(0)
x = torch.randn(64, 3, generator=generator, device=device, dtype=torch.double)
true_w = torch.tensor([[1.5], [-2.0], [0.5]], dtype=torch.float64).to(device)
y = x @ true_w + 0.01 * torch.randn(64, 1, generator=generator, dtype=torch.double)
w = torch.zeros(3, 1, dtype=torch.double, device=device, requires_grad=True)
for step in range(200):
    loss = ((x @ w - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
with torch.inference_mode():
    residual = (x @ w - y).squeeze(1)
    top = torch.topk(residual.abs(), k=3).indices
    order = torch.argsort(residual, descending=True)
    spread = residual.std(unbiased=False)
    batches = torch.split(torch.randperm(64, generator=generator), 16)
norm = torch.norm(w - true_w)
"""


def test_a_pytorch_script_runs_with_the_import_renamed():
    namespace = {}
    exec(SCRIPT, namespace)  # noqa: S102 - the script is the test's own text
    assert namespace["norm"].item() < 0.01 and namespace["w"].device.type == "cpu"
    assert namespace["spread"].item() < 0.02 and len(namespace["batches"]) == 4
    assert sorted(namespace["order"].tolist()) == list(range(64))
    assert not namespace["residual"].requires_grad
