"""Hand-derived deltas vs autograd, side by side, for the four tutorial articles.

For each article this script builds the article's network twice — once with its
explicit backprop formulas written in plain NumPy, once with tinygrad_edu ops / nn
modules and ``backward()`` — and prints ``tinygrad_edu.testing.compare_grads``' table:
one row per parameter, exact / close / MISMATCH, the largest errors and both values
at the worst element. Then it does the same with each article's known slip (the
derivative evaluated at the wrong place) to show what a wrong delta looks like.

The hand-written side is each article's oracle from ``tinygrad_edu.articles`` (the same
functions the tests check autograd against). This is the workflow for checking your own
backprop: compute your gradients into a dict, take ``{name: p.grad}`` from autograd, and
compare.

    python examples/manual_vs_autograd.py
    python examples/manual_vs_autograd.py --no-mistakes --seed 3
"""
import argparse

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import bias_trick, column_vectors, logistic_mlp, xor_activations
from tinygrad_edu.articles.activations import leaky_relu_pair
from tinygrad_edu.articles.layouts import as_sequential_names
from tinygrad_edu.testing import compare_grads, grads_of


def load_column_arrays(model, column_arrays, first_layer):
    """Copy an article's W_i (out, in), b_i (out, 1) into nn.Sequential(Linear, act, ...)."""
    model.load_state_dict({name: tg.tensor(value) for name, value in
                           as_sequential_names(column_arrays, first_layer).items()})
    return model


# ----------------------------------------------------------------------------
# 000: bias column last, sigmoid everywhere, loss ½Σ(pred − y)², σ'(a) = a(1 − a)


def article000(rng, slip):
    sizes = (3, 4, 2)
    W = bias_trick.init_weights(sizes, rng)
    x, y = rng.random((1, 3)), rng.random((1, 2))
    by_hand = bias_trick.mistaken_gradients if slip else bias_trick.gradients
    hand = by_hand(W, bias_trick.with_bias_column(x), y)
    # autograd: the same network from tg ops
    params = [tg.Tensor(w, requires_grad=True) for w in W]
    a = tg.cat([tg.Tensor(x), tg.ones(1, 1, dtype=tg.float64)], dim=1)
    for p in params:
        a = (a @ p).sigmoid()
    (0.5 * ((a - tg.Tensor(y)) ** 2).sum()).backward()
    auto = {f"W[{i}]": p.grad for i, p in enumerate(params)}
    title = f"000 PyImageSearch, bias trick (ones last), {'-'.join(map(str, sizes))} sigmoid"
    return title, "sigmoid_deriv given the net input z instead of the activation", hand, auto


# ----------------------------------------------------------------------------
# 001: column vectors, y = W·x + b, LeakyReLU, MSE; db = f'(y)·dx, dx = Wᵀ·db, dW = db·xᵀ


def article001(rng, slip, slope=0.1):
    layers = [(rng.standard_normal((3, 2)), rng.normal(0, 0.5, (3, 1))),
              (rng.standard_normal((2, 3)) / np.sqrt(3), rng.normal(0, 0.5, (2, 1)))]
    x, t = rng.uniform(-2, 2, (2, 1)), rng.random((2, 1))
    by_hand = column_vectors.mistaken_gradients if slip else column_vectors.gradients
    hand = as_sequential_names(by_hand(layers, [leaky_relu_pair(slope)] * 2, x, t))
    # autograd: nn.Linear works on rows; same W (out, in), bias (out,)
    model = nn.Sequential(nn.Linear(2, 3, dtype=tg.float64), nn.LeakyReLU(slope),
                          nn.Linear(3, 2, dtype=tg.float64), nn.LeakyReLU(slope))
    load_column_arrays(model, column_vectors.named(layers), first_layer=0)
    nn.MSELoss()(model(tg.Tensor(x.T)), tg.Tensor(t.T)).backward()
    title = "001 mathspp, column vectors, 2-3-2 LeakyReLU, MSE"
    return title, "the generic loop as printed: f(y) where f'(y) is meant", \
        hand, grads_of(model.named_parameters())


# ----------------------------------------------------------------------------
# 002: samples as columns, sigmoid layers, BCE averaged over n; dZ_L = A_L − Y, ...


def article002(rng, slip):
    n = 16
    params = logistic_mlp.init_parameters((6, 4, 1), rng)
    X, Y = rng.random((n, 6)), (rng.random((1, n)) > 0.5).astype(np.float64)
    by_hand = logistic_mlp.mistaken_gradients if slip else logistic_mlp.gradients
    hand = as_sequential_names(by_hand(params, X.T, Y), first_layer=1)
    model = nn.Sequential(nn.Linear(6, 4, dtype=tg.float64), nn.Sigmoid(),
                          nn.Linear(4, 1, dtype=tg.float64), nn.Sigmoid())
    load_column_arrays(model, params, first_layer=1)
    nn.BCELoss()(model(tg.Tensor(X)), tg.Tensor(Y.T)).backward()
    title = f"002 A Developer Diary, samples as columns, 6-4-1 sigmoid, BCE over n={n}"
    return title, "the listing's dZ = dA·σ'(dA)", hand, grads_of(model.named_parameters())


# ----------------------------------------------------------------------------
# 003: ones column first, tanh everywhere; δ = (A − y)·g'(z), δ = δ_right·W_rightᵀ ⊙ g'(z)


def article003(rng, slip):
    W = xor_activations.init_weights((2, 3, 1), rng)
    x, y = np.array([[0.0, 1.0]]), np.array([[1.0]])
    by_hand = xor_activations.mistaken_gradients if slip else xor_activations.gradients
    hand = by_hand(W, xor_activations.with_bias_column(x), y, "tanh")
    params = [tg.Tensor(w, requires_grad=True) for w in W]
    a = tg.cat([tg.ones(1, 1, dtype=tg.float64), tg.Tensor(x)], dim=1)
    for p in params:
        a = (a @ p).tanh()
    (0.5 * ((a - tg.Tensor(y)) ** 2).sum()).backward()
    title = "003 TDS Easy Way, bias trick (ones first), 2-3-1 tanh, XOR input (0, 1)"
    return title, "g' evaluated at the output A instead of z (the article's warning)", \
        hand, {f"W[{i}]": p.grad for i, p in enumerate(params)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seed", type=int, default=0, help="seeds every article's weights and data")
    parser.add_argument("--no-mistakes", action="store_true", help="skip the tables of the articles' slips")
    args = parser.parse_args(argv)
    for article in (article000, article001, article002, article003):
        title, slip_name, hand, auto = article(np.random.default_rng(args.seed), slip=False)
        print(f"=== {title}\n--- the article's formulas vs autograd")
        print(compare_grads(hand, auto), end="\n\n")
        if not args.no_mistakes:
            _, _, wrong, auto = article(np.random.default_rng(args.seed), slip=True)
            print(f"--- {slip_name} vs autograd")
            print(compare_grads(wrong, auto), end="\n\n")


if __name__ == "__main__":
    main()
