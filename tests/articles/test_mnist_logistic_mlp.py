"""Article 002 — "Understand and Implement the Backpropagation Algorithm From Scratch In
Python" (A Developer Diary, A. Jana), seed file shared/seeds/002_39f46738d2ffb77c.txt.

The article's network, in its own conventions:

* samples are columns: A⁰ = Xᵀ of shape (n_features, n); layer l holds W^l of shape
  (out, in) and b^l of shape (out, 1), Z^l = W^l·A^{l-1} + b^l, A^l = σ(Z^l), sigmoid
  on every layer (the demo: MNIST 5-vs-8, 784-196-1);
* binary cross-entropy averaged over the n samples, J = −(1/n)·Σ[Y log A^L + (1−Y) log(1−A^L)]
  (the article's displayed formula has a sign slip inside the bracket; its code has it right);
* full-batch gradient descent; init W = randn(out, in)/sqrt(in), b = 0.

Its backward pass, re-coded below:

    dZ^L     = A^L − Y                          (σ and the cross-entropy simplified together)
    dW^l     = dZ^l · (A^{l-1})ᵀ / n
    db^l     = Σ_columns dZ^l / n               (axis 1, keepdims)
    dA^{l-1} = (W^l)ᵀ · dZ^l
    dZ^{l-1} = dA^{l-1} ⊙ σ'(Z^{l-1}),  σ'(Z) = σ(Z)(1 − σ(Z))

The article's "N-Layer Neural Network Algorithm" listing writes dZ = dA·σ'(dA) (the
derivative evaluated at the incoming gradient instead of at Z): re-coded here, and it
must be flagged.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import assert_grads_match

# ----------------------------------------------------------------------------
# the oracle: the article's formulas in plain NumPy


def sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def sigmoid_derivative(Z):
    s = sigmoid(Z)
    return s * (1.0 - s)


def init_parameters(layer_sizes, rng, bias_scale=0.0):
    """W^l = randn(out, in)/sqrt(in), b^l = 0 (``bias_scale`` > 0: random biases, for the tests)."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        params[f"b{l}"] = bias_scale * rng.standard_normal((n_out, 1))
    return params


def forward(params, X):
    """Returns the list of Z^l and A^l (A[0] = Xᵀ)."""
    L = len(params) // 2
    A, Z = [X.T], [None]
    for l in range(1, L + 1):
        Z.append(params[f"W{l}"] @ A[-1] + params[f"b{l}"])
        A.append(sigmoid(Z[-1]))
    return Z, A


def hand_gradients(params, X, Y, listing_slip=False):
    """The derivation's gradients; ``listing_slip=True``: the listing's dZ = dA·σ'(dA)."""
    L, n = len(params) // 2, X.shape[0]
    Z, A = forward(params, X)
    if listing_slip:
        dA = -Y / A[L] + (1 - Y) / (1 - A[L])
        dZ = dA * sigmoid_derivative(dA)
    else:
        dZ = A[L] - Y
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ A[l - 1].T / n
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / n
        if l > 1:
            dA = params[f"W{l}"].T @ dZ
            dZ = dA * (sigmoid_derivative(dA) if listing_slip else sigmoid_derivative(Z[l - 1]))
    return dict(sorted(grads.items()))


def article_fit(params, X, Y, learning_rate, iterations):
    """Full-batch gradient descent, every parameter updated with the same iteration's gradients."""
    for _ in range(iterations):
        grads = hand_gradients(params, X, Y)
        for name in params:
            params[name] = params[name] - learning_rate * grads[name]
    return params


# ----------------------------------------------------------------------------
# the same network from tinygrad_edu: raw tensors in the article's column convention


def column_parameters(params):
    return {name: tg.Tensor(value.copy(), requires_grad=True) for name, value in params.items()}


def column_loss(tensors, X, Y):
    """A⁰ = Xᵀ, Z = W·A + b, A = σ(Z); BCE averaged over the n columns, written out in tg ops."""
    L = len(tensors) // 2
    A = tg.Tensor(X).T
    for l in range(1, L + 1):
        A = (tensors[f"W{l}"] @ A + tensors[f"b{l}"]).sigmoid()
    Y = tg.Tensor(Y)
    return -(Y * A.log() + (1 - Y) * (1 - A).log()).mean()


def column_gradients(params, X, Y):
    tensors = column_parameters(params)
    column_loss(tensors, X, Y).backward()
    return {name: t.grad for name, t in tensors.items()}


# ... and from nn modules on rows: Linear(in, out) has the same (out, in) weight, bias (out,)


def sequential_model(params):
    import nn
    L = len(params) // 2
    modules = []
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        linear = nn.Linear(W.shape[1], W.shape[0])
        linear.weight.data, linear.bias.data = W.copy(), b.ravel().copy()
        modules += [linear, nn.Sigmoid()]
    return nn.Sequential(*modules)


def as_sequential_names(params):
    """{"W1": …, "b1": (out, 1)} -> {"0.weight": …, "0.bias": (out,)} (Linear l is module 2(l−1))."""
    return {(f"{2 * (int(k[1:]) - 1)}.weight" if k[0] == "W" else f"{2 * (int(k[1:]) - 1)}.bias"):
            (v if k[0] == "W" else v.ravel()) for k, v in params.items()}


def assert_rows_flagged(message, names):
    """Every named row of an assert_grads_match table says MISMATCH."""
    rows = {line.split()[0]: line for line in message.splitlines() if line.strip()}
    for name in names:
        assert name in rows and "MISMATCH" in rows[name], f"{name} not flagged in:\n{message}"


def binary_data(n, n_features, rng):
    """Pixel-like inputs in [0, 1] and 0/1 labels as a (1, n) row, like the article's Y."""
    return rng.random((n, n_features)), (rng.random((1, n)) > 0.5).astype(np.float64)


LAYER_SIZES = [(6, 4, 1), (8, 5, 3, 1), (3, 1), (10, 7, 6, 5, 1), (784, 196, 1)]

# ----------------------------------------------------------------------------
# gradient equality


@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autograd_reproduces_the_articles_gradients(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    params = init_parameters(layer_sizes, rng, bias_scale=0.5)
    X, Y = binary_data(25, layer_sizes[0], rng)
    assert_grads_match(hand_gradients(params, X, Y), column_gradients(params, X, Y))


def test_with_the_articles_zero_biases_and_a_single_sample():
    rng = np.random.default_rng(3)
    params = init_parameters((5, 4, 1), rng)
    X, Y = binary_data(1, 5, rng)
    assert_grads_match(hand_gradients(params, X, Y), column_gradients(params, X, Y))


@pytest.mark.parametrize("layer_sizes", [(6, 4, 1), (8, 5, 3, 1)], ids=lambda s: "-".join(map(str, s)))
def test_nn_linear_sigmoid_and_bce_loss_give_the_articles_gradients(layer_sizes):
    import nn
    rng = np.random.default_rng(4)
    params = init_parameters(layer_sizes, rng, bias_scale=0.5)
    X, Y = binary_data(30, layer_sizes[0], rng)
    model = sequential_model(params)

    nn.BCELoss()(model(tg.Tensor(X)), tg.Tensor(Y.T)).backward()  # rows: targets as (n, 1)

    assert_grads_match(as_sequential_names(hand_gradients(params, X, Y)),
                       {name: p.grad for name, p in model.named_parameters()})


# ----------------------------------------------------------------------------
# the listing's slip, caught


@pytest.mark.parametrize("layer_sizes", [(6, 4, 1), (8, 5, 3, 1)], ids=lambda s: "-".join(map(str, s)))
def test_the_listings_dz_equals_da_times_sigma_prime_of_da_is_flagged(layer_sizes):
    rng = np.random.default_rng(5)
    params = init_parameters(layer_sizes, rng, bias_scale=0.5)
    X, Y = binary_data(20, layer_sizes[0], rng)

    listing = hand_gradients(params, X, Y, listing_slip=True)
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(listing, column_gradients(params, X, Y))
    assert_rows_flagged(str(failure.value), listing.keys())


# ----------------------------------------------------------------------------
# training equality: the article's gradient descent vs autograd + nn.SGD


@pytest.mark.parametrize("layer_sizes", [(6, 4, 1), (12, 6, 3, 1)], ids=lambda s: "-".join(map(str, s)))
def test_full_batch_descent_by_hand_and_by_autograd_with_sgd_end_on_the_same_weights(layer_sizes):
    from nn import SGD
    rng = np.random.default_rng(6)
    initial = init_parameters(layer_sizes, rng)
    X, Y = binary_data(40, layer_sizes[0], rng)
    iterations, learning_rate = 25, 0.1

    by_hand = article_fit(dict(initial), X, Y, learning_rate, iterations)

    tensors = column_parameters(initial)
    optimizer = SGD(list(tensors.values()), lr=learning_rate)
    for _ in range(iterations):
        optimizer.zero_grad()
        column_loss(tensors, X, Y).backward()
        optimizer.step()

    assert max(np.abs(by_hand[k] - initial[k]).max() for k in initial) > 1e-3
    assert_grads_match(by_hand, tensors, rtol=1e-10)


def test_full_batch_descent_by_hand_and_by_an_nn_sequential_end_on_the_same_weights():
    import nn
    from nn import SGD
    rng = np.random.default_rng(7)
    initial = init_parameters((8, 5, 1), rng)
    X, Y = binary_data(40, 8, rng)

    by_hand = article_fit(dict(initial), X, Y, 0.1, 25)

    model = sequential_model(initial)
    optimizer, loss_fn = SGD(model.parameters(), lr=0.1), nn.BCELoss()
    for _ in range(25):
        optimizer.zero_grad()
        loss_fn(model(tg.Tensor(X)), tg.Tensor(Y.T)).backward()
        optimizer.step()

    assert_grads_match(as_sequential_names(by_hand), dict(model.named_parameters()), rtol=1e-10)

