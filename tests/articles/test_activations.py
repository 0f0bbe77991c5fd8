"""tinygrad_edu.articles.activations: the articles' NumPy activations and their derivatives.

Every derivative is checked against a central finite difference of its function; the
points stay away from the kinks of relu and LeakyReLU, whose one-sided values at 0 follow
PyTorch's backward (relu' = 0, LeakyReLU' = slope).
"""
import numpy as np
import pytest

from tinygrad_edu.articles.activations import (ACTIVATIONS, activation_pair, leaky_relu_pair, sigmoid,
                                               sigmoid_prime, sigmoid_prime_from_output)

POINTS = np.array([-6.0, -2.5, -0.7, -0.1, 0.2, 0.9, 3.0, 7.5])


def central_difference(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_each_derivative_is_the_slope_of_its_function(name):
    f, f_prime = activation_pair(name, slope=0.2)
    np.testing.assert_allclose(f_prime(POINTS), central_difference(f, POINTS), rtol=1e-7, atol=1e-9)


def test_sigmoid_takes_its_known_values():
    # σ(0) = 1/2, σ(ln 3) = 1/(1 + 1/3) = 3/4, σ(−z) = 1 − σ(z)
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75], rtol=1e-15)
    np.testing.assert_allclose(sigmoid(-POINTS), 1 - sigmoid(POINTS), rtol=1e-14)


def test_the_derivative_through_the_output_is_sigmoid_prime_only_when_given_the_output():
    np.testing.assert_array_equal(sigmoid_prime_from_output(sigmoid(POINTS)), sigmoid_prime(POINTS))
    # given z itself it computes z(1 − z): the articles' mistake, not σ'(z)
    assert not np.allclose(sigmoid_prime_from_output(POINTS), sigmoid_prime(POINTS))


def test_at_zero_relu_and_leaky_relu_take_pytorchs_one_sided_slopes():
    _, relu_prime = ACTIVATIONS["relu"]
    _, leaky_prime = leaky_relu_pair(0.3)
    assert relu_prime(np.array([0.0])).tolist() == [0.0]
    assert leaky_prime(np.array([0.0])).tolist() == [0.3]


def test_an_unknown_activation_is_named():
    with pytest.raises(ValueError, match=r"activation_pair: unknown activation 'gelu'; expected one of "
                                         r"\['leaky_relu', 'relu', 'sigmoid', 'tanh'\]"):
        activation_pair("gelu")
