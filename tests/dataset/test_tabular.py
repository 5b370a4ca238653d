"""TabularDataset and its lazy views, checked against NumPy indexing of the
same table.  (Chainer 7.8.1's own 1,346 tabular tests also pass through the
``chainer`` alias: see bench/chainer_compat.md.)"""
import itertools

import numpy
import pytest

from fastgrad.dataset import tabular
from fastgrad.dataset.tabular import TabularDataset


class Table(TabularDataset):
    """Columns a, b, c of a random table; records every get_examples call."""

    def __init__(self, n=10, keys=('a', 'b', 'c'), mode=tuple, seed=0):
        self.data = numpy.random.RandomState(seed).rand(len(keys), n)
        self._keys, self._mode = keys, mode
        self.calls = []

    def __len__(self):
        return self.data.shape[1]

    @property
    def keys(self):
        return self._keys

    @property
    def mode(self):
        return self._mode

    def get_examples(self, indices, key_indices):
        self.calls.append((indices, key_indices))
        data = self.data if indices is None else self.data[:, indices]
        if key_indices is not None:
            data = data[list(key_indices)]
        return tuple(list(row) for row in data)


ROWS = [slice(None), slice(2, 8), slice(8, 1, -3), slice(-3, None),
        [0, 9, 3, 3], [-1, -10], [True, False] * 5]


@pytest.mark.parametrize('rows', ROWS, ids=str)
@pytest.mark.parametrize('keys', [None, ('c', 'a'), (1,), 'b'], ids=str)
def test_slice_matches_numpy(rows, keys):
    t = Table()
    view = t.slice[rows, keys] if keys is not None else t.slice[rows]
    ref = t.data[:, numpy.asarray(rows) if isinstance(rows, list) else rows]
    cols = {'a': 0, 'b': 1, 'c': 2}
    if keys is None:
        sel = [0, 1, 2]
    elif isinstance(keys, str):
        sel = [cols[keys]]
    else:
        sel = [k if isinstance(k, int) else cols[k] for k in keys]
    assert len(view) == ref.shape[1]
    fetched = view.fetch()
    if isinstance(keys, str):
        assert view.mode is None
        numpy.testing.assert_array_equal(fetched, ref[sel[0]])
    else:
        assert view.mode is tuple
        numpy.testing.assert_array_equal(numpy.array(fetched), ref[sel])


def test_slice_of_slice_asks_parent_once_for_just_the_rows():
    t = Table(20)
    view = t.slice[3:17:2].slice[::-2, ('b',)]
    expected = t.data[1, 3:17:2][::-2]
    t.calls.clear()
    numpy.testing.assert_array_equal(view.fetch()[0], expected)
    assert len(t.calls) == 1 and t.calls[0][1] == (1,)
    assert view[1] == (expected[1],)


def test_slice_errors():
    t = Table()
    with pytest.raises(IndexError, match='out of bounds'):
        t.slice[[10]]
    with pytest.raises(ValueError, match='booleans'):
        t.slice[[True, False]]
    with pytest.raises(KeyError, match='z'):
        t.slice[:, ('z',)]


def test_modes_and_examples():
    t = Table(4)
    assert t[1] == tuple(t.data[:, 1])
    assert t.asdict()[1] == dict(zip('abc', t.data[:, 1]))
    assert t.asdict().astuple().mode is tuple
    assert list(t.asdict().fetch()) == ['a', 'b', 'c']
    assert len(list(iter(t))) == 4


@pytest.mark.parametrize('rows', [None, slice(None), slice(3, 13), slice(14, 1, -4),
                                  slice(None, None, 3), [0, 12, 5, 14, 5], []],
                         ids=str)
def test_concat_matches_numpy(rows):
    a, b, c = Table(5, seed=1), Table(4, seed=2), Table(6, seed=3)
    cat = a.concat(b, c)
    full = numpy.concatenate([a.data, b.data, c.data], axis=1)
    got = cat.get_examples(rows, (2, 0))
    want = full[[2, 0]] if rows is None else full[[2, 0]][:, rows]
    assert [list(col) for col in got] == [list(col) for col in want]


def test_concat_needs_same_keys():
    with pytest.raises(ValueError, match='same keys'):
        Table().concat(Table(keys=('a', 'b', 'x')))


def test_join_fetches_only_needed_datasets():
    left, right = Table(6, seed=1), Table(6, keys=('d', 'e'), seed=2)
    joined = left.join(right)
    assert joined.keys == ('a', 'b', 'c', 'd', 'e')
    left.calls.clear()
    right.calls.clear()
    got = joined.slice[[4, 1], ('e', 'd', 'e')].fetch()
    assert left.calls == [] and right.calls == [([4, 1], (1, 0))]
    assert list(got[0]) == list(right.data[1, [4, 1]]) == list(got[2])
    with pytest.raises(ValueError, match='same length'):
        left.join(Table(5, keys=('x',)))
    with pytest.raises(ValueError, match='unique'):
        left.join(Table(6, keys=('a',)))


def test_transform_and_transform_batch():
    t = Table(5)
    plus = t.transform(('s', 'p'), lambda a, b, c: (a + b, a * c))
    assert plus.mode is tuple and plus.keys == ('s', 'p')
    numpy.testing.assert_allclose(plus.fetch()[1], t.data[0] * t.data[2])
    as_dict = t.asdict().transform('s', lambda a, b, c: {'s': a - c})
    assert as_dict.mode is dict
    numpy.testing.assert_allclose(as_dict.fetch()['s'], t.data[0] - t.data[2])
    batch = t.transform_batch('m', lambda a, b, c: numpy.maximum(a, b))
    assert batch.mode is None
    numpy.testing.assert_allclose(batch.slice[1:4].fetch(), numpy.maximum(*t.data[:2])[1:4])
    shrink = t.transform_batch(('x',), lambda a, b, c: (a[:1],))
    with pytest.raises(ValueError, match='length'):
        shrink.fetch()
    flip = iter(itertools.cycle([(1,), {'x': 1}]))
    changing = t.transform(('x',), lambda a, b, c: next(flip))
    with pytest.raises(ValueError, match='return type'):
        changing.fetch()


def test_convert_and_with_converter():
    t = Table(3)
    a, b, c = t.convert(t.fetch())
    assert isinstance(a, numpy.ndarray) and a.shape == (3,)
    conv = t.with_converter(lambda a, b, c: numpy.add(a, b))
    numpy.testing.assert_allclose(conv.convert(conv.fetch()), a + b)
    assert t.slice[:2].convert(t.slice[:2].fetch())[0].shape == (2,)


def test_from_data_forms():
    x = numpy.arange(5)
    d = tabular.from_data(x)
    assert d.mode is None and d[3] == 3
    d = tabular.from_data(('x', [1, 2, 3]))
    assert d.keys == ('x',) and d.fetch() == [1, 2, 3]
    d = tabular.from_data((x, ('sq', lambda i: i * i)))
    assert d.mode is tuple and d[4][1] == 16
    d = tabular.from_data({'x': x, ('y', 'z'): lambda i: (i + 1, -i)})
    assert d.mode is dict and d[2] == {'x': 2, 'y': 3, 'z': -2}
    d = tabular.from_data(('i', lambda i: 2 * i), size=3)
    assert d.fetch() == [0, 2, 4]
    with pytest.raises(ValueError, match='size'):
        tabular.from_data(('i', lambda i: i))
    with pytest.raises(ValueError, match='key'):
        tabular.from_data((x, lambda i: i))


def test_delegate_dataset():
    class Mine(tabular.DelegateDataset):
        def __init__(self):
            super().__init__(tabular.from_data({'a': numpy.arange(3)}))
    m = Mine()
    assert len(m) == 3 and m.keys == ('a',) and m[2] == {'a': 2}
