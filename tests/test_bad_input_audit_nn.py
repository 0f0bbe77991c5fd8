"""Bad-input audit of nn's public API, driven by hypothesis (SPEC §3 and §8): layers,
losses, containers, state dicts, optimizers, init and save/load, given wrong
shapes, dtypes, reductions, targets, indices, keys, hyperparameters, paths and
arguments of the wrong type altogether.

Same contract as test_bad_input_audit.py (see bad_input.py): the right answer,
checked against a NumPy reference, or a documented exception naming the function.
Where PyTorch's exact text is copied (PYTORCH_SEMANTICS rows 24-30: "Target 3 is
out of bounds.", "all elements of input should be between 0 and 1", ...), that
text counts as naming the function.
"""
from __future__ import annotations

import math
import os
from collections import OrderedDict

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
import tinygrad_edu as tg
from bad_input import (AUDIT, SMALL_AUDIT, SUPPORTED_DTYPES, assert_tensor_close, attempt,
                       expect_error, ieee_arithmetic, junk, nonempty_shapes, reference, shapes,
                       supported_dtypes)

REDUCTIONS = ["mean", "sum", "none"]
reductions = st.one_of(st.sampled_from(REDUCTIONS), st.sampled_from(["avg", "", None, 1, "MEAN"]))
float_dtypes = st.sampled_from([np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)])


def moderate_floats(dtype, low=-1e4, high=1e4):
    """|x| ≤ 1e4 (100 in float16, whose sums would overflow), plus nan and ±inf."""
    if dtype.itemsize == 2:
        low, high = max(low, -100.0), min(high, 100.0)
    return (st.floats(low, high, width=dtype.itemsize * 8)
            | st.sampled_from([math.nan, math.inf, -math.inf]))


def reduce(values, reduction):
    if reduction == "none":
        return values
    with ieee_arithmetic():  # inf + -inf is nan; the mean of nothing is nan
        total = values.sum()
        return total if reduction == "sum" else total / values.size


def close_in(dtype, result, expected, scale=1.0):
    eps = float(np.finfo(dtype).eps)
    with ieee_arithmetic():
        expected = np.asarray(expected, dtype=np.float64).astype(dtype)
    assert_tensor_close(result, expected, dtype, rtol=32 * eps, atol=32 * eps * scale)


# ---------------------------------------------------------------------------------
# Linear


@AUDIT
@given(in_features=st.one_of(st.integers(-1, 3), junk, st.just(2.0)),
       out_features=st.integers(0, 3),
       x=st.one_of(supported_dtypes.flatmap(lambda d: hnp.arrays(d, shapes)), junk))
def test_linear(in_features, out_features, x):
    layer, error = attempt(lambda: nn.Linear(in_features, out_features), ["Linear"])
    valid = isinstance(in_features, int) and not isinstance(in_features, bool) and in_features >= 0
    assert (error is None) == valid, (in_features, error)
    if error is not None:
        return
    inputs = tg.from_numpy(x) if isinstance(x, np.ndarray) else x
    result, error = attempt(lambda: layer(inputs), ["linear", "Linear", "mat1"])
    fits = (isinstance(inputs, tg.Tensor) and inputs.dtype == np.float32 and inputs.ndim >= 1
            and inputs.shape[-1] == in_features)
    assert (error is None) == fits, (x, error)
    if fits:
        w, b = layer.weight.numpy(force=True).astype(np.float64), layer.bias.numpy(force=True).astype(np.float64)
        with ieee_arithmetic():
            expected = x.astype(np.float64) @ w.T + b
        assert result.shape == expected.shape
        # the same products, summed in another order: equal where finite
        finite = np.isfinite(expected)
        np.testing.assert_allclose(result.numpy(force=True)[finite], expected[finite], rtol=1e-5, atol=1e-3)


# ---------------------------------------------------------------------------------
# losses

LOSS_NAMES = {
    "MSELoss": ["mse_loss", "reduction"],
    "BCELoss": ["binary_cross_entropy", "reduction", "Found dtype",
                "all elements of input should be between 0 and 1"],
    "BCEWithLogitsLoss": ["binary_cross_entropy_with_logits", "reduction", "Found dtype"],
    "L1Loss": ["l1_loss", "reduction"],
    "SmoothL1Loss": ["smooth_l1_loss", "reduction"],
    "HuberLoss": ["huber_loss", "reduction"],
}
# losses whose target is any number (cast to the input's dtype), not a probability
REGRESSION_LOSSES = {"MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"}


def regression_reference(loss, x, y):
    """The loss per element and a bound on its size (for the tolerance)."""
    d = np.abs(x - y)
    largest = 1.0 + 2 * np.abs(x[np.isfinite(x)]).max(initial=0)
    if loss == "MSELoss":
        return d ** 2, largest ** 2
    if loss == "L1Loss":
        return d, largest
    # SmoothL1Loss and HuberLoss with their default beta = delta = 1
    return np.where(d < 1.0, 0.5 * d ** 2, d - 0.5), largest


@st.composite
def loss_inputs(draw):
    dtype = draw(float_dtypes)
    shape = draw(shapes)
    x = draw(hnp.arrays(dtype, shape, elements=moderate_floats(dtype)))
    kind = draw(st.sampled_from(["same", "same", "same", "other shape", "int", "junk", "int input"]))
    if kind == "junk":
        return x, draw(junk)
    target_shape = shape if kind != "other shape" else draw(shapes)
    target_dtype = draw(supported_dtypes) if kind == "int" else dtype
    target = draw(hnp.arrays(target_dtype, target_shape, elements=(
        moderate_floats(dtype, -2, 2) if target_dtype.kind == "f" else None)))
    if kind == "int input":
        x = x.astype(np.int64, copy=False) if np.isfinite(x).all() else np.zeros(shape, np.int64)
    return x, target


def bce_reference(x, y):
    with ieee_arithmetic():
        log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log(1 - x), -100)
        return -(y * log_x + (1 - y) * log_1mx)


def logits_reference(x, y):
    with ieee_arithmetic():
        return np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))


@AUDIT
@given(loss=st.sampled_from(sorted(LOSS_NAMES)), reduction=reductions, pair=loss_inputs(),
       squash=st.booleans())
def test_elementwise_losses(loss, reduction, pair, squash):
    x, target = pair
    names = LOSS_NAMES[loss]
    module, error = attempt(lambda: getattr(nn, loss)(reduction=reduction), names)
    assert (error is None) == (reduction in REDUCTIONS), (reduction, error)
    if error is not None:
        assert isinstance(error, ValueError)
        return
    if loss == "BCELoss" and squash and x.dtype.kind == "f":
        with ieee_arithmetic():
            x = (np.abs(x) / (1 + np.abs(x))).astype(x.dtype)  # mostly in [0, 1]; nan stays
    inputs = tg.tensor(x)
    targets = tg.from_numpy(target) if isinstance(target, np.ndarray) else target
    result, error = attempt(lambda: module(inputs, targets), names)

    if not isinstance(targets, tg.Tensor) or inputs.dtype.kind != "f":
        assert error is not None, f"{loss} accepted {type(target).__name__} / {inputs.dtype}"
        return
    if targets.shape != inputs.shape:  # never broadcast the target against the input
        assert isinstance(error, ValueError), error
        assert str(inputs.shape) in str(error) and str(targets.shape) in str(error), error
        return
    if loss not in REGRESSION_LOSSES and targets.dtype.kind != "f":  # targets are probabilities
        assert isinstance(error, RuntimeError) and "Found dtype" in str(error), error
        return
    if loss == "BCELoss" and not ((x >= 0) & (x <= 1)).all():  # nan too, as PyTorch
        assert isinstance(error, RuntimeError), error
        return
    assert error is None, error
    with ieee_arithmetic():  # an int64 target is inf in float16; inf - inf is nan
        x64, y64 = x.astype(np.float64), target.astype(x.dtype).astype(np.float64)
        largest = np.abs(x64[np.isfinite(x64)]).max(initial=0)
        if loss in REGRESSION_LOSSES:
            values, scale = regression_reference(loss, x64, y64)
        elif loss == "BCELoss":
            values, scale = bce_reference(x64, y64), 100.0
        else:
            values, scale = logits_reference(x64, y64), 1.0 + 3 * largest
        expected = reduce(values, reduction)
    close_in(x.dtype, result, expected, scale * (1 if reduction == "none" else max(x.size, 1)))


@st.composite
def cross_entropy_inputs(draw):
    dtype = draw(float_dtypes)
    shape = draw(st.sampled_from([(3,), (2, 3), (4, 2), (2, 3, 2), (0, 3), (2, 0), (0,), ()]))
    x = draw(hnp.arrays(dtype, shape, elements=moderate_floats(dtype)))
    class_dim = 0 if len(shape) == 1 else 1
    kind = draw(st.sampled_from(["index", "index", "index", "probabilities", "float index",
                                 "wrong shape", "junk", "bool"]))
    without_class = shape[:class_dim] + shape[class_dim + 1:] if shape else ()
    classes = shape[class_dim] if shape else 0
    if kind == "index":  # mostly valid classes, some ignored (-100) or out of bounds
        index_dtype = np.dtype(draw(st.sampled_from([np.int64, np.int32, np.uint8])))
        odd = [-100, -1, classes] if index_dtype.kind == "i" else [classes, 255]
        values = st.one_of(st.integers(0, max(classes - 1, 0)), st.sampled_from(odd))
        target = draw(hnp.arrays(index_dtype, without_class, elements=values))
    elif kind == "probabilities":
        target = draw(hnp.arrays(dtype, shape, elements=st.floats(0, 1, width=dtype.itemsize * 8)))
    elif kind == "float index":
        target = np.zeros(without_class, dtype=dtype)
    elif kind == "wrong shape":
        target = np.zeros(draw(shapes), dtype=np.int64)
    elif kind == "bool":
        target = np.zeros(without_class, dtype=bool)
    else:
        target = draw(junk)
    return x, target


def log_softmax_reference(x, axis):
    with ieee_arithmetic():
        top = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
        shift = np.where(np.isfinite(top), top, 0)
        return (x - shift) - np.log(np.exp(x - shift).sum(axis=axis, keepdims=True))


def cross_entropy_reference(x, target, reduction):
    """PyTorch's cross-entropy in float64; index targets ignore -100 and 'mean' divides by
    the number of targets kept."""
    class_dim = 0 if x.ndim == 1 else 1
    log_p = log_softmax_reference(x, class_dim)
    if target.dtype.kind == "f":
        with ieee_arithmetic():  # log p = -inf against probability 0 is nan, as in PyTorch
            losses = -(log_p * target).sum(axis=class_dim)
        return reduce(losses, reduction)
    kept = target != -100
    if x.shape[class_dim] == 0:  # no classes: every target is ignored
        picked = np.zeros(target.shape)
    else:
        picked = np.take_along_axis(log_p, np.expand_dims(np.where(kept, target, 0), class_dim)
                                    .astype(np.int64), class_dim).squeeze(class_dim)
    losses = np.where(kept, -picked, 0.0)
    if reduction == "mean":
        with ieee_arithmetic():  # all ignored: 0 / 0 is nan, as in PyTorch
            return losses.sum() / kept.sum()
    return reduce(losses, reduction)


@AUDIT
@given(pair=cross_entropy_inputs(), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy(pair, reduction):
    x, target = pair
    targets = tg.from_numpy(target) if isinstance(target, np.ndarray) else target
    names = ["cross_entropy", "Target", "expected target dtype to be Long or Byte"]
    result, error = attempt(lambda: nn.CrossEntropyLoss(reduction=reduction)(tg.tensor(x), targets),
                            names)
    if x.ndim == 0 or not isinstance(targets, tg.Tensor):
        assert error is not None, result
        return
    class_dim = 0 if x.ndim == 1 else 1
    if target.dtype.kind == "f" and target.shape == x.shape:
        assert error is None, error
    elif target.dtype.kind not in "iu":
        assert isinstance(error, (RuntimeError, ValueError)), error
        return
    elif target.shape != x.shape[:class_dim] + x.shape[class_dim + 1:]:
        assert isinstance(error, ValueError) and str(target.shape) in str(error), error
        return
    elif ((target != -100) & ((target < 0) | (target >= x.shape[class_dim]))).any():
        assert isinstance(error, IndexError) and "out of bounds" in str(error), error
        return
    else:
        assert error is None, error
    expected = cross_entropy_reference(x.astype(np.float64), target, reduction)
    close_in(x.dtype, result, expected, 1e4 * max(x.size, 1))


@SMALL_AUDIT
@given(weight=st.one_of(st.none(), junk, hnp.arrays(np.float64, shapes).map(tg.from_numpy),
                        hnp.arrays(np.float32, shapes)),
       which=st.sampled_from(["bce", "logits", "pos_weight", "cross_entropy"]))
def test_loss_weights(weight, which):
    x = tg.tensor(np.full((2, 3), 0.25, dtype=np.float32))
    y = tg.tensor(np.array([[0.0, 1.0, 0.5]] * 2, dtype=np.float32))
    F = nn.functional
    call = {"bce": lambda: F.binary_cross_entropy(x, y, weight=weight, reduction="none"),
            "logits": lambda: F.binary_cross_entropy_with_logits(x, y, weight=weight,
                                                                 reduction="none"),
            "pos_weight": lambda: F.binary_cross_entropy_with_logits(x, y, pos_weight=weight,
                                                                     reduction="none"),
            "cross_entropy": lambda: F.cross_entropy(x, tg.tensor([0, 2]), weight=weight,
                                                     reduction="none")}[which]
    names = ["binary_cross_entropy", "cross_entropy", "weight tensor should be defined"]
    result, error = attempt(call, names)
    if weight is None:
        assert error is None and result.dtype == np.float32
        return
    data = weight.numpy(force=True) if isinstance(weight, tg.Tensor) else weight
    if not isinstance(data, np.ndarray):
        assert error is not None, f"{which} accepted a weight of type {type(weight).__name__}"
        return
    if which == "cross_entropy":
        fits = data.shape == (3,)
    else:
        broadcast, _ = reference(lambda: np.broadcast_shapes(data.shape, (2, 3)))
        fits = broadcast == (2, 3)
    assert (error is None) == fits, (which, data.shape, error)
    if fits:
        assert result.dtype == np.float32, "a float64 weight must not change the loss's dtype"
        unweighted = {"bce": bce_reference, "logits": logits_reference}.get(which)
        if unweighted is not None:
            with ieee_arithmetic():  # a weight of 1e308 makes the loss inf
                expected = unweighted(x.numpy(force=True).astype(float), y.numpy(force=True).astype(float)) * data
            close_in(np.dtype(np.float32), result, expected, 10.0)


# each activation module and the function of nn.functional it calls, which checks the input
# and names itself in the error (as PyTorch's nn.ReLU reports relu's error)
ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "LeakyReLU": "leaky_relu",
               "Softmax": "softmax", "LogSoftmax": "log_softmax", "GELU": "gelu", "SiLU": "silu",
               "Softplus": "softplus", "Identity": None}


@SMALL_AUDIT
@given(module=st.sampled_from(sorted(ACTIVATIONS)),
       value=st.one_of(junk, hnp.arrays(np.float32, shapes),
                       hnp.arrays(np.float32, nonempty_shapes).map(tg.from_numpy)))
def test_activation_modules(module, value):
    layer = getattr(nn, module)(dim=-1) if "Softmax" in module else getattr(nn, module)()
    function = ACTIVATIONS[module]
    result, error = attempt(lambda: layer(value), [str(function)])
    if module == "Identity":
        assert result is value
    elif isinstance(value, tg.Tensor):
        assert error is None and result.shape == value.shape, error
    else:
        assert isinstance(error, TypeError), (module, value, error)
        assert str(error) == f"{function}: input must be a Tensor, got {type(value).__name__}"


# ---------------------------------------------------------------------------------
# Sequential


@AUDIT
@given(count=st.integers(0, 3),
       index=st.one_of(st.integers(-5, 5), st.booleans(), junk, st.just(np.int64(1)),
                       st.builds(slice, st.one_of(st.none(), st.integers(-4, 4)),
                                 st.one_of(st.none(), st.integers(-4, 4)),
                                 st.sampled_from([None, 1, 2, -1]))),
       replacement=st.one_of(st.just(nn.Tanh()), junk))
def test_sequential_indexing(count, index, replacement):
    modules = [nn.ReLU(), nn.Sigmoid(), nn.Identity()][:count]
    model = nn.Sequential(*modules)
    names = ["Sequential", "index", "Module"]
    result, error = attempt(lambda: model[index], names)
    expected, failure = reference(lambda: modules[index])
    assert (error is None) == (failure is None), (index, error, failure)
    if error is None:
        if isinstance(index, slice):
            assert isinstance(result, nn.Sequential) and list(result) == expected
        else:
            assert result is expected
    _, error = attempt(lambda: model.__setitem__(index, replacement), names + ["child module"])
    if failure is not None or isinstance(index, slice) or not isinstance(replacement, nn.Module):
        if replacement is None and failure is None and not isinstance(index, slice):
            return  # a None child is allowed, as in PyTorch
        assert error is not None, (index, replacement)
    else:
        assert error is None and model[index] is replacement, error


# ---------------------------------------------------------------------------------
# load_state_dict


def tiny_model():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


SHAPES = {"0.weight": (3, 2), "0.bias": (3,), "2.weight": (1, 3), "2.bias": (1,)}


@st.composite
def state_dicts(draw):
    """The model's own keys, some dropped, some with wrong shapes, dtypes or values, plus
    extra keys (some not strings)."""
    state = OrderedDict()
    for key, shape in SHAPES.items():
        kind = draw(st.sampled_from(["good", "good", "good", "missing", "shape", "dtype", "junk",
                                     "array"]))
        if kind == "missing":
            continue
        if kind == "junk":
            state[key] = draw(junk)
            continue
        if kind == "shape":
            shape = draw(shapes.filter(lambda s, shape=shape: s != shape))
        dtype = draw(supported_dtypes) if kind == "dtype" else np.dtype(np.float32)
        array = draw(hnp.arrays(dtype, shape))
        state[key] = array if kind == "array" else tg.from_numpy(array)
    for extra in draw(st.lists(st.sampled_from(["extra", "0.nope", "1.weight", 7, ("a",)]),
                               max_size=2, unique=True)):
        state[extra] = tg.zeros(1)
    return state


@AUDIT
@given(state=st.one_of(state_dicts(), junk), strict=st.booleans())
def test_load_state_dict(state, strict):
    model = tiny_model()
    result, error = attempt(lambda: model.load_state_dict(state, strict=strict),
                            ["state_dict", "Expected state_dict"])
    if not isinstance(state, dict):
        assert isinstance(error, TypeError), error
        return
    missing = [k for k in SHAPES if k not in state]
    unexpected = [k for k in state if k not in SHAPES]
    wrong = [k for k in SHAPES if k in state and (not isinstance(state[k], tg.Tensor)
                                                  or state[k].shape != SHAPES[k])]
    if wrong or (strict and (missing or unexpected)):
        assert isinstance(error, RuntimeError), error
        for key in wrong + (missing + unexpected if strict else []):
            assert f'"{key}"' in str(error) or f"{key}:" in str(error), (key, error)
        return
    assert error is None, error
    # listed module by module, as PyTorch does, so compare them as sets
    assert sorted(map(str, result.missing_keys)) == sorted(map(str, missing))
    assert sorted(map(str, result.unexpected_keys)) == sorted(map(str, unexpected))
    loaded = model.state_dict()
    for key in SHAPES:
        if key in state:
            with ieee_arithmetic():  # a float64 1e300 is inf in float32
                expected = state[key].numpy(force=True).astype(np.float32)
            np.testing.assert_array_equal(loaded[key].numpy(force=True), expected)
        assert loaded[key].dtype == np.float32


# ---------------------------------------------------------------------------------
# optimizers

numbers = st.one_of(st.floats(-1, 1), st.sampled_from([0, 0.1, math.nan, math.inf]))
hyperparameters = st.one_of(numbers, junk)


@st.composite
def parameter_lists(draw):
    parameters = [nn.Parameter(tg.tensor(draw(hnp.arrays(np.float64, (2,), elements=st.floats(
        -10, 10))))) for _ in range(draw(st.integers(1, 2)))]
    kind = draw(st.sampled_from(["list", "list", "list", "empty", "junk", "duplicate", "groups",
                                 "non-leaf", "tensor"]))
    if kind == "list":
        return parameters, parameters
    if kind == "empty":
        return [], None
    if kind == "junk":
        return draw(st.one_of(junk, st.just([parameters[0], None]))), None
    if kind == "duplicate":
        return [parameters[0], parameters[0]], None
    if kind == "non-leaf":
        return [parameters[0] * 2], None
    if kind == "tensor":
        return parameters[0], None
    return [{"params": parameters}], parameters


@AUDIT
@given(params=parameter_lists(), optimizer=st.sampled_from(["SGD", "Adam"]), lr=hyperparameters,
       momentum=hyperparameters, weight_decay=hyperparameters, nesterov=st.booleans(),
       betas=st.one_of(st.tuples(numbers, numbers), junk, st.just((0.9,))), grads=st.booleans())
def test_optimizers(params, optimizer, lr, momentum, weight_decay, nesterov, betas, grads):
    given_params, usable = params
    options = dict(lr=lr, weight_decay=weight_decay)
    if optimizer == "SGD":
        options.update(momentum=momentum, nesterov=nesterov)
    else:
        options.update(betas=betas)
    names = ["Invalid", "optimizer", "params", "parameter", "Nesterov", "betas", "non-leaf"]
    opt, error = attempt(lambda: getattr(nn, optimizer)(given_params, **options), names)

    def number(v, low=0.0, high=math.inf, closed_high=True):
        return (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                and low <= v and (v <= high if closed_high else v < high))
    valid = usable is not None and number(lr) and number(weight_decay)
    if optimizer == "SGD":
        valid = valid and number(momentum) and (not nesterov or momentum > 0)
    else:
        valid = valid and isinstance(betas, tuple) and len(betas) == 2 and all(
            number(b, 0.0, 1.0, closed_high=False) for b in betas)
    assert (error is None) == valid, (options, given_params, error)
    if not valid:
        return
    rng = np.random.default_rng(0)
    before = [p.numpy(force=True).copy() for p in usable]
    gradients = [rng.normal(size=2) if grads else None for _ in usable]
    for p, g in zip(usable, gradients):
        p.grad = None if g is None else tg.tensor(g)
    opt.step()
    for p, old, g in zip(usable, before, gradients):
        if g is None:
            np.testing.assert_array_equal(p.numpy(force=True), old)  # no gradient, no update
            continue
        g = g + weight_decay * old
        if optimizer == "SGD":  # first step: the momentum buffer is g itself
            update = g * (1 + momentum) if nesterov else g
        else:  # first step: m̂ = g, √v̂ = |g|
            update = g / (np.abs(g) + 1e-8)
        np.testing.assert_allclose(p.numpy(force=True), old - lr * update, rtol=1e-12, atol=1e-12)


def test_optimizer_misuse_names_the_function():
    p = nn.Parameter(tg.zeros(2))
    opt = nn.SGD([p], lr=0.1)
    expect_error(lambda: opt.step(closure=3), ["step"], TypeError)
    expect_error(lambda: opt.load_state_dict(None), ["load_state_dict"], TypeError)
    expect_error(lambda: opt.load_state_dict({}), ["load_state_dict"], KeyError)
    expect_error(lambda: opt.add_param_group({}), ["add_param_group"], KeyError)
    expect_error(lambda: opt.add_param_group({"params": [nn.Parameter(tg.zeros(1))], "lr": "a"}),
                 ["Invalid learning rate"], TypeError)


# ---------------------------------------------------------------------------------
# nn.init


@SMALL_AUDIT
@given(function=st.sampled_from(["uniform_", "normal_", "constant_", "zeros_", "ones_",
                                 "xavier_uniform_", "kaiming_uniform_", "kaiming_normal_"]),
       tensor=st.one_of(st.just("tensor"), junk), argument=st.one_of(numbers, junk))
def test_init(function, tensor, argument):
    target = tg.zeros(3, 4) if tensor == "tensor" else tensor
    call = {"uniform_": lambda: nn.init.uniform_(target, -1.0, argument),
            "normal_": lambda: nn.init.normal_(target, 0.0, argument),
            "constant_": lambda: nn.init.constant_(target, argument),
            "zeros_": lambda: nn.init.zeros_(target),
            "ones_": lambda: nn.init.ones_(target),
            "xavier_uniform_": lambda: nn.init.xavier_uniform_(target, gain=1.0),
            "kaiming_uniform_": lambda: nn.init.kaiming_uniform_(target, mode=argument),
            "kaiming_normal_": lambda: nn.init.kaiming_normal_(target, nonlinearity=argument)}
    result, error = attempt(call[function], ["nn.init", "Mode", "nonlinearity", "negative_slope"])
    if tensor != "tensor":
        assert isinstance(error, TypeError), error
        return
    needs = {"uniform_": lambda a: isinstance(a, (int, float)) and math.isfinite(a) and a >= -1.0,
             "normal_": lambda a: isinstance(a, (int, float)) and math.isfinite(a) and a >= 0,
             "constant_": lambda a: isinstance(a, (int, float)),
             "kaiming_uniform_": lambda a: False, "kaiming_normal_": lambda a: False}
    valid = needs.get(function, lambda a: True)(argument) and not isinstance(argument, bool)
    if function == "constant_" and isinstance(argument, bool):
        valid = True  # a bool is a number
    assert (error is None) == valid, (function, argument, error)
    if valid:
        assert result is target
        if function == "constant_":
            with ieee_arithmetic():  # 1e300 is inf in float32
                expected = np.float32(argument)
            np.testing.assert_array_equal(target.numpy(force=True), expected)
        elif function == "uniform_":
            assert ((target.numpy(force=True) >= -1.0) & (target.numpy(force=True) <= max(argument, -1.0) + 1e-6)).all()


# ---------------------------------------------------------------------------------
# nn.save / nn.load


@SMALL_AUDIT
@given(path=st.sampled_from(["good", "directory", "missing folder", "empty", None, 3, b"x.npz"]),
       state=st.one_of(st.just("model"), junk, st.just({"a": [1.0]}), st.just({1: tg.zeros(1)}),
                       st.just({"a": np.array(["x"])})))
def test_save(tmp_path_factory, path, state):
    folder = tmp_path_factory.mktemp("save")
    target = {"good": folder / "model.npz", "directory": folder,
              "missing folder": folder / "nope" / "model.npz", "empty": ""}.get(path, path)
    if target == b"x.npz":
        target = os.fsencode(folder / "bytes.npz")
    state_dict = tiny_model().state_dict() if state == "model" else state
    _, error = attempt(lambda: nn.save(state_dict, target), ["nn.save"], also=(OSError,))
    valid = (state == "model" or state == {}) and path in ("good", b"x.npz")
    assert (error is None) == valid, (path, state, error)
    if valid:
        loaded = nn.load(target)
        assert list(loaded) == list(state_dict)
        for key in loaded:
            np.testing.assert_array_equal(loaded[key].numpy(force=True), state_dict[key].numpy(force=True))
    assert not [p for p in folder.rglob("*.tmp")], "a temporary file was left behind"


@SMALL_AUDIT
@given(content=st.one_of(st.binary(max_size=64), st.sampled_from(["npz", "npy", "pickle", "text",
                                                                   "truncated", "complex"])),
       path=st.sampled_from(["file", "missing", "directory", None, 3.5]))
def test_load(tmp_path_factory, content, path):
    folder = tmp_path_factory.mktemp("load")
    file = folder / "checkpoint.npz"
    if content == "npz":
        np.savez(file, a=np.zeros(2))  # a foreign archive
    elif content == "npy":
        np.save(file, np.zeros(2))
    elif content == "pickle":
        np.savez(file, a=np.array([{}], dtype=object))
    elif content == "text":
        file.write_text("not a checkpoint")
    elif content in ("truncated", "complex"):
        nn.save({"w": tg.zeros(50)}, file)
        if content == "truncated":
            file.write_bytes(file.read_bytes()[:200])
        else:
            np.savez(file, w=np.ones(2, dtype=complex), **{
                "__tinygrad_edu_format__": np.array("tinygrad_edu.nn state_dict v1"),
                "__tinygrad_edu_keys__": np.array(["w"])})
    else:
        file.write_bytes(content)
    target = {"file": file, "missing": folder / "nope.npz", "directory": folder}.get(path, path)
    result, error = attempt(lambda: nn.load(target), ["nn.load"], also=(OSError,))
    # nothing here is a checkpoint nn.save wrote in one piece
    assert error is not None, f"nn.load accepted {content!r}: {result}"
    if path in ("file", "missing", "directory"):
        assert str(target) in str(error), error
