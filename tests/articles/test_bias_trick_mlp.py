"""Article 000 — "Backpropagation from scratch with Python" (PyImageSearch, A. Rosebrock).

The oracle is ``tinygrad_edu.articles.bias_trick``: the article's network in NumPy, in its
own conventions (ones column appended last, sigmoid on every layer, ½Σ(pred − target)²,
per-sample SGD, the deltas with σ'(a) = a(1 − a) given the activation). Here the same
network is built from tinygrad_edu ops, and autograd must reproduce the article's deltas,
its training loop, its published Figure 2 and XOR results — and must catch the mistake the
article warns about (the a(1 − a) helper handed the net input z).
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.articles import bias_trick
from tinygrad_edu.articles.activations import sigmoid_prime
from tinygrad_edu.datasets import xor
from tinygrad_edu.testing import assert_grads_match, compare_grads

# ----------------------------------------------------------------------------
# the same network from tinygrad_edu ops


def as_parameters(weights):
    return [tg.Tensor(W.copy(), requires_grad=True) for W in weights]


def autograd_predict(params, X):
    """Bias column of ones appended last (tg.cat), then σ(a @ W) layer after layer."""
    ones = tg.ones(X.shape[0], 1, dtype=tg.float64)
    a = tg.cat([tg.Tensor(np.asarray(X, dtype=np.float64)), ones], dim=1)
    for W in params:
        a = (a @ W).sigmoid()
    return a


def autograd_loss(params, X, y):
    return 0.5 * ((autograd_predict(params, X) - tg.Tensor(np.asarray(y, dtype=np.float64))) ** 2).sum()


def autograd_gradients(weights, X, y):
    params = as_parameters(weights)
    autograd_loss(params, X, y).backward()
    return {f"W[{l}]": W.grad for l, W in enumerate(params)}


def autograd_fit(weights, X, y, alpha, epochs):
    from nn import SGD
    params = as_parameters(weights)
    optimizer = SGD(params, lr=alpha)
    for _ in range(epochs):
        for x, target in zip(X, y):
            optimizer.zero_grad()
            autograd_loss(params, x[None, :], target[None, :]).backward()
            optimizer.step()
    return params


XOR_X, XOR_Y = xor()

LAYER_SIZES = [(2, 2, 1), (2, 1), (3, 5, 2), (4, 3, 3, 3, 2), (64, 32, 16, 10)]


# ----------------------------------------------------------------------------
# gradient equality


@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_autograd_reproduces_the_articles_deltas_for_one_sample(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    weights = bias_trick.init_weights(layer_sizes, rng)
    x = rng.random((1, layer_sizes[0]))
    y = rng.random((1, layer_sizes[-1]))

    expected = bias_trick.gradients(weights, bias_trick.with_bias_column(x), y)
    assert_grads_match(expected, autograd_gradients(weights, x, y))


@pytest.mark.parametrize("layer_sizes", LAYER_SIZES, ids=lambda s: "-".join(map(str, s)))
def test_the_same_formulas_on_a_batch_give_the_gradient_of_the_summed_loss(layer_sizes):
    # A[l]ᵀ·D[l] with several rows sums the per-sample gradients: the loss is ½Σ over the batch
    rng = np.random.default_rng(10)
    weights = bias_trick.init_weights(layer_sizes, rng)
    X = rng.random((7, layer_sizes[0]))
    y = rng.random((7, layer_sizes[-1]))

    expected = bias_trick.gradients(weights, bias_trick.with_bias_column(X), y)
    assert_grads_match(expected, autograd_gradients(weights, X, y))


def test_on_xor_every_weight_gradient_is_reported_close_or_exact():
    rng = np.random.default_rng(3)
    weights = bias_trick.init_weights((2, 2, 1), rng)
    report = compare_grads(bias_trick.gradients(weights, bias_trick.with_bias_column(XOR_X), XOR_Y),
                           autograd_gradients(weights, XOR_X, XOR_Y))
    assert report.ok
    assert [row.name for row in report.rows] == ["W[0]", "W[1]"]
    assert [row.expected_shape for row in report.rows] == [(3, 3), (3, 1)]


# ----------------------------------------------------------------------------
# the article's mistake, caught


@pytest.mark.parametrize("layer_sizes", [(2, 2, 1), (3, 5, 2), (4, 3, 3, 2)],
                         ids=lambda s: "-".join(map(str, s)))
def test_sigmoid_deriv_applied_to_the_net_input_is_flagged(layer_sizes, assert_rows_flagged):
    # sigmoid_deriv assumes "x has already been passed through the sigmoid": giving it z instead
    rng = np.random.default_rng(4)
    weights = bias_trick.init_weights(layer_sizes, rng)
    x, y = rng.random((1, layer_sizes[0])), rng.random((1, layer_sizes[-1]))

    wrong = bias_trick.mistaken_gradients(weights, bias_trick.with_bias_column(x), y)
    with pytest.raises(AssertionError) as failure:
        assert_grads_match(wrong, autograd_gradients(weights, x, y))
    assert_rows_flagged(str(failure.value), wrong.keys())


def test_sigmoid_of_z_times_one_minus_it_is_the_same_derivative():
    # the honest form of the same derivative, σ(z)(1 − σ(z)), passes: the article's a(1 − a) is σ'(z)
    rng = np.random.default_rng(5)
    weights = bias_trick.init_weights((3, 4, 2), rng)
    x, y = rng.random((1, 3)), rng.random((1, 2))
    activations = bias_trick.forward(weights, bias_trick.with_bias_column(x))
    D = bias_trick.deltas(weights, activations, y, slope=sigmoid_prime,
                          slope_of=bias_trick.net_inputs(weights, activations))
    assert_grads_match(bias_trick.weight_gradients(activations, D), autograd_gradients(weights, x, y))


# ----------------------------------------------------------------------------
# training equality: the article's loop vs autograd + nn.SGD


@pytest.mark.parametrize("layer_sizes, n_samples, epochs, seed", [
    ((2, 2, 1), 4, 5, 0),
    ((3, 4, 2), 6, 3, 1),
    ((5, 4, 3, 2), 5, 3, 2),
])
def test_training_by_the_articles_loop_and_by_autograd_with_sgd_end_on_the_same_weights(
        layer_sizes, n_samples, epochs, seed):
    rng = np.random.default_rng(seed)
    initial = bias_trick.init_weights(layer_sizes, rng)
    X = XOR_X if layer_sizes[0] == 2 else rng.random((n_samples, layer_sizes[0]))
    y = XOR_Y if layer_sizes[0] == 2 else rng.random((n_samples, layer_sizes[-1]))
    alpha = 0.5

    by_hand = bias_trick.fit([W.copy() for W in initial], X, y, alpha, epochs)
    by_autograd = autograd_fit(initial, X, y, alpha, epochs)

    moved = max(np.abs(a - b).max() for a, b in zip(by_hand, initial))
    assert moved > 1e-3  # the runs really trained
    assert_grads_match({f"W[{l}]": W for l, W in enumerate(by_hand)},
                       {f"W[{l}]": W for l, W in enumerate(by_autograd)}, rtol=1e-10)


# ----------------------------------------------------------------------------
# the article's published figures


def test_figure_2_forward_pass_gives_the_published_hidden_and_output_values():
    # the figure's weights, from the worked sums in the text: column j feeds hidden node j,
    # rows are (x0, x1, bias)
    hidden_weights = np.array([[0.351, -0.097, 0.457],
                               [1.076, -0.165, -0.165],
                               [1.116, 0.542, -0.331]])
    output_weights = np.array([[0.383], [-0.327], [-0.329]])
    x = tg.Tensor(np.array([[0.0, 1.0]]))
    with_bias = tg.cat([x, tg.ones(1, 1, dtype=tg.float64)], dim=1)
    assert with_bias.tolist() == [[0.0, 1.0, 1.0]]  # the figure's input vector (0, 1, 1)

    hidden = (with_bias @ tg.Tensor(hidden_weights)).sigmoid()
    output = (hidden @ tg.Tensor(output_weights)).sigmoid()

    # the figure prints three decimals, truncated (0.8995 is shown as 0.899, 0.50651 as 0.506)
    assert np.floor(hidden.numpy() * 1000).astype(int).tolist() == [[899, 593, 378]]
    assert np.floor(output.numpy() * 1000).astype(int).tolist() == [[506]]
    assert output.item() > 0.5  # step(0.506) = 1, the correct class of (0, 1)


def test_xor_2_2_1_learns_the_four_outputs():
    # a short run (the article trains 20,000 epochs; this seed learns XOR well before 1,500)
    params = autograd_fit(bias_trick.init_weights((2, 2, 1), np.random.default_rng(6)), XOR_X, XOR_Y,
                          alpha=0.5, epochs=1500)
    with tg.no_grad():
        predictions = autograd_predict(params, XOR_X).numpy()
    assert ((predictions > 0.5) == (XOR_Y > 0.5)).all(), predictions
    assert np.abs(predictions - XOR_Y).max() < 0.2, predictions


def test_xor_2_1_cannot_learn_and_settles_on_the_articles_predictions():
    # without a hidden layer every run settles on the same cycle of per-sample updates,
    # whatever the initial weights: the article prints 0.5161, 0.5000, 0.4839, 0.4678
    for seed in (0, 1):
        params = autograd_fit(bias_trick.init_weights((2, 1), np.random.default_rng(seed)), XOR_X, XOR_Y,
                              alpha=0.5, epochs=1000)
        with tg.no_grad():
            predictions = autograd_predict(params, XOR_X).numpy().ravel()
        assert np.round(predictions, 4).tolist() == [0.5161, 0.5, 0.4839, 0.4678]
        assert np.abs(predictions - 0.5).max() < 0.05
        assert ((predictions > 0.5) != (XOR_Y.ravel() > 0.5)).any()  # misclassifies
