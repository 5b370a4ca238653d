"""MNIST from local files (fastgrad never downloads).

``get_mnist`` looks in ``path`` if given, else in ``<root>/mnist``,
``<root>/pfnet/chainer/mnist`` (Chainer's cache) and ``<root>`` itself,
where ``<root>`` is :func:`fastgrad.dataset.get_dataset_root`
(``$FASTGRAD_DATASET_ROOT``).  In a folder it accepts, first match wins:

* ``mnist.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test``
  (the Keras layout);
* the four IDX files of the original distribution,
  ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally
  gzipped (``.gz``) and with ``-idx`` spelled ``.idx`` as some mirrors do;
* Chainer's cache: ``train.npz`` and ``test.npz`` with ``x`` and ``y``.
"""
import gzip
import os

import numpy

from fastgrad import configuration
from fastgrad.dataset import download
from fastgrad.datasets import tuple_dataset

_IDX_FILES = {
    'x_train': 'train-images-idx3-ubyte',
    'y_train': 'train-labels-idx1-ubyte',
    'x_test': 't10k-images-idx3-ubyte',
    'y_test': 't10k-labels-idx1-ubyte',
}


def get_mnist(withlabel=True, ndim=1, scale=1., dtype=None,
              label_dtype=numpy.int32, rgb_format=False, path=None):
    """The MNIST train and test sets (60,000 and 10,000 28x28 digits).

    Args:
        withlabel (bool): return ``TupleDataset(images, labels)`` objects; else just
            the image arrays.
        ndim (int): 1 gives images of shape ``(784,)``, 2 ``(28, 28)``, 3
            ``(1, 28, 28)`` (``(3, 28, 28)`` with ``rgb_format``).
        scale (float): pixels are scaled to ``[0, scale]``.
        dtype: image dtype (``fastgrad.config.dtype`` by default).
        label_dtype: label dtype.
        rgb_format (bool): with ``ndim=3``, repeat the gray channel 3 times.
        path (str): the folder (or an ``.npz`` file) to read; by default the
            dataset root is searched (see the module docstring).

    Raises:
        FileNotFoundError: no complete copy of MNIST was found; the message
            names the missing file(s) and every folder searched.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:  # a tiny file in the Keras layout
    ...     x = np.full((3, 28, 28), 255, np.uint8)
    ...     np.savez(os.path.join(d, 'mnist.npz'), x_train=x[:2], y_train=[5, 0],
    ...              x_test=x[2:], y_test=[7])
    ...     train, test = fastgrad.datasets.get_mnist(ndim=3, path=d)
    >>> len(train), len(test)
    (2, 1)
    >>> image, label = train[0]
    >>> image.shape, float(image.max()), int(label)
    ((1, 28, 28), 1.0, 5)
    """
    raw = _load_raw(path)
    dtype = configuration.get_dtype(dtype)
    train = _preprocess(raw['x_train'], raw['y_train'], withlabel, ndim, scale,
                        dtype, label_dtype, rgb_format)
    test = _preprocess(raw['x_test'], raw['y_test'], withlabel, ndim, scale,
                       dtype, label_dtype, rgb_format)
    return train, test


def _preprocess(images, labels, withlabel, ndim, scale, dtype, label_dtype,
                rgb_format, side=28):
    images = numpy.asarray(images).reshape(len(images), side * side)
    if ndim == 1:
        pass
    elif ndim == 2:
        images = images.reshape(-1, side, side)
    elif ndim == 3:
        images = images.reshape(-1, 1, side, side)
        if rgb_format:
            images = numpy.broadcast_to(images, (len(images), 3, side, side))
    else:
        raise ValueError('invalid ndim {} for MNIST: expected 1, 2 or 3'.format(ndim))
    images = images.astype(dtype)   # a fresh array (also from a broadcast view)
    images *= scale / 255.
    if withlabel:
        return tuple_dataset.TupleDataset(
            images, numpy.asarray(labels).astype(label_dtype))
    return images


def _search_folders(path):
    if path is not None:
        return [os.path.expanduser(str(path))]
    root = download.get_dataset_root()
    return [os.path.join(root, 'mnist'),
            os.path.join(root, 'pfnet', 'chainer', 'mnist'),
            root]


def _find(folder, name):
    """The path of ``name`` (or a variant: ``.gz``, ``.idx`` spelling) in
    ``folder``, or None."""
    variants = [name, name.replace('-idx', '.idx')]
    for v in variants:
        for candidate in (v, v + '.gz'):
            p = os.path.join(folder, candidate)
            if os.path.isfile(p):
                return p
    return None


def _load_raw(path):
    if path is not None and os.path.isfile(os.path.expanduser(str(path))):
        return _load_keras_npz(os.path.expanduser(str(path)))
    folders = _search_folders(path)
    best_missing = None
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        npz = os.path.join(folder, 'mnist.npz')
        if os.path.isfile(npz):
            return _load_keras_npz(npz)
        found = {key: _find(folder, name) for key, name in _IDX_FILES.items()}
        if all(found.values()):
            return {key: read_idx(p) for key, p in found.items()}
        train_npz = os.path.join(folder, 'train.npz')
        test_npz = os.path.join(folder, 'test.npz')
        if os.path.isfile(train_npz) and os.path.isfile(test_npz):
            return _load_chainer_cache(train_npz, test_npz)
        missing = [_IDX_FILES[k] + '[.gz]' for k, p in found.items() if p is None]
        if len(missing) < 4 and (best_missing is None or len(missing) < len(best_missing[1])):
            best_missing = (folder, missing)   # a partial copy: say what it lacks
    if best_missing is not None:
        folder, missing = best_missing
        raise FileNotFoundError(
            'get_mnist: MNIST in {!r} is incomplete: missing {}. fastgrad never '
            'downloads data sets; put the four IDX files (optionally .gz) or '
            'mnist.npz there.'.format(folder, ', '.join(missing)))
    raise FileNotFoundError(
        'get_mnist: MNIST not found: no mnist.npz and no {} (optionally .gz, '
        'with the other three IDX files) in {}. fastgrad never downloads data '
        'sets: put the files in one of these folders, pass path=DIR, or set '
        'FASTGRAD_DATASET_ROOT.'.format(
            _IDX_FILES['x_train'], ', '.join(repr(f) for f in folders)))


def _load_keras_npz(path):
    with numpy.load(path) as f:
        keys = ('x_train', 'y_train', 'x_test', 'y_test')
        missing = [k for k in keys if k not in f.files]
        if missing:
            raise ValueError('get_mnist: {} lacks the arrays {} (it has {})'
                             .format(path, missing, f.files))
        return {k: f[k] for k in keys}


def _load_chainer_cache(train_path, test_path):
    with numpy.load(train_path) as tr, numpy.load(test_path) as te:
        return {'x_train': tr['x'], 'y_train': tr['y'],
                'x_test': te['x'], 'y_test': te['y']}


_IDX_DTYPES = {0x08: numpy.uint8, 0x09: numpy.int8, 0x0B: numpy.dtype('>i2'),
               0x0C: numpy.dtype('>i4'), 0x0D: numpy.dtype('>f4'),
               0x0E: numpy.dtype('>f8')}


def read_idx(path):
    """Read an IDX file (the MNIST format; gzipped if it ends in ``.gz``)
    into a NumPy array."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError('{}: not an IDX file (bad magic number {})'
                         .format(path, data[:4].hex()))
    dtype = numpy.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError('{}: truncated IDX header'.format(path))
    shape = tuple(int(d) for d in numpy.frombuffer(data, '>u4', ndim, 4))
    count = int(numpy.prod(shape, dtype=numpy.int64))
    if len(data) - header != count * dtype.itemsize:
        raise ValueError('{}: IDX header says shape {} ({} bytes of data) but '
                         'the file holds {} bytes'.format(
                             path, shape, count * dtype.itemsize, len(data) - header))
    arr = numpy.frombuffer(data, dtype, count, header).reshape(shape)
    return arr.astype(dtype.newbyteorder('='))


def write_idx(path, array):
    """Write a uint8 array as an IDX file (gzipped if ``path`` ends in
    ``.gz``): handy to make small MNIST-format files for tests."""
    array = numpy.ascontiguousarray(array, dtype=numpy.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + numpy.asarray(
        array.shape, dtype='>u4').tobytes()
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'wb') as f:
        f.write(header + array.tobytes())
