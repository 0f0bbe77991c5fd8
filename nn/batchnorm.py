"""`BatchNorm1d`: normalise each feature over the batch, with running statistics."""
from __future__ import annotations

import tinygrad_edu as tg
from tinygrad_edu import checks

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class BatchNorm1d(Module):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C.

    Training mode normalises with the batch's mean and biased variance and updates
    the buffers `running_mean` (starts at 0) and `running_var` (starts at 1, updated
    with the *unbiased* batch variance):

        running ← (1 − momentum)·running + momentum·batch_statistic

    momentum=None uses the cumulative average instead (factor 1/num_batches_tracked).
    `num_batches_tracked` (an int64 buffer) counts the training batches. Eval mode
    normalises with the running statistics. With track_running_stats=False there are
    no buffers and both modes use the batch's statistics. The three buffers are part
    of `state_dict`, as in PyTorch.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=None, *, bias: bool = True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = tg.float32 if dtype is None else dtype
        if affine:
            self.weight = Parameter(tg.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(tg.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", tg.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", tg.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tg.tensor(0, dtype=tg.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input) -> None:
        """BatchNorm1d's own rule, before num_batches_tracked moves (F.batch_norm checks
        the rest); reading ndim needs a Tensor, named as F.batch_norm would."""
        checks.tensor(input, "batch_norm")
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in eval when there are no running ones
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        update_buffers = not self.training or self.track_running_stats
        return F.batch_norm(input,
                            self.running_mean if update_buffers else None,
                            self.running_var if update_buffers else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")
