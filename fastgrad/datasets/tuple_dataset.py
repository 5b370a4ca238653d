import numpy


class TupleDataset(object):
    """Zips equal-length datasets: ``ds[i] == (d0[i], d1[i], ...)``.

    Slices and index lists/arrays give a list of such tuples.

    >>> ds = fastgrad.datasets.TupleDataset([0, 1, 2], [10, 20, 30])
    >>> len(ds), ds[1]
    (3, (1, 20))
    >>> ds[0:2]
    [(0, 10), (1, 20)]
    """

    def __init__(self, *datasets):
        if not datasets:
            raise ValueError('TupleDataset: no datasets are given')
        length = len(datasets[0])
        for i, d in enumerate(datasets):
            if len(d) != length:
                raise ValueError(
                    'TupleDataset: dataset {} has length {}, but dataset 0 has '
                    'length {}; all must have the same length'.format(i, len(d), length))
        self._datasets = datasets
        self._length = length

    def __getitem__(self, index):
        batches = [d[index] for d in self._datasets]
        if isinstance(index, (slice, list, numpy.ndarray)):
            return [tuple(b[i] for b in batches) for i in range(len(batches[0]))]
        return tuple(batches)

    def __len__(self):
        return self._length
