"""Hand-derived deltas vs autograd, side by side, for the four tutorial articles.

For each article this script builds the article's network twice — once with its
explicit backprop formulas written in plain NumPy, once with tinygrad_edu ops / nn
modules and ``backward()`` — and prints ``tinygrad_edu.testing.compare_grads``' table:
one row per parameter, exact / close / MISMATCH, the largest errors and both values
at the worst element. Then it does the same with each article's known slip (the
derivative evaluated at the wrong place) to show what a wrong delta looks like.

This is the workflow for checking your own backprop: compute your gradients into a
dict, take ``{name: p.grad}`` from autograd, and compare.

    python examples/manual_vs_autograd.py
    python examples/manual_vs_autograd.py --no-mistakes --seed 3
"""
import argparse

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.testing import compare_grads, grads_of


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ----------------------------------------------------------------------------
# 000: bias column last, sigmoid everywhere, loss ½Σ(pred − y)², σ'(a) = a(1 − a)


def article000(rng, slip):
    sizes = (3, 4, 2)
    W = [rng.standard_normal((4, 5)) / np.sqrt(3), rng.standard_normal((5, 2)) / np.sqrt(4)]
    x, y = rng.random((1, 3)), rng.random((1, 2))
    # by hand: A[l+1] = σ(A[l]·W[l]); D = [(A[-1] − y)·σ'(A[-1])]; D[l-1] = D[l]·W[l]ᵀ ⊙ σ'(A[l])
    A = [np.hstack([x, np.ones((1, 1))])]
    for w in W:
        A.append(sigmoid(A[-1] @ w))
    derivative = (lambda a, z: z * (1 - z)) if slip else (lambda a, z: a * (1 - a))
    nets = [A[0] @ W[0], A[1] @ W[1]]
    D1 = (A[2] - y) * derivative(A[2], nets[1])
    D0 = (D1 @ W[1].T) * derivative(A[1], nets[0])
    hand = {"W[0]": A[0].T @ D0, "W[1]": A[1].T @ D1}
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


def article001(rng, slope=0.1, slip=False):
    f = lambda y: np.where(y > 0, y, slope * y)  # noqa: E731
    df = lambda y: np.where(y > 0, 1.0, slope)  # noqa: E731
    layers = [(rng.standard_normal((3, 2)), rng.normal(0, 0.5, (3, 1))),
              (rng.standard_normal((2, 3)) / np.sqrt(3), rng.normal(0, 0.5, (2, 1)))]
    x, t = rng.uniform(-2, 2, (2, 1)), rng.random((2, 1))
    xs = [x]
    for W, b in layers:
        xs.append(f(W @ xs[-1] + b))
    dx, hand = 2 * (xs[-1] - t) / t.size, {}
    for i in (1, 0):
        W, b = layers[i]
        y = W @ xs[i] + b
        db = (f(y) if slip else df(y)) * dx
        dx = W.T @ db
        hand[f"{2 * i}.weight"], hand[f"{2 * i}.bias"] = db @ xs[i].T, db.ravel()
    # autograd: nn.Linear works on rows; same W (out, in), bias (out,)
    model = nn.Sequential(nn.Linear(2, 3, dtype=tg.float64), nn.LeakyReLU(slope),
                          nn.Linear(3, 2, dtype=tg.float64), nn.LeakyReLU(slope))
    for linear, (W, b) in zip((model[0], model[2]), layers):
        linear.weight.data, linear.bias.data = W.copy(), b.ravel().copy()
    nn.MSELoss()(model(tg.Tensor(x.T)), tg.Tensor(t.T)).backward()
    title = "001 mathspp, column vectors, 2-3-2 LeakyReLU, MSE"
    return title, "the generic loop as printed: f(y) where f'(y) is meant", \
        dict(sorted(hand.items())), grads_of(model.named_parameters())


# ----------------------------------------------------------------------------
# 002: samples as columns, sigmoid layers, BCE averaged over n; dZ_L = A_L − Y, ...


def article002(rng, slip):
    n = 16
    W1, b1 = rng.standard_normal((4, 6)) / np.sqrt(6), np.zeros((4, 1))
    W2, b2 = rng.standard_normal((1, 4)) / np.sqrt(4), np.zeros((1, 1))
    X, Y = rng.random((n, 6)), (rng.random((1, n)) > 0.5).astype(np.float64)
    A0 = X.T
    Z1 = W1 @ A0 + b1
    A1 = sigmoid(Z1)
    A2 = sigmoid(W2 @ A1 + b2)
    s_prime = lambda Z: sigmoid(Z) * (1 - sigmoid(Z))  # noqa: E731
    if slip:  # the listing: dZ = dA·σ'(dA)
        dA2 = -Y / A2 + (1 - Y) / (1 - A2)
        dZ2 = dA2 * s_prime(dA2)
    else:
        dZ2 = A2 - Y
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (s_prime(dA1) if slip else s_prime(Z1))
    hand = {"0.weight": dZ1 @ A0.T / n, "0.bias": dZ1.sum(axis=1) / n,
            "2.weight": dZ2 @ A1.T / n, "2.bias": dZ2.sum(axis=1) / n}
    model = nn.Sequential(nn.Linear(6, 4, dtype=tg.float64), nn.Sigmoid(),
                          nn.Linear(4, 1, dtype=tg.float64), nn.Sigmoid())
    for linear, (W, b) in zip((model[0], model[2]), ((W1, b1), (W2, b2))):
        linear.weight.data, linear.bias.data = W.copy(), b.ravel().copy()
    nn.BCELoss()(model(tg.Tensor(X)), tg.Tensor(Y.T)).backward()
    title = "002 A Developer Diary, samples as columns, 6-4-1 sigmoid, BCE over n=16"
    return title, "the listing's dZ = dA·σ'(dA)", hand, grads_of(model.named_parameters())


# ----------------------------------------------------------------------------
# 003: ones column first, tanh everywhere; δ = (A − y)·g'(z), δ = δ_right·W_rightᵀ ⊙ g'(z)


def article003(rng, slip):
    W = [2 * rng.random((3, 4)) - 1, 2 * rng.random((4, 1)) - 1]
    x, y = np.array([[0.0, 1.0]]), np.array([[1.0]])
    g_prime = lambda v: 1 - np.tanh(v) ** 2  # noqa: E731
    a0 = np.hstack([np.ones((1, 1)), x])
    z0 = a0 @ W[0]
    a1 = np.tanh(z0)
    z1 = a1 @ W[1]
    a2 = np.tanh(z1)
    d1 = (a2 - y) * g_prime(a2 if slip else z1)
    d0 = (d1 @ W[1].T) * g_prime(a1 if slip else z0)
    hand = {"W[0]": a0.T @ d0, "W[1]": a1.T @ d1}
    params = [tg.Tensor(w, requires_grad=True) for w in W]
    a = tg.cat([tg.ones(1, 1, dtype=tg.float64), tg.Tensor(x)], dim=1)
    for p in params:
        a = (a @ p).tanh()
    (0.5 * ((a - tg.Tensor(y)) ** 2).sum()).backward()
    title = "003 TDS Easy Way, bias trick (ones first), 2-3-1 tanh, XOR input (0, 1)"
    return title, "g' evaluated at the output A instead of z (the article's warning)", \
        hand, {f"W[{i}]": p.grad for i, p in enumerate(params)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
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
