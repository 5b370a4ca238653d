"""Small array helpers shared by the functions."""
import contextlib

import numpy

from fastgrad._gemm import matmul  # noqa: F401  (public here; the dispatch lives in _gemm)
from fastgrad.utils.walker_alias import WalkerAlias  # noqa: F401

# NumPy < 2 promotes a 0-d float32 array combined with a Python float to
# float64 (value-based casting); NumPy 2 (NEP 50) keeps float32.  Scalars
# meant to keep an array's dtype go through ``scalar`` below.
LEGACY_PROMOTION = numpy.lib.NumpyVersion(numpy.__version__) < '2.0.0'


def scalar(value, dtype):
    """``value`` as an operand that keeps ``dtype`` on every NumPy version.

    >>> from fastgrad import utils
    >>> x = np.ones(2, dtype=np.float16)
    >>> (x * utils.scalar(0.5, x.dtype)).dtype
    dtype('float16')
    """
    return dtype.type(value) if LEGACY_PROMOTION else value


_FLOAT32 = numpy.dtype(numpy.float32)


def compute_dtype(*dtypes):
    """The dtype an op computes in, for operands of these dtypes: the widest
    float among them, at least float32 (sums, exp, log and GEMMs lose too
    much in half precision; the op casts its result back).

    >>> from fastgrad import utils
    >>> utils.compute_dtype(np.float16), utils.compute_dtype(np.float32, np.float64)
    (dtype('float32'), dtype('float64'))
    """
    dt = numpy.dtype(dtypes[0]) if len(dtypes) == 1 else numpy.result_type(*dtypes)
    return dt if dt.kind == 'f' and dt.itemsize >= 4 else _FLOAT32


def force_array(x, dtype=None):
    """NumPy turns 0-d results into scalars; turn them back into arrays.

    >>> from fastgrad import utils
    >>> s = np.ones(2, dtype=np.float32).sum()   # a NumPy scalar, not an array
    >>> utils.force_array(s)
    array(2., dtype=float32)
    >>> utils.force_array(3, dtype=np.float32)
    array(3., dtype=float32)
    """
    if dtype is None:
        if type(x) is numpy.ndarray:
            return x
        return numpy.asarray(x) if isinstance(x, (numpy.generic, float, int)) else x
    if isinstance(x, (numpy.generic, float, int)):
        return numpy.asarray(x, dtype=dtype)
    return x if x.dtype == dtype else x.astype(dtype, copy=False)


def force_type(dtype, value):
    """``value`` (a scalar or an array) as ``dtype``: a scalar becomes a
    NumPy scalar of it, an array is cast only if its dtype differs.

    >>> from fastgrad import utils
    >>> v = utils.force_type(np.dtype(np.float32), 2.5)
    >>> type(v).__name__, float(v)
    ('float32', 2.5)
    >>> x = np.ones(2, dtype=np.float32)
    >>> utils.force_type(np.dtype(np.float32), x) is x
    True
    """
    dtype = numpy.dtype(dtype)
    if numpy.isscalar(value):
        return dtype.type(value)
    return value if value.dtype == dtype else value.astype(dtype, copy=False)


def sum_to(x, shape):
    """Sum a broadcast array back down to ``shape`` (the reverse of broadcasting).

    >>> from fastgrad import utils
    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> utils.sum_to(x, (1, 3))
    array([[2., 2., 2.]], dtype=float32)
    >>> utils.sum_to(x, (3,))
    array([2., 2., 2.], dtype=float32)
    """
    if x.shape == shape:
        return x
    ndim = len(shape)
    lead = x.ndim - ndim
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    y = x.sum(axis=axes, keepdims=True)
    if lead:
        y = y.reshape(shape)
    return force_array(y)


def size_of_shape(shape):
    """The number of elements of an array of this shape (1 for ``()``).

    >>> from fastgrad import utils
    >>> utils.size_of_shape((2, 3)), utils.size_of_shape(())
    (6, 1)
    """
    size = 1
    for n in shape:
        size *= n
    return size


def invalid_type(func, expect, actual):
    """A ``type_check.InvalidType`` in Chainer's format, naming the function.

    >>> from fastgrad import utils
    >>> err = utils.invalid_type('Linear', 'x.ndim == 2', 'x.ndim == 3')
    >>> type(err).__name__
    'InvalidType'
    >>> print(err)
    Invalid operation is performed in: Linear (Forward)
    <BLANKLINE>
    Expect: x.ndim == 2
    Actual: x.ndim == 3
    <BLANKLINE>
    """
    from fastgrad.utils.type_check import InvalidType
    msg = 'Invalid operation is performed in: {} (Forward)\n\nExpect: {}\nActual: {}\n'.format(
        func, expect, actual)
    return InvalidType(expect, actual, msg=msg)


def array_module(x):
    """numpy or cupy, by the type of the raw array ``x`` (cheap for NumPy).

    >>> from fastgrad import utils
    >>> utils.array_module(np.zeros(2)) is np
    True
    """
    if isinstance(x, numpy.ndarray):
        return numpy
    from fastgrad import backend
    return backend.get_array_module(x)


@contextlib.contextmanager
def tempdir(**kwargs):
    """A temporary directory, removed on exit (Chainer's utils.tempdir).

    >>> import os
    >>> from fastgrad import utils
    >>> with utils.tempdir() as path:
    ...     open(os.path.join(path, 'x.txt'), 'w').close()
    ...     print(os.listdir(path))
    ['x.txt']
    >>> os.path.exists(path)
    False
    """
    import shutil
    import tempfile
    path = tempfile.mkdtemp(**kwargs)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# submodules Chainer's ``utils`` exposes as attributes (imported last: they
# use the helpers above)
from fastgrad.utils import argument, type_check  # noqa: E402,F401
from fastgrad.utils.experimental import experimental  # noqa: E402,F401  (shadows the module, as in Chainer)
from fastgrad.utils.sparse import CooMatrix, get_order, to_coo  # noqa: E402,F401
