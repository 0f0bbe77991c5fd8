"""Article 001 — "Neural networks fundamentals with Python – backpropagation" (mathspp),
on tinygrad_edu.

The article's layers work on column vectors: W of shape (out, in), b of shape (out, 1),
x_{i+1} = f(W·x_i + b). Its demo: 100,000 random points in the square [−2, 2]²; the
network must tell the points of the 1st and 3rd quadrants (x·y > 0, target (1, 0)) from
the others (target (0, 1)). A 2-3-2 LeakyReLU network, MSE loss, learning rate 0.05, one
SGD step per point; the first 1,000 points are held out and the number classified
correctly is printed before and after training.

Here each layer is a small ``nn.Module`` holding W and b as Parameters, and autograd +
``nn.SGD`` replace the article's hand-written ``train``, whose NumPy form lives in
``tinygrad_edu.articles.column_vectors`` with the task's data and the initial weights
(tests/articles/test_column_vector_mlp.py checks that the two agree to 1e-10).
LeakyReLU's slope (0.1) and the initialisation W ~ N(0, (1/(in·out))²), b ~ N(0, (1/out)²)
are the series' choices (its earlier article, not this one).

    python examples/article001_quadrant_column_vectors.py             # the article's settings (~10 s)
    python examples/article001_quadrant_column_vectors.py --n-points 20000
"""
import argparse
import os
import time

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import column_vectors

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional
    tqdm = None


class ColumnLayer(nn.Module):
    """y = W·x + b on column vectors (x of shape (in, 1), or (in, n) for n columns at once),
    followed by the layer's activation module. W (out, in) and b (out, 1) start from the
    given arrays."""

    def __init__(self, W, b, activation):
        super().__init__()
        self.W = nn.Parameter(tg.tensor(W))
        self.b = nn.Parameter(tg.tensor(b))
        self.activation = activation

    def forward(self, x):
        return self.activation(self.W @ x + self.b)

    def extra_repr(self):
        outs, ins = self.W.shape
        return f"ins={ins}, outs={outs}"


def guesses(net, data):
    """argmax of the network's output for every column (all at once: W·X + b broadcasts)."""
    with tg.no_grad():
        return net(tg.Tensor(data)).numpy().argmax(axis=0)


def save_scatter(data, before, after, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True)
    for ax, guess, title in zip(axes, (before, after), ("before training", "after training")):
        ax.scatter(data[0], data[1], c=guess, s=8, cmap="coolwarm", vmin=0, vmax=1)
        ax.set(title=f"network's guesses {title}", xlabel="x", aspect="equal")
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
    axes[0].set_ylabel("y")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"[INFO] scatter plot saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-points", type=int, default=100_000, help="points in total (article: 100000)")
    parser.add_argument("--test-size", type=int, default=1000, help="held-out points (article: 1000)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (article: 0.05)")
    parser.add_argument("--slope", type=float, default=0.1, help="LeakyReLU's negative slope (series: 0.1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default="out", help="where the scatter PNG goes (default: ./out)")
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    data, targets = column_vectors.quadrant_data(args.n_points, rng)
    net = nn.Sequential(*(ColumnLayer(W, b, nn.LeakyReLU(args.slope))
                          for W, b in column_vectors.init_layers([2, 3, 2], rng)))
    print(net)
    loss_fn = nn.MSELoss()
    optimizer = nn.SGD(net.parameters(), lr=args.lr)

    test, test_targets = data[:, :args.test_size], targets[:, :args.test_size]
    before_guesses = guesses(net, test)
    print(f"correct before training: {column_vectors.count_correct(before_guesses, test_targets)} "
          f"/ {args.test_size}")

    start = time.perf_counter()
    steps = range(args.test_size, args.n_points)
    if tqdm is not None:
        steps = tqdm(steps, desc="training", unit="step", mininterval=0.5, leave=False, disable=None)
    for i in steps:
        optimizer.zero_grad()
        x, t = tg.Tensor(data[:, i:i + 1]), tg.Tensor(targets[:, i:i + 1])  # one column each
        loss_fn(net(x), t).backward()
        optimizer.step()
    elapsed = time.perf_counter() - start

    after_guesses = guesses(net, test)
    print(f"correct after training:  {column_vectors.count_correct(after_guesses, test_targets)} "
          f"/ {args.test_size}")
    print(f"[INFO] {args.n_points - args.test_size} SGD steps in {elapsed:.1f} s")
    save_scatter(test, before_guesses, after_guesses,
                 os.path.join(args.out_dir, "article001_quadrant_guesses.png"))


if __name__ == "__main__":
    main()
