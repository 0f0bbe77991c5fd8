"""PyTorch's custom-function protocol, on top of the engine's own.

    class Square(tinygrad_edu.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x

    y = Square.apply(x)

`forward(ctx, *args)` gets the Tensors (and any other arguments) as given and runs
without recording (as in PyTorch); it returns one Tensor. `backward(ctx, grad)`
returns one gradient (or None) per argument of forward. The engine's protocol
(`forward(self, *arrays)` on NumPy arrays, `backward(self, g, *saved)`, used by
ops.py) keeps working; autograd.Function tells the two apart by whether forward
is a @staticmethod (node_api.py) and sends PyTorch's here.

A subclass using PyTorch's protocol gets a twin engine op (made once, cached):
its forward calls the user's forward, its backward the user's backward, and it
carries the user's name (`SquareBackward`) and docstring (for drawings).
"""
from __future__ import annotations

from . import autograd, checks
from .jit import refuse
from .modes import no_grad


class FunctionCtx:
    """The `ctx` of PyTorch's protocol: save tensors for backward, read them back."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad  # one per argument of forward
        self._saved, self.node = (), None

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None:
                checks.tensor(t, "save_for_backward", "each argument")
        self._saved = tuple((t, None if t is None else t._version_counter[0]) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to save_for_backward, refused once backward freed them or
        once one was modified in place since."""
        node = self.node
        if node is not None and node.freed:
            raise RuntimeError(checks.FREED_MESSAGE)
        for i, (t, version) in enumerate(self._saved):
            if t is not None and t._version_counter[0] != version:
                raise checks.version_error(node or self, t._data, t._version_counter[0], version,
                                           f"saved tensor {i}")
        return tuple(t for t, _ in self._saved)

    def mark_non_differentiable(self, *tensors):
        """Accepted for compatibility: the result of forward is differentiable or not by
        whether an input requires grad."""

    def set_materialize_grads(self, value: bool):
        """Accepted for compatibility: a single output always receives a gradient."""

    def name(self) -> str:
        return "ctx"


class PyTorchProtocolNode(autograd.Function):
    """The engine op that runs a PyTorch-protocol function (one subclass per function)."""

    function = None  # the user's class

    def forward(self, *arrays, args, ctx):
        self.ctx = ctx
        with no_grad():
            out = self.function.forward(ctx, *args)
        if not isinstance(out, autograd.Tensor):
            raise TypeError(f"{self.function.__name__}.forward must return one Tensor, got "
                            f"{type(out).__name__} (several outputs are not supported here)")
        self.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, autograd.Tensor)]
        self.argument_count = len(args)
        return out._data

    def backward(self, g):
        Tensor = autograd.Tensor
        as_tensor = isinstance(g, Tensor)  # under create_graph the engine passes Tensors
        grads = self.function.backward(self.ctx, g if as_tensor else Tensor._make(g))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != self.argument_count:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {self.argument_count}, got {len(grads)})")
        picked = [grads[i] for i in self.tensor_positions]
        return tuple(None if d is None else d if as_tensor else d._data for d in picked)

    def free(self):
        super().free()
        self.freed = True  # what the user saved in ctx is freed too


def apply(function, *args, **kwargs):
    """`function.apply(*args)` for a class written with PyTorch's protocol."""
    checks.no_keyword_arguments(kwargs, f"{function.__name__}.apply")
    # its forward works on the Tensors themselves and keeps them in ctx: a replay would
    # run it on the traced ones
    refuse(f"{function.__name__}.apply", "runs a function written with PyTorch's ctx protocol on the "
           "Tensors themselves")
    node_class = function.__dict__.get("_node_class")
    if node_class is None:
        node_class = type(function.__name__, (PyTorchProtocolNode,),
                          {"function": function, "__doc__": function.__doc__,
                           "__module__": function.__module__})
        function._node_class = node_class
    inputs = [a for a in args if isinstance(a, autograd.Tensor)]
    ctx = FunctionCtx(tuple(isinstance(a, autograd.Tensor) and a.requires_grad for a in args))
    out = node_class.apply(*inputs, args=args, ctx=ctx)
    ctx.node = out.grad_fn
    return out
