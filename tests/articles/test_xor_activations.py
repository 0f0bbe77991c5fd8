"""Article 003 — "Back Propagation, the Easy Way (Part 2)" (Towards Data Science),
seed file shared/seeds/003_014b8435160c185a.txt.

The article's network, in its own conventions:

* row vectors; the bias trick puts a column of ones *first* in the input
  (``[x0, x1] -> [1, x0, x1]``), and only there (the extra unit of a hidden layer is
  an ordinary activated unit);
* weights of shape (n_{i-1} + 1, n_i + 1) for hidden layers and (n_{L-1} + 1, n_L) for
  the output layer, drawn uniformly from [−1, 1);
* one activation g for every layer: tanh, sigmoid or relu; z = a·W, A = g(z);
* one randomly chosen sample per step; error A − y at the output (loss ½Σ(A − y)²).

Its backward pass and update, re-coded below:

    output layer:  δ = (A − y) ⊙ g'(z)
    hidden layer:  δ = (δ_right · W_rightᵀ) ⊙ g'(z)
    every layer:   W -= lr · a_leftᵀ · δ        (all δ computed before any update)

with g' evaluated at z. The article warns against the common mistake of evaluating it
at the output A instead; that mistake is re-coded here and must be flagged — except
for relu, where g'(g(z)) happens to equal g'(z), and the cross-check confirms it.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import assert_grads_match

# ----------------------------------------------------------------------------
# the oracle: the article's formulas in plain NumPy


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS = {  # name: (g, g')
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
}
TG_ACTIVATIONS = {"tanh": tg.tanh, "sigmoid": tg.sigmoid, "relu": tg.relu}


def with_bias_column_first(X):
    return np.hstack([np.ones((X.shape[0], 1)), X])


def init_weights(layer_sizes, rng):
    """Hidden (n_{i-1}+1, n_i+1), output (n_{L-1}+1, n_L), uniform in [−1, 1)."""
    shapes = [(n_in + 1, n_out + 1) for n_in, n_out in zip(layer_sizes[:-2], layer_sizes[1:-1])]
    shapes.append((layer_sizes[-2] + 1, layer_sizes[-1]))
    return [2 * rng.random(shape) - 1 for shape in shapes]


def deltas(weights, a0, y, activation, derivative_at="z"):
    """Forward (keeping z and A per layer), then the δ of every layer, output first.

    ``derivative_at="A"`` re-codes the mistake the article warns about: g' of the output."""
    g, g_prime = ACTIVATIONS[activation]
    inputs, slopes, a = [], [], a0
    for W in weights:
        inputs.append(a)
        z = a @ W
        a = g(z)
        slopes.append(g_prime(z if derivative_at == "z" else a))
    delta = [(a - y) * slopes[-1]]
    for layer in range(len(weights) - 2, -1, -1):
        delta.insert(0, (delta[0] @ weights[layer + 1].T) * slopes[layer])
    return inputs, delta


def hand_gradients(weights, a0, y, activation, derivative_at="z"):
    """{"W[i]": a_leftᵀ·δ}: what the update subtracts lr times."""
    inputs, delta = deltas(weights, a0, y, activation, derivative_at)
    return {f"W[{i}]": a.T @ d for i, (a, d) in enumerate(zip(inputs, delta))}


def article_fit(weights, X, y, activation, learning_rate, sample_order):
    """One sample per step (the given order stands in for the article's random picks)."""
    A0 = with_bias_column_first(X)
    for i in sample_order:
        inputs, delta = deltas(weights, A0[i:i + 1], y[i:i + 1], activation)
        for W, a, d in zip(weights, inputs, delta):
            W -= learning_rate * a.T @ d
    return weights


# ----------------------------------------------------------------------------
# the same network from tinygrad_edu ops


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


def assert_rows_flagged(message, names):
    """Every named row of an assert_grads_match table says MISMATCH."""
    rows = {line.split()[0]: line for line in message.splitlines() if line.strip()}
    for name in names:
        assert name in rows and "MISMATCH" in rows[name], f"{name} not flagged in:\n{message}"


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)

LAYER_SIZES = [(2, 2, 1), (2, 4, 5, 1), (3, 6, 2), (4, 3, 3, 3, 3)]
ACTIVATION_NAMES = ["tanh", "sigmoid", "relu"]

# ----------------------------------------------------------------------------
# gradient equality


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autograd_reproduces_the_articles_deltas_for_one_sample(activation, layer_sizes, seed):
    rng = np.random.default_rng(seed)
    weights = init_weights(layer_sizes, rng)
    x, y = rng.uniform(-1, 1, (1, layer_sizes[0])), rng.random((1, layer_sizes[-1]))

    expected = hand_gradients(weights, with_bias_column_first(x), y, activation)
    assert_grads_match(expected, autograd_gradients(weights, x, y, activation))


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_on_each_xor_input(activation):
    weights = init_weights((2, 2, 1), np.random.default_rng(3))
    for i in range(4):
        x, y = XOR_X[i:i + 1], XOR_Y[i:i + 1]
        assert_grads_match(hand_gradients(weights, with_bias_column_first(x), y, activation),
                           autograd_gradients(weights, x, y, activation))


# ----------------------------------------------------------------------------
# the mistake the article warns about, caught


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("layer_sizes", [(2, 2, 1), (2, 4, 5, 1)], ids=lambda s: "-".join(map(str, s)))
def test_the_derivative_evaluated_at_the_output_instead_of_z_is_flagged(activation, layer_sizes):
    rng = np.random.default_rng(4)
    weights = init_weights(layer_sizes, rng)
    x, y = rng.uniform(-1, 1, (1, layer_sizes[0])), rng.random((1, layer_sizes[-1]))

    wrong = hand_gradients(weights, with_bias_column_first(x), y, activation, derivative_at="A")
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(wrong, autograd_gradients(weights, x, y, activation))
    assert_rows_flagged(str(failure.value), wrong.keys())


def test_for_relu_the_same_mistake_is_harmless_because_relu_prime_of_relu_is_relu_prime():
    # relu'(relu(z)) = [relu(z) > 0] = [z > 0] = relu'(z): the cross-check agrees
    rng = np.random.default_rng(5)
    weights = init_weights((2, 4, 5, 1), rng)
    x, y = rng.uniform(-1, 1, (1, 2)), rng.random((1, 1))
    at_output = hand_gradients(weights, with_bias_column_first(x), y, "relu", derivative_at="A")
    assert_grads_match(at_output, autograd_gradients(weights, x, y, "relu"))


# ----------------------------------------------------------------------------
# training equality: the article's fit vs autograd + nn.SGD


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_random_sample_steps_by_hand_and_by_autograd_with_sgd_end_on_the_same_weights(activation):
    rng = np.random.default_rng(5)  # a draw where no relu unit starts dead
    initial = init_weights((2, 3, 1), rng)
    sample_order = rng.integers(0, 4, size=200)  # the same "random" picks for both runs

    by_hand = article_fit([W.copy() for W in initial], XOR_X, XOR_Y, activation, 0.1, sample_order)
    by_autograd = autograd_fit(initial, XOR_X, XOR_Y, activation, 0.1, sample_order)

    assert max(np.abs(a - b).max() for a, b in zip(by_hand, initial)) > 1e-3
    assert_grads_match({f"W[{i}]": W for i, W in enumerate(by_hand)},
                       {f"W[{i}]": W for i, W in enumerate(by_autograd)}, rtol=1e-10)


def test_deeper_network_training_equality():
    rng = np.random.default_rng(7)
    initial = init_weights((3, 4, 4, 2), rng)
    X, y = rng.uniform(-1, 1, (6, 3)), rng.random((6, 2))
    sample_order = rng.integers(0, 6, size=60)

    by_hand = article_fit([W.copy() for W in initial], X, y, "tanh", 0.1, sample_order)
    by_autograd = autograd_fit(initial, X, y, "tanh", 0.1, sample_order)
    assert_grads_match({f"W[{i}]": W for i, W in enumerate(by_hand)},
                       {f"W[{i}]": W for i, W in enumerate(by_autograd)}, rtol=1e-10)
