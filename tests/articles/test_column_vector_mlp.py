"""Article 001 — "Neural networks fundamentals with Python – backpropagation" (mathspp,
R. Girão Serrão), seed file shared/seeds/001_f9124a861c0b6e89.txt.

The article's network, in its own conventions:

* column vectors: layer i holds W_i of shape (out, in) and b_i of shape (out, 1),
  computes y_i = W_i·x_i + b_i and x_{i+1} = f_i(y_i);
* the demo uses LeakyReLU layers and an MSE loss, per-sample SGD, lr 0.05.

Its backward pass, from the last layer to the first, re-coded below:

    dx_n = dL(x_n, t)
    db_i = f_i'(y_i) ⊙ dx_{i+1}
    dx_i = W_iᵀ · db_i
    dW_i = db_i · x_iᵀ

The seed leaves LeakyReLU's slope and the MSE's scaling to the series' previous
article; we take MSE = mean((x_n − t)²) (so dL = 2(x_n − t)/size, PyTorch's
``MSELoss``) and test several slopes. The article's "general step" and generic loop
write ``fs[i](y)`` — the activation itself — where the derivative ``dfs[i](y)`` is
meant: that slip is re-coded here and must be flagged by the cross-check.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import assert_grads_match

# ----------------------------------------------------------------------------
# the oracle: the article's formulas in plain NumPy


def leaky_relu(slope):
    """(f, f') of LeakyReLU: f(y) = y for y > 0 else slope·y; f'(y) = 1 for y > 0 else slope."""
    return (lambda y: np.where(y > 0, y, slope * y),
            lambda y: np.where(y > 0, 1.0, slope))


def sigmoid():
    f = lambda y: 1.0 / (1.0 + np.exp(-y))  # noqa: E731
    return f, lambda y: f(y) * (1.0 - f(y))


def tanh():
    return np.tanh, lambda y: 1.0 - np.tanh(y) ** 2


def mse_derivative(x_n, t):
    """d/dx_n of mean((x_n − t)²)."""
    return 2.0 * (x_n - t) / x_n.size


def init_layers(layer_sizes, rng):
    """W_i (out, in) and b_i (out, 1), small normal values (the series' initialisation scale)."""
    return [(rng.normal(0.0, 1.0 / (n_out * n_in), (n_out, n_in)),
             rng.normal(0.0, 1.0 / n_out, (n_out, 1)))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]


def random_layers(layer_sizes, rng):
    """Weights of order one (std 1/sqrt(in)) and biases of std 0.5, for the gradient tests: large
    enough that pre-activations take both signs, so both branches of LeakyReLU are exercised."""
    return [(rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)), rng.normal(0.0, 0.5, (n_out, 1)))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]


def forward(layers, activations, x):
    """xs[0] = x, xs[i+1] = f_i(W_i·xs[i] + b_i)."""
    xs = [x]
    for (W, b), (f, _) in zip(layers, activations):
        xs.append(f(W @ xs[-1] + b))
    return xs


def hand_gradients(layers, activations, x, t, slip=False):
    """The article's generic loop, corrected: db = f'(y)·dx (``slip=True``: f(y)·dx, as printed)."""
    xs = forward(layers, activations, x)
    dx = mse_derivative(xs[-1], t)
    grads = {}
    for i in reversed(range(len(layers))):
        (W, b), (f, df) = layers[i], activations[i]
        y = W @ xs[i] + b
        db = (f(y) if slip else df(y)) * dx
        dx = W.T @ db
        grads[f"W{i}"], grads[f"b{i}"] = db @ xs[i].T, db
    return dict(sorted(grads.items()))


def article_train(layers, activations, samples, targets, lr):
    """The article's ``train``: per sample, walk back computing db, dx, dW and update as we go
    (dx uses W before its update, so the step is an exact gradient step)."""
    for x, t in zip(samples, targets):
        xs = forward(layers, activations, x)
        dx = mse_derivative(xs.pop(), t)
        for (W, b), (_, df), x_in in zip(layers[::-1], activations[::-1], xs[::-1]):
            db = df(W @ x_in + b) * dx
            dx = W.T @ db
            dW = db @ x_in.T
            W -= lr * dW
            b -= lr * db
    return layers


# ----------------------------------------------------------------------------
# the same network from tinygrad_edu: raw tensors in the article's column convention


TG_ACTIVATIONS = {
    "leaky_relu": lambda slope: (lambda y: y.leaky_relu(slope)),
    "sigmoid": lambda _: (lambda y: y.sigmoid()),
    "tanh": lambda _: (lambda y: y.tanh()),
}
NP_ACTIVATIONS = {"leaky_relu": leaky_relu, "sigmoid": lambda _: sigmoid(), "tanh": lambda _: tanh()}


def column_parameters(layers):
    return [(tg.Tensor(W.copy(), requires_grad=True), tg.Tensor(b.copy(), requires_grad=True))
            for W, b in layers]


def column_loss(params, tg_activations, x, t):
    out = tg.Tensor(x)
    for (W, b), f in zip(params, tg_activations):
        out = f(W @ out + b)
    return ((out - tg.Tensor(t)) ** 2).mean()


def column_gradients(layers, tg_activations, x, t):
    params = column_parameters(layers)
    column_loss(params, tg_activations, x, t).backward()
    grads = {}
    for i, (W, b) in enumerate(params):
        grads[f"W{i}"], grads[f"b{i}"] = W.grad, b.grad
    return grads


# ... and from nn modules: nn.Linear works on rows (y = x Wᵀ + b, b of shape (out,)),
# the transpose of the article's columns; W has the same (out, in) layout


def sequential_model(layers, slope):
    import nn
    modules = []
    for W, b in layers:
        linear = nn.Linear(W.shape[1], W.shape[0])
        linear.weight.data = W.copy()
        linear.bias.data = b.ravel().copy()
        modules += [linear, nn.LeakyReLU(slope)]
    return nn.Sequential(*modules)


def as_sequential_names(column_grads):
    """{"W0": …, "b0": …} -> {"0.weight": …, "0.bias": (out,)} (Linear i is module 2i)."""
    renamed = {}
    for name, value in column_grads.items():
        i = int(name[1:])
        renamed[f"{2 * i}.weight" if name[0] == "W" else f"{2 * i}.bias"] = \
            value if name[0] == "W" else value.ravel()
    return renamed


def assert_rows_flagged(message, names):
    """Every named row of an assert_grads_match table says MISMATCH."""
    rows = {line.split()[0]: line for line in message.splitlines() if line.strip()}
    for name in names:
        assert name in rows and "MISMATCH" in rows[name], f"{name} not flagged in:\n{message}"


def quadrant_data(n, rng):
    """The article's task: points in [−2, 2]², target (1, 0) when x·y > 0, else (0, 1); columns."""
    points = rng.uniform(-2, 2, size=(2, n))
    first = (points[0] * points[1] > 0).astype(np.float64)
    return points, np.stack([first, 1 - first])


LAYER_SIZES = [(2, 3, 2), (2, 4, 4, 3), (5, 1), (3, 6, 5, 4, 2)]

# ----------------------------------------------------------------------------
# gradient equality


@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("slope", [0.1, 0.01, 0.3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autograd_reproduces_the_articles_deltas_with_leaky_relu(layer_sizes, slope, seed):
    rng = np.random.default_rng(seed)
    layers = random_layers(layer_sizes, rng)
    x, t = rng.uniform(-2, 2, (layer_sizes[0], 1)), rng.random((layer_sizes[-1], 1))
    n_layers = len(layer_sizes) - 1

    expected = hand_gradients(layers, [leaky_relu(slope)] * n_layers, x, t)
    actual = column_gradients(layers, [TG_ACTIVATIONS["leaky_relu"](slope)] * n_layers, x, t)
    assert_grads_match(expected, actual)


@pytest.mark.parametrize("names", [("leaky_relu", "tanh", "sigmoid"), ("tanh", "tanh", "leaky_relu"),
                                   ("sigmoid", "leaky_relu", "tanh")], ids="-".join)
def test_each_layer_may_have_its_own_activation(names):
    # the article's loop takes per-layer f_i and f_i': nothing ties it to LeakyReLU
    rng = np.random.default_rng(7)
    layers = random_layers((3, 5, 4, 2), rng)
    x, t = rng.uniform(-2, 2, (3, 1)), rng.random((2, 1))

    expected = hand_gradients(layers, [NP_ACTIVATIONS[n](0.1) for n in names], x, t)
    actual = column_gradients(layers, [TG_ACTIVATIONS[n](0.1) for n in names], x, t)
    assert_grads_match(expected, actual)


@pytest.mark.parametrize("layer_sizes", [(2, 3, 2), (4, 5, 3)], ids=lambda s: "-".join(map(str, s)))
def test_nn_linear_and_leaky_relu_modules_give_the_articles_deltas(layer_sizes):
    import nn
    rng = np.random.default_rng(8)
    layers = random_layers(layer_sizes, rng)
    x, t = rng.uniform(-2, 2, (layer_sizes[0], 1)), rng.random((layer_sizes[-1], 1))
    model = sequential_model(layers, 0.1)

    loss = nn.MSELoss()(model(tg.Tensor(x.T)), tg.Tensor(t.T))  # one sample = one row
    loss.backward()

    expected = as_sequential_names(hand_gradients(layers, [leaky_relu(0.1)] * (len(layer_sizes) - 1), x, t))
    assert_grads_match(expected, {name: p.grad for name, p in model.named_parameters()})


# ----------------------------------------------------------------------------
# the article's slip, caught


@pytest.mark.parametrize("layer_sizes", [(2, 3, 2), (2, 4, 4, 3)], ids=lambda s: "-".join(map(str, s)))
def test_the_generic_loop_as_printed_with_f_for_f_prime_is_flagged(layer_sizes):
    rng = np.random.default_rng(9)
    layers = random_layers(layer_sizes, rng)
    x, t = rng.uniform(-2, 2, (layer_sizes[0], 1)), rng.random((layer_sizes[-1], 1))
    n_layers = len(layer_sizes) - 1

    printed = hand_gradients(layers, [leaky_relu(0.1)] * n_layers, x, t, slip=True)
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(printed, column_gradients(layers, [TG_ACTIVATIONS["leaky_relu"](0.1)] * n_layers, x, t))
    assert_rows_flagged(str(failure.value), printed.keys())


# ----------------------------------------------------------------------------
# training equality: the article's train() vs autograd + nn.SGD


def test_article_training_and_autograd_sgd_on_raw_column_tensors_end_on_the_same_weights():
    from nn import SGD
    rng = np.random.default_rng(11)
    initial = init_layers((2, 3, 2), rng)
    points, targets = quadrant_data(300, rng)
    samples = [points[:, i:i + 1] for i in range(points.shape[1])]
    labels = [targets[:, i:i + 1] for i in range(targets.shape[1])]
    activation = [leaky_relu(0.1)] * 2

    by_hand = article_train([(W.copy(), b.copy()) for W, b in initial], activation, samples, labels, 0.05)

    params = column_parameters(initial)
    optimizer = SGD([p for pair in params for p in pair], lr=0.05)
    tg_activation = [TG_ACTIVATIONS["leaky_relu"](0.1)] * 2
    for x, t in zip(samples, labels):
        optimizer.zero_grad()
        column_loss(params, tg_activation, x, t).backward()
        optimizer.step()

    assert max(np.abs(W - W0).max() for (W, _), (W0, _) in zip(by_hand, initial)) > 1e-3
    expected = {f"{kind}{i}": value for i, (W, b) in enumerate(by_hand) for kind, value in (("W", W), ("b", b))}
    actual = {f"{kind}{i}": value for i, (W, b) in enumerate(params) for kind, value in (("W", W), ("b", b))}
    assert_grads_match(expected, actual, rtol=1e-10)


def test_article_training_and_an_nn_sequential_with_sgd_end_on_the_same_weights():
    import nn
    from nn import SGD
    rng = np.random.default_rng(12)
    initial = init_layers((2, 3, 2), rng)
    points, targets = quadrant_data(300, rng)

    by_hand = article_train([(W.copy(), b.copy()) for W, b in initial], [leaky_relu(0.1)] * 2,
                            [points[:, i:i + 1] for i in range(300)],
                            [targets[:, i:i + 1] for i in range(300)], 0.05)

    model = sequential_model(initial, 0.1)
    optimizer, loss_fn = SGD(model.parameters(), lr=0.05), nn.MSELoss()
    for i in range(300):
        optimizer.zero_grad()
        loss_fn(model(tg.Tensor(points[:, i][None, :])), tg.Tensor(targets[:, i][None, :])).backward()
        optimizer.step()

    expected = as_sequential_names({f"{kind}{i}": value for i, (W, b) in enumerate(by_hand)
                                    for kind, value in (("W", W), ("b", b))})
    assert_grads_match(expected, dict(model.named_parameters()), rtol=1e-10)
