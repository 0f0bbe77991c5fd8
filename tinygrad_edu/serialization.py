"""`tg.save` / `tg.load`: whole checkpoints without pickle, and the atomic file write
that `nn.save` shares.

    tg.save({"epoch": 5, "model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": scheduler.state_dict()}, "checkpoint.pt")
    checkpoint = tg.load("checkpoint.pt")

What can be saved: Tensors, NumPy arrays and NumPy scalars (of bool, int, uint or
float dtypes), int, float, bool, str, None, and lists, tuples, dicts,
OrderedDicts and Counters of these, nested to any depth; dict keys may be str,
int, float, bool, None or tuples of them. Loading gives back the same types
(tuple stays tuple, int stays int, OrderedDict keeps its order), dtypes and
shapes. A Tensor saved twice is loaded as one Tensor (as PyTorch keeps shared
storage); a tensor keeps its requires_grad flag but comes back as a leaf (a
Parameter comes back as a Tensor). Anything else is refused, naming where it is
(`obj['optimizer']['state'][0]['momentum_buffer']: ...`).

The file is a NumPy `.npz` archive: one array per tensor or array, plus a JSON
description of the structure and a format marker. Nothing is pickled and
loading uses `allow_pickle=False`, so loading a file cannot run code, whatever
`weights_only` says.

Writing to a path is atomic (`atomic_write`): the data goes to a temporary file
in the same folder, is flushed and fsync'ed, then renamed over the target with
`os.replace`, and the folder is fsync'ed so the rename survives a power cut. A
crash at any point leaves the old file or the new one, never a half-written one.
"""
from __future__ import annotations

import json
import os
import secrets
import zipfile
import zlib
from collections import Counter, OrderedDict

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError", "atomic_write", "check_path"]

FORMAT_KEY = "__tinygrad_edu_format__"
TREE_KEY = "__tinygrad_edu_tree__"
FORMAT = "tinygrad_edu.save v1"
NN_FORMAT_PREFIX = "tinygrad_edu.nn state_dict"  # what nn.save writes

_SUPPORTED = ("Tensors, NumPy arrays and scalars of bool/int/float dtypes, int, float, bool, "
              "str, None, and lists, tuples, dicts, OrderedDicts and Counters of these")
_MAPPINGS = {dict: "dict", OrderedDict: "OrderedDict", Counter: "Counter"}
_MAPPING_TYPES = {name: kind for kind, name in _MAPPINGS.items()}


class CheckpointError(ValueError):
    """A file that is not a readable checkpoint (corrupt, truncated or foreign)."""


# ----------------------------------------------------------------------------
# files


def check_path(path, function: str) -> str:
    """`path` as a str, or a clear TypeError / FileNotFoundError naming `function`."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{function}: path must be a str or os.PathLike, got "
                        f"{type(path).__name__}")
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path:
        raise FileNotFoundError(f"{function}: the path is empty")
    return path


def _fsync_directory(folder: str) -> None:
    """Make a rename durable. Not every platform can open a folder (Windows cannot)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write, function: str) -> None:
    """Call `write(file)` on a temporary file next to `path`, then put it in place
    atomically. If anything fails, the previous file at `path` is untouched and the
    temporary file is removed."""
    path = check_path(path, function)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"{function}: '{path}' is a directory; give a file name inside it")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{function}: cannot write '{path}': the folder '{folder}' does "
                                f"not exist")
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never clobber someone else's file; mode 0o666 lets the umask decide, as open() does
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(folder)


# ----------------------------------------------------------------------------
# saving: the object becomes a JSON tree plus numbered arrays


def _where(path: list) -> str:
    return "obj" + "".join(f"[{key!r}]" for key in path)


class _Encoder:
    """Walks the object once: JSON-able nodes out, arrays collected by number."""

    def __init__(self):
        self.arrays = []  # arrays to store, numbered by position
        self.tensor_index = {}  # id(tensor or array) -> its number (shared objects once)
        self.keep_alive = []  # so that ids stay unique during the walk
        self.on_path = set()  # ids of the containers being encoded (cycle check)

    def array(self, obj, data: np.ndarray, path: list) -> int:
        if data.dtype.kind not in "biuf":
            raise TypeError(f"tinygrad_edu.save: {_where(path)}: cannot save an array of dtype "
                            f"{data.dtype} (supported: bool, int, uint and float dtypes)")
        key = id(obj)
        if key not in self.tensor_index:
            self.tensor_index[key] = len(self.arrays)
            self.arrays.append(data)
            self.keep_alive.append(obj)
        return self.tensor_index[key]

    def encode(self, obj, path: list):
        kind = type(obj)
        if obj is None or kind in (bool, int, str):
            return obj
        if kind is float:
            return obj  # nan and ±inf too: Python's json writes NaN / Infinity
        if isinstance(obj, Tensor):
            return {"tensor": self.array(obj, obj._data, path), "requires_grad": obj.requires_grad}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.array(obj, obj, path)}
        if isinstance(obj, (np.bool_, np.number)):
            data = np.asarray(obj)
            if data.dtype.kind not in "biuf":
                raise TypeError(f"tinygrad_edu.save: {_where(path)}: cannot save a NumPy "
                                f"{data.dtype} scalar")
            self.arrays.append(data)
            return {"scalar": len(self.arrays) - 1}
        if kind in (list, tuple) or kind in _MAPPINGS:
            if id(obj) in self.on_path:
                raise ValueError(f"tinygrad_edu.save: {_where(path)}: the object contains itself "
                                 f"(a reference cycle), which cannot be saved")
            self.on_path.add(id(obj))
            try:
                if kind in (list, tuple):
                    items = [self.encode(item, path + [i]) for i, item in enumerate(obj)]
                    return {kind.__name__: items}
                pairs = [[self.key(key, path), self.encode(value, path + [key])]
                         for key, value in obj.items()]
                return {_MAPPINGS[kind]: pairs}
            finally:
                self.on_path.discard(id(obj))
        raise TypeError(f"tinygrad_edu.save: {_where(path)}: cannot save a "
                        f"{kind.__module__}.{kind.__qualname__} (supported: {_SUPPORTED}; "
                        f"checkpoints are never pickled)")

    def key(self, key, path: list):
        kind = type(key)
        if key is None or kind in (bool, int, float, str):
            return key
        if kind is tuple:
            return {"tuple": [self.key(k, path) for k in key]}
        raise TypeError(f"tinygrad_edu.save: {_where(path)}: cannot save a dict key of type "
                        f"{kind.__qualname__} ({key!r}; supported: str, int, float, bool, None "
                        f"and tuples of them)")


def _write_archive(file, tree, arrays: list) -> None:
    entries = {FORMAT_KEY: np.array(FORMAT),
               TREE_KEY: np.array(json.dumps(tree, allow_nan=True))}
    entries.update((f"a{i}", array) for i, array in enumerate(arrays))
    np.savez(file, **entries)


def save(obj, f) -> None:
    """Write `obj` (see the module docstring for what it may hold) to `f`: a path,
    written atomically, or a binary file object opened for writing. Like torch.save,
    the path is used as given, whatever its suffix."""
    encoder = _Encoder()
    tree = encoder.encode(obj, [])
    if hasattr(f, "write"):
        _write_archive(f, tree, encoder.arrays)
    else:
        atomic_write(f, lambda file: _write_archive(file, tree, encoder.arrays),
                     "tinygrad_edu.save")


# ----------------------------------------------------------------------------
# loading


class _Decoder:
    def __init__(self, archive, name: str):
        self.archive, self.name = archive, name
        self.loaded = {}  # array number -> the object made from it (shared tensors stay one)

    def corrupt(self, what: str) -> CheckpointError:
        return CheckpointError(f"tinygrad_edu.load: {self.name} is corrupt: {what}")

    def array(self, number) -> np.ndarray:
        if type(number) is not int or f"a{number}" not in self.archive.files:
            raise self.corrupt(f"it refers to an array {number!r} it does not hold")
        data = self.archive[f"a{number}"]
        if data.dtype.kind not in "biuf":
            raise self.corrupt(f"array {number} has dtype {data.dtype}")
        return data

    def decode(self, node):
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict or len(node) not in (1, 2):
            raise self.corrupt(f"unexpected entry {str(node)[:80]}")
        if "tensor" in node:
            number = node["tensor"]
            if number not in self.loaded:
                tensor = Tensor._make(self.array(number))
                if node.get("requires_grad") is True:
                    if tensor.dtype.kind != "f":
                        raise self.corrupt(f"an integer tensor (array {number}) requires grad")
                    tensor.requires_grad_(True)
                self.loaded[number] = tensor
            return self.loaded[number]
        if len(node) != 1:
            raise self.corrupt(f"unexpected entry {str(node)[:80]}")
        (kind, value), = node.items()
        if kind == "ndarray":
            if value not in self.loaded:
                self.loaded[value] = self.array(value)
            return self.loaded[value]
        if kind == "scalar":
            return self.array(value)[()]
        if kind in ("list", "tuple") and type(value) is list:
            items = [self.decode(item) for item in value]
            return items if kind == "list" else tuple(items)
        if kind in _MAPPING_TYPES and type(value) is list:
            mapping = _MAPPING_TYPES[kind]()
            for pair in value:
                if type(pair) is not list or len(pair) != 2:
                    raise self.corrupt(f"a {kind} entry is not a key-value pair")
                mapping[self.key(pair[0])] = self.decode(pair[1])
            return mapping
        raise self.corrupt(f"unknown entry kind {kind!r}")

    def key(self, node):
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is dict and list(node) == ["tuple"] and type(node["tuple"]) is list:
            return tuple(self.key(k) for k in node["tuple"])
        raise self.corrupt(f"unexpected dict key {str(node)[:80]}")


def _check_load_options(map_location, pickle_module, mmap) -> None:
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise ValueError(f"tinygrad_edu.load: map_location={map_location!r}: tinygrad_edu only "
                         f"has the CPU (use None or 'cpu')")
    if pickle_module is not None:
        raise TypeError("tinygrad_edu.load: pickle_module is not supported: checkpoints are "
                        "never pickled")
    if mmap:
        raise ValueError("tinygrad_edu.load: mmap=True is not supported (arrays inside an .npz "
                         "archive cannot be memory-mapped)")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None):
    """Read a checkpoint written by `tg.save` from a path or a binary file object.

    Raises FileNotFoundError for a missing file and CheckpointError (a ValueError)
    naming the path for a corrupt, truncated or foreign one. `weights_only` is
    accepted for PyTorch compatibility and changes nothing: no checkpoint here can
    hold code. `map_location` may be None or 'cpu'."""
    _check_load_options(map_location, pickle_module, mmap)
    if hasattr(f, "read"):
        name, source = "the file object", f
    else:
        path = check_path(f, "tinygrad_edu.load")
        name, source = f"'{path}'", path
        if not os.path.exists(path):
            raise FileNotFoundError(f"tinygrad_edu.load: no such file: '{path}'")
        if os.path.isdir(path):
            raise IsADirectoryError(f"tinygrad_edu.load: '{path}' is a directory, not a "
                                    f"checkpoint file")
    if not zipfile.is_zipfile(source):
        raise CheckpointError(f"tinygrad_edu.load: {name} is not a checkpoint written by "
                              f"tinygrad_edu.save: it is not an .npz archive (or it is truncated)")
    if hasattr(source, "seek"):
        source.seek(0)
    try:
        with np.load(source, allow_pickle=False) as archive:
            if FORMAT_KEY not in archive.files:
                raise CheckpointError(f"tinygrad_edu.load: {name} is an .npz archive but not a "
                                      f"checkpoint written by tinygrad_edu.save (it has no "
                                      f"'{FORMAT_KEY}' entry); read it with numpy.load instead")
            found = str(archive[FORMAT_KEY])
            if found.startswith(NN_FORMAT_PREFIX):
                raise CheckpointError(f"tinygrad_edu.load: {name} is a state dict written by "
                                      f"nn.save; read it with nn.load")
            if found != FORMAT:
                raise CheckpointError(f"tinygrad_edu.load: {name} has format {found!r}, this "
                                      f"version reads {FORMAT!r}")
            if TREE_KEY not in archive.files:
                raise CheckpointError(f"tinygrad_edu.load: {name} is corrupt: it has no "
                                      f"'{TREE_KEY}' entry")
            try:
                tree = json.loads(str(archive[TREE_KEY]))
            except json.JSONDecodeError as error:
                raise CheckpointError(f"tinygrad_edu.load: {name} is corrupt: its structure "
                                      f"is not valid JSON ({error})") from None
            return _Decoder(archive, name).decode(tree)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, KeyError) as error:
        raise CheckpointError(f"tinygrad_edu.load: {name} is corrupt or truncated "
                              f"({type(error).__name__}: {error})") from None
