"""The functional API: what every nn layer and loss computes, as plain functions.

    import nn.functional as F
    loss = F.binary_cross_entropy(model(x).sigmoid(), y)

Everything here is composed from tinygrad_edu ops (so autograd needs no new
code) except two custom `tg.Function`s, each with its forward and backward side
by side:

* `Linear` — y = x·Wᵀ + b as one graph node (PyTorch's AddmmBackward):
  a fully connected layer is the hot path of per-sample training, and one node
  costs a third of the three (transpose, matmul, add) it replaces;
* `BinaryCrossEntropy` — PyTorch's clamped loss and its 1e-12 gradient floor,
  which no composition of ops reproduces.

Losses never broadcast the target against the input: a prediction of shape
(N, 1) against a target of shape (N,) would broadcast to (N, N) and silently
average every prediction against every target. PyTorch only warns about this
for MSELoss; here every loss raises a ValueError naming both shapes.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import tinygrad_edu as tg

_REDUCTIONS = ("none", "mean", "sum")

# PyTorch's dtype names, used in the error texts copied from it
_TORCH_DTYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                      "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
                      "bool": "Bool"}


def _torch_name(dtype) -> str:
    return _TORCH_DTYPE_NAMES.get(str(dtype), str(dtype))


# ----------------------------------------------------------------------------
# helpers that work on NumPy arrays and on Tensors alike: a custom Function's
# backward receives arrays normally and Tensors under create_graph=True


def _clamp_min(v, low):
    return np.maximum(v, low) if isinstance(v, np.ndarray) else v.clamp(min=low)


def _log(v):
    with np.errstate(divide="ignore"):  # log(0) = -inf is clamped right after
        return np.log(v) if isinstance(v, np.ndarray) else v.log()


# ----------------------------------------------------------------------------
# argument checks shared by the losses


def expected_tensor_error(name: str, what: str, value) -> TypeError:
    return TypeError(f"{name}: {what} must be a Tensor, got {type(value).__name__}")


def _expect_tensor(name: str, what: str, value) -> None:
    if not isinstance(value, tg.Tensor):
        raise expected_tensor_error(name, what, value)


def _check_reduction(reduction) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_tensors(name: str, input, target) -> None:
    for what, value in (("input", input), ("target", target)):
        if not isinstance(value, tg.Tensor):
            raise TypeError(f"{name}: {what} must be a Tensor, got {type(value).__name__} "
                            f"(wrap it with tg.tensor(...))")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: input must be a floating-point tensor, got dtype {input.dtype}")


def _check_same_shape(name: str, input, target) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: target shape {target.shape} differs from input shape {input.shape}. "
            f"Losses here do not broadcast the target against the input (a (N, 1) prediction "
            f"against a (N,) target would compare every prediction with every target); "
            f"reshape one to match, e.g. target.reshape(input.shape)")


def _float_target(name: str, input, target):
    """Targets of a probability loss must be floating point; cast to the input's dtype."""
    if target.dtype.kind != "f":
        raise RuntimeError(f"Found dtype {_torch_name(target.dtype)} but expected "
                           f"{_torch_name(input.dtype)} ({name}: targets are probabilities; "
                           f"convert them with target.to(input.dtype))")
    return target if target.dtype == input.dtype else target.to(input.dtype)


def _element_weight(name: str, what: str, weight, shape: tuple, dtype):
    """`weight` / `pos_weight` of a binary loss as a Tensor of the input's dtype (a float64
    weight must not turn a float32 loss into float64) that broadcasts to the input's shape
    without changing it."""
    if weight is None:
        return None
    if isinstance(weight, (np.ndarray, np.generic, int, float)) and not isinstance(weight, bool):
        weight = tg.tensor(np.asarray(weight))
    if not isinstance(weight, tg.Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(weight).__name__}")
    try:
        fits = np.broadcast_shapes(weight.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {weight.shape} does not broadcast to the "
                         f"input's shape {shape}")
    return weight if weight.dtype == dtype else weight.to(dtype)


def _reduce(loss, reduction: str):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ----------------------------------------------------------------------------
# linear layer


class Linear(tg.Function):
    """linear(x, W, b): ∂x = G·W, ∂W = Gᵀ·x, ∂b = Σ G

    y = x·Wᵀ + b in one node (PyTorch records an AddmmBackward here); ∂b sums G
    over the batch.
    """

    saves_inputs = True

    def forward(self, x, weight, *bias):
        out = x @ weight.T
        if bias:
            out += bias[0]  # `out` is a fresh array: adding in place saves one allocation
        return out

    def backward(self, g, x, weight, *bias):
        needs = self.needs_input_grad
        out_features, in_features = weight.shape
        # flatten leading batch dimensions (none for a 1-D input): one matrix product
        g2 = g.reshape(-1, out_features)
        grad_x = g @ weight if needs[0] else None
        grad_w = g2.T @ x.reshape(-1, in_features) if needs[1] else None
        grad_b = (g2.sum(0) if needs[2] else None) if bias else None
        return (grad_x, grad_w, grad_b) if bias else (grad_x, grad_w)


def linear(input, weight, bias=None):
    """y = input·weightᵀ + bias. input (..., in) or (in,), weight (out, in), bias (out,)."""
    if not isinstance(input, tg.Tensor):
        raise TypeError(f"linear(): argument 'input' must be a Tensor, not {type(input).__name__}")
    _expect_tensor("linear", "weight", weight)
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{weight.shape}")
    if bias is not None:
        _expect_tensor("linear", "bias", bias)
        if bias.shape != (weight.shape[0],):
            raise RuntimeError(f"linear: bias of shape {bias.shape} does not fit weight of shape "
                               f"{weight.shape} (expected ({weight.shape[0]},))")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1]) if input.ndim else 1
        columns = input.shape[-1] if input.ndim else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{columns} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if input.dtype != weight.dtype:
        # a model holds floats: an int or bool input can only be converted
        model_hint = (f" or the model with model.to(tg.{input.dtype})"
                      if input.dtype.kind == "f" else "")
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {_torch_name(input.dtype)} and "
            f"{_torch_name(weight.dtype)} (linear: input is {input.dtype}, weight is "
            f"{weight.dtype}; convert the input with x.to(tg.{weight.dtype}){model_hint})")
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


# ----------------------------------------------------------------------------
# activations


def sigmoid(input):
    """σ(x) = 1 / (1 + e^−x), computed without overflow for any x."""
    _expect_tensor("sigmoid", "input", input)
    return input.sigmoid()


def tanh(input):
    _expect_tensor("tanh", "input", input)
    return input.tanh()


def relu(input):
    """max(x, 0); relu'(0) = 0."""
    _expect_tensor("relu", "input", input)
    return input.relu()


def leaky_relu(input, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope·x; derivative at 0 is negative_slope."""
    _expect_tensor("leaky_relu", "input", input)
    return input.leaky_relu(negative_slope)


def _softmax_dim(name: str, ndim: int, dim):
    """PyTorch's legacy choice when no dim is given (with its warning)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None):
    """e^x / Σ e^x along dim (shifted by the max, so it never overflows)."""
    _expect_tensor("softmax", "input", input)
    return input.softmax(_softmax_dim("softmax", input.ndim, dim))


def log_softmax(input, dim=None):
    """x − logsumexp(x) along dim."""
    _expect_tensor("log_softmax", "input", input)
    return input.log_softmax(_softmax_dim("log_softmax", input.ndim, dim))


# ----------------------------------------------------------------------------
# losses


def mse_loss(input, target, reduction: str = "mean"):
    """ℓ = (x − y)², then averaged over all elements ('mean'), summed ('sum') or
    kept ('none'). Gradient 2(x − y)/N for 'mean', N = number of elements.

    Unlike PyTorch (which only warns), a target whose shape differs from the
    input's raises ValueError instead of broadcasting.
    """
    _check_reduction(reduction)
    _check_tensors("mse_loss", input, target)
    _check_same_shape("mse_loss", input, target)
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    diff = input - target
    return _reduce(diff * diff, reduction)


# PyTorch's floor for x(1−x) in the BCE gradient is the float32 number nearest to
# 1e-12, also for float64 inputs: that is why its float64 gradient at x=0, y=1 is
# −1.000000004e12 rather than −1e12.
_BCE_GRADIENT_FLOOR = float(np.float32(1e-12))
_BCE_LOG_FLOOR = -100.0


class BinaryCrossEntropy(tg.Function):
    """binary_cross_entropy(x, y): ∂x = (x−y)/max(x(1−x), 1e-12), ∂y = ln(1−x) − ln x

    ℓ = −[y·max(log x, −100) + (1−y)·max(log(1−x), −100)], elementwise (logs
    clamped at −100, as in PyTorch; the gradient's 1e-12 floor is PyTorch's too).
    """

    saves_inputs = True

    def forward(self, x, y):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped to -100 like PyTorch
            log_x = np.maximum(np.log(x), _BCE_LOG_FLOOR)
            log_1mx = np.maximum(np.log1p(-x), _BCE_LOG_FLOOR)
        return -(y * log_x + (1 - y) * log_1mx)

    def backward(self, g, x, y):
        needs_x, needs_y = self.needs_input_grad
        grad_x = grad_y = None
        if needs_x:
            # not the derivative of the clamped loss (that would be 0 where it is
            # clamped): PyTorch's formula, steep but finite at x = 0 and x = 1
            grad_x = g * (x - y) / _clamp_min(x * (1 - x), _BCE_GRADIENT_FLOOR)
        if needs_y:
            log_x = _clamp_min(_log(x), _BCE_LOG_FLOOR)
            log_1mx = _clamp_min(_log(1 - x), _BCE_LOG_FLOOR)
            grad_y = g * (log_1mx - log_x)
        return grad_x, grad_y


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """ℓ = −w·[y·log x + (1−y)·log(1−x)], each log clamped at −100 (PyTorch's rule),
    so predictions of exactly 0 or 1 give a finite loss (100 when wrong).

    input: probabilities in [0, 1] (e.g. after a sigmoid); target: floats of the
    same shape; weight: optional, broadcast against the loss. The gradient is
    PyTorch's (x − y)/max(x(1−x), 1e-12).
    """
    _check_reduction(reduction)
    _check_tensors("binary_cross_entropy", input, target)
    _check_same_shape("binary_cross_entropy", input, target)
    target = _float_target("binary_cross_entropy", input, target)
    weight = _element_weight("binary_cross_entropy", "weight", weight, input.shape, input.dtype)
    data = input.data
    if not ((data >= 0) & (data <= 1)).all():  # NaN fails too, as in PyTorch
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None):
    """BCE on logits x (no sigmoid needed before), stable for any |x|:

        ℓ = max(x, 0) − x·y + log(1 + e^−|x|)          (= −[y log σ(x) + (1−y) log(1−σ(x))])

    With pos_weight p (weight of the positive class, broadcast along the last
    dimension): ℓ = (1−y)·x + (1 + (p−1)·y)·(log(1 + e^−|x|) + max(−x, 0)).
    dℓ/dx = σ(x) − y without pos_weight. `max` is tg.maximum, whose tie at x = 0
    splits the gradient evenly, which gives exactly σ(0) − y = 0.5 − y there.
    """
    _check_reduction(reduction)
    _check_tensors("binary_cross_entropy_with_logits", input, target)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    target = _float_target("binary_cross_entropy_with_logits", input, target)
    weight, pos_weight = (
        _element_weight("binary_cross_entropy_with_logits", what, value, input.shape, input.dtype)
        for what, value in (("weight", weight), ("pos_weight", pos_weight)))
    log1p_exp_neg_abs = ((-input.abs()).exp() + 1).log()  # e^−|x| ≤ 1: never overflows
    if pos_weight is None:
        loss = tg.maximum(input, 0) - input * target + log1p_exp_neg_abs
    else:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * (log1p_exp_neg_abs + tg.maximum(-input, 0))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_dim(name: str, input) -> int:
    if not isinstance(input, tg.Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{name}: input must be a floating-point tensor, got dtype {input.dtype}")
    return 0 if input.ndim == 1 else 1


def _class_weights(weight, n_classes: int, dtype):
    """The per-class weights as a constant array (ones when not given)."""
    if weight is None:
        return np.ones(n_classes, dtype=dtype)
    data = weight.data if isinstance(weight, tg.Tensor) else np.asarray(weight)
    if data.dtype.kind not in "biuf":  # NumPy would turn None into nan
        raise TypeError(f"cross_entropy: weight must hold numbers, got dtype {data.dtype}")
    if data.shape != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: {list(data.shape)}")
    return data.astype(dtype, copy=False)


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
             _name: str = "nll_loss"):
    """Negative log-likelihood of class indices: ℓ_i = −w[t_i]·input[i, t_i].

    input: log-probabilities, (C,), (N, C) or (N, C, d1, ...); target: integer
    class indices shaped like input without the class dimension. Targets equal to
    ignore_index contribute nothing. 'mean' divides by the sum of the weights of
    the targets that are not ignored (Σ w[t_i]), as PyTorch does.
    """
    _check_reduction(reduction)
    class_dim = _class_dim(_name, input)
    if not isinstance(target, tg.Tensor):
        raise TypeError(f"{_name}: target must be a Tensor, got {type(target).__name__}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{_name}: ignore_index must be an int, got {type(ignore_index).__name__}")
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_torch_name(target.dtype)}")
    n_classes = input.shape[class_dim]
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.shape != expected:
        raise ValueError(
            f"{_name}: target shape {target.shape} does not fit input shape {input.shape}: "
            f"class-index targets have the input's shape without the class dimension "
            f"(dim {class_dim}), here {expected}")
    targets = target.data.reshape(-1)
    kept = targets != ignore_index
    out_of_bounds = kept & ((targets < 0) | (targets >= n_classes))
    if out_of_bounds.any():  # checked before the cast to int64, which could wrap a uint64
        raise IndexError(f"Target {targets[out_of_bounds][0]} is out of bounds.")
    targets = targets.astype(np.int64)
    classes = np.where(kept, targets, 0)  # ignored rows pick class 0, then get weight 0
    if n_classes == 0:  # no class to pick: every target is ignored (others were refused above)
        weights = np.zeros(targets.shape, dtype=input.dtype)
    else:
        weights = _class_weights(weight, n_classes, input.dtype)[classes] * kept

    # rows of (samples, classes): move the class dimension last, then flatten the rest
    if input.ndim == 1:
        rows = input.reshape(1, n_classes)
    elif input.ndim == 2:
        rows = input
    else:
        order = (0,) + tuple(range(2, input.ndim)) + (1,)
        rows = input.permute(order).reshape(targets.size, n_classes)
    picked = rows[np.arange(rows.shape[0]), classes] if n_classes else rows.sum(1)
    losses = -picked * weights
    if not kept.all():  # an ignored row counts 0 even when its logits are nan or inf
        losses = tg.where(kept, losses, 0.0)
    if reduction == "none":
        return losses.reshape(target.shape)
    if reduction == "sum":
        return losses.sum()
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: 0/0 = nan, as PyTorch
        return losses.sum() / weights.sum()


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """Cross-entropy of logits: log_softmax over the class dimension, then

    * class-index targets (integers, shaped like input without the class
      dimension): ℓ_i = −w[t_i]·log_softmax(x_i)[t_i]; 'mean' divides by Σ w[t_i]
      over targets that are not ignore_index;
    * class-probability targets (floats, same shape as input):
      ℓ_i = −Σ_c w_c·y_ic·log_softmax(x_i)_c; 'mean' divides by the number of
      samples.

    input: (C,), (N, C) or (N, C, d1, ...). `weight` (C,) is a constant.
    """
    _check_reduction(reduction)
    class_dim = _class_dim("cross_entropy", input)
    if not isinstance(target, tg.Tensor):
        raise TypeError(f"cross_entropy: target must be a Tensor, got {type(target).__name__}")
    if target.dtype.kind == "f" and target.ndim == input.ndim and target.shape != input.shape:
        raise ValueError(f"cross_entropy: class-probability targets must have the input's shape "
                         f"{input.shape}, got {target.shape}")
    log_probs = input.log_softmax(class_dim)
    if target.dtype.kind == "f" and target.shape == input.shape:
        n_classes = input.shape[class_dim]
        weights = _class_weights(weight, n_classes, input.dtype)
        weights = weights.reshape((n_classes,) + (1,) * (input.ndim - class_dim - 1))
        target = target if target.dtype == input.dtype else target.to(input.dtype)
        losses = -(log_probs * target * weights).sum(class_dim)
        return _reduce(losses, reduction)
    return nll_loss(log_probs, target, weight, ignore_index, reduction, _name="cross_entropy")
