"""Views on part of a dataset, and splits for validation."""
import numpy

from fastgrad.dataset import dataset_mixin


class SubDataset(dataset_mixin.DatasetMixin):
    """Examples ``start`` .. ``finish - 1`` of ``dataset``, optionally after
    reordering it by ``order`` (a permutation of its indices).

    >>> ds = fastgrad.datasets.SubDataset(list('abcde'), 1, 4)
    >>> len(ds), ds[0], ds[2]
    (3, 'b', 'd')
    """

    def __init__(self, dataset, start, finish, order=None):
        n = len(dataset)
        if start < 0 or finish > n:
            raise ValueError(
                'SubDataset: subset [{}, {}) overruns the base dataset of '
                'length {}'.format(start, finish, n))
        if finish < start:
            raise ValueError(
                'SubDataset: finish ({}) is before start ({})'.format(finish, start))
        if order is not None and len(order) != n:
            raise ValueError(
                'SubDataset: order has length {} but the base dataset has length '
                '{}; they must be the same'.format(len(order), n))
        self._dataset = dataset
        self._start = start
        self._finish = finish
        self._size = finish - start
        self._order = order

    def __len__(self):
        return self._size

    def get_example(self, i):
        if i >= 0:
            if i >= self._size:
                raise IndexError('SubDataset: index {} out of range for length {}'
                                 .format(i, self._size))
            index = self._start + i
        else:
            if i < -self._size:
                raise IndexError('SubDataset: index {} out of range for length {}'
                                 .format(i, self._size))
            index = self._finish + i
        if self._order is not None:
            index = self._order[index]
        return self._dataset[index]


def split_dataset(dataset, first_size, order=None):
    """Two SubDatasets: the first ``first_size`` examples and the rest.

    >>> train, test = fastgrad.datasets.split_dataset(list(range(10)), 8)
    >>> len(train), len(test), test[0]
    (8, 2, 8)
    """
    n = len(dataset)
    if not isinstance(first_size, (int, numpy.integer)):
        raise TypeError('split_dataset: first_size must be an int, got {!r}'.format(first_size))
    if not 0 <= first_size <= n:
        raise ValueError('split_dataset: first_size {} is out of range [0, {}]'
                         .format(first_size, n))
    return (SubDataset(dataset, 0, first_size, order),
            SubDataset(dataset, first_size, n, order))


def split_dataset_random(dataset, first_size, seed=None):
    """Like :func:`split_dataset` on a random permutation (``seed`` makes it
    reproducible).

    >>> train, test = fastgrad.datasets.split_dataset_random(list(range(10)), 8, seed=0)
    >>> len(train), len(test), sorted(list(train) + list(test)) == list(range(10))
    (8, 2, True)
    """
    order = numpy.random.RandomState(seed).permutation(len(dataset))
    return split_dataset(dataset, first_size, order)


def split_dataset_n(dataset, n, order=None):
    """``n`` SubDatasets of ``len(dataset) // n`` examples each, as in
    Chainer: the last ``len(dataset) % n`` examples are left out, so that
    every part has the same size.

    >>> parts = fastgrad.datasets.split_dataset_n(list(range(7)), 3)
    >>> [list(p) for p in parts]
    [[0, 1], [2, 3], [4, 5]]
    """
    size = len(dataset) // n
    return [SubDataset(dataset, size * i, size * (i + 1), order) for i in range(n)]


def split_dataset_n_random(dataset, n, seed=None):
    """:func:`split_dataset_n` of a random permutation (``seed`` seeds it).

    >>> parts = fastgrad.datasets.split_dataset_n_random(list(range(6)), 2, seed=0)
    >>> [len(p) for p in parts], sorted(list(parts[0]) + list(parts[1]))
    ([3, 3], [0, 1, 2, 3, 4, 5])
    """
    order = numpy.random.RandomState(seed).permutation(len(dataset))
    return split_dataset_n(dataset, n, order)


def get_cross_validation_datasets(dataset, n_folds=None, order=None, **kwargs):
    """``n_folds`` (train, validation) pairs; fold i validates on the i-th
    slice of the (reordered) dataset and trains on the rest.

    >>> folds = fastgrad.datasets.get_cross_validation_datasets(list(range(6)), 3)
    >>> [(len(train), list(val)) for train, val in folds]
    [(4, [4, 5]), (4, [2, 3]), (4, [0, 1])]
    """
    if n_folds is None:
        n_folds = kwargs.pop('n_fold', None)   # Chainer's older keyword
    if kwargs:
        raise TypeError('unexpected arguments: {}'.format(sorted(kwargs)))
    if n_folds is None or n_folds < 1:
        raise ValueError('get_cross_validation_datasets: n_folds must be >= 1')
    if order is None:
        order = numpy.arange(len(dataset))
    else:
        order = numpy.array(order)   # rolled per fold: keep the caller's intact
    whole = len(dataset)
    borders = [whole * i // n_folds for i in range(n_folds + 1)]
    test_sizes = [borders[i + 1] - borders[i] for i in range(n_folds)]
    splits = []
    for test_size in reversed(test_sizes):
        size = whole - test_size
        splits.append(split_dataset(dataset, size, order))
        # the next fold validates on the chunk before this one
        order = numpy.roll(order, test_size)
    return splits


def get_cross_validation_datasets_random(dataset, n_folds, seed=None):
    """:func:`get_cross_validation_datasets` of a random permutation (``seed``
    seeds it).

    >>> folds = fastgrad.datasets.get_cross_validation_datasets_random(list(range(6)), 3, seed=0)
    >>> [(len(train), len(val)) for train, val in folds]
    [(4, 2), (4, 2), (4, 2)]
    >>> sorted(v for _, val in folds for v in val)  # each example validates once
    [0, 1, 2, 3, 4, 5]
    """
    order = numpy.random.RandomState(seed).permutation(len(dataset))
    return get_cross_validation_datasets(dataset, n_folds, order)
