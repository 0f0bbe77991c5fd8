"""The import rule: a PyTorch script runs after renaming `torch` to `tinygrad_edu` in its
import lines and nowhere else (README, "Bring your PyTorch script").

`tinygrad_edu.nn` is the top-level `nn` package itself (and `tinygrad_edu.optim` is
`nn.optim`), not a copy; the scripts in tests/pytorch_scripts/ are written exactly as
for PyTorch and run here with only their imports renamed (by `rename_imports`)."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

SCRIPTS = Path(__file__).resolve().parent / "pytorch_scripts"


def rename_imports(source: str) -> str:
    """The rule as a function: `torch` becomes `tinygrad_edu` in import lines only."""
    lines = []
    for line in source.splitlines():
        if re.match(r"\s*import torch\s*$", line):
            line = line.replace("import torch", "import tinygrad_edu as torch")
        elif re.match(r"\s*(import|from) torch\b", line):
            line = re.sub(r"\btorch\b", "tinygrad_edu", line, count=1)
        lines.append(line)
    return "\n".join(lines)


def run_script(name: str) -> dict:
    source = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8")
    renamed = rename_imports(source)
    changed = [(a, b) for a, b in zip(source.splitlines(), renamed.splitlines()) if a != b]
    assert changed and all(re.match(r"\s*(import|from) ", a) for a, _ in changed)
    namespace = {"__name__": f"pytorch_script_{name}"}
    exec(compile(renamed, str(SCRIPTS / f"{name}.py"), "exec"), namespace)
    return namespace


def test_the_nn_modules_are_the_same_objects_not_copies():
    import nn
    import tinygrad_edu.nn as nn2
    import tinygrad_edu.nn.functional as F
    import tinygrad_edu.nn.init as init
    from tinygrad_edu import optim
    from tinygrad_edu.nn.utils import clip_grad_norm_
    from tinygrad_edu.optim.lr_scheduler import StepLR
    assert nn2 is nn and F is nn.functional and init is nn.init and optim is nn.optim
    assert StepLR is nn.optim.lr_scheduler.StepLR and clip_grad_norm_ is nn.utils.clip_grad_norm_
    assert tg.nn.Linear is nn.Linear and tg.optim.SGD is nn.SGD  # attribute access works too


def test_torch_autograd_names_are_there():
    from tinygrad_edu.autograd import Function, backward, grad, gradcheck
    assert grad is tg.grad and backward is tg.backward and gradcheck is tg.gradcheck
    assert Function is tg.Function


def test_the_rename_touches_import_lines_only():
    source = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.ones(2)\n"
    assert rename_imports(source).splitlines() == [
        "import tinygrad_edu as torch", "import tinygrad_edu.nn as nn",
        "from tinygrad_edu.utils.data import DataLoader", "x = torch.ones(2)"]


def test_polynomial_fit_tutorial_approaches_the_least_squares_fit():
    result = run_script("polynomial_fit")
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32).astype(np.float64)
    design = np.stack([np.ones_like(x), x, x ** 2, x ** 3], axis=1)
    best, *_ = np.linalg.lstsq(design, np.sin(x), rcond=None)
    best_loss = float(((design @ best - np.sin(x)) ** 2).sum())
    # 2,000 RMSprop steps (PyTorch's tutorial settings) end near, not at, the optimum
    assert result["final_loss"] < 1.05 * best_loss + 0.5
    np.testing.assert_allclose(result["coefficients"], best, atol=0.01)


def test_micrograd_style_manual_updates_through_data_match_the_hand_formulas():
    result = run_script("micrograd_style")
    tg.manual_seed(1)  # the script's initial weights, drawn again in the same order
    w1, w2 = tg.randn(3, 4).numpy().astype(np.float64), None
    b1 = np.zeros(4)
    w2 = tg.randn(4, 1).numpy().astype(np.float64)
    xs = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    ys = np.array([1.0, -1.0, -1.0, 1.0])
    losses = []
    for _ in range(50):  # the same network and steps, derivatives by hand
        h = np.tanh(xs @ w1 + b1)
        out = np.tanh(h @ w2)[:, 0]
        losses.append(((out - ys) ** 2).sum())
        d_out = 2 * (out - ys) * (1 - out ** 2)
        d_w2 = h.T @ d_out[:, None]
        d_h = d_out[:, None] @ w2.T * (1 - h ** 2)
        w1, b1, w2 = w1 - 0.05 * (xs.T @ d_h), b1 - 0.05 * d_h.sum(0), w2 - 0.05 * d_w2
    np.testing.assert_allclose(result["losses"], losses, rtol=1e-4)
    assert result["losses"][-1] < 0.1 * result["losses"][0]


def test_backprop_ninja_cross_entropy_gradient_is_close():
    result = run_script("backprop_ninja")
    assert result["close"] and result["maxdiff"] < 1e-6


def test_dataloader_training_with_a_checkpoint_learns_the_split():
    result = run_script("dataloader_training")
    assert result["accuracy"] > 0.95
    assert result["last_lr"] == pytest.approx(0.5 * 0.5 ** 2)  # StepLR halved it twice in 10 epochs
