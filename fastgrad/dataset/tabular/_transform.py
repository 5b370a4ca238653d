"""Views that compute new columns from the examples of a parent dataset."""
from fastgrad.dataset.tabular import _index
from fastgrad.dataset.tabular.tabular_dataset import TabularDataset

_UNSET = object()


class _Computed(TabularDataset):
    """A view whose mode is learnt from what the function returns (the first
    call decides; a later change of return type is an error)."""

    _what = 'transform'

    def __init__(self, parent, keys, fn):
        self._parent = parent
        self._keys = keys if isinstance(keys, tuple) else (keys,)
        self._fn = fn
        self._mode = _UNSET

    def __len__(self):
        return len(self._parent)

    @property
    def keys(self):
        return self._keys

    @property
    def mode(self):
        if self._mode is _UNSET:
            self.get_examples([0], None)
        return self._mode

    def convert(self, data):
        return self._parent.convert(data)

    def _call(self, columns):
        parent = self._parent
        if parent.mode is dict:
            return self._fn(**dict(zip(parent.keys, columns)))
        return self._fn(*columns)

    def _learn_mode(self, out):
        mode = tuple if isinstance(out, tuple) else dict if isinstance(out, dict) else None
        if self._mode is not _UNSET and self._mode is not mode:
            raise ValueError('{} must not change its return type'.format(self._what))
        self._mode = mode
        return mode

    def _pick(self, out, mode, key_indices):
        """The requested columns of one result (tuple, dict or value)."""
        if mode is dict:
            return [out[self._keys[k]] for k in key_indices]
        if mode is None:
            out = (out,)
        return [out[k] for k in key_indices]


class Transform(_Computed):

    def get_examples(self, indices, key_indices):
        if key_indices is None:
            key_indices = range(len(self._keys))
        columns = tuple([] for _ in key_indices)
        for example in zip(*self._parent.get_examples(indices, None)):
            out = self._call(example)
            mode = self._learn_mode(out)
            for col, value in zip(columns, self._pick(out, mode, key_indices)):
                col.append(value)
        return columns


class TransformBatch(_Computed):

    _what = 'transform_batch'

    def get_examples(self, indices, key_indices):
        n = _index.n_rows(indices, len(self))
        if key_indices is None:
            key_indices = range(len(self._keys))
        out = self._call(self._parent.get_examples(indices, None))
        mode = self._learn_mode(out)
        produced = out.values() if mode is dict else (out if mode is tuple else (out,))
        if any(len(col) != n for col in produced):
            raise ValueError('transform_batch must not change the length of data')
        return tuple(self._pick(out, mode, key_indices))
