"""nn: modules, losses and optimizers built only on tinygrad_edu's public API.

    import tinygrad_edu as tg
    import nn

    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = nn.SGD(model.parameters(), lr=0.1)

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

Names, signatures, defaults, state-dict keys and error texts follow PyTorch's
torch.nn / torch.optim, so code and checkpoints move between the two.
"""
import tinygrad_edu as tg

from . import functional, init, optim
from .activation import Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import IncompatibleKeys, Module
from .optim import SGD, Adam, Optimizer
from .parameter import Parameter
from .serialization import CheckpointError, load, save

# tg.detect_anomaly reports the user's line that created an op: skip frames in nn too
tg.checks.skip_package_in_call_sites(__file__)

__all__ = [
    "Module", "Parameter", "Sequential", "Linear", "Identity", "Sigmoid", "Tanh", "ReLU",
    "LeakyReLU", "Softmax", "LogSoftmax", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "Optimizer", "SGD", "Adam", "IncompatibleKeys", "functional", "init",
    "optim", "save", "load", "CheckpointError",
]
