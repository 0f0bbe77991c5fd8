"""Article 000 — "Backpropagation from scratch with Python" (PyImageSearch), on tinygrad_edu.

The article builds a sigmoid network with the *bias trick* (a column of ones appended
last to the input, so each weight matrix carries its layer's bias) and trains it by
per-sample gradient descent on ½·Σ(prediction − target)². Here the same network is an
``nn.Module`` whose forward pass is three tinygrad_edu ops per layer, and autograd +
``nn.SGD`` replace the article's hand-written deltas. Those deltas, in NumPy, live in
``tinygrad_edu.articles.bias_trick`` (which also gives this script its initial weights);
tests/articles/test_bias_trick_mlp.py proves the two give the same numbers.

It reproduces the article's three demos:

1. XOR with a 2-2-1 network, α = 0.5, 20,000 epochs: the four predictions and the loss;
2. XOR with a 2-1 network (no hidden layer): it cannot learn XOR, its predictions stay near 0.5;
3. scikit-learn's 8x8 digits with a 64-32-16-10 network, 1,000 epochs: a classification
   report (the article: ≈98% accuracy).

    python examples/article000_bias_trick_xor_digits.py            # 3,000 XOR epochs, 20 digits epochs
    python examples/article000_bias_trick_xor_digits.py --full     # the article's 20,000 and 1,000
    python examples/article000_bias_trick_xor_digits.py --full --jit   # the same, replayed by tg.jit
"""
import argparse
import os
import time

import numpy as np

import nn
import tinygrad_edu as tg
from tinygrad_edu.articles import bias_trick
from tinygrad_edu.datasets import load_digits_split, xor

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional
    tqdm = None
try:
    from threadpoolctl import threadpool_limits  # installed with scikit-learn
except ImportError:  # without it NumPy keeps its default number of BLAS threads
    threadpool_limits = None


class BiasTrickNetwork(nn.Module):
    """The article's ``NeuralNetwork``: sigmoid layers, bias trick with the ones column last.

    Weight W{l} has shape (n_l + 1, n_{l+1} + 1) for hidden layers — the extra column
    makes one more (ordinary, sigmoid) unit that feeds the next layer — and
    (n_{L-1} + 1, n_L) for the last layer; initialised randn / sqrt(n_l), as
    ``tinygrad_edu.articles.bias_trick.init_weights`` draws them from ``rng``.
    """

    def __init__(self, layers, rng):
        super().__init__()
        self.layers = list(layers)
        for l, weight in enumerate(bias_trick.init_weights(self.layers, rng)):
            setattr(self, f"W{l}", nn.Parameter(tg.tensor(weight)))

    def weights(self):
        return [getattr(self, f"W{l}") for l in range(len(self.layers) - 1)]

    def forward(self, x):
        ones = tg.ones(x.shape[0], 1, dtype=x.dtype)
        a = tg.cat([x, ones], dim=1)  # the bias trick: [x0, x1, ..., 1]
        for W in self.weights():
            a = (a @ W).sigmoid()
        return a

    def __repr__(self):
        return "NeuralNetwork: " + "-".join(str(n) for n in self.layers)


def squared_loss(prediction, target):
    """The article's loss, ½·Σ(prediction − target)²."""
    return 0.5 * nn.MSELoss(reduction="sum")(prediction, target)


def fit(model, X, y, alpha, epochs, display_update=100, label="training", jit=False):
    """Per-sample SGD exactly as the article's ``fit``: every epoch visits the samples in
    order and updates after each one. Returns [(epoch, loss over the whole set)].
    With jit=True the training step runs under ``tg.jit``: traced on the first sample,
    its NumPy kernels replayed for every later one, with bitwise the same results."""
    optimizer = nn.SGD(model.parameters(), lr=alpha)

    def step(x, target):
        optimizer.zero_grad()
        loss = squared_loss(model(x), target)
        loss.backward()
        optimizer.step()
        return loss

    if jit:
        step = tg.jit(step)
    dtype = model.W0.dtype
    samples = [(tg.Tensor(x[None, :].astype(dtype)), tg.Tensor(t[None, :].astype(dtype)))
               for x, t in zip(X, y)]
    record_every = max(1, epochs // 200)
    history = []
    epoch_range = range(epochs)
    if tqdm is not None:
        epoch_range = tqdm(epoch_range, desc=label, unit="epoch", mininterval=0.5, leave=False,
                           disable=None)  # no bar when the output is not a terminal
    say = tqdm.write if tqdm is not None else print
    for epoch in epoch_range:
        for x, target in samples:
            step(x, target)
        displayed = epoch == 0 or (epoch + 1) % display_update == 0
        if displayed or (epoch + 1) % record_every == 0:
            loss = calculate_loss(model, X, y)
            history.append((epoch + 1, loss))
            if displayed:
                say(f"[INFO] epoch={epoch + 1}, loss={loss:.7f}")
    return history


def predict(model, X):
    with tg.no_grad():
        return model(tg.Tensor(np.asarray(X, dtype=model.W0.dtype))).numpy()


def calculate_loss(model, X, y):
    """The article's loss over the whole set, ½·Σ(prediction − target)²."""
    with tg.no_grad():
        return squared_loss(model(tg.Tensor(np.asarray(X, dtype=model.W0.dtype))),
                            tg.Tensor(np.asarray(y, dtype=model.W0.dtype))).item()


def save_loss_curve(history, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    epochs, losses = zip(*history)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, losses)
    ax.set(title=title, xlabel="Epoch #", ylabel="Loss")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"[INFO] loss curve saved to {path}")


XOR_X, XOR_Y = xor()
ARTICLE_XOR_EPOCHS, ARTICLE_DIGITS_EPOCHS = 20_000, 1_000


def xor_demo(layers, args, rng, plot_name):
    model = BiasTrickNetwork(layers, rng)
    print(f"[INFO] {model}, alpha={args.alpha}, epochs={args.xor_epochs}")
    start = time.perf_counter()
    history = fit(model, XOR_X, XOR_Y, args.alpha, args.xor_epochs, label=str(model), jit=args.jit)
    for x, target, pred in zip(XOR_X.astype(int), XOR_Y.astype(int), predict(model, XOR_X)):
        step = 1 if pred[0] > 0.5 else 0
        print(f"[INFO] data={x}, ground-truth={target[0]}, pred={pred[0]:.4f}, step={step}")
    print(f"[INFO] {time.perf_counter() - start:.1f} s")
    save_loss_curve(history, f"XOR, {model}", os.path.join(args.out_dir, plot_name))


def digits_demo(args, rng):
    from sklearn.metrics import classification_report

    print("[INFO] loading MNIST (sample) dataset...")
    digits = load_digits_split(test_size=0.25, random_state=args.seed)  # min/max-scaled to [0, 1]
    print(f"[INFO] samples: {len(digits.train_x) + len(digits.test_x)}, dim: {digits.train_x.shape[1]}")
    train_targets = np.eye(10)[digits.train_y]  # one-hot, as the article's LabelBinarizer

    print("[INFO] training network...")
    model = BiasTrickNetwork([digits.train_x.shape[1], 32, 16, 10], rng)
    print(f"[INFO] {model}")
    start = time.perf_counter()
    history = fit(model, digits.train_x, train_targets, args.alpha_digits, args.digits_epochs,
                  display_update=max(1, min(100, args.digits_epochs // 10)), label=str(model),
                  jit=args.jit)
    print(f"[INFO] trained in {time.perf_counter() - start:.1f} s")

    print("[INFO] evaluating network...")
    predictions = predict(model, digits.test_x).argmax(axis=1)
    print(classification_report(digits.test_y, predictions, digits=2, zero_division=0))
    accuracy = float(np.mean(predictions == digits.test_y))
    print(f"[INFO] test accuracy: {accuracy:.4f} (the article: ≈0.98)")
    save_loss_curve(history, f"digits, {model}", os.path.join(args.out_dir, "article000_digits_loss.png"))
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--full", action="store_true",
                        help=f"the article's settings: --xor-epochs {ARTICLE_XOR_EPOCHS} "
                             f"--digits-epochs {ARTICLE_DIGITS_EPOCHS}")
    parser.add_argument("--alpha", type=float, default=0.5, help="learning rate for XOR (article: 0.5)")
    parser.add_argument("--alpha-digits", type=float, default=0.1,
                        help="learning rate for digits (article: the class default, 0.1)")
    parser.add_argument("--xor-epochs", type=int, default=3000,
                        help=f"epochs for each XOR network (article: {ARTICLE_XOR_EPOCHS})")
    parser.add_argument("--digits-epochs", type=int, default=20,
                        help=f"epochs for digits (article: {ARTICLE_DIGITS_EPOCHS})")
    parser.add_argument("--seed", type=int, default=1, help="seeds the weights and the digits split")
    parser.add_argument("--jit", action="store_true",
                        help="run the training step under tg.jit: traced once, then its NumPy "
                             "kernels replayed (same results, bit for bit; faster)")
    parser.add_argument("--skip-xor", action="store_true", help="skip the two XOR demos")
    parser.add_argument("--skip-digits", action="store_true", help="skip the digits demo")
    parser.add_argument("--out-dir", default="out", help="where the loss-curve PNGs go")
    args = parser.parse_args(argv)
    if args.full:
        args.xor_epochs, args.digits_epochs = ARTICLE_XOR_EPOCHS, ARTICLE_DIGITS_EPOCHS
    if threadpool_limits is not None:
        # the matrices here are small: one BLAS thread is fastest, and on a busy machine
        # threads waiting for a core cost far more than they save
        threadpool_limits(1)
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    if not args.skip_xor:
        print("=== XOR, 2-2-1 (Figure 3) ===")
        xor_demo([2, 2, 1], args, rng, "article000_xor_2-2-1_loss.png")
        print("\n=== XOR, 2-1: no hidden layer, cannot learn XOR ===")
        xor_demo([2, 1], args, rng, "article000_xor_2-1_loss.png")
    if not args.skip_digits:
        print("\n=== digits, 64-32-16-10 (Figure 5) ===")
        digits_demo(args, rng)


if __name__ == "__main__":
    main()
