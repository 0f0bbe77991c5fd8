"""Embedding: lookup, gradients summed per row, padding_idx (no gradient, zero start),
scale_grad_by_freq, max_norm (PyTorch's renorm), from_pretrained, errors, repr."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg

INDICES = np.array([[1, 0, 4], [4, 4, 9]])


def _weight():
    return tg.tensor(np.arange(30.0).reshape(10, 3), requires_grad=True)


def test_lookup_picks_rows():
    weight = _weight()
    out = F.embedding(tg.tensor(INDICES), weight)
    assert out.shape == (2, 3, 3)
    assert np.array_equal(out.numpy(force=True), weight.numpy(force=True)[INDICES])
    assert F.embedding(tg.tensor(4), weight).tolist() == [12.0, 13.0, 14.0]


def test_a_rows_gradient_sums_every_position_that_picked_it():
    weight = _weight()
    upstream = np.random.default_rng(0).normal(size=(2, 3, 3))
    (F.embedding(tg.tensor(INDICES), weight) * tg.tensor(upstream)).sum().backward()
    expected = np.zeros((10, 3))
    for position, row in np.ndenumerate(INDICES):
        expected[row] += upstream[position]
    np.testing.assert_allclose(weight.grad.numpy(force=True), expected, rtol=1e-15)
    assert weight.grad.numpy(force=True)[[2, 3, 5, 6, 7, 8]].sum() == 0


@pytest.mark.parametrize("padding_idx, row", [(4, 4), (-1, 9)])
def test_padding_row_gets_no_gradient_but_keeps_its_value(padding_idx, row):
    weight = _weight()
    out = F.embedding(tg.tensor(INDICES), weight, padding_idx=padding_idx)
    assert np.array_equal(out.numpy(force=True), weight.numpy(force=True)[INDICES])  # forward unchanged
    out.sum().backward()
    assert weight.grad.numpy(force=True)[row].tolist() == [0.0, 0.0, 0.0]
    assert weight.grad.numpy(force=True)[1].tolist() == [1.0, 1.0, 1.0]


def test_module_padding_row_starts_at_zero_and_stays_there():
    tg.manual_seed(0)
    emb = nn.Embedding(5, 2, padding_idx=0)
    assert emb.weight.numpy(force=True)[0].tolist() == [0.0, 0.0]
    assert emb.padding_idx == 0 and nn.Embedding(5, 2, padding_idx=-2).padding_idx == 3
    optimizer = nn.SGD(emb.parameters(), lr=1.0)
    emb(tg.tensor([0, 1, 0])).sum().backward()
    optimizer.step()
    assert emb.weight.numpy(force=True)[0].tolist() == [0.0, 0.0]


def test_initialisation_is_standard_normal_from_tgs_generator():
    tg.manual_seed(5)
    first = nn.Embedding(1000, 20).weight.numpy(force=True).copy()
    tg.manual_seed(5)
    assert np.array_equal(nn.Embedding(1000, 20).weight.numpy(force=True), first)
    assert abs(first.mean()) < 0.02 and abs(first.std() - 1) < 0.02  # 20,000 N(0, 1) draws


def test_scale_grad_by_freq_divides_by_the_count_in_the_batch():
    weight = _weight()
    F.embedding(tg.tensor(INDICES), weight, scale_grad_by_freq=True).sum().backward()
    # row 4 is picked 3 times: 3 × (1/3); rows 0, 1 and 9 once
    assert weight.grad.numpy(force=True)[[0, 1, 4, 9]].tolist() == [[1.0] * 3] * 4


def test_max_norm_renormalises_the_picked_rows_in_place():
    weight = tg.tensor(np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]]))
    out = F.embedding(tg.tensor([0, 1]), weight, max_norm=1.0)
    # PyTorch's embedding_renorm_: row *= max_norm / (norm + 1e-7) where norm > max_norm
    np.testing.assert_allclose(weight.numpy(force=True)[0], [3 / (5 + 1e-7), 4 / (5 + 1e-7)], rtol=1e-15)
    assert weight.numpy(force=True)[1].tolist() == [0.3, 0.4] and weight.numpy(force=True)[2].tolist() == [6.0, 8.0]
    np.testing.assert_allclose(out.numpy(force=True), weight.numpy(force=True)[[0, 1]], rtol=1e-15)
    weight = tg.tensor(np.array([[3.0, 4.0]]))
    F.embedding(tg.tensor([0]), weight, max_norm=1.0, norm_type=1.0)
    np.testing.assert_allclose(weight.numpy(force=True)[0], [3 / (7 + 1e-7), 4 / (7 + 1e-7)], rtol=1e-15)


def test_from_pretrained_shares_and_freezes():
    table = tg.tensor(np.eye(3))
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    assert emb(tg.tensor([2])).tolist() == [[0.0, 0.0, 1.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_errors_copy_pytorch():
    emb = nn.Embedding(10, 3)
    for bad in ([10], [-1]):
        with pytest.raises(IndexError, match="^index out of range in self$"):
            emb(tg.tensor(bad))
    with pytest.raises(RuntimeError, match="^Expected tensor for argument #1 'indices' to have "
                                           "one of the following scalar types: Long, Int; but "
                                           "got Float instead"):
        emb(tg.tensor([1.0]))
    for bad in (10, -11):
        with pytest.raises(AssertionError, match="^Padding_idx must be within num_embeddings$"):
            nn.Embedding(10, 3, padding_idx=bad)
    with pytest.raises(RuntimeError, match="^'weight' must be 2-D$"):
        F.embedding(tg.tensor([1]), tg.ones(3))
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(10, 3, sparse=True)
    with pytest.raises(TypeError, match="^embedding: padding_idx must be an int, got float$"):
        nn.Embedding(10, 3, padding_idx=1.0)
    with pytest.raises(TypeError, match="^embedding: weight must be a Tensor, got list$"):
        F.embedding(tg.tensor([0]), [[1.0]])


def test_int32_indices_work():
    emb = nn.Embedding(4, 2)
    assert emb(tg.tensor(np.array([3, 1], dtype=np.int32))).shape == (2, 2)


def test_repr_is_pytorchs():
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(nn.Embedding(10, 3, padding_idx=0, max_norm=1.0)) == \
        "Embedding(10, 3, padding_idx=0, max_norm=1.0)"
    assert repr(nn.Embedding(10, 3, norm_type=1.0, scale_grad_by_freq=True)) == \
        "Embedding(10, 3, norm_type=1.0, scale_grad_by_freq=True)"
