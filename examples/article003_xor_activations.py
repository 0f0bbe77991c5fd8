"""Article 003 — "Back Propagation, the Easy Way (Part 2)" (Towards Data Science), on tinygrad_edu.

The article's network: the bias trick with the column of ones *first* ([1, x0, x1]),
weights uniform in [−1, 1) of shape (n_{i-1}+1, n_i+1) for hidden layers and
(n_{L-1}+1, n_L) for the output layer, one activation for every layer (tanh, sigmoid
or relu), and training by one randomly chosen sample per step on the error A − y
(loss ½Σ(A − y)²). It learns XOR with each of the three activations and prints the
four outputs.

Here the forward pass is tinygrad_edu ops and autograd + ``nn.SGD`` replace the
article's Layer.backward/update, whose NumPy form lives in
``tinygrad_edu.articles.xor_activations`` with the article's initialisation
(tests/articles/test_xor_activations.py checks that they agree, and that evaluating g'
at the output instead of z is caught).

The article does not give the layer sizes, learning rates or step counts of its runs
("several network configurations"; its ``fit`` defaults to lr 0.1 and 10,000 steps). The
defaults below (2-4-1; 3,000 steps, sigmoid 6,000 at lr 1.0) learn XOR in every run with
tanh and sigmoid. With relu on every layer, *including the output*, a run can get stuck
with dead units; the script tries several initial weights and reports how many learned.

    python examples/article003_xor_activations.py
    python examples/article003_xor_activations.py --full      # 10,000 steps (sigmoid 20,000)
    python examples/article003_xor_activations.py --runs 20 --layers 2 2 1
    python examples/article003_xor_activations.py --full --jit   # the step replayed by tg.jit
"""
import argparse
import time

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import xor_activations
from tinygrad_edu.datasets import xor

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional
    tqdm = None

XOR_X, XOR_Y = xor()

# activation -> (learning rate, steps per run): this script's defaults (the article gives none),
# and with --full the article's fit default of 10,000 steps (sigmoid, at lr 1.0, 20,000)
SETTINGS = {"tanh": (0.1, 3_000), "sigmoid": (1.0, 6_000), "relu": (0.1, 3_000)}
FULL_STEPS = {"tanh": 10_000, "sigmoid": 20_000, "relu": 10_000}


class OnesFirstNetwork(nn.Module):
    """[1, x] then a = g(a @ W) on every layer; the article's weights, uniform in [−1, 1),
    with one more unit on every hidden layer (``xor_activations.init_weights``)."""

    def __init__(self, layers, activation, rng):
        super().__init__()
        self.layers, self.activation = list(layers), activation
        for i, weight in enumerate(xor_activations.init_weights(self.layers, rng)):
            setattr(self, f"W{i}", nn.Parameter(tg.tensor(weight)))

    def forward(self, x):
        g = getattr(tg, self.activation)
        a = tg.cat([tg.ones(x.shape[0], 1, dtype=x.dtype), x], dim=1)
        for i in range(len(self.layers) - 1):
            a = g(a @ getattr(self, f"W{i}"))
        return a


def train(net, learning_rate, steps, rng, label, jit=False):
    """One randomly chosen sample per step, as the article's fit. With jit=True the step
    runs under ``tg.jit``: traced once, its NumPy kernels replayed (bitwise the same)."""
    optimizer = nn.SGD(net.parameters(), lr=learning_rate)

    def step(x, y):
        optimizer.zero_grad()
        loss = 0.5 * ((net(x) - y) ** 2).sum()
        loss.backward()
        optimizer.step()
        return loss

    if jit:
        step = tg.jit(step)
    samples = [(tg.Tensor(XOR_X[i:i + 1]), tg.Tensor(XOR_Y[i:i + 1])) for i in range(4)]
    picks = rng.integers(0, 4, size=steps)
    if tqdm is not None:
        picks = tqdm(picks, desc=label, unit="step", mininterval=0.5, leave=False, disable=None)
    for i in picks:
        step(*samples[i])


def predict(net):
    with tg.no_grad():
        return net(tg.Tensor(XOR_X)).numpy()


def learned_xor(predictions, tolerance=0.2):
    return bool(np.all(np.abs(predictions - XOR_Y) < tolerance))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--activations", nargs="*", default=list(SETTINGS), choices=list(SETTINGS),
                        help="the activations to train, one after the other")
    parser.add_argument("--layers", type=int, nargs="+", default=[2, 4, 1],
                        help="layer sizes, input to output")
    parser.add_argument("--lr", type=float, help="one learning rate for every activation; none: each its own ("
                        + ", ".join(f"{k} {v[0]}" for k, v in SETTINGS.items()) + ")")
    parser.add_argument("--steps", type=int, help="one step count for every activation; none: each its own ("
                        + ", ".join(f"{k} {v[1]}" for k, v in SETTINGS.items()) + ")")
    parser.add_argument("--full", action="store_true",
                        help="the article's fit default of 10000 steps (sigmoid 20000) unless --steps is given")
    parser.add_argument("--runs", type=int, default=5, help="runs with different initial weights")
    parser.add_argument("--seed", type=int, default=0, help="run k uses seed + k (weights and sample picks)")
    parser.add_argument("--jit", action="store_true",
                        help="run the training step under tg.jit: traced once, then its NumPy "
                             "kernels replayed (same results, bit for bit; faster)")
    args = parser.parse_args(argv)

    for activation in args.activations:
        learning_rate = args.lr if args.lr is not None else SETTINGS[activation][0]
        steps = args.steps if args.steps is not None else \
            FULL_STEPS[activation] if args.full else SETTINGS[activation][1]
        start, shown, learned = time.perf_counter(), None, 0
        for run in range(args.runs):
            rng = np.random.default_rng(args.seed + run)
            net = OnesFirstNetwork(args.layers, activation, rng)
            train(net, learning_rate, steps, rng, f"{activation}, run {run + 1}", jit=args.jit)
            predictions = predict(net)
            learned += learned_xor(predictions)
            if shown is None and (learned_xor(predictions) or run == args.runs - 1):
                shown = (run, predictions)
        run, predictions = shown
        print(f"Result with {activation}  ({'-'.join(map(str, args.layers))}, lr {learning_rate}, "
              f"{steps} steps; run {run + 1} shown)")
        for x, p in zip(XOR_X.astype(int), predictions):
            print(f"{x} {p}")
        print(f"learned XOR (every output within 0.2 of its target) in {learned} of {args.runs} runs, "
              f"{time.perf_counter() - start:.1f} s\n")


if __name__ == "__main__":
    main()
