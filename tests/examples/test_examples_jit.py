"""`--jit` runs an article example's training step under tg.jit: traced on the first step,
replayed afterwards. The results must be those of the eager run, bit for bit.

The scripts are loaded as modules and run in this process, so that the test can see the
tg.jit objects they make (`tg.jit` is replaced by a subclass that records its calls and
traces) and, where a script's training function is reachable, the trained weights.
"""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if hasattr(module, "threadpool_limits"):
        module.threadpool_limits = None  # the scripts' one-BLAS-thread limit would outlive the test
    return module


class RecordingJit(tg.jit):
    """tg.jit that remembers every instance, how often it was called and each trace it made."""

    made = []

    def __init__(self, fn):
        super().__init__(fn)
        self.calls, self.traces_made = 0, []
        RecordingJit.made.append(self)

    def __call__(self, *args):
        self.calls += 1
        result = super().__call__(*args)
        for trace in self.traces.values():
            if not any(trace is seen for seen in self.traces_made):
                self.traces_made.append(trace)
        return result


@pytest.fixture
def jits(monkeypatch):
    """The tg.jit objects made while the test runs."""
    RecordingJit.made = []
    monkeypatch.setattr(tg, "jit", RecordingJit)
    return RecordingJit.made


def replayed_once_traced(jit, calls):
    return jit.calls == calls and len(jit.traces_made) == 1


def without_timings(text):
    """The printed output without the lines that report seconds."""
    return [line for line in text.splitlines() if not re.search(r"\d s\b|\bin \d+\.\d s", line)]


def test_article000_fit_under_jit_ends_on_eager_weights_and_losses_bit_for_bit(jits):
    example = load("article000_bias_trick_xor_digits")
    weights, histories = {}, {}
    for jit in (False, True):
        model = example.BiasTrickNetwork([2, 2, 1], np.random.default_rng(3))
        histories[jit] = example.fit(model, example.XOR_X, example.XOR_Y, 0.5, 60,
                                     display_update=1000, jit=jit)
        weights[jit] = [w.detach().numpy().copy() for w in model.weights()]

    assert len(jits) == 1 and replayed_once_traced(jits[0], 60 * 4)
    assert histories[True] == histories[False]  # every recorded loss, exactly
    for eager, replayed in zip(weights[False], weights[True]):
        assert eager.tobytes() == replayed.tobytes()
    assert not np.array_equal(weights[True][0], example.BiasTrickNetwork(
        [2, 2, 1], np.random.default_rng(3)).W0.detach().numpy())  # training moved the weights


def test_article003_train_under_jit_ends_on_eager_weights_bit_for_bit(jits):
    example = load("article003_xor_activations")
    for activation in ("tanh", "sigmoid", "relu"):
        weights = {}
        for jit in (False, True):
            rng = np.random.default_rng(5)
            net = example.OnesFirstNetwork([2, 4, 1], activation, rng)
            example.train(net, 0.5, 80, rng, activation, jit=jit)
            weights[jit] = {name: p.detach().numpy().copy() for name, p in net.named_parameters()}
        assert all(weights[True][name].tobytes() == weights[False][name].tobytes()
                   for name in weights[False]), activation
    assert len(jits) == 3 and all(replayed_once_traced(jit, 80) for jit in jits)


@pytest.mark.parametrize("name, argv, steps", [
    ("article000_bias_trick_xor_digits", ["--xor-epochs", "30", "--digits-epochs", "1"],
     [30 * 4, 30 * 4, 1347]),
    ("article001_quadrant_column_vectors", ["--n-points", "1300"], [300]),
    ("article002_mnist_5_vs_8", ["--iterations", "25"], [25]),
    ("article003_xor_activations", ["--runs", "1", "--steps", "40"], [40, 40, 40]),
])
def test_the_script_prints_the_same_results_with_and_without_jit(name, argv, steps, jits, tmp_path,
                                                                 capsys):
    example = load(name)
    out_dir = ["--out-dir", str(tmp_path)] if name != "article003_xor_activations" else []
    outputs = {}
    for jit in ([], ["--jit"]):
        example.main(argv + out_dir + jit)
        outputs[bool(jit)] = capsys.readouterr().out

    assert without_timings(outputs[True]) == without_timings(outputs[False])
    assert len(without_timings(outputs[True])) >= 4
    assert [jit.calls for jit in jits] == steps
    assert all(len(jit.traces_made) == 1 for jit in jits)
