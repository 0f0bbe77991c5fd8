"""Flatten and Unflatten: shapes, the gradient passing through, PyTorch's errors and reprs."""
import numpy as np
import pytest

import nn
import tinygrad_edu as tg


def test_flatten_keeps_the_batch_dimension_by_default():
    x = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(1, 1)(x).shape == (2, 3, 4)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(-2)(x).shape == (2, 12)
    # row-major order, like torch.flatten
    assert nn.Flatten()(x).data[1].tolist() == list(range(12, 24))


def test_flatten_of_a_1d_input_and_a_scalar():
    assert nn.Flatten(0)(tg.ones(3)).shape == (3,)
    with pytest.raises(IndexError, match="Dimension out of range"):
        nn.Flatten()(tg.tensor(1.0))  # start_dim=1 does not exist, as in PyTorch
    assert nn.Flatten(0)(tg.tensor(1.0)).shape == (1,)


def test_unflatten_splits_one_dimension():
    x = tg.tensor(np.arange(30.0).reshape(3, 10), requires_grad=True)
    y = nn.Unflatten(1, (2, 5))(x)
    assert y.shape == (3, 2, 5)
    assert nn.Unflatten(1, (-1, 5))(x).shape == (3, 2, 5)
    assert nn.Unflatten(-1, [5, 2])(x).shape == (3, 5, 2)
    (y * tg.tensor(np.arange(30.0).reshape(3, 2, 5))).sum().backward()
    assert x.grad.numpy(force=True).tolist() == np.arange(30.0).reshape(3, 10).tolist()


def test_flatten_then_unflatten_is_the_identity():
    x = tg.tensor(np.random.default_rng(0).normal(size=(4, 2, 3)))
    y = nn.Unflatten(1, (2, 3))(nn.Flatten()(x))
    assert np.array_equal(y.numpy(force=True), x.numpy(force=True))


def test_unflatten_errors_copy_pytorch():
    with pytest.raises(RuntimeError, match=r"^unflatten: Provided sizes \[2, 4\] don't multiply "
                                           r"up to the size of dim 1 \(10\) in the input tensor$"):
        nn.Unflatten(1, (2, 4))(tg.ones(3, 10))
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        nn.Unflatten(1, (-1, -1))(tg.ones(3, 10))
    with pytest.raises(TypeError, match="^unflattened_size must be a tuple of ints, but found "
                                        "type int$"):
        nn.Unflatten(1, 5)
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        nn.Unflatten(1, (2, 5.0))
    with pytest.raises(TypeError, match="named tensors"):
        nn.Unflatten("features", (2, 5))


def test_bad_inputs_name_the_op():
    with pytest.raises(TypeError, match="^flatten: input must be a Tensor, got list$"):
        nn.Flatten()([1.0, 2.0])
    with pytest.raises(TypeError, match="^unflatten: input must be a Tensor, got list$"):
        nn.Unflatten(0, (1, 2))([1.0, 2.0])
    with pytest.raises(IndexError, match=r"^unflatten: Dimension out of range \(expected to be in "
                                         r"range of \[-2, 1\], but got 2\)$"):
        nn.Unflatten(2, (2, 5))(tg.ones(3, 10))
    with pytest.raises(TypeError, match="^Unflatten: dim must be an int, got float$"):
        nn.Unflatten(1.0, (2, 5))


def test_reprs_are_pytorchs():
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"
    assert repr(nn.Unflatten(1, [2, 5])) == "Unflatten(dim=1, unflattened_size=[2, 5])"
