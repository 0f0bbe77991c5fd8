"""nn.Module: registration, tree walks, modes, zero_grad, state dicts and reprs,
with PyTorch's names, orders and error texts."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


class M(nn.Module):
    """The model of PYTORCH_SEMANTICS row 24: fc1 -> act -> fc2."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.act = nn.Sigmoid()
        self.fc2 = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WithBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(tg.tensor([2.0]))
        self.register_buffer("running", tg.tensor([0.5]))
        self.register_buffer("scratch", tg.tensor([9.0]), persistent=False)
        self.plain = tg.tensor([7.0])  # a plain tensor attribute: not registered
        self.inner = nn.Linear(1, 1)


# -- registration and attribute access ---------------------------------------


def test_parameters_are_registered_by_assignment_in_order_with_dotted_names():
    model = M()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [p.shape for p in model.parameters()] == [(3, 2), (3,), (1, 3), (1,)]


def test_sequential_children_are_numbered():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_nested_names_follow_the_tree():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))

    names = [n for n, _ in Outer().named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]


def test_plain_tensors_are_not_registered_and_buffers_are_not_parameters():
    m = WithBuffer()
    assert [n for n, _ in m.named_parameters()] == ["scale", "inner.weight", "inner.bias"]
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    assert m.plain.tolist() == [7.0]


def test_registered_entries_are_ordinary_attributes():
    m = WithBuffer()
    assert m.scale is m._parameters["scale"]
    assert m.running is m._buffers["running"]
    assert m.inner is m._modules["inner"]


def test_a_parameter_shared_by_two_modules_is_listed_once_and_not_copied():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    params = list(model.parameters())
    assert len(params) == 2
    assert params[0] is layer.weight and model[2].weight is model[0].weight
    # gradient flows into the single shared parameter from both uses
    x = tg.tensor([[1.0, -1.0]])
    model(x).sum().backward()
    assert layer.weight.grad is not None
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_reassigning_a_parameter_name_needs_a_parameter_or_none():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight' "
                                        r"\(nn.Parameter or None expected\)"):
        layer.weight = tg.zeros(2, 2)
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


def test_replacing_a_child_moves_it_out_of_other_registries():
    m = M()
    m.fc2 = nn.Parameter(tg.tensor([1.0]))
    assert "fc2" not in m._modules and m.fc2 is m._parameters["fc2"]
    assert [n for n, _ in m.named_parameters()] == ["fc2", "fc1.weight", "fc1.bias"]


def test_deleting_a_registered_attribute_unregisters_it():
    m = M()
    del m.fc2
    assert [n for n, _ in m.named_children()] == ["fc1", "act"]
    with pytest.raises(AttributeError, match="'M' object has no attribute 'fc2'"):
        m.fc2


def test_missing_attribute_error_is_pytorchs():
    with pytest.raises(AttributeError) as error:
        M().nope
    assert str(error.value) == "'M' object has no attribute 'nope'"


def test_assigning_a_parameter_before_init_is_an_error():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.tensor([1.0]))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_register_checks_names_and_types():
    m = nn.Module()
    with pytest.raises(KeyError) as error:
        m.register_buffer("a.b", tg.tensor([1.0]))
    assert error.value.args[0] == 'buffer name can\'t contain ".", got: a.b'
    with pytest.raises(KeyError) as error:
        m.register_parameter("", nn.Parameter(tg.tensor([1.0])))
    assert error.value.args[0] == 'parameter name can\'t be empty string ""'
    with pytest.raises(TypeError, match="cannot assign 'Tensor' object to parameter 'w'"):
        m.register_parameter("w", tg.tensor([1.0]))
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("child", 3)
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", tg.tensor([1.0]))


def test_a_non_leaf_cannot_become_a_parameter():
    m = nn.Module()
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w'"):
        m.register_parameter("w", _non_leaf_parameter())


def _non_leaf_parameter():
    # A Parameter object that carries a grad_fn (only reachable through internals;
    # PyTorch guards against the same thing)
    p = nn.Parameter(tg.tensor([1.0]))
    p.grad_fn = (tg.tensor([1.0], requires_grad=True) * 2).grad_fn
    return p


# -- calling -------------------------------------------------------------------


def test_calling_a_module_runs_forward_and_tags_nodes_with_the_module():
    m = M()
    y = m(tg.tensor([[1.0, 2.0]]))
    assert y.shape == (1, 1)
    assert y.grad_fn.module is m.fc2
    sigmoid_node = y.grad_fn.parents[0].grad_fn
    assert sigmoid_node.module is m.act
    assert tg.current_module() is None  # the scope is closed after the call


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward" function'):
        nn.Module()(tg.tensor([1.0]))


# -- walking the tree --------------------------------------------------------


def test_named_modules_starts_with_the_empty_name():
    m = M()
    assert [(n, type(x).__name__) for n, x in m.named_modules()] == [
        ("", "M"), ("fc1", "Linear"), ("act", "Sigmoid"), ("fc2", "Linear")]
    assert list(m.modules())[0] is m


def test_children_are_the_direct_children_only():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = M()
            self.head = nn.Linear(1, 1)

    outer = Outer()
    assert [n for n, _ in outer.named_children()] == ["body", "head"]
    assert list(outer.children())[0] is outer.body
    assert [n for n, _ in outer.named_modules()] == ["", "body", "body.fc1", "body.act", "body.fc2", "head"]


def test_apply_visits_children_first_then_self():
    visited = []
    M().apply(lambda module: visited.append(type(module).__name__))
    assert visited == ["Linear", "Sigmoid", "Linear", "M"]


# -- modes ---------------------------------------------------------------------


def test_train_and_eval_set_training_recursively_and_return_self():
    m = M()
    assert m.training and m.fc1.training
    assert m.eval() is m
    assert not any(module.training for module in m.modules())
    assert m.train() is m
    assert all(module.training for module in m.modules())
    m.train(False)
    assert not m.fc2.training


def test_train_mode_must_be_a_bool():
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        M().train("yes")


def test_requires_grad_switches_every_parameter():
    m = M().requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


# -- zero_grad ---------------------------------------------------------------


def _model_with_grads():
    m = M()
    m(tg.tensor([[1.0, 2.0]])).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    return m


def test_zero_grad_sets_grads_to_none_by_default():
    m = _model_with_grads()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_zero_grad_can_keep_zero_tensors_in_place():
    m = _model_with_grads()
    grads = [p.grad for p in m.parameters()]
    m.zero_grad(set_to_none=False)
    for p, g in zip(m.parameters(), grads):
        assert p.grad is g  # same tensor, zeroed in place
        assert p.grad.shape == p.shape and not p.grad.numpy(force=True).any()


# -- dtype -------------------------------------------------------------------


def test_double_casts_parameters_in_place_keeping_the_objects():
    m = M()
    weight = m.fc1.weight
    before = weight.numpy(force=True).copy()
    m.double()
    assert m.fc1.weight is weight and weight.dtype == tg.float64
    np.testing.assert_array_equal(weight.numpy(force=True), before.astype(np.float64))
    assert m(tg.tensor(np.ones((1, 2)))).dtype == tg.float64
    assert m.float().fc2.bias.dtype == tg.float32


def test_to_refuses_integer_dtypes():
    with pytest.raises(TypeError, match="floating point"):
        M().to(tg.int64)
    with pytest.raises(TypeError, match="^Module.to: None is not a dtype$"):
        M().to(None)
    with pytest.raises(RuntimeError, match="half-float"):  # a string names a device, as in PyTorch
        M().to("half-float")


def test_to_takes_pytorchs_device_forms_and_only_the_cpu():
    m = M()
    assert m.to("cpu") is m and m.to(tg.device("cpu")) is m
    assert m.to("cpu", tg.float64).fc1.weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda")


# -- state_dict ----------------------------------------------------------------


def test_state_dict_holds_own_params_then_buffers_then_children():
    m = WithBuffer()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    # the non-persistent buffer is left out, and so is the plain tensor
    assert list(sd) == ["scale", "running", "inner.weight", "inner.bias"]


def test_state_dict_tensors_are_detached_but_share_storage():
    m = M()
    sd = m.state_dict()
    weight = sd["fc1.weight"]
    assert not weight.requires_grad and weight.grad_fn is None
    weight.data[0, 0] = 123.0
    assert m.fc1.weight.numpy(force=True)[0, 0] == 123.0


def test_state_dict_keep_vars_returns_the_parameters_themselves():
    m = M()
    assert m.state_dict(keep_vars=True)["fc1.weight"] is m.fc1.weight


def test_load_state_dict_copies_values_in_place():
    source, target = M(), M()
    weight = target.fc1.weight
    version = weight._version
    result = target.load_state_dict(source.state_dict())
    assert target.fc1.weight is weight  # same Parameter object, new values
    assert weight._version > version
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True), err_msg=name)
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_strict_load_lists_missing_and_unexpected_keys_with_pytorchs_text():
    sd = M().state_dict()
    del sd["fc2.weight"]
    sd["extra"] = tg.tensor([1.0])
    with pytest.raises(RuntimeError) as error:
        M().load_state_dict(sd)
    assert str(error.value) == ('Error(s) in loading state_dict for M:\n'
                                '\tMissing key(s) in state_dict: "fc2.weight". \n'
                                '\tUnexpected key(s) in state_dict: "extra". ')


def test_non_strict_load_returns_the_incompatible_keys():
    sd = M().state_dict()
    del sd["fc2.weight"]
    sd["extra"] = tg.tensor([1.0])
    sd["fc1.nothing"] = tg.tensor([1.0])
    result = M().load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc2.weight"]
    assert result.unexpected_keys == ["extra", "fc1.nothing"]
    missing, unexpected = result  # a namedtuple
    assert missing == ["fc2.weight"]
    assert repr(result) == ("_IncompatibleKeys(missing_keys=['fc2.weight'], "
                            "unexpected_keys=['extra', 'fc1.nothing'])")


def test_shape_mismatch_is_reported_by_name_even_when_not_strict():
    class Wide(M):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 4)

    for strict in (True, False):
        with pytest.raises(RuntimeError) as error:
            M().load_state_dict(Wide().state_dict(), strict=strict)
        text = str(error.value)
        assert text.startswith("Error(s) in loading state_dict for M:\n\t")
        assert ("size mismatch for fc1.weight: copying a param with shape (4, 2) from checkpoint, "
                "the shape in current model is (3, 2).") in text
        assert "size mismatch for fc1.bias: copying a param with shape (4,) from checkpoint" in text


def test_load_state_dict_needs_a_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        M().load_state_dict([1, 2])


def test_buffers_round_trip_through_state_dict():
    a, b = WithBuffer(), WithBuffer()
    a.running.data[0] = 42.0
    b.load_state_dict(a.state_dict())
    assert b.running.tolist() == [42.0]
    assert b.scratch.tolist() == [9.0]  # not persistent: not loaded


# -- repr ----------------------------------------------------------------------


def test_nested_repr_is_pytorchs():
    assert repr(M()) == ("M(\n"
                         "  (fc1): Linear(in_features=2, out_features=3, bias=True)\n"
                         "  (act): Sigmoid()\n"
                         "  (fc2): Linear(in_features=3, out_features=1, bias=True)\n"
                         ")")


def test_repr_indents_grandchildren():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(1, 2, bias=False), nn.ReLU())

    assert repr(Outer()) == ("Outer(\n"
                             "  (body): Sequential(\n"
                             "    (0): Linear(in_features=1, out_features=2, bias=False)\n"
                             "    (1): ReLU()\n"
                             "  )\n"
                             ")")


# -- copying and debugging -----------------------------------------------------


def test_deepcopy_gives_an_independent_model_with_the_same_structure():
    import copy

    m = M()
    clone = copy.deepcopy(m)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in m.named_parameters()]
    assert clone.fc1.weight is clone.fc1._parameters["weight"]  # attribute and registry stay one
    assert clone.fc1.weight is not m.fc1.weight
    clone.fc1.weight.data[0, 0] = 99.0
    assert m.fc1.weight.numpy(force=True)[0, 0] != 99.0


def test_anomaly_reports_the_users_line_not_nn_internals():
    layer = nn.Linear(1, 1)
    layer.weight.data[...] = np.inf
    with tg.detect_anomaly():
        with pytest.raises(RuntimeError) as error:
            layer(tg.tensor([[1.0]]))
    message = str(error.value)
    assert "test_module.py" in message
    assert "functional.py" not in message and "module.py:" not in message.replace("test_module.py", "")
