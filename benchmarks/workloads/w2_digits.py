"""W2 — scikit-learn digits with a 64-32-16-10 network, one epoch of per-sample SGD,
article 000's conventions (bias trick, sigmoid everywhere, 0.5·Σ(p−t)², one-hot targets).

Data as in the article: pixels min/max-scaled to [0, 1], a 75/25 train/test split
(seeded here), one-hot targets; one epoch = one step per training sample (1,347).
The article's α is its class default, 0.1. float64.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu.articles import bias_trick as article
from tinygrad_edu.datasets import load_digits_split

from ..harness import Target, Workload
from . import bias_trick


def digits_training_set(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X with the bias column, one-hot Y) of the article's training split."""
    digits = load_digits_split(test_size=0.25, random_state=seed)
    return article.with_bias_column(digits.train_x), np.eye(10)[digits.train_y]


def build(quick: bool = False, seed: int = 0, samples: int | None = None) -> Workload:
    X, Y = digits_training_set(seed)
    steps = samples or (300 if quick else len(X))
    rows = [(X[i:i + 1], Y[i:i + 1]) for i in range(steps)]
    rng = np.random.default_rng(seed)
    problem = bias_trick.BiasTrickProblem(
        rows, article.init_weights([64, 32, 16, 10], rng), alpha=0.1)
    notes = [] if steps == len(X) else [f"{steps} of the epoch's {len(X)} samples (quick)"]
    return Workload(
        id="W2", title="digits 64-32-16-10, one epoch per-sample SGD, article 000 conventions",
        unit="sample step", steps=steps, dtype="float64", rtol=1e-9, atol=1e-12,
        factories=bias_trick.factories(problem),
        target=Target("≤4x hand", max_over_hand=4.0),
        jit_target=Target("≤1.2x hand (moonshot ≤1.0x), torch/jit ≥5", max_over_hand=1.2,
                          min_torch_over=5.0, moonshot_over_hand=1.0),
        notes=notes)
