"""Article 003 — "Back Propagation, the Easy Way (Part 2)" (Towards Data Science, Z. Salloum).

The oracle is ``tinygrad_edu.articles.xor_activations``: the article's network in NumPy, in
its own conventions (ones column first, weights uniform in [−1, 1), one activation for every
layer — tanh, sigmoid or relu —, δ = (A − y)·g'(z) at the output and (δ_right·W_rightᵀ)·g'(z)
below, W -= lr·a_leftᵀ·δ, one sample per step). Here the same network is built from
tinygrad_edu ops; autograd must reproduce the article's deltas and training for all three
activations, and must catch the mistake the article warns about (g' evaluated at the output
A instead of z) — except for relu, where that mistake is harmless.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.articles import xor_activations
from tinygrad_edu.datasets import xor
from tinygrad_edu.testing import assert_grads_match

# ----------------------------------------------------------------------------
# the same network from tinygrad_edu ops

TG_ACTIVATIONS = {"tanh": tg.tanh, "sigmoid": tg.sigmoid, "relu": tg.relu}


def as_parameters(weights):
    return [tg.Tensor(W.copy(), requires_grad=True) for W in weights]


def autograd_predict(params, X, activation):
    """Ones column first (tg.cat), then g(a @ W) on every layer."""
    g = TG_ACTIVATIONS[activation]
    a = tg.cat([tg.ones(X.shape[0], 1, dtype=tg.float64), tg.Tensor(np.asarray(X, dtype=np.float64))], dim=1)
    for W in params:
        a = g(a @ W)
    return a


def autograd_loss(params, X, y, activation):
    return 0.5 * ((autograd_predict(params, X, activation) - tg.Tensor(y)) ** 2).sum()


def autograd_gradients(weights, X, y, activation):
    params = as_parameters(weights)
    autograd_loss(params, X, y, activation).backward()
    return {f"W[{i}]": W.grad for i, W in enumerate(params)}


def autograd_fit(weights, X, y, activation, learning_rate, sample_order):
    from nn import SGD
    params = as_parameters(weights)
    optimizer = SGD(params, lr=learning_rate)
    for i in sample_order:
        optimizer.zero_grad()
        autograd_loss(params, X[i:i + 1], y[i:i + 1], activation).backward()
        optimizer.step()
    return params


XOR_X, XOR_Y = xor()

LAYER_SIZES = [(2, 2, 1), (2, 4, 5, 1), (3, 6, 2), (4, 3, 3, 3, 3)]
ACTIVATION_NAMES = ["tanh", "sigmoid", "relu"]
with_ones_first = xor_activations.with_bias_column

# ----------------------------------------------------------------------------
# gradient equality


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autograd_reproduces_the_articles_deltas_for_one_sample(activation, layer_sizes, seed):
    rng = np.random.default_rng(seed)
    weights = xor_activations.init_weights(layer_sizes, rng)
    x, y = rng.uniform(-1, 1, (1, layer_sizes[0])), rng.random((1, layer_sizes[-1]))

    expected = xor_activations.gradients(weights, with_ones_first(x), y, activation)
    assert_grads_match(expected, autograd_gradients(weights, x, y, activation))


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_on_each_xor_input(activation):
    weights = xor_activations.init_weights((2, 2, 1), np.random.default_rng(3))
    for i in range(4):
        x, y = XOR_X[i:i + 1], XOR_Y[i:i + 1]
        assert_grads_match(xor_activations.gradients(weights, with_ones_first(x), y, activation),
                           autograd_gradients(weights, x, y, activation))


# ----------------------------------------------------------------------------
# the mistake the article warns about, caught


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("layer_sizes", [(2, 2, 1), (2, 4, 5, 1)], ids=lambda s: "-".join(map(str, s)))
def test_the_derivative_evaluated_at_the_output_instead_of_z_is_flagged(activation, layer_sizes,
                                                                         assert_rows_flagged):
    rng = np.random.default_rng(4)
    weights = xor_activations.init_weights(layer_sizes, rng)
    x, y = rng.uniform(-1, 1, (1, layer_sizes[0])), rng.random((1, layer_sizes[-1]))

    wrong = xor_activations.mistaken_gradients(weights, with_ones_first(x), y, activation)
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(wrong, autograd_gradients(weights, x, y, activation))
    assert_rows_flagged(str(failure.value), wrong.keys())


def test_for_relu_the_same_mistake_is_harmless_because_relu_prime_of_relu_is_relu_prime():
    # relu'(relu(z)) = [relu(z) > 0] = [z > 0] = relu'(z): the cross-check agrees
    rng = np.random.default_rng(5)
    weights = xor_activations.init_weights((2, 4, 5, 1), rng)
    x, y = rng.uniform(-1, 1, (1, 2)), rng.random((1, 1))
    at_output = xor_activations.mistaken_gradients(weights, with_ones_first(x), y, "relu")
    assert_grads_match(at_output, autograd_gradients(weights, x, y, "relu"))


# ----------------------------------------------------------------------------
# training equality: the article's fit vs autograd + nn.SGD


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_random_sample_steps_by_hand_and_by_autograd_with_sgd_end_on_the_same_weights(activation):
    rng = np.random.default_rng(5)  # a draw where no relu unit starts dead
    initial = xor_activations.init_weights((2, 3, 1), rng)
    sample_order = rng.integers(0, 4, size=200)  # the same "random" picks for both runs

    by_hand = xor_activations.fit([W.copy() for W in initial], XOR_X, XOR_Y, activation, 0.1, sample_order)
    by_autograd = autograd_fit(initial, XOR_X, XOR_Y, activation, 0.1, sample_order)

    assert max(np.abs(a - b).max() for a, b in zip(by_hand, initial)) > 1e-3
    assert_grads_match({f"W[{i}]": W for i, W in enumerate(by_hand)},
                       {f"W[{i}]": W for i, W in enumerate(by_autograd)}, rtol=1e-10)


def test_deeper_network_training_equality():
    rng = np.random.default_rng(7)
    initial = xor_activations.init_weights((3, 4, 4, 2), rng)
    X, y = rng.uniform(-1, 1, (6, 3)), rng.random((6, 2))
    sample_order = rng.integers(0, 6, size=60)

    by_hand = xor_activations.fit([W.copy() for W in initial], X, y, "tanh", 0.1, sample_order)
    by_autograd = autograd_fit(initial, X, y, "tanh", 0.1, sample_order)
    assert_grads_match({f"W[{i}]": W for i, W in enumerate(by_hand)},
                       {f"W[{i}]": W for i, W in enumerate(by_autograd)}, rtol=1e-10)
