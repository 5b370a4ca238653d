"""``TabularDataset``: a dataset of rows with named columns, read a block at a
time.  A subclass gives ``__len__``, ``keys`` (the column names), ``mode``
(``tuple``, ``dict``, or ``None`` for a single unnamed column) and
``get_examples(indices, key_indices)``, which returns one list/array per
requested column; ``indices`` is None (all rows), a slice or a list of ints,
``key_indices`` None (all columns) or a tuple of ints.  Every view
(``slice``, ``concat``, ``join``, ``transform``...) is lazy: it asks its parent
for just the rows and columns it needs."""
from fastgrad import backend
from fastgrad.dataset.dataset_mixin import DatasetMixin


def _as_example(mode, keys, columns):
    if mode is tuple:
        return tuple(columns)
    if mode is dict:
        return dict(zip(keys, columns))
    return columns[0]


class TabularDataset(DatasetMixin):
    """Base class of tabular datasets (see the module docstring).

    >>> d = fastgrad.dataset.tabular.from_data((('a', np.arange(3)), ('b', [10, 20, 30])))
    >>> isinstance(d, fastgrad.dataset.TabularDataset)
    True
    >>> d.keys, len(d), d[1][1]
    (('a', 'b'), 3, 20)
    >>> d.slice[:2, 'b'].fetch()
    [10, 20]
    """

    def __len__(self):
        raise NotImplementedError

    @property
    def keys(self):
        """The column names (a tuple of str)."""
        raise NotImplementedError

    @property
    def mode(self):
        """``tuple``, ``dict`` or ``None``: how an example is represented."""
        raise NotImplementedError

    def get_examples(self, indices, key_indices):
        """One list/array per requested column (see the module docstring)."""
        raise NotImplementedError

    def get_example(self, i):
        columns = self.get_examples([i], None)
        return _as_example(self.mode, self.keys, [col[0] for col in columns])

    def __iter__(self):
        return (self.get_example(i) for i in range(len(self)))

    def fetch(self):
        """All the data: a tuple or dict of columns, or the one column."""
        return _as_example(self.mode, self.keys, self.get_examples(None, None))

    def convert(self, data):
        """Turn fetched columns into arrays (lists become NumPy/CuPy arrays)."""
        if isinstance(data, tuple):
            return tuple(_to_array(col) for col in data)
        if isinstance(data, dict):
            return {key: _to_array(col) for key, col in data.items()}
        return _to_array(data)

    @property
    def slice(self):
        """``dataset.slice[rows]`` or ``dataset.slice[rows, keys]``: a view of
        some rows (slice, ints or booleans) and columns (names or positions;
        one key instead of a tuple gives a single-column view)."""
        from fastgrad.dataset.tabular import _views
        return _views.SliceMaker(self)

    def astuple(self):
        """A view whose examples are tuples."""
        from fastgrad.dataset.tabular import _views
        return _views.AsMode(self, tuple)

    def asdict(self):
        """A view whose examples are dicts."""
        from fastgrad.dataset.tabular import _views
        return _views.AsMode(self, dict)

    def concat(self, *datasets):
        """The rows of this dataset then those of ``datasets`` (same keys)."""
        from fastgrad.dataset.tabular import _views
        return _views.Concat(self, *datasets)

    def join(self, *datasets):
        """The columns of this dataset then those of ``datasets`` (same
        length, distinct keys)."""
        from fastgrad.dataset.tabular import _views
        return _views.Join(self, *datasets)

    def transform(self, keys, transform):
        """A view whose example is ``transform(example)`` (a tuple, dict or
        value with the columns ``keys``)."""
        from fastgrad.dataset.tabular import _transform
        return _transform.Transform(self, keys, transform)

    def transform_batch(self, keys, transform_batch):
        """Like :meth:`transform`, on whole columns at once."""
        from fastgrad.dataset.tabular import _transform
        return _transform.TransformBatch(self, keys, transform_batch)

    def with_converter(self, converter):
        """A view whose :meth:`convert` is ``converter(*columns)`` (or
        ``**columns`` in dict mode)."""
        from fastgrad.dataset.tabular import _views
        return _views.WithConverter(self, converter)


def _to_array(column):
    if isinstance(column, backend.get_array_types()):
        return column
    device = backend.get_device_from_array(column[0])
    with backend.using_device(device):
        return device.xp.asarray(column)
