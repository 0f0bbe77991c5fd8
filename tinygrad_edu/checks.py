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
import types
import warnings

import numpy as np

from .dtypes import CATEGORY, DEFAULT_FLOAT, SUPPORTED_DTYPES, fits

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
        with warnings.catch_warnings():  # np.dtype("a") warns that the alias is deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
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


def backward_inputs(inputs) -> tuple:
    """backward's `inputs`, as PyTorch takes them: Tensors (any iterable of them), at
    least one, each requiring grad; one given twice counts once."""
    if isinstance(inputs, (set, frozenset, types.GeneratorType)):
        inputs = tuple(inputs)
    inputs = tensors(inputs, "inputs", "backward")
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    if not all(t.requires_grad for t in inputs):
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    seen = set()
    return tuple(t for t in inputs if not (id(t) in seen or seen.add(id(t))))


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
    if value and type(t._version_counter) is tuple:
        shared_constant(t, "require grad")
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
        if type(t._version_counter) is tuple:
            shared_constant(t, "be given a .grad")
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


def new_data(t, value) -> np.ndarray:
    """What `t.data = value` stores: the array of a Tensor, or the value as an array."""
    if type(t._version_counter) is tuple:
        shared_constant(t, "be given new data")
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
        read_outside_ops(item)
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


# While tg.jit traces a step, its recorder's `guard` (jit.py sets it: it imports this module)
traced_read = None


def read_outside_ops(tensor) -> None:
    """An option of an op is read from `tensor` (a where condition, an index): tg.jit
    guards a tensor from outside the step like a parameter (it is not an op's input)."""
    if traced_read is not None:
        traced_read(tensor)


def where_condition(condition) -> np.ndarray:
    if hasattr(condition, "_data"):
        read_outside_ops(condition)
        condition = condition._data
    else:
        condition = np.asarray(condition)
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


def constant_inplace(t) -> None:
    shared_constant(t, "be modified in place")


def shared_constant(t, what: str) -> None:
    """A number that an op turned into a tensor (`0.5 * x`'s 0.5, reachable only through
    a node's inputs) is shared by every op on that number (operands.constant), in every
    graph: changing it would change them all, so nothing changes it."""
    raise RuntimeError(f"a constant made from the number {t._data.item()!r} by an op cannot "
                       f"{what} (every op on that number shares it)")


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
# PyTorch's torch namespace beyond the core (composed.py, more_ops.py, functions.py)

# PyTorch's names for dtypes, in the texts that quote them ("Float did not match Double")
TORCH_DTYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                     "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
                     "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "bool": "Bool"}


def torch_name(dtype_) -> str:
    return TORCH_DTYPE_NAMES[np.dtype(dtype_).name]


def boolean(value, op: str, name: str) -> bool:
    """A flag such as descending= (PyTorch refuses 0 and 1 there)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")
    return bool(value)


def dims_or_all(t, dim, op: str):
    """A reduction's axes; None, () and [] mean every axis (as PyTorch reads dim=())."""
    return None if dim is None else axes(dim, t.ndim, op) or None


def variance_args(t, dim, unbiased, keepdim, correction, op: str):
    """var/std's (axes or None, correction, keepdim) from PyTorch's overloads:
    (dim, unbiased, keepdim), (unbiased) alone, and (dim, *, correction, keepdim)."""
    if isinstance(dim, (bool, np.bool_)):  # x.var(False): the overload whose only argument is unbiased
        if unbiased is not None:
            raise TypeError(f"{op}(): unbiased given twice ({dim!r} and unbiased={unbiased!r})")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): give unbiased= or correction=, not both (got unbiased="
                        f"{unbiased!r}, correction={correction!r})")
    if unbiased is not None:
        correction = 1 if boolean(unbiased, op, "unbiased") else 0
    elif correction is None:
        correction = 1
    else:
        number(correction, op, "correction", finite=True)
    if t.dtype.kind != "f":
        raise RuntimeError(f"{op}(): std and var only support floating point and complex dtypes "
                           f"(got {t.dtype})")
    return dims_or_all(t, dim, op), correction, boolean(keepdim, op, "keepdim")


def degrees_of_freedom(count: int, correction, op: str):
    """n − correction, at least 0; PyTorch warns when it is 0 (the result is then inf or nan)."""
    dof = max(0, count - correction)
    if dof == 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    return dof


def norm_args(t, p, dim, keepdim, op: str = "norm"):
    """norm's (p as a float, axes or None, keepdim). 'fro' is the 2-norm over one or two
    dims (or all); p = 0 counts the nonzero elements; ±inf is the largest/smallest |x|."""
    found = dims_or_all(t, dim, op)
    if p is None:
        p = 2.0
    if isinstance(p, str):
        if p == "nuc":
            raise RuntimeError(f"{op}: p='nuc' (the nuclear norm, a sum of singular values) is "
                               f"not supported; use 'fro' or a number")
        if p != "fro":
            raise RuntimeError(f"{op}: linalg.matrix_norm: Order {p} not supported.")
        if found is not None and len(found) > 2:
            raise RuntimeError(f"{op}: linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(str(d) for d in found)}")
        p = 2.0
    elif not is_number(p):
        raise TypeError(f"{op}: p must be a number, 'fro' or 'nuc', got {type(p).__name__}")
    if t.dtype.kind != "f":
        raise RuntimeError(f"{op}: linalg.vector_norm: Expected a floating point or complex "
                           f"tensor as input. Got {torch_name(t.dtype)}")
    p = float(p)
    if p < 0 or math.isinf(p):  # min/max-like: an empty reduction has no value
        if found is None and t._data.size == 0:
            raise RuntimeError(f"{op}: linalg.vector_norm cannot compute the {p:g} norm on an empty "
                               f"tensor because the operation does not have an identity")
        for d in found or ():
            if t.shape[d] == 0:
                raise RuntimeError(f"{op}: linalg.vector_norm cannot compute the {p:g} norm on the "
                                   f"dimension {d} because this dimension is empty and the "
                                   f"operation does not have an identity")
    return p, found, boolean(keepdim, op, "keepdim")


def floating_dtype(value, op: str, text: str):
    """A dtype= that must be floating point (norm's), with PyTorch's text."""
    value = dtype(value, op)
    if value.kind != "f":
        raise RuntimeError(f"{op}: {text}, but got {torch_name(value)}")
    return value


def gather_index(t, axis: int, index, op: str = "gather") -> np.ndarray:
    """gather's index: an int32/int64 Tensor with t's number of dims, no larger than t
    outside `axis`, every value a valid position along `axis` (PyTorch's texts)."""
    tensor(index, op, "index")
    read_outside_ops(index)
    positions = index._data
    if positions.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index (got {positions.dtype})")
    if positions.ndim != t.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input "
                           f"tensor (index shape {positions.shape}, input shape {t.shape})")
    for d in range(t.ndim):
        if d != axis and positions.shape[d] > t.shape[d]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {d} expected index "
                               f"{list(positions.shape)} to be no larger than self {list(t.shape)} "
                               f"apart from dimension {axis}")
    _positions_in_range(positions, t.shape[axis] if t.ndim else 1, axis, op, RuntimeError)
    return positions


def _positions_in_range(positions, size: int, axis: int, op: str, kind) -> None:
    outside = (positions < 0) | (positions >= size)
    if outside.any():
        raise kind(f"{op}(): index {positions[outside].flat[0]} is out of bounds for dimension "
                   f"{axis} with size {size}")


def select_index(t, axis: int, index, op: str = "index_select") -> np.ndarray:
    """index_select's index: a 0-d or 1-D int32/int64 Tensor of valid positions, flattened."""
    if not hasattr(index, "_data"):
        raise TypeError(f"{op}(): argument 'index' (position 2) must be Tensor, not "
                        f"{type(index).__name__}")
    read_outside_ops(index)
    positions = index._data
    if positions.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index (got {positions.dtype})")
    if positions.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got shape {positions.shape})")
    positions = positions.reshape(-1)
    if t.ndim == 0 and positions.size != 1:
        raise RuntimeError(f"{op}(): Index to scalar can have only 1 value, got {positions.size} "
                           f"value(s)")
    size = t.shape[axis] if t.ndim else 1
    if ((positions < 0) | (positions >= size)).any():
        raise IndexError(f"{op}(): index out of range in self (index "
                         f"{positions[(positions < 0) | (positions >= size)][0]} for dimension "
                         f"{axis} of size {size})")
    return positions


def masked_fill_args(t, mask, value, op: str = "masked_fill") -> np.ndarray:
    """masked_fill's mask (a bool Tensor broadcastable with t, as an array) after checking
    the value: a number or a 0-d Tensor that t's dtype can hold."""
    tensor(mask, op, "mask")
    if mask.dtype != np.bool_:
        raise RuntimeError(f"{op}: masked_fill_ only supports boolean masks, but got mask with "
                           f"dtype {mask.dtype}")
    broadcastable(t.shape, mask.shape, op)
    if hasattr(value, "_data"):
        if value.ndim != 0:
            raise RuntimeError(f"{op}: masked_fill_ only supports a 0-dimensional value tensor, "
                               f"but got tensor with {value.ndim} dimension(s).")
        value = value._data.item()
    number(value, op, "value")
    if t.dtype.kind in "iu":
        fits_dtype(value, t.dtype, op)
    read_outside_ops(mask)
    return mask._data


def split_sizes(t, split_size_or_sections, axis: int, op: str = "split") -> list:
    """The sizes of split's pieces along `axis` (PyTorch's rules and texts)."""
    if t.ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor")
    length = t.shape[axis]
    if isinstance(split_size_or_sections, (list, tuple)):
        pieces = [integer(n, op, "split_sizes") for n in split_size_or_sections]
        if any(n < 0 for n in pieces):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={pieces}")
        if sum(pieces) != length:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} "
                               f"(input tensor's size at dimension {axis}), but got "
                               f"split_sizes={pieces}")
        return pieces
    size = integer(split_size_or_sections, op, "split_size")
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if length:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {length}")
        return [0]
    count = max(-(-length // size), 1)
    return [size] * (count - 1) + [length - size * (count - 1)]


def chunk_sizes(t, chunks, axis: int) -> list:
    """chunk: pieces of ceil(n / chunks) along `axis` (so possibly fewer than `chunks`)."""
    integer(chunks, "chunk", "chunks")
    if t.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = t.shape[axis]
    if length == 0:
        return [0] * chunks
    return split_sizes(t, -(-length // chunks), axis, "chunk")


def repeat_sizes(t, repeats) -> tuple:
    """repeat's counts, one per dim of the result (at least t.ndim of them)."""
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = sizes(repeats, "repeat")
    if len(repeats) < t.ndim:
        raise RuntimeError(f"repeat: Number of dimensions of repeat dims can not be smaller than "
                           f"number of dimensions of tensor (repeats {list(repeats)} for shape "
                           f"{t.shape})")
    shape = (1,) * (len(repeats) - t.ndim) + t.shape
    result = [r * n for r, n in zip(repeats, shape)]
    if min(repeats) < 0:
        raise RuntimeError(f"repeat: Trying to create tensor with negative dimension "
                           f"{min(result)}: {result}")
    return repeats


def topk_count(t, k, axis: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): argument 'k' (position 1) must be int, not {type(k).__name__}")
    length = t.shape[axis] if t.ndim else 1
    if not 0 <= k <= length:
        raise RuntimeError(f"topk(): selected index k out of range (k = {k} for size {length} "
                           f"along dim {axis})")
    return int(k)


def allclose_args(a, b, rtol, atol, op: str = "allclose") -> None:
    """isclose/allclose: two tensors of one dtype that broadcast, tolerances >= 0."""
    tensor(a, op, "input")
    if not hasattr(b, "_data"):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(b).__name__}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}(): {torch_name(a.dtype)} did not match {torch_name(b.dtype)}")
    broadcastable(a.shape, b.shape, op)
    for name, value in (("rtol", rtol), ("atol", atol)):
        number(value, op, name)
        if not value >= 0:
            raise RuntimeError(f"{op}(): {name} must be greater than or equal to zero, but got "
                               f"{value:g}")


# ----------------------------------------------------------------------------
# einsum's equation


def einsum_operands(operands) -> list:
    """einsum(eq, a, b) and einsum(eq, [a, b]) both give [a, b]; each must be a Tensor."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    for i, operand in enumerate(operands):
        if not hasattr(operand, "_data"):
            raise TypeError(f"einsum(): expected Tensor as element {i} in argument 1, but got "
                            f"{type(operand).__name__}")
        if operand.dtype != operands[0].dtype:
            raise RuntimeError(f"einsum(): expected scalar type {torch_name(operands[0].dtype)} "
                               f"but found {torch_name(operand.dtype)} (operand {i})")
    return list(operands)


def _einsum_term(equation: str, start: int, end: int, what: str) -> list:
    """The labels of equation[start:end] in order, '...' kept as one item; spaces skipped."""
    labels, i = [], start
    while i < end:
        c = equation[i]
        if c == ".":
            if equation[i:i + 3] != "..." or i + 3 > end:
                raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any ellipsis")
            if "..." in labels:
                raise RuntimeError(f"einsum(): found '.' for {what} for which an ellipsis was "
                                   f"already found")
            labels.append("...")
            i += 3
            continue
        if c in _LETTERS:
            labels.append(c)
        elif c != " ":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
        i += 1
    return labels


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def einsum_equation(equation, shapes):
    """The labels of each operand (one letter per dimension: an ellipsis becomes letters the
    equation does not use) and of the output, and every label's size (size-1 dims broadcast).
    Without '->' the output is the ellipsis, then the labels used once, in alphabetical order."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' (position 1) must be str, not "
                        f"{type(equation).__name__}")
    arrow = equation.find("->")
    lhs_end = len(equation) if arrow < 0 else arrow
    bounds, start = [], 0
    for i in range(lhs_end + 1):
        if i == lhs_end or equation[i] == ",":
            bounds.append((start, i))
            start = i + 1
    if len(bounds) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(bounds) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    terms = [_einsum_term(equation, a, b, f"operand {k}") for k, (a, b) in enumerate(bounds)]
    spare = [c for c in _LETTERS if c not in equation]
    rank = 0
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term) - ("..." in term)
        if "..." in term and named > len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more "
                               f"than the number of dimensions ({len(shape)}) for operand {k}")
        if "..." not in term and named != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) does "
                               f"not match the number of dimensions ({len(shape)}) for operand {k} "
                               f"and no ellipsis was given")
        if "..." in term:
            rank = max(rank, len(shape) - named)
    if rank > len(spare):
        raise RuntimeError(f"einsum(): the ellipsis covers {rank} dimensions, more than the "
                           f"{len(spare)} letters the equation leaves unused")
    ellipsis = "".join(spare[:rank])
    inputs, label_sizes = [], {}
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        covered = len(shape) - (len(term) - ("..." in term))
        labels = "".join(ellipsis[rank - covered:] if c == "..." else c for c in term)
        for position, (label, size) in enumerate(zip(labels, shape)):
            first = labels.index(label)
            if first != position and shape[first] != size:
                raise RuntimeError(f"einsum(): subscript {label} is repeated for operand {k} but "
                                   f"the sizes don't match, {size} != {shape[first]}")
            seen = label_sizes.get(label, size)
            if seen != size and 1 not in (seen, size):
                if label in ellipsis:
                    raise RuntimeError(f"einsum(): dimension {ellipsis.index(label) - rank + covered} "
                                       f"covered by ellipsis in operand {k} has size {size} which "
                                       f"does not broadcast with previously seen ellipsis with size "
                                       f"{seen} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {label} has size {size} for operand {k} "
                                   f"which does not broadcast with previously seen size {seen}")
            label_sizes[label] = max(seen, size)
        inputs.append(labels)
    if arrow < 0:
        used = "".join(inputs)
        output = ellipsis + "".join(sorted(c for c in set(used) if used.count(c) == 1
                                           and c not in ellipsis))
    else:
        term = _einsum_term(equation, arrow + 2, len(equation), "the output")
        output = "".join(ellipsis if c == "..." else c for c in term)
        for label in term:
            if label != "..." and label not in label_sizes:
                raise RuntimeError(f"einsum(): output subscript {label} does not appear in the "
                                   f"equation for any input operand")
            if label != "..." and term.count(label) > 1:
                raise RuntimeError(f"einsum(): output subscript {label} appears more than once in "
                                   f"the output")
    return inputs, output, label_sizes


# ----------------------------------------------------------------------------
# devices, generators and random factories (devices.py, creation.py)

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


def device_spec(value, index=None, op: str = "device") -> tuple:
    """(type, index) of a device given as 'cpu', 'cpu:0', a tg.device, or type and index.
    Any other device PyTorch knows ('cuda', 'cuda:0', 'mps', an accelerator index) raises:
    there is only the CPU here. Unknown names get PyTorch's "Expected one of ..." text."""
    if isinstance(value, str):
        name, colon, number_ = value.partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(f"{op}: Expected one of {', '.join(_DEVICE_TYPES)} device type at "
                               f"start of device string: {value}")
        if colon and not number_.isdigit():
            raise RuntimeError(f"{op}: Invalid device string: '{value}'")
        found = int(number_) if colon else None
        if colon and index is not None:
            raise RuntimeError(f"{op}: type (string) must not include an index because index was "
                               f"passed explicitly: {value}")
    elif hasattr(value, "type") and hasattr(value, "index") and type(value).__name__ == "device":
        name, found = value.type, value.index
        if index is not None:
            raise TypeError(f"{op}: give a device or a type and an index, not a device and an index")
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        raise RuntimeError(f"{op}: device {value} means an accelerator, but tinygrad_edu runs on "
                           f"the CPU only (use 'cpu'; tg.cuda.is_available() is False)")
    else:
        raise TypeError(f"{op}: device must be a string such as 'cpu' or a tg.device, got "
                        f"{type(value).__name__}")
    if index is not None:
        found = integer(index, op, "index")
        if found < 0:
            raise RuntimeError(f"{op}: Device index must not be negative")
    if name != "cpu":
        raise RuntimeError(f"{op}: tinygrad_edu runs on the CPU only; device '{value}' is not "
                           f"available (use 'cpu'; tg.cuda.is_available() is False)")
    return name, found


def cpu_device(value, op: str) -> None:
    """device= of a factory: None or the CPU."""
    if value is not None:
        device_spec(value, op=op)


_DTYPE_NAMES = {d.name for d in SUPPORTED_DTYPES}
_TO_KEYWORDS = ("dtype", "device", "non_blocking", "copy", "memory_format")


def to_arguments(t, args: tuple, kwargs: dict) -> tuple:
    """Tensor.to's (dtype, copy) from PyTorch's three forms: to(dtype, non_blocking, copy),
    to(device=None, dtype=None, non_blocking, copy) and to(other, non_blocking, copy);
    the device must be the CPU (a tensor's device never changes here)."""
    if len(args) == 1 and not kwargs and type(args[0]) is np.dtype:  # the engine's own casts
        return dtype(args[0], "to"), False
    for name in kwargs:
        if name not in _TO_KEYWORDS:
            raise TypeError(f"to() got an unexpected keyword argument '{name}'")
    args, options = list(args), dict(kwargs)
    target = None
    if args and hasattr(args[0], "_data"):  # to(other): other's dtype and device
        target = args.pop(0).dtype
    elif args and (isinstance(args[0], (str, int)) or type(args[0]).__name__ == "device"):
        if isinstance(args[0], str) and args[0] in _DTYPE_NAMES:
            raise RuntimeError(f"to: Invalid device string: '{args[0]}' (a string names a device, "
                               f"as in PyTorch; for the dtype pass tg.{args[0]})")
        device_spec(args.pop(0), op="to")  # to(device, dtype=None, ...)
        if args and not isinstance(args[0], bool):
            target = args.pop(0)
    elif args:
        target = args.pop(0)
    if len(args) > 2:
        raise TypeError(f"to() takes at most 4 positional arguments ({len(args) + 2} or more given)")
    for name, value in zip(("non_blocking", "copy"), args):
        if name in options:
            raise TypeError(f"to() got multiple values for argument '{name}'")
        options[name] = value
    if options.get("device") is not None:
        device_spec(options["device"], op="to")
    if options.get("dtype") is not None:
        if target is not None:
            raise TypeError("to() got multiple values for argument 'dtype'")
        target = options["dtype"]
    if isinstance(target, str):  # NumPy would read "float32"; PyTorch takes dtypes only
        raise TypeError(f"to: {target!r} is not a dtype (pass one such as tg.float32)")
    boolean(options.get("non_blocking", False), "to", "non_blocking")  # a copy is never asynchronous
    copy = boolean(options.get("copy", False), "to", "copy")
    return (t.dtype if target is None else dtype(target, "to")), copy


def seed(value, op: str = "manual_seed") -> int:
    """A seed as PyTorch takes it: an int in [-2**63, 2**64), negative ones wrapping around."""
    integer(value, op, "seed")
    if not -2**63 <= value < 2**64:
        raise ValueError(f"{op}: Overflow when unpacking long long (the seed must be in "
                         f"[-2**63, 2**64), got {value})")
    return int(value) % 2**64


def random_generator(value, op: str):
    """generator=: None (tg's default), a tg.Generator or a numpy.random.Generator; returns
    the NumPy generator to draw from, or None for the default."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    inner = getattr(value, "generator", None)
    if isinstance(inner, np.random.Generator):
        return inner
    raise TypeError(f"{op}(): generator must be a tg.Generator (or a numpy.random.Generator), "
                    f"got {type(value).__name__}")


def normal_args(mean, std, size, op: str = "normal") -> tuple:
    """normal's (shape, default dtype): numbers take size=, tensors give their broadcast
    shape and dtype; std >= 0 (PyTorch's texts)."""
    shapes, dtypes = [], []
    for name, value in (("mean", mean), ("std", std)):
        if hasattr(value, "_data"):
            if value.dtype.kind != "f":
                raise TypeError(f"{op}: {name} must be a floating-point tensor, got dtype "
                                f"{value.dtype}")
            shapes.append(value.shape)
            dtypes.append(value.dtype)
        else:
            number(value, op, name)
    if hasattr(std, "_data"):
        if not (std._data >= 0).all():
            raise RuntimeError(f"{op} expects all elements of std >= 0.0")
    elif not std >= 0:
        raise RuntimeError(f"{op} expects std >= 0.0, but found std {std:g}")
    if not shapes:
        if size is None:
            raise TypeError(f"{op}(): with a number mean and std, give the size too, e.g. "
                            f"normal(0.0, 1.0, (2, 3))")
        return new_size((size,), op), DEFAULT_FLOAT
    if size is not None:
        raise TypeError(f"{op}(): size goes only with a number mean and std (a tensor mean or "
                        f"std sets the shape)")
    if len(shapes) == 2:
        broadcastable(*shapes, op)
    return np.broadcast_shapes(*shapes), np.result_type(*dtypes)


def randint_args(args: tuple, low, high, size, op: str = "randint") -> tuple:
    """randint's (low, high, size) from randint(high, size), randint(low, high, size) and
    keywords; low < high."""
    given = {"low": low, "high": high, "size": size}
    slots = [name for name, value in given.items() if value is None]
    if "low" in slots and len(args) == len(slots) - 1:
        slots.remove("low")
        given["low"] = 0
    if len(args) != len(slots):
        raise TypeError(f"{op}() takes (high, size) or (low, high, size); got {len(args)} "
                        f"positional arguments for {', '.join(slots) or 'none'}")
    given.update(zip(slots, args))
    low, high = integer(given["low"], op, "low"), integer(given["high"], op, "high")
    if low >= high:
        raise RuntimeError(f"{op}: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    return low, high, given["size"]


def randperm_dtype(n: int, value) -> np.dtype:
    """randperm's dtype: an integer or float dtype that holds 0 ... n − 1 exactly."""
    value = dtype(value, "randperm")
    if value.kind == "b":
        raise TypeError('randperm: "randperm" not implemented for \'Bool\'')
    if value.kind == "f":
        largest = 2 ** (np.finfo(value).nmant + 1) + 1  # the last n whose n − 1 is exact
        if n > largest:
            raise RuntimeError(f"randperm: n cannot be greater than {largest} for "
                               f"{torch_name(value)} type.")
    elif n:
        fits_dtype(n - 1, value, "randperm")
    return value


def multinomial_args(t, num_samples, replacement) -> None:
    """multinomial: 1-D or 2-D float weights, each row with a positive, finite sum."""
    op = "multinomial"
    tensor(t, op, "input")
    integer(num_samples, op, "num_samples")
    boolean(replacement, op, "replacement")
    if t.dtype.kind != "f":
        raise RuntimeError(f"{op} only supports floating-point dtypes for input, got: "
                           f"{torch_name(t.dtype)}")
    if t.ndim not in (1, 2):
        raise RuntimeError(f"{op}: prob_dist must be 1 or 2 dim (got shape {t.shape})")
    if num_samples <= 0:
        raise RuntimeError(f"{op}: cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and num_samples > t.shape[-1]:
        raise RuntimeError(f"{op}: cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({num_samples} > {t.shape[-1]})")
    weights = t._data
    if not (np.isfinite(weights).all() and (weights >= 0).all()):
        raise RuntimeError(f"{op}: probability tensor contains either `inf`, `nan` or element < 0")
    if not (weights.sum(-1) > 0).all():
        raise RuntimeError(f"{op}: invalid multinomial distribution (sum of probabilities <= 0)")


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
