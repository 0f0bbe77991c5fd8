"""nn.Parameter: a leaf Tensor that requires grad and that Modules register."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def test_a_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    assert isinstance(p, tg.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.dtype == tg.float32


def test_requires_grad_can_be_switched_off():
    assert not nn.Parameter(tg.tensor([1.0]), requires_grad=False).requires_grad


def test_wrapping_a_tensor_shares_its_storage():
    t = tg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    t.data[0] = 5.0
    assert p.numpy(force=True)[0] == 5.0


def test_arrays_and_lists_are_accepted_and_keep_numpy_dtypes():
    assert nn.Parameter(np.zeros(3)).dtype == tg.float64
    assert nn.Parameter([1.0, 2.0]).shape == (2,)


def test_integer_data_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tg.tensor([1, 2]))


def test_repr_is_pytorchs():
    p = nn.Parameter(tg.tensor([1.5, 2.0]))
    assert repr(p) == "Parameter containing:\n" + "tensor([1.5000, 2.0000], requires_grad=True)"


def test_ops_on_a_parameter_give_plain_tensors():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    y = p * 2
    assert type(y) is tg.Tensor
    assert type(p.detach()) is tg.Tensor


def test_a_parameter_is_as_light_as_a_tensor():
    # Tensor uses __slots__; Parameter adds none (no per-instance __dict__)
    assert not hasattr(nn.Parameter(tg.tensor([1.0])), "__dict__")


def test_gradients_accumulate_on_a_parameter():
    p = nn.Parameter(tg.tensor([3.0]))
    (p * p).sum().backward()
    assert p.grad.tolist() == [6.0]
