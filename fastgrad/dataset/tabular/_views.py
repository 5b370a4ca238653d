"""Lazy views over a TabularDataset: slices, mode changes, concatenation
along rows, joining along columns, and a replaced converter."""
from fastgrad.dataset.tabular import _index
from fastgrad.dataset.tabular.tabular_dataset import TabularDataset


class _View(TabularDataset):
    """A view with one parent: same length, keys and converter by default."""

    def __init__(self, parent):
        self._parent = parent

    def __len__(self):
        return len(self._parent)

    @property
    def keys(self):
        return self._parent.keys

    @property
    def mode(self):
        return self._parent.mode

    def get_examples(self, indices, key_indices):
        return self._parent.get_examples(indices, key_indices)

    def convert(self, data):
        return self._parent.convert(data)


class Slice(_View):

    def __init__(self, parent, indices, keys):
        super().__init__(parent)
        if keys is None:
            self._single = None          # keep the parent's mode
        elif isinstance(keys, tuple):
            self._single = False
        else:
            self._single = True
            keys = (keys,)
        self._rows = _index.normalize_rows(indices, len(parent))
        self._cols = None if keys is None else _index.normalize_keys(keys, parent.keys)

    def __len__(self):
        return _index.n_rows(self._rows, len(self._parent))

    @property
    def keys(self):
        names = self._parent.keys
        return names if self._cols is None else tuple(names[c] for c in self._cols)

    @property
    def mode(self):
        if self._single is None:
            return self._parent.mode
        if self._single:
            return None
        return self._parent.mode or tuple

    def get_examples(self, indices, key_indices):
        rows = _index.compose_rows(self._rows, indices, len(self._parent), len(self))
        cols = _index.compose_keys(self._cols, key_indices)
        return self._parent.get_examples(rows, cols)


class SliceMaker(object):
    def __init__(self, dataset):
        self._dataset = dataset

    def __getitem__(self, args):
        indices, keys = args if isinstance(args, tuple) else (args, None)
        return Slice(self._dataset, indices, keys)


class AsMode(_View):
    def __init__(self, parent, mode):
        super().__init__(parent)
        self._mode = mode

    @property
    def mode(self):
        return self._mode


class WithConverter(_View):
    def __init__(self, parent, converter):
        super().__init__(parent)
        self._converter = converter

    def convert(self, data):
        if isinstance(data, tuple):
            return self._converter(*data)
        if isinstance(data, dict):
            return self._converter(**data)
        return self._converter(data)


def _stack_rows(parts, n_cols):
    """Columns made by appending the columns of ``parts`` one after another."""
    return tuple([v for part in parts for v in part[c]] for c in range(n_cols))


class Concat(TabularDataset):
    def __init__(self, *datasets):
        for d in datasets[1:]:
            if d.keys != datasets[0].keys:
                raise ValueError('All datasets must have the same keys: {} vs {}'
                                 .format(datasets[0].keys, d.keys))
        self._datasets = datasets

    def __len__(self):
        return sum(len(d) for d in self._datasets)

    @property
    def keys(self):
        return self._datasets[0].keys

    @property
    def mode(self):
        return self._datasets[0].mode

    def convert(self, data):
        return self._datasets[0].convert(data)

    def get_examples(self, indices, key_indices):
        n_cols = len(self.keys) if key_indices is None else len(key_indices)
        if indices is None:
            return _stack_rows([d.get_examples(None, key_indices)
                                for d in self._datasets], n_cols)
        if isinstance(indices, slice):
            parts = self._slice_parts(indices, key_indices)
        else:
            return self._list_rows(indices, key_indices, n_cols)
        if not parts:
            return tuple([] for _ in range(n_cols))
        if len(parts) == 1:
            return parts[0]
        return _stack_rows(parts, n_cols)

    def _slice_parts(self, indices, key_indices):
        """The sub-slice of every dataset the slice crosses, in the slice's
        order."""
        start, stop, step = indices.indices(len(self))
        parts = []
        offset = 0
        for d in self._datasets:
            size = len(d)
            lo, hi = start - offset, stop - offset
            if step > 0:
                if lo < 0:
                    lo %= step                  # first row of the stride in d
                hi = min(hi, size)
            else:
                if lo >= size:
                    lo = size + (lo - size) % step
                hi = max(hi, -1)
            if len(range(lo, hi, step)):
                sub = slice(None if (lo < 0 and step > 0) else lo,
                            None if (hi < 0 and step < 0) else hi, step)
                parts.append(d.get_examples(sub, key_indices))
            offset += size
        if step < 0:
            parts.reverse()
        return parts

    def _list_rows(self, indices, key_indices, n_cols):
        fetched = {}
        where = [None] * len(indices)       # (dataset number, row in its fetch)
        offset = 0
        for k, d in enumerate(self._datasets):
            mine = []
            for p, i in enumerate(indices):
                if offset <= i < offset + len(d):
                    where[p] = (k, len(mine))
                    mine.append(i - offset)
            if mine:
                fetched[k] = d.get_examples(mine, key_indices)
            offset += len(d)
        if not fetched:
            return tuple([] for _ in range(n_cols))
        if len(fetched) == 1:
            return next(iter(fetched.values()))
        return tuple([fetched[k][c][r] for k, r in where] for c in range(n_cols))


class Join(TabularDataset):
    def __init__(self, *datasets):
        seen = set(datasets[0].keys)
        for d in datasets[1:]:
            if len(d) != len(datasets[0]):
                raise ValueError('All datasets must have the same length: {} vs {}'
                                 .format(len(datasets[0]), len(d)))
            if seen.intersection(d.keys):
                raise ValueError('All keys must be unique among all datasets: {} '
                                 'repeated'.format(sorted(seen.intersection(d.keys))))
            seen.update(d.keys)
        self._datasets = datasets

    def __len__(self):
        return len(self._datasets[0])

    @property
    def keys(self):
        return tuple(k for d in self._datasets for k in d.keys)

    @property
    def mode(self):
        for d in self._datasets:
            if d.mode:
                return d.mode
        return tuple

    def convert(self, data):
        return self._datasets[0].convert(data)

    def get_examples(self, indices, key_indices):
        if key_indices is None:
            return tuple(col for d in self._datasets
                         for col in d.get_examples(indices, None))
        columns = {}
        offset = 0
        for d in self._datasets:
            width = len(d.keys)
            mine = []
            for k in key_indices:
                if offset <= k < offset + width and k - offset not in mine:
                    mine.append(k - offset)
            if mine:
                for k, col in zip(mine, d.get_examples(indices, tuple(mine))):
                    columns[offset + k] = col
            offset += width
        return tuple(columns[k] for k in key_indices)
