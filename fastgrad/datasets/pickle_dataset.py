"""``PickleDataset``: examples pickled one after another into one file, read
back by random access; ``PickleDatasetWriter`` writes such a file.  Only open
files you trust: unpickling runs code."""
import os
import pickle
import threading
import weakref

from fastgrad.dataset.dataset_mixin import DatasetMixin


class PickleDatasetWriter(object):
    """Pickle examples one after another into ``writer`` (a binary file).

    >>> import io
    >>> f = io.BytesIO()
    >>> with fastgrad.datasets.PickleDatasetWriter(f) as writer:
    ...     writer.write({'x': 1})
    ...     writer.write({'x': 2})
    ...     writer.flush()
    ...     fastgrad.datasets.PickleDataset(f)[1]
    {'x': 2}
    """

    def __init__(self, writer, protocol=pickle.HIGHEST_PROTOCOL):
        self._writer = writer
        self._protocol = protocol
        self._positions = []

    def write(self, x):
        self._positions.append(self._writer.tell())
        pickle.dump(x, self._writer, protocol=self._protocol)

    def flush(self):
        if hasattr(self._writer, 'flush'):
            self._writer.flush()

    def close(self):
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# Datasets whose reader wants ``after_fork()`` called in a forked child (to
# reopen its file: a file offset shared with the parent breaks random access).
_readers_to_reopen = weakref.WeakSet()


def _after_fork_in_child():
    for dataset in list(_readers_to_reopen):
        dataset._reader.after_fork()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class PickleDataset(DatasetMixin):
    """The examples of a file written by :class:`PickleDatasetWriter`;
    ``reader`` is a seekable binary file.  If the reader has an
    ``after_fork()`` method, it is called in each forked child process.

    >>> import io
    >>> f = io.BytesIO()
    >>> writer = fastgrad.datasets.PickleDatasetWriter(f)
    >>> for example in [(1, 'a'), (2, 'b')]:
    ...     writer.write(example)
    >>> dataset = fastgrad.datasets.PickleDataset(f)
    >>> len(dataset), dataset[1]
    (2, (2, 'b'))
    """

    def __init__(self, reader):
        if not reader.seekable():
            raise ValueError('PickleDataset: the reader must support random access '
                             '(seekable() is False)')
        self._reader = reader
        self._positions = []
        reader.seek(0)
        while True:
            position = reader.tell()
            try:
                pickle.load(reader)
            except EOFError:
                break
            self._positions.append(position)
        self._lock = threading.RLock()
        if callable(getattr(reader, 'after_fork', None)):
            _readers_to_reopen.add(self)

    def __getstate__(self):
        state = self.__dict__.copy()
        del state['_lock']
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def __len__(self):
        return len(self._positions)

    def get_example(self, i):
        with self._lock:
            self._reader.seek(self._positions[i])
            return pickle.load(self._reader)

    def close(self):
        with self._lock:
            self._reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _ReopeningReader(object):
    """A read-only binary file that reopens itself in a forked or unpickled
    process, so that worker processes never share one file offset."""

    def __init__(self, path):
        self._path = path
        self._file, self._pid = None, None

    def _f(self):
        if self._file is None or self._pid != os.getpid():
            self._file = open(self._path, 'rb')
            self._pid = os.getpid()
        return self._file

    def __getstate__(self):
        return {'_path': self._path, '_file': None, '_pid': None}

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return self._f().seek(offset, whence)

    def tell(self):
        return self._f().tell()

    def read(self, n=-1):
        return self._f().read(n)

    def readline(self, n=-1):
        return self._f().readline(n)

    def readinto(self, b):
        return self._f().readinto(b)

    def peek(self, n=0):
        return self._f().peek(n)

    def close(self):
        if self._file is not None:
            self._file.close()


def open_pickle_dataset(path):
    """A :class:`PickleDataset` over the file at ``path`` (safe to use from
    forked iterator workers).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, 'data.pkl')
    ...     with fastgrad.datasets.open_pickle_dataset_writer(path) as writer:
    ...         writer.write(np.arange(3))
    ...     with fastgrad.datasets.open_pickle_dataset(path) as dataset:
    ...         print(len(dataset), dataset[0])
    1 [0 1 2]
    """
    return PickleDataset(_ReopeningReader(path))


def open_pickle_dataset_writer(path, protocol=pickle.HIGHEST_PROTOCOL):
    """A :class:`PickleDatasetWriter` writing the file at ``path``.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, 'data.pkl')
    ...     with fastgrad.datasets.open_pickle_dataset_writer(path) as writer:
    ...         for i in range(3):
    ...             writer.write(i * 10)
    ...     with fastgrad.datasets.open_pickle_dataset(path) as dataset:
    ...         print(list(dataset))
    [0, 10, 20]
    """
    return PickleDatasetWriter(open(path, 'wb'), protocol)
