"""The engine: grad modes, the `Function` node every op is made of, and backward.

Read this file from top to bottom:

1. grad modes (`no_grad`, `enable_grad`, `set_grad_enabled`) and anomaly mode;
2. `Function`: one node of the recorded graph. `apply` runs an op's forward on
   NumPy arrays and, when grad is on, records the node: its parents (an ordered
   tuple, so `a + a` has two edges), what backward will need, and the versions
   of the tensors it saved;
3. `topological_order`: an iterative depth-first walk (no recursion limit);
4. `run_backward`: walks the nodes in reverse topological order, keeping the
   gradients still to be consumed in a dict local to the call and dropping
   each one as soon as its node has used it.

Every backward formula is written once and serves two purposes. Normally the
gradients are plain NumPy arrays (fast). With `create_graph=True` the engine
hands the same formula `Tensor`s instead, so the backward pass is itself
recorded and can be differentiated again.
"""
from __future__ import annotations

import functools
import os
import threading
import traceback
import warnings
import weakref

import numpy as np

# ----------------------------------------------------------------------------
# grad mode and anomaly mode


class _Modes(threading.local):
    # Thread-local like PyTorch's: a no_grad block in one thread does not
    # switch off recording in another.
    grad_enabled = True
    anomaly = False
    module = None  # the innermost nn.Module being called, for drawings


_modes = _Modes()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return _modes.grad_enabled


class _ContextDecorator:
    """A context manager that also works as a decorator: each call of the decorated
    function runs inside a fresh copy of the context (so decorated functions nest)."""

    def _fresh(self):
        raise NotImplementedError

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return func(*args, **kwargs)

        return wrapper


class set_grad_enabled(_ContextDecorator):
    """Switch recording on or off: as a call, a context manager or a decorator."""

    def __init__(self, mode: bool):
        self.previous = _modes.grad_enabled
        self.mode = bool(mode)
        _modes.grad_enabled = self.mode  # PyTorch switches at the call, not at `with`

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _modes.grad_enabled = self.previous
        return False

    def _fresh(self):
        return set_grad_enabled(self.mode)

    def __call__(self, func):
        _modes.grad_enabled = self.previous  # used as a decorator: undo the call's switch
        return super().__call__(func)


class _GradModeContext(_ContextDecorator):
    mode = True

    def __new__(cls, func=None):
        # `@no_grad` works with or without parentheses, as in PyTorch
        context = super().__new__(cls)
        if func is not None and not callable(func):
            raise TypeError(f"{cls.__name__}() takes no arguments (as a decorator it takes a "
                            f"function), got {type(func).__name__}")
        return context if func is None else context(func)

    def __init__(self, func=None):
        pass

    def __enter__(self):
        self.previous = _modes.grad_enabled
        _modes.grad_enabled = self.mode

    def __exit__(self, *exc):
        _modes.grad_enabled = self.previous
        return False

    def _fresh(self):
        return type(self)()


class no_grad(_GradModeContext):
    """Inside it ops record nothing: results are leaves with requires_grad=False."""

    mode = False


class enable_grad(_GradModeContext):
    """Switch recording back on, e.g. inside a `no_grad` block."""

    mode = True


class detect_anomaly(_ContextDecorator):
    """Raise at the first op whose forward output or backward gradient holds NaN/inf.

    The error names the op, its input shapes and the file:line of user code
    that created it. Slows everything down: for debugging only.
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)
        self.previous = _modes.anomaly
        _modes.anomaly = self.check_nan

    def __exit__(self, *exc):
        _modes.anomaly = self.previous
        return False

    def _fresh(self):
        return detect_anomaly(self.check_nan)


def is_anomaly_enabled() -> bool:
    return _modes.anomaly


class module_scope:
    """Ops recorded inside `with module_scope(m):` remember `m` (as `node.module`),
    so drawings can group them by module. nn.Module.__call__ enters one."""

    __slots__ = ("module", "previous")

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.previous = _modes.module
        _modes.module = self.module

    def __exit__(self, *exc):
        _modes.module = self.previous
        return False


def current_module():
    """The module whose forward is running (innermost), or None."""
    return _modes.module


_PACKAGE_DIRS = (os.path.dirname(os.path.abspath(__file__)),)


def _user_call_site() -> str:
    """file:line of the innermost stack frame outside this package (and nn)."""
    for frame in reversed(traceback.extract_stack()):
        path = os.path.abspath(frame.filename)
        if not path.startswith(_PACKAGE_DIRS) and "contextlib" not in path:
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"


def add_package_dir_for_call_sites(path: str) -> None:
    """Let a package built on this one (nn) be skipped when locating user code."""
    global _PACKAGE_DIRS
    _PACKAGE_DIRS = _PACKAGE_DIRS + (os.path.dirname(os.path.abspath(path)),)


def _describe(arrays) -> str:
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" for a in arrays)


def _check_forward_finite(fn, arrays, out) -> None:
    if out.dtype.kind == "f" and not np.isfinite(out).all():
        bad = "nan" if np.isnan(out).any() else "inf"
        inputs_bad = [i for i, a in enumerate(arrays) if a.dtype.kind == "f" and not np.isfinite(a).all()]
        why = (f"its input(s) {inputs_bad} already held nan/inf" if inputs_bad
               else "its inputs were all finite")
        raise RuntimeError(
            f"Op '{type(fn).__name__}' (node {fn.name()}) produced {bad} values in its forward output "
            f"({why}). Inputs: {_describe(arrays)}. Op created at {fn.created_at}.")


def _check_backward_finite(fn, grads) -> None:
    for i, g in enumerate(grads):
        if g is None:
            continue
        data = g if isinstance(g, np.ndarray) else g.data
        if not np.isfinite(data).all():
            bad = "nan" if np.isnan(data).any() else "inf"
            shapes = ", ".join(str(tuple(p.shape)) for p in fn.parents)
            raise RuntimeError(
                f"Function '{fn.name()}' returned {bad} values in its {i}th output. "
                f"Input shapes: {shapes}. Op created at {fn.created_at}.")


# ----------------------------------------------------------------------------
# the graph node

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")


class Function:
    """One recorded op. Subclasses define `forward` (NumPy in, NumPy out) above
    `backward` (upstream gradient in, one gradient per input out).

    `saves_inputs` / `saves_output` say what backward needs; the engine passes
    those values after the upstream gradient, checks that none was modified in
    place since, and frees them after backward unless `retain_graph=True`.
    Options (dim, keepdim, ...) are keyword arguments of `apply` and `forward`.
    Subclass it to define your own differentiable op.
    """

    saves_inputs = False
    saves_output = False

    # set by apply when the node is recorded (class-level defaults keep apply lean)
    parents: tuple = ()  # the input tensors, in order (a + a lists a twice)
    parent_nodes: tuple = ()  # each input's grad_fn when this node was recorded (None: leaf)
    needs_input_grad: tuple = ()  # each input's requires_grad when this node was recorded
    module = None  # the nn.Module whose forward recorded this node, if any
    pre_hooks = None  # hooks on the output tensor (register_hook, retain_grad)
    freed = False
    created_at = "<enable tg.detect_anomaly() to record where ops are created>"

    @classmethod
    def apply(cls, *parents, **options):
        fn = cls()
        arrays = [p._data for p in parents]
        try:
            data = fn.forward(*arrays, **options)
        except (ValueError, TypeError, IndexError, ArithmeticError) as error:
            raise _forward_error(fn, arrays, error) from None
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # NumPy returns scalars from 0-d arithmetic
        modes = _modes
        needs_input_grad = [p._requires_grad for p in parents]
        if modes.grad_enabled and True in needs_input_grad:
            out = Tensor._make(data, True, fn)
            fn.parents = parents
            # The edges are fixed now, as in PyTorch: a later in-place op on an input
            # rebases that tensor onto a new node, but this node keeps its old input.
            fn.parent_nodes = tuple([p.grad_fn for p in parents])
            fn.needs_input_grad = tuple(needs_input_grad)
            if cls.saves_inputs:
                fn.saved_input_versions = tuple([p._version_counter[0] for p in parents])
            if cls.saves_output:
                fn.saved_output = (data, out._version_counter)
            if modes.module is not None:
                fn.module = modes.module
        else:
            out = Tensor._make(data)
        if modes.anomaly:
            fn.created_at = _user_call_site()
            _check_forward_finite(fn, arrays, data)
        return out

    @classmethod
    def name(cls) -> str:
        return cls.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self):
        """PyTorch-style links to the input nodes: (node, 0) per parent; leaves
        that require grad appear as AccumulateGrad, constants as None."""
        return tuple((node if node is not None else AccumulateGrad(p) if needed else None, 0)
                     for p, node, needed in zip(self.parents, self.parent_nodes,
                                                self.needs_input_grad))

    def saved_values(self, as_tensors: bool) -> list:
        """The values backward needs, checked against in-place modification."""
        if self.freed:
            raise RuntimeError(_FREED_MESSAGE)
        values = []
        if self.saves_inputs:
            parents = self.parents
            if tuple([p._version_counter[0] for p in parents]) != self.saved_input_versions:
                i, p = next((i, p) for i, p in enumerate(parents)
                            if p._version_counter[0] != self.saved_input_versions[i])
                raise _version_error(self, p._data, p._version_counter[0],
                                     self.saved_input_versions[i], f"input {i}")
            values = list(parents) if as_tensors else [p._data for p in parents]
        if self.saves_output:
            data, version_box = self.saved_output
            if version_box[0] != 0:
                raise _version_error(self, data, version_box[0], 0, "its output")
            # Unpacking a saved output makes a fresh tensor whose grad_fn is this
            # node (as PyTorch does), so no reference cycle output -> node -> output.
            values.append(Tensor._make(data, True, self, version_box) if as_tensors else data)
        return values

    def free_saved(self) -> None:
        if self.saves_inputs or self.saves_output:
            self.freed = True
            self.saved_output = None


class AccumulateGrad:
    """Stands for a leaf in `next_functions`, as in PyTorch."""

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def _version_error(fn, data, now, expected, which):
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{data.dtype} tensor of shape {tuple(data.shape)}], which is "
        f"{which} of {fn.name()}, is at version {now}; expected version {expected} instead. "
        "Hint: clone the tensor (x = x * 1) before modifying it in place, or modify it "
        "only after backward.")


def _broadcast_message(shapes):
    """PyTorch's text for shapes that do not broadcast, with the dimension at fault."""
    a, b = shapes[0], shapes[1]
    for i in range(1, max(len(a), len(b)) + 1):
        n = a[-i] if i <= len(a) else 1
        m = b[-i] if i <= len(b) else 1
        if n != m and n != 1 and m != 1:
            return (f"The size of tensor a ({n}) must match the size of tensor b ({m}) "
                    f"at non-singleton dimension {max(len(a), len(b)) - i}")
    return None


def _forward_error(fn, arrays, error):
    op = type(fn).__name__
    shapes = [tuple(a.shape) for a in arrays]
    text = str(error)
    if isinstance(error, ValueError) and "broadcast" in text and len(shapes) >= 2:
        text = _broadcast_message(shapes) or text
        return RuntimeError(f"{op}: {text} (input shapes {', '.join(map(str, shapes))})")
    # re-raised as the built-in class: NumPy's own subclasses cannot be built from a message
    kind = next(k for k in (IndexError, TypeError, ValueError, FloatingPointError,
                            ArithmeticError, RuntimeError) if isinstance(error, k))
    if op in text:  # the op raised a message that already names itself
        return kind(text)
    return kind(f"{op}: {text} (inputs: {_describe(arrays)})")


# ----------------------------------------------------------------------------
# hooks


class RemovableHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


class _RetainGrad:
    """Pre-hook that stores a non-leaf's gradient in its `.grad` (retain_grad)."""

    def __init__(self, tensor):
        self.tensor = weakref.ref(tensor)

    def __call__(self, grad):
        tensor = self.tensor()
        if tensor is not None:
            if tensor._grad is None:
                tensor._grad = grad.detach() if grad.requires_grad else Tensor._make(grad._data.copy())
            else:
                tensor._grad = tensor._grad + grad
        return None


def _run_hooks(hooks, grad, create_graph):
    """Call tensor hooks in registration order; a non-None result replaces the grad
    (it must keep the gradient's shape; it is cast to the gradient's dtype)."""
    as_tensor = grad if create_graph else Tensor._make(grad)
    for hook in hooks:
        result = hook(as_tensor)
        if result is None:
            continue
        name = getattr(hook, "__name__", type(hook).__name__)
        if not isinstance(result, Tensor):
            try:
                result = Tensor(result)
            except (TypeError, ValueError) as error:
                raise TypeError(f"hook '{name}' returned {type(result).__name__}, not a Tensor "
                                f"({error})") from None
        if result.shape != as_tensor.shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value: it returned shape "
                               f"{result.shape} for a gradient of shape {as_tensor.shape}")
        as_tensor = result if result.dtype == as_tensor.dtype else result.to(as_tensor.dtype)
    return as_tensor if create_graph else as_tensor._data


# ----------------------------------------------------------------------------
# walking the graph


def topological_order(roots) -> list:
    """Nodes reachable from `roots`, each after every node that consumes it.

    Iterative depth-first search: a chain of 100,000 ops needs no recursion.
    """
    order, visited = [], set()
    for root in roots:
        if root is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.parent_nodes))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.parent_nodes)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def unbroadcast(grad, shape: tuple):
    """Undo NumPy broadcasting: sum the extra leading axes, then the size-1 axes."""
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad  # cannot be undone: the caller reports the mismatch
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _input_gradients(fn, grad, create_graph):
    """Run one node's backward and bring each gradient to its input's shape and dtype."""
    if fn.saves_inputs or fn.saves_output:
        grads = fn.backward(grad, *fn.saved_values(create_graph))
    else:
        grads = fn.backward(grad)
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(fn.parents):
        raise RuntimeError(f"{fn.name()} returned {len(grads)} gradients for "
                           f"{len(fn.parents)} inputs")
    checked = []
    for parent, needed, g in zip(fn.parents, fn.needs_input_grad, grads):
        if g is None or not needed:
            checked.append(None)
            continue
        data = parent._data
        if g.shape != data.shape:
            g = unbroadcast(g, data.shape)
            if g.shape != data.shape:
                raise RuntimeError(
                    f"{fn.name()} returned a gradient of shape {tuple(g.shape)} for an "
                    f"input of shape {data.shape}")
        if g.dtype is not data.dtype and g.dtype != data.dtype:
            g = g.to(data.dtype) if create_graph else g.astype(data.dtype)
        checked.append(g)
    return checked


def _as_seed(root, gradient, index, create_graph):
    """The gradient that starts backward at `root`: ones for a scalar, else `gradient`."""
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        seed = np.ones_like(root._data)
        return Tensor._make(seed) if create_graph else seed
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient))
    if gradient.shape != root.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {tuple(gradient.shape)} "
            f"and output[{index}] has a shape of {tuple(root.shape)}.")
    if gradient.dtype != root.dtype:
        gradient = gradient.to(root.dtype)
    return gradient if create_graph else gradient._data


def run_backward(roots, gradients, retain_graph=None, create_graph=False,
                 inputs=None, accumulate=True):
    """Back-propagate from `roots`. Accumulates into leaves' `.grad` when
    `accumulate`; returns the gradients of `inputs` (None where unused)."""
    if retain_graph is None:
        retain_graph = create_graph
    node_grads, leaf_grads = {}, {}
    for i, (root, gradient) in enumerate(zip(roots, gradients)):
        if not root._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        seed = _as_seed(root, gradient, i, create_graph)
        _add_grad(node_grads, leaf_grads, root, seed)

    wanted_nodes = {}  # non-leaf inputs of tg.grad: node -> gradient
    if inputs is not None:
        for t in inputs:
            if t.grad_fn is not None:
                wanted_nodes[t.grad_fn] = None
    anomaly = _modes.anomaly

    previous_mode = _modes.grad_enabled
    _modes.grad_enabled = create_graph  # record the backward pass only under create_graph
    try:
        for fn in topological_order([r.grad_fn for r in roots]):
            grad = node_grads.pop(fn, None)
            if grad is None:
                continue
            if fn.pre_hooks:
                grad = _run_hooks(fn.pre_hooks, grad, create_graph)
            if wanted_nodes and fn in wanted_nodes:
                wanted_nodes[fn] = grad
            input_grads = _input_gradients(fn, grad, create_graph)
            if anomaly:
                _check_backward_finite(fn, input_grads)
            if not retain_graph:
                fn.free_saved()
            for parent, child, g in zip(fn.parents, fn.parent_nodes, input_grads):
                if g is None:
                    continue
                if child is not None:
                    previous = node_grads.get(child)
                    node_grads[child] = g if previous is None else previous + g
                else:
                    _add_leaf_grad(leaf_grads, parent, g)

        if inputs is not None:
            results = []
            for t in inputs:
                g = wanted_nodes.get(t.grad_fn) if t.grad_fn is not None else leaf_grads.get(id(t), (t, None))[1]
                if t.grad_fn is None and g is not None and t._hooks:
                    g = _run_hooks(t._hooks, g, create_graph)
                results.append(g)
            if accumulate:  # backward(inputs=...): only these tensors accumulate, leaf or not
                for t, g in zip(inputs, results):
                    if g is not None:
                        _accumulate_into_leaf(t, g, create_graph, hooks_done=True)
            return results
        if accumulate:
            for leaf, g in leaf_grads.values():
                _accumulate_into_leaf(leaf, g, create_graph)
        return None
    finally:
        _modes.grad_enabled = previous_mode


def _add_grad(node_grads, leaf_grads, tensor, grad):
    fn = tensor.grad_fn
    if fn is not None:
        previous = node_grads.get(fn)
        node_grads[fn] = grad if previous is None else previous + grad
    elif tensor._requires_grad:
        _add_leaf_grad(leaf_grads, tensor, grad)


def _add_leaf_grad(leaf_grads, leaf, grad):
    """Sum every path's gradient per leaf; hooks and `.grad` see the total once."""
    previous = leaf_grads.get(id(leaf))
    leaf_grads[id(leaf)] = (leaf, grad if previous is None else previous[1] + grad)


def _accumulate_into_leaf(leaf, grad, create_graph, hooks_done=False):
    if leaf._hooks and not hooks_done:
        grad = _run_hooks(leaf._hooks, grad, create_graph)
    if create_graph:
        # a copy that stays in the graph: leaves must not share one gradient tensor
        leaf._grad = grad.clone() if leaf._grad is None else leaf._grad + grad
    elif leaf._grad is None:
        # A copy, so that two leaves never share one gradient buffer (a + b hands
        # both the same array) and a broadcast view becomes a real array.
        leaf._grad = Tensor._make(np.array(grad, dtype=leaf._data.dtype))
    elif leaf._grad._requires_grad:
        leaf._grad = leaf._grad + Tensor._make(grad)
    else:
        leaf._grad._data += grad


def _tensors(value, what: str, op: str) -> tuple:
    """A Tensor or a sequence of Tensors, as a tuple (with a clear error otherwise)."""
    values = (value,) if isinstance(value, Tensor) else value
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{op}: {what} must be a Tensor or a sequence of Tensors, got "
                        f"{type(value).__name__}")
    for v in values:
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}: {what} must be Tensors, got {type(v).__name__}")
    return tuple(values)


def _grad_outputs(gradients, count: int, op: str) -> tuple:
    """One starting gradient (or None) per output."""
    if gradients is None:
        return (None,) * count
    gradients = (gradients,) if not isinstance(gradients, (tuple, list)) else tuple(gradients)
    if len(gradients) != count:
        raise RuntimeError(f"{op}: got {len(gradients)} gradients for {count} outputs")
    return gradients


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad` (or only `inputs`')."""
    tensors = _tensors(tensors, "tensors", "backward")
    grad_tensors = _grad_outputs(grad_tensors, len(tensors), "backward")
    if inputs is not None:
        inputs = _tensors(inputs, "inputs", "backward")
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """d(outputs)/d(inputs) as a tuple, without touching any `.grad`."""
    outputs = _tensors(outputs, "outputs", "grad")
    inputs = _tensors(inputs, "inputs", "grad")
    grad_outputs = _grad_outputs(grad_outputs, len(outputs), "grad")
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph,
                           inputs, accumulate=False)
    final = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior.")
        final.append(g if g is None or isinstance(g, Tensor) else Tensor._make(np.array(g, dtype=t._data.dtype)))
    return tuple(final)


from .tensor import Tensor  # noqa: E402  (tensor.py builds on this module; see __init__)
