"""The golden runs the optimizer tests share: a 3-element parameter from W0, fed 25
gradients of varying sign and size (several powers of two smaller every 5 steps),
and the weights PyTorch 2.13 ends on for each configuration (float64)."""
import numpy as np

import nn
import tinygrad_edu as tg

W0 = np.array([0.5, -1.5, 2.0])
STEPS = 25


def gradients(steps: int = STEPS) -> list:
    return [np.sin(t * np.array([1.0, 2.0, 3.0]) + 0.5) * 2.0 ** -(t % 5)
            for t in range(1, steps + 1)]


def trajectory(optimizer_class, **options) -> list:
    """The weights after each step of `optimizer_class` on the golden gradients."""
    w = nn.Parameter(tg.tensor(W0.copy()))
    optimizer = optimizer_class([w], **options)
    weights = []
    for g in gradients():
        w.grad = tg.tensor(g)
        optimizer.step()
        weights.append(w.numpy(force=True).copy())
    return weights


def adam_by_hand(grads, w, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, maximize=False, decoupled_weight_decay=False) -> list:
    """The algorithm boxes of torch/optim/adam.py and adamw.py, line by line: m, v, bias
    corrections, θ −= lr·m̂/(√v̂ + ε); weight decay added to the gradient (Adam) or
    applied to the weights first (AdamW, decoupled). The weights after each step."""
    beta1, beta2 = betas
    m = v = v_max = np.zeros_like(w)
    weights = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            w = w - lr * weight_decay * w
        elif weight_decay:
            g = g + weight_decay * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2 ** t)
        else:
            v_hat = v / (1 - beta2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        weights.append(w)
    return weights


PYTORCH_FINAL_WEIGHTS = [  # (optimizer, options, weights after 25 steps), PyTorch 2.13
    ("RMSprop", {}, [0.46685230431638225, -1.5119036094732408, 2.06915754847149]),
    ("RMSprop", {"lr": 0.05, "alpha": 0.9, "eps": 0.001},
     [0.4397805918171757, -1.530381251971253, 2.1019745604524123]),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8},
     [0.4486428064150008, -1.5173419533472101, 2.3449347746377227]),
    ("RMSprop", {"lr": 0.01, "centered": True},
     [0.46654618424080413, -1.5120952748368464, 2.069990257875732]),
    ("RMSprop", {"lr": 0.02, "centered": True, "momentum": 0.5, "weight_decay": 0.1,
                 "maximize": True},
     [0.22904214924659452, -0.6358498778932555, 0.45225812686791694]),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3, "centered": True},
     [0.48647786320980363, -1.5278619261858521, 2.0030609770245356]),
    ("AdamW", {}, [0.4994522304771691, -1.4993727991896395, 2.002281304292909]),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3},
     [0.3405014085427127, -1.0132182568118957, 1.4744698977064572]),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "maximize": True},
     [0.3448457891734364, -1.042798181560869, 1.2668927673394583]),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.0},
     [0.45768937342051824, -1.4747798176301494, 2.278179159932375]),
    ("Adam", {"lr": 0.05, "weight_decay": 0.3, "decoupled_weight_decay": True},
     [0.3405014085427127, -1.0132182568118957, 1.4744698977064572]),
    ("Adam", {"lr": 0.05, "weight_decay": 0.3},
     [0.18841330783938254, -0.6373233333135775, 0.9589985580159143]),
    ("Adagrad", {}, [0.49675878410452046, -1.5011306234591022, 2.0069515364483523]),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05},
     [0.4608243749555164, -1.5139331298633625, 2.0671409051904095]),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 0.001},
     [0.4973961568158121, -1.48491233132149, 2.02947123088084]),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.2, "maximize": True},
     [0.3451096442524294, -1.0471804225991672, 1.356330381033835]),
]


def golden(name: str) -> list:
    """(options, final weights) of the runs of one optimizer."""
    return [(options, weights) for n, options, weights in PYTORCH_FINAL_WEIGHTS if n == name]
