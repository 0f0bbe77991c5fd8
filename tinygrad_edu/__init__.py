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
from .modes import enable_grad, no_grad, set_grad_enabled
from .scopes import current_module, module_scope
from .tensor import Tensor, cat, matmul, where
from .creation import (arange, eye, from_numpy, full, full_like, generator, linspace,
                       manual_seed, ones, ones_like, rand, randint, randn, tensor, zeros,
                       zeros_like)
from .gradcheck import GradcheckError, gradcheck
from .serialization import CheckpointError, load, save
from .drawing import (GraphDrawing, RendererError, draw_backward_steps, draw_graph, find_renderer,
                      graph_to_dot, retain_grads, write_backward_steps_html)
from . import utils  # tg.utils.data, as torch.utils.data

__version__ = "0.1.0"
bool = bool_  # tg.bool, like torch.bool

# torch.autograd's namespace is the engine module plus the entry points that live beside it
autograd.backward, autograd.grad, autograd.gradcheck = backward, grad, gradcheck
autograd.detect_anomaly = detect_anomaly


def __getattr__(name):
    """`tg.nn` and `tg.optim` (the nn package, built on this one) load on first use."""
    if name in ("nn", "optim"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def exp(x): return x.exp()
def log(x): return x.log()
def sqrt(x): return x.sqrt()
def abs(x): return x.abs()
def sigmoid(x): return x.sigmoid()
def tanh(x): return x.tanh()
def relu(x): return x.relu()
def leaky_relu(x, negative_slope=0.01): return x.leaky_relu(negative_slope)
def softmax(x, dim): return x.softmax(dim)
def log_softmax(x, dim): return x.log_softmax(dim)
def logsumexp(x, dim, keepdim=False): return x.logsumexp(dim, keepdim)
def clamp(x, min=None, max=None): return x.clamp(min, max)
def sum(x, dim=None, keepdim=False, **aliases): return x.sum(dim, keepdim, **aliases)
def mean(x, dim=None, keepdim=False, **aliases): return x.mean(dim, keepdim, **aliases)
def max(x, dim=None, keepdim=False, **aliases): return x.max(dim, keepdim, **aliases)
def min(x, dim=None, keepdim=False, **aliases): return x.min(dim, keepdim, **aliases)
def argmax(x, dim=None, keepdim=False): return x.argmax(dim, keepdim)
def argmin(x, dim=None, keepdim=False): return x.argmin(dim, keepdim)
def reshape(x, *shape): return x.reshape(*shape)
def transpose(x, dim0, dim1): return x.transpose(dim0, dim1)
def permute(x, *dims): return x.permute(*dims)
def flatten(x, start_dim=0, end_dim=-1): return x.flatten(start_dim, end_dim)
def squeeze(x, dim=None): return x.squeeze(dim)
def unsqueeze(x, dim): return x.unsqueeze(dim)
def pow(x, exponent): return x ** exponent
def clone(x): return x.clone()
def is_tensor(x): return isinstance(x, Tensor)
