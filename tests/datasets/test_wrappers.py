import numpy
import pytest

from fastgrad import datasets


def test_tuple_dataset():
    x = numpy.arange(10).reshape(5, 2)
    y = numpy.arange(5) * 10
    d = datasets.TupleDataset(x, y)
    assert len(d) == 5
    ex = d[2]
    assert isinstance(ex, tuple)
    numpy.testing.assert_array_equal(ex[0], [4, 5])
    assert ex[1] == 20
    sl = d[1:3]
    assert isinstance(sl, list) and len(sl) == 2
    assert sl[1][1] == 20
    assert [e[1] for e in d[[4, 0]]] == [40, 0]
    assert [e[1] for e in d[numpy.array([3])]] == [30]


def test_tuple_dataset_errors():
    with pytest.raises(ValueError, match='no datasets'):
        datasets.TupleDataset()
    with pytest.raises(ValueError, match='length'):
        datasets.TupleDataset([1, 2], [1, 2, 3])


def test_dict_dataset():
    d = datasets.DictDataset(x=numpy.arange(4), y=numpy.arange(4) * 2)
    assert len(d) == 4
    assert d[1] == {'x': 1, 'y': 2}
    assert d[2:] == [{'x': 2, 'y': 4}, {'x': 3, 'y': 6}]
    with pytest.raises(ValueError):
        datasets.DictDataset()
    with pytest.raises(ValueError, match='length'):
        datasets.DictDataset(a=[1], b=[1, 2])


def test_sub_dataset():
    base = list(range(10))
    d = datasets.SubDataset(base, 2, 6)
    assert len(d) == 4
    assert d[0] == 2 and d[3] == 5 and d[-1] == 5 and d[-4] == 2
    assert d[1:3] == [3, 4]
    with pytest.raises(IndexError):
        d[4]
    with pytest.raises(IndexError):
        d[-5]
    order = list(reversed(range(10)))
    r = datasets.SubDataset(base, 0, 3, order)
    assert r[:] == [9, 8, 7]


def test_sub_dataset_errors():
    with pytest.raises(ValueError, match='overruns'):
        datasets.SubDataset([1, 2], 0, 3)
    with pytest.raises(ValueError, match='order'):
        datasets.SubDataset([1, 2], 0, 1, order=[0])


def test_split_dataset():
    a, b = datasets.split_dataset(list(range(5)), 2)
    assert a[:] == [0, 1] and b[:] == [2, 3, 4]
    a, b = datasets.split_dataset(list(range(5)), 2, order=[4, 3, 2, 1, 0])
    assert a[:] == [4, 3] and b[:] == [2, 1, 0]
    with pytest.raises(ValueError):
        datasets.split_dataset([1], 2)


def test_split_dataset_random_is_a_seeded_partition():
    base = list(range(20))
    a, b = datasets.split_dataset_random(base, 7, seed=3)
    assert len(a) == 7 and len(b) == 13
    assert sorted(a[:] + b[:]) == base
    a2, _ = datasets.split_dataset_random(base, 7, seed=3)
    assert a[:] == a2[:]
    assert a[:] != list(range(7))   # shuffled (this seed does not give identity)


def test_split_dataset_n():
    parts = datasets.split_dataset_n(list(range(10)), 3)
    assert [len(p) for p in parts] == [3, 3, 3]      # equal sizes; 9 is left out
    assert sum((p[:] for p in parts), []) == list(range(9))
    parts = datasets.split_dataset_n_random(list(range(11)), 2, seed=0)
    assert [len(p) for p in parts] == [5, 5]
    assert len(set(parts[0][:] + parts[1][:])) == 10
    with pytest.raises(TypeError, match='must be an int'):
        datasets.split_dataset(list(range(5)), 3.5)


def test_cross_validation():
    base = list(range(10))
    folds = datasets.get_cross_validation_datasets(base, 3)
    assert len(folds) == 3
    tests = []
    for train, test in folds:
        assert sorted(train[:] + test[:]) == base
        tests.extend(test[:])
    # every example is validated on exactly once
    assert sorted(tests) == base
    order = numpy.arange(10)[::-1].copy()
    kept = order.copy()
    datasets.get_cross_validation_datasets(base, 2, order=order)
    numpy.testing.assert_array_equal(order, kept)
    rfolds = datasets.get_cross_validation_datasets_random(base, 5, seed=0)
    assert sorted(sum((t[:] for _, t in rfolds), [])) == base


def test_transform_dataset():
    calls = []

    def double(x):
        calls.append(x)
        return x * 2

    d = datasets.TransformDataset([1, 2, 3], double)
    assert len(d) == 3
    assert d[1] == 4
    assert d[1:] == [4, 6]
    assert calls == [2, 2, 3]   # applied on each access, lazily


def test_concatenated_dataset():
    d = datasets.ConcatenatedDataset([0, 1], [], [2, 3, 4])
    assert len(d) == 5
    assert d[:] == [0, 1, 2, 3, 4]
    assert d[-1] == 4
    with pytest.raises(IndexError):
        d[5]
