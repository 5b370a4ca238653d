"""Base class of dataset iterators."""


class Iterator(object):
    """Yields mini-batches (lists of examples).  Subclasses implement
    ``__next__`` and, to be resumable, ``serialize``; ``finalize`` releases
    resources such as worker processes.  Usable as a context manager.

    >>> it = fastgrad.iterators.SerialIterator([1, 2, 3], 2, repeat=False, shuffle=False)
    >>> isinstance(it, fastgrad.dataset.Iterator)
    True
    >>> with it:
    ...     list(it)
    [[1, 2], [3]]
    """

    def __iter__(self):
        return self

    def __next__(self):
        raise NotImplementedError(
            '{} must implement __next__'.format(type(self).__name__))

    def next(self):
        return self.__next__()

    def finalize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.finalize()

    def serialize(self, serializer):
        pass
