"""What a graph node shows besides the engine's own fields: PyTorch's
`next_functions` (with `AccumulateGrad` standing for leaves), the slots the
extensions fill in (hooks.py, scopes.py, anomaly.py), and the switch to PyTorch's
custom-function protocol for subclasses written in it (custom_function.py).
`autograd.Function` inherits `NodeApi`."""
from __future__ import annotations

import inspect


class AccumulateGrad:
    """Stands for a leaf that requires grad in `next_functions`, as in PyTorch."""

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


class NodeApi:
    """PyTorch-style views of a node, and the defaults of the extensions' fields."""

    def __init_subclass__(cls, **kwargs):
        """A subclass with `@staticmethod forward(ctx, ...)` uses PyTorch's protocol: its
        `apply` goes through custom_function.py. Half of each protocol is an error."""
        super().__init_subclass__(**kwargs)
        forward = inspect.getattr_static(cls, "forward", None)
        backward = inspect.getattr_static(cls, "backward", None)
        static = [isinstance(m, staticmethod) for m in (forward, backward)]
        if static[0] != static[1]:
            which = "forward" if static[0] else "backward"
            raise TypeError(
                f"{cls.__name__}: {which} is a @staticmethod but the other is not. Write both as "
                f"@staticmethod forward(ctx, ...) / backward(ctx, grad_output) (PyTorch's protocol), "
                f"or both as methods forward(self, *arrays) / backward(self, g, *saved) "
                f"(tinygrad_edu's protocol).")
        if static[0]:
            cls.apply = classmethod(_apply_pytorch_protocol)
        elif forward is not None and list(inspect.signature(forward).parameters)[1:2] == ["ctx"]:
            raise TypeError(
                f"{cls.__name__}: forward(self, ctx, ...) looks like PyTorch's protocol: make "
                f"forward and backward @staticmethod (forward(ctx, ...), backward(ctx, "
                f"grad_output)); tinygrad_edu's own protocol is forward(self, *arrays).")

    pre_hooks = None  # hooks on the output tensor (register_hook, retain_grad): hooks.py
    module = None  # the nn.Module whose forward recorded this node: scopes.py
    created_at = "<enable tg.detect_anomaly() to record where ops are created>"  # anomaly.py

    @property
    def next_functions(self):
        """(node, 0) per input: its grad_fn, AccumulateGrad for a leaf that requires
        grad, None for a constant."""
        return tuple((node if node is not None else AccumulateGrad(p) if needed else None, 0)
                     for p, node, needed in zip(self.parents, self.parent_nodes,
                                                self.needs_input_grad))


def _apply_pytorch_protocol(cls, *args, **kwargs):
    # imported when first used: custom_function.py builds on autograd.py, which imports this
    from . import custom_function
    return custom_function.apply(cls, *args, **kwargs)
