"""The device idiom on the only device there is (devices.py): tg.device, device= on every
factory, Tensor.to's forms, .cpu()/.cuda(), tg.cuda and tg.backends. Other devices
raise a RuntimeError saying only the CPU exists; PyTorch's comparisons and texts
otherwise (probed on PyTorch 2.13).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_edu as tg

CPU_ONLY = "tinygrad_edu runs on the CPU only"


def test_device_objects():
    cpu = tg.device("cpu")
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    assert cpu.type == "cpu" and cpu.index is None
    assert repr(tg.device("cpu:0")) == "device(type='cpu', index=0)"
    assert tg.device("cpu", 0) == tg.device("cpu:0") and str(tg.device("cpu", 0)) == "cpu:0"
    assert tg.device(cpu) == cpu and hash(tg.device(cpu)) == hash(cpu)
    assert {cpu: 1}[tg.device("cpu")] == 1


def test_devices_compare_as_in_pytorch():
    # PyTorch 2.13: torch.device('cpu') == 'cpu' is False, and cpu:0 is not cpu
    cpu = tg.device("cpu")
    assert cpu != "cpu" and not (cpu == "cpu") and cpu.type == "cpu"
    assert tg.device("cpu:0") != cpu


def test_tensors_are_on_the_cpu():
    t = tg.zeros(2)
    assert t.device == tg.device("cpu") and repr(t.device) == "device(type='cpu')"
    assert t.device.type == "cpu" and not t.is_cuda


@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "mps", "xla", "meta"])
def test_other_devices_say_only_the_cpu_exists(spec):
    with pytest.raises(RuntimeError, match=f"^device: {CPU_ONLY}; device '{spec}' is not available"):
        tg.device(spec)


@pytest.mark.parametrize("call, kind, message", [
    (lambda: tg.device("foo"), RuntimeError,
     "device: Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
     "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device "
     "string: foo"),
    (lambda: tg.device("cpu:-1"), RuntimeError, "device: Invalid device string: 'cpu:-1'"),
    (lambda: tg.device("cpu", -1), RuntimeError, "device: Device index must not be negative"),
    (lambda: tg.device("cpu:0", 0), RuntimeError,
     "type (string) must not include an index because index was passed explicitly: cpu:0"),
    (lambda: tg.device(0), RuntimeError, f"device: device 0 means an accelerator, but {CPU_ONLY}"),
    (lambda: tg.device(None), TypeError, "device: device must be a string such as 'cpu' or a "
                                         "tg.device, got NoneType"),
])
def test_device_errors(call, kind, message):
    with pytest.raises(kind, match=re.escape(message)):
        call()


FACTORIES = {
    "tensor": lambda **kw: tg.tensor([1.0], **kw), "zeros": lambda **kw: tg.zeros(2, **kw),
    "ones": lambda **kw: tg.ones(2, **kw), "empty": lambda **kw: tg.empty(2, **kw),
    "full": lambda **kw: tg.full((2,), 1.0, **kw), "zeros_like": lambda **kw: tg.zeros_like(tg.ones(2), **kw),
    "ones_like": lambda **kw: tg.ones_like(tg.ones(2), **kw),
    "empty_like": lambda **kw: tg.empty_like(tg.ones(2), **kw),
    "full_like": lambda **kw: tg.full_like(tg.ones(2), 3.0, **kw),
    "randn": lambda **kw: tg.randn(2, **kw), "rand": lambda **kw: tg.rand(2, **kw),
    "randint": lambda **kw: tg.randint(0, 5, (2,), **kw),
    "rand_like": lambda **kw: tg.rand_like(tg.ones(2), **kw),
    "randn_like": lambda **kw: tg.randn_like(tg.ones(2), **kw),
    "randint_like": lambda **kw: tg.randint_like(tg.ones(2), 5, **kw),
    "normal": lambda **kw: tg.normal(0.0, 1.0, (2,), **kw), "randperm": lambda **kw: tg.randperm(3, **kw),
    "arange": lambda **kw: tg.arange(3, **kw), "linspace": lambda **kw: tg.linspace(0, 1, 3, **kw),
    "eye": lambda **kw: tg.eye(2, **kw),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_every_factory_takes_device(name):
    make = FACTORIES[name]
    for device in ("cpu", "cpu:0", tg.device("cpu"), None):
        assert make(device=device).device == tg.device("cpu")
    with pytest.raises(RuntimeError, match=f"^{name}: {CPU_ONLY}; device 'cuda' is not available"):
        make(device="cuda")


def test_the_device_choosing_idiom():
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    x = tg.randn(2, 3, device=device).to(device)
    assert x.device == device and x.to(device) is x


# ----------------------------------------------------------------------------
# Tensor.to


def test_to_device_returns_the_tensor_itself():
    t = tg.ones(2)
    for call in (lambda: t.to("cpu"), lambda: t.to(tg.device("cpu")), lambda: t.to(device="cpu"),
                 lambda: t.to(), lambda: t.to(None), lambda: t.to("cpu", None),
                 lambda: t.to(tg.float32), lambda: t.to("cpu", tg.float32, non_blocking=True)):
        assert call() is t


def test_to_forms_change_the_dtype():
    t = tg.ones(2)
    assert t.to(tg.device("cpu"), tg.float64).dtype == np.float64
    assert t.to(tg.zeros(1, dtype=tg.float64)).dtype == np.float64  # another tensor's dtype
    assert t.to(dtype=tg.int32).dtype == np.int32
    assert t.to("cpu", dtype=tg.float16).dtype == np.float16
    assert t.to(dtype=tg.float64, device="cpu").dtype == np.float64
    assert t.to(tg.float64, False, True).dtype == np.float64  # non_blocking, copy positional


def test_to_copy_makes_a_copy_in_the_graph():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    copied = t.to(tg.float32, copy=True)
    assert copied is not t and copied.tolist() == [1.0, 2.0]
    assert not np.shares_memory(copied.numpy(force=True), t.numpy(force=True))
    (copied * 3).sum().backward()
    assert t.grad.tolist() == [3.0, 3.0]


def test_to_device_and_dtype_keeps_the_gradient_flowing():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    (t.to("cpu", tg.float64) ** 2).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0] and t.grad.dtype == np.float32


@pytest.mark.parametrize("call, kind, message", [
    (lambda t: t.to("cuda"), RuntimeError, f"to: {CPU_ONLY}; device 'cuda' is not available"),
    (lambda t: t.to("mps"), RuntimeError, f"to: {CPU_ONLY}; device 'mps' is not available"),
    (lambda t: t.to(tg.float32, device="cuda:0"), RuntimeError, f"to: {CPU_ONLY}"),
    (lambda t: t.to(0), RuntimeError, "device 0 means an accelerator"),
    (lambda t: t.to("float32"), RuntimeError,
     "to: Invalid device string: 'float32' (a string names a device, as in PyTorch; for the dtype "
     "pass tg.float32)"),
    (lambda t: t.to("cpu", "cpu"), TypeError, "to: 'cpu' is not a dtype"),
    (lambda t: t.to(tg.float32, dtype=tg.float64), TypeError,
     "to() got multiple values for argument 'dtype'"),
    (lambda t: t.to(foo=1), TypeError, "to() got an unexpected keyword argument 'foo'"),
    (lambda t: t.to(tg.float32, copy=1), TypeError, "to(): argument 'copy' must be bool, not int"),
    (lambda t: t.to(tg.complex64 if hasattr(tg, "complex64") else np.complex64), TypeError,
     "to: dtype complex64 is not supported"),
])
def test_to_errors(call, kind, message):
    with pytest.raises(kind, match=re.escape(message)):
        call(tg.ones(2))


# ----------------------------------------------------------------------------
# tg.cuda and tg.backends


def test_cuda_namespace_answers_for_a_machine_without_a_gpu():
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    assert tg.cuda.manual_seed(3) is None and tg.cuda.manual_seed_all(3) is None  # as PyTorch
    with pytest.raises(TypeError, match="cuda.manual_seed: seed must be an int, got float"):
        tg.cuda.manual_seed(1.5)


def test_backends_namespace():
    assert tg.backends.mps.is_available() is False and tg.backends.mps.is_built() is False
    assert tg.backends.cudnn.is_available() is False
    tg.backends.cudnn.deterministic, tg.backends.cudnn.benchmark = True, False  # scripts do this
    assert tg.backends.cudnn.deterministic is True
    tg.backends.cudnn.deterministic = False
