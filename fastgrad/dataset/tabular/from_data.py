"""``from_data``: a TabularDataset from arrays, lists and callables.

Accepted forms: an array or list (one unnamed column); ``(key, column)``;
``((key, ...), callable)``; a tuple of such items (a tuple-mode dataset); a
dict ``{key: column or callable, (key, ...): callable}`` (dict mode).  A
callable receives the row index and computes the column(s); ``size`` gives
the length where no array or list does."""
from fastgrad import backend
from fastgrad.dataset.tabular.tabular_dataset import TabularDataset


def from_data(data, *, size=None):
    if isinstance(data, tuple):
        if len(data) == 2 and (isinstance(data[0], str) or (
                isinstance(data[0], tuple) and all(isinstance(k, str) for k in data[0]))):
            return _column(data[0], data[1], size)
        items = [d if isinstance(d, tuple) else (None, d) for d in data]
        size = _length(size, [d for _, d in items])
        parts = [_column(key, d, size) for key, d in items]
        return parts[0].join(*parts[1:]).astuple()
    if isinstance(data, dict):
        size = _length(size, list(data.values()))
        parts = [_column(key, d, size) for key, d in data.items()]
        return parts[0].join(*parts[1:]).asdict()
    return _column(None, data, size)


def _length(size, columns):
    if size is not None:
        return size
    for col in columns:
        try:
            return len(col)
        except TypeError:
            pass
    return None


def _column(key, data, size):
    if isinstance(data, backend.get_array_types()) or isinstance(data, list):
        return _Column('_{}'.format(id(data)) if key is None else key, data)
    if callable(data):
        if key is None:
            raise ValueError('key(s) must be specified for callable')
        if size is None:
            raise ValueError('size must be specified for callable')
        return _RowIndex(size).transform(key, data)
    raise TypeError('from_data: expected an array, a list or a callable, got {}'
                    .format(type(data).__name__))


class _Column(TabularDataset):
    """One column held in an array or a list."""

    def __init__(self, key, data):
        self._key = key
        self._data = data

    def __len__(self):
        return len(self._data)

    @property
    def keys(self):
        return (self._key,)

    @property
    def mode(self):
        return None

    def get_examples(self, indices, key_indices):
        n = 1 if key_indices is None else len(key_indices)
        data = self._data
        if indices is not None:
            if isinstance(data, list) and not isinstance(indices, slice):
                data = [data[i] for i in indices]
            else:
                data = data[indices]
        return (data,) * n


class _RowIndex(TabularDataset):
    """The column ``index``: each row's own position."""

    def __init__(self, size):
        self._size = size

    def __len__(self):
        return self._size

    @property
    def keys(self):
        return ('index',)

    @property
    def mode(self):
        return None

    def get_examples(self, indices, key_indices):
        if indices is None:
            indices = slice(None)
        if isinstance(indices, slice):
            indices = list(range(*indices.indices(self._size)))
        return (indices,) * (1 if key_indices is None else len(key_indices))
