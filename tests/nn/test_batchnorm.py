"""BatchNorm1d against PyTorch 2.13's numbers (float64): batch statistics with the
biased variance, running statistics with the unbiased one, momentum and its
cumulative-average mode, eval mode, (N, C, L) inputs, buffers in state_dict, errors."""
import numpy as np
import pytest

import nn
import nn.functional as F
import tinygrad_edu as tg

BATCH_1 = [[1.0, 2.0, 3.0], [4.0, 0.0, -1.0], [2.0, 2.0, 2.0], [0.0, 1.0, 5.0]]
BATCH_2 = [[0.0, 0.0, 1.0], [2.0, 4.0, -3.0]]


def _bn(**options):
    bn = nn.BatchNorm1d(3, **options).double()
    if bn.affine:
        with tg.no_grad():
            bn.weight[...] = np.array([1.0, 2.0, 0.5])
            bn.bias[...] = np.array([0.0, -1.0, 1.0])
    return bn


def test_training_matches_pytorch_batch_by_batch():
    bn = _bn(momentum=0.2)
    out = bn(tg.tensor(np.array(BATCH_1)))
    np.testing.assert_allclose(out.numpy(force=True), [
        [-0.5070913937723917, 0.8090549107514367, 1.1732048960050971],
        [1.5212741813171748, -4.015091517919062, 0.24944545064457874],
        [0.16903046459079718, 0.8090549107514367, 0.9422650346649676],
        [-1.1832132521355805, -1.6030183035838128, 1.6350846186853565]], rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), [0.35, 0.25, 0.45], rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), [1.3833333333333333, 0.9833333333333334,
                                                     2.05], rtol=1e-13)
    assert bn.num_batches_tracked.item() == 1
    out = bn(tg.tensor(np.array(BATCH_2)))
    np.testing.assert_allclose(out.numpy(force=True), [[-0.9999950000374997, -2.9999975000046875,
                                           1.4999993750011718],
                                          [0.9999950000374997, 0.9999975000046875,
                                           0.500000624998828]], rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), [0.48, 0.6, 0.16], rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), [1.5066666666666668, 2.3866666666666667,
                                                     3.24], rtol=1e-13)
    assert bn.num_batches_tracked.item() == 2
    bn.eval()
    np.testing.assert_allclose(bn(tg.tensor(np.array([[1.0, 1.0, 1.0]]))).data,
                               [[0.4236364424721662, -0.4821628624506784, 1.2333329732518623]],
                               rtol=1e-13)
    assert bn.num_batches_tracked.item() == 2  # eval does not count


def test_running_statistics_by_hand():
    # running_var uses the unbiased variance (n − 1), the normalisation the biased one (n)
    x = np.array(BATCH_1)
    bn = _bn(momentum=0.2, affine=False)
    out = bn(tg.tensor(x)).data
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), 0.2 * x.mean(0), rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), 0.8 + 0.2 * x.var(0, ddof=1), rtol=1e-13)


def test_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    bn(tg.tensor([[1.0, 2.0], [3.0, 6.0]]).double())
    bn(tg.tensor([[5.0, 0.0], [9.0, 0.0], [1.0, 3.0]]).double())
    # the plain average of the two batches' statistics (PyTorch: [3.5, 2.5], [9, 5.5])
    assert bn.running_mean.tolist() == [3.5, 2.5]
    assert bn.running_var.tolist() == [9.0, 5.5]


def test_three_dimensional_input_normalises_over_batch_and_length():
    x = tg.tensor(np.arange(12.0).reshape(2, 2, 3) ** 1.5)
    bn = nn.BatchNorm1d(2).double()
    np.testing.assert_allclose(bn(x).numpy(force=True), [
        [[-1.1044640223426145, -0.9934124664146295, -0.7903627893106333],
         [-1.2039114344997595, -0.9745534947094717, -0.7143980531880108]],
        [[0.527653860651655, 0.9522395755029879, 1.408345841913235],
         [0.579668243771111, 0.9578166588488134, 1.3553780797773172]]], rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean.numpy(force=True), [0.994550695947782, 1.991369026763313],
                               rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.numpy(force=True), [10.630426958277395, 18.833392790972834],
                               rtol=1e-13)


def test_without_running_stats_both_modes_use_the_batch():
    bn = nn.BatchNorm1d(3, track_running_stats=False, affine=False).double()
    assert bn.running_mean is None and bn.num_batches_tracked is None
    x = tg.tensor(np.array(BATCH_1))
    assert np.array_equal(bn(x).numpy(force=True), bn.eval()(x).data)
    assert list(bn.state_dict()) == []


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_gradcheck_in_training_and_eval(shape):
    rng = np.random.default_rng(7)
    x = tg.tensor(rng.normal(size=shape), requires_grad=True)
    weight = tg.tensor(rng.normal(size=3), requires_grad=True)
    bias = tg.tensor(rng.normal(size=3), requires_grad=True)
    running_mean, running_var = tg.tensor(rng.normal(size=3)), tg.tensor(rng.uniform(1, 2, 3))
    assert tg.gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                        (x, weight, bias))
    assert tg.gradcheck(lambda a, w, b: F.batch_norm(a, running_mean, running_var, w, b),
                        (x, weight, bias))


def test_buffers_are_in_the_state_dict_and_load_back():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert bn.state_dict()["num_batches_tracked"].dtype == np.int64
    assert [name for name, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                        "num_batches_tracked"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    bn(tg.tensor(np.array(BATCH_1, dtype=np.float32)))
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(bn.state_dict())
    assert fresh.running_var.tolist() == bn.running_var.tolist()
    assert fresh.num_batches_tracked.item() == 1


def test_float32_by_default_and_double_casts_the_running_stats():
    bn = nn.BatchNorm1d(2)
    assert bn.running_mean.dtype == np.float32
    bn.double()
    assert bn.running_var.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64  # integer buffers are not cast


def test_errors_copy_pytorch():
    with pytest.raises(ValueError, match=r"^Expected more than 1 value per channel when "
                                         r"training, got input size \(1, 3\)$"):
        nn.BatchNorm1d(3)(tg.ones(1, 3))
    with pytest.raises(RuntimeError, match="^running_mean should contain 4 elements not 3$"):
        nn.BatchNorm1d(3)(tg.ones(2, 4))
    with pytest.raises(RuntimeError, match="^running_mean should contain 4 elements not 3$"):
        nn.BatchNorm1d(3).eval()(tg.ones(2, 4))
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)$"):
        nn.BatchNorm1d(3)(tg.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 1D input\)$"):
        nn.BatchNorm1d(3)(tg.ones(3))
    with pytest.raises(RuntimeError, match="^running_mean must be defined in evaluation mode"):
        F.batch_norm(tg.ones(2, 3), None, None, training=False)


def test_a_bad_input_is_reported_as_batch_norms():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(TypeError, match="^batch_norm: input must be a Tensor, got list$"):
        bn([[1.0, 2.0, 3.0]])
    assert bn.num_batches_tracked.item() == 0  # refused before the batch is counted
    with pytest.raises(RuntimeError, match="^batch_norm: input must be a floating-point tensor, "
                                           "got dtype int64$"):
        bn(tg.tensor([[1, 2, 3], [4, 5, 6]]))


def test_reset_running_stats():
    bn = nn.BatchNorm1d(3)
    bn(tg.tensor(np.array(BATCH_1, dtype=np.float32)))
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0, 0, 0] and bn.running_var.tolist() == [1, 1, 1]
    assert bn.num_batches_tracked.item() == 0


def test_repr_is_pytorchs():
    assert repr(nn.BatchNorm1d(3)) == ("BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, "
                                       "bias=True, track_running_stats=True)")
    assert repr(nn.BatchNorm1d(3, affine=False, track_running_stats=False, momentum=None)) == (
        "BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, bias=False, "
        "track_running_stats=False)")
