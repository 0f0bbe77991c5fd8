"""What a graph node shows besides the engine's own fields: PyTorch's
`next_functions` (with `AccumulateGrad` standing for leaves) and the slots the
extensions fill in (hooks.py, scopes.py, anomaly.py). `autograd.Function`
inherits `NodeApi`."""
from __future__ import annotations


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
