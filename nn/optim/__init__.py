"""nn.optim: optimizers with PyTorch's exact update equations, and `lr_scheduler`.

    optimizer = nn.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]


def __dir__():
    return sorted(__all__)
