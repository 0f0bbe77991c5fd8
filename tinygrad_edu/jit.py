"""`tg.jit`: record a training step once, then replay the NumPy kernels it ran.

    @tg.jit
    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    for x, y in batches:
        loss = step(x, y)      # first call: eager, recorded; later calls: replayed

Per-sample training spends most of its time on the engine's bookkeeping, not on
NumPy: every op builds a Tensor and a graph node, and backward sorts the graph and
sums gradients through dicts. Replaying removes all of that and keeps the math.

How it works (docs/jit.md tells it at length):

1. **Trace.** The first call with given argument shapes and dtypes runs eagerly while
   a `_Recorder` watches the engine (it is an `autograd.Observer`): each op's forward
   (`applied`), each backward step (`visiting`, `visited`), each leaf's accumulation
   into `.grad` (`accumulated`), and the calls that nn's optimizers and `zero_grad`
   hand to `tg.jit.call`. Every array gets a name: the step's inputs `a0, a1, ...`,
   values made during the step `v0, v1, ...`; any other array (a parameter, a
   constant such as the 0.5 in `0.5 * x`, the seed of backward) is captured as is.
2. **Compile.** The recording becomes one straight-line Python function, the kernel
   list: each op's `forward` and `backward` code, inlined with the replay's names put
   in (`inlining.py`: `v3 = 1.0 / (1.0 + np.exp(-v2))`, `g7 = g6 * v3 * (1.0 - v3)`),
   or called where it cannot be (`v3 = F2(v2)`); sums and accumulations follow in the
   engine's order. No Tensor, Function or graph object is made per op, and the code is
   eager's own, so results are bitwise those of eager execution. Two things eager
   cannot do: a kernel that reads only frozen constants is folded (run once, while
   tracing), and a gradient nothing else holds becomes `.grad` without a copy
   (`adopt`). `step.kernels()` prints it.
3. **Replay.** Later calls check the guards (argument shapes, dtypes and
   requires_grad, other arguments' values, grad mode, the parameters' arrays and
   requires_grad); if one changed, the step is traced again for the new key.

Limits of tracing, by design:

* Python that reads tensor values runs only while tracing. `.item()`, `float()`,
  `bool()`, `print(t)`, `.tolist()`, `.numpy()` and comparisons (`t > 0`) inside a
  traced step are refused with an error naming the call, and so is library code that
  reads values in NumPy (nll_loss's class indices, dropout's mask, batch norm's
  statistics, std's mask, random numbers: `refuse`). Positions read off values
  (argmax, sort, topk) are ops (more_ops.Indices), and an array of the step used as an
  op's option (`C[ix]`'s index) is passed by name: both replay on each step's values.
* Hooks, retain_grad, anomaly mode, reading `.grad` or `tg.grad` (`grad_read`),
  assigning a Tensor to `.grad`, `backward(inputs=...)`, backward through a graph made
  before the step, one tensor passed as two arguments, a traced step called in another,
  and functions written with PyTorch's ctx protocol (their forward works on Tensors)
  are refused while tracing, and so is a tensor of the step read inside a call;
  `t.grad = None`, nn's clip_grad functions and learning-rate schedulers' steps are
  replayed (`call`; a scheduler's set-up step runs once, `once`). Other Python in the
  step (a counter, rebinding a name to a new scheduler) runs while tracing only. A
  custom op (a `Function` subclass with forward on arrays) is called, not inlined, on
  a new node at each replay, as eager makes one.
* Tracing watches the whole process (`autograd.observers`): no other thread may use
  tinygrad_edu while a step is traced.
* Everything the step returns is overwritten by the next call (the same Tensor
  objects are reused, with no graph: backward belongs inside the step), and so are
  the parameters' `.grad` tensors. A parameter the step uses must not also be an
  argument (one array: the trace cannot tell the two apart).
"""
from __future__ import annotations

import ast
import functools
import io
import math
import re
import tokenize
import warnings

import numpy as np

from . import anomaly, autograd, checks, gradients, inlining
from .operands import CONSTANT_VERSION

_recorder = None  # the recording in progress, if any (read directly on hot paths)


class TracingError(RuntimeError):
    """The traced step did something tracing cannot replay."""


def call(function, *args):
    """Run `function(*args)` now; while a step is traced, also record it as one kernel
    that replays by calling it again (nn's optimizers step and zero grads through this,
    so learning rates, step counts and momentum are read anew at every replay; so do
    nn's clip_grad functions and schedulers' steps). A Tensor it returns is a value of the step,
    made anew by each replay's call. A call inside a call is part of the outer one."""
    if _recorder is None or _recorder.in_call:
        return function(*args)
    owner = getattr(function, "__self__", None)
    name = f"{type(owner).__name__}.{function.__name__.strip('_')}" if owner is not None \
        else function.__qualname__.strip("_")
    for t in _tensors_in(args):
        if _of_the_step(t):
            raise TracingError(f"tg.jit: {name} inside a traced step is given a tensor of the step "
                               f"(an argument or a value it made); it works in NumPy, so a replay "
                               f"would call it with the traced tensor again. Call it outside the step")
    kernel = ["call", function, args, name, None]
    _recorder.kernels.append(kernel)
    _recorder.in_call += 1
    try:
        result = function(*args)
    finally:
        _recorder.in_call -= 1
    if isinstance(result, autograd.Tensor):
        kernel[4] = _recorder.new_name(result._data)
    return result


def _of_the_step(tensors) -> bool:
    """Whether one of `tensors` (a Tensor, a sequence, or None) is an argument of the
    step being traced or a value made from one: by the step (`v3`), or inside a call
    (marked `s`, see `_Recorder.applied`)."""
    if tensors is None:
        return False
    for t in tensors if isinstance(tensors, (tuple, list)) else (tensors,):
        if isinstance(t, autograd.Tensor) and _recorder.names.get(id(t._data), "c")[0] in "avgs":
            return True
    return False


def once(function, *args):
    """Run `function(*args)` now, as library code that eager too runs once and a replay
    not at all (a scheduler's set-up step, made where the step builds it): like a call,
    it may read parameters; unlike one, it is not recorded. So it may not be given a
    tensor of the step, nor return a tensor (the replay would keep the traced one)."""
    if _recorder is None:
        return function(*args)
    if any(_of_the_step(t) for t in _tensors_in(args)):
        raise TracingError("tg.jit: tg.jit.once inside a traced step is given a tensor of the step; "
                           "a replay does not run it. Use tg.jit.call, or call it outside the step")
    _recorder.in_call += 1
    try:
        result = function(*args)
    finally:
        _recorder.in_call -= 1
    if any(True for _ in _tensors_in(result)):
        raise TracingError("tg.jit: tg.jit.once inside a traced step returned a tensor; a replay does "
                           "not run it, so the step would keep the traced one. Use tg.jit.call")
    return result


def _tensors_in(value):
    """The Tensors in a call's arguments (in lists, tuples and dicts too)."""
    if isinstance(value, autograd.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _options_arrays(options):
    """The arrays among an op's options (in tuples too: an index)."""
    pending = list(options.values())
    while pending:
        value = pending.pop()
        if isinstance(value, np.ndarray):
            yield value
        elif isinstance(value, tuple):
            pending += value


def grad_read(tensor) -> None:
    """`tensor.grad` read while a step is traced, outside an optimizer's or clip_grad's
    call: refused, as the replay would keep the traced gradient (nothing records where
    it goes). Read it after the step: each replay refills `.grad`."""
    if not _recorder.in_call:
        raise TracingError("tg.jit: reading .grad inside a traced step cannot be replayed (the "
                           "replay would use the traced gradient); read it after the step, or "
                           "use an optimizer or nn.utils.clip_grad_norm_ in the step")


def refuse(what: str, does: str = "reads a tensor's value in Python", tensor=None,
           instead: str = "Call it outside the step (e.g. on the returned loss), or run the step "
                          "eagerly.") -> None:
    """Called where tensor values go to Python or NumPy (item, bool, print, comparisons,
    argmax, sort, nll_loss's targets, ...) or random numbers are drawn: refused while a
    step is traced, as the replay would reuse what the trace computed. Inside a call
    (an optimizer's step, a scheduler's) only for `tensor` of the step: its own state
    is read anew at each replay, a tensor of the step (reached through a closure) is not.
    `instead` says what to do (a loss cannot be called outside the step)."""
    if _recorder is not None and (not _recorder.in_call or _of_the_step(tensor)):
        raise TracingError(f"tg.jit: {what} inside a traced step {does}; the trace would freeze "
                           f"that value. {instead}")


def grad_assigned(tensor, value) -> None:
    """`tensor.grad = value` while a step is traced: None (zeroing by hand) is recorded as a
    kernel that sets it again at each replay; a Tensor is refused, as the replay would
    assign the very tensor of the trace, not the one the step would make anew."""
    if _recorder.in_call:
        return  # inside zero_grad or an optimizer's step: replayed by calling it again
    if value is not None:
        raise TracingError("tg.jit: assigning a Tensor to .grad inside a traced step cannot be "
                           "replayed (the replay would reuse the traced Tensor); assign None, "
                           "or call optimizer.zero_grad()")
    if id(tensor) in _recorder.input_index:  # an argument: this call's tensor, at each replay
        _recorder.kernels.append(("grad_none", _recorder.input_index[id(tensor)]))
    else:
        _recorder.kernels.append(("call", setattr, (tensor, "_grad", None), ".grad = None", None))


MAX_TRACES = 64  # traces kept per tg.jit; calls with new arguments after that run eagerly


class jit:
    """`tg.jit(fn)` or `@tg.jit`: trace `fn` on its first call, replay it afterwards.

    `fn` takes Tensors (and other arguments, which are part of the guard: a new value
    traces again) and returns None, a Tensor or a tuple of Tensors.
    """

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"tg.jit: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self.traces = {}  # guard key -> _Trace
        self.warned = False  # (once MAX_TRACES were made)
        self.__doc__, self.__name__ = getattr(fn, "__doc__", None), getattr(fn, "__name__", "step")

    def __get__(self, instance, owner=None):
        """`@tg.jit` on a method: the instance is an argument (keyed by the object)."""
        return self if instance is None else functools.partial(self, instance)

    def __call__(self, *args, **keywords):
        if keywords:
            raise TypeError(f"tg.jit: pass {self.__name__}'s arguments by position (the trace is "
                            f"keyed on them), not by keyword: {', '.join(keywords)}")
        if _recorder is not None:  # (its replay would not be recorded by the outer trace)
            raise TracingError("tg.jit: a traced step called another traced step")
        key = _guard_key(args)
        trace = self.traces.get(key)
        if trace is not None and trace.still_valid() and not anomaly.is_anomaly_enabled():
            return trace.replay(args)  # (anomaly mode, turned on since, makes record() refuse)
        if trace is None and len(self.traces) >= MAX_TRACES:  # as torch.compile's cache limit
            if not self.warned:
                self.warned = True
                warnings.warn(f"tg.jit: {self.__name__} was traced {MAX_TRACES} times (new shapes, "
                              f"values of arguments, or new tensors inside an argument such as a "
                              f"tuple batch: pass those as arguments of their own); calls that would "
                              f"trace again now run eagerly", RuntimeWarning, stacklevel=2)
            return self.fn(*args)
        trace, result = _Trace.record(self.fn, args)
        self.traces[key] = trace
        return result

    def kernels(self) -> str:
        """The replay functions recorded so far, one per guard key, as Python source."""
        return "\n\n".join(trace.source for trace in self.traces.values())

    @property
    def trace_count(self) -> int:
        return len(self.traces)

    call = staticmethod(call)  # tg.jit.call(function, *args), for library code (nn's optimizers)
    once = staticmethod(once)  # tg.jit.once(function, *args): library code that runs once
    refuse = staticmethod(refuse)  # tg.jit.refuse(what), for library code that reads values


def _guard_key(args) -> tuple:
    key, arrays = [autograd.grad_mode.enabled], []
    for a in args:
        if isinstance(a, autograd.Tensor):
            # (the layout too: whether a reshape gives a view or a copy follows from it)
            key.append((a._data.shape, a._data.dtype, a._data.strides, a._requires_grad,
                        bool(a._hooks)))  # (hooks: tracing refuses them)
            arrays.append(id(a._data))
        else:
            try:
                hash(a)
            except TypeError:
                raise TypeError(f"tg.jit: argument of type {type(a).__name__} is neither a Tensor "
                                f"nor hashable; the trace is keyed on such arguments' values") from None
            key.append(("value", _typed(a)))
    if len(arrays) > 1 and len(set(arrays)) < len(arrays):
        key.append("one array passed twice")  # (refused by the trace it asks for)
    return tuple(key)


def _typed(value):
    """`value` with its type, and its items' types: 1, 1.0 and True are equal (and hash
    alike) as keys, but a step given one or the other traces different dtypes; so are
    0.0 and -0.0 (a float is keyed by its bits: nan is then equal to itself)."""
    if isinstance(value, autograd.Tensor):  # (the same object: read as a parameter is)
        return (autograd.Tensor, value)
    if isinstance(value, tuple):  # (a namedtuple's own __getitem__ may give other items)
        return (type(value), tuple(_typed(v) for v in value))
    if isinstance(value, frozenset):
        return (frozenset, frozenset(_typed(v) for v in value))
    if isinstance(value, (float, np.floating)):
        return (type(value), float(value).hex())
    if type(value).__eq__ is object.__eq__ or isinstance(value, (int, str, bytes, type(None), np.integer,
                                                                   np.bool_)):
        return (type(value), value)  # (an object without its own ==: itself, as it is hashed)
    return (type(value), value, repr(value))  # its own ==, as a dataclass's: 1 and 1.0 differ by repr


class _Recorder(autograd.Observer):
    """Watches one eager run of the step and names every array it touches."""

    def __init__(self, inputs):
        self.kernels, self.in_call = [], 0
        self.names = {}        # id(array) -> name, for inputs and values made in the step
        self.keep = []         # arrays kept alive while recording, so ids stay unique
        self.constants = {}    # name -> captured object
        self.leaves = {}       # id(tensor) -> (tensor, its array, requires_grad) at trace time
        self.constant_tensors = {}  # name -> a leaf that needs no gradient (0.5 of 0.5 * x, ...)
        self.values = {}       # name -> the array it stood for while tracing
        self.parts = {}        # node or leaf tensor -> names of gradient parts, in arrival order
        self.grad_of = {}      # node -> name of its complete gradient
        self.count = 0
        self.nodes = set()     # the nodes recorded in this step (backward may visit only those)
        self.raw = {}          # node -> what its backward returned, before the engine fitted it
        self.raw_seen = {}     # node -> per input needing a gradient, None or (dtype, shape) of it
        self.caught = []       # the nodes whose backward `visiting` wrapped
        self.input_index = {id(t): i for i, t in enumerate(inputs)}
        for i, t in enumerate(inputs):
            self.names[id(t._data)] = f"a{i}"
            self.values[f"a{i}"] = t._data
            self.keep.append(t._data)

    def new_name(self, array, prefix="v") -> str:
        name = f"{prefix}{self.count}"
        self.count += 1
        self.names[id(array)] = name
        self.values[name] = array
        self.keep.append(array)
        return name

    def ref(self, value) -> str:
        """The name of an array (or other value) in the replay function."""
        if isinstance(value, np.ndarray) and id(value) in self.names:
            return self.names[id(value)]
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        if isinstance(value, np.ndarray):
            self.names[id(value)] = name
            self.keep.append(value)
        return name

    def total(self, key, array) -> str:
        """Name of the complete gradient `array` of a node or leaf: its single part, or the
        parts summed in the engine's order (a new kernel)."""
        parts = self.parts.pop(key, [])
        if len(parts) == 1 and self.names.get(id(array)) == parts[0]:
            return parts[0]
        if not parts:  # the seed of backward, or a gradient an observer made
            return self.ref(array)
        name = self.new_name(array, "g")
        self.kernels.append(("sum", name, parts))
        return name

    def guard(self, t, reader="a traced step") -> None:
        """A tensor from outside the step (a parameter, a number made a tensor) is guarded,
        each one, also when its array came in through another (w, after w.detach()).
        Inside a call nothing is: a replay calls it again, and it reads what it reads anew."""
        if self.in_call:
            return
        self.not_made_in_a_call(t._data, reader)
        if self.names.get(id(t._data), "c")[0] == "c" and id(t) not in self.leaves:
            self.leaves[id(t)] = (t, t._data, t._requires_grad)
            if not t._requires_grad:
                self.constant_tensors.setdefault(self.ref(t._data), t)

    def not_made_in_a_call(self, array, reader) -> None:
        if self.names.get(id(array)) == "s":
            raise TracingError(f"tg.jit: {reader} reads a value that tg.jit.call or tg.jit.once "
                               f"computed from the step's tensors; a replay would not compute it anew. "
                               f"Compute it in the step")

    # -- autograd.Observer ----------------------------------------------------------

    def applied(self, fn, out, options):
        if self.in_call:  # inside an optimizer step or zero_grad: replayed by calling it again
            if _of_the_step(fn.parents):
                self.names[id(out._data)] = "s"  # made from the step's tensors: refused if read
                self.keep.append(out._data)
            return
        reader = f"{type(fn).__name__} inside a traced step"
        for p in fn.parents:
            self.guard(p, reader)
        for value in _options_arrays(options):
            self.not_made_in_a_call(value, reader)
        args = [self.ref(p._data) for p in fn.parents]
        self.nodes.add(fn)
        self.kernels.append(("forward", fn, args, dict(options), self.new_name(out._data),
                             out._data.ndim == 0))

    def visiting(self, fn, grad):
        if isinstance(grad, autograd.Tensor):
            raise TracingError("tg.jit: backward(create_graph=True) cannot be traced")
        if fn.pre_hooks:
            raise TracingError("tg.jit: a hook (or retain_grad) on a tensor of the step cannot be "
                               "replayed")
        if fn not in self.nodes:
            raise TracingError("tg.jit: backward through a graph built outside the traced step cannot "
                               "be replayed (a replay makes only the step's own nodes anew); build "
                               "it in the step")
        self.grad_of[fn] = self.total(fn, grad)
        # backward's own results, before the engine fits them to the inputs: where a shape
        # or dtype differs, the replay fits them the same way. Caught as eager's call
        # returns them (an instance attribute: `visited` removes it): a second call could
        # differ (a custom op may pop a cache, draw random numbers)
        backward = fn.backward

        def caught(*args):
            self.raw[fn] = result = backward(*args)
            return result

        self.caught.append(fn)  # (first: `record` cleans up whatever happens next)
        fn.backward = caught
        return grad

    def visited(self, fn, input_grads):
        saved = [self.ref(p._data) for p in fn.parents] if fn.saves_inputs else []
        if fn.saves_output:
            saved.append(self.ref(fn.output[0]))
        del fn.backward  # the class's again (see `visiting`)
        raw = self.raw.pop(fn)
        as_tuple = type(raw) is tuple and len(raw) == 1  # `g, = B(...)` unpacks a 1-tuple
        raw = raw if type(raw) is tuple else (raw,)
        self.raw_seen[fn] = tuple((None if r is None else (getattr(r, "dtype", None), getattr(r, "shape", None)))
                                  if need else _ANY for r, need in zip(raw, fn.needs_input_grad))
        outputs = []
        for i, (p, node, g) in enumerate(zip(fn.parents, fn.parent_nodes, input_grads)):
            if g is None:
                outputs.append(None)
                continue
            fit = raw[i].shape != p._data.shape or raw[i].dtype != p._data.dtype
            outputs.append((self.new_name(g, "g"), fit, p._data if fit else None))
            self.parts.setdefault(p if node is None else node, []).append(outputs[-1][0])
        self.kernels.append(("backward", fn, self.grad_of[fn], saved, outputs, as_tuple))

    def accumulated(self, tensor, grad):
        if grad is not None:
            self.kernels.append(("accumulate", tensor, self.total(tensor, grad), grad))


def _value(name, recorder):
    """The array a name stands for during recording (for the extra backward call)."""
    return recorder.values[name] if name in recorder.values else recorder.constants[name]


_ANY = object()  # (in raw_seen) an input that needs no gradient: eager drops what backward gives


def _grads_checked(raw, seen, what):
    """A custom backward's results, checked to be as when traced: None where it gave None,
    else the same dtype and shape (what fit and adopt do was decided on them)."""
    items = raw if type(raw) is tuple else (raw,)
    for i, (item, want) in enumerate(zip(items, seen)):
        got = None if item is None else (getattr(item, "dtype", None), getattr(item, "shape", None))
        if want is not _ANY and got != want:
            describe = lambda v: "None" if v is None else f"{v[0]} {v[1]}"  # noqa: E731
            raise TracingError(f"tg.jit: {what} gave {describe(got)} for input {i} here and "
                               f"{describe(want)} when the step was traced; the replay keeps what "
                               f"the trace decided from it, so it stops rather than give other "
                               f"numbers than eager. Make it give one dtype and shape, or run the "
                               f"step eagerly")
    if len(items) != len(seen):
        raise TracingError(f"tg.jit: {what} gave {len(items)} gradients here and {len(seen)} when "
                           f"the step was traced")
    return raw


def _dtype_check(name, what, recorder, namespace) -> str:
    """A line of the replay that stops it when a value made by code run anew (a custom op,
    a call) has another dtype than when traced: the trace decided promotions, constants
    and casts from it, so a replay would give other numbers than eager."""
    namespace[f"E_{name}"] = recorder.values[name].dtype
    namespace["dtype_changed"] = _dtype_changed
    return f"    if {name}.dtype != E_{name}: dtype_changed({what!r}, {name}, E_{name})"


def _dtype_changed(what, value, traced):
    raise TracingError(f"tg.jit: {what} gave {value.dtype} here and {traced} when the step was traced; "
                       f"the replay keeps what the trace decided from that dtype (promotions, "
                       f"constants, casts), so it stops rather than give other numbers than eager. "
                       f"Make it give one dtype, or run the step eagerly")


def _dtypes(names, recorder) -> dict:
    """{name: dtype} of the arrays among an op's arguments (`names`: a value, a constant or
    a literal): the same at every replay. The guards fix the inputs' and parameters'
    dtypes; NumPy's result dtypes follow from dtypes alone; and what code run anew makes
    (a custom op, a call) is checked at each replay (`_dtype_check`)."""
    found = {}
    for name in names:
        value = recorder.values.get(name, recorder.constants.get(name))
        if isinstance(value, np.ndarray):
            found[name] = value.dtype
    return found


class _Trace:
    """One recorded step: its replay function and its guards."""

    @classmethod
    def record(cls, fn, args):
        global _recorder
        if _recorder is not None:
            raise TracingError("tg.jit: a traced step called another traced step")
        inputs = [a for a in args if isinstance(a, autograd.Tensor)]
        if len({id(t._data) for t in inputs}) < len(inputs):
            raise TracingError("tg.jit: one tensor (or one array) passed as two arguments cannot be "
                               "traced: the replay would not know which uses were which; pass it once")
        recorder = _Recorder(inputs)
        if anomaly.is_anomaly_enabled():
            raise TracingError("tg.jit: anomaly mode is on; a traced step cannot replay its checks")
        if any(t._hooks for t in inputs):
            raise TracingError("tg.jit: a tensor passed to a traced step has hooks; a replay cannot "
                               "run them. Remove them, or run the step eagerly")
        autograd.observers.append(recorder)
        _recorder, checks.traced_read = recorder, recorder.guard
        try:
            result = fn(*args)
        finally:
            _recorder = checks.traced_read = None
            autograd.observers.remove(recorder)
            for node in recorder.caught:  # (after a backward that raised) the class's method again
                node.__dict__.pop("backward", None)
        trace = cls()
        trace.compile(recorder, inputs, result)
        return trace, result

    def compile(self, recorder, inputs, result):
        self.leaves = list(recorder.leaves.values())
        for t, _, _ in self.leaves:
            if t._hooks:
                raise TracingError("tg.jit: a leaf with hooks cannot be replayed")
        namespace = {"np": np, "fit": autograd._like_input, "accumulate": _accumulate,
                     "accumulate_input": _accumulate_input,
                     "adopt": _adopt, "asarray": np.asarray, "ndarray": np.ndarray}
        folded_kernels, folded = _folded(recorder, result)
        for name in folded:  # a folded value is a constant of the replay, named as one
            recorder.constants[f"c{len(recorder.constants)}"] = recorder.values[name]
            folded[name] = f"c{len(recorder.constants) - 1}"
        adoptable = _adoptable(recorder, inputs, result)  # after folding: constants stay constant
        input_index = recorder.input_index
        for name in folded.values():  # shared by every replay: written to, it would change them all
            recorder.constants[name].setflags(write=False)
        namespace.update(recorder.constants)
        lines = [f"def replay({', '.join(f'a{i}' for i in range(len(inputs)))}):"]
        known = {}  # node -> its attributes known to be constant (see inlining.inline)
        forward_lines = {}  # line -> (node, its inputs' shapes and dtypes), to name an error's op
        node_of = {}  # custom op's node -> the name of the node made anew at each replay
        for k, kernel in enumerate(recorder.kernels):
            kernel, first = _renamed(kernel, folded), len(lines)
            kind = kernel[0]
            if kind == "forward":
                _, fn, args, options, out, zero_d = kernel
                keywords = {option: _source(value, f"O{k}_{option}", recorder, folded, namespace)
                            for option, value in options.items()}
                namespace[f"N{k}"], ours = fn, _inlined_here(fn)
                inlined = inlining.inline(fn.forward, args, keywords, out, f"t{k}_", f"N{k}", namespace,
                                          known.setdefault(fn, {}), _dtypes(args, recorder)) if ours else None
                call = f"({', '.join(args + [f'{o}={s}' for o, s in keywords.items()])})"
                if inlined is None and ours:  # options written out (`**options`: 0.07 µs)
                    namespace[f"F{k}"] = fn.forward
                    inlined = [f"{out} = F{k}{call}"]
                elif inlined is None:  # a custom op: a new node at each step, as eager makes one
                    namespace[f"C{k}"], namespace[f"I{k}"] = type(fn), tuple(fn.needs_input_grad)
                    node_of[fn] = f"n{k}"
                    inlined = [f"n{k} = C{k}()", f"{out} = n{k}.forward{call}",
                               f"n{k}.needs_input_grad = I{k}"]
                lines += _indented(inlined, type(fn).__name__)
                if zero_d or fn in node_of:  # apply makes arrays of what forward returns: NumPy's
                    lines.append(f"    {out} = asarray({out})")  # scalars, a custom op's list...
                if fn in node_of:
                    lines.append(_dtype_check(out, f"{type(fn).__name__}.forward", recorder, namespace))
                # (a custom op's `n3 = C3()` is not its forward: eager makes the node outside)
                inputs = [_stand_in(_value(a, recorder)) for a in args]
                forward_lines.update(dict.fromkeys(range(first + (fn in node_of), len(lines)), (fn, inputs)))
            elif kind == "backward":
                _, fn, grad, saved, outputs, as_tuple = kernel
                namespace[f"N{k}"] = fn
                results = ", ".join(o[0] if o else "_" for o in outputs) + ("," if as_tuple else "")
                inlined = None
                if _inlined_here(fn):
                    attributes = known.setdefault(fn, {})
                    attributes["needs_input_grad"] = tuple(fn.needs_input_grad)  # guarded by the trace
                    inlined = inlining.inline(fn.backward, [grad] + saved, {}, results, f"t{k}_", f"N{k}",
                                              namespace, attributes, _dtypes([grad] + saved, recorder))
                if inlined is None:
                    called = f"{node_of[fn]}.backward" if fn in node_of else f"B{k}"  # (our ops': B)
                    namespace[f"B{k}"] = fn.backward
                    inlined = [f"{results} = {called}({', '.join([grad] + saved)})"]
                    if not _inlined_here(fn):  # what fit and adopt do was decided on its results
                        namespace["grads_checked"], namespace[f"X{k}"] = _grads_checked, recorder.raw_seen[fn]
                        what = f"{type(fn).__name__}.backward"
                        inlined = [f"{results} = grads_checked({called}({', '.join([grad] + saved)}), "
                                   f"X{k}, {what!r})"]
                lines += _indented(inlined, fn.name())
                for o in outputs:
                    if o and o[1]:
                        namespace[f"D_{o[0]}"] = o[2]
                        lines.append(f"    {o[0]} = fit(N{k}, {o[0]}, D_{o[0]}, False)")
            elif kind == "sum":
                _, name, parts = kernel
                lines.append(f"    {name} = {' + '.join(parts)}")
            elif kind == "accumulate" and id(kernel[1]) in input_index:
                # an argument of the step that requires grad: this call's tensor gets it
                lines.append(f"    accumulate_input(tensors[{input_index[id(kernel[1])]}], {kernel[2]})")
            elif kind == "accumulate":
                _, tensor, total, _ = kernel
                namespace[f"T{k}"] = tensor
                namespace[f"G{k}"] = autograd.Tensor._make(np.empty_like(tensor._data))
                how = "adopt" if k in adoptable else "accumulate"
                lines.append(f"    {how}(T{k}, {total}, G{k})")
            elif kind == "grad_none":
                lines.append(f"    tensors[{kernel[1]}]._grad = None  # .grad = None")
            else:  # a call of an optimizer step, zero_grad, clip_grad_norm_
                _, function, args, name, out = kernel
                namespace[f"K{k}"], namespace[f"A{k}"] = function, args
                call = f"K{k}({'*A' + str(k) if args else ''})"
                lines.append(f"    {out + ' = ' + call + '._data' if out else call}  # {name}")
                if out:
                    lines.append(_dtype_check(out, name, recorder, namespace))
            if k in folded_kernels:  # run once, while tracing: shown, not replayed
                lines[first:] = [f"    # folded: {line.strip()}" for line in lines[first:]]
        self.takes_tensors = any(re.search(r"\btensors\[", line) for line in lines)
        if self.takes_tensors:
            lines[0] = lines[0].replace("):", ", tensors):").replace("(, ", "(")
        returns, self.result = _returns(result, recorder)
        lines, kept = _without_dead_stores(lines, namespace)
        lines, origin = _free_after_last_use(lines, returns)
        self.forward_at = {i + 1: forward_lines[kept[old]] for i, old in enumerate(origin)
                           if old is not None and kept[old] in forward_lines}
        lines.append(f"    return {returns}")
        self.source = "\n".join(lines)
        with warnings.catch_warnings():  # `1.5 is 1.5`, from an op's `a is b` with literals put in
            warnings.simplefilter("ignore", SyntaxWarning)
            exec(compile(self.source, "<tg.jit replay>", "exec"), namespace)
        self.function, self.input_count = namespace["replay"], len(inputs)
        self.folded = len(folded_kernels)

    def still_valid(self) -> bool:
        """The parameters are the arrays traced (not replaced) with the same requires_grad."""
        for t, array, requires_grad in self.leaves:  # a loop: all(generator) costs 2x per step
            if t._data is not array or t._requires_grad is not requires_grad or t._hooks:
                return False  # (hooks added since: tracing again refuses them)
        return True

    def replay(self, args):
        tensors = [a for a in args if isinstance(a, autograd.Tensor)]
        try:
            values = self.function(*[t._data for t in tensors], *([tensors] if self.takes_tensors else []))
        except (ValueError, TypeError, IndexError, ArithmeticError) as error:
            named = self.op_error(error)
            if named is error:
                raise
            raise named from None
        if self.result is None:
            return None
        if isinstance(self.result, tuple):
            for t, v in zip(self.result, values):
                t._data = v
            return self.result
        self.result._data = values
        return self.result


    def op_error(self, error) -> Exception:
        """A NumPy error in a replayed forward, named as eager names it (the op and its
        inputs' dtypes and shapes: `checks.forward_error`); `error` itself if it came from
        anywhere else (a backward, an optimizer, a custom op's constructor)."""
        traceback, line = error.__traceback__, None
        while traceback is not None:
            if traceback.tb_frame.f_code is self.function.__code__:
                line = traceback.tb_lineno
            traceback = traceback.tb_next
        if line not in self.forward_at:
            return error
        fn, inputs = self.forward_at[line]
        return checks.forward_error(fn, inputs, error)


def _stand_in(array):
    """An array of `array`'s dtype and shape that holds one element: what an error message
    needs to describe an op's input (the shapes of a trace are those of its replays)."""
    return np.broadcast_to(np.zeros((), np.asarray(array).dtype), np.shape(array))


def _literal(value) -> bool:
    """Whether `repr(value)` is Python source that gives `value` back (None, a bool, an int,
    a finite float, a string, a tuple of them)."""
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    if type(value) is float:
        return math.isfinite(value)
    return value is None or type(value) in (bool, int, str)


def _source(value, key, recorder, folded, namespace) -> str:
    """An op's option in the replay's source: a literal; an array that the recording named
    (an input or a value of the step: `C[ix]` takes `ix`'s array as its index) by its
    name, so that each replay uses the new one; a tuple of those; else a constant `key`."""
    if _literal(value) or value is Ellipsis:
        return repr(value)
    if isinstance(value, np.ndarray) and id(value) in recorder.names:
        name = recorder.names[id(value)]
        return folded.get(name, name)
    if type(value) is tuple:
        return "(" + "".join(_source(v, f"{key}_{i}", recorder, folded, namespace) + ", "
                             for i, v in enumerate(value)) + ")"
    if type(value) is slice and all(map(_literal, (value.start, value.stop, value.step))):
        return repr(value)
    namespace[key] = value
    return key


def _indented(code, comment):
    """A kernel's lines in the replay function, its op's name after the first."""
    return [f"    {line}{'  # ' + comment if i == 0 else ''}" for i, line in enumerate(code)]


def statements(lines):
    """The replay function's lines grouped by top-level statement (an inlined `if` or
    `try` spans several lines; `else:` and `except` go with it)."""
    groups = []
    for line in lines:
        top_level = line.startswith("    ") and line[4] != " " \
            and not line[4:].startswith(("else:", "elif ", "except", "finally:"))
        if top_level or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _without_dead_stores(lines, namespace):
    """(lines, the index each had before) without the `N3.attr = value` statements whose
    node nothing in the replay reads again. A forward sets attributes for its backward
    (`N5.exponent = 2`); a backward inlined with them put in, or folded, reads none, and
    the node holds the traced values still. Kept: a store whose value calls anything but
    a pure builtin, and every store to a node that a line that stays names (even in a
    string), or whose method the replay calls (`B9`, `F3`)."""
    names_of = {}  # node -> the names the replay's namespace gives it or its methods
    for name, value in namespace.items():
        node = value if isinstance(value, autograd.Function) else getattr(value, "__self__", None)
        if isinstance(node, autograd.Function):
            names_of.setdefault(node, set()).add(name)
    stores = {}  # line index -> (node, the op's name in the line's comment or "")
    for i, line in enumerate(lines):
        store = re.fullmatch(r"    (N\d+)\.\w+ = (.*?)(?:  # (\w+))?", line)
        if store and isinstance(namespace.get(store[1]), autograd.Function) \
                and _plain_value(store[2], namespace):
            stores[i] = (namespace[store[1]], store[3] or "")
    live, changed = set(), True
    while changed:  # a store that stays may read another node (none of ours do)
        read = " ".join(line for i, line in enumerate(lines) if not line.lstrip().startswith("# folded:")
                        and (i not in stores or stores[i][0] in live))
        found = {node for node, _ in stores.values() if node not in live
                 and any(re.search(rf"\b{name}\b", read) for name in names_of[node])}
        live |= found
        changed = bool(found)
    out, kept, label = [], [], ""
    for i, line in enumerate(lines):
        if i in stores and stores[i][0] not in live:
            label = label or stores[i][1]
            continue
        if label and "  # " not in line:  # the op's name goes to its first line that stays
            line += f"  # {label}"
        out.append(line)
        kept.append(i)
        label = ""
    return out, kept


_PURE = {"max": max, "min": min, "len": len, "abs": abs}  # builtins a dropped store may call


def _plain_value(source, namespace) -> bool:
    """Whether `source` computes from names and constants only: attributes, arithmetic,
    tuples, and calls of pure builtins or math.prod (`(1,) * v5.ndim`, `v5.size //
    max(1, math.prod(N8.kept_shape))`). Dropping it drops no work that acts elsewhere."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            pure = (isinstance(n.func, ast.Name) and n.func.id in _PURE and n.func.id not in namespace) \
                or (isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                    and namespace.get(n.func.value.id) is math and n.func.attr == "prod")
            if not pure or n.keywords or any(isinstance(a, ast.Starred) for a in n.args):
                return False
        elif not isinstance(n, (ast.Expression, ast.Name, ast.Constant, ast.Attribute, ast.Tuple,
                                ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.expr_context)):
            return False
    return True


def _free_after_last_use(lines, returns):
    """Insert `del name` after the statement that uses a value for the last time: a hand
    loop drops its temporaries as it goes, and keeping every one alive to the end of the
    step costs the allocator fresh pages on each call (page faults on mid-size arrays)."""
    groups = statements(lines)
    last = {}
    for i, group in enumerate(groups):
        for name in _values_named(group):
            last[name] = i
    kept = set(re.findall(r"\b[vg]\d+\b", returns))
    freed, origin, start = [], [], 0  # the new lines, and the index each had in `lines` (None: a del)
    for i, group in enumerate(groups):
        origin += range(start, start + len(group))
        start += len(group)
        freed += group
        done = sorted((n for n, j in last.items() if j == i and n not in kept), key=lambda n: int(n[1:]))
        if done and i:
            freed.append(f"    del {', '.join(done)}")
            origin.append(None)
    return freed, origin


def _inlined_here(fn) -> bool:
    """Whether the replay inlines `fn`'s code: the ops of tinygrad_edu and nn, whose code is
    known plain. A custom op may set its node's attributes from a helper, read a module
    global that changes between steps, ...: its forward and backward are called, as
    eager calls them."""
    return type(fn).__module__.partition(".")[0] in ("tinygrad_edu", "nn")


def _values_named(group) -> list:
    """The names of the replay's values (`v3`, `g7`) in a statement: Python's own tokens,
    so not an attribute that looks like one (`N1.v9`), nor text in a string or comment."""
    names, after_dot = [], False
    for token in tokenize.generate_tokens(io.StringIO("\n".join(group) + "\n").readline):
        if token.type == tokenize.NAME and not after_dot and re.fullmatch(r"[vg]\d+", token.string):
            names.append(token.string)
        after_dot = token.type == tokenize.OP and token.string == "."
    return names


def _folded(recorder, result):
    """Constant folding: the kernels whose every input is a frozen constant, and the names of
    the values they make, {name: None} (compile names them as constants). Such a kernel gives
    the same bits at every replay, so the values it made while tracing are kept instead.

    Frozen are the implicit seed of backward (gradients.py's read-only ones, the very
    arrays) and the numbers that an op turned into tensors (the 0.5 of `0.5 * x`, whose
    version counter is the tuple operands.CONSTANT_VERSION: in-place ops refuse them).
    A tensor the caller made, even `tg.tensor(0.5)`, stays a live input: changed in
    place between calls, it is read anew. Only the primitives of ops.py are folded:
    their forward is a function of its inputs and options, and their backward reads,
    besides its arguments, only shapes and options (Max's argmax indices come from its
    input x, which its backward reads). A custom op may keep data from forward for
    backward, or draw random numbers: it is replayed. Nor is a value that a custom op
    reads, or a view of, folded: eager hands it a fresh array at each step, which it may
    change in place (a backward's `g *= 2`), and the trace's array may be changed already.
    """
    seeds = [id(seed) for seed in gradients._ONES.values()]
    static = {name for name, value in recorder.constants.items() if id(value) in seeds}
    static.update(name for name, t in recorder.constant_tensors.items()
                  if t._version_counter is CONSTANT_VERSION)
    returned = result if isinstance(result, tuple) else (result,)
    returned = {recorder.names.get(id(t._data)) for t in returned if isinstance(t, autograd.Tensor)}
    # arrays of the step passed as options (`C[ix]`'s index) are read by forward and backward
    in_options = {kernel[1]: _named_arrays(kernel[3], recorder) for kernel in recorder.kernels
                  if kernel[0] == "forward"}
    primitive = lambda fn: fn is None or type(fn).__module__ == __package__ + ".ops"  # noqa: E731
    custom_reads = []  # the arrays that ops outside ops.py read (a view of a value counts)
    for kernel in recorder.kernels:
        if kernel[0] == "forward" and not primitive(kernel[1]):
            custom_reads += [_value(n, recorder) for n in kernel[2] + in_options[kernel[1]]]
        elif kernel[0] == "backward" and not primitive(kernel[1]):
            custom_reads += [_value(n, recorder) for n in [kernel[2]] + kernel[3]]
    folded_kernels, folded = set(), {}
    for k, kernel in enumerate(recorder.kernels):
        if kernel[0] == "forward":
            fn, reads, made = kernel[1], kernel[2] + in_options[kernel[1]], [kernel[4]]
        elif kernel[0] == "backward":
            fn, grad, saved, outputs = kernel[1:5]
            reads = [grad] + ([saved[j] for j in fn.inputs_read()] if fn.saves_inputs else [])
            reads += ([saved[-1]] if fn.saves_output else []) + in_options.get(fn, [])
            made = [o[0] for o in outputs if o]
        elif kernel[0] == "sum":
            fn, reads, made = None, kernel[2], [kernel[1]]
        else:  # accumulation into .grad, an optimizer's step: effects, replayed
            continue
        if primitive(fn) and all(r in static for r in reads) and returned.isdisjoint(made) \
                and not any(np.may_share_memory(recorder.values[m], a) for m in made for a in custom_reads):
            static.update(made)
            folded.update(dict.fromkeys(made))
            folded_kernels.add(k)
    return folded_kernels, folded


def _named_arrays(value, recorder) -> list:
    """The names of the recorded arrays inside an op's option (a tuple index, ...)."""
    if isinstance(value, np.ndarray):
        return [recorder.names[id(value)]] if id(value) in recorder.names else []
    if isinstance(value, (tuple, list, dict)):
        items = value.values() if isinstance(value, dict) else value
        return [name for item in items for name in _named_arrays(item, recorder)]
    return []


def _renamed(kernel, names: dict):
    """`kernel` with the names in `names` replaced."""
    if not names:
        return kernel
    new = lambda name: names.get(name, name)  # noqa: E731
    kind = kernel[0]
    if kind == "forward":
        _, fn, args, options, out, zero_d = kernel
        return kind, fn, [new(a) for a in args], options, new(out), zero_d
    if kind == "backward":
        _, fn, grad, saved, outputs, as_tuple = kernel
        outputs = [o and (new(o[0]),) + tuple(o[1:]) for o in outputs]
        return kind, fn, new(grad), [new(s) for s in saved], outputs, as_tuple
    if kind == "sum":
        return kind, new(kernel[1]), [new(p) for p in kernel[2]]
    if kind == "accumulate":
        return kernel[:2] + (new(kernel[2]),) + kernel[3:]
    return kernel


def _adoptable(recorder, inputs, result) -> set:
    """The accumulations whose gradient can become `.grad` as is, without the copy eager
    backward makes: a value the step made (not an input's or a captured array), in the
    leaf's dtype, shape and C layout, whose memory no other accumulation, input, captured
    array or returned value shares. (AddBackward hands one array to both inputs, for
    instance: those two leaves must not share a `.grad`.) What shares memory at trace time
    shares it at every replay: the same kernels run on the same shapes."""
    accumulations = {k: kernel for k, kernel in enumerate(recorder.kernels) if kernel[0] == "accumulate"}
    outside = [t._data for t in inputs] + [c for c in recorder.constants.values()
                                           if isinstance(c, np.ndarray)]
    returned = result if isinstance(result, tuple) else (result,)
    outside += [t._data for t in returned if isinstance(t, autograd.Tensor)]
    adoptable = set()
    for k, (_, tensor, name, grad) in accumulations.items():
        others = outside + [kernel[3] for j, kernel in accumulations.items() if j != k]
        if name[0] in "vg" and type(grad) is np.ndarray and grad.flags.c_contiguous \
                and grad.dtype == tensor._data.dtype and grad.shape == tensor._data.shape \
                and not any(np.may_share_memory(grad, other) for other in others):
            adoptable.add(k)
    return adoptable


def _adopt(t, total, buffer):
    """`_accumulate` for a gradient nothing else holds: it becomes `.grad`'s array."""
    if t._grad is None:
        buffer._data = total
        t._grad = buffer
    else:
        t._grad._data += total


def _accumulate_input(t, total):
    """A gradient for a tensor the step was given: into `.grad` as eager backward adds it
    (a new array the first time), since each call may pass another tensor."""
    gradients._accumulate(t, total, False)


def _accumulate(t, total, buffer):
    """A leaf's gradient added into `.grad` as gradients.py does, into a reused buffer."""
    if t._grad is None:
        np.copyto(buffer._data, total)
        t._grad = buffer
    else:
        t._grad._data += total


def _returns(result, recorder):
    """The replay function's return expression, and the Tensors the replay returns."""
    if result is None:
        return "None", None
    items = result if isinstance(result, tuple) else (result,)
    names = []
    for item in items:
        if not isinstance(item, autograd.Tensor) or id(item._data) not in recorder.names:
            raise TracingError(f"tg.jit: a traced step must return None, a Tensor made in the "
                               f"step or a tuple of them; got {type(item).__name__}")
        names.append(recorder.names[id(item._data)])
    if isinstance(result, tuple):
        copies = tuple(autograd.Tensor._make(t._data) for t in result)
        return "(" + ", ".join(names) + ",)", copies
    return names[0], autograd.Tensor._make(result._data)
