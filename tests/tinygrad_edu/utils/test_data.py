"""tinygrad_edu.utils.data: datasets, samplers, default_collate (PyTorch 2.13's results
for tensors, numbers, tuples, dicts, namedtuples, NumPy), DataLoader options and
errors, reproducible shuffling and random_split."""
import collections
import collections.abc
import warnings

import numpy as np
import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                     IterableDataset, RandomSampler, SequentialSampler, Subset,
                                     SubsetRandomSampler, TensorDataset, default_collate,
                                     default_convert, random_split)

Point = collections.namedtuple("Point", "x y")


def _dataset(n=10):
    return TensorDataset(tg.arange(n).float().reshape(n, 1) * 10, tg.arange(n))


# -- datasets ---------------------------------------------------------------------------------


def test_tensor_dataset_indexes_every_tensor_along_the_first_dimension():
    ds = _dataset()
    x, y = ds[3]
    assert len(ds) == 10 and x.tolist() == [30.0] and y.item() == 3
    with pytest.raises(AssertionError, match="^Size mismatch between tensors$"):
        TensorDataset(tg.zeros(3), tg.zeros(4))


def test_dataset_base_subset_and_concatenation():
    with pytest.raises(NotImplementedError, match="^Subclasses of Dataset should implement "
                                                  "__getitem__.$"):
        Dataset()[0]
    ds = _dataset()
    both = ds + ds
    assert isinstance(both, ConcatDataset) and len(both) == 20
    assert both[12][1].item() == 2 and both[-1][1].item() == 9
    subset = Subset(ds, [9, 0, 4])
    assert len(subset) == 3 and subset[0][1].item() == 9
    assert subset[[0, 1]][1].tolist() == [9, 0]  # a list of indices reaches the dataset at once


# -- default_collate (results as PyTorch 2.13's) ----------------------------------------------


def test_collate_stacks_tensors_and_turns_numbers_into_tensors():
    batch = default_collate([(tg.tensor([1.0, 2.0]), 3), (tg.tensor([4.0, 5.0]), 6)])
    assert isinstance(batch, list)  # a tuple of fields gives a list, as in PyTorch
    assert batch[0].tolist() == [[1.0, 2.0], [4.0, 5.0]] and batch[0].dtype == np.float32
    assert batch[1].tolist() == [3, 6] and batch[1].dtype == np.int64
    ints_and_floats = default_collate([[1, 2.5], [3, 4.5]])
    assert ints_and_floats[0].dtype == np.int64 and ints_and_floats[1].dtype == np.float64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_collate_numpy_keeps_its_dtypes():
    arrays = default_collate([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])
    assert arrays.tolist() == [[1, 2], [3, 4]] and arrays.dtype == np.int32
    scalars = default_collate([np.float32(1.5), np.float32(2.5)])
    assert scalars.tolist() == [1.5, 2.5] and scalars.dtype == np.float32


def test_collate_mappings_and_namedtuples_keep_their_type():
    points = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(points, Point) and points.x.tolist() == [1, 3]
    ordered = default_collate([collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)])
    assert isinstance(ordered, collections.OrderedDict) and list(ordered) == ["b", "a"]
    nested = default_collate([{"x": [1, 2], "y": "a"}, {"x": [3, 4], "y": "b"}])
    assert [t.tolist() for t in nested["x"]] == [[1, 3], [2, 4]] and nested["y"] == ["a", "b"]


def test_collate_errors_copy_pytorch():
    with pytest.raises(RuntimeError, match="^each element in list of batch should be of equal "
                                           "size$"):
        default_collate([[1, 2], [3]])
    prefix = "^default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
    with pytest.raises(TypeError, match=prefix + "found <U1$"):
        default_collate([np.array(["a"])])
    with pytest.raises(TypeError, match=prefix + "found <class 'NoneType'>$"):
        default_collate([None])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([tg.zeros(2), tg.zeros(3)])


def test_default_convert_turns_numpy_into_tensors_and_tuples_into_lists():
    converted = default_convert([np.array([1, 2]), (np.float64(1.0), "a"), {"k": np.zeros(2)}])
    assert converted[0].tolist() == [1, 2]
    assert isinstance(converted[1], list) and converted[1][0].dtype == np.float64
    assert converted[1][1] == "a" and converted[2]["k"].tolist() == [0.0, 0.0]



class _Pair(collections.abc.Sequence):
    """A sequence its own type cannot rebuild from one list (two arguments)."""
    def __init__(self, first, second):
        self.items = (first, second)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return 2


class _Row(collections.abc.Sequence):
    """An immutable sequence built from one iterable."""
    def __init__(self, items):
        self.items = list(items)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def test_sequences_keep_their_type_where_it_can_be_rebuilt_as_in_pytorch():
    # PyTorch 2.13: a mutable sequence is copied with its items replaced, another sequence
    # type is called on the list of items, and a type that refuses that gives a plain list
    user_list = default_collate([collections.UserList([1, 2]), collections.UserList([3, 4])])
    assert type(user_list) is collections.UserList and [t.tolist() for t in user_list] == [[1, 3], [2, 4]]
    row = default_collate([_Row([1, 2]), _Row([3, 4])])
    assert type(row) is _Row and [t.tolist() for t in row] == [[1, 3], [2, 4]]
    pairs = default_collate([_Pair(1, 2.0), _Pair(3, 4.0)])
    assert type(pairs) is list and [t.tolist() for t in pairs] == [[1, 3], [2.0, 4.0]]
    for data in (collections.UserList([np.float64(1.0), np.float64(2.0)]),
                 _Row([np.float64(1.0), np.float64(2.0)])):
        converted = default_convert(data)
        assert type(converted) is type(data) and all(isinstance(t, tg.Tensor) for t in converted)
    converted = default_convert(_Pair(np.float64(1.0), np.float64(2.0)))
    assert type(converted) is list and [t.item() for t in converted] == [1.0, 2.0]

def test_collated_samples_that_require_grad_stay_in_the_graph():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    default_collate([w * 2, w * 3]).sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


# -- DataLoader -------------------------------------------------------------------------------


def test_batches_in_order_with_the_last_one_shorter_or_dropped():
    ds = _dataset()
    loader = DataLoader(ds, batch_size=4)
    batches = [y.tolist() for _, y in loader]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert [y.tolist() for _, y in dropped] == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(dropped) == 2
    x, y = next(iter(loader))
    assert x.shape == (4, 1) and x.dtype == np.float32 and y.dtype == np.int64


def test_batch_size_none_yields_converted_samples():
    samples = list(DataLoader(_dataset(3), batch_size=None))
    assert len(samples) == 3 and isinstance(samples[0], list) and samples[2][1].item() == 2


def test_shuffle_is_a_new_permutation_each_epoch_reproducible_under_manual_seed():
    loader = DataLoader(_dataset(20), batch_size=5, shuffle=True)

    def epoch():
        return [i for _, y in loader for i in y.tolist()]

    tg.manual_seed(0)
    first, second = epoch(), epoch()
    assert sorted(first) == list(range(20)) and first != second and first != list(range(20))
    tg.manual_seed(0)
    assert epoch() == first and epoch() == second


def test_shuffle_with_a_generator_of_your_own():
    ds = _dataset(20)

    class HoldsAGenerator:  # e.g. a future tg.Generator
        def __init__(self, seed):
            self.generator = np.random.default_rng(seed)

    orders = []
    for generator in (np.random.default_rng(7), HoldsAGenerator(7)):
        loader = DataLoader(ds, batch_size=20, shuffle=True, generator=generator)
        orders.append(next(iter(loader))[1].tolist())
    assert orders[0] == orders[1] == np.random.default_rng(7).permutation(20).tolist()
    with pytest.raises(TypeError, match="generator must be None, a numpy.random.Generator"):
        list(DataLoader(ds, shuffle=True, generator=42))


def test_a_training_loop_over_a_dataloader():
    tg.manual_seed(0)
    x = tg.randn(64, 3)
    y = x @ tg.tensor([[2.0], [-1.0], [0.5]])
    model = nn.Linear(3, 1)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    for _ in range(40):
        for xb, yb in loader:
            optimizer.zero_grad()
            nn.MSELoss()(model(xb), yb).backward()
            optimizer.step()
    np.testing.assert_allclose(model.weight.numpy(force=True), [[2.0, -1.0, 0.5]], atol=1e-3)


def test_custom_collate_fn_sampler_and_batch_sampler():
    ds = _dataset()
    loader = DataLoader(ds, batch_size=3, collate_fn=lambda samples: len(samples))
    assert list(loader) == [3, 3, 3, 1]
    backwards = DataLoader(ds, batch_size=4, sampler=list(range(9, -1, -1)))
    assert next(iter(backwards))[1].tolist() == [9, 8, 7, 6]
    batches = DataLoader(ds, batch_sampler=[[0, 5], [9]])
    assert [y.tolist() for _, y in batches] == [[0, 5], [9]] and len(batches) == 2


def test_dicts_from_a_dataset_are_collated_per_key():
    class Records(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"features": np.full(2, float(i)), "label": i, "name": f"r{i}"}

    batch = next(iter(DataLoader(Records(), batch_size=3)))
    assert batch["features"].shape == (3, 2) and batch["features"].dtype == np.float64
    assert batch["label"].tolist() == [0, 1, 2] and batch["name"] == ["r0", "r1", "r2"]


def test_iterable_datasets_are_batched_in_stream_order():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


def test_num_workers_loads_the_same_batches_in_process():
    ds = _dataset()
    plain = [y.tolist() for _, y in DataLoader(ds, batch_size=4)]
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=4, num_workers=2,
                                               pin_memory=True)] == plain


def test_dataloader_errors_copy_pytorch():
    ds = _dataset()
    cases = [
        (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive "
                                                  "with batch_size, shuffle, sampler, and drop_last"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching "
                                                "and is mutually exclusive with drop_last"),
        (dict(num_workers=-1), "num_workers option should be non-negative; use num_workers=0 to "
                               "disable multiprocessing."),
        (dict(batch_size=0), "batch_size should be a positive integer value, but got "
                             "batch_size=0"),
        (dict(batch_size=2, drop_last=1), "drop_last should be a boolean value, but got "
                                          "drop_last=1"),
    ]
    for options, message in cases:
        with pytest.raises(ValueError) as error:
            DataLoader(ds, **options)
        assert str(error.value) == message


# -- samplers ---------------------------------------------------------------------------------


def test_samplers():
    ds = _dataset(5)
    assert list(SequentialSampler(ds)) == [0, 1, 2, 3, 4]
    assert sorted(RandomSampler(ds, generator=np.random.default_rng(1))) == [0, 1, 2, 3, 4]
    drawn = list(RandomSampler(ds, replacement=True, num_samples=50,
                               generator=np.random.default_rng(1)))
    assert len(drawn) == 50 and set(drawn) <= set(range(5))
    more = list(RandomSampler(ds, num_samples=12, generator=np.random.default_rng(1)))
    assert len(more) == 12 and sorted(more[:5]) == [0, 1, 2, 3, 4]
    assert sorted(SubsetRandomSampler([7, 8, 9])) == [7, 8, 9]
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    assert len(BatchSampler(range(5), 2, drop_last=True)) == 2
    with pytest.raises(ValueError, match="^num_samples should be a positive integer value, but "
                                         "got num_samples=0$"):
        RandomSampler([])


# -- random_split -----------------------------------------------------------------------------


def test_random_split_lengths_and_fractions_like_pytorch():
    assert [len(s) for s in random_split(range(10), [3, 7])] == [3, 7]
    assert [len(s) for s in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(s) for s in random_split(range(7), [0.5, 0.5])] == [4, 3]
    assert [len(s) for s in random_split(range(10), [0.7, 0.2, 0.1])] == [7, 2, 1]


def test_random_split_is_a_partition_reproducible_with_a_generator_or_manual_seed():
    parts = random_split(range(20), [0.5, 0.25, 0.25], generator=np.random.default_rng(3))
    items = [parts[i][j] for i in range(3) for j in range(len(parts[i]))]
    assert sorted(items) == list(range(20))
    assert items == np.random.default_rng(3).permutation(20).tolist()
    tg.manual_seed(9)
    first = [list(s) for s in random_split(range(20), [10, 10])]
    tg.manual_seed(9)
    assert [list(s) for s in random_split(range(20), [10, 10])] == first


def test_random_split_errors_and_warning_copy_pytorch():
    with pytest.raises(ValueError, match="^Sum of input lengths does not equal the length of the "
                                         "input dataset!$"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="^Fraction at index 0 is not between 0 and 1$"):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="^Length of split at index 1 is 0. This might result in "
                                         "an empty dataset.$"):
        random_split(range(1), [0.5, 0.5])


def test_torch_style_module_path():
    assert tg.utils.data.DataLoader is DataLoader
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import tinygrad_edu.utils.data  # noqa: F401  (PyTorch scripts import it this way)
