"""tg.save / tg.load (tinygrad_edu/serialization.py): whole training checkpoints without
pickle. Types, dtypes, shapes and order survive the round trip; a resumed training run
ends on exactly the weights of an uninterrupted one; unsupported objects are refused
naming where they are; corrupt, truncated and foreign files raise CheckpointError
naming the path; writes are atomic (the implementation nn.save shares)."""
import io
import math
import os
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
import tinygrad_edu.serialization as serialization
from nn.optim.lr_scheduler import StepLR
from tinygrad_edu.utils.data import DataLoader, TensorDataset


def _round_trip(obj, tmp_path):
    path = tmp_path / "checkpoint.pt"
    tg.save(obj, path)
    return tg.load(path)


def test_types_survive_the_round_trip(tmp_path):
    obj = OrderedDict([
        ("z_first", (1, 2.5, True, None, "text")),
        ("list", [1, [2, (3,)], {}]),
        ("numbers", {"int": 7, "float": 7.0, "bool": False, "big": 2 ** 70,
                     "nan": math.nan, "inf": -math.inf}),
        ("keys", {0: "int", 1.5: "float", True: "bool", None: "none", ("a", 1): "tuple"}),
        ("ordered", OrderedDict([("b", 1), ("a", 2)])),
        ("counter", Counter([5, 5, 9])),
        ("numpy_scalars", [np.float32(0.1), np.int64(3), np.bool_(True)]),
    ])
    back = _round_trip(obj, tmp_path)
    assert type(back) is OrderedDict and list(back) == list(obj)
    assert back["z_first"] == (1, 2.5, True, None, "text") and type(back["z_first"]) is tuple
    assert back["list"] == [1, [2, (3,)], {}] and type(back["list"][1][1]) is tuple
    numbers = back["numbers"]
    assert [type(numbers[k]) for k in ("int", "float", "bool", "big")] == [int, float, bool, int]
    assert numbers["big"] == 2 ** 70 and math.isnan(numbers["nan"]) and numbers["inf"] == -math.inf
    assert list(back["keys"]) == [0, 1.5, True, None, ("a", 1)]
    assert list(back["ordered"].items()) == [("b", 1), ("a", 2)]
    assert type(back["counter"]) is Counter and back["counter"] == Counter({5: 2, 9: 1})
    scalars = back["numpy_scalars"]
    assert [type(s) for s in scalars] == [np.float32, np.int64, np.bool_]
    assert scalars[0] == np.float32(0.1)


def test_tensors_and_arrays_keep_dtype_shape_values_and_sharing(tmp_path):
    shared = tg.tensor(np.arange(6, dtype=np.float16).reshape(2, 3))
    obj = {"f32": tg.randn(3, 4), "f64": tg.tensor(np.ones((2, 0))),
           "ints": tg.tensor(np.array([[1, -2]], dtype=np.int8)), "bools": tg.tensor([True]),
           "scalar": tg.tensor(3.5), "grad": tg.tensor([1.0], requires_grad=True),
           "array": np.arange(4, dtype=np.uint8).reshape(2, 2), "a": shared, "b": [shared]}
    back = _round_trip(obj, tmp_path)
    for key in ("f32", "f64", "ints", "bools", "scalar", "a"):
        assert isinstance(back[key], tg.Tensor)
        assert back[key].dtype == obj[key].dtype and back[key].shape == obj[key].shape
        assert np.array_equal(back[key].numpy(force=True), obj[key].numpy(force=True))
        assert not back[key].requires_grad
    assert back["grad"].requires_grad and back["grad"].is_leaf
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.uint8
    assert back["a"] is back["b"][0]  # one tensor saved twice is loaded as one


def test_a_state_dict_loads_into_a_model(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model(tg.randn(5, 3))  # moves the running statistics
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    fresh.load_state_dict(_round_trip(model.state_dict(), tmp_path))
    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert np.array_equal(a.numpy(force=True), b.numpy(force=True)) and a.dtype == b.dtype, name


def _training_run(epochs, data, checkpoint=None, start_epoch=0):
    """SGD with momentum and StepLR over mini-batches; optionally resumed from a checkpoint."""
    tg.manual_seed(1)  # the same initial weights every time (replaced when resuming)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        start_epoch = checkpoint["epoch"] + 1
    loader = DataLoader(TensorDataset(*data), batch_size=8)
    for epoch in range(start_epoch, epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            nn.MSELoss()(model(xb), yb).backward()
            optimizer.step()
        scheduler.step()
    state = {"epoch": epochs - 1, "model": model.state_dict(),
             "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}
    return model, state


def test_a_resumed_training_run_ends_on_exactly_the_same_weights(tmp_path):
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.normal(size=(32, 3)).astype(np.float32))
    y = tg.tensor(np.sin(x.numpy(force=True).sum(1, keepdims=True)))
    straight, _ = _training_run(7, (x, y))
    _, state = _training_run(3, (x, y))
    path = tmp_path / "checkpoint.pt"
    tg.save(state, path)
    checkpoint = tg.load(path, weights_only=True)
    assert checkpoint["epoch"] == 2 and checkpoint["scheduler"]["last_epoch"] == 3
    assert list(checkpoint["optimizer"]["state"]) == [0, 1, 2, 3]  # int keys stay ints
    assert isinstance(checkpoint["optimizer"]["state"][0]["momentum_buffer"], tg.Tensor)
    resumed, _ = _training_run(7, (x, y), checkpoint=checkpoint)
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert np.array_equal(a.numpy(force=True), b.numpy(force=True)), name
    assert resumed[0].weight.dtype == np.float32


def test_file_objects_work_too():
    buffer = io.BytesIO()
    tg.save({"w": tg.ones(2)}, buffer)
    buffer.seek(0)
    assert tg.load(buffer)["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("bad, where, what", [
    ({"optimizer": {"state": {0: {"momentum_buffer": {1, 2}}}}},
     "obj['optimizer']['state'][0]['momentum_buffer']", "builtins.set"),
    ([1, 2, lambda x: x], "obj[2]", "builtins.function"),
    ({"arr": np.array(["a", "b"])}, "obj['arr']", "dtype <U1"),
    ({"c": 1j}, "obj['c']", "builtins.complex"),
    ({"nt": np.array([1j])}, "obj['nt']", "dtype complex128"),
    ({frozenset(): 1}, "obj", "dict key of type frozenset"),
])
def test_unsupported_objects_are_refused_naming_where_they_are(bad, where, what, tmp_path):
    with pytest.raises(TypeError) as error:
        tg.save(bad, tmp_path / "x.pt")
    message = str(error.value)
    assert message.startswith(f"tinygrad_edu.save: {where}: ") and what in message
    assert os.listdir(tmp_path) == []  # refused before any file is written


def test_a_reference_cycle_is_refused(tmp_path):
    cycle = {"a": []}
    cycle["a"].append(cycle)
    with pytest.raises(ValueError, match=r"obj\['a'\]\[0\]: the object contains itself"):
        tg.save(cycle, tmp_path / "x.pt")


def _saved(tmp_path):
    path = tmp_path / "good.pt"
    tg.save({"w": tg.arange(1000).float(), "step": 3}, path)
    return path


def test_truncated_and_corrupt_files_raise_checkpoint_error_naming_the_path(tmp_path):
    data = _saved(tmp_path).read_bytes()
    for name, content in [("truncated.pt", data[: len(data) // 2]), ("empty.pt", b""),
                          ("text.pt", b"just some text\n"),
                          ("flipped.pt", data[:200] + bytes([data[200] ^ 0xFF]) + data[201:])]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(tg.CheckpointError, match=f"tinygrad_edu.load: '{path}'"):
            tg.load(path)


def test_foreign_archives_raise_checkpoint_error(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(2))
    with pytest.raises(tg.CheckpointError, match="not a checkpoint written by tinygrad_edu.save"):
        tg.load(plain)
    state = tmp_path / "state.npz"
    nn.save({"w": tg.ones(2)}, state)
    with pytest.raises(tg.CheckpointError, match="written by nn.save; read it with nn.load"):
        tg.load(state)
    pickled = tmp_path / "pickled.npz"  # an archive whose structure asks for an object array
    np.savez(pickled, **{serialization.FORMAT_KEY: np.array(serialization.FORMAT),
                         serialization.TREE_KEY: np.array('{"ndarray": 0}'),
                         "a0": np.array([None], dtype=object)})
    with pytest.raises(tg.CheckpointError, match=f"'{pickled}' is corrupt"):
        tg.load(pickled)
    broken = tmp_path / "broken.npz"
    np.savez(broken, **{serialization.FORMAT_KEY: np.array(serialization.FORMAT),
                        serialization.TREE_KEY: np.array('{"tensor": 5, "requires_grad": false}')})
    with pytest.raises(tg.CheckpointError, match="refers to an array 5 it does not hold"):
        tg.load(broken)


def test_missing_paths_and_options(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        tg.load(tmp_path / "nothing.pt")
    path = _saved(tmp_path)
    assert tg.load(path, map_location="cpu", weights_only=False)["step"] == 3
    with pytest.raises(ValueError, match="only has the CPU"):
        tg.load(path, map_location="cuda:0")
    with pytest.raises(TypeError, match="never pickled"):
        tg.load(path, pickle_module=object())


def test_an_interrupted_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = _saved(tmp_path)
    original = serialization._write_archive

    def write_half_then_fail(file, tree, arrays):
        buffer = io.BytesIO()
        original(buffer, tree, arrays)
        file.write(buffer.getvalue()[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization, "_write_archive", write_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        tg.save({"w": tg.zeros(5)}, path)
    assert os.listdir(tmp_path) == ["good.pt"]
    assert tg.load(path)["step"] == 3


def test_nn_save_uses_the_same_atomic_write():
    import nn.serialization
    assert nn.serialization.atomic_write is serialization.atomic_write
    assert nn.CheckpointError is tg.CheckpointError


def test_the_file_is_a_plain_npz_without_pickles(tmp_path):
    path = _saved(tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
    assert names == ["__tinygrad_edu_format__.npy", "__tinygrad_edu_tree__.npy", "a0.npy"]
    with np.load(path, allow_pickle=False) as archive:  # numpy reads it without pickle
        assert archive["a0"].shape == (1000,)
