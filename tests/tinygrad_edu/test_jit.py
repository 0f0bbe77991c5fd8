"""tg.jit: a traced training step replays bitwise like eager execution, re-traces when
its guards change, refuses what it cannot replay, and does not grow memory."""
from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import nn
import tinygrad_edu as tg

from op_catalogue import CASES, make_inputs
from test_memory import BYTES_PER_STEP, heap_growth_per_step

XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)  # bias column last
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def xor_setup(make_optimizer):
    """Article 000's 2-2-1 bias-trick network, per-sample: a fresh copy each call."""
    rng = np.random.default_rng(0)
    weights = [nn.Parameter(tg.tensor(rng.uniform(-1, 1, size=shape))) for shape in ((3, 3), (3, 1))]
    optimizer = make_optimizer(weights)
    samples = [(tg.tensor(XOR_X[i:i + 1]), tg.tensor(XOR_Y[i:i + 1])) for i in range(4)]

    def step(x, y):
        optimizer.zero_grad()
        a = x
        for w in weights:
            a = (a @ w).sigmoid()
        loss = 0.5 * ((a - y) ** 2).sum()
        loss.backward()
        optimizer.step()
        return loss

    return step, weights, samples


def bits(tensors):
    return [t.detach().numpy().tobytes() for t in tensors]


OPTIMIZERS = {
    "sgd": lambda p: nn.SGD(p, lr=0.5),
    "momentum": lambda p: nn.SGD(p, lr=0.5, momentum=0.9),
    "nesterov": lambda p: nn.SGD(p, lr=0.5, momentum=0.9, nesterov=True),
    "weight_decay": lambda p: nn.SGD(p, lr=0.5, momentum=0.5, weight_decay=0.01),
    "adam": lambda p: nn.Adam(p, lr=0.01),
    "adamw": lambda p: nn.AdamW(p, lr=0.01),
    "rmsprop": lambda p: nn.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: nn.Adagrad(p, lr=0.1, lr_decay=0.01),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_1000_replayed_steps_equal_eager_bitwise(name):
    eager, eager_weights, samples = xor_setup(OPTIMIZERS[name])
    traced, traced_weights, _ = xor_setup(OPTIMIZERS[name])
    traced = tg.jit(traced)
    for i in range(1000):
        expected = eager(*samples[i % 4])
        got = traced(*samples[i % 4])
        assert got.numpy(force=True).tobytes() == expected.numpy(force=True).tobytes(), i
    assert bits(traced_weights) == bits(eager_weights)
    assert traced.trace_count == 1  # one shape of sample: traced once, replayed 999 times


def test_a_scheduler_changing_the_learning_rate_is_read_at_every_replay():
    def make(weights):
        optimizer = nn.SGD(weights, lr=0.5)
        make.scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
        return optimizer

    eager, eager_weights, samples = xor_setup(make)
    eager_scheduler = make.scheduler
    traced, traced_weights, _ = xor_setup(make)
    traced, traced_scheduler = tg.jit(traced), make.scheduler
    for i in range(60):
        eager(*samples[i % 4])
        traced(*samples[i % 4])
        eager_scheduler.step()
        traced_scheduler.step()
    assert bits(traced_weights) == bits(eager_weights)
    assert traced_scheduler.get_last_lr() == [0.5 * 0.5 ** 6]


def test_bce_on_linear_layers_full_batch_float32():
    # article 002's shape of step: nn.Linear + sigmoid + BCELoss on a whole batch
    def make():
        tg.manual_seed(3)
        model = nn.Sequential(nn.Linear(6, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        loss_fn = nn.BCELoss()

        def step(x, y):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        return step, list(model.parameters())

    rng = np.random.default_rng(1)
    x = tg.tensor(rng.standard_normal((32, 6)).astype(np.float32))
    y = tg.tensor((rng.random((32, 1)) > 0.5).astype(np.float32))
    (eager, eager_params), (traced, traced_params) = make(), make()
    traced = tg.jit(traced)
    for _ in range(200):
        assert traced(x, y).numpy(force=True).tobytes() == eager(x, y).numpy(force=True).tobytes()
    assert bits(traced_params) == bits(eager_params)


def test_leaky_relu_column_vectors_with_mse():
    # article 001's shape of step: W @ x + b on column vectors, LeakyReLU, MSE
    def make():
        rng = np.random.default_rng(2)
        W1, b1 = nn.Parameter(tg.tensor(rng.standard_normal((3, 2)))), nn.Parameter(tg.zeros(3, 1, dtype=tg.float64))
        W2, b2 = nn.Parameter(tg.tensor(rng.standard_normal((2, 3)))), nn.Parameter(tg.zeros(2, 1, dtype=tg.float64))
        params = [W1, b1, W2, b2]
        optimizer = nn.SGD(params, lr=0.05)
        loss_fn = nn.MSELoss()

        def step(x, y):
            h = (W1 @ x + b1).leaky_relu()
            loss = loss_fn((W2 @ h + b2).leaky_relu(), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        return step, params

    rng = np.random.default_rng(4)
    points = [(tg.tensor(p.reshape(2, 1)), tg.tensor(np.eye(2)[[int(p[0] > 0)]].T))
              for p in rng.uniform(-2, 2, size=(50, 2))]
    (eager, eager_params), (traced, traced_params) = make(), make()
    traced = tg.jit(traced)
    for i in range(1000):
        traced(*points[i % 50])
        eager(*points[i % 50])
    assert bits(traced_params) == bits(eager_params)


def test_a_new_batch_size_traces_again_and_both_traces_replay():
    tg.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = nn.SGD(model.parameters(), lr=0.1)

    @tg.jit
    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    small, big = tg.ones(2, 3), tg.ones(5, 3)
    step(small, tg.zeros(2, 1))
    step(small, tg.zeros(2, 1))
    assert step.trace_count == 1
    step(big, tg.zeros(5, 1))
    assert step.trace_count == 2
    step(small, tg.zeros(2, 1))  # the first trace replays again
    assert step.trace_count == 2
    assert step.kernels().count("def replay") == 2


def test_guards_grad_mode_parameters_replaced_and_requires_grad():
    w = tg.tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    calls = []

    @tg.jit
    def forward(x):
        calls.append(1)  # runs only while tracing
        return (x @ w).sigmoid()

    x = tg.ones(1, 2, dtype=tg.float64)
    forward(x)
    forward(x)
    assert len(calls) == 1
    with tg.no_grad():
        forward(x)  # another grad mode: traced again
    assert len(calls) == 2
    w.data = np.array([[3.0], [4.0]])  # the parameter's array replaced: traced again
    out = forward(x)
    assert len(calls) == 3 and out.tolist()[0][0] == pytest.approx(1 / (1 + np.exp(-7.0)))
    w.requires_grad_(False)
    forward(x)
    assert len(calls) == 4


def test_the_returned_loss_is_overwritten_by_the_next_call():
    step, _, samples = xor_setup(OPTIMIZERS["sgd"])
    step = tg.jit(step)
    step(*samples[0])
    first = step(*samples[1])
    value = first.item()
    second = step(*samples[2])
    assert second is first and second.item() != value  # the same Tensor, new values


def test_integer_conversions_are_ops_that_replay():
    # x.to(int64), and bool ** 2 (counted in int64), used to make their tensors outside
    # any op: the replay kept the traced values
    as_int = tg.jit(lambda x: x.to(tg.int64) * 2)
    as_int(tg.tensor([1.0, 2.0]))
    assert as_int(tg.tensor([5.0, 7.0])).tolist() == [10, 14]
    squared = tg.jit(lambda b: b ** 2)
    squared(tg.tensor([True, False]))
    assert squared(tg.tensor([False, True])).tolist() == [0, 1]


def test_numbers_of_other_types_are_other_arguments():
    # 1, 1.0 and True are equal as keys, but give other dtypes: each traces its own
    body = lambda x, s: (x * s).sum()
    step, x = tg.jit(body), tg.tensor([1, 2])
    for s in (1, 1.0, True):
        got, want = step(x, s), body(x, s)
        assert got.dtype == want.dtype and got.tolist() == want.tolist()
    assert step.trace_count == 3
    keyed = tg.jit(lambda x, pair: x * pair[1])
    keyed(x, (1, 2))
    assert keyed(x, (1, 2.0)).dtype == tg.float32 and keyed.trace_count == 2


@pytest.mark.parametrize("result", [lambda x: np.ma.masked_greater(x, 10.0), lambda x: x.tolist()])
def test_what_a_custom_forward_returns_is_made_an_array_as_eager_makes_it(result):
    class Op(tg.Function):
        def forward(self, x):
            return result(x)

        def backward(self, g):
            return g

    body = lambda x: Op.apply(x).sum()
    step = tg.jit(body)
    step(tg.tensor([1.0, 2.0], dtype=tg.float64))
    x = tg.tensor([1.0, 20.0], dtype=tg.float64)
    assert step(x).tolist() == body(x).tolist() == 21.0


def test_a_parameter_first_converted_to_int_is_still_guarded():
    # w.to(int64) reads w's array through w.detach(): w itself must still be guarded
    w = tg.tensor([1.5, 2.5], requires_grad=True)

    def body(x):
        w.grad = None
        k = w.to(tg.int64)
        (w * x * k).sum().backward()
        return k * 1

    step, x = tg.jit(body), tg.tensor([1.0, 2.0])
    step(x)
    w.data = tg.tensor([7.5, 9.5])
    assert step(x).tolist() == [7, 9]  # traced again: eager gives [7, 9] too


def test_min_of_integers_replays():
    step = tg.jit(lambda x: x.min() * 1 + tg.minimum(x, x * 0))  # -2 + [0, 0, -2]
    step(tg.tensor([1, 2, 3]))
    assert step(tg.tensor([0, 5, -2])).tolist() == [-2, -2, -4]


class Halving(tg.Function):
    """A custom op whose backward gives float32 for a gradient above 1, else float64."""

    def forward(self, x):
        return x * 0.5

    def backward(self, g):
        return (g * 0.5).astype(np.float32) if g.max() > 1 else g * 0.5


def test_a_replay_stops_where_a_custom_backward_gives_another_dtype():
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    def body(seed):
        w.grad = None
        Halving.apply(w).backward(seed)

    step = tg.jit(body)
    step(tg.tensor([1.0, 1.0], dtype=tg.float64))
    step(tg.tensor([0.5, 1.0], dtype=tg.float64))
    assert w.grad.tolist() == [0.25, 0.5]
    with pytest.raises(tg.TracingError, match=r"Halving.backward gave float32 \(2,\) for input 0 here "
                                              r"and float64 \(2,\) when"):
        step(tg.tensor([4.0, 1.0], dtype=tg.float64))


class Moody(tg.Function):
    """A custom op whose backward gives None, or a gradient of another shape, on demand."""

    gives = "g"

    def forward(self, x):
        return x * 2.0

    def backward(self, g):
        return {"g": g * 2.0, "none": None, "one": (g * 2.0)[:1]}[Moody.gives]


@pytest.mark.parametrize("traced, replayed, message", [
    ("none", "g", "gave float64 (2,) for input 0 here and None when"),
    ("g", "none", "gave None for input 0 here and float64 (2,) when"),
    ("g", "one", "gave float64 (1,) for input 0 here and float64 (2,) when")])
def test_a_replay_stops_where_a_custom_backward_gives_none_or_another_shape(traced, replayed, message):
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    def body(x):
        w.grad = None
        (Moody.apply(w) * x).sum().backward()

    step = tg.jit(body)
    Moody.gives = traced
    try:
        step(tg.tensor([1.0, 1.0], dtype=tg.float64))
        Moody.gives = replayed
        with pytest.raises(tg.TracingError, match=re.escape(message)):
            step(tg.tensor([3.0, 3.0], dtype=tg.float64))
    finally:
        Moody.gives = "g"


def test_the_guard_tells_apart_numbers_that_compare_equal():
    # -0.0 == 0.0, nan != nan, and a tuple class's own items are other arguments too
    scaled = tg.jit(lambda x, s: x * s)
    x = tg.tensor([1.0, -1.0])
    scaled(x, 0.0)
    assert scaled(x, -0.0).numpy().tobytes() == (x * -0.0).numpy().tobytes()
    for _ in range(3):
        scaled(x, float("nan"))
    assert scaled.trace_count == 3

    class Hundreds(tuple):
        def __getitem__(self, i):
            return 100

    first = tg.jit(lambda x, t: x * t[0])
    first(x, (2, 3))
    assert first(x, Hundreds((2, 3))).tolist() == [100.0, -100.0]
    summed = tg.jit(lambda x, s: x * sum(s))
    summed(tg.tensor([1, 2]), frozenset({1}))
    assert summed(tg.tensor([1, 2]), frozenset({1.0})).dtype == tg.float32


def test_a_gradient_never_shares_memory_with_a_seed_given_in_another_layout():
    # traced with a strided seed (reshape copies it), replayed with a contiguous one
    # (reshape would give a view of it): another layout is another guard key
    w = tg.tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    step = tg.jit(lambda seed: w.reshape(3, 2).backward(seed))
    step(tg.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))[:, :2])
    w.grad = None
    seed = tg.tensor(np.ones((3, 2), np.float32))
    step(seed)
    step(seed)
    assert seed.tolist() == [[1.0, 1.0]] * 3 and w.grad.tolist() == [[2.0] * 3] * 2
    assert step.trace_count == 2


def test_tensors_read_outside_ops_are_guarded_like_parameters():
    # the gradient given to backward and a where condition: replaced by .data =, read anew
    w, seed = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([1.0, 1.0])
    condition = tg.tensor([True, False])

    def body(x):
        w.grad = None
        (w * x).backward(seed)
        return tg.where(condition, x, x * 0)

    step, x = tg.jit(body), tg.tensor([1.0, 2.0])
    step(x)
    seed.data, condition.data = tg.tensor([5.0, 7.0]), tg.tensor([False, True])
    assert step(x).tolist() == [0.0, 2.0] and w.grad.tolist() == [5.0, 14.0]
    # an index and a mask likewise
    index, mask = tg.tensor([0, 1]), tg.tensor([True, False])
    picked = tg.jit(lambda x: x[index] + x.masked_fill(mask, 0.0))
    picked(x)
    index.data, mask.data = tg.tensor([1, 0]), tg.tensor([False, True])
    assert picked(x).tolist() == [3.0, 1.0]


def test_tensors_library_code_reads_as_options_are_guarded_or_replayed():
    # an embedding's indices, a gather index, index_select's (found in the step), class
    # weights cast by cross_entropy, and a tensor read only through detach() (argmax)
    rows, positions = tg.tensor([0, 2]), tg.tensor([[1], [0]])
    weights = tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64)
    table, w = tg.tensor([[1.0], [2.0], [3.0]], requires_grad=True), tg.tensor([1.0, 5.0, 2.0])
    order = tg.tensor([[1.0], [10.0]])  # weighs the two rows apart: a sum would hide a swap

    def body(x):
        logits = x.sum() * tg.tensor([[1.0, 2.0, 3.0]])
        return ((nn.functional.embedding(rows, table) * order).sum(),
                (x.reshape(2, 1).gather(0, positions) * order).sum(),
                (x.index_select(0, x.argsort()) * order.reshape(2)).sum(),
                nn.functional.cross_entropy(logits, tg.tensor([[0.2, 0.3, 0.5]]), weight=weights),
                x[0] * w.argmax())

    step = tg.jit(body)
    step(tg.tensor([3.0, 1.0]))
    rows.data, positions.data = tg.tensor([1, 0]), tg.tensor([[0], [0]])
    weights.numpy()[...] = [4.0, 1.0, 1.0]  # in place: a cast copy made at trace time would miss it
    w.data = tg.tensor([9.0, 5.0, 2.0])
    for x in (tg.tensor([3.0, 1.0]), tg.tensor([1.0, 3.0])):
        for got, want in zip(step(x), body(x)):
            assert got.detach().numpy().tobytes() == want.detach().numpy().tobytes()


def test_what_a_replay_could_not_follow_is_refused_while_tracing():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 100)
    with pytest.raises(tg.TracingError, match="tensor passed to a traced step has hooks"):
        tg.jit(lambda x: (x * 2).sum().backward())(x)
    with pytest.raises(tg.TracingError, match="a hook registered inside a traced step cannot be replayed"):
        tg.jit(lambda x: x.register_hook(lambda g: g * 2))(tg.tensor([1.0], requires_grad=True))
    table = tg.tensor([[3.0, 4.0], [0.1, 0.1]], requires_grad=True)
    with pytest.raises(tg.TracingError, match="embedding with max_norm inside a traced step"):
        tg.jit(lambda i: nn.functional.embedding(i, table, max_norm=1.0))(tg.tensor([0, 1]))
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(tg.TracingError, match="backward\\(gradient\\) given a NumPy array"):
        tg.jit(lambda x: (w * x).backward(np.ones(2, np.float32)))(tg.tensor([1.0, 2.0]))
    kept = []

    def body(x):
        tg.jit.call(lambda: kept.append(x.argsort()))  # positions found in a call
        return x[kept[-1]]

    with pytest.raises(tg.TracingError, match="a traced step reads a value that tg.jit.call or tg.jit.once"):
        tg.jit(body)(tg.tensor([2.0, 1.0]))


def test_arguments_that_stay_the_same_objects_replay_and_ever_new_ones_stop_tracing(monkeypatch):
    # a tuple of the same parameters, an optimizer whose lr a scheduler changes (its repr
    # with it): one trace each; new tensors inside arguments at every call: after
    # MAX_TRACES traces, a warning, and eager calls (no trace kept beyond)
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    optimizer = nn.SGD([w], lr=0.125)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

    def body(x, params, opt):
        opt.zero_grad()
        (params[0] * x).sum().backward()
        opt.step()

    step, x = tg.jit(body), tg.tensor([1.0, 1.0], dtype=tg.float64)
    for _ in range(3):
        step(x, (w,), optimizer)
        scheduler.step()
    assert step.trace_count == 1 and w.tolist() == [1.0 - 0.21875, 2.0 - 0.21875]  # 1/8 + 1/16 + 1/32
    monkeypatch.setattr(sys.modules["tinygrad_edu.jit"], "MAX_TRACES", 2)
    scaled, x = tg.jit(lambda x, pair: x * pair[0]), tg.tensor([1.0, 1.0])
    with pytest.warns(RuntimeWarning, match="traced 2 times"):
        results = [scaled(x, (tg.tensor([float(i)]),)).tolist() for i in range(4)]
    assert results == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]] and scaled.trace_count == 2


def test_outside_tensors_read_through_data_or_made_with_a_graph_are_guarded():
    w, h = tg.tensor([1.0, 2.0]), tg.tensor([1.0, 1.0], requires_grad=True) * 3  # h: a non-leaf
    step, x = tg.jit(lambda x: x * w.data + x * h), tg.tensor([1.0, 1.0])
    step(x)
    w.data, h.data = tg.tensor([5.0, 7.0]), tg.tensor([0.0, 1.0])
    assert step(x).tolist() == [5.0, 8.0]


def test_a_call_reads_tensors_anew_so_nothing_it_detaches_is_guarded():
    # an average of the weights kept in a call: tensors it replaces are not the step's guards
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    average = [tg.tensor([0.0, 0.0])]

    def body(x):
        w.grad = None
        (w * x).sum().backward()
        tg.jit.call(lambda: average.__setitem__(0, 0.5 * average[0].detach() + 0.5 * w.detach()))

    step, x = tg.jit(body), tg.tensor([1.0, 1.0])
    for _ in range(3):
        step(x)
    assert step.trace_count == 1 and average[0].tolist() == [0.875, 1.75]


def test_arguments_of_your_own_classes_are_keyed_by_repr_too():
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class Scale:
        factor: float

    body = lambda x, scale: x * scale.factor  # noqa: E731
    step, x = tg.jit(body), tg.tensor([1, 2])
    step(x, Scale(2))
    assert step(x, Scale(2.0)).dtype == tg.float32 and step.trace_count == 2


def test_limit_a_step_traced_in_eval_mode_replays_eval_mode():
    # documented: train()/eval() is Python state read while tracing, not part of the guard
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.eval()
    step = tg.jit(lambda x: model(x))
    x = tg.tensor([[1.0, 2.0]])
    evaluated = step(x).detach().numpy().copy()
    model.train()
    assert step(x).detach().numpy().tobytes() == evaluated.tobytes()  # no dropout
    with pytest.raises(tg.TracingError, match="random numbers"):
        tg.jit(lambda x: model(x))(x)  # a step traced in train mode: refused


def test_limit_an_objects_attribute_changed_in_place_is_not_seen():
    # documented: an object argument is keyed by itself; what the step reads of it in
    # Python (a slope) is the traced value. A new object traces again.
    step, x = tg.jit(lambda x, act: act(x)), tg.tensor([-1.0, 2.0])
    act = nn.LeakyReLU(0.01)
    step(x, act)
    act.negative_slope = 0.5
    assert step(x, act).tolist() == [-0.009999999776482582, 2.0]
    assert step(x, nn.LeakyReLU(0.5)).tolist() == [-0.5, 2.0]


def test_a_forward_only_step_may_have_a_modules_backward_hook():
    # the hook goes on the output (not a leaf): refused only if backward reaches it
    model = nn.Linear(3, 1)
    model.register_full_backward_hook(lambda *a: None)
    step = tg.jit(lambda x: model(x))
    step(tg.ones(2, 3))
    assert step(tg.full((2, 3), 2.0)).tolist() == model(tg.full((2, 3), 2.0)).tolist()


def test_a_method_can_be_traced_and_arguments_go_by_position():
    class Model:
        def __init__(self, scale):
            self.w = tg.tensor([scale, scale], requires_grad=True)

        @tg.jit
        def step(self, x):
            self.w.grad = None
            (self.w * x).sum().backward()
            return self.w * x

    first, second, x = Model(1.0), Model(2.0), tg.tensor([1.0, 3.0])
    assert first.step(x).tolist() == [1.0, 3.0] and second.step(x).tolist() == [2.0, 6.0]
    assert first.step(x).tolist() == [1.0, 3.0] and Model.step.trace_count == 2
    with pytest.raises(TypeError, match="pass step's arguments by position"):
        first.step(x=x)


def test_the_class_index_refusal_says_what_replays_instead():
    logits = tg.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
    with pytest.raises(tg.TracingError, match=re.escape("-logits.log_softmax(1).gather(1, target.unsqueeze(1))")):
        tg.jit(lambda y: nn.functional.cross_entropy(logits, y).backward())(tg.tensor([1]))

    def picked(y):
        logits.grad = None
        loss = -logits.log_softmax(1).gather(1, y.unsqueeze(1)).mean()
        loss.backward()
        return loss

    step = tg.jit(picked)
    for y in ([1], [2], [0]):
        replayed, grad = step(tg.tensor(y)).item(), logits.grad.numpy().copy()
        assert replayed == nn.functional.cross_entropy(logits, tg.tensor(y)).item()
        assert grad.tobytes() == (picked(tg.tensor(y)), logits.grad.numpy())[1].tobytes()


def test_hooks_and_anomaly_mode_turned_on_after_tracing_are_not_skipped():
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    def body(x):
        w.grad = None
        (w * x).sum().backward()

    step, x = tg.jit(body), tg.tensor([3.0, 4.0])
    step(x)
    with tg.detect_anomaly(), pytest.raises(tg.TracingError, match="anomaly mode is on"):
        step(x)
    w.register_hook(lambda g: g * 2)
    with pytest.raises(tg.TracingError, match="a leaf with hooks"):
        step(x)


def test_once_and_values_computed_in_calls_are_refused_where_a_replay_would_skip_them():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(tg.TracingError, match="once inside a traced step is given a tensor of the step"):
        tg.jit(lambda x: tg.jit.once(lambda t: t * 2, x) + 1)(tg.tensor([1.0]))
    with pytest.raises(tg.TracingError, match="once inside a traced step returned a tensor"):
        tg.jit(lambda x: x * tg.jit.once(lambda: w * 2))(tg.tensor([1.0, 1.0]))
    kept = []

    def body(x):
        tg.jit.call(lambda: kept.append(x * 2))  # a value of the step, made in a call
        return kept[-1] + 1

    with pytest.raises(tg.TracingError, match="reads a value that tg.jit.call or tg.jit.once computed"):
        tg.jit(body)(tg.tensor([1.0]))


def test_kernels_lists_the_replay_function():
    step, _, samples = xor_setup(OPTIMIZERS["sgd"])
    step = tg.jit(step)
    step(*samples[0])
    listing = step.kernels()
    assert listing.startswith("def replay(a0, a1):")
    for expected in ("# MatMul", "# Sigmoid", "# SigmoidBackward", "# MatMulBackward", "adopt(",
                     "# SGD.step", "# SGD.zero_grad"):
        assert expected in listing


def test_attributes_a_forward_stores_for_its_backward_go_when_nothing_reads_them():
    # PowScalar stores its exponent for its backward, which reads it as the constant 2;
    # Sum stores shapes for its backward, which is folded (it reads only the seed)
    step = tg.jit(lambda x: (x ** 2).sum().backward())
    x = tg.tensor([1.5, -2.0], requires_grad=True)
    step(x)
    listing = step.kernels()
    assert "v0 = a0 ** 2  # PowScalar" in listing and "# Sum" in listing
    assert ".exponent =" not in listing and ".in_shape =" not in listing
    x.grad = None
    step(x)
    assert x.grad.tolist() == [3.0, -4.0]


def test_a_store_stays_while_the_replay_reads_its_node():
    # float64 Mean divides by the count it stores; a node whose backward is called keeps all
    from tinygrad_edu.jit import _without_dead_stores
    step = tg.jit(lambda x: x.mean().backward())
    step(tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True))
    assert ".count = " in step.kernels() and "/ N0.count" in step.kernels()

    node = tg.ops.Exp()
    lines = ["def replay(a0):", "    N1.k = 2  # Exp", "    N1.s = a0.shape", "    v1 = a0 * 2.0", "    return v1"]
    assert _without_dead_stores(lines, {"N1": node}) == (
        ["def replay(a0):", "    v1 = a0 * 2.0  # Exp", "    return v1"], [0, 3, 4])
    kept, _ = _without_dead_stores(lines[:4] + ["    g2 = B2(v1)"] + lines[4:], {"N1": node, "B2": node.backward})
    assert kept[1:3] == ["    N1.k = 2  # Exp", "    N1.s = a0.shape"]
    called, _ = _without_dead_stores(["def replay(a0):", "    N1.k = f(a0)", "    return a0"],
                                     {"N1": node, "f": abs})
    assert called[1] == "    N1.k = f(a0)"  # a store that calls something stays


@pytest.mark.parametrize("body, what", [
    (lambda x: float(x.sum()), "float()"),
    (lambda x: x.sum().item(), ".item()"),
    (lambda x: x if (x.sum() > 0) else x, "the comparison >"),
    (lambda x: print(x), "printing a tensor"),
    (lambda x: x.tolist(), ".tolist()"),
    (lambda x: x.detach().numpy(), ".numpy()"),
])
def test_reading_values_in_python_is_refused_while_tracing(body, what):
    step = tg.jit(body)
    with pytest.raises(tg.TracingError, match=f"tg.jit: {what}"):
        step(tg.ones(2))
    assert tg.ones(2).sum().item() == 2.0  # and refused only while tracing


def test_in_place_updates_by_hand_are_refused_while_tracing():
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    @tg.jit
    def manual_update(x):
        loss = (w * x).sum()
        loss.backward()
        w.data -= 0.1 * x  # by hand: refused (an nn optimizer's step replays)
        return loss

    with pytest.raises(tg.TracingError, match="in-place update -="):
        manual_update(tg.ones(2))

    @tg.jit
    def manual_sgd(x):
        loss = (w * x).sum()
        loss.backward()
        w.data -= 0.1 * w.grad  # reading .grad is refused first
        return loss

    with pytest.raises(tg.TracingError, match=r"reading \.grad inside a traced step"):
        manual_sgd(tg.ones(2))


def test_hooks_anomaly_mode_and_create_graph_are_refused():
    def hooked(t):
        y = t * 2
        y.register_hook(lambda g: g * 3)
        y.sum().backward()

    with pytest.raises(tg.TracingError, match="a hook .* cannot be replayed"):
        tg.jit(hooked)(tg.tensor([1.0, 2.0], requires_grad=True))
    with pytest.warns(UserWarning, match="Anomaly"), tg.detect_anomaly():
        with pytest.raises(tg.TracingError, match="anomaly mode"):
            tg.jit(lambda t: (t * 2).sum())(tg.tensor([1.0], requires_grad=True))

    @tg.jit
    def second_order(t):
        (t * t).sum().backward(create_graph=True)
        return t * 1.0

    with pytest.raises(tg.TracingError, match="create_graph"):
        second_order(tg.tensor([1.0], requires_grad=True))

    @tg.jit
    def gradients_as_values(t):
        (g,) = tg.grad((t * t).sum(), t)
        return g * 1.0  # the replay would keep the traced g

    with pytest.raises(tg.TracingError, match="tg.grad inside a traced step"):
        gradients_as_values(tg.tensor([1.0], requires_grad=True))


def test_what_a_step_may_return():
    with pytest.raises(tg.TracingError, match="must return None, a Tensor made in the step"):
        tg.jit(lambda x: 3.0)(tg.ones(1))
    pair = tg.jit(lambda x: (x * 2, x + 1))
    pair(tg.ones(2))
    a, b = pair(tg.full((2,), 3.0))
    assert a.tolist() == [6.0, 6.0] and b.tolist() == [4.0, 4.0]


def test_100000_replayed_steps_keep_memory_flat():
    step, _, samples = xor_setup(OPTIMIZERS["adam"])
    step = tg.jit(step)
    assert heap_growth_per_step(lambda i: step(*samples[i % 4])) < BYTES_PER_STEP


def test_the_listing_in_docs_jit_is_what_kernels_prints():
    from pathlib import Path
    page = (Path(__file__).resolve().parents[2] / "docs" / "jit.md").read_text(encoding="utf-8")
    example = page.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(example, namespace)
    listing = page.split("```\ndef replay", 1)[1].split("```", 1)[0]
    assert namespace["step"].kernels() == "def replay" + listing.rstrip("\n")


def test_a_gradient_shared_by_two_leaves_is_copied_not_adopted():
    # AddBackward hands the same array to both inputs: eager copies it into each .grad
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    w = tg.tensor([5.0, 6.0], requires_grad=True)

    @tg.jit
    def step(x):
        loss = ((a + b) * x).sum() + (w * x).sum()
        loss.backward()
        return loss

    for value in (1.0, 2.0, 3.0):  # a trace, then replays
        a.grad = b.grad = w.grad = None
        step(tg.full((2,), value))
        assert a.grad.tolist() == b.grad.tolist() == w.grad.tolist() == [value, value]
    assert "accumulate(" in step.kernels() and "adopt(" in step.kernels()
    a.grad.numpy()[0] = 100.0  # each .grad is its own memory
    assert b.grad.tolist() == [3.0, 3.0]


def test_an_adopted_gradient_adds_up_without_zero_grad():
    w = tg.tensor([1.0, -2.0], requires_grad=True)

    @tg.jit
    def step(x):
        loss = (w * w * x).sum()
        loss.backward()
        return loss

    step(tg.ones(2))  # traced with .grad None: the gradient is adopted
    assert "adopt(" in step.kernels()
    first = w.grad.numpy().copy()
    step(tg.ones(2))  # replayed with .grad set: added into it, as eager does
    np.testing.assert_array_equal(w.grad.numpy(), first + first)
    w.grad = None
    step(tg.full((2,), 3.0))
    np.testing.assert_array_equal(w.grad.numpy(), 3 * first)


def test_what_only_constants_feed_is_folded_when_traced():
    # ½Σ(...)²: backward starts with MulBackward(seed, 0.5) and SumBackward of that,
    # both made of constants alone; they are computed once, while tracing
    w = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)

    @tg.jit
    def step(x):
        w.grad = None
        loss = 0.5 * ((w * x) ** 2).sum()
        loss.backward()
        return loss

    for value in (1.0, 2.0, 3.0):
        loss = step(tg.full((2,), value, dtype=tg.float64))
        # d/dw ½Σ(w·x)² = w·x², computed by hand
        assert w.grad.tolist() == [1.0 * value ** 2, -2.0 * value ** 2]
        assert loss.item() == 0.5 * (value ** 2 + 4 * value ** 2)
    listing = step.kernels()
    assert "# folded: _, c" in listing and "# MulBackward" in listing
    assert "# folded: c" in listing and "# SumBackward" in listing
    assert step.traces[next(iter(step.traces))].folded == 2


def test_a_constant_the_caller_holds_is_read_at_every_replay():
    w = tg.tensor([1.0, -2.0], dtype=tg.float64, requires_grad=True)
    scale = tg.tensor(0.5, dtype=tg.float64)  # held here: it may change between calls

    @tg.jit
    def step(x):
        w.grad = None
        (scale * (w * x).sum()).backward()

    step(tg.ones(2, dtype=tg.float64))
    assert "folded" not in step.kernels()
    with tg.no_grad():
        scale.mul_(4.0)  # now 2.0
    w.grad = None
    step(tg.ones(2, dtype=tg.float64))
    assert w.grad.tolist() == [2.0, 2.0]


def test_a_custom_op_is_replayed_not_folded():
    class Noisy(tg.Function):  # forward draws a new number at every call
        def forward(self, x):
            return x + np.random.default_rng().uniform()

        def backward(self, g):
            return g

    @tg.jit
    def step(x):
        return Noisy.apply(tg.tensor(1.0, dtype=tg.float64)) * x

    first = step(tg.ones(1, dtype=tg.float64)).item()
    assert "folded" not in step.kernels()
    assert step(tg.ones(1, dtype=tg.float64)).item() != first


def test_grad_set_to_none_in_the_step_is_replayed_and_a_tensor_refused():
    w = tg.tensor([3.0], dtype=tg.float64, requires_grad=True)

    @tg.jit
    def step(x):
        w.grad = None  # zeroing by hand, the PyTorch idiom: a kernel of the replay
        (w * x).sum().backward()

    for value in (1.0, 5.0, 7.0):
        step(tg.full((1,), value, dtype=tg.float64))
        assert w.grad.tolist() == [value]  # not 1 + 5 + 7: the zeroing was replayed
    assert "# .grad = None" in step.kernels()

    @tg.jit
    def assigns_a_tensor(x):
        w.grad = tg.zeros_like(w)
        (w * x).sum().backward()

    with pytest.raises(tg.TracingError, match="assigning a Tensor to .grad"):
        assigns_a_tensor(tg.ones(1, dtype=tg.float64))


def test_a_number_made_a_tensor_by_an_op_is_frozen_and_refuses_in_place_changes():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = 0.5 * x
    constant = y.grad_fn.parents[0]  # reachable only this way
    assert constant.item() == 0.5
    with pytest.raises(RuntimeError, match="a constant made from the number 0.5 by an op"):
        constant.add_(1.0)
    with tg.no_grad(), pytest.raises(RuntimeError, match="cannot be modified in place"):
        constant.mul_(2.0)
    with pytest.raises(RuntimeError, match="cannot be modified in place"):
        tg.autograd.graph.increment_version(constant)
    y.sum().backward()
    assert x.grad.tolist() == [0.5, 0.5]


def test_a_read_only_gradient_given_to_backward_is_not_folded():
    base = np.array(1.0)
    view = base.view()
    view.setflags(write=False)  # read-only, but its values follow `base`
    seed = tg.from_numpy(view)
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    @tg.jit
    def step(x):
        w.grad = None
        (w * x).sum().backward(seed)

    step(tg.ones(2, dtype=tg.float64))
    assert "folded" not in step.kernels()
    base[...] = 3.0
    step(tg.ones(2, dtype=tg.float64))
    assert w.grad.tolist() == [3.0, 3.0]


# std masks where var = 0 with a comparison, which tracing refuses (a clear error)
REFUSED_BY_TRACING = {"std_all", "std_dim_keepdim", "std_correction_zero"}


@pytest.mark.parametrize("op_case, needing", [(case, "all") for case in CASES] + [
    (case, "the last") for case in CASES if len(case.specs) > 1], ids=lambda v: str(v))
def test_every_op_of_the_catalogue_replays_bitwise(op_case, needing):
    # the op's inputs act as parameters: updated in place between steps, read anew;
    # the upstream gradient is the step's input, new at each call. With only the last
    # input needing a gradient, each backward is inlined with the others' dropped.
    rng = np.random.default_rng(0)
    leaves = make_inputs(rng, op_case.specs)
    if needing == "the last":
        for p in leaves[:-1]:
            p.requires_grad_(False)
    shape = op_case.fn(*leaves).shape

    def body(upstream):
        for p in leaves:
            p.grad = None
        loss = (op_case.fn(*leaves) * upstream).sum()
        loss.backward()
        return loss

    step = tg.jit(body)
    if op_case.name in REFUSED_BY_TRACING:
        with pytest.raises(tg.TracingError):
            step(tg.tensor(rng.standard_normal(shape)))
        return
    for _ in range(4):
        upstream = tg.tensor(rng.standard_normal(shape))
        replayed = step(upstream).detach().numpy().copy()
        replayed_grads = [None if p.grad is None else p.grad.numpy().copy() for p in leaves]
        assert body(upstream).detach().numpy().tobytes() == replayed.tobytes()
        for p, g in zip(leaves, replayed_grads):
            assert (p.grad is None and g is None) or p.grad.numpy().tobytes() == g.tobytes()
        with tg.no_grad():
            for p in leaves:
                p -= 0.001 * (p.grad if p.grad is not None else 1.0)
    assert step.trace_count == 1


def test_indices_found_in_the_step_or_given_to_it_are_replayed():
    # argmax, sort and topk find positions in the values (an op, more_ops.Indices), and an
    # index tensor may be the step's input (C[ix], makemore's lookup): each replay uses the
    # step's own; the backward of a constant seed through them is not folded either
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((4, 5)), requires_grad=True)

    def body(ix):
        x.grad = None
        top, _ = x.topk(2, dim=1)
        ordered, _ = x.sort(0, descending=True)
        loss = top.sum() + ordered[0].sum() + x.max(1).values.sum() + x[:, x.argmax(1)].sum()
        loss = loss + x[ix].sum()
        loss.backward()
        return loss

    step = tg.jit(body)
    for _ in range(5):
        ix = tg.tensor(rng.integers(0, 4, size=3))
        replayed, grad = step(ix).item(), x.grad.numpy().copy()
        assert body(ix).item() == replayed
        np.testing.assert_array_equal(x.grad.numpy(), grad)
        with tg.no_grad():
            x.copy_(tg.tensor(rng.standard_normal((4, 5))))  # new order, new maxima
    assert step.trace_count == 1


@pytest.mark.parametrize("body, what", [
    (lambda x: nn.functional.cross_entropy(x, tg.tensor([0, 2])), "cross_entropy with class-index"),
    (lambda x: nn.functional.nll_loss(x, tg.tensor([0, 2])), "nll_loss with class-index"),
    (lambda x: nn.functional.dropout(x, 0.5), "dropout's mask"),
    (lambda x: nn.functional.batch_norm(x, None, None, training=True), "batch_norm"),
    (lambda x: nn.functional.smooth_l1_loss(x, tg.zeros(2, 3)), "smooth_l1_loss"),
    (lambda x: nn.functional.huber_loss(x, tg.zeros(2, 3)), "huber_loss"),
    (lambda x: nn.functional.one_hot(tg.tensor([0, 1])) * x.sum(), "one_hot"),
    (lambda x: x + tg.randn(2, 3), "tg.randn"),
    (lambda x: x * x.isnan(), "isnan"),
    (lambda x: x * x.any(), "any"),
    (lambda x: tg.tensor(x) * 2, "tg.tensor\\(a tensor\\)"),
])
def test_library_code_that_reads_values_in_numpy_is_refused_while_tracing(body, what):
    # what it computes from the traced values (picked targets, masks, statistics, random
    # numbers) would be the traced step's at every replay: a clear error instead
    step = tg.jit(body)
    with pytest.raises(tg.TracingError, match=f"tg.jit: {what}"):
        step(tg.ones(2, 3))
    assert body(tg.ones(2, 3)) is not None  # and each works eagerly


def test_cross_entropy_with_probability_targets_replays():
    w = tg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)

    def body(x, y):
        w.grad = None
        loss = nn.functional.cross_entropy(x @ w, y)  # float targets: only ops
        loss.backward()
        return loss

    step = tg.jit(body)
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = tg.tensor(rng.standard_normal((2, 3)))
        y = tg.tensor(rng.dirichlet(np.ones(4), size=2))
        replayed, grad = step(x, y).item(), w.grad.numpy().copy()
        assert body(x, y).item() == replayed
        np.testing.assert_array_equal(w.grad.numpy(), grad)


@pytest.mark.parametrize("zeroed, second_grad", [(False, [20.0, -24.0]), (True, [10.0, -12.0])])
def test_a_gradient_for_an_argument_goes_to_that_calls_tensor(zeroed, second_grad):
    # the gradient with respect to an input (a saliency map, an adversarial step) belongs
    # to the tensor passed in this call, not to the one the step was traced with; so
    # does zeroing it (x.grad = None) in the step
    def step(x):
        if zeroed:
            x.grad = None
        out = (x * x).sum()
        out.backward()
        return out

    traced = tg.jit(step)
    first = tg.tensor([1.0, 2.0], requires_grad=True)
    traced(first)
    second = tg.tensor([5.0, -6.0], requires_grad=True)
    traced(second)
    traced(second)  # added up (as in eager) unless zeroed
    assert first.grad.tolist() == [2.0, 4.0]
    assert second.grad.tolist() == second_grad
    assert traced.trace_count == 1


def test_a_gradient_folded_to_a_constant_is_copied_into_grad_not_adopted():
    # d(3w)/dw needs no value of the step, so it is folded; made .grad as is, the next
    # accumulation (no zero_grad) would add into the folded constant itself
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        out = (w * 3.0).sum() + x.sum()
        out.backward()
        return out

    traced = tg.jit(step)
    x = tg.tensor([1.0])
    for _ in range(3):
        w.grad = None
        traced(x)
        traced(x)  # no zero_grad in between: adds into .grad
        assert w.grad.tolist() == [6.0, 6.0]
    assert "folded" in traced.kernels() and "adopt(" not in traced.kernels()


def custom_op_step(op_class):
    """A step through a custom op, and w; the same function eager and traced."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        w.grad = None
        out = (op_class.apply(x * w) * 3.0).sum()
        out.backward()
        return out

    return step, w


class Counting(tg.Function):
    """Keeps state on its node: eager makes a new node at every step."""

    def forward(self, x):
        self.calls = getattr(self, "calls", 0) + 1
        self.seen = self.needs_input_grad  # () in forward: the engine sets it afterwards
        return x * self.calls

    def backward(self, g):
        return g * self.calls * (2.0 if self.seen == () else 3.0)


class DoublesInPlace(tg.Function):
    def forward(self, x):
        return x * 1.0

    def backward(self, g):
        g *= 2.0  # its own gradient, changed in place: eager hands it a fresh one every step
        return g


@pytest.mark.parametrize("op_class", [Counting, DoublesInPlace])
def test_a_custom_op_replays_as_eager_runs_it(op_class):
    eager, eager_w = custom_op_step(op_class)
    traced, traced_w = custom_op_step(op_class)
    traced = tg.jit(traced)
    for values in ([1.0, 1.0], [3.0, -5.0], [0.5, 2.0]):
        want, got = eager(tg.tensor(values)), traced(tg.tensor(values))
        assert got.item() == want.item()
        assert traced_w.grad.tolist() == eager_w.grad.tolist()
    assert traced.trace_count == 1 and f"# {op_class.__name__}" in traced.kernels()


def test_a_custom_function_with_pytorchs_ctx_protocol_is_refused_while_tracing():
    class Square(tg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    step = tg.jit(lambda x: Square.apply(x).sum())
    with pytest.raises(tg.TracingError, match=r"Square\.apply inside a traced step runs a function "
                                              r"written with PyTorch's ctx protocol"):
        step(tg.tensor([1.0, 2.0]))


def test_an_error_in_a_replayed_op_names_the_op_as_eager_does():
    w = tg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)

    def step(ix):
        out = (w * 2.0)[ix].sum()
        out.backward()
        return out

    traced = tg.jit(step)
    traced(tg.tensor([0, 1]))
    with pytest.raises(IndexError) as eager_error:
        step(tg.tensor([5, 1]))
    with pytest.raises(IndexError) as replay_error:
        traced(tg.tensor([5, 1]))
    assert str(replay_error.value) == str(eager_error.value)
    assert str(replay_error.value).startswith("GetItem: index 5 is out of bounds")


def test_the_values_a_replay_statement_names_are_its_tokens():
    import sys
    values_named = sys.modules["tinygrad_edu.jit"]._values_named
    statement = ["    if v1.min() > N3.v9:  # v7", "        g2 = len('#v8') + v1"]
    assert values_named(statement) == ["v1", "g2", "v1"]  # not N3.v9, nor v7 or v8 in text


class PopsCache(tg.Function):
    """Its backward takes what forward left: it can run once per forward, as in eager."""

    def forward(self, x):
        self.cache = [x.copy()]
        return x * x

    def backward(self, g):
        return g * 2.0 * self.cache.pop()


class NoisyBackward(tg.Function):
    def forward(self, x):
        return x * 1.0

    def backward(self, g):
        return g + np.random.standard_normal(g.shape)  # draws: the trace must not draw twice


@pytest.mark.parametrize("op_class", [PopsCache, NoisyBackward])
def test_a_custom_backward_runs_once_per_step_while_tracing_too(op_class):
    eager, eager_w = custom_op_step(op_class)
    traced, traced_w = custom_op_step(op_class)
    traced = tg.jit(traced)
    for i, values in enumerate(([1.0, 3.0], [2.0, -1.0], [0.5, 4.0])):
        np.random.seed(i)
        want = eager(tg.tensor(values)).item(), eager_w.grad.tolist()
        np.random.seed(i)
        got = traced(tg.tensor(values)).item(), traced_w.grad.tolist()
        assert got == want
    assert traced.trace_count == 1


def test_a_custom_backward_may_change_a_view_of_a_value_constants_feed():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def step(x):
        w.grad = None
        # its g is a view (reshape's backward) of a value only constants feed (MulBackward's)
        out = (DoublesInPlace.apply(x * w).reshape(3, 1) * 3.0).sum()
        out.backward()
        return out

    traced = tg.jit(step)
    for _ in range(3):
        traced(tg.ones(3))
        assert w.grad.tolist() == [6.0, 6.0, 6.0]


def test_an_error_in_a_replayed_backward_is_raised_as_it_is():
    class Picky(tg.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, g):
            if g[0] > 5:
                raise ValueError("gradient too large") from KeyError("k")
            return g

    w = tg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        out = (Picky.apply(x * w) * x).sum()
        out.backward()
        return out

    traced = tg.jit(step)
    traced(tg.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match="^gradient too large$") as error:
        traced(tg.tensor([10.0, 1.0]))
    assert isinstance(error.value.__cause__, KeyError)


def test_an_error_late_in_an_inlined_forward_names_the_op():
    # Linear's forward, inlined, drops its input before its last statement raises
    layer = nn.Linear(1, 1)
    with tg.no_grad():
        layer.weight.copy_(tg.tensor([[1.0]]))
        layer.bias.copy_(tg.tensor([3e38]))

    def step(x):
        out = layer(x * 1.0).sum()
        out.backward()
        return out

    traced = tg.jit(step)
    traced(tg.tensor([[1.0]]))
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError) as eager_error:
            step(tg.tensor([[3e38]]))
        with pytest.raises(FloatingPointError) as replay_error:
            traced(tg.tensor([[3e38]]))
    assert str(replay_error.value) == str(eager_error.value)
    assert str(replay_error.value).startswith("Linear: overflow")


def test_backward_through_a_graph_made_before_the_step_is_refused():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    h = w * w  # eager can back-propagate through it once

    def step(x):
        out = (h * x).sum()
        out.backward()
        return out

    with pytest.raises(tg.TracingError, match="graph built outside the traced step"):
        tg.jit(step)(tg.ones(2))


def test_one_tensor_passed_as_two_arguments_is_refused_not_replayed():
    def step(a, b):
        out = (a * 2.0 + b * 3.0).sum()
        out.backward()
        return out

    traced = tg.jit(step)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(tg.TracingError, match="passed as two arguments"):
        traced(x, x)
    traced(tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0, 4.0], requires_grad=True))
    with pytest.raises(tg.TracingError, match="passed as two arguments"):
        traced(x, x)  # not a replay of the trace of two tensors


@pytest.mark.parametrize("clip", ["norm", "value"])
def test_clipping_gradients_in_the_step_replays(clip):
    def setup():
        w = nn.Parameter(tg.tensor([1.0, 2.0]))
        optimizer = nn.SGD([w], lr=0.1)

        def step(x):
            optimizer.zero_grad()
            loss = (x * w * w).sum()
            loss.backward()
            if clip == "norm":
                norm = nn.utils.clip_grad_norm_([w], 1.0)
            else:
                nn.utils.clip_grad_value_([w], 0.5)
                norm = loss * 1.0
            optimizer.step()
            return loss, norm

        return step, w

    eager, eager_w = setup()
    traced, traced_w = setup()
    traced = tg.jit(traced)
    for values in ([1.0, 1.0], [5.0, 7.0], [-2.0, 0.5]):
        want = [t.item() for t in eager(tg.tensor(values))]
        got = [t.item() for t in traced(tg.tensor(values))]
        assert got == want and traced_w.tolist() == eager_w.tolist()
    assert traced.trace_count == 1


def test_limit_what_a_step_returns_has_no_graph_after_the_first_call():
    # documented in docs/jit.md: backward belongs inside the step
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    forward_only = tg.jit(lambda x: (x * w).sum())
    forward_only(tg.ones(2)).backward()  # the first call runs eagerly: its graph is real
    replayed = forward_only(tg.ones(2))
    assert not replayed.requires_grad and replayed.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        replayed.backward()


def test_limit_a_parameter_also_passed_as_an_argument_is_one_array_to_the_trace():
    # documented in docs/jit.md: the trace sees w's array once and calls it a0, so a
    # replay reads the new argument where the step meant w
    w = tg.tensor([1.0, 2.0])
    step = tg.jit(lambda x: (x * w).sum())
    assert step(w).item() == 5.0  # traced: x is w
    z = tg.tensor([3.0, 4.0])
    assert step(z).item() == 25.0  # replayed: z * z, where eager gives z * w = 11
    assert (z * w).sum().item() == 11.0


def test_a_learning_rate_scheduler_stepped_in_the_step_replays():
    def setup():
        w = nn.Parameter(tg.tensor([1.0, 2.0]))
        optimizer = nn.SGD([w], lr=0.1)
        scheduler = nn.optim.lr_scheduler.ExponentialLR(optimizer, 0.5)

        def step(x):
            optimizer.zero_grad()
            loss = (w * x).sum()
            loss.backward()
            optimizer.step()
            scheduler.step()
            return loss

        return step, w, scheduler

    eager, eager_w, eager_scheduler = setup()
    traced, traced_w, traced_scheduler = setup()
    traced = tg.jit(traced)
    for _ in range(4):
        eager(tg.ones(2))
        traced(tg.ones(2))
    assert traced_w.tolist() == eager_w.tolist() == [0.8125, 1.8125]
    assert traced_scheduler.last_epoch == eager_scheduler.last_epoch == 4
    assert traced_scheduler.get_last_lr() == eager_scheduler.get_last_lr()


def test_clip_grads_with_a_given_norm_replays_and_a_norm_of_step_values_is_refused():
    def setup():
        w = nn.Parameter(tg.tensor([3.0, 4.0]))

        def clipped(x):
            w.grad = None
            (x * w).sum().backward()
            nn.utils.clip_grads_with_norm_([w], 1.0, 10.0)  # a norm known beforehand

        return clipped, w

    eager, eager_w = setup()
    traced, traced_w = setup()
    traced = tg.jit(traced)
    for values in ([1.0, 2.0], [4.0, -2.0], [8.0, 0.5]):
        eager(tg.tensor(values))
        traced(tg.tensor(values))
        assert traced_w.grad.numpy().tobytes() == eager_w.grad.numpy().tobytes()
        assert abs(traced_w.grad.tolist()[0] - values[0] / 10) < 1e-6  # scaled by 1/10

    def norm_of_a_value(x):
        h = x * 2.0
        return nn.utils.get_total_norm([h]) * 1.0  # works in NumPy on h: refused

    with pytest.raises(tg.TracingError, match="get_total_norm inside a traced step is given a tensor"):
        tg.jit(norm_of_a_value)(tg.ones(2))


def test_backward_with_inputs_and_a_traced_step_inside_another_are_refused():
    a = tg.tensor([1.0, 2.0], requires_grad=True)

    def partial(x):
        (x * a).sum().backward(inputs=[a])

    with pytest.raises(tg.TracingError, match=r"backward\(inputs=\.\.\.\) inside a traced step"):
        tg.jit(partial)(tg.ones(2))

    inner = tg.jit(lambda x: (x * a).sum().backward())
    inner(tg.ones(2))  # traced outside: the next call would replay
    outer = tg.jit(lambda x: inner(x))
    with pytest.raises(tg.TracingError, match="a traced step called another traced step"):
        outer(tg.ones(2))


def test_a_scheduler_made_in_the_first_call_replays_its_steps_only():
    # its set-up step (made at construction) is not one of the step's calls
    def run(traced: bool):
        w = nn.Parameter(tg.tensor([1.0, 2.0]))
        optimizer, made = nn.SGD([w], lr=0.1), {}

        def step(x):
            if "scheduler" not in made:  # Python: runs while tracing only, as eager runs it once
                made["scheduler"] = nn.optim.lr_scheduler.ExponentialLR(optimizer, 0.5)
            optimizer.zero_grad()
            (w * x).sum().backward()
            optimizer.step()
            made["scheduler"].step()

        step = tg.jit(step) if traced else step
        rates = []
        for _ in range(4):
            step(tg.ones(2))
            rates.append(optimizer.param_groups[0]["lr"])
        return rates, w.tolist()

    assert run(True) == run(False) == ([0.05, 0.025, 0.0125, 0.00625], [0.8125, 1.8125])


def test_a_tensor_of_the_step_read_inside_a_call_is_refused():
    w = nn.Parameter(tg.tensor([1.0, 2.0]))
    optimizer, seen = nn.SGD([w], lr=0.1), {}
    warm_up = nn.optim.lr_scheduler.LambdaLR(
        optimizer, lambda epoch: float(seen["loss"]) if "loss" in seen else 1.0)

    def step(x):
        optimizer.zero_grad()
        loss = (w * x).sum()
        loss.backward()
        optimizer.step()
        seen["loss"] = loss * 0.01  # read by the scheduler's lambda, through a closure
        warm_up.step()
        return loss

    with pytest.raises(tg.TracingError, match=r"float\(\) inside a traced step"):
        tg.jit(step)(tg.ones(2))


def test_reduce_lr_on_plateau_is_stepped_outside_the_traced_step():
    w = nn.Parameter(tg.tensor([1.0, 2.0]))
    optimizer = nn.SGD([w], lr=0.1)
    plateau = nn.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)

    def step(x, validation_loss):
        optimizer.zero_grad()
        (w * x).sum().backward()
        optimizer.step()
        plateau.step(validation_loss)

    with pytest.raises(tg.TracingError, match="ReduceLROnPlateau.step inside a traced step reads "
                                              "its metric in Python"):
        tg.jit(step)(tg.ones(2), 1.0)


def test_a_value_derived_from_the_step_inside_a_call_is_refused_too():
    w = nn.Parameter(tg.tensor([1.0, 2.0]))
    optimizer, seen = nn.SGD([w], lr=0.1), {}
    scaled = nn.optim.lr_scheduler.LambdaLR(
        optimizer, lambda epoch: float(seen["loss"] * 0.01) if "loss" in seen else 1.0)

    def step(x):
        optimizer.zero_grad()
        loss = (w * x).sum()
        loss.backward()
        optimizer.step()
        seen["loss"] = loss  # the lambda computes from it inside the scheduler's call
        scaled.step()
        return loss

    with pytest.raises(tg.TracingError, match=r"float\(\) inside a traced step"):
        tg.jit(step)(tg.ones(2))


def test_a_scheduler_whose_lambda_reads_a_parameter_can_be_made_in_the_step():
    # its set-up step runs once (tg.jit.once), as in eager; reading w there is fine
    def run(traced: bool):
        w = nn.Parameter(tg.tensor([1.0, -2.0]))
        optimizer, made = nn.SGD([w], lr=0.1), {}

        def step(x):
            if "scheduler" not in made:
                made["scheduler"] = nn.optim.lr_scheduler.LambdaLR(
                    optimizer, lambda epoch: 1.0 / (1.0 + float(w.abs().sum()) + epoch))
            optimizer.zero_grad()
            (w * x).sum().backward()
            optimizer.step()
            made["scheduler"].step()

        step = tg.jit(step) if traced else step
        for _ in range(3):
            step(tg.ones(2))
        return w.tolist(), optimizer.param_groups[0]["lr"]

    assert run(True) == run(False)
