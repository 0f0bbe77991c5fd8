"""Higher-order gradients through create_graph=True (SPEC §2; PYTORCH_SEMANTICS
row 8): second derivatives of the elementwise functions against closed forms
and finite differences of first gradients, a Hessian-vector product of a
tiny MLP, and a gradgradcheck over the whole op catalogue."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from op_catalogue import CASES, gradgradcheck, make_inputs

EPS = 1e-6


def first_derivative(fn, values):
    """d/dx Σ fn(x), by tg.grad (no graph kept): the thing we finite-difference."""
    x = tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    (g,) = tg.grad(fn(x).sum(), x)
    return g.numpy(force=True)


def second_derivative(fn, values):
    """d²/dx² of an elementwise fn, by differentiating the recorded backward pass."""
    x = tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    (g,) = tg.grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = tg.grad(g.sum(), x)
    return h.numpy(force=True)


ELEMENTWISE = {
    # name: (fn, closed-form second derivative, points)
    "cube": (lambda x: x ** 3, lambda x: 6 * x, [-1.5, -0.2, 0.0, 0.7, 2.0]),
    "tanh": (lambda x: x.tanh(), lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), [-2.0, -0.3, 0.0, 0.5, 1.7]),
    "sigmoid": (lambda x: x.sigmoid(),
                lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s), [-3.0, -0.4, 0.0, 0.9, 2.5]),
    "exp": (lambda x: x.exp(), np.exp, [-2.0, 0.0, 0.3, 1.5]),
    "log": (lambda x: x.log(), lambda x: -1 / x ** 2, [0.3, 1.0, 2.5, 7.0]),
    "sqrt": (lambda x: x.sqrt(), lambda x: -0.25 * x ** -1.5, [0.3, 1.0, 4.0]),
    "reciprocal": (lambda x: 1.0 / x, lambda x: 2 / x ** 3, [-2.0, 0.5, 3.0]),
    "pow_float": (lambda x: x ** 2.5, lambda x: 2.5 * 1.5 * x ** 0.5, [0.5, 1.0, 2.0]),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_second_derivative_matches_the_closed_form(name):
    fn, closed_form, points = ELEMENTWISE[name]
    x = np.array(points)
    np.testing.assert_allclose(second_derivative(fn, x), closed_form(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_second_derivative_matches_finite_differences_of_first_gradients(name):
    fn, _, points = ELEMENTWISE[name]
    x = np.array(points)
    numerical = (first_derivative(fn, x + EPS) - first_derivative(fn, x - EPS)) / (2 * EPS)
    np.testing.assert_allclose(second_derivative(fn, x), numerical, rtol=1e-6, atol=1e-6)


def test_cube_at_three_gives_pytorchs_numbers():
    x = tg.tensor(3.0, requires_grad=True)
    (g,) = tg.grad(x ** 3, x, create_graph=True)
    assert g.item() == 27.0 and g.grad_fn is not None
    (h,) = tg.grad(g, x, create_graph=True)
    assert h.item() == 18.0
    (third,) = tg.grad(h, x)
    assert third.item() == 6.0


def test_third_derivative_of_x_to_the_fourth():
    x = tg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    (g1,) = tg.grad((x ** 4).sum(), x, create_graph=True)
    (g2,) = tg.grad(g1.sum(), x, create_graph=True)
    (g3,) = tg.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(force=True), 24 * x.numpy(force=True), rtol=1e-12)


def test_mixed_partial_derivative():
    # f = x²·y³: ∂²f/∂x∂y = 6·x·y²
    x = tg.tensor(np.array(1.5), requires_grad=True)
    y = tg.tensor(np.array(-0.5), requires_grad=True)
    (g_x,) = tg.grad(x ** 2 * y ** 3, x, create_graph=True)
    (g_xy,) = tg.grad(g_x, y)
    assert g_xy.item() == pytest.approx(6 * 1.5 * 0.25, rel=1e-12)


# ----------------------------------------------------------------------------
# Hessian-vector product of a tiny MLP


def mlp_loss(params, X, y):
    w1, b1, w2, b2 = params
    hidden = (X @ w1 + b1).tanh()
    return ((hidden @ w2 + b2 - y) ** 2).mean()


def test_hessian_vector_product_of_a_tiny_mlp_matches_finite_differences():
    rng = np.random.default_rng(7)
    X, y = tg.tensor(rng.standard_normal((6, 3))), tg.tensor(rng.standard_normal((6, 1)))
    shapes = [(3, 4), (4,), (4, 1), (1,)]
    values = [rng.standard_normal(s) * 0.7 for s in shapes]
    direction = [rng.standard_normal(s) for s in shapes]

    def gradient_at(arrays):
        params = [tg.tensor(a, requires_grad=True) for a in arrays]
        return [g.numpy(force=True) for g in tg.grad(mlp_loss(params, X, y), params)]

    params = [tg.tensor(v, requires_grad=True) for v in values]
    grads = tg.grad(mlp_loss(params, X, y), params, create_graph=True)
    g_dot_v = sum((g * tg.tensor(v)).sum() for g, v in zip(grads, direction))
    hvp = [h.numpy(force=True) for h in tg.grad(g_dot_v, params)]

    eps = 1e-5
    plus = gradient_at([p + eps * v for p, v in zip(values, direction)])
    minus = gradient_at([p - eps * v for p, v in zip(values, direction)])
    for h, gp, gm in zip(hvp, plus, minus):
        np.testing.assert_allclose(h, (gp - gm) / (2 * eps), rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------
# backward(create_graph=True)


def test_backward_with_create_graph_makes_grad_differentiable():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    grad = x.grad
    assert grad.requires_grad and grad.grad_fn is not None
    np.testing.assert_allclose(grad.numpy(force=True), 3 * x.numpy(force=True) ** 2)
    (h,) = tg.grad(grad.sum(), x)
    np.testing.assert_allclose(h.numpy(force=True), 6 * x.numpy(force=True))


def test_create_graph_keeps_the_graph_for_another_backward():
    x = tg.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(create_graph=True)  # retain_graph defaults to create_graph
    y.backward()
    assert x.grad.item() == 8.0


def test_plain_backward_after_a_create_graph_backward_accumulates():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    a.sum().backward(create_graph=True)
    a.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


def test_create_graph_grads_of_two_leaves_are_independent_copies():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    seed = tg.tensor([1.0, 1.0])
    (a + b).backward(seed, create_graph=True)
    assert not np.shares_memory(a.grad.numpy(force=True), b.grad.numpy(force=True))
    assert not np.shares_memory(a.grad.numpy(force=True), seed.numpy(force=True))
    (a * 1.0).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    assert b.grad.tolist() == [1.0, 1.0]
    assert seed.tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------
# gradgradcheck over the op catalogue


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_gradgradcheck(case):
    rng = np.random.default_rng(sum(case.name.encode()) * 104729)
    inputs = make_inputs(rng, case.specs)
    assert gradgradcheck(case.fn, inputs, rng)


class FirstOrderOnlySquare(tg.Function):
    """d/dx x² = 2x, but computed from the raw data: right to first order, yet
    invisible to create_graph (its second derivative comes out as 0, not 2)"""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, g, x):
        data = x if isinstance(x, np.ndarray) else x.numpy(force=True)
        return g * (2 * data)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    rng = np.random.default_rng(0)
    inputs = make_inputs(rng, [((3,), "normal")])
    assert tg.gradcheck(FirstOrderOnlySquare.apply, inputs)  # first order is right
    with pytest.raises(AssertionError, match="second-order mismatch for input 0"):
        gradgradcheck(FirstOrderOnlySquare.apply, inputs, rng)
