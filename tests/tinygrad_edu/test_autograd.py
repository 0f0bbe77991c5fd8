"""Backward semantics (SPEC §2 "Autograd"; PYTORCH_SEMANTICS rows 1, 2, 4–8,
13, 17): the graph's structure, accumulation, broadcasting, the errors with
PyTorch's texts, retain_graph, and the iterative walk on very deep and very
wide graphs."""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

# ----------------------------------------------------------------------------
# graph structure: leaves, grad_fn, next_functions


def test_user_tensors_are_leaves_and_op_results_are_not():
    x = tg.tensor([1.0], requires_grad=True)
    c = tg.tensor([2.0])
    y = x * c
    assert x.is_leaf and x.grad_fn is None
    assert c.is_leaf and c.grad_fn is None
    assert not y.is_leaf and y.grad_fn is not None
    assert (c * c).is_leaf  # no input requires grad: a leaf
    assert y.detach().is_leaf


@pytest.mark.parametrize("make, name", [
    (lambda a, b: a + b, "AddBackward"), (lambda a, b: a - b, "SubBackward"),
    (lambda a, b: -a, "NegBackward"), (lambda a, b: a * b, "MulBackward"),
    (lambda a, b: a / b, "DivBackward"), (lambda a, b: a ** 2, "PowScalarBackward"),
    (lambda a, b: a ** b, "PowBackward"), (lambda a, b: a.reshape(2, 2) @ b.reshape(2, 2), "MatMulBackward"),
    (lambda a, b: a.exp(), "ExpBackward"), (lambda a, b: a.log(), "LogBackward"),
    (lambda a, b: a.sqrt(), "SqrtBackward"), (lambda a, b: a.abs(), "AbsBackward"),
    (lambda a, b: a.sigmoid(), "SigmoidBackward"), (lambda a, b: a.tanh(), "TanhBackward"),
    (lambda a, b: a.relu(), "ReLUBackward"), (lambda a, b: a.leaky_relu(), "LeakyReLUBackward"),
    (lambda a, b: a.clamp(0, 1), "ClampBackward"), (lambda a, b: tg.maximum(a, b), "MaximumBackward"),
    (lambda a, b: tg.where(np.array([True, False, True, False]), a, b), "WhereBackward"),
    (lambda a, b: a.double(), "CastBackward"), (lambda a, b: a.sum(), "SumBackward"),
    (lambda a, b: a.max(), "MaxBackward"), (lambda a, b: a.reshape(2, 2), "ReshapeBackward"),
    (lambda a, b: a.expand(3, 4), "ExpandBackward"), (lambda a, b: a.reshape(2, 2).T, "PermuteBackward"),
    (lambda a, b: a[1:], "GetItemBackward"), (lambda a, b: tg.cat([a, b]), "CatBackward"),
])
def test_grad_fn_names(make, name):
    a = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = tg.tensor([0.5, 1.5, 2.5, 3.5], requires_grad=True)
    fn = make(a, b).grad_fn
    assert fn.name() == name
    assert repr(fn) == f"<{name}>"


def test_every_primitive_documents_its_derivative_rule():
    from tinygrad_edu import ops
    primitives = [c for c in vars(ops).values()
                  if isinstance(c, type) and issubclass(c, tg.Function) and c is not tg.Function]
    assert len(primitives) >= 25
    for primitive in primitives:
        assert primitive.__doc__ and primitive.__doc__.splitlines()[0].strip(), primitive


def test_parents_keep_order_and_repeats():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([2.0])
    assert (a + a).grad_fn.parents == (a, a)
    assert (b - a).grad_fn.parents == (b, a)


def test_next_functions_link_to_input_nodes_accumulate_grad_or_none():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0])
    product = a * b
    (node, index), (constant, _) = product.grad_fn.next_functions
    assert node.name() == "AccumulateGrad" and node.variable is a and index == 0
    assert constant is None
    total = product + a
    first, second = total.grad_fn.next_functions
    assert first == (product.grad_fn, 0)
    assert second[0].name() == "AccumulateGrad" and second[0].variable is a


def test_topological_order_puts_every_node_before_the_nodes_of_its_inputs():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h + h.sigmoid()).sum()
    order = tg.topological_order([y.grad_fn])
    assert order[0] is y.grad_fn
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) == 5  # sum, add, mul, sigmoid, exp: each once
    for node in order:
        for parent in node.parents:
            if parent.grad_fn is not None:
                assert position[parent.grad_fn] > position[node]



@pytest.mark.parametrize("seed", range(5))
def test_topological_order_of_a_random_graph_where_inputs_consume_each_other(seed):
    # each new value combines two earlier ones, so an op's second input often consumes
    # its first (or the reverse): the order must still put every consumer first
    rng = np.random.default_rng(seed)
    values = [tg.tensor([0.5, 1.5], requires_grad=True)]
    for _ in range(40):
        i, j = rng.integers(len(values), size=2)
        values.append(values[i] * 0.5 + values[j].sigmoid())
    order = tg.topological_order([values[-1].grad_fn, values[-7].grad_fn])
    position = {node: n for n, node in enumerate(order)}
    assert len(position) == len(order)
    for node in order:
        for parent in node.parents:
            if parent.grad_fn is not None:
                assert position[parent.grad_fn] > position[node]


def test_backward_pauses_the_cycle_collector_and_restores_it():
    import gc

    seen = []

    class Watch(tg.autograd.Observer):
        def visiting(self, fn, grad):
            seen.append(gc.isenabled())
            return grad

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.autograd.observers.append(Watch())
    try:
        assert gc.isenabled()
        (x * x).sum().backward()
        assert seen and not any(seen) and gc.isenabled()
        gc.disable()  # a program that turned it off keeps it off
        (x * x).sum().backward()
        assert not gc.isenabled()
        gc.enable()
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError):  # freed graph: backward fails, the collector is back
            y.backward()
        assert gc.isenabled()
    finally:
        tg.autograd.observers.pop()
        gc.enable()


# ----------------------------------------------------------------------------
# accumulation (row 4) and broadcasting (row 13)


def test_each_backward_adds_into_leaf_grad():
    a = tg.tensor(3.0, requires_grad=True)
    (a * a).backward()
    assert a.grad.item() == 6.0
    (a * a).backward()
    assert a.grad.item() == 12.0


def test_multiple_paths_are_summed():
    x = tg.tensor(3.0, requires_grad=True)
    (x * x + x).backward()
    assert x.grad.item() == 7.0


def test_reused_intermediate_is_counted_once_per_use():
    # micrograd#2's example a=1; b=a+a; c=b+b: dc/da = 4
    a = tg.tensor(1.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_broadcast_gradients_are_summed_back_to_each_input_shape():
    # row 13 golden numbers: a(3,1) * b(4) * s() summed
    a = tg.ones(3, 1, requires_grad=True)
    b = tg.ones(4, requires_grad=True)
    s = tg.tensor(2.0, requires_grad=True)
    (a * b * s).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[8.0]] * 3
    assert b.grad.shape == (4,) and b.grad.tolist() == [6.0] * 4
    assert s.grad.shape == () and s.grad.item() == 12.0


def test_size_one_dimensions_are_kept_in_the_gradient():
    a = tg.ones(1, 3, requires_grad=True)
    (a + tg.zeros(5, 3)).sum().backward()
    assert a.grad.shape == (1, 3) and a.grad.tolist() == [[5.0, 5.0, 5.0]]


def test_gradients_of_two_leaves_do_not_share_a_buffer():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.data[0] = 100.0
    assert b.grad.tolist() == [1.0, 1.0]
    assert a.grad.numpy(force=True).flags.writeable


def test_backward_on_a_leaf_root_seeds_its_grad_with_one():
    x = tg.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


# ----------------------------------------------------------------------------
# seeds and errors (rows 5, 6)


def test_non_scalar_root_needs_a_gradient():
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"^grad can be implicitly created only for scalar outputs$"):
        y.backward()


def test_a_root_with_one_element_of_any_shape_needs_no_gradient():
    a = tg.tensor([[2.0]], requires_grad=True)
    (a * 3).backward()
    assert a.grad.tolist() == [[3.0]]


def test_gradient_argument_weighs_the_outputs():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(tg.tensor([1.0, 0.5, -1.0]))
    assert x.grad.tolist() == [2.0, 2.0, -6.0]


def test_gradient_of_the_wrong_shape():
    # PyTorch's text, with the shapes written as tuples instead of torch.Size([...])
    y = tg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=re.escape(
            "Mismatch in shape: grad_output[0] has a shape of (3,) and output[0] has a shape of (2,).")):
        y.backward(tg.tensor([1.0, 1.0, 1.0]))


def test_gradient_of_another_dtype_is_accepted_and_cast():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(np.array([1.0, 3.0]))  # float64 seed for a float32 graph
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 6.0]


def test_backward_on_a_tensor_without_graph():
    with pytest.raises(RuntimeError, match=r"^element 0 of tensors does not require grad and does not "
                                           r"have a grad_fn$"):
        tg.tensor(1.0).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        (tg.tensor([1.0]) * 2).sum().backward()


# ----------------------------------------------------------------------------
# freeing the graph and retain_graph (row 7)

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after "
         "they have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
         "graph a second time or if you need to access saved tensors after calling backward.")


def test_second_backward_through_a_freed_graph_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=f"^{re.escape(FREED)}$"):
        loss.backward()
    assert x.grad.tolist() == [2.0, 4.0]  # the failed call added nothing


@pytest.mark.parametrize("make", [lambda x: x.exp(), lambda x: x.sigmoid(), lambda x: x.log(),
                                  lambda x: x @ x, lambda x: x.max(), lambda x: x ** 2])
def test_every_op_that_saves_values_is_freed(make):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = make(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_keeps_saved_values_and_the_second_call_accumulates():
    x = tg.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    assert x.grad.item() == 4.0
    y.backward()
    assert x.grad.item() == 8.0
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_nodes_that_save_nothing_rerun_and_accumulate():
    a = tg.tensor([2.0, 3.0], requires_grad=True)
    y = (a + a).sum()
    y.backward()
    y.backward()
    assert a.grad.tolist() == [4.0, 4.0]
    b = tg.tensor([1.0, 1.0], requires_grad=True)
    z = (b.reshape(2, 1).expand(2, 3) - (-b.reshape(2, 1)) - 2.0).T.sum()
    z.backward()
    z.backward()
    assert b.grad.tolist() == [12.0, 12.0]  # 3 + 3 per call


def test_mean_saves_nothing_and_reruns_like_pytorch():
    # PyTorch's MeanBackward keeps only the input's size, so a second backward
    # through a mean re-runs and accumulates instead of raising.
    b = tg.tensor([1.0, 3.0], requires_grad=True)
    z = b.mean()
    z.backward()
    z.backward()
    assert b.grad.tolist() == [1.0, 1.0]


def test_backward_with_inputs_accumulates_only_into_those_leaves():
    a = tg.tensor(1.0, requires_grad=True)
    b = tg.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None
    (a * b).backward(inputs=b)
    assert a.grad.item() == 2.0 and b.grad.item() == 1.0


def test_module_level_backward_takes_several_roots():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.backward([(x * 2).sum(), (x * x).sum()])
    assert x.grad.tolist() == [4.0, 6.0]


# ----------------------------------------------------------------------------
# .grad of non-leaves and retain_grad (row 2)

NON_LEAF_WARNING = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                    ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                    "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                    "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
                    "the leaf Tensor instead.")


def test_non_leaf_grad_is_none_and_warns():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y * y).sum().backward()
    with pytest.warns(UserWarning, match=f"^{re.escape(NON_LEAF_WARNING)}"):
        assert y.grad is None


def test_leaf_grad_does_not_warn():
    x = tg.tensor([1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad.tolist() == [6.0, 12.0]  # d(y²)/dy = 2y
    assert x.grad.tolist() == [18.0, 36.0]


def test_retain_grad_accumulates_and_is_a_no_op_on_leaves():
    x = tg.tensor([1.0], requires_grad=True)
    x.retain_grad()
    y = x * 2
    y.retain_grad()
    z = y * 5
    z.backward(retain_graph=True)
    z.backward()
    assert y.grad.tolist() == [10.0]
    assert x.grad.tolist() == [20.0]


# ----------------------------------------------------------------------------
# requires_grad propagation (row 1)


def test_output_requires_grad_iff_an_input_does_and_grad_mode_is_on():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0])
    assert (a + b).requires_grad and (b + a).requires_grad
    assert not (b + b).requires_grad
    with tg.no_grad():
        assert not (a + b).requires_grad


def test_detached_branch_gets_no_gradient():
    x = tg.tensor([2.0], requires_grad=True)
    y = x * x.detach()  # d/dx treats the detached copy as a constant
    y.sum().backward()
    assert x.grad.tolist() == [2.0]


# ----------------------------------------------------------------------------
# the iterative walk: very deep and very wide graphs


def test_chain_of_100000_ops_backpropagates_without_recursion():
    """y = x · c^N: dy/dx = c^N, computed through 100,000 Mul nodes."""
    n, c = 100_000, 1.0 + 1e-5
    x = tg.tensor(np.array(0.5), requires_grad=True)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    assert x.grad.item() == pytest.approx(c ** n, rel=1e-9)
    assert c ** n == pytest.approx(math.e, rel=1e-4)  # sanity of the closed form


def test_wide_graph_one_node_feeding_100000_ops():
    """s = Σ_k k·h with h = 2x: ds/dx = 2 Σ_k k. One node with 100,000
    consumers, joined again by a single 100,000-input stack."""
    n = 100_000
    x = tg.tensor(np.array(0.5), requires_grad=True)
    h = x * 2.0
    total = tg.stack([h * float(k) for k in range(n)]).sum()
    total.backward()
    assert x.grad.item() == 2 * (n - 1) * n / 2


def test_autograd_graph_node_and_increment_version():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    assert isinstance(y.grad_fn, tg.autograd.graph.Node)
    array = x.numpy(force=True)
    array += 1.0  # changed behind autograd's back: y's node would read the new x
    tg.autograd.graph.increment_version(x)
    assert x._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    a, b = tg.ones(1), tg.ones(2)
    tg.autograd.graph.increment_version([a, b])
    assert (a._version, b._version) == (1, 1)
    with pytest.raises(TypeError, match="increment_version: expected a Tensor"):
        tg.autograd.graph.increment_version(np.ones(2))


def test_the_shared_implicit_seed_never_leaks_to_users():
    # the seed 1 is one read-only array per shape and dtype (tg.jit folds what it feeds);
    # what a user can reach is a copy of it
    x = tg.tensor(2.0, requires_grad=True)
    g, = tg.grad(x, x, create_graph=True)
    with tg.no_grad():
        g.add_(1.0)
    assert g.item() == 2.0
    kept = []
    y = (x * 3).sum()
    y.register_hook(lambda grad: kept.append(grad))
    y.backward()
    with tg.no_grad():
        kept[0].mul_(100.0)  # a hook's gradient may be kept and changed later
    x.grad = None
    (x * 3).sum().backward()  # the next seed is still 1
    assert x.grad.item() == 3.0
