"""Module scopes: ops recorded while an nn.Module runs remember it, so drawings can
box them by module. `nn.Module.__call__` enters `module_scope(self)`; an
`autograd.Observer`, installed while any scope is open, sets `node.module`.
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


class module_scope:
    """Ops recorded inside `with module_scope(m):` remember `m` (as `node.module`)."""

    __slots__ = ("module", "previous")

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.previous = _current.module
        _current.module = self.module
        if self.previous is None:  # the outermost scope: start tagging
            autograd.observers.append(_TAG_MODULE)

    def __exit__(self, *exc):
        _current.module = self.previous
        if self.previous is None:
            autograd.observers.remove(_TAG_MODULE)
        return False


def current_module():
    """The module whose forward is running (innermost), or None."""
    return _current.module
