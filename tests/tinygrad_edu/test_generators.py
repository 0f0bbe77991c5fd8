"""Random numbers (creation.py): tg.Generator and the seeding API, generator= on every
random factory, normal, multinomial, randperm, the *_like factories, randint's forms,
empty. Values are NumPy's PCG64 draws (named in each test), so they cannot equal
PyTorch's; distributions are checked by frequencies and closed-form probabilities.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import DataLoader, TensorDataset


def raises(kind, message):
    return pytest.raises(kind, match=re.escape(message))


# ----------------------------------------------------------------------------
# Generator and seeding


def test_a_new_generator_starts_from_pytorchs_default_seed():
    assert tg.Generator().initial_seed() == 67280421310721
    assert isinstance(tg.Generator().generator, np.random.Generator)
    assert tg.Generator("cpu").device == tg.device("cpu")


def test_manual_seed_returns_the_generator_and_seeds_it():
    generator = tg.Generator()
    assert generator.manual_seed(3) is generator and generator.initial_seed() == 3
    np.testing.assert_array_equal(generator.generator.random(4), np.random.default_rng(3).random(4))
    assert tg.Generator().manual_seed(-1).initial_seed() == 2**64 - 1  # wraps, as in PyTorch
    assert tg.Generator().manual_seed(-2**63).initial_seed() == 2**63


def test_seed_draws_a_fresh_seed():
    generator = tg.Generator()
    first, second = generator.seed(), generator.seed()
    assert first != second and 0 <= first < 2**64 and generator.initial_seed() == second


@pytest.mark.parametrize("seed, kind, message", [
    (1.5, TypeError, "manual_seed: seed must be an int, got float"),
    (True, TypeError, "manual_seed: seed must be an int, got bool"),
    ("3", TypeError, "manual_seed: seed must be an int, got str"),
    (2**64, ValueError, "manual_seed: Overflow when unpacking long long"),
    (-2**63 - 1, ValueError, "manual_seed: Overflow when unpacking long long"),
])
def test_bad_seeds(seed, kind, message):
    with raises(kind, message):
        tg.Generator().manual_seed(seed)
    with raises(kind, message):
        tg.manual_seed(seed)


def test_generators_on_other_devices_are_refused():
    with raises(RuntimeError, "device: tinygrad_edu runs on the CPU only; device 'cuda'"):
        tg.Generator("cuda")


def test_the_default_generator():
    assert tg.manual_seed(7) is tg.default_generator and tg.initial_seed() == 7
    assert tg.generator() is tg.default_generator.generator
    np.testing.assert_array_equal(tg.rand(3).numpy(force=True), np.random.default_rng(7).random(3).astype(np.float32))
    seed = tg.seed()
    assert tg.initial_seed() == seed


# ----------------------------------------------------------------------------
# generator= on every random factory

DRAWS = {  # each factory with generator=, and the NumPy draws it makes from that generator
    "rand": (lambda g: tg.rand(2, 3, generator=g), lambda rng: rng.random((2, 3)).astype(np.float32)),
    "randn": (lambda g: tg.randn(4, generator=g, dtype=tg.float64), lambda rng: rng.standard_normal(4)),
    "randint": (lambda g: tg.randint(2, 9, (5,), generator=g), lambda rng: rng.integers(2, 9, (5,))),
    "randperm": (lambda g: tg.randperm(6, generator=g), lambda rng: rng.permutation(6)),
    "normal": (lambda g: tg.normal(1.0, 2.0, (3,), generator=g),
               lambda rng: (1.0 + 2.0 * rng.standard_normal(3)).astype(np.float32)),
    "rand_like": (lambda g: tg.rand_like(tg.zeros(3, dtype=tg.float64), generator=g),
                  lambda rng: rng.random(3)),
    "randn_like": (lambda g: tg.randn_like(tg.zeros(2), generator=g),
                   lambda rng: rng.standard_normal(2).astype(np.float32)),
    "randint_like": (lambda g: tg.randint_like(tg.zeros(4, dtype=tg.int64), 3, generator=g),
                     lambda rng: rng.integers(0, 3, 4)),
    "multinomial": (lambda g: tg.multinomial(tg.tensor([1.0, 2.0, 3.0]), 2, True, generator=g), None),
}


@pytest.mark.parametrize("name", DRAWS)
def test_generator_makes_a_factory_reproducible_and_leaves_the_default_alone(name):
    make, numpy_draws = DRAWS[name]
    tg.manual_seed(11)
    before = tg.generator().bit_generator.state
    first = make(tg.Generator().manual_seed(5))
    second = make(tg.Generator().manual_seed(5))
    np.testing.assert_array_equal(first.numpy(force=True), second.numpy(force=True))
    assert tg.generator().bit_generator.state == before
    if numpy_draws is not None:
        expected = numpy_draws(np.random.default_rng(5))
        np.testing.assert_array_equal(first.numpy(force=True), expected)
        assert first.dtype == expected.dtype
    assert not np.array_equal(make(tg.Generator().manual_seed(6)).numpy(force=True), first.numpy(force=True)) or name == "multinomial"


def test_a_numpy_generator_is_accepted_too():
    np.testing.assert_array_equal(tg.rand(3, generator=np.random.default_rng(2)).numpy(),
                                  np.random.default_rng(2).random(3).astype(np.float32))


@pytest.mark.parametrize("make", [lambda g: tg.rand(2, generator=g), lambda g: tg.randperm(2, generator=g),
                                  lambda g: tg.multinomial(tg.ones(2), 1, generator=g)])
def test_a_bad_generator_is_refused(make):
    with pytest.raises(TypeError, match=r"\(\): generator must be a tg.Generator .*got int"):
        make(3)


def test_dataloader_shuffles_with_a_tg_generator():
    dataset = TensorDataset(tg.arange(10))

    def first_epoch():
        loader = DataLoader(dataset, batch_size=10, shuffle=True, generator=tg.Generator().manual_seed(0))
        (batch,) = next(iter(loader))
        return batch.tolist()

    before = tg.generator().bit_generator.state
    assert first_epoch() == first_epoch() == np.random.default_rng(0).permutation(10).tolist()
    assert tg.generator().bit_generator.state == before


# ----------------------------------------------------------------------------
# normal


def test_normal_shapes_and_dtypes():
    # PyTorch 2.13's shapes and dtypes
    assert tg.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    assert tg.normal(0.0, 1.0, size=(2,)).dtype == np.float32
    assert tg.normal(0, 1, (2,)).dtype == np.float32
    assert tg.normal(tg.zeros(3), 1.0).shape == (3,)
    assert tg.normal(tg.zeros(3), tg.ones(3)).shape == (3,)
    assert tg.normal(0.0, tg.ones(2, 1)).shape == (2, 1)
    assert tg.normal(tg.zeros(3), tg.ones(2, 1)).shape == (2, 3)
    assert tg.normal(tg.zeros(2, dtype=tg.float64), 1.0).dtype == np.float64
    assert tg.normal(0.0, 1.0, (2,), dtype=tg.float64).dtype == np.float64
    assert not tg.normal(tg.zeros(3, requires_grad=True), 1.0).requires_grad  # PyTorch: zero grad


def test_normal_samples_have_the_mean_and_std_asked_for():
    tg.manual_seed(0)
    samples = tg.normal(tg.tensor([-5.0, 0.0, 10.0]).expand(20000, 3), tg.tensor([0.5, 1.0, 3.0])).numpy()
    np.testing.assert_allclose(samples.mean(0), [-5.0, 0.0, 10.0], atol=0.05)
    np.testing.assert_allclose(samples.std(0), [0.5, 1.0, 3.0], rtol=0.02)
    assert np.isnan(tg.normal(float("nan"), 1.0, (2,)).numpy()).all()  # as PyTorch


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.normal(0.0, -1.0, (2,)), RuntimeError, "normal expects std >= 0.0, but found std -1"),
    (lambda: tg.normal(0.0, float("nan"), (2,)), RuntimeError, "normal expects std >= 0.0, but found std nan"),
    (lambda: tg.normal(tg.zeros(3), -tg.ones(3)), RuntimeError, "normal expects all elements of std >= 0.0"),
    (lambda: tg.normal(tg.zeros(3), tg.ones(4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0"),
    (lambda: tg.normal(0.0, 1.0), TypeError, "normal(): with a number mean and std, give the size too"),
    (lambda: tg.normal(tg.zeros(2), 1.0, (2,)), TypeError, "normal(): size goes only with a number"),
    (lambda: tg.normal(tg.zeros(3, dtype=tg.int64), 1.0), TypeError,
     "normal: mean must be a floating-point tensor, got dtype int64"),
    (lambda: tg.normal("0", 1.0, (2,)), TypeError, "normal: mean must be a number, got str"),
    (lambda: tg.normal(0.0, 1.0, (2,), dtype=tg.int64), TypeError,
     "normal: dtype must be a floating-point dtype, got int64"),
])
def test_normal_errors(call, kind, message):
    with raises(kind, message):
        call()


# ----------------------------------------------------------------------------
# multinomial


def test_multinomial_shapes_and_dtype():
    assert tg.multinomial(tg.tensor([0.1, 0.0, 0.9]), 2).dtype == np.int64
    assert tg.multinomial(tg.ones(2, 3), 2).shape == (2, 2)
    assert tg.multinomial(tg.tensor([0.1, 0.0, 0.9]), 4, replacement=True).shape == (4,)
    assert tg.tensor([1.0, 1.0]).multinomial(1).shape == (1,)


def test_multinomial_without_replacement_draws_each_index_once_zero_weights_last():
    tg.manual_seed(1)
    rows = tg.multinomial(tg.tensor([[1.0, 0.0, 2.0, 5.0]]).expand(500, 4), 4).numpy()
    assert all(sorted(row) == [0, 1, 2, 3] for row in rows.tolist())
    assert (rows[:, 3] == 1).all()  # PyTorch: tensor([0.1, 0., 0.9]) with 3 samples gives [2, 0, 1]


def test_multinomial_with_replacement_follows_the_weights():
    tg.manual_seed(2)
    draws = tg.multinomial(tg.tensor([1.0, 0.0, 2.0, 7.0]), 20000, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, [0.1, 0.0, 0.2, 0.7], atol=0.015)


def test_multinomial_without_replacement_is_a_sequential_draw():
    # P(first = a, second = b) = w_a/Σw · w_b/(Σw − w_a) for weights w = [1, 2, 7]
    tg.manual_seed(3)
    pairs = tg.multinomial(tg.tensor([1.0, 2.0, 7.0]).expand(20000, 3), 2).numpy()
    frequency = {(a, b): np.mean((pairs[:, 0] == a) & (pairs[:, 1] == b))
                 for a in range(3) for b in range(3)}
    for (a, b), expected in {(2, 1): 0.7 * 2 / 3, (2, 0): 0.7 / 3, (1, 2): 0.2 * 7 / 8,
                             (0, 2): 0.1 * 7 / 9, (1, 0): 0.2 / 8, (0, 1): 0.1 * 2 / 9}.items():
        assert abs(frequency[a, b] - expected) < 0.015, (a, b, frequency[a, b], expected)


@pytest.mark.parametrize("call, kind, message", [
    # PyTorch 2.13's texts
    (lambda: tg.multinomial(tg.tensor([0.1, 0.0, 0.9]), 4), RuntimeError,
     "multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
    (lambda: tg.multinomial(tg.tensor([1.0, -1.0]), 1), RuntimeError,
     "multinomial: probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda: tg.multinomial(tg.tensor([1.0, float("nan")]), 1), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda: tg.multinomial(tg.tensor([1.0, float("inf")]), 1), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda: tg.multinomial(tg.tensor([0.0, 0.0]), 1), RuntimeError,
     "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"),
    (lambda: tg.multinomial(tg.tensor([[1.0, 0.0], [0.0, 0.0]]), 1), RuntimeError,
     "invalid multinomial distribution (sum of probabilities <= 0)"),
    (lambda: tg.multinomial(tg.ones(2, 3, 4), 2), RuntimeError, "multinomial: prob_dist must be 1 or 2 dim"),
    (lambda: tg.multinomial(tg.tensor(1.0), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
    (lambda: tg.multinomial(tg.ones(3), 0), RuntimeError, "multinomial: cannot sample n_sample <= 0 samples"),
    (lambda: tg.multinomial(tg.tensor([1, 2]), 1), RuntimeError,
     "multinomial only supports floating-point dtypes for input, got: Long"),
    (lambda: tg.multinomial(tg.ones(3), 2.0), TypeError, "multinomial: num_samples must be an int, got float"),
    (lambda: tg.multinomial(tg.ones(3), 2, replacement=1), TypeError,
     "multinomial(): argument 'replacement' must be bool, not int"),
    (lambda: tg.multinomial([1.0, 2.0], 1), TypeError, "multinomial: input must be a Tensor, got list"),
])
def test_multinomial_errors(call, kind, message):
    with raises(kind, message):
        call()


# ----------------------------------------------------------------------------
# randperm, randint, the *_like factories, empty


def test_randperm():
    tg.manual_seed(4)
    assert sorted(tg.randperm(50).tolist()) == list(range(50))
    assert tg.randperm(4).dtype == np.int64 and tg.randperm(0).tolist() == []
    assert tg.randperm(3, dtype=tg.float32).dtype == np.float32
    assert sorted(tg.randperm(2049, dtype=tg.float16).tolist()) == list(range(2049))  # all exact
    assert tg.randperm(3, dtype=tg.float32, requires_grad=True).requires_grad


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.randperm(-1), RuntimeError, "randperm: Trying to create tensor with negative dimension -1: [-1]"),
    (lambda: tg.randperm(3.0), TypeError, "randperm: n must be an int, got float"),
    (lambda: tg.randperm(300, dtype=tg.int8), RuntimeError,
     "randperm: value 299 cannot be converted to type int8 without overflow"),
    (lambda: tg.randperm(3, dtype=tg.bool), TypeError, 'randperm: "randperm" not implemented for \'Bool\''),
    (lambda: tg.randperm(2050, dtype=tg.float16), RuntimeError,
     "randperm: n cannot be greater than 2049 for Half type."),
    (lambda: tg.randperm(3, requires_grad=True), RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
])
def test_randperm_errors(call, kind, message):
    with raises(kind, message):
        call()


def test_randint_forms():
    tg.manual_seed(5)
    for t in (tg.randint(5, (200,)), tg.randint(5, size=(200,)), tg.randint(low=0, high=5, size=(200,)),
              tg.randint(0, 5, (200,))):
        assert t.shape == (200,) and t.dtype == np.int64 and set(t.tolist()) == {0, 1, 2, 3, 4}
    assert set(tg.randint(2, 4, (100,)).tolist()) == {2, 3}
    with raises(TypeError, "randint() takes (high, size) or (low, high, size)"):
        tg.randint(5)
    with raises(RuntimeError, "randint: random_ expects 'from' to be less than 'to', but got from=3 >= to=3"):
        tg.randint(3, 3, (2,))


def test_like_factories_take_shape_and_dtype():
    base = tg.zeros(2, 3, dtype=tg.float64)
    assert tg.rand_like(base).dtype == np.float64 and tg.rand_like(base).shape == (2, 3)
    assert tg.randn_like(base, dtype=tg.float32).dtype == np.float32
    integers = tg.randint_like(base, 2, 5)
    assert integers.dtype == np.float64 and set(np.unique(integers.numpy(force=True))) <= {2.0, 3.0, 4.0}
    assert tg.randint_like(tg.zeros(2, dtype=tg.int64), 10).dtype == np.int64
    with raises(TypeError, "rand_like: dtype must be a floating-point dtype, got int64"):
        tg.rand_like(tg.zeros(2, dtype=tg.int64))
    with raises(TypeError, "randn_like: expected a Tensor, got list"):
        tg.randn_like([1.0])


def test_empty_is_zeros():
    assert tg.empty(2, 3).tolist() == [[0.0] * 3] * 2 and tg.empty((2, 3), dtype=tg.long).dtype == np.int64
    assert tg.empty(2, requires_grad=True).requires_grad
    assert tg.empty_like(tg.ones(2, dtype=tg.float64)).tolist() == [0.0, 0.0]
    with raises(RuntimeError, "empty: Trying to create tensor with negative dimension -1: [-1]"):
        tg.empty(-1)
