"""Grad-mode switches: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`.

Each sets the engine's one flag (`autograd.grad_mode`) and restores it on exit,
and works as a context manager and as a decorator (with or without parentheses
for no_grad / enable_grad / inference_mode, as in PyTorch); set_grad_enabled also
as a plain call.
"""
from __future__ import annotations

import functools
import threading

from . import autograd


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
        self.previous = autograd.grad_mode.enabled
        self.mode = bool(mode)
        autograd.grad_mode.enabled = self.mode  # PyTorch switches at the call, not at `with`

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        autograd.grad_mode.enabled = self.previous
        return False

    def _fresh(self):
        return set_grad_enabled(self.mode)

    def __call__(self, func):
        autograd.grad_mode.enabled = self.previous  # used as a decorator: undo the call's switch
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
        self.previous = autograd.grad_mode.enabled
        autograd.grad_mode.enabled = self.mode

    def __exit__(self, *exc):
        autograd.grad_mode.enabled = self.previous
        return False

    def _fresh(self):
        return type(self)()


class no_grad(_GradModeContext):
    """Inside it ops record nothing: results are leaves with requires_grad=False."""

    mode = False


class enable_grad(_GradModeContext):
    """Switch recording back on, e.g. inside a `no_grad` block."""

    mode = True


class _InferenceMode(threading.local):
    enabled = False


_inference_mode = _InferenceMode()


def is_inference_mode_enabled() -> bool:
    return _inference_mode.enabled


class inference_mode(_ContextDecorator):
    """PyTorch's inference_mode: no_grad for code that will never need gradients.

    `inference_mode()` (or `inference_mode(True)`) switches recording off, and
    `inference_mode(False)` switches it on, as in PyTorch. PyTorch also marks the
    tensors made inside as "inference tensors" that autograd later refuses; here they
    are ordinary tensors that do not require grad (as under no_grad).
    """

    def __new__(cls, mode=True):
        context = super().__new__(cls)
        if callable(mode):  # @inference_mode without parentheses
            context.__init__(True)
            return context(mode)
        return context

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
        self.mode = mode

    def __enter__(self):
        self.previous = autograd.grad_mode.enabled, _inference_mode.enabled
        autograd.grad_mode.enabled, _inference_mode.enabled = not self.mode, self.mode

    def __exit__(self, *exc):
        autograd.grad_mode.enabled, _inference_mode.enabled = self.previous
        return False

    def _fresh(self):
        return inference_mode(self.mode)
