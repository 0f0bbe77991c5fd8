"""`tg.autograd.graph`, as `torch.autograd.graph`: the node class and `increment_version`.

    isinstance(y.grad_fn, tg.autograd.graph.Node)    # True
    array = p.numpy(force=True); array -= update      # changed behind autograd's back...
    tg.autograd.graph.increment_version(p)            # ...so tell it, as an in-place op does
"""
from __future__ import annotations

from . import autograd, checks

Node = autograd.Function  # every recorded op is one (PyTorch's Node is their abstract base)


def increment_version(tensor) -> None:
    """Count an in-place change made to a tensor's memory directly (through `.numpy()`),
    as in-place ops count theirs: a node that saved the tensor before then refuses to
    back-propagate instead of silently reading the new values. A tensor or a list of them.

    nn's optimizers update parameters this way: NumPy on the array, then this call, with
    no grad-mode switch and no graph (a step is on the hot path of per-sample training).
    """
    if isinstance(tensor, autograd.Tensor):
        if type(tensor._version_counter) is tuple:
            checks.constant_inplace(tensor)
        tensor._version_counter[0] += 1
    elif isinstance(tensor, (list, tuple)):
        for t in tensor:
            increment_version(t)
    else:
        raise TypeError(f"increment_version: expected a Tensor or a list of Tensors, got "
                        f"{type(tensor).__name__}")
