"""`from tinygrad_edu import optim`: the `nn.optim` package itself (see _alias.py)."""
import sys

from ._alias import alias_package

sys.modules[__name__] = alias_package(__name__, "nn.optim")
