"""Devices: PyTorch's `device` idiom, on the only device there is, the CPU.

    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")   # device(type='cpu')
    model_input = tg.zeros(2, 3, device=device).to(device)

`tg.device("cpu")` (or "cpu:0") is accepted everywhere a device is; any other device
PyTorch knows ("cuda", "cuda:0", "mps", ...) raises a RuntimeError saying that only the
CPU exists, and an unknown name raises PyTorch's "Expected one of cpu, cuda, ..." error
(checks.device_spec has the texts). `tg.cuda` and `tg.backends` answer the questions
scripts ask before choosing a device.
"""
from __future__ import annotations

import types

from . import checks


class device:
    """A device: `device("cpu")`, `device("cpu:0")`, `device("cpu", 0)` or `device(other)`.

    As in PyTorch, it equals only devices of the same type and index (not strings:
    `tg.device("cpu") == "cpu"` is False in PyTorch too; compare `.type` with "cpu").
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's parameter name
        self.type, self.index = checks.device_spec(type, index)

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if not isinstance(other, device):
            return False
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")  # what every tensor's .device is


def _no_cuda_seed(seed: int) -> None:
    """Seeds CUDA's generators: there are none, so it checks the seed and does nothing
    (PyTorch's torch.cuda.manual_seed also does nothing without CUDA)."""
    checks.seed(seed, "cuda.manual_seed")


# torch.cuda and torch.backends, as far as scripts ask them on a machine without a GPU
cuda = types.SimpleNamespace(
    is_available=lambda: False,
    device_count=lambda: 0,
    manual_seed=_no_cuda_seed,
    manual_seed_all=_no_cuda_seed,
)
backends = types.SimpleNamespace(
    mps=types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False),
    # scripts set these for reproducibility; there is no cuDNN, so they change nothing
    cudnn=types.SimpleNamespace(is_available=lambda: False, enabled=True, deterministic=False,
                                benchmark=False),
)
