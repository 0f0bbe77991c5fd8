"""RMSprop: PyTorch 2.13's golden runs, its equations written out by hand, state, errors."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from optim_golden import W0, golden, gradients, trajectory


def _rmsprop_by_hand(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                     centered=False, maximize=False):
    """The algorithm box of torch/optim/rmsprop.py, line by line."""
    w, v, b, g_avg, weights = W0.copy(), 0.0, 0.0, 0.0, []
    for g in gradients():
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v - g_avg ** 2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            w = w - lr * b
        else:
            w = w - lr * g / (np.sqrt(v_tilde) + eps)
        weights.append(w)
    return weights


@pytest.mark.parametrize("options, final", golden("RMSprop"),
                         ids=[str(o) for o, _ in golden("RMSprop")])
def test_rmsprop_matches_pytorch_and_its_equations(options, final):
    weights = trajectory(nn.optim.RMSprop, **options)
    np.testing.assert_allclose(weights[-1], final, rtol=1e-13)
    np.testing.assert_allclose(weights, _rmsprop_by_hand(**options), rtol=1e-12)


def test_state_holds_what_the_options_need():
    w = nn.Parameter(tg.tensor([1.0]))
    optimizer = nn.optim.RMSprop([w], momentum=0.9, centered=True)
    w.grad = tg.tensor([2.0])
    optimizer.step()
    assert set(optimizer.state[w]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    plain = nn.optim.RMSprop([w])
    plain.step()
    assert set(plain.state[w]) == {"step", "square_avg"}


def test_defaults_and_errors_copy_pytorch():
    w = nn.Parameter(tg.tensor([1.0]))
    assert nn.optim.RMSprop([w]).defaults == dict(lr=0.01, momentum=0, alpha=0.99, eps=1e-8,
                                                  centered=False, weight_decay=0,
                                                  maximize=False)
    for options, message in [({"lr": -1.0}, "Invalid learning rate: -1.0"),
                             ({"eps": -1.0}, "Invalid epsilon value: -1.0"),
                             ({"momentum": -1.0}, "Invalid momentum value: -1.0"),
                             ({"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
                             ({"alpha": -1.0}, "Invalid alpha value: -1.0")]:
        with pytest.raises(ValueError, match=f"^{message}$"):
            nn.optim.RMSprop([w], **options)
