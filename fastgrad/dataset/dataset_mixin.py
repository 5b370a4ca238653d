"""Base class for datasets that compute examples on demand."""
import numpy


class DatasetMixin(object):
    """Implement ``__len__`` and ``get_example(i)``; indexing with an int, a
    slice, a list or an integer array then works as on a list.

    >>> class Squares(fastgrad.dataset.DatasetMixin):
    ...     def __len__(self):
    ...         return 5
    ...     def get_example(self, i):
    ...         return i * i
    >>> d = Squares()
    >>> d[2], d[1:4], d[[0, 4]]
    (4, [1, 4, 9], [0, 16])
    """

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.get_example(i) for i in range(*index.indices(len(self)))]
        if isinstance(index, (list, numpy.ndarray)):
            if isinstance(index, numpy.ndarray) and index.dtype == bool:
                index = numpy.flatnonzero(index)
            return [self.get_example(i) for i in index]
        return self.get_example(index)

    def __len__(self):
        raise NotImplementedError(
            '{} must implement __len__'.format(type(self).__name__))

    def get_example(self, i):
        raise NotImplementedError(
            '{} must implement get_example(i)'.format(type(self).__name__))
