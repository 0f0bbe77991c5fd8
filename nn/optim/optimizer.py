"""`Optimizer`: the base class of every optimizer, and the hyperparameter checks they share.

    opt = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.zero_grad(); loss.backward(); opt.step()

A step updates each parameter in place, in the NumPy array behind it
(`p.numpy(force=True)`), so the Parameter objects stay the same, and then counts the
change in their versions (`tg.autograd.graph.increment_version`, as in-place ops do):
a graph that saved a parameter before the step refuses to back-propagate instead of
silently using the new value. PyTorch's optimizers run in-place tensor ops under
no_grad; here a step makes no Tensor op at all, as it is on the hot path of
per-sample training (no grad-mode switch, no in-place dispatch: W4's SGD step took
6.0 µs that way, 4.9 µs this way, and 4.3 µs with plain SGD's own loop, for 2.5 µs of
NumPy).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import tinygrad_edu as tg
from tinygrad_edu import checks

from ..module import _zero_grads

increment_version = tg.autograd.graph.increment_version

_SET_MESSAGE = ("optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")


# Every optimizer's hyperparameter rules, in one table: name -> (PyTorch's message, rule).
# A value must first be a finite number, not a bool: a string or None would fail deep
# inside step(), and a nan or inf learning rate would silently turn every weight into nan.
_RULES = {
    "lr": ("Invalid learning rate", lambda v: v >= 0),
    "momentum": ("Invalid momentum value", lambda v: v >= 0),
    "dampening": ("Invalid dampening value", lambda v: True),
    "weight_decay": ("Invalid weight_decay value", lambda v: v >= 0),
    "eps": ("Invalid epsilon value", lambda v: v >= 0),
    "alpha": ("Invalid alpha value", lambda v: v >= 0),
    "lr_decay": ("Invalid lr_decay value", lambda v: v >= 0),
    "initial_accumulator_value": ("Invalid initial_accumulator_value value", lambda v: v >= 0),
}


def _check_number(name: str, value, text: str, valid) -> None:
    """`Invalid learning rate: lr must be a number, got str`, `... must be finite, got
    nan`, then PyTorch's `Invalid learning rate: -0.1`."""
    checks.real(value, text, name, finite=True)
    if not valid(value):
        raise ValueError(f"{text}: {value}")


def check_hyperparameters(values: Mapping) -> None:
    """Check every hyperparameter in `values` that has a rule (options such as nesterov
    or amsgrad have none), with PyTorch's messages: `Invalid learning rate: -0.1`."""
    for name, value in values.items():
        if name == "betas":
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise TypeError(f"Invalid betas: {value!r} (betas must be a pair of numbers "
                                f"(beta1, beta2))")
            for i, beta in enumerate(value):
                _check_number(f"betas[{i}]", beta, f"Invalid beta parameter at index {i}",
                              lambda v: 0.0 <= v < 1.0)
        elif name in _RULES:
            text, valid = _RULES[name]
            _check_number(name, value, text, valid)


def subtract_(param, update) -> None:
    """θ ← θ − update, in θ's own memory, counted as an in-place change."""
    array = param.numpy(force=True)
    array -= update
    increment_version(param)


def scale_(param, factor: float) -> None:
    """θ ← factor·θ, in θ's own memory, counted as an in-place change."""
    array = param.numpy(force=True)
    array *= factor
    increment_version(param)


def gradients(group: dict, weight_decay=None):
    """(parameter, g) for each parameter of the group that has a gradient, where g is the
    gradient as the optimizers first adjust it: −∇ if maximize, + λ·θ if weight decay
    λ ≠ 0 (a NumPy array; ∇ itself is left untouched). weight_decay=0 skips the decay
    (AdamW decays the weights themselves)."""
    if weight_decay is None:
        weight_decay = group["weight_decay"]
    maximize = group["maximize"]
    for param in group["params"]:
        grad = param.grad
        if grad is None:
            continue
        g = grad.numpy(force=True)
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * param.numpy(force=True)
        yield param, g


class Optimizer:
    """Base class: holds `param_groups` (a list of dicts, each with 'params' and
    its hyperparameters) and per-parameter `state`.

    `params` is an iterable of Tensors, or of dicts {'params': [...], 'lr': ...}
    whose missing hyperparameters come from the constructor's arguments.
    """

    def __init__(self, params, defaults: dict):
        check_hyperparameters(defaults)  # before the params, as PyTorch's constructors do
        self.defaults = defaults
        self.state: dict = {}
        self.param_groups: list = []
        if isinstance(params, tg.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        if isinstance(params, set):  # PyTorch checks this per group only
            raise TypeError(_SET_MESSAGE)
        if not isinstance(params, Iterable) or isinstance(params, (str, Mapping)):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. a smaller lr)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError(f"add_param_group: a parameter group needs a 'params' entry, got keys "
                           f"{sorted(param_group)}")
        params = param_group["params"]
        if isinstance(params, tg.Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(_SET_MESSAGE)
        elif not isinstance(params, Iterable) or isinstance(params, (str, Mapping)):
            raise TypeError(f"add_param_group: 'params' must be a Tensor or an iterable of "
                            f"Tensors, got {type(params).__name__}")
        else:
            params = list(params)
        for param in params:
            if not isinstance(param, tg.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            # step() would update such a parameter twice
            raise ValueError("add_param_group: a parameter appears more than once in the group")
        check_hyperparameters({k: v for k, v in param_group.items() if k != "params"})
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter: to None (default) or to zeros."""
        tg.jit.call(self._zero_grad, set_to_none)  # one kernel for tg.jit

    def _zero_grad(self, set_to_none: bool) -> None:
        for group in self.param_groups:
            _zero_grads(group["params"], set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient. `closure`, if given, is called
        first (with grad enabled) to re-evaluate the loss, which step returns."""
        loss = None
        if closure is not None and not callable(closure):
            raise TypeError(f"step: closure must be callable, got {type(closure).__name__}")
        if closure is not None:
            with tg.enable_grad():
                loss = closure()
        self._opt_called = True  # lr_scheduler warns when it steps before the optimizer
        # one kernel for tg.jit: a replay calls it again, reading lr, step counts and state anew
        tg.jit.call(self._step)
        return loss

    def _step(self) -> None:
        for group in self.param_groups:
            self._update_group(group)

    def _update_group(self, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _update_group")

    # -- checkpointing --------------------------------------------------------

    def state_dict(self) -> dict:
        """{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index, ...]}]}
        with parameters numbered across groups in order, as PyTorch does."""
        index_of, groups = {}, []
        for group in self.param_groups:
            indices = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                indices.append(index_of[id(param)])
            groups.append(dict(group, params=indices))
        state = {index_of[id(p)]: {k: (v.detach().clone() if isinstance(v, tg.Tensor) else v)
                                   for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and per-parameter state saved by `state_dict`."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Optimizer.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise KeyError(f"Optimizer.load_state_dict: the state dict has no {key!r} entry "
                               f"(got keys {sorted(map(str, state_dict))})")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
        self.state = {}
        for mine, theirs in zip(self.param_groups, groups):
            for param, index in zip(mine["params"], theirs["params"]):
                if index in state_dict["state"]:
                    self.state[param] = {
                        k: (tg.Tensor(v.numpy(force=True).astype(param.dtype)) if isinstance(v, tg.Tensor) else v)
                        for k, v in state_dict["state"][index].items()}
            mine.update({k: v for k, v in theirs.items() if k != "params"})

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"
