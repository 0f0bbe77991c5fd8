"""The catalogue of differentiable ops the gradient tests run over, and the
input generators that keep each op away from the points where its derivative
is not defined.

Each `OpCase` is a small function of float64 tensors plus the recipe for its
inputs. The tests in test_ops.py (first order) and test_second_order.py
(create_graph path) run every case; keeping the list here means a new op is
added once and is checked both ways.

Input kinds (why each exists):

* ``normal``    — anything goes (smooth ops);
* ``positive``  — in [0.5, 2]: log, sqrt, bases of pow, divisors;
* ``nonzero``   — |x| in [0.2, 1.5]: abs, relu, leaky_relu have a kink at 0;
* ``distinct``  — all values at least 0.15 apart: max/min must not see ties;
* ``offgrid`` / ``offgrid_shifted`` — values near k·0.3 and near k·0.3 + 0.15:
  two tensors of these kinds never tie, whatever broadcasting pairs them up
  (maximum, minimum);
* ``unbounded`` — at least 0.1 away from ±0.5, the bounds used with clamp;
* ``above_minus_one`` — in (-0.5, 2): log1p, away from its pole at -1.

A central difference with eps = 1e-6 only sees a kink closer than eps, so
these margins are generous.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import tinygrad_edu as tg

# ----------------------------------------------------------------------------
# input generators


def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.5, shape)


def distinct(rng, shape):
    n = math.prod(shape)
    values = rng.permutation(n) * 0.25 + rng.uniform(-0.05, 0.05, n) - n * 0.125
    return values.reshape(shape)


def offgrid(rng, shape):
    return 0.3 * rng.integers(-5, 6, shape) + rng.uniform(-0.03, 0.03, shape)


def offgrid_shifted(rng, shape):
    return offgrid(rng, shape) + 0.15


def above_minus_one(rng, shape):
    """Values in (-0.5, 2): log1p's domain, away from its pole at -1."""
    return rng.uniform(-0.5, 2.0, shape)


def unbounded(rng, shape):
    """Values in (-1.5, -0.6) ∪ (-0.4, 0.4) ∪ (0.6, 1.5): never within 0.1 of ±0.5."""
    region = rng.integers(0, 3, shape)
    low = np.choose(region, [-1.5, -0.4, 0.6])
    high = np.choose(region, [-0.6, 0.4, 1.5])
    return rng.uniform(low, high)


KINDS = dict(normal=normal, positive=positive, nonzero=nonzero, distinct=distinct,
             offgrid=offgrid, offgrid_shifted=offgrid_shifted, unbounded=unbounded,
             above_minus_one=above_minus_one)


def make_inputs(rng, specs):
    """float64 leaf tensors that require grad, one per (shape, kind) spec."""
    return [tg.tensor(np.asarray(KINDS[kind](rng, shape), dtype=np.float64), requires_grad=True)
            for shape, kind in specs]


@dataclass
class OpCase:
    """`fn(*tensors) -> Tensor`, with inputs made from `specs` [(shape, kind), ...]."""

    name: str
    fn: Callable
    specs: list
    gradcheck_options: dict = field(default_factory=dict)

    def __repr__(self):  # pytest ids
        return self.name


# ----------------------------------------------------------------------------
# the catalogue

CASES: list[OpCase] = []


def case(name, fn, *specs, **gradcheck_options):
    CASES.append(OpCase(name, fn, list(specs), gradcheck_options))


N, P, NZ, D = "normal", "positive", "nonzero", "distinct"
N_ABOVE_MINUS_ONE = "above_minus_one"

# Shape pairs that exercise broadcasting in backward: equal shapes, the outer
# product pattern, a trailing vector, 0-d scalars on either side, and a pair
# where both operands are broadcast in different dimensions.
BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)),
                   ((2, 3), ()), ((2, 1, 4), (3, 1))]

for a, b in BROADCAST_PAIRS:
    tag = f"{a}x{b}".replace(" ", "")
    case(f"add{tag}", lambda x, y: x + y, (a, N), (b, N))
    case(f"sub{tag}", lambda x, y: x - y, (a, N), (b, N))
    case(f"mul{tag}", lambda x, y: x * y, (a, N), (b, N))
    case(f"div{tag}", lambda x, y: x / y, (a, N), (b, P))
    case(f"pow_tensor_exponent{tag}", lambda x, y: x ** y, (a, P), (b, N))
    case(f"maximum{tag}", lambda x, y: tg.maximum(x, y), (a, "offgrid"), (b, "offgrid_shifted"))
    case(f"minimum{tag}", lambda x, y: tg.minimum(x, y), (a, "offgrid"), (b, "offgrid_shifted"))

# reflected forms: a Python number or a NumPy array on the left
LEFT = np.array([[0.5, -1.0, 2.0, 1.5], [1.0, 0.3, -0.7, 2.2], [-1.2, 0.8, 0.1, 0.9]])
case("radd_number", lambda x: 2.5 + x, ((3, 4), N))
case("rsub_number", lambda x: 2.5 - x, ((3, 4), N))
case("rmul_number", lambda x: 2.5 * x, ((3, 4), N))
case("rdiv_number", lambda x: 2.5 / x, ((3, 4), P))
case("rpow_number", lambda x: 2.5 ** x, ((3, 4), N))
case("radd_ndarray", lambda x: LEFT + x, ((4,), N))
case("rsub_ndarray", lambda x: LEFT - x, ((3, 1), N))
case("rmul_ndarray", lambda x: LEFT * x, ((4,), N))
case("rdiv_ndarray", lambda x: LEFT / x, ((3, 4), P))
case("rmatmul_ndarray", lambda x: LEFT @ x, ((4, 2), N))
case("add_number", lambda x: x + 2.5, ((3, 4), N))
case("sub_number", lambda x: x - 2.5, ((3, 4), N))
case("mul_number", lambda x: x * -1.5, ((3, 4), N))
case("div_number", lambda x: x / 4.0, ((3, 4), N))
case("same_tensor_twice", lambda x: x * x + x / (x * x + 1), ((3, 4), N))
case("neg", lambda x: -x, ((3, 4), N))
case("pow_int", lambda x: x ** 3, ((3, 4), N))
case("pow_float", lambda x: x ** 2.5, ((3, 4), P))
case("pow_negative", lambda x: x ** -1.5, ((3, 4), P))
case("pow_zero", lambda x: x ** 0, ((3, 4), N))
case("pow_method", lambda x: x.pow(2), ((3, 4), N))
case("square", lambda x: x.square(), ((3, 4), N))

# elementwise functions
for shape in [(3, 4), ()]:
    tag = "0d" if shape == () else "2d"
    case(f"exp_{tag}", lambda x: x.exp(), (shape, N))
    case(f"log_{tag}", lambda x: x.log(), (shape, P))
    case(f"sqrt_{tag}", lambda x: x.sqrt(), (shape, P))
    case(f"abs_{tag}", lambda x: x.abs(), (shape, NZ))
    case(f"sigmoid_{tag}", lambda x: x.sigmoid(), (shape, N))
    case(f"tanh_{tag}", lambda x: x.tanh(), (shape, N))
    case(f"relu_{tag}", lambda x: x.relu(), (shape, NZ))
    case(f"leaky_relu_{tag}", lambda x: x.leaky_relu(), (shape, NZ))
case("leaky_relu_slope", lambda x: x.leaky_relu(0.2), ((3, 4), NZ))
case("module_functions", lambda x: tg.tanh(tg.sigmoid(x)) + tg.exp(x) * tg.relu(x)
     + tg.leaky_relu(x, 0.3) - tg.abs(x), ((3, 4), NZ))
case("module_log_sqrt", lambda x: tg.log(x) + tg.sqrt(x), ((3, 4), P))

# softmax family
case("softmax_last", lambda x: x.softmax(-1), ((3, 4), N))
case("softmax_first", lambda x: x.softmax(0), ((3, 4), N))
case("softmax_middle_3d", lambda x: x.softmax(1), ((2, 3, 4), N))
case("softmax_module", lambda x: tg.softmax(x, 1), ((3, 4), N))
case("log_softmax_last", lambda x: x.log_softmax(-1), ((3, 4), N))
case("log_softmax_first_3d", lambda x: tg.log_softmax(x, 0), ((2, 3, 4), N))
case("logsumexp", lambda x: x.logsumexp(1), ((3, 4), N))
case("logsumexp_keepdim_negative", lambda x: x.logsumexp(-1, keepdim=True), ((2, 3, 4), N))
case("logsumexp_module", lambda x: tg.logsumexp(x, 0), ((2, 3, 4), N))

# reductions
case("sum_all", lambda x: x.sum(), ((3, 4), N))
case("sum_0d", lambda x: x.sum(), ((), N))
case("sum_dim", lambda x: x.sum(0), ((3, 4), N))
case("sum_keepdim_negative", lambda x: x.sum(-1, keepdim=True), ((2, 3, 4), N))
case("sum_tuple", lambda x: x.sum((0, 2)), ((2, 3, 4), N))
case("sum_numpy_aliases", lambda x: x.sum(axis=1, keepdims=True), ((2, 3, 4), N))
case("mean_all", lambda x: x.mean(), ((3, 4), N))
case("mean_dim", lambda x: x.mean(1), ((3, 4), N))
case("mean_keepdim_negative", lambda x: x.mean(-2, keepdim=True), ((2, 3, 4), N))
case("mean_tuple", lambda x: tg.mean(x, (0, 1)), ((2, 3, 4), N))
case("max_all", lambda x: x.max(), ((3, 4), D))
case("max_dim", lambda x: x.max(1).values, ((3, 4), D))
case("max_keepdim_negative", lambda x: x.max(-1, keepdim=True).values, ((2, 3, 4), D))
case("max_module", lambda x: tg.max(x, 0)[0], ((3, 4), D))
case("min_all", lambda x: x.min(), ((3, 4), D))
case("min_dim", lambda x: x.min(0).values, ((3, 4), D))
case("min_keepdim_negative", lambda x: x.min(-2, keepdim=True).values, ((2, 3, 4), D))
case("max_of_tensor", lambda x, y: x.max(y), ((3, 4), "offgrid"), ((4,), "offgrid_shifted"))
case("min_of_tensor", lambda x, y: x.min(y), ((3, 4), "offgrid"), ((4,), "offgrid_shifted"))

# shape ops
case("reshape", lambda x: x.reshape(4, 3), ((3, 4), N))
case("reshape_tuple_minus_one", lambda x: x.reshape((-1,)), ((3, 4), N))
case("reshape_to_0d", lambda x: x.reshape(()), ((1,), N))
case("view", lambda x: x.view(2, 6), ((3, 4), N))
case("transpose", lambda x: x.transpose(0, 1), ((3, 4), N))
case("transpose_negative_3d", lambda x: x.transpose(-1, 0), ((2, 3, 4), N))
case("swapaxes", lambda x: x.swapaxes(1, 2), ((2, 3, 4), N))
case("permute", lambda x: x.permute(2, 0, 1), ((2, 3, 4), N))
case("permute_tuple_negative", lambda x: x.permute((-1, -3, -2)), ((2, 3, 4), N))
case("T_2d", lambda x: x.T, ((3, 4), N))
case("T_3d", lambda x: x.T, ((2, 3, 4), N))
case("expand", lambda x: x.expand(3, 4), ((3, 1), N))
case("expand_new_dims", lambda x: x.expand(2, 3, 4), ((4,), N))
case("expand_minus_one", lambda x: x.expand(2, -1, 4), ((3, 1), N))
case("broadcast_to", lambda x: x.broadcast_to((2, 3, 4)), ((1, 4), N))
case("squeeze_all", lambda x: x.squeeze(), ((3, 1, 4, 1), N))
case("squeeze_dim", lambda x: x.squeeze(1), ((3, 1, 4), N))
case("unsqueeze", lambda x: x.unsqueeze(0), ((3, 4), N))
case("unsqueeze_negative", lambda x: x.unsqueeze(-1), ((3, 4), N))
case("flatten", lambda x: x.flatten(), ((2, 3, 4), N))
case("flatten_partial", lambda x: x.flatten(1), ((2, 3, 4), N))
case("flatten_0_1", lambda x: tg.flatten(x, 0, 1), ((2, 3, 4), N))

# indexing: basic slicing, integer arrays (repeats accumulate), bool masks
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
case("getitem_int", lambda x: x[1], ((3, 4), N))
case("getitem_negative_int", lambda x: x[-1, -2], ((3, 4), N))
case("getitem_slices", lambda x: x[:, 1:3], ((3, 4), N))
case("getitem_step_ellipsis", lambda x: x[..., ::2], ((2, 3, 4), N))
case("getitem_none_mixed", lambda x: x[1:, None, -1], ((3, 4), N))
case("getitem_int_list_repeats", lambda x: x[[0, 2, 0, 0]], ((3, 4), N))
case("getitem_int_tensor", lambda x: x[tg.tensor([2, 0])], ((3, 4), N))
case("getitem_paired_arrays", lambda x: x[[0, 1, 2, 0], [3, 0, 3, 3]], ((3, 4), N))
case("getitem_2d_index_array", lambda x: x[np.array([[0, 1], [1, 1]])], ((3, 4), N))
case("getitem_columns_repeats", lambda x: x[:, [3, 3, 1]], ((3, 4), N))
case("getitem_bool_mask", lambda x: x[MASK], ((3, 4), N))
case("getitem_bool_rows", lambda x: x[np.array([True, False, True])], ((3, 4), N))
case("getitem_bool_tensor", lambda x: x[tg.tensor(MASK)], ((3, 4), N))

# joining
case("cat_dim0", lambda a, b: tg.cat([a, b], 0), ((2, 3), N), ((4, 3), N))
case("cat_dim1_three", lambda a, b, c: tg.cat([a, b, c], 1), ((2, 3), N), ((2, 1), N), ((2, 2), N))
case("cat_negative_dim", lambda a, b: tg.cat([a, b], -1), ((2, 3, 1), N), ((2, 3, 2), N))
case("cat_same_tensor_twice", lambda a: tg.cat([a, a * 2], 0), ((2, 3), N))
case("stack_dim0", lambda a, b: tg.stack([a, b]), ((2, 3), N), ((2, 3), N))
case("stack_dim1", lambda a, b: tg.stack([a, b], 1), ((2, 3), N), ((2, 3), N))
case("stack_negative_dim", lambda a, b, c: tg.stack([a, b, c], -1), ((4,), N), ((4,), N), ((4,), N))

# clamp, where
case("clamp_both", lambda x: x.clamp(-0.5, 0.5), ((3, 4), "unbounded"))
case("clamp_min", lambda x: x.clamp(min=-0.5), ((3, 4), "unbounded"))
case("clamp_max", lambda x: x.clamp(max=0.5), ((3, 4), "unbounded"))
case("clip_module", lambda x: tg.clamp(x, -0.5, 0.5), ((3, 4), "unbounded"))
CONDITION = MASK
case("where_same_shapes", lambda a, b: tg.where(CONDITION, a, b), ((3, 4), N), ((3, 4), N))
case("where_broadcast", lambda a, b: tg.where(CONDITION[:, :1], a, b), ((1, 4), N), ((3, 4), N))
case("where_scalar_branch", lambda a, b: tg.where(tg.tensor(CONDITION[0]), a, b),
     ((2, 3, 4), N), ((), N))
case("where_number_branch", lambda a: tg.where(CONDITION, a, 0.0), ((3, 4), N))

# copies and casts
case("clone", lambda x: x.clone(), ((3, 4), N))
case("module_clone", lambda x: tg.clone(x) * 2, ((3, 4), N))
# float64 -> float32 -> float64: the cast is linear, so a large eps is exact;
# it only has to dwarf float32 rounding (~6e-8 relative).
case("cast_float32_round_trip", lambda x: x.float().double(), ((3, 4), N), eps=1e-2, atol=1e-4)
case("cast_to_float16_round_trip", lambda x: x.half().to(tg.float64), ((3, 4), N), eps=0.25, atol=1e-2)

# matmul: 2-D, the 1-D rules, batches (with broadcast batch dimensions)
MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                 ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,))]
for a, b in MATMUL_SHAPES:
    tag = f"{a}@{b}".replace(" ", "")
    case(f"matmul{tag}", lambda x, y: x @ y, (a, N), (b, N))
case("matmul_function", lambda x, y: tg.matmul(x, y), ((3, 4), N), ((4, 2), N))
case("matmul_method", lambda x, y: x.matmul(y), ((3, 4), N), ((4, 2), N))

# small compositions, as a model would use them
ONE_HOT = np.eye(4)[[1, 0, 3]]
case("linear_sigmoid", lambda x, w, b: (x @ w.T + b).sigmoid(), ((3, 4), N), ((2, 4), N), ((2,), N))
case("cross_entropy", lambda z: -(z.log_softmax(1) * ONE_HOT).sum(1).mean(), ((3, 4), N))
case("mse", lambda p, t: ((p - t) ** 2).mean(), ((3, 4), N), ((3, 4), N))
case("tanh_mlp", lambda x, w1, w2: (x @ w1).tanh() @ w2, ((5, 3), N), ((3, 4), N), ((4, 2), N))


# ----------------------------------------------------------------------------
# PyTorch's namespace beyond the core: more_ops.py primitives and composed.py methods

# elementwise primitives (more_ops.py), as methods and as tg functions
for shape in [(3, 4), ()]:
    tag = "0d" if shape == () else "2d"
    case(f"sin_{tag}", lambda x: x.sin(), (shape, N))
    case(f"cos_{tag}", lambda x: x.cos(), (shape, N))
    case(f"log10_{tag}", lambda x: x.log10(), (shape, P))
    case(f"log1p_{tag}", lambda x: x.log1p(), (shape, N_ABOVE_MINUS_ONE))
    case(f"expm1_{tag}", lambda x: x.expm1(), (shape, N))
    case(f"erf_{tag}", lambda x: x.erf(), (shape, N))
case("torch_functions_elementwise", lambda x: tg.sin(x) * tg.cos(x) + tg.erf(x) - tg.expm1(x)
     + tg.log1p(x * x) + tg.log10(x * x + 1), ((3, 4), N))

# variance and standard deviation: every overload
case("var_all", lambda x: x.var(), ((3, 4), N))
case("var_dim_biased_positional", lambda x: x.var(1, False), ((3, 4), N))
case("var_unbiased_only", lambda x: x.var(False), ((3, 4), N))
case("var_correction_keepdim", lambda x: x.var(dim=(0, 2), correction=2, keepdim=True), ((2, 3, 4), N))
case("var_module", lambda x: tg.var(x, 0, unbiased=True), ((3, 4), N))
case("std_all", lambda x: x.std(), ((3, 4), N))
case("std_dim_keepdim", lambda x: x.std(-1, keepdim=True), ((2, 3, 4), N))
case("std_correction_zero", lambda x: tg.std(x, 0, correction=0), ((3, 4), N))

# norms: p = 2 (default and 'fro'), 1, inf, -inf, 3, 0.5, -1; dims and keepdim
case("norm_default", lambda x: x.norm(), ((3, 4), N))
case("norm_fro_two_dims", lambda x: x.norm("fro", (0, 2)), ((2, 3, 4), N))
case("norm_2_dim_keepdim", lambda x: x.norm(2, 1, True), ((3, 4), N))
case("norm_1", lambda x: x.norm(1, dim=0), ((3, 4), NZ))
case("norm_inf", lambda x: x.norm(math.inf, dim=1), ((3, 4), D))
case("norm_minus_inf", lambda x: x.norm(-math.inf), ((3, 4), D))
case("norm_3", lambda x: x.norm(3, dim=-1), ((3, 4), NZ))
case("norm_1_5", lambda x: x.norm(1.5), ((3, 4), NZ))
case("norm_half", lambda x: x.norm(0.5, dim=1), ((3, 4), NZ))
case("norm_minus_1", lambda x: x.norm(-1, dim=0, keepdim=True), ((3, 4), NZ))
case("norm_module", lambda x: tg.norm(x, dim=1), ((3, 4), N))

# products and running sums
case("prod_all", lambda x: x.prod(), ((3, 4), N))
case("prod_dim_odd_length", lambda x: x.prod(1), ((2, 5), N))
case("prod_dim_keepdim", lambda x: x.prod(0, keepdim=True), ((3, 4), N))
case("prod_seven_long", lambda x: tg.prod(x, -1), ((2, 7), N))
case("cumsum_last", lambda x: x.cumsum(-1), ((3, 4), N))
case("cumsum_first_3d", lambda x: tg.cumsum(x, 0), ((2, 3, 4), N))

# selecting: gather, index_select, masked_fill, sort, topk
GATHER_INDEX = np.array([[0, 3, 3], [2, 0, 1]])
case("gather_dim1", lambda x: x.gather(1, tg.tensor(GATHER_INDEX)), ((3, 4), N))
case("gather_dim0_repeats", lambda x: tg.gather(x, 0, tg.tensor([[2, 0, 2, 2], [1, 1, 0, 2]])),
     ((3, 4), N))
case("index_select_repeats", lambda x: x.index_select(1, tg.tensor([3, 0, 3])), ((3, 4), N))
case("index_select_module", lambda x: tg.index_select(x, 0, tg.tensor([2, 1])), ((3, 4), N))
case("masked_fill_number", lambda x: x.masked_fill(tg.tensor(MASK), -1.5), ((3, 4), N))
case("masked_fill_broadcast_mask", lambda x: x.masked_fill(tg.tensor(MASK[:, :1]), 0.0), ((3, 4), N))
case("masked_fill_tensor_value", lambda x, v: tg.masked_fill(x, tg.tensor(MASK), v), ((3, 4), N), ((), N))
case("sort_values", lambda x: x.sort(1).values, ((3, 4), D))
case("sort_descending_dim0", lambda x: tg.sort(x, 0, descending=True)[0], ((3, 4), D))
case("topk_largest", lambda x: x.topk(2).values, ((3, 4), D))
case("topk_smallest_dim0", lambda x: tg.topk(x, 2, dim=0, largest=False).values, ((3, 4), D))

# splitting and tiling
case("split_sizes", lambda x: tg.cat([p * (i + 1) for i, p in enumerate(x.split([1, 3], 1))], 1),
     ((3, 4), N))
case("split_even", lambda x: tg.stack(tg.split(x, 2)), ((4, 3), N))
case("chunk_uneven", lambda x: tg.cat([p * (i + 1) for i, p in enumerate(x.chunk(3, 0))], 0),
     ((5, 2), N))
case("repeat_same_rank", lambda x: x.repeat(2, 3), ((3, 4), N))
case("repeat_new_dims", lambda x: x.repeat(2, 1, 2), ((3, 4), N))

# einsum: the forms scripts use, diagonals, sums, broadcasting and an ellipsis
EINSUMS = [("ij,jk->ik", (3, 4), (4, 2)), ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
           ("i,i->", (4,), (4,)), ("i,j->ij", (3,), (4,)), ("ij,kj->ik", (3, 4), (2, 4)),
           ("ij,ij->ij", (3, 4), (1, 4)), ("...ij,...jk->...ik", (2, 3, 4), (4, 2)),
           ("ij,jk", (3, 4), (4, 2)), ("ii,i->i", (3, 3), (3,))]
for equation, a, b in EINSUMS:
    case(f"einsum[{equation}]", lambda x, y, eq=equation: tg.einsum(eq, x, y), (a, N), (b, N))
for equation, a in [("ii->i", (3, 3)), ("ii->", (3, 3)), ("ij->ji", (3, 4)), ("ij->i", (3, 4)),
                    ("iij->j", (2, 2, 3)), ("ii", (3, 3))]:
    case(f"einsum[{equation}]", lambda x, eq=equation: tg.einsum(eq, x), (a, N))
case("einsum_three_operands", lambda x, y, z: tg.einsum("ij,jk,kl->il", [x, y, z]),
     ((2, 3), N), ((3, 4), N), ((4, 2), N))


def case_by_name(name: str) -> OpCase:
    return next(c for c in CASES if c.name == name)


# ----------------------------------------------------------------------------
# second order: a "gradgradcheck"


def projected_first_grads(fn, inputs, upstream, directions, create_graph):
    """s(x) = Σ_i <∂/∂x_i <fn(x), upstream>, directions_i>, built with tg.grad.

    With create_graph=True, s is itself differentiable (its gradient is the
    Hessian-vector product H·directions, mixed with `upstream`).
    """
    with tg.enable_grad():
        out = fn(*inputs)
        grads = tg.grad((out * upstream).sum(), inputs, create_graph=create_graph)
    total = None
    for g, v in zip(grads, directions):
        term = (g * v).sum()
        total = term if total is None else total + term
    return total, grads


def gradgradcheck(fn, inputs, rng, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check the create_graph=True path of `fn` against central differences.

    The analytic side differentiates the recorded backward pass: ∂s/∂x with s
    from `projected_first_grads(create_graph=True)`. The numerical side
    re-runs the plain (create_graph=False) first-order gradient at x ± eps·e_k
    for every element k. Random `upstream` and `directions` make the scalar s
    depend on every entry of the second-order Jacobian. Also checks that the
    first-order gradients are the same with and without create_graph.
    Raises AssertionError with the worst element.
    """
    out = fn(*inputs)
    upstream = tg.tensor(rng.standard_normal(out.shape))
    directions = [tg.tensor(rng.standard_normal(x.shape)) for x in inputs]

    s, grads = projected_first_grads(fn, inputs, upstream, directions, create_graph=True)
    _, plain_grads = projected_first_grads(fn, inputs, upstream, directions, create_graph=False)
    for i, (g, p) in enumerate(zip(grads, plain_grads)):
        np.testing.assert_allclose(g.numpy(force=True), p.numpy(force=True), rtol=1e-12, atol=1e-12,
                                   err_msg=f"create_graph changed the gradient of input {i}")

    if s.requires_grad:
        analytic = [np.zeros(x.shape) if g is None else g.numpy(force=True)
                    for x, g in zip(inputs, tg.grad(s, inputs, allow_unused=True))]
    else:  # the first gradients do not depend on the inputs at all (a linear op)
        analytic = [np.zeros(x.shape) for x in inputs]

    for i, x in enumerate(inputs):
        flat = x.numpy(force=True).reshape(-1)  # a view: perturbing it perturbs the input
        numerical = np.zeros(flat.size)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = projected_first_grads(fn, inputs, upstream, directions, False)[0].item()
            flat[k] = original - eps
            minus = projected_first_grads(fn, inputs, upstream, directions, False)[0].item()
            flat[k] = original
            numerical[k] = (plus - minus) / (2 * eps)
        a = np.asarray(analytic[i], dtype=np.float64).reshape(-1)
        excess = np.abs(a - numerical) - (atol + rtol * np.abs(numerical))
        if excess.size and excess.max() > 0:
            k = int(np.argmax(excess))
            raise AssertionError(
                f"second-order mismatch for input {i} at flat index {k}: "
                f"analytic {a[k]:.10g}, numerical {numerical[k]:.10g}")
    return True
