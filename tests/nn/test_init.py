"""nn.init: PyTorch's initialisers, in place, drawn from tg's seeded generator."""
import math

import numpy as np
import pytest

import nn
import nn.init as init
import tinygrad_edu as tg


def test_uniform_draws_from_tgs_seeded_generator():
    tg.manual_seed(3)
    t = init.uniform_(tg.zeros(4, 5), -2.0, 2.0)
    expected = np.random.default_rng(3).uniform(-2.0, 2.0, size=(4, 5)).astype(np.float32)
    np.testing.assert_array_equal(t.numpy(force=True), expected)


def test_an_explicit_generator_can_be_passed():
    t = init.normal_(tg.zeros(3), 1.0, 0.5, generator=np.random.default_rng(8))
    np.testing.assert_array_equal(t.numpy(force=True), np.random.default_rng(8).normal(1.0, 0.5, 3).astype(np.float32))


def test_initialisers_work_in_place_on_parameters_and_return_them():
    p = nn.Parameter(tg.zeros(2, 3))
    data, version = p.numpy(force=True), p._version
    assert init.ones_(p) is p
    assert p.numpy(force=True) is data and p._version == version + 1
    assert p.requires_grad and p.is_leaf
    np.testing.assert_array_equal(p.numpy(force=True), np.ones((2, 3)))


def test_constant_zeros_ones():
    t = tg.zeros(2, 2, dtype=tg.float64)
    assert init.constant_(t, 0.25).numpy(force=True).tolist() == [[0.25, 0.25], [0.25, 0.25]]
    assert init.zeros_(t).numpy(force=True).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert init.ones_(t).dtype == tg.float64


def test_normal_statistics():
    tg.manual_seed(0)
    t = init.normal_(tg.zeros(200, 100, dtype=tg.float64), mean=2.0, std=3.0)
    assert abs(t.numpy(force=True).mean() - 2.0) < 0.05
    np.testing.assert_allclose(t.numpy(force=True).std(), 3.0, rtol=0.02)


def test_calculate_gain_values_and_errors():
    assert init.calculate_gain("sigmoid") == 1 and init.calculate_gain("linear") == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / (1 + 0.2 ** 2))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="^Unsupported nonlinearity softplus$"):
        init.calculate_gain("softplus")
    with pytest.raises(ValueError, match="^negative_slope yes not a valid number$"):
        init.calculate_gain("leaky_relu", "yes")


def _check_uniform(t, bound):
    """Samples of U(-bound, bound): inside it, reaching near it, variance bound²/3."""
    data = t.numpy(force=True).astype(np.float64)
    assert np.abs(data).max() <= bound
    assert np.abs(data).max() > 0.98 * bound
    np.testing.assert_allclose(data.var(), bound ** 2 / 3, rtol=0.06)


def test_xavier_uniform_bound():
    tg.manual_seed(1)
    t = init.xavier_uniform_(tg.zeros(100, 60), gain=init.calculate_gain("tanh"))
    _check_uniform(t, 5 / 3 * math.sqrt(6 / (60 + 100)))


def test_xavier_normal_std():
    tg.manual_seed(2)
    t = init.xavier_normal_(tg.zeros(100, 60, dtype=tg.float64), gain=2.0)
    np.testing.assert_allclose(t.numpy(force=True).std(), 2.0 * math.sqrt(2 / 160), rtol=0.03)


def test_kaiming_uniform_bound_for_each_mode_and_nonlinearity():
    tg.manual_seed(4)
    t = init.kaiming_uniform_(tg.zeros(80, 50), nonlinearity="relu")
    _check_uniform(t, math.sqrt(2) * math.sqrt(3 / 50))
    t = init.kaiming_uniform_(tg.zeros(80, 50), mode="fan_out", nonlinearity="relu")
    _check_uniform(t, math.sqrt(2) * math.sqrt(3 / 80))
    # Linear's default, a = √5, gives exactly 1/√fan_in
    t = init.kaiming_uniform_(tg.zeros(80, 50), a=math.sqrt(5))
    _check_uniform(t, 1 / math.sqrt(50))


def test_kaiming_normal_std():
    tg.manual_seed(5)
    t = init.kaiming_normal_(tg.zeros(100, 80, dtype=tg.float64), nonlinearity="relu")
    np.testing.assert_allclose(t.numpy(force=True).std(), math.sqrt(2 / 80), rtol=0.03)


def test_fans_count_the_receptive_field():
    tg.manual_seed(6)
    t = init.xavier_uniform_(tg.zeros(8, 4, 3, 3))  # fan_in = 4·9, fan_out = 8·9
    assert np.abs(t.numpy(force=True)).max() <= math.sqrt(6 / (36 + 72))


def test_errors_copy_pytorch():
    with pytest.raises(ValueError, match="^Fan in and fan out can not be computed for tensor with "
                                         "fewer than 2 dimensions$"):
        init.xavier_uniform_(tg.zeros(3))
    with pytest.raises(ValueError, match="^Mode fan_avg not supported, please use one of fan_in, fan_out$"):
        init.kaiming_uniform_(tg.zeros(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(tg.zeros(0, 3))
    with pytest.raises(TypeError, match="^nn.init.zeros_: tensor must be a Tensor, got ndarray$"):
        init.zeros_(np.zeros(3))


def test_reset_a_whole_model_with_apply():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

    def zero_biases(module):
        if isinstance(module, nn.Linear):
            init.zeros_(module.bias)

    model.apply(zero_biases)
    assert all(not module.bias.numpy(force=True).any() for module in model if isinstance(module, nn.Linear))
