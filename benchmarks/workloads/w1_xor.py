"""W1 — XOR with a 2-2-1 network, per-sample SGD, article 000's settings (α = 0.5).

One step is one sample (forward, backward, update); the four XOR samples are visited
in the article's fixed order, epoch after epoch. float64, as in the article.
"""
from __future__ import annotations

import numpy as np

from tinygrad_edu.articles import bias_trick as article
from tinygrad_edu.datasets import xor

from ..harness import Target, Workload
from . import bias_trick


def build(quick: bool = False, seed: int = 0, steps: int | None = None) -> Workload:
    steps = steps or (400 if quick else 2000)
    inputs, targets = xor()
    X = article.with_bias_column(inputs)
    samples = [(X[i % 4:i % 4 + 1], targets[i % 4:i % 4 + 1]) for i in range(steps)]
    rng = np.random.default_rng(seed)
    problem = bias_trick.BiasTrickProblem(samples, article.init_weights([2, 2, 1], rng), alpha=0.5)
    return Workload(
        id="W1", title="XOR 2-2-1, per-sample SGD, bias trick, sigmoid, 0.5·Σ(p−t)², α=0.5",
        unit="sample step", steps=steps, dtype="float64", rtol=1e-9, atol=1e-12,
        factories=bias_trick.factories(problem),
        target=Target("≤4x hand", max_over_hand=4.0),
        jit_target=Target("≤1.2x hand (moonshot ≤1.0x), torch/jit ≥5", max_over_hand=1.2,
                          min_torch_over=5.0, moonshot_over_hand=1.0))
