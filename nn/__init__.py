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

from . import functional, init, optim, utils
from .activation import (GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax,
                         Softplus, Tanh)
from .batchnorm import BatchNorm1d
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .module import IncompatibleKeys, Module
from .normalization import LayerNorm
from .optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .parameter import Parameter
from .sparse import Embedding
from .serialization import CheckpointError, load, save

# tg.detect_anomaly reports the user's line that created an op: skip frames in nn too
tg.checks.skip_package_in_call_sites(__file__)

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear", "Flatten",
    "Unflatten", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding", "Identity", "Sigmoid",
    "Tanh", "ReLU", "LeakyReLU", "GELU", "SiLU", "Softplus", "Softmax", "LogSoftmax", "MSELoss",
    "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "NLLLoss", "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "IncompatibleKeys", "functional", "init", "optim",
    "utils", "save", "load", "CheckpointError",
]
