"""Misuse of the autograd API gets a clear error naming the function, never a bare
NumPy or attribute error."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg


class AddsAString(tg.Function):
    """d/dx (x + "a"): there is none, forward fails inside NumPy"""

    def forward(self, x):
        return np.add(x, "a")

    def backward(self, g):
        return g


def test_a_numpy_error_inside_forward_is_reraised_as_a_builtin_naming_the_op():
    with pytest.raises(TypeError, match=r"^AddsAString: .*inputs: float32 \(2,\)"):
        AddsAString.apply(tg.tensor([1.0, 2.0]))


def test_floating_point_errors_asked_for_by_the_user_name_the_op():
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError, match=r"^Exp: overflow"):
            tg.tensor([1000.0]).exp()


def test_a_hook_may_not_change_the_gradients_shape():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: tg.ones(3))
    with pytest.raises(RuntimeError, match=r"hook '<lambda>' has changed the size of value"):
        (x * 2).sum().backward()


def test_a_hooks_result_is_cast_to_the_gradients_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: tg.tensor([3, 4]))
    (x * 2).sum().backward()
    assert x.grad.dtype == tg.float32
    np.testing.assert_array_equal(x.grad.numpy(force=True), [3.0, 4.0])


def test_one_gradient_per_output():
    a = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward: got 1 gradients for 2 outputs"):
        tg.backward([a.sum(), (a * 3).sum()], [None])


@pytest.mark.parametrize("call, message", [
    (lambda y, x: tg.backward(None), r"backward: tensors must be a Tensor or a sequence"),
    (lambda y, x: tg.backward("a"), r"backward: tensors must be a Tensor or a sequence"),
    (lambda y, x: tg.backward(y, inputs=[None]), r"backward: inputs must be Tensors, got NoneType"),
    (lambda y, x: tg.grad(None, x), r"grad: outputs must be a Tensor or a sequence"),
    (lambda y, x: tg.grad(y, None), r"grad: inputs must be a Tensor or a sequence"),
    (lambda y, x: tg.grad([y, None], x), r"grad: outputs must be Tensors, got NoneType"),
])
def test_non_tensor_arguments_are_refused_by_name(call, message):
    x = tg.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(TypeError, match=message):
        call(y, x)


def test_backward_with_no_inputs_is_refused_as_in_pytorch():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^`inputs` argument to `backward\(\)` cannot be empty\.$"):
        (x * 2).sum().backward(inputs=[])
    assert x.grad is None


def test_no_grad_takes_a_function_or_nothing():
    with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments"):
        tg.no_grad("a")


def test_the_gradient_of_a_nan_maximum_goes_to_the_nan_without_warnings():
    x = tg.tensor([math.nan, 1.0], requires_grad=True)
    with np.errstate(all="raise"):
        x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(force=True), [1.0, 0.0])


@pytest.mark.parametrize("kwargs, message", [
    (dict(eps=0), r"eps must be a finite number > 0"),
    (dict(eps=-1e-6), r"eps must be a finite number > 0"),
    (dict(eps="a"), r"eps must be a finite number > 0"),
    (dict(atol=None), r"atol must be a finite number >= 0"),
    (dict(rtol=math.inf), r"rtol must be a finite number >= 0"),
])
def test_gradcheck_refuses_bad_tolerances(kwargs, message):
    x = tg.tensor(np.array([1.0]), requires_grad=True)
    with pytest.raises(ValueError, match=message):
        tg.gradcheck(lambda a: a * 2, [x], **kwargs)


def test_gradcheck_refuses_a_function_with_nothing_to_check():
    x = tg.tensor(np.array([1.0]), requires_grad=True)
    with pytest.raises(TypeError, match=r"func must be callable"):
        tg.gradcheck(None, [x])
    for func in (lambda a: None, lambda a: 3.0, lambda a: a.detach()):
        with pytest.raises(ValueError, match=r"no differentiable output"):
            tg.gradcheck(func, [x])


class ReturnsTooSmallAGradient(tg.Function):
    """d/dx x = 1, but backward wrongly drops a dimension"""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g[0]


def test_a_custom_backward_returning_the_wrong_shape_is_named():
    x = tg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"ReturnsTooSmallAGradientBackward returned a gradient "
                                           r"of shape \(3,\) for an input of shape \(2, 3\)"):
        ReturnsTooSmallAGradient.apply(x).sum().backward()


@pytest.mark.parametrize("inputs", [lambda x: [x, x], lambda x: (t for t in [x]), lambda x: {x}])
def test_backward_inputs_as_pytorch_takes_them(inputs):
    # any iterable of tensors; one given twice gets its gradient once
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward(inputs=inputs(x))
    assert x.grad.tolist() == [2.0, 4.0]


def test_backward_inputs_must_require_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.tensor([1.0, 1.0])
    with pytest.raises(RuntimeError, match=r"^can't retain_grad on Tensor that has requires_grad=False$"):
        (x * y).sum().backward(inputs=[y])
    assert x.grad is None
