from fastgrad.dataset import dataset_mixin


class ConcatenatedDataset(dataset_mixin.DatasetMixin):
    """The datasets one after another.

    >>> ds = fastgrad.datasets.ConcatenatedDataset([1, 2], [3])
    >>> len(ds), ds[2]
    (3, 3)
    """

    def __init__(self, *datasets):
        self._datasets = datasets
        self._lengths = [len(d) for d in datasets]
        self._total = sum(self._lengths)

    def __len__(self):
        return self._total

    def get_example(self, i):
        if i < 0:
            i += self._total
        if not 0 <= i < self._total:
            raise IndexError('ConcatenatedDataset: index out of range')
        for d, n in zip(self._datasets, self._lengths):
            if i < n:
                return d[i]
            i -= n
