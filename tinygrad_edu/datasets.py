"""Small data sets for the examples: XOR, MNIST from local IDX files, scikit-learn's digits.

Nothing here downloads anything. ``load_mnist(directory)`` reads the four MNIST files
from a directory you provide (as published, gzipped or not):

    train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
    t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]

(the common re-distributions that write ``train-images.idx3-ubyte`` are found too).

The IDX format: a 4-byte magic number — two zero bytes, a type code, the number of
dimensions — then one big-endian uint32 per dimension, then the values, big-endian,
row-major. ``read_idx`` checks all of it and names the file in every error.
"""
from __future__ import annotations

import gzip
import os
import zlib
from typing import NamedTuple

import numpy as np

# IDX type code -> big-endian NumPy dtype
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed, recognised by content) into an ndarray.

    Raises FileNotFoundError if the file is missing and ValueError (naming the path)
    if it is not IDX, is truncated, has trailing bytes or is a broken gzip stream.
    The result has native byte order (uint8 files give uint8 arrays).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_idx: no such file: {path!r}")
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"read_idx: {path!r} is not an IDX file: {len(raw)} bytes, "
                         f"shorter than the 4-byte magic number")
    zero1, zero2, type_code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero1 != 0 or zero2 != 0:
        raise ValueError(f"read_idx: {path!r} is not an IDX file: its magic number "
                         f"{raw[:4].hex()} does not start with two zero bytes")
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise ValueError(f"read_idx: {path!r} has unknown IDX type code 0x{type_code:02X} "
                         f"(known: {known})")
    if ndim == 0:
        raise ValueError(f"read_idx: {path!r} declares 0 dimensions")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"read_idx: {path!r} is truncated: {ndim} dimensions need a "
                         f"{header_size}-byte header, the file has {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    data_size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    expected = header_size + data_size
    if len(raw) != expected:
        sizes = (f"shape {shape} of {dtype.name} needs {header_size} + {data_size} = {expected} "
                 f"bytes, the file has {len(raw)}")
        if len(raw) < expected:
            raise ValueError(f"read_idx: {path!r} is truncated: {sizes}")
        raise ValueError(f"read_idx: {path!r} has {len(raw) - expected} unexpected bytes after "
                         f"the data: {sizes}")
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a native-order, writable copy


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as file:
        raw = file.read()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"read_idx: {path!r} is a damaged gzip file ({error})") from None


# ----------------------------------------------------------------------------
# MNIST


class MNIST(NamedTuple):
    train_images: np.ndarray  # (60000, 28, 28) uint8
    train_labels: np.ndarray  # (60000,) uint8
    test_images: np.ndarray   # (10000, 28, 28) uint8
    test_labels: np.ndarray   # (10000,) uint8


MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def find_mnist_file(directory, stem: str) -> str:
    """The path of one MNIST file in ``directory``: ``stem``, ``stem.gz``, or the dotted
    variant (``train-images.idx3-ubyte``), each gzipped or not."""
    dotted = stem.replace("-idx", ".idx")
    candidates = [stem, stem + ".gz", dotted, dotted + ".gz"]
    for name in candidates:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"load_mnist: none of {', '.join(candidates)} in {os.fspath(directory)!r}")


def load_mnist(directory) -> MNIST:
    """Read the four MNIST files from ``directory`` (see the module docstring for the names).

    Checks that images are (n, rows, cols) uint8, labels (n,) uint8, and that each
    pair has the same n.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"load_mnist: no such directory: {directory!r}")
    arrays, paths = {}, {}
    for field, stem in MNIST_FILES.items():
        paths[field] = find_mnist_file(directory, stem)
        arrays[field] = read_idx(paths[field])
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"load_mnist: {paths[f'{split}_images']!r} should hold (n, rows, cols) "
                             f"uint8 images, it holds {images.shape} {images.dtype}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise ValueError(f"load_mnist: {paths[f'{split}_labels']!r} should hold (n,) uint8 "
                             f"labels, it holds {labels.shape} {labels.dtype}")
        if len(images) != len(labels):
            raise ValueError(f"load_mnist: {len(images)} {split} images but {len(labels)} {split} labels "
                             f"({paths[f'{split}_images']!r}, {paths[f'{split}_labels']!r})")
    return MNIST(**arrays)


# ----------------------------------------------------------------------------
# XOR (articles 000 and 003)


def xor(dtype=np.float64):
    """XOR's truth table as (inputs (4, 2), targets (4, 1)), rows in the order
    (0, 0), (0, 1), (1, 0), (1, 1). New arrays on every call."""
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return inputs, (inputs[:, :1] != inputs[:, 1:]).astype(dtype)


# ----------------------------------------------------------------------------
# the ten digits, scaled to [0, 1] (article 000)


class Split(NamedTuple):
    """Train and test images, flattened to one row each and scaled to [0, 1] (float64),
    and their labels."""
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray


def load_digits_split(test_size: float = 0.25, random_state: int = 0) -> Split:
    """Article 000's data: scikit-learn's bundled 8x8 digits (1,797 images, no download),
    min/max-scaled to [0, 1] over the whole set, split 75/25 (``train_test_split``);
    labels are the digits 0-9 (int)."""
    load_digits, train_test_split = _sklearn("load_digits_split")
    digits = load_digits()
    data = digits.data.astype(np.float64)
    data = (data - data.min()) / (data.max() - data.min())
    train_x, test_x, train_y, test_y = train_test_split(data, digits.target, test_size=test_size,
                                                        random_state=random_state)
    return Split(train_x, train_y, test_x, test_y)


def _sklearn(caller: str):
    """scikit-learn's (load_digits, train_test_split), or an ImportError naming ``caller``."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(f"{caller} needs scikit-learn: pip install scikit-learn") from None
    return load_digits, train_test_split


# ----------------------------------------------------------------------------
# binary "5 vs 8" tasks (article 002)


def binary_subset(images, labels, negative: int, positive: int, scale: float):
    """Keep the two digits, flatten each image to a row, divide by ``scale``;
    label ``negative`` -> 0 and ``positive`` -> 1."""
    keep = (labels == negative) | (labels == positive)
    x = images[keep].reshape(int(keep.sum()), -1).astype(np.float64) / scale
    y = (labels[keep] == positive).astype(np.float64)
    return x, y


def load_mnist_5_vs_8(directory) -> Split:
    """Article 002's data: MNIST's 5s (label 0.0) and 8s (label 1.0, float64), 784 pixels / 255.
    11,272 training and 1,866 test images."""
    mnist = load_mnist(directory)
    train_x, train_y = binary_subset(mnist.train_images, mnist.train_labels, 5, 8, 255.0)
    test_x, test_y = binary_subset(mnist.test_images, mnist.test_labels, 5, 8, 255.0)
    return Split(train_x, train_y, test_x, test_y)


def load_digits_5_vs_8(test_size: float = 0.25, random_state: int = 0) -> Split:
    """The same task on scikit-learn's bundled 8x8 digits (no download): 64 pixels / 16,
    5 -> 0, 8 -> 1, a stratified train/test split (about 270 / 90 images)."""
    load_digits, train_test_split = _sklearn("load_digits_5_vs_8")
    digits = load_digits()
    x, y = binary_subset(digits.images, digits.target, 5, 8, 16.0)
    train_x, test_x, train_y, test_y = train_test_split(
        x, y, test_size=test_size, random_state=random_state, stratify=y)
    return Split(train_x, train_y, test_x, test_y)
