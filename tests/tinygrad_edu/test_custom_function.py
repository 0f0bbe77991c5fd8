"""User-defined ops: subclassing tg.Function (the public extension point the
engine's own primitives use)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


class Square(tg.Function):
    """d/dx x² = 2x"""

    saves_inputs = True

    def forward(self, x):
        return x * x

    def backward(self, g, x):
        return g * 2 * x


class ScaledProduct(tg.Function):
    """d(s·x·y)/dx = s·y, d(s·x·y)/dy = s·x  (s an option)"""

    saves_inputs = True

    def forward(self, x, y, scale):
        self.scale = scale
        return scale * x * y

    def backward(self, g, x, y):
        needs_x, needs_y = self.needs_input_grad
        return (g * self.scale * y if needs_x else None), (g * self.scale * x if needs_y else None)


class Cube(tg.Function):
    """d/dx x³ = 3x², from the saved output: 3·out^(2/3) would be unstable, so
    it saves the input too"""

    saves_inputs = True
    saves_output = True

    def forward(self, x):
        return x ** 3

    def backward(self, g, x, out):
        return g * 3 * out / x


def test_the_documented_square_example():
    t = tg.tensor([1.0, -2.0], requires_grad=True)
    y = Square.apply(t)
    assert y.tolist() == [1.0, 4.0]
    assert y.grad_fn.name() == "SquareBackward" and y.grad_fn.parents == (t,)
    y.sum().backward()
    assert t.grad.tolist() == [2.0, -4.0]


def test_options_and_needs_input_grad():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = tg.tensor(np.array([3.0, 4.0]))  # a constant: its gradient is never asked for
    out = ScaledProduct.apply(x, y, scale=0.5)
    assert out.grad_fn.needs_input_grad == (True, False)
    out.sum().backward()
    assert x.grad.tolist() == [1.5, 2.0] and y.grad is None


def test_engine_unbroadcasts_and_casts_the_returned_gradients():
    x = tg.tensor([[1.0], [2.0]], requires_grad=True)  # float32 (2, 1)
    y = tg.tensor(np.array([1.0, 10.0, 100.0]), requires_grad=True)  # float64 (3,)
    out = ScaledProduct.apply(x, y, scale=1.0)  # NumPy broadcasts to (2, 3) float64
    assert out.shape == (2, 3)
    out.sum().backward()
    assert x.grad.shape == (2, 1) and x.grad.dtype == np.float32 and x.grad.tolist() == [[111.0], [111.0]]
    assert y.grad.shape == (3,) and y.grad.tolist() == [3.0, 3.0, 3.0]


def test_saved_input_and_output_arrive_in_order():
    x = tg.tensor(np.array([1.5, -2.0]), requires_grad=True)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(force=True), 3 * x.numpy(force=True) ** 2)


def test_custom_function_passes_gradcheck_and_gradgradcheck():
    x = tg.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    assert tg.gradcheck(Cube.apply, [x])
    # written with operators, the same backward also works under create_graph
    (g,) = tg.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(force=True), 6 * x.numpy(force=True), rtol=1e-12)


class TooManyGradients(tg.Function):
    """returns two gradients for one input (a bug to be reported)"""

    def forward(self, x):
        return x + 0

    def backward(self, g):
        return g, g


class WrongShape(tg.Function):
    """returns a gradient that cannot be summed back to the input's shape"""

    def forward(self, x):
        return x + 0

    def backward(self, g):
        return np.ones((5,)) if isinstance(g, np.ndarray) else tg.ones(5)


def test_wrong_number_of_gradients_is_reported():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="TooManyGradientsBackward returned 2 gradients for 1 inputs"):
        TooManyGradients.apply(x).sum().backward()


def test_gradient_of_an_impossible_shape_is_reported():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongShapeBackward returned a gradient of shape \(5,\) for an "
                                           r"input of shape \(2,\)"):
        WrongShape.apply(x).sum().backward()


def test_forward_errors_name_the_op():
    with pytest.raises(RuntimeError, match=r"^ScaledProduct: The size of tensor a \(2\) must match the size "
                                           r"of tensor b \(3\)"):
        ScaledProduct.apply(tg.zeros(2), tg.zeros(3), scale=1.0)


# ----------------------------------------------------------------------------
# PyTorch's protocol: @staticmethod forward(ctx, ...) / backward(ctx, grad_output)


class ScaledSquare(tg.autograd.Function):
    """scaled_square(x): ∂ = 2kx"""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * k

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x * ctx.k, None


def test_pytorch_protocol_forward_backward_and_ctx():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ScaledSquare.apply(x, 3.0)
    assert y.tolist() == [3.0, 12.0] and y.grad_fn.name() == "ScaledSquareBackward"
    assert y.grad_fn.parents == (x,)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]  # 2·k·x


def test_pytorch_protocol_needs_input_grad_has_one_entry_per_argument():
    seen = []

    class Probe(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(ctx.needs_input_grad)
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            return g, g, None

    Probe.apply(tg.tensor([1.0], requires_grad=True), tg.tensor([2.0]), 3)
    assert seen == [(True, False, False)]


def test_pytorch_protocol_passes_gradcheck_and_gradgradcheck():
    x = tg.tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    assert tg.gradcheck(lambda t: ScaledSquare.apply(t, 3.0), [x])
    (g,) = tg.grad(ScaledSquare.apply(x, 3.0).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    assert h.tolist() == [6.0, 6.0, 6.0]  # d(6x)/dx


def test_pytorch_protocol_forward_does_not_record():
    class Inside(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            assert not tg.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Inside.apply(tg.tensor([1.0], requires_grad=True))
    assert y.grad_fn.name() == "InsideBackward"  # one node, not the Mul inside forward


def test_pytorch_protocol_saved_tensor_modified_in_place_is_refused():
    class Save(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    a = tg.tensor([1.0, 2.0], requires_grad=True) * 1
    y = Save.apply(a)
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_pytorch_protocol_saved_tensors_are_freed_by_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = ScaledSquare.apply(x, 1.0)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn.ctx.saved_tensors


def test_pytorch_protocol_wrong_number_of_gradients_uses_pytorchs_text():
    class Bad(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^function BadBackward returned an incorrect number of "
                                           r"gradients \(expected 2, got 1\)$"):
        Bad.apply(x, 2.0).sum().backward()


def test_pytorch_protocol_apply_takes_no_keywords_and_forward_returns_a_tensor():
    with pytest.raises(TypeError, match="ScaledSquare.apply\\(\\) takes no keyword arguments"):
        ScaledSquare.apply(tg.tensor([1.0]), k=2.0)

    class Pair(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

        @staticmethod
        def backward(ctx, g1, g2):
            return g1

    with pytest.raises(TypeError, match="Pair.forward must return one Tensor, got tuple"):
        Pair.apply(tg.tensor([1.0], requires_grad=True))


def test_mixing_up_the_two_protocols_says_which_was_expected():
    with pytest.raises(TypeError, match="forward is a @staticmethod but the other is not"):
        class Half(tg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            def backward(self, g):
                return g

    with pytest.raises(TypeError, match=r"forward\(self, ctx, \.\.\.\) looks like PyTorch's protocol"):
        class Unmarked(tg.autograd.Function):
            def forward(self, ctx, x):
                return x

            def backward(self, ctx, g):
                return g


def test_a_drawing_shows_the_pytorch_protocol_function_by_its_name_and_rule():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    dot = tg.graph_to_dot(ScaledSquare.apply(x, 3.0).sum())
    assert "ScaledSquareBackward" in dot and "∂ = 2kx" in dot
