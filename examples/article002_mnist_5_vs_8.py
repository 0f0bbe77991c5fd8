"""Article 002 — "Understand and Implement the Backpropagation Algorithm From Scratch In
Python" (A Developer Diary), on tinygrad_edu.

The article's demo: tell MNIST's 5s (label 0) from its 8s (label 1) — 11,272 training and
1,866 test images of 784 pixels scaled to [0, 1] — with a 784-196-1 sigmoid network,
binary cross-entropy averaged over the samples, full-batch gradient descent, learning
rate 0.1, 1,000 iterations, W = randn/sqrt(fan_in) and b = 0. It reports ≈96% train and
test accuracy.

Here the network is ``nn.Sequential(nn.Linear, nn.Sigmoid, ...)`` with ``nn.BCELoss`` and
``nn.SGD``; autograd replaces the article's ``backward``, whose NumPy form lives in
``tinygrad_edu.articles.logistic_mlp`` (tests/articles/test_mnist_logistic_mlp.py checks
they agree). The article keeps samples as columns (Z = W·Xᵀ + b); nn.Linear keeps them as
rows (Z = X·Wᵀ + b) — the same numbers transposed, and the same (out, in) weights.

MNIST is read from local IDX files (``--mnist-dir``, gzipped or not; nothing is
downloaded). Without it, the same task runs on scikit-learn's bundled 8x8 digits.

    python examples/article002_mnist_5_vs_8.py                          # digits 5-vs-8 (seconds)
    python examples/article002_mnist_5_vs_8.py --mnist-dir ~/data/mnist # the article's data
    python examples/article002_mnist_5_vs_8.py --jit                    # the step replayed by tg.jit
"""
import argparse
import math
import os
import time

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.datasets import load_digits_5_vs_8, load_mnist_5_vs_8

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional
    tqdm = None
try:
    from threadpoolctl import threadpool_limits  # installed with scikit-learn
except ImportError:  # without it NumPy keeps its default number of BLAS threads
    threadpool_limits = None


def build_network(layer_sizes, dtype):
    """Linear + Sigmoid per layer; the article's init: W ~ N(0, 1/fan_in), b = 0."""
    modules = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        linear = nn.Linear(n_in, n_out, dtype=dtype)
        nn.init.normal_(linear.weight, 0.0, 1.0 / math.sqrt(n_in))
        nn.init.zeros_(linear.bias)
        modules += [linear, nn.Sigmoid()]
    return nn.Sequential(*modules)


def accuracy(model, X, y):
    """Fraction of samples whose probability lands on the right side of 0.5."""
    with tg.no_grad():
        probabilities = model(X).numpy().ravel()
    return float(np.mean((probabilities > 0.5) == (y > 0.5)))


def save_cost_curve(costs, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(len(costs)), costs)
    ax.set(title=title, xlabel="iteration", ylabel="cost")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"[INFO] cost curve saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--mnist-dir", help="directory with MNIST's IDX files (train-images-idx3-ubyte"
                                            "[.gz], ...); none: scikit-learn's 8x8 digits instead")
    parser.add_argument("--hidden", type=int, nargs="*", default=[196],
                        help="hidden layer sizes (article: 196; it also tries 392 196 98)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (article: 0.1)")
    parser.add_argument("--iterations", type=int, default=1000, help="full-batch steps (article: 1000)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="article: float64 (NumPy's default)")
    parser.add_argument("--seed", type=int, default=1,
                        help="seeds the initial weights (the article seeds NumPy with 1)")
    parser.add_argument("--jit", action="store_true",
                        help="run the training step under tg.jit: traced once, then its NumPy "
                             "kernels replayed (same results, bit for bit)")
    parser.add_argument("--out-dir", default="out", help="where the cost-curve PNG goes")
    args = parser.parse_args(argv)
    if threadpool_limits is not None and not args.mnist_dir:
        # the digits' matrices are small: one BLAS thread is fastest, and on a busy machine
        # threads waiting for a core cost far more than they save (MNIST's keep NumPy's default)
        threadpool_limits(1)
    os.makedirs(args.out_dir, exist_ok=True)
    tg.manual_seed(args.seed)
    dtype = np.dtype(args.dtype)

    if args.mnist_dir:
        try:
            data, source = load_mnist_5_vs_8(args.mnist_dir), "MNIST"
        except (FileNotFoundError, ValueError) as error:  # missing or damaged files: say which
            parser.error(str(error))
    else:
        data, source = load_digits_5_vs_8(), "scikit-learn digits (pass --mnist-dir for MNIST)"
    print(f"data: {source}, 5 -> 0, 8 -> 1")
    print(f"train_x's shape: {data.train_x.shape}")
    print(f"test_x's shape: {data.test_x.shape}")

    train_x, test_x = tg.Tensor(data.train_x.astype(dtype)), tg.Tensor(data.test_x.astype(dtype))
    train_y = tg.Tensor(data.train_y.astype(dtype)[:, None])  # (n, 1), like the model's output
    layer_sizes = [data.train_x.shape[1], *args.hidden, 1]
    model = build_network(layer_sizes, dtype)
    print(f"network: {'-'.join(map(str, layer_sizes))}, lr={args.lr}, iterations={args.iterations}, {dtype}")

    loss_fn, optimizer = nn.BCELoss(), nn.SGD(model.parameters(), lr=args.lr)

    def step(x, y):
        optimizer.zero_grad()
        cost = loss_fn(model(x), y)  # the cost before this iteration's update
        cost.backward()
        optimizer.step()
        return cost

    if args.jit:  # traced on the first iteration, its NumPy kernels replayed for the others
        step = tg.jit(step)
    costs = []
    say = tqdm.write if tqdm is not None else print
    iterations = range(args.iterations)
    if tqdm is not None:
        iterations = tqdm(iterations, desc="training", unit="it", mininterval=0.5, leave=False, disable=None)
    start = time.perf_counter()
    for iteration in iterations:
        costs.append(step(train_x, train_y).item())
        if iteration % 100 == 0:
            say(f"{costs[-1]}")
    elapsed = time.perf_counter() - start

    print(f"Accuracy: {accuracy(model, train_x, data.train_y)}  (train; the article: 0.9600 on MNIST)")
    print(f"Accuracy: {accuracy(model, test_x, data.test_y)}  (test;  the article: 0.9598 on MNIST)")
    print(f"[INFO] {args.iterations} iterations in {elapsed:.1f} s")
    save_cost_curve(costs, f"5 vs 8 ({'MNIST' if args.mnist_dir else 'digits'}), "
                    f"{'-'.join(map(str, layer_sizes))}",
                    os.path.join(args.out_dir, "article002_cost.png"))


if __name__ == "__main__":
    main()
