"""From the column-vector articles' parameter names to ``nn.Sequential``'s.

Articles 001 and 002 keep layer i's weight W_i as (out, in) and its bias b_i as an
(out, 1) column and compute W·x + b on columns. ``nn.Linear`` computes x·Wᵀ + b on rows
with the same (out, in) weight and an (out,) bias, and in
``nn.Sequential(Linear, activation, Linear, activation, …)`` the i-th Linear is module 2i.
"""
from __future__ import annotations

import re

import numpy as np


def as_sequential_names(column_arrays, first_layer=0):
    """{"W<i>": (out, in), "b<i>": (out, 1), …} -> {"<2k>.weight": (out, in), "<2k>.bias": (out,), …}
    with k = i − ``first_layer`` (article 001 counts layers from 0, article 002 from 1).
    Works for parameters and their gradients alike."""
    renamed = {}
    for name, value in column_arrays.items():
        match = re.fullmatch(r"([Wb])(\d+)", name)
        if match is None:
            raise ValueError(f"as_sequential_names: {name!r} is neither W<i> nor b<i>")
        module = 2 * (int(match[2]) - first_layer)
        if match[1] == "W":
            renamed[f"{module}.weight"] = value
        else:
            renamed[f"{module}.bias"] = np.ravel(value)
    # in nn.Sequential's order: module by module, weight before bias
    return dict(sorted(renamed.items(), key=lambda item: (int(item[0].split(".")[0]),
                                                          item[0].endswith(".bias"))))
