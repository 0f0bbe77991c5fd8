"""`Sequential`: modules applied one after another."""
from __future__ import annotations

import operator
from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """`Sequential(m0, m1, ...)` or `Sequential(OrderedDict(name=module, ...))`.

    forward(x) = ... m1(m0(x)). Children are named '0', '1', ... (or by the
    OrderedDict's keys), so parameters are called `0.weight`, `2.bias`, ...,
    the same names PyTorch gives the same model. Indexing with an int gives a
    module, with a slice a new Sequential holding the same (shared) modules.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def _index(self, index) -> int:
        try:
            index = operator.index(index)
        except TypeError:
            raise TypeError(f"Sequential indices must be integers or slices, not "
                            f"{type(index).__name__}") from None
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"index {index} is out of range")
        return index % size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._index(index)]

    def __setitem__(self, index, module) -> None:
        name = list(self._modules.keys())[self._index(index)]
        setattr(self, name, module)

    def __delitem__(self, index) -> None:
        if isinstance(index, slice):
            names = list(self._modules.keys())[index]
        else:
            names = [list(self._modules.keys())[self._index(index)]]
        for name in names:
            delattr(self, name)
        # renumber, as PyTorch does, so the names stay '0', '1', ...
        modules = list(self._modules.values())
        for name in list(self._modules.keys()):
            delattr(self, name)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add `module` at the end (named by its position); returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules) -> "Sequential":
        for module in modules:
            self.append(module)
        return self
