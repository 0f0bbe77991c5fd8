"""nn.optim's Optimizer base with SGD and Adam: their update equations written out in
NumPy, PyTorch's golden numbers (PYTORCH_SEMANTICS row 30), param groups, state dicts,
and the hyperparameter checks every optimizer shares."""
import math

import numpy as np
import pytest

import nn
import nn.optim
import tinygrad_edu as tg
from optim_golden import adam_by_hand


def _run(optimizer_class, grads, w0=1.0, **options):
    """Start from w = w0, feed the given gradients one step each, return w after each step."""
    w = nn.Parameter(tg.tensor(np.array([w0])))
    optimizer = optimizer_class([w], **options)
    trajectory = []
    for g in grads:
        w.grad = tg.tensor(np.array([g]))
        optimizer.step()
        trajectory.append(w.item())
    return trajectory


def _sgd_by_hand(grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 maximize=False, w=1.0):
    """torch/optim/sgd.py's docstring algorithm, line by line."""
    trajectory, buffer = [], None
    for g in grads:
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * w
        if momentum:
            buffer = g if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        w = w - lr * g
        trajectory.append(w)
    return trajectory


SGD_GOLDEN = [  # w = 1, gradients 1, 2, 3, lr = 0.1; values probed on PyTorch 2.13
    ({}, [0.9, 0.7, 0.4]),
    ({"momentum": 0.9}, [0.9, 0.61, 0.049]),
    ({"momentum": 0.9, "dampening": 0.5}, [0.9, 0.71, 0.389]),
    ({"momentum": 0.9, "nesterov": True}, [0.81, 0.349, -0.4559]),
    ({"weight_decay": 0.01}, [0.899, 0.698101, 0.397403]),
    ({"maximize": True}, [1.1, 1.3, 1.6]),
]


@pytest.mark.parametrize("options, golden", SGD_GOLDEN, ids=[str(o) for o, _ in SGD_GOLDEN])
def test_sgd_reproduces_pytorchs_golden_numbers(options, golden):
    trajectory = _run(nn.SGD, [1.0, 2.0, 3.0], lr=0.1, **options)
    np.testing.assert_allclose(trajectory, golden, atol=5e-7)  # golden values are printed to 6 digits
    assert trajectory == _sgd_by_hand([1.0, 2.0, 3.0], lr=0.1, **options)  # bit for bit


def test_sgd_all_options_together_over_many_steps():
    grads = list(np.random.default_rng(0).normal(size=30))
    options = dict(lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True)
    np.testing.assert_allclose(_run(nn.SGD, grads, **options), _sgd_by_hand(grads, **options),
                               rtol=1e-14)


ADAM_OPTIONS = [{}, {"lr": 0.01, "betas": (0.8, 0.99)}, {"weight_decay": 0.1}, {"amsgrad": True},
                {"maximize": True, "eps": 1e-3}]


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=[str(o) for o in ADAM_OPTIONS])
def test_adam_follows_its_equations_for_20_steps(options):
    rng = np.random.default_rng(5)
    w0 = rng.normal(size=(3, 2))
    # gradients of varying size and sign, so that amsgrad's running max matters
    grads = [rng.normal(scale=2.0 ** -k, size=(3, 2)) for k in range(20)]
    w = nn.Parameter(tg.tensor(w0))
    optimizer = nn.Adam([w], **options)
    expected = adam_by_hand(grads, w0, **options)
    for g, w_expected in zip(grads, expected):
        w.grad = tg.tensor(g)
        optimizer.step()
        np.testing.assert_allclose(w.numpy(force=True), w_expected, rtol=1e-12, atol=1e-15)
    assert optimizer.state[w]["step"] == 20


def test_adam_first_step_moves_each_weight_by_about_lr():
    # m̂ = g and v̂ = g² on step 1, so the step is lr·g/(|g| + ε) ≈ lr·sign(g)
    trajectory = _run(nn.Adam, [0.3], w0=0.0, lr=0.5)
    assert trajectory[0] == pytest.approx(-0.5 * 0.3 / (0.3 + 1e-8), rel=1e-14)


def test_a_step_updates_in_place_and_bumps_the_version_counter():
    w = nn.Parameter(tg.tensor([1.0, 2.0]))
    y = (w * w).sum()  # Mul saved w for backward (each factor's gradient reads the other)
    optimizer = nn.SGD([w], lr=0.1)
    w.grad = tg.tensor([1.0, 1.0])
    version, data = w._version, w.numpy(force=True)
    optimizer.step()
    assert w.numpy(force=True) is data and w._version == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("make", [
    lambda p: nn.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda p: nn.Adam(p, lr=0.1),
    lambda p: nn.AdamW(p, lr=0.1, weight_decay=0.1),
    lambda p: nn.optim.Adagrad(p, lr=0.1),
    lambda p: nn.optim.RMSprop(p, lr=0.1, momentum=0.5),
])
def test_every_optimizer_counts_its_update_as_an_in_place_change(make):
    w = nn.Parameter(tg.tensor([1.0, 2.0]))
    y = (w * w).sum()
    optimizer = make([w])
    w.grad = tg.tensor([1.0, 1.0])
    version, data = w._version, w.numpy(force=True)
    optimizer.step()
    assert w.numpy(force=True) is data and w._version > version
    assert not np.array_equal(data, [1.0, 2.0]) and tg.is_grad_enabled()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_parameters_without_gradients_are_skipped():
    a, b = nn.Parameter(tg.tensor([1.0])), nn.Parameter(tg.tensor([1.0]))
    a.grad = tg.tensor([1.0])
    for optimizer in (nn.SGD([a, b], lr=0.1), nn.SGD([a, b], lr=0.1, momentum=0.9),
                      nn.Adam([a, b])):  # plain SGD has a loop of its own
        optimizer.step()
        assert b.item() == 1.0 and b not in optimizer.state


def test_param_groups_have_their_own_hyperparameters():
    model = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1))
    optimizer = nn.SGD([{"params": model[0].parameters()},
                        {"params": model[1].parameters(), "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 1.0]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.5, 0.5]
    before = [p.numpy(force=True).copy() for p in model.parameters()]
    for p in model.parameters():
        p.grad = tg.ones_like(p)
    optimizer.step()
    steps = [(b - p.numpy(force=True)).item() for b, p in zip(before, model.parameters())]
    np.testing.assert_allclose(steps, [0.1, 0.1, 1.0, 1.0], rtol=1e-6)


def test_zero_grad_both_ways():
    w = nn.Parameter(tg.tensor([1.0]))
    optimizer = nn.SGD([w])
    w.grad = tg.tensor([5.0])
    optimizer.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0]
    optimizer.zero_grad()
    assert w.grad is None


def test_closure_is_called_and_its_loss_returned():
    w = nn.Parameter(tg.tensor([2.0]))
    optimizer = nn.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert optimizer.step(closure).item() == 4.0
    assert w.item() == 2.0 - 0.25 * 4.0


def test_training_a_model_reduces_the_loss():
    tg.manual_seed(0)
    x = tg.tensor(np.random.default_rng(0).normal(size=(32, 3)), dtype=tg.float32)
    y = x @ tg.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    for make_optimizer in (lambda p: nn.SGD(p, lr=0.1, momentum=0.9), lambda p: nn.Adam(p, lr=0.05)):
        model = nn.Linear(3, 1)
        optimizer = make_optimizer(model.parameters())
        losses = []
        for _ in range(100):
            optimizer.zero_grad()
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        assert losses[-1] < 1e-3 * losses[0]


def test_both_import_paths_give_the_same_classes():
    assert nn.SGD is nn.optim.SGD and nn.Adam is nn.optim.Adam


def test_errors_copy_pytorch():
    w = nn.Parameter(tg.tensor([1.0]))
    cases = [
        (lambda: nn.SGD([w], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
        (lambda: nn.SGD([w], nesterov=True), ValueError,
         "Nesterov momentum requires a momentum and zero dampening"),
        (lambda: nn.SGD([w], momentum=0.9, dampening=0.1, nesterov=True), ValueError,
         "Nesterov momentum requires a momentum and zero dampening"),
        (lambda: nn.SGD([w], momentum=-1), ValueError, "Invalid momentum value: -1"),
        (lambda: nn.SGD([w], weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
        (lambda: nn.SGD([]), ValueError, "optimizer got an empty parameter list"),
        (lambda: nn.SGD([w * 2]), ValueError, "can't optimize a non-leaf Tensor"),
        (lambda: nn.SGD(w), TypeError, "params argument given to the optimizer should be an "
                                       "iterable of Tensors or dicts, but got Parameter"),
        (lambda: nn.SGD([{"params": {w}}]), TypeError, "optimizer parameters need to be organized in ordered "
                                         "collections, but the ordering of tensors in sets will "
                                         "change between runs. Please use a list instead."),
        (lambda: nn.SGD([w, 3.0]), TypeError,
         "optimizer can only optimize Tensors, but one of the params is float"),
        (lambda: nn.SGD([{"params": [w]}, {"params": [w]}]), ValueError,
         "some parameters appear in more than one parameter group"),
        (lambda: nn.Adam([w], lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
        (lambda: nn.Adam([w], eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
        (lambda: nn.Adam([w], betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
        (lambda: nn.Adam([w], betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
        (lambda: nn.Adam([w], weight_decay=-0.5), ValueError, "Invalid weight_decay value: -0.5"),
    ]
    for make, error_type, text in cases:
        with pytest.raises(error_type) as error:
            make()
        assert str(error.value) == text


def test_repr_lists_each_group_with_sorted_keys():
    optimizer = nn.SGD([nn.Parameter(tg.tensor([1.0]))], lr=0.1)
    assert repr(optimizer) == ("SGD (\n"
                               "Parameter Group 0\n"
                               "    dampening: 0\n"
                               "    lr: 0.1\n"
                               "    maximize: False\n"
                               "    momentum: 0\n"
                               "    nesterov: False\n"
                               "    weight_decay: 0\n"
                               ")")


def test_state_dict_round_trip_continues_the_same_trajectory():
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=2) for _ in range(6)]

    def fresh():
        w = nn.Parameter(tg.tensor(np.array([0.5, -0.5])))
        return w, nn.Adam([w], lr=0.1, amsgrad=True)

    w, optimizer = fresh()
    for g in grads[:3]:
        w.grad = tg.tensor(g)
        optimizer.step()
    saved_weights, saved_state = w.numpy(force=True).copy(), optimizer.state_dict()
    assert saved_state["param_groups"][0]["params"] == [0]
    assert set(saved_state["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    for g in grads[3:]:
        w.grad = tg.tensor(g)
        optimizer.step()

    w2, optimizer2 = fresh()
    w2.data[...] = saved_weights
    optimizer2.load_state_dict(saved_state)
    for g in grads[3:]:
        w2.grad = tg.tensor(g)
        optimizer2.step()
    np.testing.assert_array_equal(w2.numpy(force=True), w.numpy(force=True))


def test_load_state_dict_checks_the_groups():
    w = nn.Parameter(tg.tensor([1.0]))
    state = nn.SGD([w]).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        nn.SGD([{"params": [w]}, {"params": [nn.Parameter(tg.tensor([1.0]))]}]).load_state_dict(state)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        nn.SGD([w, nn.Parameter(tg.tensor([1.0]))]).load_state_dict(state)


def test_sgd_lr_defaults_to_pytorchs():
    assert nn.SGD([nn.Parameter(tg.tensor([1.0]))]).defaults["lr"] == 0.001
    assert math.isclose(nn.Adam([nn.Parameter(tg.tensor([1.0]))]).defaults["eps"], 1e-8)


OPTIMIZERS = [nn.SGD, nn.Adam, nn.optim.AdamW, nn.optim.RMSprop, nn.optim.Adagrad]


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_checks_a_groups_own_hyperparameters_the_same_way(optimizer_class):
    w, v = nn.Parameter(tg.tensor([1.0])), nn.Parameter(tg.tensor([1.0]))
    with pytest.raises(ValueError, match="^Invalid learning rate: -2.0$"):
        optimizer_class([{"params": [w]}, {"params": [v], "lr": -2.0}], lr=0.1)
    with pytest.raises(ValueError, match="^Invalid weight_decay value: -1$"):
        optimizer_class([w]).add_param_group({"params": [v], "weight_decay": -1})
    with pytest.raises(TypeError, match="^Invalid learning rate: lr must be a number, got str$"):
        optimizer_class([w], lr="0.1")
    with pytest.raises(ValueError, match="^Invalid learning rate: lr must be finite, got nan$"):
        optimizer_class([w], lr=float("nan"))
    with pytest.raises(TypeError, match="^Invalid weight_decay value: weight_decay must be a "
                                        "number, got bool$"):
        optimizer_class([w], weight_decay=True)  # a slip, not 1.0


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_trains_and_round_trips_its_state(optimizer_class):
    rng = np.random.default_rng(11)
    grads = [rng.normal(size=3) for _ in range(8)]

    def run(steps, state=None, start=None):
        w = nn.Parameter(tg.tensor(np.array([0.5, -0.5, 1.0]) if start is None else start))
        optimizer = optimizer_class([w], lr=0.05)
        if state is not None:
            optimizer.load_state_dict(state)
        for g in steps:
            w.grad = tg.tensor(g)
            optimizer.step()
        return w, optimizer

    straight, _ = run(grads)
    half, optimizer = run(grads[:4])
    resumed, _ = run(grads[4:], optimizer.state_dict(), half.numpy(force=True).copy())
    np.testing.assert_array_equal(resumed.numpy(force=True), straight.numpy(force=True))


def test_all_optimizers_are_exported():
    assert sorted(nn.optim.__all__) == ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD",
                                        "lr_scheduler"]
    assert dir(nn.optim) == sorted(nn.optim.__all__)
    from nn import SGD
    assert SGD is nn.optim.SGD and nn.optim.lr_scheduler.StepLR.__module__ == "nn.optim.lr_scheduler"
