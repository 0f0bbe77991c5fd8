"""Containers: nn.Sequential (applied in order, indexable, sliceable, iterable), nn.ModuleList
and nn.ModuleDict (registered children, list and dict behaviour, PyTorch's errors and reprs)."""
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
    np.testing.assert_array_equal(model(x).numpy(force=True), expected.numpy(force=True))
    # and by hand in NumPy
    w0, b0, w1, b1 = (p.numpy(force=True) for p in model.parameters())
    by_hand = np.tanh(x.numpy(force=True) @ w0.T + b0) @ w1.T + b1
    np.testing.assert_allclose(model(x).numpy(force=True), by_hand, rtol=1e-6)


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


# -- ModuleList -----------------------------------------------------------------------------


class _Stack(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(n)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def test_module_list_registers_its_modules():
    model = _Stack(3)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
        "layers.2.weight", "layers.2.bias"]
    assert list(model.state_dict())[0] == "layers.0.weight"
    x = tg.tensor([[1.0, 2.0]])
    expected = model.layers[2](model.layers[1](model.layers[0](x)))
    assert np.array_equal(model(x).numpy(force=True), expected.numpy(force=True))


def test_module_list_is_a_list():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    modules = nn.ModuleList([a, b])
    assert len(modules) == 2 and modules[-1] is b and list(modules) == [a, b]
    assert isinstance(modules[0:1], nn.ModuleList) and list(modules[::-1]) == [b, a]
    modules.insert(0, c)
    assert list(modules) == [c, a, b] and list(modules._modules) == ["0", "1", "2"]
    assert modules.append(c).extend([a]) is modules and len(modules) == 5
    del modules[1]
    assert list(modules) == [c, b, c, a] and list(modules._modules) == ["0", "1", "2", "3"]
    assert modules.pop(0) is c and list(modules) == [b, c, a]
    modules[-1] = b
    assert list(modules) == [b, c, b]
    del modules[0:2]
    assert list(modules) == [b]
    modules += [a]
    assert list(modules + nn.ModuleList([c])) == [b, a, c]
    assert modules[1] is a


def test_module_list_errors_copy_pytorch():
    with pytest.raises(TypeError, match="^int is not a Module subclass$"):
        nn.ModuleList([1])
    with pytest.raises(IndexError, match="^index 3 is out of range$"):
        nn.ModuleList([nn.ReLU()])[3]
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        nn.ModuleList([nn.ReLU()])["a"]
    with pytest.raises(TypeError, match="^ModuleList.extend should be called with an iterable, "
                                        "but got int$"):
        nn.ModuleList().extend(5)
    with pytest.raises(NotImplementedError, match=r'^Module \[ModuleList\] is missing the '
                                                  r'required "forward" function$'):
        nn.ModuleList([nn.ReLU()])(tg.ones(1))


def test_module_list_repr_groups_repeated_modules_like_pytorch():
    modules = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2)])
    assert repr(modules) == ("ModuleList(\n"
                             "  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n"
                             "  (2): ReLU()\n"
                             "  (3): Linear(in_features=2, out_features=2, bias=True)\n"
                             ")")
    assert repr(nn.ModuleList()) == "ModuleList()"
    nested = nn.ModuleList([nn.Sequential(nn.Linear(1, 1), nn.ReLU()) for _ in range(2)])
    assert repr(nested) == ("ModuleList(\n"
                            "  (0-1): 2 x Sequential(\n"
                            "    (0): Linear(in_features=1, out_features=1, bias=True)\n"
                            "    (1): ReLU()\n"
                            "  )\n"
                            ")")


# -- ModuleDict -----------------------------------------------------------------------------


def test_module_dict_registers_by_name_in_insertion_order():
    heads = nn.ModuleDict({"b": nn.Linear(2, 1), "a": nn.Linear(2, 3)})
    assert [name for name, _ in heads.named_parameters()] == ["b.weight", "b.bias",
                                                              "a.weight", "a.bias"]
    assert list(heads.keys()) == ["b", "a"] and list(heads) == ["b", "a"]
    assert heads["a"].out_features == 3 and "a" in heads and len(heads) == 2


def test_module_dict_is_a_dict():
    relu, tanh = nn.ReLU(), nn.Tanh()
    modules = nn.ModuleDict([("x", relu)])
    modules["y"] = tanh
    modules.update({"z": relu})
    modules.update([("w", tanh)])
    assert list(modules.items()) == [("x", relu), ("y", tanh), ("z", relu), ("w", tanh)]
    assert modules.pop("x") is relu and list(modules.values()) == [tanh, relu, tanh]
    del modules["y"]
    assert list(modules) == ["z", "w"]
    modules.clear()
    assert len(modules) == 0 and repr(modules) == "ModuleDict()"


def test_module_dict_errors_copy_pytorch():
    with pytest.raises(TypeError, match="^int is not a Module subclass$"):
        nn.ModuleDict({"a": 1})
    with pytest.raises(KeyError, match="'b'"):
        nn.ModuleDict({"a": nn.ReLU()})["b"]
    with pytest.raises(ValueError, match="^ModuleDict update sequence element #0 has length 1; "
                                         "2 is required$"):
        nn.ModuleDict([("a",)])
    with pytest.raises(TypeError, match="^ModuleDict.update should be called with an iterable "
                                        "of key/value pairs, but got int$"):
        nn.ModuleDict().update(5)


def test_module_dict_repr():
    assert repr(nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 2)})) == (
        "ModuleDict(\n  (a): ReLU()\n  (b): Linear(in_features=1, out_features=2, bias=True)\n)")
