"""Module scopes: ops recorded while an nn.Module runs remember it, so drawings can
box them by module. `nn.Module.__call__` enters and leaves a scope (`enter`,
`leave`, or `with module_scope(m):`); an `autograd.Observer`, installed while any
scope is open, sets `node.module`.
"""
from __future__ import annotations

import threading

from . import autograd


class _Current(threading.local):
    module = None  # the innermost nn.Module whose forward is running, in this thread


_current = _Current()


class _TagModule(autograd.Observer):
    def applied(self, fn, out, options):
        fn.module = _current.module


_TAG_MODULE = _TagModule()


def enter(module):
    """Make `module` the current one; returns the previous one, for `leave`."""
    previous, _current.module = _current.module, module
    if previous is None:  # the outermost scope: start tagging
        autograd.observers.append(_TAG_MODULE)
    return previous


def leave(previous) -> None:
    _current.module = previous
    if previous is None:
        autograd.observers.remove(_TAG_MODULE)


class module_scope:
    """Ops recorded inside `with module_scope(m):` remember `m` (as `node.module`)."""

    __slots__ = ("module", "previous")

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.previous = enter(self.module)

    def __exit__(self, *exc):
        leave(self.previous)
        return False


def current_module():
    """The module whose forward is running (innermost), or None."""
    return _current.module
