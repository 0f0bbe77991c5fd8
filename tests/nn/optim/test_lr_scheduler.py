"""Learning-rate schedulers: the learning rate epoch by epoch against PyTorch 2.13's
numbers (equal to the last bit: the same recursive formulas), state_dict round trips
that resume the schedule, the deprecated step(epoch), warnings and errors."""
import math
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from nn.optim import lr_scheduler as S

# learning rate after construction, then after each of 30 epochs; lr = 0.1
PYTORCH_SCHEDULES = {
    "StepLR(step_size=3, gamma=0.5)":
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125,
         0.00625, 0.00625, 0.00625, 0.003125, 0.003125, 0.003125, 0.0015625, 0.0015625,
         0.0015625, 0.00078125, 0.00078125, 0.00078125, 0.000390625, 0.000390625,
         0.000390625, 0.0001953125, 0.0001953125, 0.0001953125, 9.765625e-05],
    "MultiStepLR(milestones=[2, 5, 5, 9], gamma=0.3)":
        [0.1, 0.1, 0.03, 0.03, 0.03, 0.0026999999999999997, 0.0026999999999999997,
         0.0026999999999999997, 0.0026999999999999997, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998,
         0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998],
    "ExponentialLR(gamma=0.9)":
        [0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
         0.06561000000000002, 0.05904900000000002, 0.05314410000000002,
         0.04782969000000002, 0.043046721000000024, 0.03874204890000002,
         0.03486784401000002, 0.03138105960900001, 0.028242953648100012,
         0.025418658283290013, 0.022876792454961013, 0.020589113209464913,
         0.01853020188851842, 0.01667718169966658, 0.015009463529699923,
         0.013508517176729932, 0.01215766545905694, 0.010941898913151246,
         0.009847709021836121, 0.00886293811965251, 0.007976644307687259,
         0.007178979876918534, 0.006461081889226681, 0.005814973700304013,
         0.005233476330273611, 0.00471012869724625, 0.004239115827521626],
    "CosineAnnealingLR(T_max=10, eta_min=0.001)":
        [0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742,
         0.0657963412215599, 0.0505, 0.03520365877844011, 0.02140463001152259,
         0.010453658778440109, 0.0034227024433899004, 0.001, 0.0034227024433899004,
         0.01045365877844014, 0.02140463001152267, 0.035203658778440255,
         0.05050000000000022, 0.06579634122156018, 0.07959536998847777,
         0.09054634122156031, 0.09757729755661054, 0.10000000000000045,
         0.09757729755661054, 0.09054634122156033, 0.07959536998847778, 0.0657963412215602,
         0.050500000000000225, 0.03520365877844027, 0.021404630011522683,
         0.010453658778440154, 0.003422702443389916, 0.001],
    "CosineAnnealingLR(T_max=7)":
        [0.1, 0.09504844339512096, 0.08117449009293669, 0.061126046697815725,
         0.03887395330218429, 0.018825509907063328, 0.004951556604879048, 0.0,
         0.004951556604879043, 0.018825509907063314, 0.03887395330218427,
         0.06112604669781568, 0.08117449009293667, 0.09504844339512099,
         0.10000000000000002, 0.09504844339512099, 0.0811744900929367,
         0.061126046697815704, 0.0388739533021843, 0.018825509907063342,
         0.004951556604879055, 0.0, 0.004951556604879043, 0.018825509907063477,
         0.038873953302184606, 0.06112604669781624, 0.08117449009293747,
         0.0950484433951218, 0.10000000000000091, 0.09504844339512183, 0.0811744900929375],
    "LambdaLR(lr_lambda=lambda e: 0.95 ** e)":
        [0.1, 0.095, 0.09025, 0.0857375, 0.081450625, 0.07737809374999999,
         0.07350918906249998, 0.06983372960937498, 0.06634204312890622, 0.0630249409724609,
         0.05987369392383787, 0.05688000922764597, 0.05403600876626367,
         0.051334208327950485, 0.04876749791155296, 0.046329123015975304,
         0.04401266686517654, 0.04181203352191771, 0.039721431845821824,
         0.03773536025353073, 0.03584859224085419, 0.03405616262881148, 0.0323533544973709,
         0.03073568677250236, 0.02919890243387724, 0.027738957312183378,
         0.026352009446574204, 0.025034408974245494, 0.023782688525533217,
         0.022593554099256556, 0.02146387639429373],
}

SCHEDULERS = {
    "StepLR(step_size=3, gamma=0.5)": lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR(milestones=[2, 5, 5, 9], gamma=0.3)":
        lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR(gamma=0.9)": lambda o: S.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR(T_max=10, eta_min=0.001)":
        lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR(T_max=7)": lambda o: S.CosineAnnealingLR(o, T_max=7),
    "LambdaLR(lr_lambda=lambda e: 0.95 ** e)": lambda o: S.LambdaLR(o, lambda e: 0.95 ** e),
}


def _optimizer(groups: int = 1):
    params = [nn.Parameter(tg.zeros(1)) for _ in range(groups)]
    return nn.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(params)], lr=0.1)


def _schedule(make, epochs=30, groups=1, metrics=None):
    optimizer = _optimizer(groups)
    scheduler = make(optimizer)
    lrs = [list(scheduler.get_last_lr())]
    for epoch in range(epochs):
        optimizer.step()
        scheduler.step() if metrics is None else scheduler.step(metrics[epoch])
        lrs.append(list(scheduler.get_last_lr()))
        assert lrs[-1] == [g["lr"] for g in optimizer.param_groups]
    return lrs if groups > 1 else [lr for (lr,) in lrs]


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_learning_rates_equal_pytorchs_epoch_by_epoch(name):
    assert _schedule(SCHEDULERS[name]) == PYTORCH_SCHEDULES[name]


def test_closed_forms_agree_with_the_recursions():
    # η_t = η_min + ½(η_0 − η_min)(1 + cos(πt/T)) and 0.1·γ^⌊t/3⌋, to rounding
    cosine = PYTORCH_SCHEDULES["CosineAnnealingLR(T_max=10, eta_min=0.001)"]
    np.testing.assert_allclose(cosine, [0.001 + 0.5 * 0.099 * (1 + math.cos(math.pi * t / 10))
                                        for t in range(31)], rtol=1e-13)
    step = PYTORCH_SCHEDULES["StepLR(step_size=3, gamma=0.5)"]
    assert step == [0.1 * 0.5 ** (t // 3) for t in range(31)]


# two groups (lr 0.1 and 0.2), 22 epochs
PYTORCH_TWO_GROUPS_LAMBDA = [
    [0.1, 0.2], [0.05, 0.2], [0.03333333333333333, 0.2], [0.025, 0.2], [0.020000000000000004,
    0.18000000000000002], [0.016666666666666666, 0.18000000000000002], [0.014285714285714285,
    0.18000000000000002], [0.0125, 0.18000000000000002], [0.011111111111111112,
    0.16200000000000003], [0.010000000000000002, 0.16200000000000003], [0.009090909090909092,
    0.16200000000000003], [0.008333333333333333, 0.16200000000000003], [0.007692307692307693,
    0.1458], [0.007142857142857143, 0.1458], [0.006666666666666667, 0.1458], [0.00625, 0.1458],
    [0.0058823529411764705, 0.13122], [0.005555555555555556, 0.13122], [0.005263157894736842,
    0.13122], [0.005000000000000001, 0.13122], [0.004761904761904762, 0.11809800000000002],
    [0.004545454545454546, 0.11809800000000002], [0.004347826086956522, 0.11809800000000002]
]

PYTORCH_TWO_GROUPS_STEP = [
    [0.1, 0.2], [0.1, 0.2], [0.1, 0.2], [0.1, 0.2], [0.06999999999999999, 0.13999999999999999],
    [0.06999999999999999, 0.13999999999999999], [0.06999999999999999, 0.13999999999999999],
    [0.06999999999999999, 0.13999999999999999], [0.048999999999999995, 0.09799999999999999],
    [0.048999999999999995, 0.09799999999999999], [0.048999999999999995, 0.09799999999999999],
    [0.048999999999999995, 0.09799999999999999], [0.0343, 0.0686], [0.0343, 0.0686], [0.0343,
    0.0686], [0.0343, 0.0686], [0.024009999999999997, 0.04801999999999999],
    [0.024009999999999997, 0.04801999999999999], [0.024009999999999997, 0.04801999999999999],
    [0.024009999999999997, 0.04801999999999999], [0.016806999999999996, 0.03361399999999999],
    [0.016806999999999996, 0.03361399999999999], [0.016806999999999996, 0.03361399999999999]
]


def test_two_param_groups_each_follow_their_schedule():
    lambdas = _schedule(lambda o: S.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** (e // 4)]),
                        epochs=22, groups=2)
    assert lambdas == PYTORCH_TWO_GROUPS_LAMBDA
    steps = _schedule(lambda o: S.StepLR(o, 4, 0.7), epochs=22, groups=2)
    assert steps == PYTORCH_TWO_GROUPS_STEP


METRICS = [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.9, 0.95, 0.5, 0.49, 0.48, 0.6, 0.6, 0.6, 0.6, 0.3,
           0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]


PYTORCH_PLATEAU_MIN_REL = [
    0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025,
    0.025, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125,
    0.00625, 0.00625, 0.00625, 0.00625, 0.003125
]

PYTORCH_PLATEAU_MAX_ABS = [
    0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02,
    0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02,
    0.02
]


def test_reduce_lr_on_plateau_matches_pytorch():
    assert _schedule(lambda o: S.ReduceLROnPlateau(o, patience=2, cooldown=1, factor=0.5),
                     metrics=METRICS) == PYTORCH_PLATEAU_MIN_REL
    assert _schedule(lambda o: S.ReduceLROnPlateau(o, mode="max", threshold=0.05,
                                                   threshold_mode="abs", patience=1, factor=0.5,
                                                   min_lr=0.02),
                     metrics=[-m for m in METRICS]) == PYTORCH_PLATEAU_MAX_ABS
    per_group = _schedule(lambda o: S.ReduceLROnPlateau(o, threshold=0.01, threshold_mode="abs",
                                                        patience=0, min_lr=[0.01, 0.05]),
                          metrics=METRICS, groups=2)
    assert per_group == [[0.1, 0.2]] * 3 + [[0.010000000000000002, 0.05]] * 28


def test_reduce_lr_on_plateau_accepts_a_0d_tensor_metric():
    optimizer = _optimizer()
    scheduler = S.ReduceLROnPlateau(optimizer, patience=0)
    scheduler.step(tg.tensor(1.0))
    scheduler.step(tg.tensor(2.0))
    assert scheduler.get_last_lr() == [0.010000000000000002]


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_state_dict_resumes_the_schedule(name):
    expected = PYTORCH_SCHEDULES[name]
    optimizer = _optimizer()
    scheduler = SCHEDULERS[name](optimizer)
    for _ in range(12):
        optimizer.step()
        scheduler.step()
    optimizer_state, scheduler_state = optimizer.state_dict(), scheduler.state_dict()
    assert "optimizer" not in scheduler_state and scheduler_state["last_epoch"] == 12
    # PyTorch's advice: build the scheduler, then load the optimizer and scheduler states
    resumed_optimizer = _optimizer()
    resumed = SCHEDULERS[name](resumed_optimizer)
    resumed_optimizer.load_state_dict(optimizer_state)
    resumed.load_state_dict(scheduler_state)
    lrs = []
    for _ in range(18):
        resumed_optimizer.step()
        resumed.step()
        lrs.append(resumed.get_last_lr()[0])
    assert lrs == expected[13:]


def test_state_dict_keys_are_pytorchs():
    optimizer = _optimizer()
    assert list(S.StepLR(optimizer, 3).state_dict()) == [
        "step_size", "gamma", "base_lrs", "last_epoch", "_step_count", "_is_initial",
        "_get_lr_called_within_step", "_last_lr"]
    assert S.LambdaLR(optimizer, lambda e: 1.0).state_dict()["lr_lambdas"] == [None]
    plateau = S.ReduceLROnPlateau(optimizer).state_dict()
    assert plateau["best"] == math.inf and plateau["mode"] == "min"
    assert optimizer.param_groups[0]["initial_lr"] == 0.1


def test_lambda_lr_saves_the_state_of_callable_objects():
    class Warmup:
        def __init__(self, epochs):
            self.epochs = epochs

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.epochs)

    scheduler = S.LambdaLR(_optimizer(), Warmup(5))
    saved = scheduler.state_dict()
    assert saved["lr_lambdas"] == [{"epochs": 5}]
    other = S.LambdaLR(_optimizer(), Warmup(2))
    other.load_state_dict(saved)
    assert other.lr_lambdas[0].epochs == 5


def test_deprecated_epoch_argument_uses_the_closed_form():
    optimizer = _optimizer()
    scheduler = S.StepLR(optimizer, 3, 0.5)
    optimizer.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not "
                                         "necessary"):
        scheduler.step(7)
    assert scheduler.get_last_lr() == [0.025] and scheduler.last_epoch == 7


def test_warnings_copy_pytorch():
    optimizer = _optimizer()
    scheduler = S.CosineAnnealingLR(optimizer, 10)
    with pytest.warns(UserWarning, match="^Detected call of `lr_scheduler.step\\(\\)` before "
                                         "`optimizer.step\\(\\)`"):
        scheduler.step()
    with pytest.warns(UserWarning, match="^To get the last learning rate computed by the "
                                         "scheduler, please use `get_last_lr\\(\\)`.$"):
        scheduler.get_lr()
    optimizer = _optimizer()
    scheduler = S.StepLR(optimizer, 3)
    optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()  # the right order: silent


def test_errors_copy_pytorch():
    with pytest.raises(TypeError, match="^str is not an Optimizer$"):
        S.StepLR("x", 3)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\] "
                                       "when resuming scheduler with last_epoch >= 0."):
        S.StepLR(_optimizer(), 3, last_epoch=5)
    for options, message in [({"factor": 1.0}, "^Factor should be < 1.0.$"),
                              ({"mode": "x"}, "^mode x is unknown!$"),
                              ({"threshold_mode": "y"}, "^threshold mode y is unknown!$"),
                              ({"min_lr": [0.1, 0.2]}, "^expected 1 min_lrs, got 2$")]:
        with pytest.raises(ValueError, match=message):
            S.ReduceLROnPlateau(_optimizer(), **options)
    with pytest.raises(ValueError, match="^Expected 1 lr_lambdas, but got 2$"):
        S.LambdaLR(_optimizer(), [lambda e: 1, lambda e: 1])


def test_schedulers_drive_other_optimizers_too():
    w = nn.Parameter(tg.zeros(1))
    optimizer = nn.optim.AdamW([w], lr=0.01)
    scheduler = S.ExponentialLR(optimizer, 0.5)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.00125
