"""The engine: the grad-mode flag, the `Function` node every op is made of, and backward.

Read it from top to bottom (docs/read_the_engine.md walks through it):

1. `grad_mode`: ops record the graph only while it is on (`tg.no_grad()` turns it off);
2. `Function.apply` runs an op's forward on NumPy arrays and, when an input needs a
   gradient, records the node: its inputs (an ordered tuple: `a + a` has two edges),
   their nodes, and the versions of what backward will read;
3. `topological_order`: every node after all the nodes that consume it, found by an
   iterative depth-first walk (a chain of 100,000 ops needs no recursion);
4. `backpropagate`: walks that order, summing each node's gradient in a dict local to the
   call, and hands each leaf's total back to the caller (gradients.py puts it in `.grad`).

One backward formula serves twice: normally it gets NumPy arrays; with
`create_graph=True` it gets Tensors, so the backward pass is itself recorded.

Extension point: `observers`. Hooks, retain_grad, tg.grad's capture of non-leaf
inputs, anomaly mode, module scopes for drawings and the step-through page are
objects in this list (see `Observer`); the engine calls them at two moments and
otherwise knows nothing of them.
"""
from __future__ import annotations

import threading

import numpy as np

from . import checks
from .node_api import NodeApi

# The class of the tensors ops return. tensor.py sets it: it imports this module, so
# this one cannot import it (the engine only ever needs to build results).
Tensor = None


class _GradMode(threading.local):
    enabled = True  # thread-local, as in PyTorch: no_grad in one thread leaves others be


grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default; modes.py has no_grad & co.)."""
    return grad_mode.enabled


class Observer:
    """Watches the engine. Add an instance to `observers`; override what you need."""

    def applied(self, fn, out, options):
        """Called after each op's forward (with the options it was given); `out.grad_fn
        is fn` if it was recorded."""

    def visiting(self, fn, grad):
        """Called when `fn`'s gradient is complete, before its backward: return the
        gradient to use (hooks may replace it)."""
        return grad

    def visited(self, fn, input_grads):
        """Called after `fn`'s backward with one gradient (or None) per input."""

    def accumulated(self, tensor, grad):
        """Called (by gradients.py) once `grad` has been added into a leaf's `.grad`."""


observers = []


class Function(NodeApi):
    """One recorded op. Subclasses define `forward` (NumPy in, NumPy out) above
    `backward` (gradient of the output in, one gradient per input out).

    `saves_inputs` / `saves_output` say what backward receives after the gradient;
    the engine checks that none of it was modified in place since, and frees it
    after backward unless `retain_graph=True`. Options (dim, ...) are keyword
    arguments of `apply` and `forward`. Subclass it to write your own op.
    """

    saves_inputs = False  # True: backward reads every input; or per input, the inputs it reads
    saves_output = False
    # set when the node is recorded (class-level defaults keep apply short)
    parent_nodes = ()  # each input's grad_fn at that moment (None: a leaf)
    needs_input_grad = ()  # each input's requires_grad at that moment
    versions = ()  # each input's version when recorded, if backward may read the inputs
    output = None  # (array, version counter) of the output, if backward reads it
    freed = False

    @classmethod
    def apply(cls, *parents, **options):
        """Run forward on the inputs' arrays; record a node if any input needs a gradient."""
        fn = cls()
        arrays = [p._data for p in parents]
        try:
            data = fn.forward(*arrays, **options)
        except (ValueError, TypeError, IndexError, ArithmeticError) as error:
            raise checks.forward_error(fn, arrays, error) from None
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # NumPy hands back scalars from 0-d arithmetic
        fn.parents = parents  # the input tensors, in order (a + a lists a twice)
        needs_input_grad = tuple([p._requires_grad for p in parents])
        if grad_mode.enabled and True in needs_input_grad:
            out = Tensor._make(data, True, fn)
            fn.needs_input_grad = needs_input_grad
            # Edges are fixed now, as in PyTorch: an in-place op may later give an input
            # a new grad_fn, but this node keeps the one its input had.
            fn.parent_nodes = tuple([p.grad_fn for p in parents])
            if cls.saves_inputs:
                fn.versions = tuple([p._version_counter[0] for p in parents])
            if cls.saves_output:
                fn.output = (data, out._version_counter)
        else:
            out = Tensor._make(data)  # nothing to record: a leaf
        for observer in observers:  # (none unless an extension watches: hooks, anomaly, ...)
            observer.applied(fn, out, options)
        return out

    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    def inputs_read(self):
        """Which inputs backward reads: all, or (with a tuple per input of the inputs its
        gradient reads) those read by the gradients needed, as PyTorch saves them."""
        if self.saves_inputs is True:
            return range(len(self.parents))
        return {j for i, need in enumerate(self.needs_input_grad) if need for j in self.saves_inputs[i]}

    def saved_values(self, as_tensors: bool) -> list:
        """What backward reads, refused once freed, or once an input it reads (or its
        output) was modified in place since it was saved."""
        if self.freed:
            raise RuntimeError(checks.FREED_MESSAGE)
        values = []
        if self.saves_inputs:
            if tuple([p._version_counter[0] for p in self.parents]) != self.versions:
                checks.unchanged_inputs_read(self)  # raises if backward reads one that changed
            values = [p if as_tensors else p._data for p in self.parents]
        if self.saves_output:
            data, version_counter = self.output
            if version_counter[0] != 0:
                raise checks.version_error(self, data, version_counter[0], 0, "its output")
            # A fresh tensor whose grad_fn is this node (as in PyTorch): no cycle
            values.append(Tensor._make(data, True, self, version_counter) if as_tensors else data)
        return values

    def input_grads(self, grad, create_graph: bool) -> list:
        """Run backward, then bring each gradient to its input's shape and dtype."""
        if self.saves_inputs or self.saves_output:
            grads = self.backward(grad, *self.saved_values(create_graph))
        else:
            grads = self.backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(self.parents):
            raise checks.gradient_count_error(self, grads)
        results = []
        for p, needed, g in zip(self.parents, self.needs_input_grad, grads):
            if g is not None and (g.shape != p._data.shape or g.dtype is not p._data.dtype):
                g = _like_input(self, g, p._data, create_graph)
            results.append(g if needed else None)
        return results

    def free(self) -> None:
        """Drop the saved values (backward ran without retain_graph)."""
        if self.saves_inputs or self.saves_output:
            self.freed, self.output = True, None


def _like_input(fn, g, data, create_graph):
    """`g` summed back to the input's shape (unbroadcast) and cast to its dtype."""
    if g.shape != data.shape:
        g = checks.gradient_shape(fn, unbroadcast(g, data.shape), data.shape)
    if g.dtype != data.dtype:
        g = g.to(data.dtype) if create_graph else g.astype(data.dtype)
    return g


def unbroadcast(grad, shape: tuple):
    """Undo NumPy broadcasting: sum the extra leading axes, then the stretched size-1 axes."""
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad  # cannot be undone: the engine reports the mismatch
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def topological_order(roots) -> list:
    """The nodes reachable from `roots`, each one before the nodes it consumes.

    Depth-first with an explicit stack: a node is appended once all its inputs'
    nodes are; reversing that list puts every consumer first.
    """
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.parent_nodes))]
        while stack:
            node, inputs = stack[-1]
            for child in inputs:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.parent_nodes)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def backpropagate(roots, seeds, retain_graph: bool = False, create_graph: bool = False) -> dict:
    """Back-propagate each seed (d out / d root) from its root through the graph.

    Returns {leaf: gradient}: the total over all paths for each leaf that requires
    grad. Nothing is stored in `.grad` here (gradients.py does that).
    """
    grads = {}  # node -> gradient of its output so far; leaf -> its gradient so far
    for root, seed in zip(roots, seeds):
        key = root if root.grad_fn is None else root.grad_fn
        grads[key] = grads[key] + seed if key in grads else seed
    previous, grad_mode.enabled = grad_mode.enabled, create_graph  # record it for create_graph
    try:
        for fn in topological_order([root.grad_fn for root in roots]):
            grad = grads.pop(fn, None)
            if grad is None:
                continue  # no gradient reached this node
            for observer in observers:
                grad = observer.visiting(fn, grad)
            input_grads = fn.input_grads(grad, create_graph)
            for observer in observers:
                observer.visited(fn, input_grads)
            if not retain_graph:
                fn.free()
            for parent, node, g in zip(fn.parents, fn.parent_nodes, input_grads):
                if g is not None:  # sum into the input's node, or into the leaf itself
                    key = parent if node is None else node
                    grads[key] = grads[key] + g if key in grads else g
    finally:
        grad_mode.enabled = previous
    return grads  # every node has been popped: what is left are the leaves
