"""tinygrad_edu.articles.layouts: the column articles' W_i, b_i under nn.Sequential's names."""
import numpy as np
import pytest

import nn
from tinygrad_edu.articles.layouts import as_sequential_names


def column_arrays(first_layer):
    rng = np.random.default_rng(0)
    return {f"W{first_layer}": rng.random((3, 2)), f"b{first_layer}": rng.random((3, 1)),
            f"W{first_layer + 1}": rng.random((1, 3)), f"b{first_layer + 1}": rng.random((1, 1))}


@pytest.mark.parametrize("first_layer", [0, 1])
def test_names_and_shapes_are_those_of_a_sequential_of_linear_and_activation(first_layer):
    arrays = column_arrays(first_layer)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())

    renamed = as_sequential_names(arrays, first_layer=first_layer)

    assert list(renamed) == list(model.state_dict())  # same names, in the same order
    assert [v.shape for v in renamed.values()] == [tuple(v.shape) for v in model.state_dict().values()]
    np.testing.assert_array_equal(renamed["0.weight"], arrays[f"W{first_layer}"])
    np.testing.assert_array_equal(renamed["2.bias"], arrays[f"b{first_layer + 1}"].ravel())


def test_a_name_that_is_not_a_weight_or_a_bias_is_reported():
    with pytest.raises(ValueError, match=r"as_sequential_names: 'gamma0' is neither W<i> nor b<i>"):
        as_sequential_names({"gamma0": np.zeros(2)})
