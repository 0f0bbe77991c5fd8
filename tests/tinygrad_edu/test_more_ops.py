"""The primitives of more_ops.py: sin, cos, log10, log1p, expm1, erf, norm, cumsum and
einsum. Values against Python's math module and hand formulas, gradients written out
by hand (the op catalogue runs gradcheck and gradgradcheck on all of them), PyTorch's
kink conventions and error texts (probed on PyTorch 2.13), and each op's rule line.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygrad_edu as tg
from tinygrad_edu import drawing, more_ops


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def close(actual, expected, rtol=1e-12, atol=1e-12):
    actual = actual.numpy(force=True) if isinstance(actual, tg.Tensor) else actual
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def test_every_op_states_its_rule_in_its_docstring():
    # drawings read `name(inputs): rule` from the first line, as for ops.py
    primitives = [cls for cls in vars(more_ops).values()
                  if isinstance(cls, type) and issubclass(cls, tg.Function)
                  and cls is not tg.Function]
    assert {cls.__name__ for cls in primitives} == {"Sin", "Cos", "Log10", "Log1p", "Expm1", "Erf",
                                                   "Norm", "CumSum", "Einsum", "Indices"}
    for cls in primitives:
        assert drawing._SIGNATURE.match(cls.__doc__.strip().splitlines()[0]), cls.__name__


# ----------------------------------------------------------------------------
# elementwise

XS = [-1.5, -0.25, 0.0, 0.5, 2.0]
UPSTREAM = [0.3, -1.2, 2.0, 0.7, -0.4]


@pytest.mark.parametrize("name, f, df, xs", [
    ("sin", math.sin, math.cos, XS),
    ("cos", math.cos, lambda x: -math.sin(x), XS),
    ("expm1", math.expm1, math.exp, XS),
    ("erf", math.erf, lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x), XS),
    ("log10", math.log10, lambda x: 1 / (x * math.log(10)), [0.01, 0.5, 1.0, 3.0, 1e3]),
    ("log1p", math.log1p, lambda x: 1 / (1 + x), [-0.9, -0.25, 0.0, 0.5, 2.0]),
])
def test_values_and_derivatives(name, f, df, xs):
    x = leaf(xs)
    out = getattr(x, name)()
    close(out, [f(v) for v in xs], rtol=1e-15)
    out.backward(tg.tensor(np.array(UPSTREAM)))
    close(x.grad, [r * df(v) for r, v in zip(UPSTREAM, xs)], rtol=1e-14)
    assert out.grad_fn.name().lower() == f"{name}backward"  # SinBackward, Log1pBackward, ...


def test_the_functions_round_as_their_own_functions_not_as_compositions():
    # the reason they are primitives: log(x)/ln 10, log(1 + x), exp(x) - 1 round differently
    assert tg.tensor(np.array([1000.0])).log10().tolist() == [3.0]  # log(1000)/log(10) = 2.9999999999999996
    # float32: NumPy's own float32 log10 says 3.0000002; PyTorch's (correctly rounded) 3
    assert tg.tensor([10.0, 100.0, 1000.0, 1e5, 1e-3]).log10().tolist() == [1, 2, 3, 5, -3]
    assert tg.tensor([100.0]).expm1().tolist() == [math.inf]  # overflows float32, no warning
    tiny = tg.tensor(np.array([1e-10, -1e-20]))
    close(tiny.log1p(), [math.log1p(1e-10), -1e-20], rtol=1e-15, atol=0)  # 1 + 1e-20 is 1
    close(tiny.expm1(), [math.expm1(1e-10), -1e-20], rtol=1e-15, atol=0)


def test_integers_compute_in_float32_and_floats_keep_their_dtype():
    # PyTorch: tensor([1, 2]).sin() -> tensor([0.8415, 0.9093])
    out = tg.tensor([1, 2]).sin()
    assert out.dtype == np.float32
    close(out, [math.sin(1), math.sin(2)], rtol=1e-7)
    assert tg.tensor([True]).erf().dtype == np.float32
    assert tg.tensor([1, 2], dtype=tg.int16).log10().dtype == np.float32
    half = tg.tensor([1.0, 2.0], dtype=tg.float16).erf()
    assert half.dtype == np.float16
    close(half, [0.8428, 0.9951], rtol=0, atol=1e-4)  # PyTorch's float16 values
    assert tg.tensor(np.array([0.5])).cos().dtype == np.float64


def test_erf_limits_and_nan():
    close(tg.tensor(np.array([-math.inf, math.inf, 30.0])).erf(), [-1.0, 1.0, 1.0])
    assert math.isnan(tg.tensor([math.nan]).erf().item())


def test_second_derivatives_through_create_graph():
    x = leaf([0.3, -1.1])
    (g,) = tg.grad(x.sin().sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    close(h, [-math.sin(0.3), -math.sin(-1.1)], rtol=1e-14)
    (g,) = tg.grad(x.erf().sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)  # d/dx (2/√π)e^(−x²) = −2x·(2/√π)e^(−x²)
    close(h, [-2 * v * 2 / math.sqrt(math.pi) * math.exp(-v * v) for v in (0.3, -1.1)], rtol=1e-14)


# ----------------------------------------------------------------------------
# norm

V = [3.0, -4.0, 0.0, 1.0]


@pytest.mark.parametrize("p, expected", [
    (2, math.sqrt(26)), ("fro", math.sqrt(26)), (None, math.sqrt(26)), (1, 8.0),
    (math.inf, 4.0), (-math.inf, 0.0), (0, 3.0), (3, 92 ** (1 / 3)),
    (0.5, (math.sqrt(3) + 2 + 1) ** 2), (-1, 0.0),  # 1/|0| is inf: the -1 norm is 0
])
def test_norm_values(p, expected):
    close(tg.tensor(np.array(V)).norm(p), expected, rtol=1e-15)


def test_norm_default_dim_and_keepdim():
    # PyTorch: x = [[1, 2, 3], [4, 5, 7]]; x.norm() = 10.1980, x.norm(dim=1) = [3.7417, 9.4868]
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    close(x.norm(), math.sqrt(104), rtol=1e-7)
    close(x.norm(dim=1), [math.sqrt(14), math.sqrt(90)], rtol=1e-7)
    assert x.norm(2, 1, True).shape == (2, 1)
    close(x.norm("fro", (0, 1)), math.sqrt(104), rtol=1e-7)
    close(x.norm(1, dim=()), 22.0)  # an empty dim list means every dim, as in PyTorch
    assert x.norm().dtype == np.float32 and x.norm(dtype=tg.float64).dtype == np.float64


@pytest.mark.parametrize("p, x, expected_grad", [
    # PyTorch's gradients, probed: 0 where the norm is 0 (not 0/0)
    (2, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
    (3, [0.0, 0.0], [0.0, 0.0]),
    (1.5, [0.0, 0.0], [0.0, 0.0]),
    (1.5, [0.0, 2.0], [0.0, 1.0]),
    # p = 1: sign(x), 0 at 0
    (1, [0.0, -3.0, 1.0], [0.0, -1.0, 1.0]),
    # ±inf: the elements tying for the largest (smallest) |x| share the gradient
    (math.inf, [3.0, -3.0, 1.0], [0.5, -0.5, 0.0]),
    (-math.inf, [1.0, 2.0], [1.0, 0.0]),
    # p < 1: sign(x)·|x|^(p−1)·‖x‖^(1−p), 0 at x = 0
    (0.5, [0.0, -3.0, 1.0], [0.0, -(1 + math.sqrt(3)) / math.sqrt(3), 1 + math.sqrt(3)]),
    (-1, [1.0, 2.0], [4 / 9, 1 / 9]),
    # p = 3: x·|x|/‖x‖²
    (3, [0.0, -3.0, 1.0], [0.0, -9 / 28 ** (2 / 3), 1 / 28 ** (2 / 3)]),
])
def test_norm_gradients_follow_pytorch(p, x, expected_grad):
    t = leaf(x)
    t.norm(p).backward()
    close(t.grad, expected_grad, rtol=1e-14)


def test_norm_inf_with_dim_splits_ties_per_row():
    t = leaf([[3.0, -3.0, 1.0], [1.0, 2.0, -2.0]])
    t.norm(math.inf, dim=1).backward(tg.tensor(np.array([1.0, 4.0])))
    close(t.grad, [[0.5, -0.5, 0.0], [0.0, 2.0, -2.0]])


def test_norm_zero_counts_and_has_no_gradient():
    t = leaf([0.0, 2.0, -1.0])
    out = t.norm(0)
    assert out.item() == 2.0 and out.requires_grad
    out.backward()
    assert t.grad is None  # as PyTorch: the count is piecewise constant


def test_norm_gradient_is_x_over_norm_for_p_2():
    rng = np.random.default_rng(3)
    x, R = rng.standard_normal((3, 4)), rng.standard_normal(3)
    t = leaf(x)
    t.norm(dim=1).backward(tg.tensor(R))
    close(t.grad, R[:, None] * x / np.sqrt((x * x).sum(1, keepdims=True)))


def test_norm_draws_its_p():
    t = leaf([1.0, 2.0])
    assert "norm (p = 3)" in tg.graph_to_dot(t.norm(3))


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.tensor([1, 2]).norm(), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: tg.ones(2, 2).norm("nuc"), RuntimeError, "nuclear norm"),
    (lambda: tg.ones(2, 2).norm("abc"), RuntimeError, "linalg.matrix_norm: Order abc not supported."),
    (lambda: tg.ones(2, 2, 2).norm("fro", (0, 1, 2)), RuntimeError,
     "linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"),
    (lambda: tg.ones(0).norm(math.inf), RuntimeError,
     "linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation "
     "does not have an identity"),
    (lambda: tg.ones(2, 0).norm(-1, dim=1), RuntimeError,
     "cannot compute the -1 norm on the dimension 1 because this dimension is empty"),
    (lambda: tg.ones(2).norm(dtype=tg.int64), RuntimeError,
     "linalg.vector_norm: dtype should be floating point or complex, but got Long"),
    (lambda: tg.ones(2).norm([2]), TypeError, "norm: p must be a number, 'fro' or 'nuc', got list"),
    (lambda: tg.ones(2).norm(2, 1), IndexError, "Dimension out of range"),
    (lambda: tg.ones(2).norm(2, 0, keepdim=1), TypeError, "argument 'keepdim' must be bool, not int"),
])
def test_norm_errors(call, kind, message):
    with pytest.raises(kind, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_norm_of_empty_tensors_is_zero_for_p_from_0_up():
    assert tg.ones(0).norm().item() == 0.0 and tg.ones(0).norm(0).item() == 0.0


# ----------------------------------------------------------------------------
# cumsum


def test_cumsum_values_and_dtypes():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    assert x.cumsum(1).tolist() == [[1, 3, 6], [4, 9, 16]]
    assert x.cumsum(dim=0).tolist() == [[1, 2, 3], [5, 7, 10]]
    assert x.cumsum(-1, dtype=tg.float64).dtype == np.float64
    # integers and bools sum in int64, as in PyTorch
    ints = tg.tensor([1, 2], dtype=tg.int32).cumsum(0)
    assert ints.dtype == np.int64 and ints.tolist() == [1, 3]
    assert tg.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert tg.tensor([1, 2]).cumsum(0, dtype=tg.float32).dtype == np.float32
    assert tg.tensor(3.0).cumsum(0).item() == 3.0


def test_cumsum_gradient_is_the_reversed_cumsum_of_the_upstream():
    rng = np.random.default_rng(4)
    x, R = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    t = leaf(x)
    t.cumsum(1).backward(tg.tensor(R))
    close(t.grad, np.flip(np.cumsum(np.flip(R, 1), 1), 1))  # ∂x_j = Σ_{i >= j} R_i


def test_cumsum_needs_a_valid_dim():
    with pytest.raises(TypeError):
        tg.ones(3).cumsum()
    with pytest.raises(IndexError, match=r"cumsum: Dimension out of range \(expected to be in "
                                         r"range of \[-1, 0\], but got 1\)"):
        tg.ones(3).cumsum(1)


# ----------------------------------------------------------------------------
# einsum

RNG = np.random.default_rng(5)
A, B, S = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4)), RNG.standard_normal((3, 3))
BATCH_A, BATCH_B = RNG.standard_normal((5, 2, 3)), RNG.standard_normal((5, 3, 4))


@pytest.mark.parametrize("equation, operands, expected", [
    ("ij,jk->ik", (A, B), A @ B),
    ("ij,jk", (A, B), A @ B),  # implicit output: the letters used once, alphabetically
    ("bij,bjk->bik", (BATCH_A, BATCH_B), BATCH_A @ BATCH_B),
    ("...ij,...jk->...ik", (BATCH_A, B), BATCH_A @ B),
    ("ii->i", (S,), np.diag(S)),
    ("ii", (S,), np.trace(S)),
    ("ij->ji", (A,), A.T),
    ("ba", (A,), A.T),  # implicit output 'ab': a transpose
    ("i,i->", (A[0], A[1]), A[0] @ A[1]),
    ("i,j->ij", (A[0], B[0]), np.outer(A[0], B[0])),
    ("ij->", (A,), A.sum()),
    ("ij,ij->ij", (A, A[:1]), A * A[:1]),  # size-1 dims broadcast
    (" i j , j k -> i k ", (A, B), A @ B),  # spaces are ignored
])
def test_einsum_values(equation, operands, expected):
    out = tg.einsum(equation, *[tg.tensor(x) for x in operands])
    close(out, expected, rtol=1e-12)
    assert out.shape == np.shape(expected)


def test_einsum_takes_the_operands_as_one_list_too():
    close(tg.einsum("ij,jk->ik", [tg.tensor(A), tg.tensor(B)]), A @ B)
    close(tg.einsum("ij,jk->ik", (tg.tensor(A), tg.tensor(B))), A @ B)


def test_einsum_integer_and_bool_operands():
    ints = tg.einsum("ij,jk->ik", tg.tensor([[1, 2]]), tg.tensor([[3], [4]]))
    assert ints.dtype == np.int64 and ints.tolist() == [[11]]
    assert tg.einsum("ij,jk->ik", tg.tensor([[True]]), tg.tensor([[True]])).tolist() == [[True]]


def test_einsum_gradients_by_hand():
    R = RNG.standard_normal((2, 4))
    a, b = leaf(A), leaf(B)
    tg.einsum("ij,jk->ik", a, b).backward(tg.tensor(R))
    close(a.grad, R @ B.T)
    close(b.grad, A.T @ R)
    # a diagonal: the gradient goes back onto the diagonal
    s = leaf(S)
    tg.einsum("ii->i", s).backward(tg.tensor(np.array([1.0, 2.0, 3.0])))
    close(s.grad, np.diag([1.0, 2.0, 3.0]))
    # a sum: the gradient is copied along the summed dim
    a = leaf(A)
    tg.einsum("ij->i", a).backward(tg.tensor(np.array([1.0, -2.0])))
    close(a.grad, [[1.0] * 3, [-2.0] * 3])
    # a broadcast operand: its gradient is summed over the broadcast dim
    a, row = leaf(A), leaf(A[:1])
    tg.einsum("ij,ij->ij", a, row).backward(tg.tensor(np.ones((2, 3))))
    close(row.grad, A.sum(0, keepdims=True))


def test_einsum_result_is_a_copy_and_draws_its_equation():
    a = tg.tensor(A)
    transposed = tg.einsum("ij->ji", a)
    transposed.data[0, 0] = 100.0
    assert a.numpy(force=True)[0, 0] == A[0, 0]
    dot = tg.graph_to_dot(tg.einsum("ij,jk->ik", leaf(A), leaf(B)).sum())
    assert "einsum (ij,jk-&gt;ik)" in dot or "einsum (ij,jk->ik)" in dot


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), k=st.integers(1, 4), batch=st.integers(1, 3))
def test_einsum_batched_matmul_equals_numpy(n, m, k, batch):
    rng = np.random.default_rng(n * 100 + m * 10 + k + batch)
    x, y = rng.standard_normal((batch, n, m)), rng.standard_normal((batch, m, k))
    close(tg.einsum("bij,bjk->bik", tg.tensor(x), tg.tensor(y)), np.einsum("bij,bjk->bik", x, y))


@pytest.mark.parametrize("call, kind, message", [
    # PyTorch 2.13's texts
    (lambda: tg.einsum("ij,jk->ik", tg.tensor(A), tg.tensor(A)), RuntimeError,
     "einsum(): subscript j has size 2 for operand 1 which does not broadcast with previously "
     "seen size 3"),
    (lambda: tg.einsum("ij->ik", tg.tensor(A)), RuntimeError,
     "einsum(): output subscript k does not appear in the equation for any input operand"),
    (lambda: tg.einsum("ij->ii", tg.tensor(A)), RuntimeError,
     "einsum(): output subscript i appears more than once in the output"),
    (lambda: tg.einsum("ijk->ij", tg.tensor(A)), RuntimeError,
     "einsum(): the number of subscripts in the equation (3) does not match the number of "
     "dimensions (2) for operand 0 and no ellipsis was given"),
    (lambda: tg.einsum("...ij->...j", tg.ones(3)), RuntimeError,
     "einsum(): the number of subscripts in the equation (2) is more than the number of "
     "dimensions (1) for operand 0"),
    (lambda: tg.einsum("ij,jk->ik", tg.tensor(A)), RuntimeError,
     "einsum(): fewer operands were provided than specified in the equation"),
    (lambda: tg.einsum("ij->ij", tg.tensor(A), tg.tensor(B)), RuntimeError,
     "einsum(): more operands were provided than specified in the equation"),
    (lambda: tg.einsum("i1->i", tg.tensor(A)), RuntimeError,
     "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be "
     "in [a-zA-Z]"),
    (lambda: tg.einsum("ij->i->j", tg.tensor(A)), RuntimeError,
     "einsum(): invalid subscript given at index 5 in the equation string"),
    (lambda: tg.einsum("ii->i", tg.tensor(A)), RuntimeError,
     "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    (lambda: tg.einsum("i.j->i", tg.tensor(A)), RuntimeError,
     "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
    (lambda: tg.einsum("......->", tg.tensor(A)), RuntimeError,
     "einsum(): found '.' for operand 0 for which an ellipsis was already found"),
    (lambda: tg.einsum("...,...->...", tg.ones(5, 2), tg.ones(4, 2)), RuntimeError,
     "einsum(): dimension 0 covered by ellipsis in operand 1 has size 4 which does not "
     "broadcast with previously seen ellipsis with size 5 for the respective dimension"),
    (lambda: tg.einsum("ij,jk->ik", tg.tensor(A, dtype=tg.float32), tg.tensor(B)), RuntimeError,
     "einsum(): expected scalar type Float but found Double"),
    (lambda: tg.einsum("ij,jk->ik", tg.tensor(A), 3), TypeError,
     "einsum(): expected Tensor as element 1 in argument 1, but got int"),
    (lambda: tg.einsum(3, tg.tensor(A)), TypeError,
     "einsum(): argument 'equation' (position 1) must be str, not int"),
    (lambda: tg.einsum("ij,jk->ik"), ValueError,
     "einsum(): must specify the equation string and at least one operand"),
])
def test_einsum_errors(call, kind, message):
    with pytest.raises(kind) as error:
        call()
    assert message in str(error.value)
