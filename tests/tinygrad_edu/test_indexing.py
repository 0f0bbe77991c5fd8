"""Indexing with PyTorch's result layout: integers are applied first (as selects),
then index arrays with NumPy's rules on the dims that remain (checks.index)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

T = np.arange(2 * 4 * 5 * 6).reshape(2, 4, 5, 6)

# result shapes PyTorch 2.13 gives for a (2, 4, 5, 6) tensor (NumPy's differ where marked)
LAYOUTS = [
    ((1, slice(None), [0, 3, 3]), (4, 3, 6)),  # NumPy: (3, 4, 6)
    ((1, Ellipsis, [0, 1]), (4, 5, 2)),  # NumPy: (2, 4, 5)
    (([0, 1], 1, [2, 3]), (2, 6)),
    ((1, [0, 2], slice(None), [1, 2]), (2, 5)),
    ((slice(None), 1, [0, 2]), (2, 2, 6)),
    (([0, 1], slice(None), 1), (2, 4, 6)),
    ((None, 1, [0, 2]), (1, 2, 5, 6)),
    (([[0], [1]], 1, slice(None), [0, 1]), (2, 2, 5)),
]


@pytest.mark.parametrize("index, shape", LAYOUTS)
def test_mixed_integer_and_array_indices_give_pytorchs_layout(index, shape):
    out = tg.tensor(T)[index]
    assert out.shape == shape
    # the same values as selecting the integers first, then indexing the rest
    selects = tuple(i if isinstance(i, int) else slice(None) if isinstance(i, list) else i
                    for i in index)
    rest = tuple(np.array(i) if isinstance(i, list) else Ellipsis if i is Ellipsis else slice(None)
                 for i in index if not isinstance(i, int))
    np.testing.assert_array_equal(out.numpy(), T[selects][rest])


def test_a_zero_dim_integer_tensor_counts_as_an_integer():
    assert tg.tensor(T)[tg.tensor(1), :, [0, 3, 3]].shape == (4, 3, 6)


def test_the_gradient_goes_back_through_the_same_layout():
    t = tg.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    r = t[1, :, [0, 3, 3]]
    assert r.shape == (3, 3)
    (r * tg.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    # row j of t[1] gets w[j, 0] at column 0 and w[j, 1] + w[j, 2] at column 3
    assert t.grad.numpy()[1].tolist() == [[0.0, 0.0, 0.0, 3.0], [3.0, 0.0, 0.0, 9.0],
                                         [6.0, 0.0, 0.0, 15.0]]
    assert not t.grad.numpy()[0].any()


def test_assignment_uses_the_same_layout():
    z = tg.zeros(2, 3, 4, dtype=tg.float64)
    z[1, :, [0, 2]] = tg.tensor(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))  # (3, 2)
    assert z.numpy()[1].tolist() == [[1.0, 0.0, 2.0, 0.0], [3.0, 0.0, 4.0, 0.0],
                                    [5.0, 0.0, 6.0, 0.0]]


def test_recorded_assignment_uses_the_same_layout():
    z = tg.zeros(2, 3, 4, dtype=tg.float64)
    v = tg.tensor(np.ones((3, 2)), requires_grad=True)
    z[1, :, [0, 2]] = v
    (z * tg.tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
    assert v.grad.tolist() == [[12.0, 14.0], [16.0, 18.0], [20.0, 22.0]]
