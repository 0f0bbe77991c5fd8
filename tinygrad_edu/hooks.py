"""Tensor hooks and retain_grad, attached to the engine as an `autograd.Observer`.

A hook on a leaf lives on the tensor and runs on the leaf's total gradient just
before it is accumulated into `.grad` (gradients.py). A hook on a non-leaf lives
on the node that made the tensor (`grad_fn.pre_hooks`); `NodeHooks`, installed in
`autograd.observers` with the first such hook, runs them when the node's gradient
is complete, before its backward. `retain_grad()` is one more such hook, always
the last, storing what the others left.
"""
from __future__ import annotations

import weakref

from . import autograd, checks, jit


class RemovableHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


class RetainGrad:
    """Pre-hook that stores a non-leaf's gradient in its `.grad` (retain_grad)."""

    def __init__(self, tensor):
        self.tensor = weakref.ref(tensor)

    def __call__(self, grad):
        tensor = self.tensor()
        if tensor is not None:
            kept = grad.detach() if grad.requires_grad else grad._make(grad._data.copy())
            tensor._grad = kept if tensor._grad is None else tensor._grad + grad
        return None


def run_hooks(hooks, grad, create_graph: bool):
    """Call tensor hooks in registration order on `grad` (an array, or a Tensor under
    create_graph); a non-None result replaces it, cast to the gradient's dtype."""
    Tensor = autograd.Tensor
    # a read-only gradient (the shared implicit seed) is copied: a hook may keep it
    as_tensor = grad if create_graph else Tensor._make(grad if grad.flags.writeable else grad.copy())
    for hook in list(hooks):
        result = hook(as_tensor)
        if result is None:
            continue
        if not isinstance(result, Tensor):
            try:
                result = Tensor(result)
            except (TypeError, ValueError) as error:
                checks.hook_result(hook, result, as_tensor, error)
        result = checks.hook_result(hook, result, as_tensor)
        as_tensor = result if result.dtype == as_tensor.dtype else result.to(as_tensor.dtype)
    return as_tensor if create_graph else as_tensor._data


class NodeHooks(autograd.Observer):
    """Runs the hooks registered on non-leaf tensors (see the module docstring)."""

    def visiting(self, fn, grad):
        hooks = getattr(fn, "pre_hooks", None)
        return run_hooks(hooks, grad, isinstance(grad, autograd.Tensor)) if hooks else grad


NODE_HOOKS = NodeHooks()


def _node_hooks(t) -> list:
    """The pre-hook list of the node that made `t` (made, and the observer installed,
    on first use)."""
    if NODE_HOOKS not in autograd.observers:
        autograd.observers.insert(0, NODE_HOOKS)  # before observers that read the gradient
    fn = t.grad_fn
    if getattr(fn, "pre_hooks", None) is None:
        fn.pre_hooks = []
    return fn.pre_hooks


class HookMethods:
    """`Tensor`'s hook methods (see tensor.py)."""

    __slots__ = ()

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a non-None return
        replaces the gradient. Returns a handle with `.remove()`."""
        checks.callable_hook(hook, "register_hook")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if jit._recorder is not None and not jit._recorder.in_call:
                # (a non-leaf's hook is refused when backward reaches it: a forward-only step may have one)
                raise jit.TracingError("tg.jit: a hook registered inside a traced step cannot be "
                                       "replayed (register_hook on a leaf); run the step eagerly")
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return RemovableHandle(self._hooks, hook)
        hooks = _node_hooks(self)
        retain = [h for h in hooks if isinstance(h, RetainGrad)]
        hooks.insert(len(hooks) - len(retain), hook)  # retain_grad always sees the final grad
        return RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in `.grad` after backward (no-op on leaves)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self.retains_grad:
            _node_hooks(self).append(RetainGrad(self))

    @property
    def retains_grad(self) -> bool:
        hooks = getattr(self.grad_fn, "pre_hooks", None)
        return bool(hooks) and any(isinstance(h, RetainGrad) and h.tensor() is self for h in hooks)
