"""Adam and AdamW with PyTorch's exact update equations (torch/optim/adam.py, adamw.py)."""
from __future__ import annotations

import math

import numpy as np

import tinygrad_edu as tg

from .optimizer import Optimizer, gradients, scale_, subtract_


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's equations (torch/optim/adam.py). Per step t,
    for each parameter θ with a gradient:

        g ← ∇θ  (−∇θ if maximize)
        if weight_decay λ ≠ 0:  θ ← θ − lr·λ·θ  if decoupled_weight_decay (AdamW)
                                g ← g + λ·θ     otherwise (L2 penalty)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)     (v̂ uses max over steps of v if amsgrad)
        θ ← θ − lr·m̂ / (√v̂ + ε)
    """

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        if isinstance(betas, list):
            betas = tuple(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update_group(self, group: dict) -> None:
        lr, (beta1, beta2), eps, amsgrad = group["lr"], group["betas"], group["eps"], group["amsgrad"]
        weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        for param, g in gradients(group, weight_decay=0 if decoupled else weight_decay):
            state = self.state.get(param)
            if state is None:
                state = self.state[param] = {"step": 0, "exp_avg": tg.zeros_like(param),
                                             "exp_avg_sq": tg.zeros_like(param)}
                if amsgrad:
                    state["max_exp_avg_sq"] = tg.zeros_like(param)
            state["step"] += 1
            t = state["step"]
            if decoupled and weight_decay != 0:
                scale_(param, 1 - lr * weight_decay)
            m, v = state["exp_avg"].numpy(force=True), state["exp_avg_sq"].numpy(force=True)
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            if amsgrad:
                v_max = state["max_exp_avg_sq"].numpy(force=True)
                np.maximum(v_max, v, out=v_max)
                v = v_max
            # lr·m̂/(√v̂ + ε) written as PyTorch does: (lr/bc1)·m / (√v/√bc2 + ε)
            bias_correction1 = 1 - beta1 ** t
            bias_correction2_sqrt = math.sqrt(1 - beta2 ** t)
            denominator = np.sqrt(v) / bias_correction2_sqrt + eps
            subtract_(param, (lr / bias_correction1) * m / denominator)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): each step first shrinks
    the weights, θ ← θ − lr·λ·θ, and the decay never enters m or v. Default
    weight_decay=1e-2, as in PyTorch."""

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an AdamW always decouples (PyTorch's __setstate__)
            group["decoupled_weight_decay"] = True
