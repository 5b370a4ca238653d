"""HDF5 serialization (``chainer.serializers.save_hdf5`` / ``load_hdf5``).

Chainer's layout: one HDF5 group per link or optimizer path component and one
dataset per value; ``None`` is an empty dataset (``h5py.Empty``).  Files are
readable by Chainer and vice versa.  h5py is optional (the ``hdf5`` extra):
without it these names raise a RuntimeError that says so.

Loading is all-or-nothing like ``load_npz``: a first pass checks every key,
shape and dtype without assigning; only then are values assigned.
"""
import os

import numpy

from fastgrad import backend
from fastgrad.serializers._base import Deserializer, Serializer

_h5py = None          # imported on first use: h5py is 40 modules, too many for
_h5py_error = None    # every ``import fastgrad`` of a program that never saves HDF5


def _load_h5py():
    """h5py, or None where it cannot be imported."""
    global _h5py, _h5py_error
    if _h5py is None and _h5py_error is None:
        try:
            import h5py
            _h5py = h5py
        except ImportError as e:  # optional dependency
            _h5py_error = e
    return _h5py


def __getattr__(name):
    # ``hdf5.h5py`` (None without h5py) and Chainer's ``hdf5._available``, as
    # when h5py was imported eagerly
    if name == 'h5py':
        return _load_h5py()
    if name == '_available':
        return _load_h5py() is not None
    raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, name))


def _check_available():
    """h5py, or a RuntimeError saying how to install it."""
    h5py = _load_h5py()
    if h5py is None:
        raise RuntimeError(
            'HDF5 serialization needs h5py (pip install "fastgrad[hdf5]" or '
            'pip install h5py): {}'.format(_h5py_error))
    return h5py


def _to_cpu(value):
    if backend.is_cupy_array(value):
        return value.get()
    return numpy.asarray(value)


class HDF5Serializer(Serializer):
    """Serializer that writes into an h5py group.

    Args:
        group (h5py.Group): The group to write into.
        compression (int): gzip level for datasets of more than one element.

    .. doctest::
       :skipif: fastgrad.serializers.hdf5.h5py is None

       >>> import os, tempfile, h5py
       >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=3)
       >>> with tempfile.TemporaryDirectory() as d:
       ...     with h5py.File(os.path.join(d, 'model.h5'), 'w') as f:
       ...         fastgrad.serializers.HDF5Serializer(f).save(model)
       ...         print(sorted(f), f['W'][...])
       ['W', 'b'] [[1. 2.]]
    """

    def __init__(self, group, compression=4):
        _check_available()
        self.group = group
        self.compression = compression

    def __getitem__(self, key):
        return HDF5Serializer(self.group.require_group(key.strip('/')),
                              self.compression)

    def __call__(self, key, value):
        key = key.lstrip('/')
        if value is None:
            self.group.create_dataset(key, data=_h5py.Empty('f'))
            return value
        if isinstance(value, str):
            # an HDF5 string (UTF-8); NumPy's '<U' arrays have no HDF5 type
            self.group.create_dataset(key, data=value)
            return value
        arr = _to_cpu(value)
        compression = None if arr.size <= 1 else self.compression
        self.group.create_dataset(key, data=arr, compression=compression)
        return value


def save_hdf5(filename, obj, compression=4):
    """Save ``obj`` (a Link, an Optimizer, anything with ``serialize``, or a
    dict of arrays, as Chainer's) to an HDF5 file.  The file is written next to
    its target and renamed into place, so an interrupted save never leaves a
    truncated file under ``filename``.

    .. doctest::
       :skipif: fastgrad.serializers.hdf5.h5py is None

       >>> import os, tempfile, h5py
       >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=3)
       >>> with tempfile.TemporaryDirectory() as d:
       ...     fastgrad.serializers.save_hdf5(os.path.join(d, 'model.h5'), model)
       ...     with h5py.File(os.path.join(d, 'model.h5'), 'r') as f:
       ...         print(sorted(f), f['b'][...])
       ['W', 'b'] [3.]
    """
    h5py = _check_available()
    if not isinstance(obj, dict) and not callable(getattr(obj, 'serialize', None)):
        raise TypeError('save_hdf5: obj must have a serialize(serializer) method '
                        '(a Link or an Optimizer) or be a dict of arrays, got {}'
                        .format(type(obj).__name__))
    filename = os.fspath(filename)
    tmp = '{}.tmp{}'.format(filename, os.getpid())
    try:
        with h5py.File(tmp, 'w') as f:
            if isinstance(obj, dict):
                # each value under its key, as the arrays a serializer writes
                for key, value in obj.items():
                    HDF5Serializer(f, compression=compression)(key.lstrip('/'), value)
            else:
                HDF5Serializer(f, compression=compression).save(obj)
        os.replace(tmp, filename)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class HDF5Deserializer(Deserializer):
    """Deserializer reading from an h5py group.

    Args:
        group (h5py.Group or None): The group to read.
        strict (bool): If True, a missing key is a KeyError; if False the
            target keeps its value.

    .. doctest::
       :skipif: fastgrad.serializers.hdf5.h5py is None

       >>> import os, tempfile, h5py
       >>> src = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=3)
       >>> dst = L.Linear(2, 1)
       >>> with tempfile.TemporaryDirectory() as d:
       ...     path = os.path.join(d, 'model.h5')
       ...     fastgrad.serializers.save_hdf5(path, src)
       ...     with h5py.File(path, 'r') as f:
       ...         fastgrad.serializers.HDF5Deserializer(f).load(dst)
       >>> dst.W.array, dst.b.array
       (array([[1., 2.]], dtype=float32), array([3.], dtype=float32))
    """

    def __init__(self, group, strict=True, _dry=False):
        _check_available()
        self.group = group
        self.strict = strict
        self._dry = _dry

    def __getitem__(self, key):
        key = key.strip('/')
        group = None
        if self.group is not None and key in self.group:
            group = self.group[key]
        # A missing group is an error only when a value is read from it.
        return HDF5Deserializer(group, self.strict, self._dry)

    def _where(self):
        return self.group.name if self.group is not None else 'the file'

    def load(self, obj):
        """Load into ``obj``: validate everything first, then assign."""
        if self._dry:
            obj.serialize(self)
            return
        obj.serialize(HDF5Deserializer(self.group, self.strict, _dry=True))
        obj.serialize(self)

    def __call__(self, key, value):
        key = key.lstrip('/')
        if self.group is None or key not in self.group:
            if not self.strict:
                return value
            raise KeyError('load_hdf5: key {!r} is not in {} (strict=True; pass '
                           'strict=False to skip missing keys)'
                           .format(key, self._where()))
        dataset = self.group[key]
        if dataset.shape is None:        # h5py.Empty: a saved None
            return None
        data = dataset[()]
        full = '{}/{}'.format(self.group.name.rstrip('/'), key)
        if value is None:
            return None if self._dry else numpy.asarray(data)
        if isinstance(value, numpy.ndarray) or backend.is_cupy_array(value):
            data = numpy.asarray(data)
            if data.shape != value.shape:
                raise ValueError('load_hdf5: shape mismatch for {!r}: the file has '
                                 '{}, the target has {}'
                                 .format(full, data.shape, value.shape))
            if not numpy.can_cast(data.dtype, value.dtype, casting='same_kind'):
                raise TypeError('load_hdf5: cannot load {!r} of dtype {} into an '
                                'array of dtype {}'.format(full, data.dtype,
                                                           value.dtype))
            if not self._dry:
                if isinstance(value, numpy.ndarray):
                    numpy.copyto(value, data)
                else:
                    backend.copyto(value, data.astype(value.dtype, copy=False))
            return value
        if isinstance(value, str) and isinstance(data, bytes):
            # h5py 3 reads HDF5 strings back as bytes
            return value if self._dry else data.decode('utf-8')
        arr = numpy.asarray(data)
        try:
            converted = type(value)(arr[()] if arr.ndim == 0 else arr)
        except Exception as e:
            raise TypeError('load_hdf5: cannot convert {!r} (dtype {}) into {}: {}'
                            .format(full, arr.dtype, type(value).__name__, e)) from e
        return value if self._dry else converted


def load_hdf5(filename, obj, path='', strict=True):
    """Load ``obj`` (a Link, an Optimizer...) from an HDF5 file written by
    ``save_hdf5`` (fastgrad's or Chainer's).  ``path`` selects a group inside
    the file; nothing is assigned unless every key is present and matches.

    .. doctest::
       :skipif: fastgrad.serializers.hdf5.h5py is None

       >>> import os, tempfile
       >>> src = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=3)
       >>> dst = L.Linear(2, 1)
       >>> with tempfile.TemporaryDirectory() as d:
       ...     fastgrad.serializers.save_hdf5(os.path.join(d, 'model.h5'), src)
       ...     fastgrad.serializers.load_hdf5(os.path.join(d, 'model.h5'), dst)
       >>> dst.W.array
       array([[1., 2.]], dtype=float32)
    """
    h5py = _check_available()
    with h5py.File(os.fspath(filename), 'r') as f:
        group = f
        for part in [p for p in path.split('/') if p]:
            if part not in group:
                raise KeyError('load_hdf5: path {!r} is not in {}'
                               .format(path, filename))
            group = group[part]
        HDF5Deserializer(group, strict=strict).load(obj)
