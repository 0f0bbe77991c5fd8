"""Adagrad: PyTorch 2.13's golden runs, its equations written out by hand, eager state, errors."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from optim_golden import W0, golden, gradients, trajectory


def _adagrad_by_hand(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                     eps=1e-10, maximize=False):
    """The algorithm box of torch/optim/adagrad.py, line by line."""
    w, s, weights = W0.copy(), initial_accumulator_value, []
    for t, g in enumerate(gradients(), start=1):
        g = -g if maximize else g
        if weight_decay:
            g = g + weight_decay * w
        decayed_lr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        w = w - decayed_lr * g / (np.sqrt(s) + eps)
        weights.append(w)
    return weights


@pytest.mark.parametrize("options, final", golden("Adagrad"),
                         ids=[str(o) for o, _ in golden("Adagrad")])
def test_adagrad_matches_pytorch_and_its_equations(options, final):
    weights = trajectory(nn.optim.Adagrad, **options)
    np.testing.assert_allclose(weights[-1], final, rtol=1e-13)
    np.testing.assert_allclose(weights, _adagrad_by_hand(**options), rtol=1e-12)


def test_state_exists_from_construction_as_in_pytorch():
    w = nn.Parameter(tg.tensor([1.0, 2.0]))
    optimizer = nn.optim.Adagrad([w], initial_accumulator_value=0.25)
    assert optimizer.state[w]["step"] == 0
    assert optimizer.state[w]["sum"].tolist() == [0.25, 0.25]
    assert list(optimizer.state_dict()["state"]) == [0]
    late = nn.Parameter(tg.tensor([1.0]))
    optimizer.add_param_group({"params": [late]})
    late.grad = tg.tensor([1.0])
    optimizer.step()  # a parameter added later gets its state on its first step
    assert optimizer.state[late]["step"] == 1


def test_errors_copy_pytorch():
    w = nn.Parameter(tg.tensor([1.0]))
    for options, message in [({"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
                             ({"initial_accumulator_value": -1.0},
                              "Invalid initial_accumulator_value value: -1.0"),
                             ({"eps": -1.0}, "Invalid epsilon value: -1.0")]:
        with pytest.raises(ValueError, match=f"^{message}$"):
            nn.optim.Adagrad([w], **options)
