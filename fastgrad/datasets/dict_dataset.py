import numpy


class DictDataset(object):
    """Equal-length datasets by name: ``ds[i] == {'x': x[i], 'y': y[i]}``.

    Slices and index lists/arrays give a list of such dicts.

    >>> ds = fastgrad.datasets.DictDataset(x=np.arange(3), t=np.array([10, 20, 30]))
    >>> ds[2] == {'x': 2, 't': 30}
    True
    """

    def __init__(self, **datasets):
        if not datasets:
            raise ValueError('DictDataset: no datasets are given')
        length = None
        for key, d in datasets.items():
            if length is None:
                length, first = len(d), key
            elif len(d) != length:
                raise ValueError(
                    'DictDataset: dataset {!r} has length {}, but {!r} has length '
                    '{}; all must have the same length'.format(key, len(d), first, length))
        self._datasets = datasets
        self._length = length

    def __getitem__(self, index):
        batches = {key: d[index] for key, d in self._datasets.items()}
        if isinstance(index, (slice, list, numpy.ndarray)):
            n = len(next(iter(batches.values())))
            return [{key: b[i] for key, b in batches.items()} for i in range(n)]
        return batches

    def __len__(self):
        return self._length
