"""Module hooks with PyTorch's semantics: forward pre-hooks and forward hooks (with
kwargs, prepend, always_call), full backward hooks and backward pre-hooks (values
probed on PyTorch 2.13), handles, and the fast path when no hook is registered."""
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg


class TwoInTwoOut(nn.Module):
    """(a·b·k, a + 2b): two tensor inputs, a number, two outputs."""

    def forward(self, a, b, k):
        return a * b * k, a + 2 * b


def _listed(grads):
    return [None if g is None else g.tolist() for g in grads]


def test_all_hooks_in_pytorchs_order_with_pytorchs_gradients():
    module, log = TwoInTwoOut(), []
    module.register_forward_pre_hook(lambda m, args: log.append(("pre", len(args))))
    module.register_forward_hook(lambda m, args, out: log.append(("forward", len(out))))
    module.register_full_backward_pre_hook(lambda m, go: log.append(("backward_pre", _listed(go))))

    def backward_hook(m, grad_input, grad_output):
        log.append(("backward", _listed(grad_input), _listed(grad_output)))
        return grad_input[0] * 10, grad_input[1], None  # replace the gradient of a

    module.register_full_backward_hook(backward_hook)
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    first, second = module(a, b, 3.0)
    (first.sum() + 3 * second.sum()).backward()
    # the same log and gradients as PyTorch 2.13
    assert log == [("pre", 3), ("forward", 2),
                   ("backward_pre", [[1.0, 1.0], [3.0, 3.0]]),
                   ("backward", [[12.0, 15.0], [9.0, 12.0], None], [[1.0, 1.0], [3.0, 3.0]])]
    assert a.grad.tolist() == [120.0, 150.0] and b.grad.tolist() == [9.0, 12.0]


def test_backward_hook_on_a_linear_layer_scales_the_input_gradient_only():
    layer = nn.Linear(2, 1).double()
    with tg.no_grad():
        layer.weight[...] = np.array([[1.0, -1.0]])
    x = tg.tensor(np.array([[1.0, 2.0], [3.0, 5.0]]), requires_grad=True)
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * 2,))
    layer(x).sum().backward()
    assert x.grad.tolist() == [[2.0, -2.0], [2.0, -2.0]]  # PyTorch 2.13
    assert layer.weight.grad.tolist() == [[4.0, 7.0]]  # the weight's gradient is not touched


def test_backward_pre_hook_replaces_grad_output():
    layer = nn.Linear(2, 2).double()
    x = tg.tensor(np.ones((1, 2)), requires_grad=True)
    layer.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 0,))
    layer(x).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0]] and layer.weight.grad.numpy(force=True).sum() == 0


def test_backward_hook_when_no_input_requires_grad_fires_at_the_outputs():
    layer, seen = nn.Linear(2, 1).double(), []
    layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, _listed(go))))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        layer(tg.tensor(np.ones((1, 2)))).sum().backward()
    assert seen == [((None,), [[[1.0]]])]


def test_backward_hook_returning_the_wrong_count_is_pytorchs_error():
    layer = nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="^Backward hook returned an invalid number of "
                                           "grad_input, got 2, but expected 1$"):
        layer(tg.ones(1, 2, requires_grad=True)).sum().backward()


def test_backward_hooks_pass_gradcheck_of_the_wrapped_module():
    # the gates are identities: the module's derivatives are unchanged
    module = TwoInTwoOut()
    module.register_full_backward_hook(lambda m, gi, go: None)
    a = tg.tensor(np.array([0.5, -1.0]), requires_grad=True)
    b = tg.tensor(np.array([2.0, 0.3]), requires_grad=True)
    assert tg.gradcheck(lambda x, y: module(x, y, 1.5), (a, b))


def test_forward_pre_hook_can_replace_the_arguments():
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda m, args: args[0] * 2)  # a single value is wrapped
    assert layer(tg.tensor([1.0])).tolist() == [2.0]
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] + 1,), kwargs),
                                    with_kwargs=True)
    assert layer(tg.tensor([1.0])).tolist() == [2.0]
    layer.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"^forward pre-hook must return None or a tuple of "
                                           r"\(new_args, new_kwargs\), but got"):
        layer(tg.tensor([1.0]))


def test_forward_hook_can_replace_the_output_and_sees_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    module, seen = Scale(), []
    module.register_forward_hook(lambda m, args, kwargs, out: seen.append(kwargs),
                                 with_kwargs=True)
    module.register_forward_hook(lambda m, args, out: out + 100)
    assert module(tg.tensor([1.0]), factor=3.0).tolist() == [103.0]
    assert seen == [{"factor": 3.0}]


def test_prepend_and_remove():
    module, order = nn.Identity(), []
    module.register_forward_hook(lambda m, a, o: order.append("first"))
    handle = module.register_forward_hook(lambda m, a, o: order.append("prepended"), prepend=True)
    module(tg.ones(1))
    assert order == ["prepended", "first"]
    handle.remove()
    handle.remove()  # removing twice is harmless
    order.clear()
    module(tg.ones(1))
    assert order == ["first"]
    with module.register_forward_pre_hook(lambda m, a: order.append("pre")):
        module(tg.ones(1))
    module(tg.ones(1))
    assert order == ["first", "pre", "first", "first"]


def test_always_call_runs_the_hook_when_forward_raises():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("broken forward")

    module, seen = Broken(), []
    module.register_forward_hook(lambda m, a, out: seen.append(("always", out)), always_call=True)
    module.register_forward_hook(lambda m, a, out: seen.append("normal"))
    with pytest.raises(ValueError, match="broken forward"):
        module(tg.ones(1))
    assert seen == [("always", None)]


def test_removing_every_hook_restores_the_fast_path():
    layer = nn.Linear(2, 2)
    assert layer._call_hooks is None  # the class default: __call__ tests just this
    handle = layer.register_forward_hook(lambda m, a, o: None)
    assert layer._call_hooks is not None
    handle.remove()
    layer(tg.ones(1, 2))
    assert layer._call_hooks is None


def test_hooks_must_be_callable_and_are_not_state():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="must be callable"):
        layer.register_forward_hook("not a function")
    layer.register_forward_hook(lambda m, a, o: None)
    assert list(layer.state_dict()) == ["weight", "bias"]
