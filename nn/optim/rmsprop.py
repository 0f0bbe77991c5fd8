"""RMSprop with PyTorch's exact update equations (torch/optim/rmsprop.py)."""
from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

from .optimizer import Optimizer, gradients, subtract_


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start ← start + weight·(end − start), in place, rounded as torch.lerp_ is
    (it switches to end − (1 − weight)·(end − start) for weight ≥ ½)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes), PyTorch's equations. Per step, for each
    parameter θ with a gradient:

        g ← ∇θ  (−∇θ if maximize);   g ← g + λ·θ  if weight_decay λ ≠ 0
        v ← α·v + (1 − α)·g²
        ṽ ← v − ḡ²  with ḡ ← α·ḡ + (1 − α)·g   if centered, else ṽ ← v
        if momentum μ > 0:  b ← μ·b + g/(√ṽ + ε);  θ ← θ − lr·b
        else:               θ ← θ − lr·g/(√ṽ + ε)

    ε is added after the square root (TensorFlow adds it inside).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update_group(self, group: dict) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, centered = group["momentum"], group["centered"]
        for param, g in gradients(group):
            state = self.state.get(param)
            if state is None:
                state = self.state[param] = {"step": 0, "square_avg": tg.zeros_like(param)}
                if momentum > 0:
                    state["momentum_buffer"] = tg.zeros_like(param)
                if centered:
                    state["grad_avg"] = tg.zeros_like(param)
            state["step"] += 1
            square_avg = state["square_avg"].numpy(force=True)
            square_avg *= alpha
            square_avg += (1 - alpha) * (g * g)
            if centered:
                grad_avg = state["grad_avg"].numpy(force=True)
                lerp_(grad_avg, g, 1 - alpha)
                avg = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buffer = state["momentum_buffer"].numpy(force=True)
                buffer *= momentum
                buffer += g / avg
                subtract_(param, lr * buffer)
            else:
                subtract_(param, lr * (g / avg))
