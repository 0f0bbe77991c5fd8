"""Quick start: a PyTorch-style training loop with tinygrad_edu + nn.

Task: scikit-learn's breast-cancer data set (569 tumours, 30 features each,
malignant or benign). The features are standardised with the training split's
mean and standard deviation; a small MLP outputs one logit per tumour and is
trained with BCEWithLogitsLoss and Adam on mini-batches.

    python examples/quickstart.py                     # 30 epochs, a few seconds
    python examples/quickstart.py --epochs 100 --lr 0.003 --seed 1
    python examples/quickstart.py --save model.npz    # keep the trained weights

If you know PyTorch, every line below should look familiar: replace
`import tinygrad_edu as tg` / `import nn` with `import torch` / `from torch import nn`.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import nn
import tinygrad_edu as tg

try:
    from tqdm import tqdm
except ImportError:  # progress bars are optional
    tqdm = None


def load_data(seed: int, test_fraction: float = 0.25):
    """Standardised float32 tensors (x_train, y_train, x_test, y_test); y is (N, 1) in {0, 1}."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    features, labels = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=test_fraction, random_state=seed, stratify=labels)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)  # training statistics only
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    def as_tensors(x, y):
        return (tg.tensor(x, dtype=tg.float32),
                tg.tensor(y.reshape(-1, 1), dtype=tg.float32))  # (N, 1), like the model's output

    return (*as_tensors(x_train, y_train), *as_tensors(x_test, y_test))


def accuracy(model: nn.Module, x, y) -> float:
    """Fraction of samples whose predicted class (logit > 0) is the label."""
    with tg.no_grad():
        predicted = (model(x) > 0).numpy()
    return float((predicted == (y.numpy() > 0.5)).mean())


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    parser.add_argument("--batch-size", type=int, default=32, help="samples per Adam step")
    parser.add_argument("--hidden", type=int, default=16, help="hidden units")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, the init and the shuffling")
    parser.add_argument("--save", metavar="PATH", help="write the trained state dict here (.npz); none: not saved")
    parser.add_argument("--quiet", action="store_true", help="print only the final accuracy")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    tg.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load_data(args.seed)
    n_features = x_train.shape[1]

    model = nn.Sequential(
        nn.Linear(n_features, args.hidden),
        nn.ReLU(),
        nn.Linear(args.hidden, 1),  # one logit: the sigmoid lives inside the loss
    )
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = nn.Adam(model.parameters(), lr=args.lr)
    if not args.quiet:
        print(model)

    shuffler = np.random.default_rng(args.seed)
    epochs = range(1, args.epochs + 1)
    progress = tqdm(epochs, desc="training", disable=args.quiet) if tqdm else epochs
    for epoch in progress:
        model.train()
        order = shuffler.permutation(x_train.shape[0])
        total = 0.0
        for start_row in range(0, len(order), args.batch_size):
            rows = order[start_row:start_row + args.batch_size]
            x, y = x_train[rows], y_train[rows]

            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)

        model.eval()
        if not args.quiet and (epoch % 5 == 0 or epoch == 1 or epoch == args.epochs):
            line = (f"epoch {epoch:3d}  loss {total / len(order):.4f}  "
                    f"train accuracy {accuracy(model, x_train, y_train):.3f}")
            (progress.write if tqdm else print)(line)

    test_accuracy = accuracy(model, x_test, y_test)
    print(f"test accuracy: {test_accuracy:.3f} on {x_test.shape[0]} held-out tumours "
          f"({time.perf_counter() - start:.1f} s)")
    if args.save:
        nn.save(model.state_dict(), args.save)
        print(f"saved the trained weights to {args.save} (reload: model.load_state_dict(nn.load(path)))")
    return test_accuracy


if __name__ == "__main__":
    main()
