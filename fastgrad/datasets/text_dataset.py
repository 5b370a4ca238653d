"""``TextDataset``: the lines of one text file, or tuples of the lines at the
same position in several files (a parallel corpus)."""
import io
import threading

from fastgrad.dataset.dataset_mixin import DatasetMixin


def _per_file(option, n, name):
    if option is None or isinstance(option, str):
        return [option] * n
    option = list(option)
    if len(option) != n:
        raise ValueError('TextDataset: {} has {} entries for {} files'
                         .format(name, len(option), n))
    return option


class TextDataset(DatasetMixin):
    """Lines of text files, read lazily (only line offsets are kept).

    Args:
        paths (str or list of str): one file, or several with equally many
            lines (an example is then the tuple of their lines).
        encoding, errors, newline: as for ``open``; one value or one per file.
        filter_func (callable): keep only the lines for which
            ``filter_func(*lines)`` is true.
    Lines keep their newline, as in Chainer.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, 'a.txt')
    ...     with open(path, 'w') as f:
    ...         _ = f.write('first\\nsecond\\n')
    ...     dataset = fastgrad.datasets.TextDataset(path)
    ...     lines = len(dataset), dataset[1]
    ...     dataset.close()
    >>> lines
    (2, 'second\\n')
    """

    def __init__(self, paths, encoding=None, errors=None, newline=None,
                 filter_func=None):
        if isinstance(paths, str):
            paths = [paths]
        if not paths:
            raise ValueError('TextDataset: at least one text file must be given')
        n = len(paths)
        self._paths = list(paths)
        self._options = list(zip(_per_file(encoding, n, 'encoding'),
                                 _per_file(errors, n, 'errors'),
                                 _per_file(newline, n, 'newline')))
        self._open()
        starts = [[0] for _ in self._files]
        kept = []
        number = 0
        while True:
            lines = [f.readline() for f in self._files]
            if not all(lines):
                if any(lines):
                    raise ValueError('TextDataset: the files {} do not have the '
                                     'same number of lines'.format(self._paths))
                break
            for k, f in enumerate(self._files):
                starts[k].append(f.tell())
            if filter_func is None or filter_func(*lines):
                kept.append(number)
            number += 1
        self._starts = starts
        self._lines = kept
        self._lock = threading.Lock()

    def _open(self):
        self._files = [io.open(p, 'rt', encoding=e, errors=r, newline=nl)
                       for p, (e, r, nl) in zip(self._paths, self._options)]

    def __getstate__(self):
        state = self.__dict__.copy()
        del state['_files'], state['_lock']
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self._open()
        self._lock = threading.Lock()

    def close(self):
        """Close the files (they are also closed when the dataset is freed)."""
        for f in self._files:
            f.close()

    def __len__(self):
        return len(self._lines)

    def get_example(self, i):
        if not 0 <= i < len(self._lines):
            raise IndexError('TextDataset index {} out of range (length {})'
                             .format(i, len(self._lines)))
        number = self._lines[i]
        with self._lock:
            lines = []
            for k, f in enumerate(self._files):
                f.seek(self._starts[k][number])
                lines.append(f.readline())
        return lines[0] if len(lines) == 1 else tuple(lines)
