"""Adam's decoupled weight decay and AdamW: PyTorch 2.13's golden runs, the AdamW
equations written out by hand, defaults and state dicts."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from optim_golden import W0, adam_by_hand, golden, gradients, trajectory


def _adamw_by_hand(weight_decay=0.01, **options):
    """AdamW: Adam with the weight decay applied to the weights (decoupled)."""
    return adam_by_hand(gradients(), W0.copy(), weight_decay=weight_decay,
                        decoupled_weight_decay=True, **options)


@pytest.mark.parametrize("options, final", golden("AdamW"),
                         ids=[str(o) for o, _ in golden("AdamW")])
def test_adamw_matches_pytorch_and_its_equations(options, final):
    weights = trajectory(nn.optim.AdamW, **options)
    np.testing.assert_allclose(weights[-1], final, rtol=1e-13)
    np.testing.assert_allclose(weights, _adamw_by_hand(**options), rtol=1e-12)


@pytest.mark.parametrize("options, final", golden("Adam"), ids=[str(o) for o, _ in golden("Adam")])
def test_adam_weight_decay_coupled_and_decoupled_match_pytorch(options, final):
    np.testing.assert_allclose(trajectory(nn.Adam, **options)[-1], final, rtol=1e-13)


def test_adamw_is_adam_with_decoupled_weight_decay():
    w = nn.Parameter(tg.tensor([1.0]))
    adamw = nn.optim.AdamW([w])
    assert isinstance(adamw, nn.Adam) and adamw.defaults["weight_decay"] == 0.01
    assert adamw.defaults["decoupled_weight_decay"] is True
    assert nn.Adam([w]).defaults["decoupled_weight_decay"] is False
    # loading an Adam state into an AdamW keeps it decoupled (PyTorch's __setstate__)
    adamw.load_state_dict(nn.Adam([w], weight_decay=0.01).state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_adamw_errors_copy_pytorch():
    w = nn.Parameter(tg.tensor([1.0]))
    with pytest.raises(ValueError, match="^Invalid weight_decay value: -0.1$"):
        nn.optim.AdamW([w], weight_decay=-0.1)
    with pytest.raises(ValueError, match="^Invalid beta parameter at index 1: 1.0$"):
        nn.optim.AdamW([w], betas=(0.9, 1.0))
