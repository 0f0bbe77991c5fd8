"""Adagrad with PyTorch's exact update equations (torch/optim/adagrad.py)."""
from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

from .optimizer import Optimizer, gradients, subtract_


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), PyTorch's equations. Per step t, for each parameter θ
    with a gradient:

        g ← ∇θ  (−∇θ if maximize);   g ← g + λ·θ  if weight_decay λ ≠ 0
        γ̃ ← lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                     (s starts at initial_accumulator_value)
        θ ← θ − γ̃·g/(√s + ε)

    As in PyTorch, the state (step 0 and the sums) exists from construction on.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))
        for group in self.param_groups:
            for param in group["params"]:
                self._state_of(param, group)

    def _state_of(self, param, group: dict) -> dict:
        state = self.state.get(param)
        if state is None:
            state = self.state[param] = {
                "step": 0, "sum": tg.full_like(param, group["initial_accumulator_value"])}
        return state

    def _update_group(self, group: dict) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        for param, g in gradients(group):
            state = self._state_of(param, group)
            state["step"] += 1
            decayed_lr = lr / (1 + (state["step"] - 1) * lr_decay)
            sums = state["sum"].numpy(force=True)
            sums += g * g
            subtract_(param, decayed_lr * (g / (np.sqrt(sums) + eps)))
