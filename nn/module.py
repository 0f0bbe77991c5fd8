"""`Module`: the base class of every layer, loss and model, with PyTorch's conventions.

A module owns three ordered registries, filled by plain attribute assignment:

* `_parameters` — `Parameter`s (learnable, returned by `parameters()`);
* `_buffers` — Tensors registered with `register_buffer` (saved in `state_dict`,
  not learned);
* `_modules` — child modules (their parameters are found recursively, with
  dotted names such as `layers.0.weight`).

Plain Tensor attributes are *not* registered, exactly as in PyTorch.

Unlike PyTorch, a registered entry is also kept in the instance `__dict__`, so
`self.weight` inside `forward` is an ordinary attribute lookup instead of a
trip through `__getattr__`. Per-sample training of tiny networks calls
`forward` hundreds of thousands of times, where that difference shows.
`__setattr__`/`__delattr__` keep the two in step; the registries are the truth
for everything else.
"""
from __future__ import annotations

import collections
import itertools
import math
import warnings
import weakref
from collections import OrderedDict
from typing import Iterator

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import scopes
from tinygrad_edu import checks

from .parameter import Parameter


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict(..., strict=False)` returns: the keys the model expected
    but did not get, and the keys it got but did not expect. Repr as PyTorch's."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")

    __str__ = __repr__


IncompatibleKeys = _IncompatibleKeys


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (PyTorch's helper for nested reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _check_name(name, kind: str, registry: dict, module: "Module") -> None:
    """PyTorch's checks for register_parameter / register_buffer / add_module names."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if hasattr(module, name) and name not in registry:
        raise KeyError(f"attribute '{name}' already exists")


class Module:
    """Base class for all layers and models.

    Subclasses call `super().__init__()` first, assign Parameters and child
    Modules as attributes, and define `forward`. Calling the module runs
    `forward` inside a module scope (`tinygrad_edu.scopes`), so every graph node it records
    knows which module made it (graph drawings group nodes by module).
    """

    training: bool
    # None until a hook is registered: __call__ then needs one attribute test only
    _call_hooks = None

    def __init__(self):
        # object.__setattr__: our __setattr__ needs these registries to exist
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # -- calling --------------------------------------------------------------

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    def __call__(self, *args, **kwargs):
        # Kept to the bare minimum: it runs once per layer per training sample.
        if self._call_hooks is None:
            previous = scopes.enter(self)  # ops recorded in forward remember this module
            try:
                return self.forward(*args, **kwargs)
            finally:
                scopes.leave(previous)
        return self._call_with_hooks(args, kwargs)

    # -- hooks ----------------------------------------------------------------

    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> "RemovableHandle":
        """Call `hook(module, args)` before each forward; a non-None result replaces the
        positional arguments (a single value is wrapped in a tuple). With
        with_kwargs=True: `hook(module, args, kwargs)` returning None or (args, kwargs)."""
        return self._hooks().add("forward_pre", hook, prepend, with_kwargs=with_kwargs)

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> "RemovableHandle":
        """Call `hook(module, args, output)` after each forward (args as forward got
        them); a non-None result replaces the output. with_kwargs=True passes
        `(module, args, kwargs, output)`; always_call=True runs the hook (with output
        None) even when forward raises."""
        return self._hooks().add("forward", hook, prepend, with_kwargs=with_kwargs,
                                 always_call=always_call)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> "RemovableHandle":
        """Call `hook(module, grad_output)` when the gradients of the module's outputs
        are known; a non-None tuple replaces grad_output."""
        return self._hooks().add("backward_pre", hook, prepend)

    def register_full_backward_hook(self, hook, prepend: bool = False) -> "RemovableHandle":
        """Call `hook(module, grad_input, grad_output)` once the gradients of the
        module's positional Tensor inputs are known (PyTorch's semantics): grad_input
        has one entry per positional argument (None for non-Tensors and Tensors that do
        not require grad), grad_output one per output Tensor. A non-None tuple returned
        replaces grad_input for the rest of the backward pass."""
        return self._hooks().add("backward", hook, prepend)

    def _hooks(self) -> "_ModuleHooks":
        hooks = self.__dict__.get("_call_hooks")
        if hooks is None:
            hooks = _ModuleHooks()
            object.__setattr__(self, "_call_hooks", hooks)
        return hooks

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        """PyTorch's _call_impl: pre-hooks, input gate, forward, forward hooks, output gate."""
        hooks = self._call_hooks
        if hooks.empty():  # every hook was removed: back to the fast path
            object.__delattr__(self, "_call_hooks")
            with tg.module_scope(self):
                return self.forward(*args, **kwargs)
        for key, hook in list(hooks.forward_pre.items()):
            if key in hooks.with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        gate = None
        if (hooks.backward or hooks.backward_pre) and tg.is_grad_enabled():
            gate = _BackwardHookGate(self, hooks)
            args = gate.wrap_inputs(args)
        called = set()
        try:
            with tg.module_scope(self):
                result = self.forward(*args, **kwargs)
            for key, hook in list(hooks.forward.items()):
                called.add(key)
                if key in hooks.with_kwargs:
                    hook_result = hook(self, args, kwargs, result)
                else:
                    hook_result = hook(self, args, result)
                if hook_result is not None:
                    result = hook_result
        except Exception:
            self._run_always_called_hooks(hooks, called, args, kwargs)
            raise
        if gate is not None:
            result = gate.wrap_outputs(result)
        return result

    def _run_always_called_hooks(self, hooks, called, args, kwargs) -> None:
        """forward hooks registered with always_call=True that did not run yet, after
        forward raised (their own errors become warnings: the first error wins)."""
        for key, hook in list(hooks.forward.items()):
            if key not in hooks.always_call or key in called:
                continue
            try:
                if key in hooks.with_kwargs:
                    hook(self, args, kwargs, None)
                else:
                    hook(self, args, None)
            except Exception as error:
                warnings.warn("forward hook with ``always_call=True`` raised an exception that "
                              f"was silenced as another error was raised in forward: {error}")

    # -- registration ---------------------------------------------------------

    def register_parameter(self, name: str, param) -> None:
        """Register `param` (a Parameter, or None for an absent one) as `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name(name, "parameter", self._parameters, self)
        if param is not None:
            if not isinstance(param, Parameter):
                raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                                f"'{name}' (nn.Parameter or None required)")
            if param.grad_fn is not None:
                raise ValueError(
                    f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                    f"be created explicitly. To express '{name}' as a function of another Tensor, "
                    f"compute the value in the forward() method.")
        self._parameters[name] = param
        self.__dict__[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Register a Tensor that is state but not a parameter (e.g. running statistics).
        Persistent buffers are saved in `state_dict`; others are not."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name(name, "buffer", self._buffers, self)
        if tensor is not None and not isinstance(tensor, tg.Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        self.__dict__[name] = tensor

    def add_module(self, name: str, module) -> None:
        """Register `module` (or None) as the child `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        _check_name(name, "module", self._modules, self)
        self._modules[name] = module
        self.__dict__[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            if "_parameters" not in d:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif "_parameters" in d and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(nn.Parameter or None expected)")
            self.register_parameter(name, None)
        elif isinstance(value, Module):
            if "_modules" not in d:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self.add_module(name, value)
        elif "_modules" in d and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            self.add_module(name, None)
        elif "_buffers" in d and name in self._buffers:
            if value is not None and not isinstance(value, tg.Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(Tensor or None expected)")
            self._buffers[name] = value
            d[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep=None) -> None:
        """Drop `name` from every registry but `keep` (where re-registering keeps its
        position, as in PyTorch) and from the instance dict."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if any(name in d.get(r, ()) for r in ("_parameters", "_buffers", "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __getattr__(self, name: str):
        # Only reached when normal lookup failed: registered entries live in __dict__ too.
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # -- walking the tree -----------------------------------------------------

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(dotted name, module) for this module ('') and every descendant, depth first;
        a module reachable twice is listed once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) for the direct children, each module once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(dotted name, Parameter) in registration order, recursing into children;
        a Parameter shared by two modules is listed once, under its first name."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn) -> "Module":
        """Call `fn` on every child (recursively), then on self; e.g. custom init."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients --------------------------------------------------

    def train(self, mode: bool = True) -> "Module":
        """Set `.training` on this module and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """`train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: to None (the default, as PyTorch 2.x)
        or, with set_to_none=False, to zeros of the parameter's shape."""
        tg.jit.call(self._zero_grad, set_to_none)  # one kernel for tg.jit

    def _zero_grad(self, set_to_none: bool) -> None:
        _zero_grads(self.parameters(), set_to_none)

    # -- dtype ----------------------------------------------------------------

    def to(self, *args, **kwargs) -> "Module":
        """PyTorch's forms: to(dtype), to(device), to(device, dtype), to(tensor). Casts
        floating-point parameters and buffers to the dtype in place (the Parameter objects
        stay the same, so an optimizer holding them still works); the device must be the
        CPU, the only one there is."""
        if args and args[0] is None and len(args) == 1 and not kwargs:
            raise TypeError("Module.to: None is not a dtype")
        dtype, _ = checks.to_arguments(_NO_DTYPE, args, kwargs)
        if dtype is None:
            return self  # only a device was named: everything already lives on the CPU
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, but got desired "
                            f"dtype={dtype}")
        with tg.no_grad():
            for module in self.modules():
                for tensor in list(module._parameters.values()) + list(module._buffers.values()):
                    if tensor is None or tensor.dtype.kind != "f":
                        continue
                    tensor.data = tensor.numpy(force=True).astype(dtype)
                    if tensor.grad is not None:
                        tensor.grad = tensor.grad.to(dtype)
        return self

    def double(self) -> "Module":
        return self.to(tg.float64)

    def float(self) -> "Module":
        return self.to(tg.float32)

    # -- state dict -----------------------------------------------------------

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """OrderedDict name -> Tensor: own parameters, own persistent buffers, then
        each child's entries under 'child.'. Tensors are detached but share
        storage with the module (editing one edits the other), unless keep_vars."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True) -> _IncompatibleKeys:
        """Copy values from `state_dict` into this module's parameters and buffers
        (in place: the Parameter objects stay the same).

        strict=True raises RuntimeError listing every missing and unexpected key;
        strict=False returns them as `IncompatibleKeys(missing_keys, unexpected_keys)`.
        A shape mismatch always raises, naming the key and both shapes.
        """
        if not isinstance(state_dict, collections.abc.Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        for prefix, module in self.named_modules(remove_duplicate=False):
            module._load_own_state(state_dict, prefix + ("." if prefix else ""),
                                   missing, unexpected, errors)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    def _load_own_state(self, state_dict, prefix, missing, unexpected, errors) -> None:
        """PyTorch's _load_from_state_dict: this module's own entries only."""
        own = [(n, p) for n, p in self._parameters.items() if p is not None]
        own += [(n, b) for n, b in self._buffers.items()
                if b is not None and n not in self._non_persistent_buffers]
        own_names = {name for name, _ in own}
        for name, target in own:
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, tg.Tensor):
                errors.append(f'While copying the parameter named "{key}", expected Tensor from '
                              f'checkpoint but received {type(value)}')
                continue
            if value.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                              f"from checkpoint, the shape in current model is {target.shape}.")
                continue
            with tg.no_grad():
                target[...] = value  # in place, cast to the target's dtype; bumps its version
        for key in state_dict:
            if not isinstance(key, str):
                if prefix == "":  # reported once, by the root module
                    unexpected.append(key)
                continue
            if not key.startswith(prefix):
                continue
            head, *rest = key[len(prefix):].split(".", 1)
            if (rest and head not in self._modules) or (not rest and head not in own_names):
                unexpected.append(key)

    # -- repr -----------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses (subclasses override)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2)
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


class _NoDtype:
    """Stands for a tensor in checks.to_arguments: no dtype unless one is asked for."""

    dtype = None


_NO_DTYPE = _NoDtype()


def _zero_grads(params, set_to_none: bool) -> None:
    """Shared by Module.zero_grad and Optimizer.zero_grad: each gradient to None, or to
    zeros in place."""
    for param in params:
        if set_to_none:
            param.grad = None
            continue
        grad = param.grad
        if grad is None:
            continue
        if grad.requires_grad:  # a grad built with create_graph: drop its graph, as PyTorch does
            param.grad = tg.zeros_like(grad)
        else:
            grad.zero_()


# ----------------------------------------------------------------------------
# module hooks


class RemovableHandle:
    """Returned by the register_*_hook methods: `remove()` unregisters the hook (also
    usable as a context manager). PyTorch's torch.utils.hooks.RemovableHandle."""

    _ids = itertools.count()

    def __init__(self, hooks_dict: dict, extra=()):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.extra = extra  # sets that may hold the id too (with_kwargs, always_call)
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None:
            hooks_dict.pop(self.id, None)
        for ids in self.extra:
            ids.discard(self.id)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _ModuleHooks:
    """The hooks of one module, each kind in registration order, keyed by handle id."""

    def __init__(self):
        self.forward_pre = OrderedDict()
        self.forward = OrderedDict()
        self.backward_pre = OrderedDict()
        self.backward = OrderedDict()
        self.with_kwargs = set()
        self.always_call = set()

    def add(self, kind: str, hook, prepend: bool, with_kwargs: bool = False,
            always_call: bool = False) -> RemovableHandle:
        checks.callable_hook(hook, f"register_{kind}_hook")
        hooks = getattr(self, kind)
        handle = RemovableHandle(hooks, (self.with_kwargs, self.always_call))
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        if with_kwargs:
            self.with_kwargs.add(handle.id)
        if always_call:
            self.always_call.add(handle.id)
        return handle

    def empty(self) -> bool:
        return not (self.forward_pre or self.forward or self.backward_pre or self.backward)


class _GradientGate(tg.Function):
    """d gate(x₁, …, x_k) = the upstream gradient cut back into the k pieces

    The identity on several tensors at once, packed into one flat array: a single
    graph node whose incoming gradient holds the gradients of all k tensors, so a
    module's full backward hook sees them together (PyTorch's BackwardHookFunction)."""

    def forward(self, *arrays):
        self.shapes = [a.shape for a in arrays]
        return np.concatenate([a.reshape(-1) for a in arrays])

    def backward(self, g):
        pieces, start = [], 0
        for shape in self.shapes:
            size = math.prod(shape)
            pieces.append(g[start:start + size].reshape(shape))
            start += size
        return tuple(pieces)


def _pack(tensors):
    """(packed, unpacked): the tensors through one _GradientGate node, and views of the
    packed result with each original shape and dtype, for forward to use instead."""
    packed = _GradientGate.apply(*tensors)
    unpacked, start = [], 0
    for t in tensors:
        piece = packed[start:start + t.numel()].reshape(t.shape)
        unpacked.append(piece if piece.dtype == t.dtype else piece.to(t.dtype))
        start += t.numel()
    return packed, unpacked


def _split(grad, tensors) -> list:
    """The packed gradient cut into one gradient per tensor (shape and dtype of each)."""
    pieces, start = [], 0
    for t in tensors:
        piece = grad[start:start + t.numel()].reshape(t.shape)
        pieces.append(piece if piece.dtype == t.dtype else piece.to(t.dtype))
        start += t.numel()
    return pieces


def _join(grads, tensors, like):
    """The inverse of _split: one flat gradient of `like`'s dtype (zeros for None)."""
    flat = [(g if g is not None else tg.zeros_like(t)).reshape(-1).to(like.dtype)
            for g, t in zip(grads, tensors)]
    return tg.cat(flat) if flat else like


class _BackwardHookGate:
    """One call's backward hooks (PyTorch's torch.utils.hooks.BackwardHook): gates on
    the inputs and outputs that require grad; the output gate's hook learns
    grad_output (and runs the backward pre-hooks), the input gate's hook then calls
    the full backward hooks with grad_input."""

    def __init__(self, module, hooks: _ModuleHooks):
        self.module, self.hooks = module, hooks
        self.grad_output = None
        self.n_inputs = 0
        self.input_positions = None  # positions of the gated inputs (None: none gated)

    def wrap_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, tg.Tensor) and a.requires_grad]
        if not positions:
            return args
        self.input_positions = positions
        self.inputs = [args[i] for i in positions]
        packed, unpacked = _pack(self.inputs)
        packed.register_hook(self._input_hook)
        args = list(args)
        for i, t in zip(positions, unpacked):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, result):
        single = not isinstance(result, (tuple, list))
        outputs = [result] if single else list(result)
        if not all(isinstance(o, tg.Tensor) for o in outputs):
            warnings.warn(f"For backward hooks to be called, module output should be a Tensor "
                          f"or a tuple of Tensors but received {type(result)}")
            return result
        positions = [i for i, o in enumerate(outputs) if o.requires_grad]
        if not positions:
            return result
        self.n_outputs, self.output_positions = len(outputs), positions
        self.outputs = [outputs[i] for i in positions]
        packed, unpacked = _pack(self.outputs)
        packed.register_hook(self._output_hook)
        for i, t in zip(positions, unpacked):
            outputs[i] = t
        return outputs[0] if single else type(result)(outputs)

    def _output_hook(self, grad):
        grad_output = [None] * self.n_outputs
        for i, g in zip(self.output_positions, _split(grad, self.outputs)):
            grad_output[i] = g
        grad_output, changed = tuple(grad_output), False
        for hook in list(self.hooks.backward_pre.values()):
            result = hook(self.module, grad_output)
            if result is None:
                continue
            if len(result) != len(grad_output):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(result)}, but expected "
                                   f"{len(grad_output)}")
            grad_output, changed = tuple(result), True
        self.grad_output = grad_output
        if self.input_positions is None and self.hooks.backward:
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.")
            grad_input = (None,) * self.n_inputs
            for hook in list(self.hooks.backward.values()):
                result = hook(self.module, grad_input, grad_output)
                if result is not None and not all(r is None for r in result):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
        if changed:
            return _join([grad_output[i] for i in self.output_positions], self.outputs, grad)
        return None

    def _input_hook(self, grad):
        if self.grad_output is None:  # the gradient did not come through the outputs
            return None
        grad_input = [None] * self.n_inputs
        for i, g in zip(self.input_positions, _split(grad, self.inputs)):
            grad_input[i] = g
        grad_input, changed = tuple(grad_input), False
        for hook in list(self.hooks.backward.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is None:
                continue
            if len(result) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_input)}")
            grad_input, changed = tuple(result), True
        self.grad_output = None
        if changed:
            return _join([grad_input[i] for i in self.input_positions], self.inputs, grad)
        return None
