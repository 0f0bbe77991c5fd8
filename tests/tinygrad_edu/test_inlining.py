"""tg.jit inlines each op's forward and backward into the replay function: the same code,
so the same bits, with what the trace knows put in. A method that cannot be inlined is
called, as before. (Every op of the catalogue replays bitwise in test_jit.py, inlined.)"""
from __future__ import annotations

import importlib
import sys
import textwrap
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu import inlining


def with_backward(f):
    """A step: f's (scalar) result, back-propagated and returned."""
    def step(*inputs):
        out = f(*inputs)
        out.backward()
        return out
    return step


def traced(f, *inputs):
    """tg.jit of f's step, traced on `inputs`; its listing."""
    step = tg.jit(with_backward(f))
    step(*inputs)
    return step, step.kernels()


def replay_equals_eager(f, *inputs):
    """f's step replayed (traced on other values) gives eager's bits on `inputs`, and
    eager's gradients."""
    fn = with_backward(f)
    step = tg.jit(fn)
    step(*[tg.tensor(np.full(t.shape, 0.5), dtype=t.dtype, requires_grad=t.requires_grad)
           for t in inputs])
    replayed = [t.detach().clone().requires_grad_(t.requires_grad) for t in inputs]
    got = step(*replayed).numpy(force=True)
    want = fn(*inputs).numpy(force=True)
    assert step.trace_count == 1
    assert got.tobytes() == want.tobytes()
    for r, t in zip(replayed, inputs):
        if t.requires_grad:
            assert r.grad.numpy().tobytes() == t.grad.numpy().tobytes()


# ----------------------------------------------------------------------------
# what the listing shows


def test_the_listing_shows_the_ops_own_numpy_code():
    _, listing = traced(lambda x: x.sigmoid().sum(), tg.tensor([[0.5, -1.0]], requires_grad=True))
    assert "v0 = 1.0 / (1.0 + np.exp(-a0))" in listing
    assert "np.where(a0 >= 0," in listing  # the stable branch, for inputs below -709


def test_the_sigmoids_stable_branch_replays_when_the_inputs_call_for_it():
    # traced where e^-x is finite; replayed on -800, where it would overflow
    replay_equals_eager(lambda x: x.sigmoid().sum(), tg.tensor([[-800.0, 3.0]], requires_grad=True))


def test_a_backward_keeps_only_the_gradients_asked_for():
    x = tg.tensor([[1.0, 2.0]])
    w = tg.tensor([[3.0], [4.0]], requires_grad=True)
    _, listing = traced(lambda x, w: (x @ w).sum(), x, w)
    assert "_, g" in listing and "= (None, a0.swapaxes(-1, -2) @ " in listing
    assert "needs_input_grad" not in listing

    _, both = traced(lambda x, w: (x @ w).sum(), x.detach().requires_grad_(), w)
    assert "@ a1.swapaxes(-1, -2), a0.swapaxes(-1, -2) @ " in both


@pytest.mark.parametrize("exponent, rule", [(2, "(2 * a0)"), (3, "(3 * a0 ** (3 - 1))"), (0, " * 0")])
def test_an_attribute_forward_set_to_a_constant_is_read_as_one(exponent, rule):
    x = tg.tensor([1.5, -2.0], requires_grad=True)
    _, listing = traced(lambda x: (x ** exponent).sum(), x)
    assert rule in listing.split("# PowScalarBackward")[0].splitlines()[-1]
    assert ".exponent\n" not in listing.split("# PowScalarBackward")[1].split("\n", 1)[0]
    replay_equals_eager(lambda x: (x ** exponent).sum(), tg.tensor([1.5, -2.0], requires_grad=True))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tests_of_dtypes_are_decided(dtype):
    # the guards fix every value's dtype: Mean keeps its branch for the input's dtype,
    # and LeakyReLU's forward is the one line its slope allows
    x = tg.tensor(np.array([[0.5, -1.0]], dtype), requires_grad=True)
    _, listing = traced(lambda x: x.leaky_relu(0.01).mean(), x)
    assert "dtype" not in listing
    forward = listing.split("# Mean")[0]
    assert "v0 = np.maximum(a0 * 0.01, a0)" in forward and "if " not in forward
    assert ("np.add.reduce" in listing) == (dtype is np.float64)
    replay_equals_eager(lambda x: x.leaky_relu(0.01).mean(),
                        tg.tensor(np.array([[0.5, -1.0]], dtype), requires_grad=True))


def test_a_slope_that_rounds_to_zero_in_the_dtype_keeps_the_where_branch():
    x = tg.tensor(np.array([[0.5, -1.0]], np.float16), requires_grad=True)
    _, listing = traced(lambda x: x.leaky_relu(1e-10).sum(), x)
    assert "np.where(a0 > 0, a0, a0 * 1e-10)" in listing and "np.maximum" not in listing
    replay_equals_eager(lambda x: x.leaky_relu(1e-10).sum(),
                        tg.tensor(np.array([[0.5, -1.0]], np.float16), requires_grad=True))


class Compact(tg.Function):
    """A custom op whose result's dtype depends on the values: int64 for whole numbers."""

    def forward(self, x):
        return x.astype(np.int64) if np.all(x == np.round(x)) else x.copy()

    def backward(self, g):
        return g


def test_a_replay_stops_where_code_run_anew_gives_another_dtype():
    # a custom op's result (int64 for whole numbers), and a call's (clip_grad_norm_: float32
    # before any gradient): the trace decided tests, promotions and constants on the traced
    # dtype, so a replay stops rather than give other numbers than eager
    step = tg.jit(lambda x: (Compact.apply(x) * 1).sum())
    step(tg.tensor([1.0, 2.0], dtype=tg.float64))
    assert "dtype.kind" not in step.kernels()  # Sum's test decided: int64, checked at each replay
    assert step(tg.tensor([3.0, 4.0], dtype=tg.float64)).tolist() == 7
    with pytest.raises(tg.TracingError, match="Compact.forward gave float64 here and int64 when"):
        step(tg.tensor([1.5, 2.25], dtype=tg.float64))

    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    def body(x):
        norm = nn.utils.clip_grad_norm_([w], 10.0)
        w.grad = None
        (w * x).sum().backward()
        return norm.leaky_relu(1.00000001)

    step, x = tg.jit(body), tg.tensor([3.0, 4.0], dtype=tg.float64)
    step(x)
    with pytest.raises(tg.TracingError, match="clip_grad_norm gave float64 here and float32 when"):
        step(x)


def test_a_test_that_overflows_is_left_to_run_even_if_the_trace_ignores_overflows():
    x = tg.tensor([1.0, -2.0], dtype=tg.float16)
    step = tg.jit(lambda x: x.leaky_relu(1e10))
    with np.errstate(all="ignore"):
        step(x)
    assert "if 0 < a0.dtype.type(10000000000.0) <= 1:" in step.kernels()


def test_what_cannot_be_inlined_is_called():
    # Sum over a given axis keeps its generator expression; Cat takes keyword-only arguments
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    _, listing = traced(lambda x: tg.cat([x, x], dim=1).sum(dim=0).sum(), x)
    assert "= F" in listing and "# Cat" in listing and "# Sum" in listing
    assert "B" in listing.split("# CatBackward")[0].splitlines()[-1]
    replay_equals_eager(lambda x: tg.cat([x, x], dim=1).sum(dim=0).sum(),
                        tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True))


# ----------------------------------------------------------------------------
# the transformation, on plain methods


def twice(a):
    """A one-line helper, like ops.py's."""
    return a + a


def plain(a):
    return a if isinstance(a, np.ndarray) else np.asarray(a)


def reversed_difference(a, b):
    return b - a  # evaluates b first


def pick(flag, a, b):
    return a if flag else b  # evaluates one of them


def between(a, b):
    return 0.0 < a < b  # b is not evaluated where a <= 0


def keyed(a, b):
    return {"a": a, "b": b}  # evaluated key, value, key, value


class Ops:
    """Methods shaped like ops' forward and backward, to inline one by one."""

    scale = 3.0

    def early_return(self, x):
        if x.min() > 0:
            return np.log(x)
        y = np.abs(x) + 1.0
        return np.log(y)

    def both_branches(self, x, flag):
        if flag:
            return x * 2.0
        else:
            return x * 3.0

    def reassigns(self, x):
        x = x + 1.0
        x *= self.scale
        return x

    def raises_or_returns(self, x):
        try:
            return x @ x
        except ValueError:
            raise RuntimeError(f"shapes {x.shape}")

    def falls_off_the_end(self, x):
        x.fill(7.0)

    def names_like_the_replays(self, x):
        return x + c0 + tensors + len(x)

    def returns_in_a_loop(self, x):
        for value in x:
            if value > 0:
                return value
        return None

    def takes_keywords(self, x, **options):
        return x

    def sums(self, x, axis):
        if axis is None:
            return x.sum()
        return x.sum(axis)

    def identical(self, x, a, b):
        return x if a is b else -x

    def uses_helpers(self, x):
        return twice(x) * plain(x)

    def helper_on_an_expression(self, x):
        return twice(x * 2.0)

    def helpers_that_reorder_or_skip(self, x, flag):
        return reversed_difference(x * 2.0, x * 3.0) + pick(flag, x * 2.0, x * 3.0)

    def helpers_with_chains_and_dicts(self, x):
        return between(x * 2.0, x * 3.0), keyed(x * 2.0, x * 3.0)

    def by_kind(self, x):
        if x.dtype.kind == "f" and 0 < x.dtype.type(0.5) <= 1:
            return x * 2.0
        return x * 3.0

    def overflowing_cast(self, x):
        if x.dtype.type(1e10) > 0:  # float16: inf, with NumPy's overflow warning
            return x * 2.0
        return x * 3.0

    def kind_or_name(self, x):
        return x.dtype.kind == "i" or x.dtype.name

    def with_bias(self, x, *bias):
        out = x * 2.0
        if bias:
            out += bias[0]
        return out if bias else -out


c0 = 100.0  # a global named like one of the replay's constants
tensors = 7.0  # and one named like its argument that holds the step's tensors


def inlined(method, *values, dtypes=None, **options):
    """(lines, result) of `method` inlined into a function of `values` and called."""
    names = [f"a{i}" for i in range(len(values))]
    namespace = {"N9": method.__self__}
    lines = inlining.inline(method, names, {k: repr(v) for k, v in options.items()}, "out",
                            "t9_", "N9", namespace, dtypes=dtypes)
    if lines is None:
        return None, None
    source = f"def replay({', '.join(names)}):\n" + "".join(f"    {line}\n" for line in lines) + "    return out"
    with warnings.catch_warnings():  # as jit.py compiles a replay: `1.5 is 1.5` is fine here
        warnings.simplefilter("ignore", SyntaxWarning)
        exec(source, namespace)
    return lines, namespace["replay"](*values)


@pytest.mark.parametrize("x", [np.array([1.0, 2.0]), np.array([-1.0, 2.0])])
def test_a_return_in_an_if_takes_the_rest_as_its_else(x):
    lines, out = inlined(Ops().early_return, x)
    assert out.tobytes() == Ops().early_return(x).tobytes()
    assert lines == ["if a0.min() > 0:", "    out = np.log(a0)", "else:",
                     "    t9_y = np.abs(a0) + 1.0", "    out = np.log(t9_y)"]


@pytest.mark.parametrize("flag, lines_wanted", [(True, ["out = a0 * 2.0"]), (False, ["out = a0 * 3.0"])])
def test_a_known_test_keeps_one_branch(flag, lines_wanted):
    lines, out = inlined(Ops().both_branches, np.array([1.0]), flag=flag)
    assert lines == lines_wanted and out.tolist() == [2.0 if flag else 3.0]


def test_a_test_of_a_known_dtype_is_decided_and_an_unknown_one_runs():
    x = np.array([1.0, 2.0])
    lines, out = inlined(Ops().by_kind, x, dtypes={"a0": x.dtype})
    assert lines == ["out = a0 * 2.0"] and out.tolist() == [2.0, 4.0]
    lines, out = inlined(Ops().by_kind, x)  # nothing known: the test stays
    assert lines[0].startswith("if a0.dtype.kind == 'f'") and out.tolist() == [2.0, 4.0]


def test_a_dtype_test_that_warns_is_left_to_run():
    x = np.array([1.0, 2.0], np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the replay's own cast warns, as eager's
        lines, out = inlined(Ops().overflowing_cast, x, dtypes={"a0": x.dtype})
    assert lines[0] == "if a0.dtype.type(10000000000.0) > 0:" and out.tolist() == [2.0, 4.0]


def test_an_or_whose_value_is_not_a_bool_keeps_its_value():
    # the comparison is decided; the `or` stays, since its value is the dtype's name
    x = np.array([1.0])
    lines, out = inlined(Ops().kind_or_name, x, dtypes={"a0": x.dtype})
    assert lines == ["out = False or a0.dtype.name"] and out == "float64"


def test_a_one_line_helper_is_put_in_once_its_type_test_is_decided():
    x = np.array([1.0, 2.0])
    lines, out = inlined(Ops().uses_helpers, x, dtypes={"a0": x.dtype})
    assert lines == ["out = (a0 + a0) * a0"] and out.tolist() == [2.0, 8.0]
    lines, out = inlined(Ops().uses_helpers, x)  # a0's type unknown: plain is called
    assert lines == ["out = (a0 + a0) * plain(a0)"] and out.tolist() == [2.0, 8.0]


def test_a_helper_that_would_evaluate_an_argument_twice_is_called():
    lines, out = inlined(Ops().helper_on_an_expression, np.array([1.0]), dtypes={"a0": np.dtype(float)})
    assert lines == ["out = twice(a0 * 2.0)"] and out.tolist() == [4.0]


def test_a_helper_that_would_reorder_or_skip_its_arguments_is_called():
    lines, out = inlined(Ops().helpers_that_reorder_or_skip, np.array([1.0]), True,
                         dtypes={"a0": np.dtype(float)})
    assert lines == ["out = reversed_difference(a0 * 2.0, a0 * 3.0) + pick(a1, a0 * 2.0, a0 * 3.0)"]
    assert out.tolist() == [3.0]
    lines, _ = inlined(Ops().helpers_with_chains_and_dicts, np.array([1.0]), dtypes={"a0": np.dtype(float)})
    assert lines == ["out = (between(a0 * 2.0, a0 * 3.0), keyed(a0 * 2.0, a0 * 3.0))"]


def test_ops_helpers_read_as_the_rule_in_the_listing():
    x = tg.tensor([[0.5, -1.0]], requires_grad=True)
    _, listing = traced(lambda x: x.leaky_relu(0.01).sum() + x.relu().sum(), x)
    assert "np.where(a0 > 0, " in listing and " * 0.01)  # LeakyReLUBackward" in listing
    assert " > 0)  # ReLUBackward" in listing and "_array" not in listing
    replay_equals_eager(lambda x: x.leaky_relu(0.01).sum() + x.relu().sum(),
                        tg.tensor([[0.5, -1.0]], requires_grad=True))


def test_a_reassigned_argument_is_copied_into_a_variable_of_its_own():
    x = np.array([1.0, 2.0])
    lines, out = inlined(Ops().reassigns, x)
    assert lines[0] == "t9_x = a0" and "N9.scale" in "\n".join(lines)
    assert out.tolist() == [6.0, 9.0] and x.tolist() == [1.0, 2.0]


def test_a_try_whose_handler_raises_is_kept():
    lines, out = inlined(Ops().raises_or_returns, np.eye(2))
    assert lines[0] == "try:" and out.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(RuntimeError, match=r"shapes \(2, 3\)"):
        inlined(Ops().raises_or_returns, np.ones((2, 3)))


def test_a_method_without_return_gives_none():
    x = np.zeros(2)
    lines, out = inlined(Ops().falls_off_the_end, x)
    assert out is None and lines[-1] == "out = None" and x.tolist() == [7.0, 7.0]


def test_a_global_named_like_a_replay_name_is_renamed():
    lines, out = inlined(Ops().names_like_the_replays, np.array([1.0]))
    assert lines == ["out = a0 + t9_c0 + t9_tensors + len(a0)"] and out.tolist() == [109.0]


def test_star_arguments_are_a_tuple_and_a_known_tuple_decides():
    lines, out = inlined(Ops().with_bias, np.array([1.0]), np.array([5.0]))
    assert "if" not in "\n".join(lines) and out.tolist() == [7.0]
    lines, out = inlined(Ops().with_bias, np.array([1.0]))
    assert "+=" not in "\n".join(lines) and out.tolist() == [-2.0]


@pytest.mark.parametrize("axis, lines_wanted", [(None, ["out = a0.sum()"]), (0, ["out = a0.sum(0)"])])
def test_is_none_with_a_known_operand_is_decided(axis, lines_wanted):
    lines, out = inlined(Ops().sums, np.array([1.0, 2.0]), axis=axis)
    assert lines == lines_wanted and out == 3.0


def test_is_between_other_constants_is_left_to_run():
    # whether two equal floats are one object is not for the inliner to say
    lines, _ = inlined(Ops().identical, np.array([1.0]), a=1.5, b=1.5)
    assert lines == ["out = a0 if 1.5 is 1.5 else -a0"]


@pytest.mark.parametrize("method", ["returns_in_a_loop", "takes_keywords"])
def test_a_method_that_is_not_plain_is_not_inlined(method):
    assert inlined(getattr(Ops(), method), np.array([1.0])) == (None, None)


def test_a_closure_is_not_inlined():
    factor = 2.0

    class Closure:
        def forward(self, x):
            return x * factor

    assert inlined(Closure().forward, np.array([1.0])) == (None, None)


@pytest.mark.parametrize("edit", [("x * 3.0", "x * 4.0"), ("x + 0.0", "x + -0.0"), ("x * 2", "x * 2.0")])
def test_a_file_edited_since_its_import_is_not_inlined(tmp_path, monkeypatch, edit):
    # inspect reads the file as it is now; a replay must run the code eager runs, and
    # -0.0 == 0.0, 2 == 2.0: constants are compared with their type and sign
    before, after = edit
    module = tmp_path / "edited_op.py"
    module.write_text(f"class Op:\n    def forward(self, x):\n        return {before}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    edited_op = importlib.import_module("edited_op")
    try:
        assert inlined(edited_op.Op().forward, np.array([1.0]))[0] == [f"out = {before.replace('x', 'a0')}"]
        inlining._sources.clear()
        module.write_text(module.read_text().replace(before, after))
        assert inlined(edited_op.Op().forward, np.array([1.0])) == (None, None)
    finally:
        sys.modules.pop("edited_op", None)
        inlining._sources.clear()


class Mutable:
    """Methods whose attributes or names must not be taken for constants."""

    def backward(self, g):
        self.k = self.k + 1.0  # sets what its forward set: read here as it is now
        return g * self.k

    def caught(self, x):
        err = None
        try:
            y = x.reshape(-1, 4)
        except ValueError as err:  # noqa: F841 (assigns err)
            y = x * len(str(err))
        return y.reshape(x.shape)

    def imports(self, x):
        import math
        return x * math.pi

    def scope(self, x):
        return x * globals()["c0"]

    def side_effect(self, x):
        return (x * 2.0, self.log.append(1))[0]


def test_an_attribute_the_method_sets_is_read_not_put_in():
    node = Mutable()
    node.k = 2.0
    lines = inlining.inline(node.backward, ["g0"], {}, "out", "t9_", "N9", {"N9": node}, {"k": 2.0})
    assert lines == ["N9.k = N9.k + 1.0", "out = g0 * N9.k"]


def test_a_name_bound_by_except_as_is_not_a_constant():
    lines, out = inlined(Mutable().caught, np.arange(3.0))
    assert "t9_err" in "\n".join(lines) and "str(None)" not in "\n".join(lines)
    assert out.tobytes() == Mutable().caught(np.arange(3.0)).tobytes()


@pytest.mark.parametrize("method", ["imports", "scope"])
def test_imports_and_scope_functions_are_not_inlined(method):
    assert inlined(getattr(Mutable(), method), np.array([1.0])) == (None, None)


def test_an_item_of_a_tuple_with_a_call_in_it_is_not_picked_out():
    node = Mutable()
    node.log = []
    lines, out = inlined(node.side_effect, np.array([1.0]))
    assert "append" in lines[0] and node.log == [1] and out.tolist() == [2.0]


def test_a_global_named_like_a_builtin_never_takes_the_builtins_place(tmp_path, monkeypatch):
    # numpy's max, imported as `max`, in one op; the builtin max in the next
    (tmp_path / "shadowing_op.py").write_text(
        "import numpy as np\nfrom numpy import max\n\n"
        "class Op:\n    def forward(self, x):\n        return x / max(np.abs(x))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    shadowing_op = importlib.import_module("shadowing_op")
    try:
        namespace = {"N9": None}
        first = inlining.inline(shadowing_op.Op().forward, ["a0"], {}, "v1", "t9_", "N9", namespace)
        assert first == ["v1 = a0 / t9_max(np.abs(a0))"] and "max" not in namespace
    finally:
        sys.modules.pop("shadowing_op", None)
