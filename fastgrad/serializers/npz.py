"""NPZ serialization with Chainer's file layout.

Keys are ``/``-joined paths without a leading slash (``l1/W``,
``predictor/l2/b``; an optimizer's ``t``, ``epoch``, ``l1/W/t``,
``l1/W/m``).  ``None`` is stored as ``numpy.asarray(None)`` (a 0-d object
array), as Chainer does.  Object arrays are pickles, and unpickling can run
code; so ``load_npz`` reads them with an unpickler that can build nothing
but numpy arrays, and accepts only arrays of None, unless the caller trusts
the file and passes ``allow_pickle=True``.

Loading is all-or-nothing: ``NpzDeserializer.load`` first walks the object
with a validating pass that reads every array it will need and checks keys,
shapes, dtypes and scalar casts without assigning anything, and only then
assigns.  A missing key (``strict=True``), a shape or dtype mismatch or an
unreadable member raises an error naming the key, and the object is left as
it was.
"""
import os
import pickle
import zipfile

import numpy

from fastgrad import backend
from fastgrad.serializers import _atomic
from fastgrad.serializers._base import Deserializer, Serializer


def _to_cpu(value):
    if isinstance(value, numpy.ndarray):
        return value
    if backend.is_cupy_array(value):
        return value.get()
    return numpy.asarray(value)


class DictionarySerializer(Serializer):
    """Serializer that writes into a flat dict ``{path: numpy array}``.

    Args:
        target (dict): The dict to write into (a new one if None).
        path (str): The prefix of every key written.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=0)
    >>> s = fastgrad.serializers.DictionarySerializer(path='model/')
    >>> s.save(model)
    >>> sorted(s.target), s.target['model/W']
    (['model/W', 'model/b'], array([[1., 2.]], dtype=float32))
    """

    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        key = key.strip('/')
        return DictionarySerializer(self.target, self.path + key + '/')

    def __call__(self, key, value):
        key = key.lstrip('/')
        self.target[self.path + key] = (
            numpy.asarray(None) if value is None else _to_cpu(value))
        return value


def serialize(obj):
    """The flat dict ``{path: numpy array}`` of ``obj`` (a Link or Optimizer).

    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=3)
    >>> arrays = fastgrad.serializers.serialize(model)
    >>> sorted(arrays), arrays['b']
    (['W', 'b'], array([3.], dtype=float32))
    """
    s = DictionarySerializer()
    s.save(obj)
    return s.target


def save_npz(file, obj, compression=True):
    """Save ``obj`` (a Link, an Optimizer, anything with ``serialize``, or a
    dict of arrays) to an ``.npz`` file.

    A path is written atomically: the data goes to a temporary file in the
    same folder that then replaces ``file``, so an interrupted save (even a
    kill -9) leaves the previous file intact.

    Args:
        file (str, os.PathLike or file-like): Where to write.
        obj: What to save.
        compression (bool): Use ``numpy.savez_compressed`` (default) or
            ``numpy.savez``.

    >>> import os, tempfile
    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=0)
    >>> path = os.path.join(tempfile.mkdtemp(), 'model.npz')
    >>> fastgrad.serializers.save_npz(path, model)
    >>> sorted(np.load(path).files)
    ['W', 'b']
    >>> other = L.Linear(2, 1)
    >>> fastgrad.serializers.load_npz(path, other)
    >>> other.W.array
    array([[1., 2.]], dtype=float32)
    """
    if isinstance(file, (str, os.PathLike)):
        # Atomic: an interrupted save leaves the old file intact.
        with _atomic.replacing(file) as tmp:
            with open(tmp, 'wb') as f:
                save_npz(f, obj, compression)
        return
    if isinstance(obj, dict):
        target = obj
    elif callable(getattr(obj, 'serialize', None)):
        target = serialize(obj)
    else:
        raise TypeError('save_npz: obj must be a Link, an Optimizer or a dict of '
                        'arrays (anything with a serialize(serializer) method), '
                        'got {}'.format(type(obj).__name__))
    if compression:
        numpy.savez_compressed(file, **target)
    else:
        numpy.savez(file, **target)


def _compile_ignore_names(ignore_names):
    """``ignore_names`` (a str, a callable, or a list/tuple of them) as a list
    of predicates on the full key."""
    if ignore_names is None:
        return []
    if not isinstance(ignore_names, (list, tuple)):
        ignore_names = (ignore_names,)
    preds = []
    for name in ignore_names:
        if isinstance(name, str):
            preds.append(name.__eq__)
        elif callable(name):
            preds.append(name)
        else:
            raise ValueError('ignore_names needs to be a callable, string or list '
                             'of them; got {!r}'.format(name))
    return preds


class _ArrayCache(object):
    """The arrays read during one ``load``: the validating pass keeps them so
    that the assigning pass neither reads (decompresses) them again nor can
    meet an unreadable member after it has started assigning."""

    def __init__(self):
        self.arrays = {}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Builds numpy arrays of plain Python values and nothing else: every
    other global a pickle names (a function to call) is refused."""
    _allowed = {
        ('numpy', 'ndarray'): numpy.ndarray,
        ('numpy', 'dtype'): numpy.dtype,
        # numpy 1.x and 2.x module names of the array reconstructor
        ('numpy.core.multiarray', '_reconstruct'): numpy.asarray(0).__reduce__()[0],
        ('numpy._core.multiarray', '_reconstruct'): numpy.asarray(0).__reduce__()[0],
    }

    def find_class(self, module, name):
        try:
            return self._allowed[module, name]
        except KeyError:
            raise pickle.UnpicklingError('refused global {}.{}'.format(module, name))


def _refuse_pickle(key, why):
    return ValueError(
        'load_npz: key {!r} holds a pickled object array ({}); unpickling '
        'can run code, so load_npz only reads arrays of None from pickles. '
        'If you trust this file, pass allow_pickle=True'.format(key, why))


def _read_object_array(npz, key):
    """An object-array member read without running code: an array whose
    elements are all None (how Chainer and fastgrad store None)."""
    with npz.zip.open(key + '.npy') as f:
        fmt = numpy.lib.format
        version = fmt.read_magic(f)
        # version 3.0 only allows utf-8 in the header (2.0's layout otherwise)
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else \
            fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if not dtype.hasobject:
            raise _refuse_pickle(key, 'unexpected header')
        try:
            arr = _ArraysOnlyUnpickler(f).load()
        except Exception as e:
            raise _refuse_pickle(key, '{}: {}'.format(type(e).__name__, e)) from None
    if (not isinstance(arr, numpy.ndarray) or arr.dtype != object
            or arr.shape != shape or any(v is not None for v in arr.flat)):
        raise _refuse_pickle(key, 'values other than None')
    return arr


def _read(npz, cache, key, keep):
    if cache is not None and key in cache.arrays:
        return cache.arrays[key] if keep else cache.arrays.pop(key)
    try:
        arr = npz[key]
    except KeyError:
        raise
    except ValueError as e:
        # numpy refuses object arrays when the file was opened with
        # allow_pickle=False: read them the safe way.
        if not (isinstance(npz, numpy.lib.npyio.NpzFile) and not npz.allow_pickle
                and 'allow_pickle' in str(e)):
            raise ValueError('load_npz: cannot read the array of key {!r} ({}: {})'
                             .format(key, type(e).__name__, e)) from e
        arr = _read_object_array(npz, key)
    except Exception as e:
        raise ValueError('load_npz: cannot read the array of key {!r} ({}: {})'
                         .format(key, type(e).__name__, e)) from e
    if not isinstance(arr, numpy.ndarray):
        arr = numpy.asarray(arr)
    if cache is not None and keep:
        cache.arrays[key] = arr
    return arr


def _safe_scalar(key, dataset, value):
    """Chainer's rule for a non-array target: numbers must cast safely into
    ``type(value)`` (any integer into a Python int is fine)."""
    value_type = type(value)
    arr = numpy.asarray(dataset)
    kind = arr.dtype.type
    if (issubclass(kind, numpy.number)
            and not (issubclass(kind, numpy.integer) and value_type is int)
            and not numpy.can_cast(arr.dtype, value_type, casting='safe')):
        raise TypeError(
            'Cannot safely deserialize from numpy array with dtype={} into a '
            'variable of type {} (key {!r}).'.format(arr.dtype, value_type, key))
    try:
        return value_type(arr[()] if arr.ndim == 0 else arr)
    except Exception as e:
        raise TypeError('load_npz: cannot convert the value of key {!r} (dtype {}, '
                        'shape {}) into {}: {}'.format(key, arr.dtype, arr.shape,
                                                      value_type.__name__, e)) from e


class NpzDeserializer(Deserializer):
    """Deserializer reading from an ``.npz`` file (or any mapping of arrays).

    Args:
        npz: The ``numpy.load`` result of an npz file, or a dict.
        path (str): The prefix of every key read.
        strict (bool): If True, a missing key is a ``KeyError``; if False the
            target keeps its value.
        ignore_names (str, callable or list of them): Keys (full paths) to
            skip: equal to a str, or for which the callable returns True.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=0)
    >>> arrays = {'model/W': np.array([[5., 6.]]), 'model/b': np.array([7.])}
    >>> fastgrad.serializers.NpzDeserializer(arrays, path='model/').load(model)
    >>> model.W.array, model.b.array
    (array([[5., 6.]], dtype=float32), array([7.], dtype=float32))
    """

    def __init__(self, npz, path='', strict=True, ignore_names=None):
        self.npz = npz
        self.path = path
        self.strict = strict
        self.ignore_names = [] if ignore_names is None else ignore_names
        self._ignore = _compile_ignore_names(ignore_names)
        self._cache = None
        self._dry = False

    def _child(self, path, cache, dry):
        d = NpzDeserializer.__new__(NpzDeserializer)
        d.npz = self.npz
        d.path = path
        d.strict = self.strict
        d.ignore_names = self.ignore_names
        d._ignore = self._ignore
        d._cache = cache
        d._dry = dry
        return d

    def __getitem__(self, key):
        return self._child(self.path + key.strip('/') + '/', self._cache, self._dry)

    def load(self, obj):
        """Load into ``obj``: validate everything first, then assign."""
        if self._cache is not None:
            # Already inside a load (a nested call): the outer one validated.
            obj.serialize(self)
            return
        cache = _ArrayCache()
        obj.serialize(self._child(self.path, cache, True))
        obj.serialize(self._child(self.path, cache, False))

    def __call__(self, key, value):
        full = self.path + key.lstrip('/')
        npz = self.npz
        if full not in npz:
            if not self.strict:
                return value
        for ignored in self._ignore:
            if ignored(full):
                return value
        if full not in npz:
            raise KeyError('load_npz: key {!r} is not in the file (strict=True; '
                           'pass strict=False to skip missing keys, or '
                           'ignore_names)'.format(full))
        dry = self._dry
        dataset = _read(npz, self._cache, full, keep=dry)

        if dataset.dtype == object and dataset.ndim == 0 and dataset[()] is None:
            return None
        if value is None:
            # An uninitialized target (lazy Parameter, state to be created).
            return None if dry else dataset

        if isinstance(value, numpy.ndarray) or backend.is_cupy_array(value):
            if dataset.shape != value.shape:
                raise ValueError(
                    'load_npz: shape mismatch for key {!r}: the file has {}, the '
                    'target has {}'.format(full, dataset.shape, value.shape))
            if not numpy.can_cast(dataset.dtype, value.dtype, casting='same_kind'):
                raise TypeError(
                    'load_npz: cannot load key {!r} of dtype {} into an array of '
                    'dtype {}'.format(full, dataset.dtype, value.dtype))
            if not dry:
                if isinstance(value, numpy.ndarray):
                    numpy.copyto(value, dataset)
                else:
                    backend.copyto(value, dataset.astype(value.dtype, copy=False))
            return value

        converted = _safe_scalar(full, dataset, value)
        return value if dry else converted


def load_npz(file, obj, path='', strict=True, ignore_names=None, allow_pickle=False):
    """Load ``obj`` (a Link, an Optimizer...) from an ``.npz`` file.

    Args:
        file (str, os.PathLike or file-like): The file.
        obj: What to load into (``obj.serialize`` is called).
        path (str): The path in the file of ``obj`` (e.g.
            ``'updater/model:main/'`` for a trainer snapshot).
        strict (bool): If True, a key missing from the file is a KeyError.
        ignore_names (str, callable or list of them): Keys to skip.
        allow_pickle (bool): Unpickle object arrays as they are (this can run
            code: only for files you trust).  By default only arrays of None
            (Chainer's and fastgrad's way to store None) are read from
            pickles; any other pickled array is a ValueError.

    Nothing is assigned unless every key is present (or skipped), readable and
    of a matching shape and dtype.

    >>> import os, tempfile
    >>> src = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=3)
    >>> dst = L.Linear(2, 1)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fastgrad.serializers.save_npz(os.path.join(d, 'model.npz'), src)
    ...     fastgrad.serializers.load_npz(os.path.join(d, 'model.npz'), dst)
    >>> dst.W.array, dst.b.array
    (array([[1., 2.]], dtype=float32), array([3.], dtype=float32))
    """
    if isinstance(file, (str, os.PathLike)):
        with open(file, 'rb') as f:
            return load_npz(f, obj, path=path, strict=strict,
                            ignore_names=ignore_names, allow_pickle=allow_pickle)
    _compile_ignore_names(ignore_names)          # a bad value fails before any I/O
    name = getattr(file, 'name', None) or type(file).__name__
    try:
        pos = file.tell()
        magic = file.read(4)
        file.seek(pos)
    except (AttributeError, OSError):
        magic = None
    if magic is not None and magic != b'PK\x03\x04' and magic != b'PK\x05\x06':
        raise ValueError('load_npz: {} is not an npz (zip) file'.format(name))
    try:
        npz = numpy.load(file, allow_pickle=bool(allow_pickle))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as e:
        raise ValueError('load_npz: cannot read {} as an npz file ({}: {})'
                         .format(name, type(e).__name__, e)) from e
    if not isinstance(npz, numpy.lib.npyio.NpzFile):
        raise ValueError('load_npz: {} holds a single array (.npy), not an npz '
                         'archive'.format(name))
    with npz:
        NpzDeserializer(npz, path=path, strict=strict,
                        ignore_names=ignore_names).load(obj)
