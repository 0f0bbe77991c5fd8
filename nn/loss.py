"""Loss modules: each holds its options and calls the function of nn.functional.

Every loss takes `reduction='mean' | 'sum' | 'none'` and, unlike PyTorch's
MSELoss (which only warns), raises ValueError when the target's shape differs
from the input's instead of silently broadcasting (N, 1) against (N,).
"""
from __future__ import annotations

from tinygrad_edu import checks

from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        checks.reduction(reduction)  # fail at construction, not at the first batch
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error: ℓ = (x − y)², averaged over all elements by default.

    Raises ValueError if target.shape != input.shape (PyTorch broadcasts with a
    warning; a deliberate difference, see nn.functional)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities: ℓ = −w[y log x + (1−y) log(1−x)],
    each log clamped at −100 as in PyTorch (so x = 0 or 1 gives a finite loss).
    Input must lie in [0, 1]; the target is float of the same shape."""

    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable formula, on logits x:
    ℓ = max(x, 0) − x·y + log(1 + e^−|x|). Optional pos_weight weights the
    positive class (see nn.functional.binary_cross_entropy_with_logits)."""

    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class CrossEntropyLoss(_Loss):
    """log_softmax + negative log-likelihood on logits (N, C) or (C,), with class-
    index targets (ints) or class-probability targets (floats, input's shape).
    Optional per-class `weight` (C,) and `ignore_index` for index targets; 'mean'
    divides by the summed weights of the targets that are not ignored.
    `label_smoothing` ε blends the target with the uniform distribution (see
    nn.functional.cross_entropy)."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices, on log-probabilities (e.g. after
    LogSoftmax): ℓ_i = −w[t_i]·input[i, t_i]; `ignore_index` targets count 0 and
    'mean' divides by the summed weights of the others."""

    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ℓ = |x − y|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """ℓ = ½(x − y)²/β if |x − y| < β, else |x − y| − ½β."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """ℓ = ½(x − y)² if |x − y| < δ, else δ(|x − y| − ½δ)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)
