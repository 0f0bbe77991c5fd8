"""Article 001 — "Neural networks fundamentals with Python – backpropagation" (mathspp,
R. Girão Serrão).

The oracle is ``tinygrad_edu.articles.column_vectors``: the article's network in NumPy, in
its own conventions (column vectors, W (out, in), b (out, 1), a per-layer activation, MSE,
the backward pass db = f'(y)·dx, dx = Wᵀ·db, dW = db·xᵀ, per-sample SGD). Here the same
network is built from raw tinygrad_edu tensors in the article's column convention and from
``nn`` modules on rows; autograd must reproduce the article's deltas (for several LeakyReLU
slopes and for mixed activations) and its training, and must catch the slip in the
article's generic loop (f(y) written where f'(y) is meant).
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.articles import column_vectors
from tinygrad_edu.articles.activations import activation_pair, leaky_relu_pair
from tinygrad_edu.articles.layouts import as_sequential_names
from tinygrad_edu.testing import assert_grads_match


def random_layers(layer_sizes, rng):
    """Weights of order one (std 1/sqrt(in)) and biases of std 0.5, for the gradient tests: large
    enough that pre-activations take both signs, so both branches of LeakyReLU are exercised."""
    return [(rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)), rng.normal(0.0, 0.5, (n_out, 1)))
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]


# ----------------------------------------------------------------------------
# the same network from tinygrad_edu: raw tensors in the article's column convention


TG_ACTIVATIONS = {
    "leaky_relu": lambda slope: (lambda y: y.leaky_relu(slope)),
    "sigmoid": lambda _: (lambda y: y.sigmoid()),
    "tanh": lambda _: (lambda y: y.tanh()),
}


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
    return column_vectors.named((W.grad, b.grad) for W, b in params)


# ... and from nn modules: nn.Linear works on rows (y = x Wᵀ + b, b of shape (out,)),
# the transpose of the article's columns; W has the same (out, in) layout


def sequential_model(layers, slope):
    import nn
    modules = []
    for W, b in layers:
        modules += [nn.Linear(W.shape[1], W.shape[0], dtype=tg.float64), nn.LeakyReLU(slope)]
    model = nn.Sequential(*modules)
    model.load_state_dict({name: tg.tensor(value) for name, value in
                           as_sequential_names(column_vectors.named(layers)).items()})
    return model


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

    expected = column_vectors.gradients(layers, [leaky_relu_pair(slope)] * n_layers, x, t)
    actual = column_gradients(layers, [TG_ACTIVATIONS["leaky_relu"](slope)] * n_layers, x, t)
    assert_grads_match(expected, actual)


@pytest.mark.parametrize("names", [("leaky_relu", "tanh", "sigmoid"), ("tanh", "tanh", "leaky_relu"),
                                   ("sigmoid", "leaky_relu", "tanh")], ids="-".join)
def test_each_layer_may_have_its_own_activation(names):
    # the article's loop takes per-layer f_i and f_i': nothing ties it to LeakyReLU
    rng = np.random.default_rng(7)
    layers = random_layers((3, 5, 4, 2), rng)
    x, t = rng.uniform(-2, 2, (3, 1)), rng.random((2, 1))

    expected = column_vectors.gradients(layers, [activation_pair(n, slope=0.1) for n in names], x, t)
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

    hand = column_vectors.gradients(layers, [leaky_relu_pair(0.1)] * (len(layer_sizes) - 1), x, t)
    assert_grads_match(as_sequential_names(hand), {name: p.grad for name, p in model.named_parameters()})


# ----------------------------------------------------------------------------
# the article's slip, caught


@pytest.mark.parametrize("layer_sizes", [(2, 3, 2), (2, 4, 4, 3)], ids=lambda s: "-".join(map(str, s)))
def test_the_generic_loop_as_printed_with_f_for_f_prime_is_flagged(layer_sizes, assert_rows_flagged):
    rng = np.random.default_rng(9)
    layers = random_layers(layer_sizes, rng)
    x, t = rng.uniform(-2, 2, (layer_sizes[0], 1)), rng.random((layer_sizes[-1], 1))
    n_layers = len(layer_sizes) - 1

    printed = column_vectors.mistaken_gradients(layers, [leaky_relu_pair(0.1)] * n_layers, x, t)
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(printed, column_gradients(layers, [TG_ACTIVATIONS["leaky_relu"](0.1)] * n_layers, x, t))
    assert_rows_flagged(str(failure.value), printed.keys())


# ----------------------------------------------------------------------------
# training equality: the article's train() vs autograd + nn.SGD


def trained_by_the_article(seed):
    """(initial layers, points, targets, layers after the article's train): 2-3-2 LeakyReLU
    (slope 0.1) on 300 quadrant points, lr 0.05."""
    rng = np.random.default_rng(seed)
    initial = column_vectors.init_layers((2, 3, 2), rng)
    points, targets = column_vectors.quadrant_data(300, rng)
    by_hand = column_vectors.train([(W.copy(), b.copy()) for W, b in initial], [leaky_relu_pair(0.1)] * 2,
                                   points, targets, 0.05)
    return initial, points, targets, by_hand


def test_article_training_and_autograd_sgd_on_raw_column_tensors_end_on_the_same_weights():
    from nn import SGD
    initial, points, targets, by_hand = trained_by_the_article(seed=11)

    params = column_parameters(initial)
    optimizer = SGD([p for pair in params for p in pair], lr=0.05)
    tg_activation = [TG_ACTIVATIONS["leaky_relu"](0.1)] * 2
    for i in range(points.shape[1]):
        optimizer.zero_grad()
        column_loss(params, tg_activation, points[:, i:i + 1], targets[:, i:i + 1]).backward()
        optimizer.step()

    assert max(np.abs(W - W0).max() for (W, _), (W0, _) in zip(by_hand, initial)) > 1e-3
    assert_grads_match(column_vectors.named(by_hand), column_vectors.named(params), rtol=1e-10)


def test_article_training_and_an_nn_sequential_with_sgd_end_on_the_same_weights():
    import nn
    from nn import SGD
    initial, points, targets, by_hand = trained_by_the_article(seed=12)

    model = sequential_model(initial, 0.1)
    optimizer, loss_fn = SGD(model.parameters(), lr=0.05), nn.MSELoss()
    for i in range(300):
        optimizer.zero_grad()
        loss_fn(model(tg.Tensor(points[:, i][None, :])), tg.Tensor(targets[:, i][None, :])).backward()
        optimizer.step()

    assert_grads_match(as_sequential_names(column_vectors.named(by_hand)), dict(model.named_parameters()),
                       rtol=1e-10)
