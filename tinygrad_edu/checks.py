"""Every argument check and error text of the engine, out of the reading path.

A Tensor method calls at most one function of this module before its op, e.g.
`reshape` calls `reshape_shape`, which returns the shape to use or raises the
error PyTorch raises (its text copied where PyTorch users would recognise it;
otherwise a text naming the op and the shapes or values at fault).
nn imports the shared ones (`tensor`, `number`, `integer`, `reduction`, ...)
instead of writing its own. Nothing here builds a Tensor (operands.py does).
"""
from __future__ import annotations

import collections.abc
import math
import numbers
import os
import traceback
import warnings

import numpy as np

from .dtypes import CATEGORY, SUPPORTED_DTYPES, fits

# ----------------------------------------------------------------------------
# values of any op: numbers, ints, tensors, dtypes


def is_number(value) -> bool:
    """A real number (Python or NumPy), bools included; not complex, not strings."""
    return isinstance(value, numbers.Real)


def number(value, op: str, name: str, finite: bool = False):
    """A real number (NumPy would parse strings, store None as nan, ...); returns it."""
    if not is_number(value):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    if finite and not math.isfinite(value):
        raise ValueError(f"{op}: {name} must be finite, got {value}")
    return value


def real(value, op: str, name: str, finite: bool = False):
    """A number that is not a bool (True as a learning rate or a dropout probability is a
    slip, not 1.0), with the texts of `number`; returns it."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be a number, got bool")
    return number(value, op, name, finite)


def probability(value, op: str, name: str = "p"):
    """A number in [0, 1], nan refused, with PyTorch's text (exact for op='dropout')."""
    real(value, op, name)
    if not 0 <= value <= 1:  # nan fails the comparison too
        raise ValueError(f"{op} probability has to be between 0 and 1, but got {value}")
    return value


def is_integer(value) -> bool:
    """An int (Python or NumPy) that is not a bool: True is an int to Python, not to PyTorch."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def integer(value, op: str, name: str, minimum=None):
    """An int that is not a bool (True is an int to Python, not to PyTorch); returns it."""
    if not is_integer(value):
        raise TypeError(f"{op}: {name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value}")
    return int(value)


def tensor(value, op: str, what: str = "input"):
    """A Tensor (duck-typed: this module cannot import tensor.py); returns it."""
    if not hasattr(value, "grad_fn") or not hasattr(value, "_data"):
        raise TypeError(f"{op}: {what} must be a Tensor, got {type(value).__name__}")
    return value


def floating_tensor(value, op: str, what: str = "input"):
    """A Tensor of floating-point dtype (what activations, normalisation and losses
    compute on: an int tensor would be truncated); returns it."""
    tensor(value, op, what)
    if value.dtype.kind != "f":
        raise RuntimeError(f"{op}: {what} must be a floating-point tensor, got dtype "
                           f"{value.dtype}")
    return value


def dtype(value, where: str) -> np.dtype:
    """A dtype a Tensor can hold, as np.dtype."""
    if value is None:  # np.dtype(None) would silently mean float64
        raise TypeError(f"{where}: None is not a dtype")
    try:
        value = np.dtype(value)
    except TypeError:
        raise TypeError(f"{where}: {value!r} is not a dtype") from None
    if value not in SUPPORTED_DTYPES:
        raise TypeError(f"{where}: dtype {value} is not supported; use a float, int or bool "
                        f"dtype ({', '.join(str(d) for d in SUPPORTED_DTYPES)})")
    return value


def fits_dtype(value, dtype, op: str):
    """An integer number that an integer dtype can hold (else PyTorch's overflow error)."""
    if not fits(value, dtype):
        raise RuntimeError(f"{op}: value {value} cannot be converted to type {dtype} without overflow")
    return value


def builtin_error(error: Exception) -> type:
    """The built-in class to re-raise `error` as with a better message: NumPy's own
    subclasses (e.g. its UFuncTypeError) cannot be built from a message alone."""
    if isinstance(error, OverflowError):
        return ValueError
    return next((kind for kind in (IndexError, KeyError, TypeError, ValueError)
                 if isinstance(error, kind)), RuntimeError)


def reduction(value) -> str:
    """A loss's reduction, with PyTorch's error."""
    if value not in ("none", "mean", "sum"):
        raise ValueError(f"{value} is not a valid value for reduction")
    return value


# ----------------------------------------------------------------------------
# dims and sizes as users give them (ints, tuples, negative dims, NumPy's axis=)


def axes(dim, ndim: int, op: str, allow_tuple: bool = True):
    """dim (int, tuple or None) -> tuple of non-negative axes, with PyTorch's range error."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not allow_tuple and len(dims) != 1:
        raise TypeError(f"{op}: dim must be a single int, got {dim!r}")
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    found = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int, got {type(d).__name__}")
        if not low <= d <= high:
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                             f"[{low}, {high}], but got {d})")
        found.append(d % max(ndim, 1))
    if len(set(found)) != len(found):
        raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
    return tuple(found) if ndim else ()


def axis(dim, ndim: int, op: str) -> int:
    """One dim -> its non-negative axis."""
    if dim is None:  # axes() reads None as "all dims"; here one dim is needed
        raise TypeError(f"{op}: dim must be an int, got None")
    found = axes(dim, ndim, op, allow_tuple=False)
    return found[0] if found else 0


def dim_alias(dim, axis, keepdim, keepdims, op):
    """Accept NumPy's axis=/keepdims= as aliases of dim=/keepdim=."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def sizes(shape, op):
    """reshape(2, 3) and reshape((2, 3)) both give (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def new_size(size, op: str) -> tuple:
    """A factory's size: zeros(2, 3) and zeros((2, 3)) both give (2, 3); no negative sizes."""
    shape = sizes(size, op)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension "
                           f"{min(shape)}: {list(shape)}")
    return shape


# ----------------------------------------------------------------------------
# the engine (autograd.py)

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")


def describe(arrays) -> str:
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" for a in arrays)


def broadcast_message(a: tuple, b: tuple):
    """PyTorch's text for shapes that do not broadcast, with the dimension at fault."""
    for i in range(1, max(len(a), len(b)) + 1):
        n = a[-i] if i <= len(a) else 1
        m = b[-i] if i <= len(b) else 1
        if n != m and n != 1 and m != 1:
            return (f"The size of tensor a ({n}) must match the size of tensor b ({m}) "
                    f"at non-singleton dimension {max(len(a), len(b)) - i}")
    return None


def broadcastable(a: tuple, b: tuple, op: str) -> None:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(f"{op}: {broadcast_message(a, b)} (input shapes {a}, {b})") from None


def forward_error(fn, arrays, error) -> Exception:
    """A NumPy error inside an op's forward, re-raised naming the op and its inputs."""
    op = type(fn).__name__
    shapes = [tuple(a.shape) for a in arrays]
    text = str(error)
    if isinstance(error, ValueError) and "broadcast" in text and len(shapes) >= 2:
        text = broadcast_message(shapes[0], shapes[1]) or text
        return RuntimeError(f"{op}: {text} (input shapes {', '.join(map(str, shapes))})")
    # re-raised as the built-in class: NumPy's own subclasses cannot be built from a message
    kind = next(k for k in (IndexError, TypeError, ValueError, FloatingPointError,
                            ArithmeticError, RuntimeError) if isinstance(error, k))
    if op in text:  # the op raised a message that already names itself
        return kind(text)
    return kind(f"{op}: {text} (inputs: {describe(arrays)})")


def version_error(fn, data, now, expected, which) -> RuntimeError:
    """A value `fn` saved for backward was modified in place since (PyTorch's text first)."""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{data.dtype} tensor of shape {tuple(data.shape)}], which is "
        f"{which} of {fn.name()}, is at version {now}; expected version {expected} instead. "
        "Hint: clone the tensor (x = x * 1) before modifying it in place, or modify it "
        "only after backward.")


def unchanged_inputs_read(fn) -> None:
    """Raise if an input that fn's backward reads was modified in place since recording
    (an input it does not read may change: PyTorch would not even have saved it)."""
    read = fn.inputs_read()
    for i, (p, version) in enumerate(zip(fn.parents, fn.versions)):
        if i in read and p._version_counter[0] != version:
            raise version_error(fn, p._data, p._version_counter[0], version, f"input {i}")


def gradient_count_error(fn, grads) -> RuntimeError:
    return RuntimeError(f"{fn.name()} returned {len(grads)} gradients for {len(fn.parents)} inputs")


def gradient_shape(fn, grad, shape):
    """A gradient that unbroadcast could not bring to its input's shape is a bug in fn."""
    if grad.shape != shape:
        raise RuntimeError(f"{fn.name()} returned a gradient of shape {tuple(grad.shape)} for an "
                           f"input of shape {shape}")
    return grad


# ----------------------------------------------------------------------------
# backward() and grad() (gradients.py)


def tensors(value, what: str, op: str) -> tuple:
    """A Tensor or a sequence of Tensors, as a tuple."""
    values = (value,) if hasattr(value, "grad_fn") else value
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{op}: {what} must be a Tensor or a sequence of Tensors, got "
                        f"{type(value).__name__}")
    for v in values:
        if not hasattr(v, "grad_fn"):
            raise TypeError(f"{op}: {what} must be Tensors, got {type(v).__name__}")
    return tuple(values)


def grad_outputs(gradients, count: int, op: str) -> tuple:
    """One starting gradient (or None) per output."""
    if gradients is None:
        return (None,) * count
    gradients = (gradients,) if not isinstance(gradients, (tuple, list)) else tuple(gradients)
    if len(gradients) != count:
        raise RuntimeError(f"{op}: got {len(gradients)} gradients for {count} outputs")
    return gradients


def seed_root(root, index: int, gradient) -> None:
    """Backward starts at `root`: it must require grad, and be a scalar without `gradient`."""
    if not root._requires_grad:
        raise RuntimeError(
            f"element {index} of tensors does not require grad and does not have a grad_fn")
    if gradient is None and root._data.size != 1:
        raise RuntimeError("grad can be implicitly created only for scalar outputs")


def seed_shape(gradient, root, index: int) -> None:
    if gradient.shape != root.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {tuple(gradient.shape)} "
            f"and output[{index}] has a shape of {tuple(root.shape)}.")


def differentiable(inputs) -> None:
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")


def used(grad, index: int, allow_unused) -> None:
    if grad is None and not allow_unused:
        raise RuntimeError(
            f"The differentiated Tensor at index {index} appears to not have been used "
            "in the graph. Set allow_unused=True if this is the desired behavior.")


def hook_result(hook, result, grad, error=None):
    """A hook returned a replacement gradient: a Tensor of the gradient's shape."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if error is not None:
        raise TypeError(f"hook '{name}' returned {type(result).__name__}, not a Tensor "
                        f"({error})") from None
    if result.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value: it returned shape "
                           f"{result.shape} for a gradient of shape {grad.shape}")
    return result


def no_keyword_arguments(kwargs, op: str) -> None:
    if kwargs:
        raise TypeError(f"{op}() takes no keyword arguments (got {', '.join(kwargs)}): pass "
                        f"them positionally, as forward(ctx, ...) receives them")


def callable_hook(hook, op: str):
    if not callable(hook):
        raise TypeError(f"{op}: hook must be callable, got {type(hook).__name__}")
    return hook


# ----------------------------------------------------------------------------
# Tensor attributes

_DTYPE_TEXTS = {  # PyTorch's three texts for the same rule
    "constructor": "Only Tensors of floating point and complex dtype can require gradients",
    "attribute": "only Tensors of floating point and complex dtype can require gradients",
    "requires_grad_": "only Tensors of floating point dtype can require gradients",
}


def requires_grad_change(t, value: bool, how: str) -> bool:
    """The new requires_grad of `t`; only leaves change it, only float leaves turn it on."""
    if t.grad_fn is not None:
        if value:
            return True  # requires_grad_(True) on a non-leaf is a no-op, as in PyTorch
        raise RuntimeError(
            "you can only change requires_grad flags of leaf variables. If you want to use "
            "a computed variable in a subgraph that doesn't require differentiation use "
            "var_no_grad = var.detach().")
    if value and t._data.dtype.kind != "f":
        raise RuntimeError(f"{_DTYPE_TEXTS[how]} (got dtype {t._data.dtype})")
    return value


def grad_access(t) -> None:
    if t.grad_fn is not None and t._grad is None and not t.retains_grad:
        warnings.warn(
            "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
            "Its .grad attribute won't be populated during autograd.backward(). If you "
            "indeed want the .grad field to be populated for a non-leaf Tensor, use "
            ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
            "mistake, make sure you access the leaf Tensor instead.", UserWarning, stacklevel=3)


def assigned_grad(t, value):
    if value is not None:
        if not hasattr(value, "grad_fn"):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                            f"{type(value).__name__}")
        if value.shape != t.shape:
            raise RuntimeError(f"assigned grad has data of a different size: grad shape "
                               f"{value.shape}, tensor shape {t.shape}")
        if value.dtype != t.dtype:
            raise RuntimeError(f"assigned grad has data of a different type: grad dtype "
                               f"{value.dtype}, tensor dtype {t.dtype}")
    return value


def new_data(value) -> np.ndarray:
    """What `t.data = value` stores: the array of a Tensor, or the value as an array."""
    value = value._data if hasattr(value, "_data") else np.asarray(value)
    dtype(value.dtype, "Tensor.data")
    return value


def one_element(t, kind: str) -> None:
    """item(), float(), int() and bool() need exactly one element (PyTorch's texts)."""
    size = t._data.size
    if size == 1:
        return
    if kind == "item":
        raise RuntimeError(f"a Tensor with {size} elements cannot be converted to Scalar")
    if kind == "bool":
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    raise ValueError("only one element tensors can be converted to Python scalars")


def numpy_allowed(t, force: bool) -> None:
    if t._requires_grad and not force:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                           "tensor.detach().numpy() instead.")


def has_dims(t, what: str) -> None:
    if t.ndim == 0:
        raise TypeError(f"{what} of a 0-d tensor")


# ----------------------------------------------------------------------------
# Tensor ops

def negatable(t):
    if t.dtype == np.bool_:
        raise TypeError("neg: negation, the `-` operator, on a bool tensor is not supported")
    return t


def clamp_bounds(low, high):
    """clamp's bounds as Python numbers (a NumPy float64 bound would upcast float32)."""
    if low is None and high is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    for bound in (low, high):
        if bound is not None and not is_number(bound):
            raise TypeError(f"clamp: min and max must be numbers, got {type(bound).__name__}")
    return [b.item() if isinstance(b, np.generic) else b for b in (low, high)]


def reduction_dims(t, dim, keepdim, axis, keepdims, op):
    """sum/mean: (axes or None for all, keepdim), with NumPy's aliases accepted."""
    if axis is not None or keepdims is not None:
        dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, op)
    if op == "mean" and t.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {t.dtype}")
    return (None if dim is None else axes(dim, t.ndim, op)), bool(keepdim)


def max_dim(t, dim, keepdim, axis, keepdims, op):
    """max/min: (axis or None for all elements, keepdim)."""
    dim, keepdim = dim_alias(dim, axis, keepdim, keepdims, op)
    return reduction_axis(t, dim, op), keepdim


def reduction_axis(t, dim, op):
    """The axis of max/min/argmax/argmin (None for all elements), which must not be
    empty: an empty slice has no largest element."""
    if dim is None:
        if t._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0 (shape {t.shape})")
        return None
    found = axis(dim, t.ndim, op)
    if t.ndim and t.shape[found] == 0:
        raise RuntimeError(f"{op}(): Expected reduction dim {found} to have non-zero size "
                           f"(shape {t.shape})")
    return found


def reshape_shape(t, shape) -> tuple:
    shape = sizes(shape, "reshape")
    if any(n < -1 for n in shape):
        raise RuntimeError(f"reshape: invalid shape dimension {min(shape)} in {list(shape)} "
                           f"(tensor of shape {t.shape})")
    known, size = math.prod(n for n in shape if n != -1), t._data.size
    if shape.count(-1) > 1 or (shape.count(-1) == 0 and known != size) or \
            (shape.count(-1) == 1 and (known == 0 or size % known)):
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size "
                           f"{size} (tensor of shape {t.shape})")
    return shape


def flatten_dims(t, start_dim, end_dim):
    start, end = axis(start_dim, t.ndim, "flatten"), axis(end_dim, t.ndim, "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return start, end


def permutation(t, dims) -> tuple:
    dims = sizes(dims, "permute")
    found = axes(dims, t.ndim, "permute") if dims else ()
    if len(dims) != t.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {t.ndim} is not equal to len(dims) = {len(dims)}")
    return found


def expanded_shape(t, new_sizes) -> tuple:
    new_sizes = sizes(new_sizes, "expand")
    if len(new_sizes) < t.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(new_sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({t.ndim})")
    shape = list(new_sizes)
    for i, n in enumerate(new_sizes[:len(new_sizes) - t.ndim]):
        if n < 0:
            raise RuntimeError(f"expand: the expanded size of the tensor ({n}) isn't allowed "
                               f"in a leading, non-existing dimension {i} (target sizes "
                               f"{list(new_sizes)}, tensor sizes {list(t.shape)})")
    for i in range(1, t.ndim + 1):
        have, want = t.shape[-i], new_sizes[-i]
        if want == -1:
            shape[-i] = have
        elif have != want and have != 1:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({want}) must match the existing "
                f"size ({have}) at non-singleton dimension {len(new_sizes) - i}.  Target sizes: "
                f"{list(new_sizes)}.  Tensor sizes: {list(t.shape)}")
    return tuple(shape)


def index(value) -> list:
    """An index as the steps that apply it with PyTorch's result layout: one NumPy index,
    or two where it mixes integers with arrays. PyTorch applies the integers first (as
    selects), then the arrays with NumPy's rules on the remaining dims; NumPy counts the
    integers as arrays, which moves the result's dims elsewhere (t[1, :, [0, 3]])."""
    items = tuple(_index_item(i) for i in value) if isinstance(value, tuple) else (_index_item(value),)
    is_int = [(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))) or
              (isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu") for i in items]
    arrays = [isinstance(i, np.ndarray) and i.ndim > 0 for i in items]
    if not (any(is_int) and any(arrays)):
        return [items if isinstance(value, tuple) else items[0]]
    selects, rest = [], []
    for item, integer, array in zip(items, is_int, arrays):
        if integer:
            selects.append(item)
        elif array:  # kept for the second step; a boolean mask spans one dim per mask dim
            width = item.ndim if item.dtype == np.bool_ else 1
            selects += [slice(None)] * width
            rest.append(item)
        else:  # slices, None and Ellipsis act in the first step; the second keeps their dims
            selects.append(item)
            rest.append(Ellipsis if item is Ellipsis else slice(None))
    return [tuple(selects), tuple(rest)]


def _index_item(item):
    """Tensors and lists inside an index become NumPy arrays (int or bool)."""
    if hasattr(item, "_data"):
        item = item._data
    elif isinstance(item, list):
        try:
            # an empty list selects nothing: as int, not NumPy's default float64
            item = np.asarray(item) if item else np.zeros(0, dtype=np.intp)
        except ValueError:
            raise IndexError(f"getitem: a list used as an index must be rectangular (all rows "
                             f"of the same length), got {item!r}") from None
    if isinstance(item, np.ndarray) and item.dtype.kind not in "iub":
        raise IndexError(f"getitem: tensors used as indices must be long, int or bool tensors, "
                         f"got dtype {item.dtype}")
    return item


def matmul_shapes(a: tuple, b: tuple) -> None:
    """PyTorch's texts for matrix products whose inner sizes differ (one source for
    Tensor.matmul and nn.functional.linear)."""
    if not a or not b:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{len(a)}D and {len(b)}D")
    inner = b[0] if len(b) == 1 else b[-2]
    if a[-1] == inner:
        return
    if len(a) == 2 and len(b) == 2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                           f"{b[0]}x{b[1]})")
    raise RuntimeError(f"matmul: shapes {a} and {b} cannot be multiplied ({a[-1]} != {inner})")


def linear_shapes(input_shape: tuple, weight_shape: tuple) -> None:
    """F.linear's shapes as PyTorch reports them: the input flattened to a matrix
    (N, in_features) and the weight (out_features, in_features) transposed, so a width
    that does not fit gets matmul_shapes' text, e.g. (5x3 and 4x2)."""
    if not input_shape:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are 0D "
                           f"and {len(weight_shape)}D")
    matmul_shapes((math.prod(input_shape[:-1]), input_shape[-1]), weight_shape[::-1])


def where_condition(condition) -> np.ndarray:
    condition = condition._data if hasattr(condition, "_data") else np.asarray(condition)
    if condition.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype}")
    return condition


def cat_shapes(tensors, dim) -> int:
    """The axis of cat: every tensor has the first one's shape except along it."""
    first = tensors[0]
    if first.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    found = axis(dim, first.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim:
            raise RuntimeError(f"cat: Tensors must have same number of dimensions: got "
                               f"{first.ndim} and {t.ndim} (tensor number {i})")
        for d in range(first.ndim):
            if d != found and t.shape[d] != first.shape[d]:
                raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {found}. "
                                   f"Expected size {first.shape[d]} but got size {t.shape[d]} for "
                                   f"tensor number {i} in the list.")
    return found


def stack_shapes(tensors) -> None:
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at entry {i}")


def sequence_of_tensors(tensors, op: str) -> None:
    if hasattr(tensors, "_data") or isinstance(tensors, np.ndarray) or \
            not isinstance(tensors, collections.abc.Iterable):
        raise TypeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not "
                        f"{type(tensors).__name__}")


def non_empty_tensors(tensors, op: str) -> None:
    if not tensors or any(t is None for t in tensors):
        raise TypeError(f"{op}(): expected a non-empty sequence of Tensors")


def operand_dtype(array, op: str, other) -> None:
    if array.dtype not in SUPPORTED_DTYPES:
        raise TypeError(f"{op}: unsupported operand dtype {array.dtype} (with a {other.dtype} "
                        f"tensor of shape {other.shape}); tensors hold float, int or bool data")


def operand_types(a, b, op: str):
    raise TypeError(f"{op}: unsupported operand types {type(a).__name__} and {type(b).__name__}")


# ----------------------------------------------------------------------------
# in-place updates (inplace.py)

LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
LEAF_VIEW_INPLACE = ("a view of a leaf Variable that requires grad is being used in an "
                     "in-place operation.")


def inplace_allowed(t, grad_enabled: bool, text: str = LEAF_INPLACE) -> None:
    """PyTorch's rule: a leaf that requires grad changes in place only under no_grad."""
    if t._requires_grad and t.grad_fn is None and grad_enabled:
        raise RuntimeError(text)


def inplace_result(t, result, symbol: str) -> None:
    """The recorded result of `t (symbol)= other` must fit t's shape and dtype category."""
    if result.shape != t.shape:
        raise RuntimeError(f"{symbol}: output with shape {list(t.shape)} doesn't match the "
                           f"broadcast shape {list(result.shape)}")
    if CATEGORY[result.dtype.kind] > CATEGORY[t.dtype.kind]:
        raise RuntimeError(f"{symbol}: result type {result.dtype} can't be cast to the "
                           f"desired output type {t.dtype}")


def inplace_error(error, t, value, symbol: str) -> Exception:
    """A NumPy error from `ufunc(t, value, out=t)`, re-raised naming the operator."""
    if isinstance(error, TypeError):
        return RuntimeError(f"{symbol}: result type {np.result_type(t._data, value)} can't be "
                            f"cast to the desired output type {t.dtype}")
    return RuntimeError(f"{symbol}: {error} (tensor of dtype {t.dtype} and shape {t.shape})")


def fill_value(value, op: str = "fill_"):
    """A number for fill_ (NumPy would store None as nan and parse strings)."""
    if hasattr(value, "_data"):
        if value._data.size != 1:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions")
        value = value._data.item()
    return number(value, op, "value")


def setitem_value(value) -> None:
    if not hasattr(value, "_data") and not is_number(value) and \
            np.asarray(value).dtype.kind not in "biuf":
        # NumPy would store None as nan and parse strings
        raise TypeError(f"setitem: cannot assign a {type(value).__name__} to a tensor "
                        f"(expected a Tensor, an array or a number)")


# ----------------------------------------------------------------------------
# factories (creation.py)


def float_dtype(value, op: str):
    """Random floats cannot be stored in an int or bool tensor (they would all truncate)."""
    if value is not None and dtype(value, op).kind != "f":
        raise TypeError(f"{op}: dtype must be a floating-point dtype, got {np.dtype(value)}")
    return value


def full_value(value, dtype_, op: str) -> None:
    """A number that the tensor's dtype can hold (NumPy would turn None into nan, parse
    strings, and wrap 300 around in int8 or nan into an arbitrary integer)."""
    number(value, op, "fill_value")
    dtype_ = np.dtype(dtype_)
    if dtype_.kind in "iub" and not math.isfinite(value):
        raise ValueError(f"{op}: cannot fill a tensor of dtype {dtype_} with {value}")
    if dtype_.kind in "iu":
        fits_dtype(value, dtype_, op)


def like(t, op: str):
    if not hasattr(t, "_data") and not isinstance(t, np.ndarray):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")
    return t


def range_bounds(op: str, **bounds) -> None:
    for name, value in bounds.items():
        if not is_number(value) or isinstance(value, bool):
            raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"{op}: {name} must be finite, got {value}")


def count(value, op: str, name: str) -> int:
    integer(value, op, name)
    if value < 0:
        raise RuntimeError(f"{op}: {name} must be non-negative, got {value}")
    return int(value)


# ----------------------------------------------------------------------------
# where user code is (anomaly mode names the line that created an op)

_PACKAGE_DIRS = [os.path.dirname(os.path.abspath(__file__))]


def skip_package_in_call_sites(path: str) -> None:
    """Let a package built on this one (nn) be skipped when locating user code."""
    _PACKAGE_DIRS.append(os.path.dirname(os.path.abspath(path)))


def user_call_site() -> str:
    """file:line of the innermost stack frame outside this package (and nn)."""
    dirs = tuple(_PACKAGE_DIRS)
    for frame in reversed(traceback.extract_stack()):
        path = os.path.abspath(frame.filename)
        if not path.startswith(dirs) and "contextlib" not in path:
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"
