"""The "jit" implementation of W1–W4: tg eager's own step function under `tg.jit`.

Each workload's tinygrad runner writes one training step as a function (forward, loss,
backward, optimizer step, zero_grad, return the loss); eager calls it as is, "jit" calls
`tg.jit(step)`. The first call of a jitted step runs eagerly while it is recorded, and
compiles the recording; the following calls replay the NumPy kernels. The timed block
should measure replays, as a long training run does, so `traced` makes that first call
during the untimed set-up — on the block's first inputs — and then puts the model's
initial weights back in place with `load_state_dict` (in place, so the parameters keep
the arrays the trace guards). The block then runs its steps from the same initial weights
as every other implementation; the pre-timing check asserts it ends on eager's weights bit
for bit and that the block never traced again. (This undo is complete because W1–W4 use
plain SGD, which keeps no state; an optimizer with momentum would need its state reset too.)
"""
from __future__ import annotations

import time

import tinygrad_edu as tg

from ..harness import Runner


def traced(step, first_inputs, model) -> tg.jit:
    """tg.jit(step), traced on `first_inputs`, with `model`'s weights as they were
    before. The jit object's `trace_s` holds the seconds that first call took."""
    initial = {name: value.detach().clone() for name, value in model.state_dict().items()}
    replayed = tg.jit(step)
    start = time.perf_counter()
    replayed(*first_inputs)
    replayed.trace_s = time.perf_counter() - start
    model.load_state_dict(initial)
    return replayed


def runner(run, weights, step) -> Runner:
    """A Runner; if `step` is a tg.jit, with what the harness reads off it."""
    if not isinstance(step, tg.jit):
        return Runner(run, weights)
    return Runner(run, weights, jit_step=step, trace_s=step.trace_s,
                  traces_after_setup=tuple(step.traces.values()))
