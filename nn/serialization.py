"""`nn.save` / `nn.load`: state dicts as `.npz` files, without pickle.

The file is an ordinary NumPy `.npz` archive: one array per state-dict entry,
named by its dotted key (`0.weight`, `fc1.bias`, ...), so `numpy.load` can read
it too, plus two entries of our own: a format marker and the key order.
Nothing is pickled and loading uses `allow_pickle=False`, so loading a file
cannot run code.

Saving is atomic, with the one implementation that `tg.save` uses too
(`tinygrad_edu.serialization.atomic_write`): a temporary file in the same folder,
flushed and fsync'ed, renamed over the target with `os.replace`, and the folder
fsync'ed. A crash at any point leaves either the old file or the new one, never a
half-written one.

For whole training checkpoints (optimizer state, epoch, scheduler, ...) use
`tg.save` / `tg.load`; this format holds one flat state dict.
"""
from __future__ import annotations

import errno
import os
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.serialization import CheckpointError, atomic_write
from tinygrad_edu.serialization import check_path as _check_path

FORMAT_KEY = "__tinygrad_edu_format__"
KEYS_KEY = "__tinygrad_edu_keys__"
FORMAT = "tinygrad_edu.nn state_dict v1"
_RESERVED = (FORMAT_KEY, KEYS_KEY)


def _arrays_to_save(state_dict) -> "OrderedDict[str, np.ndarray]":
    """Validate a state dict and turn its values into NumPy arrays (no copies)."""
    if not isinstance(state_dict, Mapping):
        hint = " (call model.state_dict() to get one)" if hasattr(state_dict, "state_dict") else ""
        raise TypeError(f"nn.save: expected a state dict (a mapping of str to Tensor), got "
                        f"{type(state_dict).__name__}{hint}")
    arrays = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"nn.save: state dict keys must be non-empty strings, got {key!r}")
        if key in _RESERVED:
            raise ValueError(f"nn.save: the key {key!r} is reserved for the file format")
        if isinstance(value, tg.Tensor):
            array = value.numpy(force=True)
        elif isinstance(value, np.ndarray):
            array = value
        else:
            raise TypeError(f"nn.save: the value of {key!r} must be a Tensor or a NumPy array, "
                            f"got {type(value).__name__}")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"nn.save: the value of {key!r} has dtype {array.dtype}, which cannot "
                            f"be stored without pickle")
        arrays[key] = array
    return arrays


def _write_payload(file, arrays: "OrderedDict[str, np.ndarray]") -> None:
    """Write the .npz archive to an open binary file."""
    entries = {FORMAT_KEY: np.array(FORMAT), KEYS_KEY: np.array(list(arrays), dtype=str)}
    entries.update(arrays)
    np.savez(file, **entries)


def save(state_dict, path) -> None:
    """Write `state_dict` (name -> Tensor) to `path` as an .npz archive, atomically.

    The path is used as given (no suffix is added). If anything fails, the
    previous file at `path`, if any, is left untouched and no temporary file
    remains.
    """
    arrays = _arrays_to_save(state_dict)
    # _write_payload is looked up at call time (the tests replace it to simulate crashes)
    atomic_write(path, lambda file: _write_payload(file, arrays), "nn.save")


def load(path) -> "OrderedDict[str, tg.Tensor]":
    """Read a file written by `nn.save`: an OrderedDict name -> Tensor with the
    original dtypes, shapes and order.

    Errors name the path. A file that is there but is not a whole checkpoint
    written by `nn.save` (corrupt, truncated, foreign, pickled) raises
    CheckpointError, a ValueError. A path that is not a file raises what
    `torch.load` and `open` raise — FileNotFoundError for a missing file,
    IsADirectoryError for a folder — OSErrors with `errno` and `filename` set,
    so `except OSError` handles them with the other I/O failures."""
    path = _check_path(path, "nn.load")
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "nn.load: no such file", path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "nn.load: a directory, not a checkpoint file", path)
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"nn.load: '{path}' is not a checkpoint written by nn.save: it is "
                              f"not an .npz archive (or it is truncated)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if FORMAT_KEY not in names:
                raise CheckpointError(
                    f"nn.load: '{path}' is an .npz archive but not one written by nn.save "
                    f"(it has no '{FORMAT_KEY}' entry); read it with numpy.load instead")
            found = str(archive[FORMAT_KEY])
            if found != FORMAT:
                raise CheckpointError(f"nn.load: '{path}' has format {found!r}, this version "
                                      f"reads {FORMAT!r}")
            keys = [str(k) for k in archive[KEYS_KEY]] if KEYS_KEY in names else None
            if keys is None or set(keys) != names - set(_RESERVED) or len(set(keys)) != len(keys):
                raise CheckpointError(f"nn.load: '{path}' is corrupt: its list of keys does not "
                                      f"match the arrays it holds")
            arrays = OrderedDict((key, archive[key]) for key in keys)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, KeyError) as error:
        raise CheckpointError(f"nn.load: '{path}' is corrupt or truncated "
                              f"({type(error).__name__}: {error})") from None
    tensors = OrderedDict()
    for key, array in arrays.items():
        try:
            tensors[key] = tg.from_numpy(array)
        except TypeError as error:  # e.g. strings or complex numbers put there by hand
            raise CheckpointError(f"nn.load: '{path}' is corrupt: entry {key!r} cannot be a "
                                  f"tensor ({error})") from None
    return tensors
