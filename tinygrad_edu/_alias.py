"""Package aliases for the import rule: `tinygrad_edu.nn` IS the top-level `nn` package
and `tinygrad_edu.optim` IS `nn.optim` (the same module objects, not copies), so
`import torch.nn as nn` becomes `import tinygrad_edu.nn as nn` and nothing else changes."""
from __future__ import annotations

import importlib
import pkgutil
import sys


def alias_package(alias: str, real: str):
    """Import package `real` with all its submodules and register each one under
    `alias` too (`alias.x.y` is `real.x.y`). Returns the package."""
    package = importlib.import_module(real)
    for info in pkgutil.walk_packages(package.__path__, real + "."):
        importlib.import_module(info.name)
    for name, module in list(sys.modules.items()):
        if name == real or name.startswith(real + "."):
            sys.modules[alias + name[len(real):]] = module
    return package
