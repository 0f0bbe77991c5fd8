"""Article 002 — "Understand and Implement the Backpropagation Algorithm From Scratch In
Python" (A Developer Diary, A. Jana).

The oracle is ``tinygrad_edu.articles.logistic_mlp``: the article's network in NumPy, in its
own conventions (samples as columns, A⁰ = Xᵀ, W (out, in), b (out, 1), sigmoid layers,
binary cross-entropy averaged over n, full-batch gradient descent, dZ^L = A^L − Y and
dZ = dA ⊙ σ'(Z) below). Here the same network is built from raw tinygrad_edu tensors in the
article's column convention and from ``nn.Linear`` / ``nn.Sigmoid`` / ``nn.BCELoss`` on rows;
autograd must reproduce the article's gradients and its training, and must catch the slip
in the article's algorithm listing (dZ = dA·σ'(dA)).
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.articles import logistic_mlp
from tinygrad_edu.articles.layouts import as_sequential_names
from tinygrad_edu.testing import assert_grads_match

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
    modules = []
    for l in range(1, len(params) // 2 + 1):
        n_out, n_in = params[f"W{l}"].shape
        modules += [nn.Linear(n_in, n_out, dtype=tg.float64), nn.Sigmoid()]
    model = nn.Sequential(*modules)
    model.load_state_dict({name: tg.tensor(value) for name, value in
                           as_sequential_names(params, first_layer=1).items()})
    return model


def binary_data(n, n_features, rng):
    """Pixel-like inputs in [0, 1] and 0/1 labels as a (1, n) row, like the article's Y."""
    return rng.random((n, n_features)), (rng.random((1, n)) > 0.5).astype(np.float64)


def copied(params):
    return {name: value.copy() for name, value in params.items()}


LAYER_SIZES = [(6, 4, 1), (8, 5, 3, 1), (3, 1), (10, 7, 6, 5, 1), (784, 196, 1)]

# ----------------------------------------------------------------------------
# gradient equality


@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autograd_reproduces_the_articles_gradients(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    params = logistic_mlp.init_parameters(layer_sizes, rng, bias_scale=0.5)
    X, Y = binary_data(25, layer_sizes[0], rng)
    assert_grads_match(logistic_mlp.gradients(params, X.T, Y), column_gradients(params, X, Y))


def test_with_the_articles_zero_biases_and_a_single_sample():
    rng = np.random.default_rng(3)
    params = logistic_mlp.init_parameters((5, 4, 1), rng)
    X, Y = binary_data(1, 5, rng)
    assert_grads_match(logistic_mlp.gradients(params, X.T, Y), column_gradients(params, X, Y))


@pytest.mark.parametrize("layer_sizes", [(6, 4, 1), (8, 5, 3, 1)], ids=lambda s: "-".join(map(str, s)))
def test_nn_linear_sigmoid_and_bce_loss_give_the_articles_gradients(layer_sizes):
    import nn
    rng = np.random.default_rng(4)
    params = logistic_mlp.init_parameters(layer_sizes, rng, bias_scale=0.5)
    X, Y = binary_data(30, layer_sizes[0], rng)
    model = sequential_model(params)

    nn.BCELoss()(model(tg.Tensor(X)), tg.Tensor(Y.T)).backward()  # rows: targets as (n, 1)

    assert_grads_match(as_sequential_names(logistic_mlp.gradients(params, X.T, Y), first_layer=1),
                       {name: p.grad for name, p in model.named_parameters()})


# ----------------------------------------------------------------------------
# the listing's slip, caught


@pytest.mark.parametrize("layer_sizes", [(6, 4, 1), (8, 5, 3, 1)], ids=lambda s: "-".join(map(str, s)))
def test_the_listings_dz_equals_da_times_sigma_prime_of_da_is_flagged(layer_sizes, assert_rows_flagged):
    rng = np.random.default_rng(5)
    params = logistic_mlp.init_parameters(layer_sizes, rng, bias_scale=0.5)
    X, Y = binary_data(20, layer_sizes[0], rng)

    listing = logistic_mlp.mistaken_gradients(params, X.T, Y)
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(listing, column_gradients(params, X, Y))
    assert_rows_flagged(str(failure.value), listing.keys())


# ----------------------------------------------------------------------------
# training equality: the article's gradient descent vs autograd + nn.SGD


@pytest.mark.parametrize("layer_sizes", [(6, 4, 1), (12, 6, 3, 1)], ids=lambda s: "-".join(map(str, s)))
def test_full_batch_descent_by_hand_and_by_autograd_with_sgd_end_on_the_same_weights(layer_sizes):
    from nn import SGD
    rng = np.random.default_rng(6)
    initial = logistic_mlp.init_parameters(layer_sizes, rng)
    X, Y = binary_data(40, layer_sizes[0], rng)
    iterations, learning_rate = 25, 0.1

    by_hand = logistic_mlp.fit(copied(initial), X, Y, learning_rate, iterations)

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
    initial = logistic_mlp.init_parameters((8, 5, 1), rng)
    X, Y = binary_data(40, 8, rng)

    by_hand = logistic_mlp.fit(copied(initial), X, Y, 0.1, 25)

    model = sequential_model(initial)
    optimizer, loss_fn = SGD(model.parameters(), lr=0.1), nn.BCELoss()
    for _ in range(25):
        optimizer.zero_grad()
        loss_fn(model(tg.Tensor(X)), tg.Tensor(Y.T)).backward()
        optimizer.step()

    assert_grads_match(as_sequential_names(by_hand, first_layer=1), dict(model.named_parameters()), rtol=1e-10)
