"""examples/quickstart.py: the PyTorch-style loop trains a classifier that generalises."""
import importlib.util
from pathlib import Path

import nn

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def _load_quickstart():
    spec = importlib.util.spec_from_file_location("quickstart", QUICKSTART)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_learns_the_breast_cancer_task(tmp_path, capsys):
    quickstart = _load_quickstart()
    path = tmp_path / "model.npz"
    accuracy = quickstart.main(["--epochs", "8", "--seed", "0", "--quiet", "--save", str(path)])
    # a majority-class guess scores 0.63 on this data; a trained MLP about 0.95-0.99
    assert accuracy > 0.93
    assert "test accuracy" in capsys.readouterr().out
    # the saved weights reproduce the model's accuracy
    _, _, x_test, y_test = quickstart.load_data(seed=0)
    model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
    model.load_state_dict(nn.load(path))
    assert quickstart.accuracy(model, x_test, y_test) == accuracy
