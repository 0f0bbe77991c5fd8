"""tinygrad_edu: a PyTorch-like reverse-mode autograd engine on NumPy, built to be read.

    import tinygrad_edu as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""
from . import autograd
from .anomaly import detect_anomaly, is_anomaly_enabled
from .autograd import Function, is_grad_enabled, topological_order
from .composed import maximum, minimum, stack
from .dtypes import bool_, float16, float32, float64, int8, int16, int32, int64, uint8
from .gradients import backward, grad
from .modes import (enable_grad, inference_mode, is_inference_mode_enabled, no_grad,
                    set_grad_enabled)
from .scopes import current_module, module_scope
from .tensor import Tensor, cat, matmul, where
from .creation import (Generator, arange, default_generator, empty, empty_like, eye, from_numpy,
                       full, full_like, generator, initial_seed, linspace, manual_seed,
                       multinomial, normal, ones, ones_like, rand, rand_like, randint,
                       randint_like, randn, randn_like, randperm, seed, tensor, zeros, zeros_like)
from .devices import backends, cuda, device
from .functions import (abs, all, allclose, any, argmax, argmin, argsort, chunk, clamp, clone,
                        cos, cumsum, einsum, erf, exp, expm1, flatten, gather, index_select,
                        is_tensor, isclose, isfinite, isinf, isnan, leaky_relu, log, log10, log1p,
                        log_softmax, logsumexp, masked_fill, max, mean, min, norm, numel, permute,
                        pow, prod, relu, reshape, sigmoid, sin, softmax, sort, split, sqrt,
                        squeeze, std, sum, tanh, topk, transpose, unsqueeze, var)
from .gradcheck import GradcheckError, gradcheck
from .jit import TracingError, jit
from .serialization import CheckpointError, load, save
from .drawing import (GraphDrawing, RendererError, draw_backward_steps, draw_graph, find_renderer,
                      graph_to_dot, retain_grads, write_backward_steps_html)
from . import utils  # tg.utils.data, as torch.utils.data

__version__ = "0.1.0"

# torch.autograd's namespace is the engine module plus the entry points that live beside it
autograd.backward, autograd.grad, autograd.gradcheck = backward, grad, gradcheck
autograd.detect_anomaly = detect_anomaly
from . import graph as _graph  # noqa: E402  (tg.autograd.graph: Node, increment_version)
autograd.graph = _graph


def __getattr__(name):
    """`tg.nn` and `tg.optim` (the nn package, built on this one) load on first use."""
    if name in ("nn", "optim"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# PyTorch's dtype aliases. They shadow Python's bool, float and int only inside this
# namespace (tg.float is float32), so they come last.
bool = bool_
float, double, half = float32, float64, float16
long, int, short = int64, int32, int16
