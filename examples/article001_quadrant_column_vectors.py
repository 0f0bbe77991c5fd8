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

    python examples/article001_quadrant_column_vectors.py             # 50,000 points
    python examples/article001_quadrant_column_vectors.py --full      # the article's 100,000
    python examples/article001_quadrant_column_vectors.py --full --jit  # the same, replayed by tg.jit
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


ARTICLE_N_POINTS = 100_000

# class 0 = target (1, 0), the points with x·y > 0; class 1 = target (0, 1), the others
CLASS_COLOURS = ("tab:blue", "tab:orange")
CLASS_NAMES = ("1st/3rd quadrant (x·y > 0)", "2nd/4th quadrant (x·y < 0)")


def save_scatter(data, targets, before, after, path):
    """Two panels, the held-out points coloured by the network's guess before and after
    training: a dot where the guess is right, a cross where it is wrong."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, 2, figsize=(10, 6), sharey=True)
    columns = np.arange(data.shape[1])
    for ax, guess, title in zip(axes, (before, after), ("before training", "after training")):
        right = targets[guess, columns] == 1
        for cls, colour in enumerate(CLASS_COLOURS):
            for mask, marker, size in ((right, "o", 8), (~right, "x", 18)):
                chosen = (guess == cls) & mask
                ax.scatter(data[0, chosen], data[1, chosen], c=colour, marker=marker, s=size, linewidths=1)
        ax.set(title=f"guesses {title}: {int(right.sum())} of {len(right)} right",
               xlabel="x", aspect="equal")
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
    axes[0].set_ylabel("y")
    handles = [Line2D([], [], color=colour, marker="s", linestyle="", label=f"guess: {name}")
               for colour, name in zip(CLASS_COLOURS, CLASS_NAMES)]
    handles += [Line2D([], [], color="black", marker="o", markersize=4, linestyle="", label="right guess"),
                Line2D([], [], color="black", marker="x", linestyle="", label="wrong guess")]
    fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.2, wspace=0.08)
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"[INFO] scatter plot saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--n-points", type=int, default=50_000,
                        help=f"points in total (article: {ARTICLE_N_POINTS})")
    parser.add_argument("--full", action="store_true", help=f"the article's --n-points {ARTICLE_N_POINTS}")
    parser.add_argument("--test-size", type=int, default=1000,
                        help="the first points, held out to count correct guesses (article: 1000)")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate (article: 0.05)")
    parser.add_argument("--slope", type=float, default=0.1, help="LeakyReLU's negative slope (series: 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the points and the initial weights")
    parser.add_argument("--jit", action="store_true",
                        help="run the training step under tg.jit: traced once, then its NumPy "
                             "kernels replayed (same results, bit for bit; faster)")
    parser.add_argument("--out-dir", default="out", help="where the scatter PNG goes")
    args = parser.parse_args(argv)
    if args.full:
        args.n_points = ARTICLE_N_POINTS
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    data, targets = column_vectors.quadrant_data(args.n_points, rng)
    net = nn.Sequential(*(ColumnLayer(W, b, nn.LeakyReLU(args.slope))
                          for W, b in column_vectors.init_layers([2, 3, 2], rng)))
    print(net)
    loss_fn = nn.MSELoss()
    optimizer = nn.SGD(net.parameters(), lr=args.lr)

    def step(x, t):
        optimizer.zero_grad()
        loss = loss_fn(net(x), t)
        loss.backward()
        optimizer.step()
        return loss

    if args.jit:  # traced on the first point, its NumPy kernels replayed for the others
        step = tg.jit(step)

    test, test_targets = data[:, :args.test_size], targets[:, :args.test_size]
    before_guesses = guesses(net, test)
    print(f"correct before training: {column_vectors.count_correct(before_guesses, test_targets)} "
          f"/ {args.test_size}")

    start = time.perf_counter()
    steps = range(args.test_size, args.n_points)
    if tqdm is not None:
        steps = tqdm(steps, desc="training", unit="step", mininterval=0.5, leave=False, disable=None)
    for i in steps:
        x, t = tg.Tensor(data[:, i:i + 1]), tg.Tensor(targets[:, i:i + 1])  # one column each
        step(x, t)
    elapsed = time.perf_counter() - start

    after_guesses = guesses(net, test)
    print(f"correct after training:  {column_vectors.count_correct(after_guesses, test_targets)} "
          f"/ {args.test_size}")
    print(f"[INFO] {args.n_points - args.test_size} SGD steps in {elapsed:.1f} s")
    save_scatter(test, test_targets, before_guesses, after_guesses,
                 os.path.join(args.out_dir, "article001_quadrant_guesses.png"))


if __name__ == "__main__":
    main()
