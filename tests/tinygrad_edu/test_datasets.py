"""tinygrad_edu.datasets: the IDX reader and MNIST loader, on small IDX files written here."""
import gzip
import struct

import numpy as np
import pytest

from tinygrad_edu.datasets import (load_digits_5_vs_8, load_digits_split, load_mnist, load_mnist_5_vs_8,
                                   read_idx, xor)

TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array, type_code=None):
    """Encode an array as IDX by the format's definition: 0, 0, type code, ndim, then
    big-endian uint32 dimensions, then big-endian values."""
    array = np.asarray(array)
    kind = array.dtype.str[1:]
    code = TYPE_CODES[kind] if type_code is None else type_code
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, content, compress=False):
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


# ----------------------------------------------------------------------------
# read_idx


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
def test_each_idx_type_reads_back_the_values_it_holds(tmp_path, dtype):
    values = (np.arange(24).reshape(2, 3, 4) * 7 - 40).astype(dtype) if dtype != "u1" else \
        (np.arange(24).reshape(2, 3, 4) * 10).astype(np.uint8)
    path = write(tmp_path / f"data-{dtype}", idx_bytes(values))
    loaded = read_idx(path)
    assert loaded.shape == (2, 3, 4)
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, values)


def test_values_are_big_endian_on_disk(tmp_path):
    # 0x0102 stored big-endian is the bytes 01 02, whatever the machine
    path = write(tmp_path / "shorts", bytes([0, 0, 0x0B, 1, 0, 0, 0, 1, 0x01, 0x02]))
    assert read_idx(path).tolist() == [258]


def test_gzipped_files_are_recognised_by_their_content(tmp_path):
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    for name in ("labels.gz", "labels-no-suffix"):
        path = write(tmp_path / name, idx_bytes(labels), compress=True)
        assert read_idx(path).tolist() == [5, 0, 4, 1, 9]


def test_the_result_is_a_writable_copy(tmp_path):
    loaded = read_idx(write(tmp_path / "x", idx_bytes(np.zeros((2, 2), np.uint8))))
    loaded[0, 0] = 1
    assert loaded[0, 0] == 1


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nothing-here"):
        read_idx(tmp_path / "nothing-here")


def test_truncated_data_is_reported_with_the_sizes(tmp_path):
    content = idx_bytes(np.zeros((3, 4, 4), np.uint8))
    path = write(tmp_path / "short-images", content[:-5])
    with pytest.raises(ValueError, match=r"short-images.*truncated: shape \(3, 4, 4\) of uint8 needs 16 \+ 48 = 64 bytes, the file has 59"):
        read_idx(path)


def test_a_truncated_header_is_reported(tmp_path):
    path = write(tmp_path / "short-header", bytes([0, 0, 0x08, 3, 0, 0, 0, 2]))
    with pytest.raises(ValueError, match="short-header.*truncated: 3 dimensions need a 16-byte header"):
        read_idx(path)


def test_trailing_bytes_are_reported(tmp_path):
    path = write(tmp_path / "long", idx_bytes(np.zeros(4, np.uint8)) + b"\x00\x00")
    with pytest.raises(ValueError, match=r"long.* 2 unexpected bytes after the data: shape \(4,\) of uint8 needs 8 \+ 4 = 12 bytes, the file has 14"):
        read_idx(path)


def test_a_file_shorter_than_the_magic_number(tmp_path):
    with pytest.raises(ValueError, match="tiny.*shorter than the 4-byte magic number"):
        read_idx(write(tmp_path / "tiny", b"\x00\x00"))


def test_a_non_idx_file_is_rejected_by_its_magic_number(tmp_path):
    path = write(tmp_path / "picture.png", b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(ValueError, match=r"picture\.png.*not an IDX file: its magic number 89504e47"):
        read_idx(path)


def test_an_unknown_type_code_is_rejected(tmp_path):
    path = write(tmp_path / "odd-type", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 0]))
    with pytest.raises(ValueError, match="odd-type.*unknown IDX type code 0x07"):
        read_idx(path)


def test_zero_dimensions_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="no-dims.*declares 0 dimensions"):
        read_idx(write(tmp_path / "no-dims", bytes([0, 0, 0x08, 0])))


def test_a_damaged_gzip_stream_is_reported(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    path = write(tmp_path / "broken.gz", packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"broken\.gz.*damaged gzip file"):
        read_idx(path)


# ----------------------------------------------------------------------------
# load_mnist


def write_mnist(directory, train_labels, test_labels, names=None, compress=False, size=4):
    """A miniature MNIST: image i is filled with the value 10·label + i (so images can be told apart)."""
    names = names or {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
                      "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
    suffix = ".gz" if compress else ""
    for split, labels in (("train", train_labels), ("test", test_labels)):
        labels = np.asarray(labels, dtype=np.uint8)
        images = np.stack([np.full((size, size), 10 * label + i, np.uint8) for i, label in enumerate(labels)])
        write(directory / (names[f"{split}_images"] + suffix), idx_bytes(images), compress)
        write(directory / (names[f"{split}_labels"] + suffix), idx_bytes(labels), compress)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_load_mnist_reads_the_four_standard_files(tmp_path, compress):
    write_mnist(tmp_path, [5, 0, 4, 8, 8], [7, 2, 5], compress=compress)
    mnist = load_mnist(tmp_path)
    assert mnist.train_images.shape == (5, 4, 4) and mnist.test_images.shape == (3, 4, 4)
    assert mnist.train_labels.tolist() == [5, 0, 4, 8, 8] and mnist.test_labels.tolist() == [7, 2, 5]
    assert mnist.train_images[3, 0, 0] == 83 and mnist.test_images.dtype == np.uint8


def test_load_mnist_finds_the_dotted_file_names_too(tmp_path):
    dotted = {"train_images": "train-images.idx3-ubyte", "train_labels": "train-labels.idx1-ubyte",
              "test_images": "t10k-images.idx3-ubyte", "test_labels": "t10k-labels.idx1-ubyte"}
    write_mnist(tmp_path, [1, 2], [3], names=dotted)
    assert load_mnist(tmp_path).train_labels.tolist() == [1, 2]


def test_load_mnist_names_every_file_name_it_tried(tmp_path):
    write_mnist(tmp_path, [1, 2], [3])
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="none of t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, "
                                                "t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz in"):
        load_mnist(tmp_path)


def test_load_mnist_on_a_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        load_mnist(tmp_path / "nope")


def test_load_mnist_rejects_labels_that_do_not_match_the_images(tmp_path):
    write_mnist(tmp_path, [1, 2, 3], [3])
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 2], np.uint8)))
    with pytest.raises(ValueError, match="3 train images but 2 train labels"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_files_of_the_wrong_kind(tmp_path):
    write_mnist(tmp_path, [1, 2], [3])
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 2], np.int32)))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.*should hold \(n,\) uint8 labels, "
                                         r"it holds \(2,\) int32"):
        load_mnist(tmp_path)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.array([1, 2], np.uint8)))
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((2, 16), np.uint8)))
    with pytest.raises(ValueError, match="should hold \\(n, rows, cols\\) uint8 images"):
        load_mnist(tmp_path)


def test_load_mnist_5_vs_8_keeps_fives_and_eights_flattened_and_scaled(tmp_path):
    write_mnist(tmp_path, [5, 0, 8, 3, 5, 8], [8, 1, 5])
    data = load_mnist_5_vs_8(tmp_path)
    assert data.train_x.shape == (4, 16) and data.test_x.shape == (2, 16)
    assert data.train_y.tolist() == [0.0, 1.0, 0.0, 1.0] and data.test_y.tolist() == [1.0, 0.0]
    # image i of label l is filled with 10·l + i: the 5 at position 4 holds 54, scaled by 1/255
    np.testing.assert_allclose(data.train_x[2], np.full(16, 54 / 255))
    assert data.train_x.dtype == np.float64


# ----------------------------------------------------------------------------
# load_digits_5_vs_8 (scikit-learn's bundled digits)


def test_digits_5_vs_8_has_every_five_and_eight_scaled_to_unit_range():
    data = load_digits_5_vs_8()
    assert data.train_x.shape[1] == data.test_x.shape[1] == 64
    assert len(data.train_x) + len(data.test_x) == 182 + 174  # the bundled set's 5s and 8s
    assert len(data.test_x) == 89
    for x, y in ((data.train_x, data.train_y), (data.test_x, data.test_y)):
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert set(np.unique(y)) == {0.0, 1.0}
    assert (data.train_y == 0).sum() + (data.test_y == 0).sum() == 182  # the fives are label 0


def test_digits_split_is_reproducible():
    first, second = load_digits_5_vs_8(), load_digits_5_vs_8()
    np.testing.assert_array_equal(first.test_x, second.test_x)


# ----------------------------------------------------------------------------
# XOR and the ten digits (article 000)


def test_xor_is_the_truth_table_in_the_articles_row_order():
    inputs, targets = xor()
    assert inputs.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert targets.tolist() == [[0], [1], [1], [0]]
    assert inputs.dtype == targets.dtype == np.float64
    assert xor(np.float32)[0].dtype == np.float32


def test_xor_gives_new_arrays_on_every_call():
    inputs, targets = xor()
    inputs[0, 0], targets[0, 0] = 9, 9
    assert xor()[0][0, 0] == 0 and xor()[1][0, 0] == 0


def test_the_ten_digits_are_scaled_to_unit_range_and_split_75_25():
    data = load_digits_split(random_state=1)
    assert data.train_x.shape == (1347, 64) and data.test_x.shape == (450, 64)  # 1,797 images
    assert min(data.train_x.min(), data.test_x.min()) == 0.0
    assert max(data.train_x.max(), data.test_x.max()) == 1.0  # the darkest pixel, 16, is 1
    assert sorted(set(data.train_y.tolist())) == list(range(10))
    again = load_digits_split(random_state=1)
    np.testing.assert_array_equal(again.test_x, data.test_x)
    assert not np.array_equal(load_digits_split(random_state=2).test_y, data.test_y)
