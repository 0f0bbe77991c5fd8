"""nn.save / nn.load: .npz state dicts without pickle, written atomically, with clear
errors for missing, truncated, corrupt and foreign files."""
import errno
import os
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest

import nn
import nn.serialization
import tinygrad_edu as tg


def _model(seed):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def _same_state(a, b):
    assert list(a) == list(b)
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        np.testing.assert_array_equal(a[key].numpy(force=True), b[key].numpy(force=True), err_msg=key)


def test_round_trip_gives_a_model_with_identical_outputs(tmp_path):
    path = tmp_path / "model.npz"
    trained, fresh = _model(0), _model(1)
    nn.save(trained.state_dict(), path)
    fresh.load_state_dict(nn.load(path))
    x = tg.tensor(np.random.default_rng(0).normal(size=(5, 3)), dtype=tg.float32)
    np.testing.assert_array_equal(fresh(x).numpy(force=True), trained(x).numpy(force=True))


def test_load_returns_an_ordered_dict_with_the_original_dtypes_and_order(tmp_path):
    state = OrderedDict([
        ("z.weight", tg.tensor(np.arange(6.0).reshape(2, 3))),            # float64
        ("a.bias", tg.tensor([1.5, -2.5])),                                # float32
        ("count", tg.tensor(np.array(7, dtype=np.int64))),                 # 0-d int64
        ("mask", tg.tensor(np.array([True, False]))),                      # bool
        ("half", tg.tensor(np.array([0.5], dtype=np.float16))),
    ])
    nn.save(state, tmp_path / "s.npz")
    loaded = nn.load(tmp_path / "s.npz")
    assert isinstance(loaded, OrderedDict)
    assert all(isinstance(t, tg.Tensor) and not t.requires_grad for t in loaded.values())
    _same_state(state, loaded)
    assert loaded["count"].shape == ()


def test_the_file_is_a_plain_npz_named_by_dotted_keys(tmp_path):
    path = tmp_path / "model.npz"
    model = _model(0)
    nn.save(model.state_dict(), path)
    with np.load(path, allow_pickle=False) as archive:
        assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= set(archive.files)
        np.testing.assert_array_equal(archive["2.weight"], model[2].weight.numpy(force=True))


def test_saving_over_an_existing_file_replaces_it(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(_model(0).state_dict(), path)
    nn.save(_model(1).state_dict(), str(path))
    _same_state(nn.load(path), _model(1).state_dict())
    assert os.listdir(tmp_path) == ["model.npz"]


def _failing_writer(fraction):
    """A _write_payload that writes part of the archive, then fails like a full disk."""
    original = nn.serialization._write_payload

    def write_part_then_fail(file, arrays):
        import io
        buffer = io.BytesIO()
        original(buffer, arrays)
        data = buffer.getvalue()
        file.write(data[: int(len(data) * fraction)])
        file.flush()
        raise OSError(28, "No space left on device")

    return write_part_then_fail


def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = _model(0).state_dict()
    nn.save(old, path)
    monkeypatch.setattr(nn.serialization, "_write_payload", _failing_writer(0.5))
    with pytest.raises(OSError, match="No space left on device"):
        nn.save(_model(1).state_dict(), path)
    assert os.listdir(tmp_path) == ["model.npz"]
    _same_state(nn.load(path), old)


def test_a_failure_at_the_rename_keeps_the_old_file_too(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = _model(0).state_dict()
    nn.save(old, path)

    def no_rename(src, dst):
        raise PermissionError("rename refused")

    monkeypatch.setattr(nn.serialization.os, "replace", no_rename)
    with pytest.raises(PermissionError):
        nn.save(_model(1).state_dict(), path)
    assert os.listdir(tmp_path) == ["model.npz"]
    _same_state(nn.load(path), old)


def test_a_process_killed_mid_write_leaves_the_old_file_loadable(tmp_path):
    # A hard crash runs no cleanup: the partial temp file stays, but the target is untouched.
    path = tmp_path / "model.npz"
    old = _model(0).state_dict()
    nn.save(old, path)
    script = textwrap.dedent(f"""
        import io, os
        import nn, nn.serialization, tinygrad_edu as tg
        def crash(file, arrays):
            buffer = io.BytesIO()
            nn.serialization.np.savez(buffer, **arrays)
            file.write(buffer.getvalue()[:100])
            file.flush()
            os._exit(9)
        nn.serialization._write_payload = crash
        nn.save({{"w": tg.zeros(1000)}}, {str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 9, result.stderr
    leftovers = [name for name in os.listdir(tmp_path) if name != "model.npz"]
    assert len(leftovers) == 1 and leftovers[0].endswith(".tmp")  # the temp file, not the target
    _same_state(nn.load(path), old)


def test_a_missing_file_raises_file_not_found_as_torch_load_does(tmp_path):
    # torch.load: FileNotFoundError, errno 2, the path as `filename`; a missing file is
    # not a bad checkpoint, so it is not a CheckpointError
    path = tmp_path / "nothing.npz"
    with pytest.raises(FileNotFoundError, match=f"nn.load: no such file: '{path}'") as caught:
        nn.load(path)
    assert caught.value.errno == errno.ENOENT and caught.value.filename == str(path)
    assert not isinstance(caught.value, nn.CheckpointError)


def test_a_directory_raises_is_a_directory_as_torch_load_does(tmp_path):
    with pytest.raises(IsADirectoryError, match="a directory, not a checkpoint file") as caught:
        nn.load(tmp_path)
    assert caught.value.errno == errno.EISDIR and caught.value.filename == str(tmp_path)


def test_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(_model(0).state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(nn.CheckpointError, match=f"'{path}' is not a checkpoint written by nn.save"):
        nn.load(path)


def test_corrupt_array_data_is_detected(tmp_path):
    path = tmp_path / "model.npz"
    weights = np.arange(64, dtype=np.float64)
    nn.save({"w": tg.tensor(weights)}, path)
    data = bytearray(path.read_bytes())
    start = bytes(data).find(weights.tobytes())
    assert start > 0
    data[start + 100] ^= 0xFF  # flip bits inside the stored array
    path.write_bytes(bytes(data))
    with pytest.raises(nn.CheckpointError, match=f"'{path}' is corrupt or truncated"):
        nn.load(path)


def test_a_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(nn.CheckpointError, match="is an .npz archive but not one written by nn.save"):
        nn.load(path)


@pytest.mark.parametrize("content", [b"hello, I am a text file\n", b""])
def test_a_file_that_is_not_an_archive_is_refused(tmp_path, content):
    path = tmp_path / "notes.npz"
    path.write_bytes(content)
    with pytest.raises(nn.CheckpointError, match="not an .npz archive"):
        nn.load(path)


def test_a_npy_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    with pytest.raises(nn.CheckpointError, match="not an .npz archive"):
        nn.load(path)


def test_a_future_format_version_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    np.savez(path, **{nn.serialization.FORMAT_KEY: np.array("tinygrad_edu.nn state_dict v9"),
                      nn.serialization.KEYS_KEY: np.array([], dtype=str)})
    with pytest.raises(nn.CheckpointError, match="has format 'tinygrad_edu.nn state_dict v9'"):
        nn.load(path)


def test_a_key_list_that_disagrees_with_the_arrays_is_corrupt(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **{nn.serialization.FORMAT_KEY: np.array(nn.serialization.FORMAT),
                      nn.serialization.KEYS_KEY: np.array(["a", "b"]), "a": np.ones(1)})
    with pytest.raises(nn.CheckpointError, match="its list of keys does not match"):
        nn.load(path)


def test_pickled_content_is_never_loaded(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, **{nn.serialization.FORMAT_KEY: np.array(nn.serialization.FORMAT),
                      nn.serialization.KEYS_KEY: np.array(["obj"]),
                      "obj": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(nn.CheckpointError, match="corrupt or truncated"):
        nn.load(path)


def test_save_checks_what_it_is_given(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match=r"got Sequential \(call model.state_dict\(\) to get one\)"):
        nn.save(_model(0), path)
    with pytest.raises(TypeError, match="keys must be non-empty strings"):
        nn.save({1: tg.zeros(1)}, path)
    with pytest.raises(TypeError, match="the value of 'w' must be a Tensor or a NumPy array, got list"):
        nn.save({"w": [1.0]}, path)
    with pytest.raises(ValueError, match="reserved"):
        nn.save({nn.serialization.FORMAT_KEY: tg.zeros(1)}, path)
    assert os.listdir(tmp_path) == []


def test_numpy_arrays_are_accepted_as_values(tmp_path):
    nn.save({"w": np.arange(3, dtype=np.int32)}, tmp_path / "a.npz")
    loaded = nn.load(tmp_path / "a.npz")["w"]
    assert loaded.dtype == tg.int32 and loaded.tolist() == [0, 1, 2]
