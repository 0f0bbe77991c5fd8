"""nn.Sequential: modules applied in order, indexable, sliceable, iterable."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def _three_layers():
    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))


def test_forward_applies_the_modules_in_order():
    model = _three_layers()
    x = tg.tensor(np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float32))
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).data, expected.data)
    # and by hand in NumPy
    w0, b0, w1, b1 = (p.data for p in model.parameters())
    by_hand = np.tanh(x.data @ w0.T + b0) @ w1.T + b1
    np.testing.assert_allclose(model(x).data, by_hand, rtol=1e-6)


def test_indexing_len_and_iteration():
    model = _three_layers()
    assert len(model) == 3
    assert isinstance(model[1], nn.Tanh)
    assert model[-1] is model[2]
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    with pytest.raises(TypeError, match="indices must be integers or slices"):
        model["0"]


def test_a_slice_is_a_sequential_of_the_same_modules():
    model = _three_layers()
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head[0] is model[0]  # shared, not copied
    assert [n for n, _ in head.named_parameters()] == ["0.weight", "0.bias"]
    tail = model[1:]
    assert [n for n, _ in tail.named_children()] == ["1", "2"]  # PyTorch keeps the names


def test_append_and_extend_number_new_children():
    model = nn.Sequential(nn.Linear(1, 2))
    assert model.append(nn.ReLU()) is model
    model.extend([nn.Linear(2, 1), nn.Sigmoid()])
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]


def test_setitem_and_delitem_renumber():
    model = _three_layers()
    model[1] = nn.ReLU()
    assert isinstance(model[1], nn.ReLU)
    del model[0]
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    assert isinstance(model[0], nn.ReLU)


def test_an_ordered_dict_names_the_children():
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.Sigmoid())]))
    assert [n for n, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert model.hidden is model[0]


def test_repr_numbers_the_children():
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sigmoid()\n"
        ")")


def test_only_modules_can_be_children():
    with pytest.raises(TypeError, match="function is not a Module subclass"):
        nn.Sequential(lambda x: x)
