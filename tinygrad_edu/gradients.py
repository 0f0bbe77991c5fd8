"""`tg.backward`, `Tensor.backward` and `tg.grad`: PyTorch's entry points to the engine.

They check their arguments, make the seeds (ones for a scalar root), run
`autograd.backpropagate`, and then either accumulate each leaf's gradient into its
`.grad` (backward) or hand the gradients back without touching any `.grad`
(grad). A non-leaf input of `grad` has its gradient captured on the way by an
`autograd.Observer`.
"""
from __future__ import annotations

import gc

import numpy as np

from . import autograd, checks
from .hooks import run_hooks
from .modes import set_grad_enabled


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad` (or only into `inputs`')."""
    roots = checks.tensors(tensors, "tensors", "backward")
    seeds = checks.grad_outputs(grad_tensors, len(roots), "backward")
    tensor_backward(roots, seeds, retain_graph, create_graph, inputs)


def tensor_backward(roots, seeds, retain_graph, create_graph, inputs):
    """backward() once its roots are a tuple of Tensors with one seed each (Tensor.backward
    calls it directly: one root, one seed)."""
    if inputs is not None:
        inputs = checks.backward_inputs(inputs)
        from .jit import refuse  # (jit imports this module)
        refuse("backward(inputs=...)", "leaves gradients for other leaves that tg.jit would count "
               "into the next backward")
    previous, autograd.grad_mode.enabled = autograd.grad_mode.enabled, create_graph
    try:  # hooks and accumulation record only for create_graph
        for t, g in _run(roots, seeds, retain_graph, create_graph, inputs):
            if inputs is None:  # a leaf's hooks see its total, once (_run ran them for inputs)
                g = _leaf_grad(t, g, create_graph)
            _accumulate(t, g, create_graph)
            for observer in autograd.observers:
                observer.accumulated(t, g)
    finally:
        autograd.grad_mode.enabled = previous


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """d(outputs)/d(inputs) as a tuple, without touching any `.grad`."""
    from .jit import refuse  # (jit imports this module)
    refuse("tg.grad", "returns gradients that the replay would not make anew")
    outputs = checks.tensors(outputs, "outputs", "grad")
    inputs = checks.tensors(inputs, "inputs", "grad")
    seeds = checks.grad_outputs(grad_outputs, len(outputs), "grad")
    checks.differentiable(inputs)
    with set_grad_enabled(create_graph):
        found = _run(outputs, seeds, retain_graph, create_graph, inputs)
    results = []
    for i, (t, g) in enumerate(found):
        if g is None and materialize_grads:
            g = np.zeros_like(t._data)
        checks.used(g, i, allow_unused)
        results.append(g if g is None or isinstance(g, autograd.Tensor) else
                       autograd.Tensor._make(np.array(g, dtype=t._data.dtype)))
    return tuple(results)


class _Capture(autograd.Observer):
    """Keeps the gradients of chosen nodes as backward reaches them."""

    def __init__(self, nodes):
        self.grads = dict.fromkeys(nodes)

    def visiting(self, fn, grad):
        if fn in self.grads:
            self.grads[fn] = grad
        return grad


def _run(roots, seeds, retain_graph, create_graph, inputs):
    """What backward finds: (leaf, gradient) for every leaf reached when `inputs` is None
    (the leaves' hooks not run yet), else (input, gradient or None) for each input, leaf
    hooks run. Called with grad mode set to create_graph."""
    seeds = [seed(root, g, i, create_graph) for i, (root, g) in enumerate(zip(roots, seeds))]
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        return _backpropagate(roots, seeds, retain_graph, create_graph).items()
    capture = _Capture([t.grad_fn for t in inputs if t.grad_fn is not None])
    autograd.observers.append(capture)  # keeps the non-leaf inputs' gradients on the way
    try:
        leaves = _backpropagate(roots, seeds, retain_graph, create_graph)
    finally:
        autograd.observers.remove(capture)
    return [(t, capture.grads[t.grad_fn] if t.grad_fn is not None else
             _leaf_grad(t, leaves.get(t), create_graph)) for t in inputs]


def _backpropagate(roots, seeds, retain_graph, create_graph) -> dict:
    """`autograd.backpropagate` with Python's cycle collector paused (if it was on).

    Backward makes no reference cycles: it allocates arrays (which the collector
    ignores) and tuples, lists and iterators that are gone when it returns. But these
    count as new objects (the topological sort holds one pair per node of a chain), and
    enough of them set off a full collection, which walks every object of the graph: on
    W5's chain of 100,000 ops one or two of them took 0.3 s each, more than the rest of
    that backward. Nothing is lost by the pause: the collector runs at its next trigger.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return autograd.backpropagate(roots, seeds, retain_graph, create_graph)
    finally:
        if enabled:
            gc.enable()


def seed(root, gradient, index: int, create_graph: bool):
    """The gradient backward starts from at `root`: ones for a scalar, else `gradient`."""
    checks.seed_root(root, index, gradient)
    if gradient is None:
        seed = _ones(root._data.shape, root._data.dtype)
        # under create_graph the seed is a Tensor of the new graph, and tg.grad may hand it
        # back: a copy of its own
        return autograd.Tensor._make(seed.copy()) if create_graph else seed
    if not isinstance(gradient, autograd.Tensor):
        if checks.traced_read is not None:  # (copied here: a replay would keep this copy)
            raise _tracing_error("backward(gradient) given a NumPy array or a number inside a "
                                 "traced step: pass a Tensor, which tg.jit reads anew at each call")
        try:
            gradient = autograd.Tensor(np.asarray(gradient))
        except (TypeError, ValueError) as error:
            raise TypeError(f"backward: gradient must be a Tensor, an array or a number "
                            f"({error})") from None
    checks.seed_shape(gradient, root, index)
    checks.read_outside_ops(gradient)  # tg.jit guards it: backward reads its array, not an op
    gradient = gradient if gradient.dtype == root.dtype else gradient.to(root.dtype)
    return gradient if create_graph else gradient._data


def _tracing_error(message):
    from .jit import TracingError  # (jit imports this module)
    return TracingError(f"tg.jit: {message}")


_ONES = {}  # (shape, dtype) -> a read-only array of ones


def _ones(shape, dtype):
    """The implicit seed d(root)/d(root) = 1, made once per shape and dtype (a root without
    `gradient` has one element, so there are few) and read-only, so that no one can change
    every later seed: backward formulas never change their arguments, and hooks get a
    copy. tg.jit folds what is computed from it alone."""
    seed = _ONES.get((shape, dtype))
    if seed is None:
        seed = _ONES[shape, dtype] = np.ones(shape, dtype)
        seed.setflags(write=False)
    return seed


def _leaf_grad(leaf, grad, create_graph):
    """A leaf's total gradient after its hooks (they see it once, summed over all paths)."""
    return run_hooks(leaf._hooks, grad, create_graph) if leaf._hooks and grad is not None else grad


def _accumulate(t, grad, create_graph: bool) -> None:
    """Add `grad` into `t.grad` (a new tensor the first time: two leaves never share one)."""
    if grad is None:
        return
    if create_graph:
        t._grad = grad.clone() if t._grad is None else t._grad + grad
    elif t._grad is None:
        t._grad = autograd.Tensor._make(np.array(grad, dtype=t._data.dtype))
    elif t._grad._requires_grad:
        t._grad = t._grad + autograd.Tensor._make(grad)
    else:
        t._grad._data += grad
