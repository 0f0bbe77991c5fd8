"""The functional API: what every nn layer and loss computes, as plain functions.

    import nn.functional as F
    loss = F.binary_cross_entropy(model(x).sigmoid(), y)

Everything here is composed from tinygrad_edu ops (so autograd needs no new
code; the exact GELU uses `Tensor.erf`, softplus `Tensor.log1p`) except two custom
`tg.Function`s, each with its forward and backward side by side:

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
from tinygrad_edu import checks

__all__ = [
    # layers
    "linear", "embedding", "one_hot", "dropout", "layer_norm", "batch_norm",
    # activations
    "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu", "softplus", "softmax", "log_softmax",
    # losses
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
    # the custom autograd Functions behind some of them
    "Linear", "BinaryCrossEntropy",
]


def __dir__():
    """dir(F) lists the API, not the modules it is built from (np, math, tg, ...)."""
    return sorted(__all__)


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
# argument checks shared by the losses (the generic ones come from tinygrad_edu.checks)


def _check_operands(name: str, input, target, reduction) -> None:
    """What every elementwise loss checks first: the reduction, a floating-point input
    and a target Tensor of the same shape."""
    checks.reduction(reduction)
    checks.floating_tensor(input, name)
    checks.tensor(target, name, "target")
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
        weight = tg.tensor(np.asarray(weight))  # a copy: backward reads it, not your array
    checks.tensor(weight, name, what)
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

    saves_inputs = ((1,), (0,), ())  # ∂x reads W, ∂W reads x, ∂b reads nothing

    def forward(self, x, weight, *bias):
        out = x @ weight.T
        if bias:
            out += bias[0]  # `out` is a fresh array: adding in place saves one allocation
        return out

    def backward(self, g, x, weight, *bias):
        needs = self.needs_input_grad
        # flatten leading batch dimensions (none for a 1-D input): one matrix product
        g2 = g.reshape(-1, g.shape[-1])
        grad_x = g @ weight if needs[0] else None
        grad_w = g2.T @ x.reshape(-1, x.shape[-1]) if needs[1] else None
        grad_b = (g2.sum(0) if needs[2] else None) if bias else None
        return (grad_x, grad_w, grad_b) if bias else (grad_x, grad_w)


def linear(input, weight, bias=None):
    """y = input·weightᵀ + bias. input (..., in) or (in,), weight (out, in), bias (out,)."""
    checks.tensor(input, "linear")
    checks.tensor(weight, "linear", "weight")
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{weight.shape}")
    if bias is not None:
        checks.tensor(bias, "linear", "bias")
        if bias.shape != (weight.shape[0],):
            raise RuntimeError(f"linear: bias of shape {bias.shape} does not fit weight of shape "
                               f"{weight.shape} (expected ({weight.shape[0]},))")
    checks.linear_shapes(input.shape, weight.shape)
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


def _check_index_dtype(name: str, indices) -> None:
    if indices.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {_torch_name(indices.dtype)} "
                           f"instead (while checking arguments for {name})")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of `weight` (num_embeddings, embedding_dim) picked by the integer `input`:
    out[..., :] = weight[input[...], :], shape input.shape + (embedding_dim,).

    The gradient of a row is the sum of the gradients of every position that picked it
    (indexing's backward scatters and adds). Positions equal to `padding_idx` send no
    gradient to their row. `max_norm` first rescales, in place, each picked row whose
    `norm_type`-norm exceeds it (PyTorch's embedding_renorm_); `scale_grad_by_freq`
    divides each position's gradient by how often its index occurs in `input`.
    """
    checks.tensor(input, "embedding")
    checks.tensor(weight, "embedding", "weight")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_index_dtype("embedding", input)
    num_embeddings = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num_embeddings)
    if sparse:
        raise sparse_gradients_error()
    indices = input.numpy(force=True)
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    out = weight[indices]
    if padding_idx is not None and out.requires_grad:
        tg.jit.refuse("embedding with padding_idx (it masks with the indices' values)")
        picked_padding = (indices == padding_idx)[..., None]
        if picked_padding.any():  # same values, but those positions are cut from the graph
            out = tg.where(~picked_padding, out, out.detach())
    if scale_grad_by_freq and out.requires_grad:
        counts = np.bincount(indices.reshape(-1), minlength=num_embeddings)
        scale = (1.0 / counts[indices])[..., None].astype(weight.dtype)
        out.register_hook(lambda grad: grad * scale)
    return out


def sparse_gradients_error() -> NotImplementedError:
    return NotImplementedError("embedding: sparse=True needs sparse gradients, which "
                               "tinygrad_edu does not have; use sparse=False (the same values, "
                               "with a dense gradient)")


def _padding_index(padding_idx, num_embeddings: int):
    """PyTorch's rule: a negative padding_idx counts from the end; None means no padding."""
    if padding_idx is None:
        return None
    checks.integer(padding_idx, "embedding", "padding_idx")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return int(padding_idx) % num_embeddings


def _renorm_rows(weight, indices, max_norm, norm_type) -> None:
    """Rescale in place each row picked by `indices` whose norm exceeds max_norm to norm
    max_norm (PyTorch's embedding_renorm_: scale = max_norm / (norm + 1e-7))."""
    tg.jit.refuse("embedding with max_norm", "renormalises rows picked by the indices' values")
    rows = np.unique(indices)
    data = weight.numpy(force=True)[rows]
    norms = np.linalg.norm(data, ord=norm_type, axis=1) if data.size else np.zeros(0)
    too_long = norms > max_norm
    if too_long.any():
        scale = (max_norm / (norms[too_long] + 1e-7)).astype(weight.dtype)
        with tg.no_grad():  # like PyTorch: not recorded, bumps the weight's version
            weight[rows[too_long]] = data[too_long] * scale[:, None]


def one_hot(tensor, num_classes: int = -1):
    """int64 tensor of shape tensor.shape + (num_classes,) with a 1 at each class index.
    num_classes=-1 takes max(tensor) + 1."""
    checks.tensor(tensor, "one_hot", "tensor")
    if tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    checks.integer(num_classes, "one_hot", "num_classes")
    tg.jit.refuse("one_hot")
    indices = tensor.numpy(force=True)
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(indices.max()) + 1
    if indices.size and indices.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if indices.size and indices.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(indices.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, indices[..., None], 1, axis=-1)
    return tg.from_numpy(out)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """During training, zero each element with probability p and scale the survivors by
    1/(1−p), so the expected value is unchanged; outside training, the identity.

    The mask comes from tg's generator, so `tg.manual_seed(n)` makes it reproducible.
    p = 1 zeroes everything (and every gradient); p = 0 changes nothing.
    """
    checks.probability(p, "dropout")
    checks.floating_tensor(input, "dropout")
    if not training:
        return input
    if p == 1:
        scale = np.zeros(input.shape, dtype=input.dtype)
    elif p == 0:
        scale = np.ones(input.shape, dtype=input.dtype)
    else:
        tg.jit.refuse("dropout's mask", "draws random numbers")
        keep = tg.generator().random(input.shape) < 1 - p
        scale = keep * input.dtype.type(1 / (1 - p))
    if inplace:
        input *= scale
        return input
    return input * scale


def _normalized_shape(normalized_shape) -> tuple:
    if checks.is_integer(normalized_shape):
        return (int(normalized_shape),)
    try:
        shape = tuple(normalized_shape)
    except TypeError:
        raise TypeError(f"layer_norm: normalized_shape must be an int or a sequence of ints, got "
                        f"{type(normalized_shape).__name__}") from None
    if not all(checks.is_integer(n) for n in shape):
        raise TypeError(f"layer_norm: normalized_shape must hold ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the last len(normalized_shape) dimensions of each sample:
    y = (x − mean) / √(var + eps) · weight + bias, with the biased variance
    (divided by the number of elements normalised over)."""
    shape = _normalized_shape(normalized_shape)
    checks.floating_tensor(input, "layer_norm")
    if input.shape[input.ndim - len(shape):] != shape or len(shape) > input.ndim:
        expected = ", ".join(map(str, shape))
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {expected}], but got input of size{list(input.shape)}")
    for what, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            checks.tensor(value, "layer_norm", what)
            if value.shape != shape:
                raise RuntimeError(f"Expected {what} to be of same shape as normalized_shape, but "
                                   f"got {what} of shape {list(value.shape)} and normalized_shape "
                                   f"= {list(shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    if not dims:  # normalized_shape=(): every element is its own group
        out = input - input
    else:
        centered = input - input.mean(dims, keepdim=True)
        variance = (centered * centered).mean(dims, keepdim=True)
        out = centered / (variance + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each channel (dim 1) over the batch and every other dimension:
    y = (x − μ) / √(σ² + eps) · weight + bias.

    training=True: μ and σ² are the batch's mean and biased variance, and the running
    statistics (if given) are updated in place, PyTorch's way:
        running_mean ← (1 − momentum)·running_mean + momentum·μ
        running_var  ← (1 − momentum)·running_var  + momentum·σ²·n/(n − 1)   (unbiased)
    where n is the number of values per channel. training=False: μ and σ² are the
    running statistics.
    """
    checks.floating_tensor(input, "batch_norm")
    tg.jit.refuse("batch_norm (its statistics go through NumPy)")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with a batch and a channel dimension "
                         f"(at least 2-D), got {input.ndim}D input")
    channels = input.shape[1]
    for what, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None:
            checks.tensor(value, "batch_norm", what)
            if value.shape != (channels,):
                raise RuntimeError(f"{what} should contain {channels} elements not "
                                   f"{value.numel()}")
    dims = (0,) + tuple(range(2, input.ndim))
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        n = input.numel() // max(channels, 1)
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        variance = (centered * centered).mean(dims, keepdim=True)
        if running_mean is not None or running_var is not None:
            with tg.no_grad():  # in place, as PyTorch: bumps the buffers' versions
                if running_mean is not None:
                    batch_mean = mean.numpy(force=True).reshape(channels)
                    running_mean[...] = momentum * batch_mean + (1 - momentum) * running_mean.numpy(force=True)
                if running_var is not None:
                    unbiased = variance.numpy(force=True).reshape(channels) * (n / (n - 1))
                    running_var[...] = momentum * unbiased + (1 - momentum) * running_var.numpy(force=True)
        std = (variance + eps).sqrt()
    else:
        for what, value in (("running_mean", running_mean), ("running_var", running_var)):
            if value is None:  # PyTorch's text, and the way out
                raise RuntimeError(f"{what} must be defined in evaluation mode (batch_norm: "
                                   f"pass training=True to use the batch's statistics)")
        # the running statistics are constants of the graph
        centered = input - running_mean.numpy(force=True).reshape(stat_shape).astype(input.dtype)
        std = np.sqrt(running_var.numpy(force=True).reshape(stat_shape).astype(input.dtype) + eps)
    out = centered / std
    if weight is not None:
        out = out * weight.reshape(stat_shape)
    if bias is not None:
        out = out + bias.reshape(stat_shape)
    return out


# ----------------------------------------------------------------------------
# activations


def sigmoid(input):
    """σ(x) = 1 / (1 + e^−x), computed without overflow for any x."""
    checks.tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input):
    checks.tensor(input, "tanh")
    return input.tanh()


def relu(input):
    """max(x, 0); relu'(0) = 0."""
    checks.tensor(input, "relu")
    return input.relu()


def leaky_relu(input, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope·x; derivative at 0 is negative_slope."""
    checks.tensor(input, "leaky_relu")
    return input.leaky_relu(negative_slope)


_GELU_APPROXIMATIONS = ("none", "tanh")


def gelu(input, approximate: str = "none"):
    """GELU(x) = x·Φ(x), Φ the standard normal CDF:

    * approximate='none': x · ½(1 + erf(x/√2)), exact;
    * approximate='tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    """
    if approximate not in _GELU_APPROXIMATIONS:
        raise RuntimeError("approximate argument must be either none or tanh.")
    checks.floating_tensor(input, "gelu")
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (input + 0.044715 * (input * input * input))
        return 0.5 * input * (1 + inner.tanh())
    return input * 0.5 * (1 + (input * math.sqrt(0.5)).erf())


def silu(input, inplace: bool = False):
    """SiLU (swish): x·σ(x)."""
    checks.floating_tensor(input, "silu")
    if inplace:
        input *= input.sigmoid()
        return input
    return input * input.sigmoid()


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """softplus(x) = log(1 + e^(βx))/β, and x itself where βx > threshold (where the
    two agree to float precision). Written as (max(βx, 0) + log1p(e^(−|βx|)))/β, which
    never overflows; its gradient is σ(βx) (½ at x = 0: max splits a tie evenly)."""
    checks.floating_tensor(input, "softplus")
    z = input * beta
    smooth = (tg.maximum(z, 0) + (-z.abs()).exp().log1p()) / beta
    return tg.where(z > threshold, input, smooth)


def _softmax_dim(name: str, ndim: int, dim):
    """PyTorch's legacy choice when no dim is given (with its warning)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None):
    """e^x / Σ e^x along dim (shifted by the max, so it never overflows)."""
    checks.tensor(input, "softmax")
    return input.softmax(_softmax_dim("softmax", input.ndim, dim))


def log_softmax(input, dim=None):
    """x − logsumexp(x) along dim."""
    checks.tensor(input, "log_softmax")
    return input.log_softmax(_softmax_dim("log_softmax", input.ndim, dim))


# ----------------------------------------------------------------------------
# losses


def _elementwise_loss_operands(name: str, input, target, reduction):
    """The shared checks of the regression losses; the target in the input's dtype."""
    _check_operands(name, input, target, reduction)
    return target if target.dtype == input.dtype else target.to(input.dtype)


def l1_loss(input, target, reduction: str = "mean"):
    """ℓ = |x − y|; gradient sign(x − y) (0 where x = y, as in PyTorch)."""
    target = _elementwise_loss_operands("l1_loss", input, target, reduction)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """ℓ = ½(x − y)²/β where |x − y| < β, else |x − y| − ½β: quadratic near 0, linear
    far away, continuous with its slope. beta=0 is the L1 loss."""
    checks.number(beta, "smooth_l1_loss", "beta")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    target = _elementwise_loss_operands("smooth_l1_loss", input, target, reduction)
    if beta == 0:
        return l1_loss(input, target, reduction)
    diff = input - target
    distance = diff.abs()
    tg.jit.refuse("smooth_l1_loss (its quadratic-or-linear mask)")
    loss = tg.where(distance.numpy(force=True) < beta, 0.5 * diff * diff / beta, distance - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """ℓ = ½(x − y)² where |x − y| < δ, else δ(|x − y| − ½δ). Equals δ · smooth_l1 with
    β = δ."""
    checks.number(delta, "huber_loss", "delta")
    if not delta > 0:  # nan too
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    target = _elementwise_loss_operands("huber_loss", input, target, reduction)
    diff = input - target
    distance = diff.abs()
    tg.jit.refuse("huber_loss (its quadratic-or-linear mask)")
    loss = tg.where(distance.numpy(force=True) < delta, 0.5 * diff * diff, delta * (distance - 0.5 * delta))
    return _reduce(loss, reduction)


def mse_loss(input, target, reduction: str = "mean"):
    """ℓ = (x − y)², then averaged over all elements ('mean'), summed ('sum') or
    kept ('none'). Gradient 2(x − y)/N for 'mean', N = number of elements.

    Unlike PyTorch (which only warns), a target whose shape differs from the
    input's raises ValueError instead of broadcasting.
    """
    target = _elementwise_loss_operands("mse_loss", input, target, reduction)
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

    saves_inputs = ((0, 1), (0,))  # ∂x reads x and y, ∂y reads x

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
    _check_operands("binary_cross_entropy", input, target, reduction)
    target = _float_target("binary_cross_entropy", input, target)
    weight = _element_weight("binary_cross_entropy", "weight", weight, input.shape, input.dtype)
    data = input.numpy(force=True)
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
    _check_operands("binary_cross_entropy_with_logits", input, target, reduction)
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
    checks.tensor(input, name)
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    checks.floating_tensor(input, name)
    return 0 if input.ndim == 1 else 1


def _class_weights(weight, n_classes: int, dtype, op: bool = False):
    """The per-class weights as a constant array (ones when not given); with `op`, a
    Tensor weight cast by an op (which tg.jit replays, reading the weight anew)."""
    if weight is None:
        return np.ones(n_classes, dtype=dtype)
    data = weight.numpy(force=True) if isinstance(weight, tg.Tensor) else np.asarray(weight)
    if data.dtype.kind not in "biuf":  # NumPy would turn None into nan
        raise TypeError(f"cross_entropy: weight must hold numbers, got dtype {data.dtype}")
    if data.shape != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: {list(data.shape)}")
    if op and isinstance(weight, tg.Tensor):
        return weight.detach().to(dtype)
    return data.astype(dtype, copy=False)


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
             _name: str = "nll_loss"):
    """Negative log-likelihood of class indices: ℓ_i = −w[t_i]·input[i, t_i].

    input: log-probabilities, (C,), (N, C) or (N, C, d1, ...); target: integer
    class indices shaped like input without the class dimension. Targets equal to
    ignore_index contribute nothing. 'mean' divides by the sum of the weights of
    the targets that are not ignored (Σ w[t_i]), as PyTorch does.
    """
    checks.reduction(reduction)
    class_dim = _class_dim(_name, input)
    checks.tensor(target, _name, "target")
    checks.integer(ignore_index, _name, "ignore_index")
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
    tg.jit.refuse(f"{_name} with class-index targets (it picks with their values)",
                  instead="Pick with ops, which replay: -logits.log_softmax(1).gather(1, "
                          "target.unsqueeze(1)).mean(), or pass one-hot probability targets; "
                          "or run the step eagerly.")
    targets = target.numpy(force=True).reshape(-1)
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


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0):
    """Cross-entropy of logits: log_softmax over the class dimension, then

    * class-index targets (integers, shaped like input without the class
      dimension): ℓ_i = −w[t_i]·log_softmax(x_i)[t_i]; 'mean' divides by Σ w[t_i]
      over targets that are not ignore_index;
    * class-probability targets (floats, same shape as input):
      ℓ_i = −Σ_c w_c·y_ic·log_softmax(x_i)_c; 'mean' divides by the number of
      samples.

    label_smoothing ε mixes the target with the uniform distribution over the C
    classes: probability targets become (1 − ε)·y + ε/C; for index targets the loss
    is (1 − ε)·ℓ + ε/C·Σ_c −w_c·log_softmax(x_i)_c (ignored targets count 0, 'mean'
    divides by the same Σ w[t_i]), PyTorch's formula.

    input: (C,), (N, C) or (N, C, d1, ...). `weight` (C,) is a constant.
    """
    checks.reduction(reduction)
    checks.number(label_smoothing, "cross_entropy", "label_smoothing")
    if not 0.0 <= label_smoothing <= 1.0:  # nan fails too; PyTorch's text and error type
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = _class_dim("cross_entropy", input)
    checks.tensor(target, "cross_entropy", "target")
    if target.dtype.kind == "f" and target.ndim == input.ndim and target.shape != input.shape:
        raise ValueError(f"cross_entropy: class-probability targets must have the input's shape "
                         f"{input.shape}, got {target.shape}")
    log_probs = input.log_softmax(class_dim)
    n_classes = input.shape[class_dim]
    class_weights = _class_weights(weight, n_classes, input.dtype, op=True)
    # shaped to broadcast along the class dimension of the input
    broadcast_weights = class_weights.reshape((n_classes,) + (1,) * (input.ndim - class_dim - 1))
    if target.dtype.kind == "f" and target.shape == input.shape:
        target = target if target.dtype == input.dtype else target.to(input.dtype)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        losses = -(log_probs * target * broadcast_weights).sum(class_dim)
        return _reduce(losses, reduction)
    nll = nll_loss(log_probs, target, weight, ignore_index, reduction, _name="cross_entropy")
    if label_smoothing == 0:
        return nll
    # the uniform part: −Σ_c w_c·log p_c per sample, 0 for ignored targets
    kept = target.numpy(force=True) != ignore_index
    uniform = tg.where(kept, -(log_probs * broadcast_weights).sum(class_dim), 0.0)
    if reduction == "sum":
        uniform = uniform.sum()
    elif reduction == "mean":
        picked = target.numpy(force=True)[kept].astype(np.int64)
        denominator = class_weights[picked].sum() if weight is not None else kept.sum()
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan, as PyTorch
            uniform = uniform.sum() / denominator
    return (1 - label_smoothing) * nll + uniform * (label_smoothing / n_classes)
