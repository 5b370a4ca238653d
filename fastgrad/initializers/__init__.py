"""Weight initializers (Chainer's ``chainer.initializers``).

An initializer is a callable that fills a NumPy/CuPy array in place.  Links
accept an initializer *spec*: an initializer (any callable), a scalar or an
array (-> :class:`Constant`), or ``None`` (-> ``LeCunNormal()``); see
:func:`_get_initializer`.
"""
import numpy

from fastgrad import backend, configuration
from fastgrad.initializers import (
    constant,  # NOQA
    initializer,  # NOQA
    normal,  # NOQA
    orthogonal,  # NOQA
    sampling,  # NOQA
    uniform,  # NOQA
)
from fastgrad.initializers.constant import (
    Constant,  # NOQA
    Identity,  # NOQA
    NaN,  # NOQA
    One,  # NOQA
    Zero,  # NOQA
)
from fastgrad.initializers.initializer import (
    DTypeMismatchError,  # NOQA
    Initializer,  # NOQA
    get_fans,  # NOQA
)
from fastgrad.initializers.normal import (
    GlorotNormal,  # NOQA
    HeNormal,  # NOQA
    LeCunNormal,  # NOQA
    Normal,  # NOQA
)
from fastgrad.initializers.orthogonal import Orthogonal  # NOQA
from fastgrad.initializers.sampling import (
    DownsamplingConvFilter,  # NOQA
    UpsamplingDeconvFilter,  # NOQA
)
from fastgrad.initializers.uniform import (
    GlorotUniform,  # NOQA
    HeUniform,  # NOQA
    LeCunUniform,  # NOQA
    Uniform,  # NOQA
)


def generate_array(initializer, shape, xp, dtype=None, device=None):  # noqa: F811  (Chainer's name)
    """Create an array of ``shape`` and fill it with ``initializer``.

    The dtype is ``dtype`` if given, else ``initializer.dtype`` if the
    initializer has one, else ``fastgrad.config.dtype``.  Passing both
    ``dtype`` and an initializer with a different ``dtype`` is an error.

    Args:
        initializer: A callable that fills an array in place.
        shape (int or tuple of ints): Shape of the array.
        xp (module): ``numpy`` or ``cupy``; may be ``None`` when ``device``
            is given (the device's module is used).
        dtype: Dtype specifier.
        device: Target device specifier (see ``fastgrad.get_device``).  If
            omitted, the current device is used.

    Returns:
        numpy.ndarray or cupy.ndarray: The initialized array.

    >>> fastgrad.initializers.generate_array(fastgrad.initializers.One(), (2, 2), np)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    dtype_attr = getattr(initializer, 'dtype', None)
    if dtype is not None and dtype_attr is not None \
            and numpy.dtype(dtype) != numpy.dtype(dtype_attr):
        raise ValueError(
            'generate_array: dtype mismatch: {} != {} (the dtype argument '
            'vs. the dtype of the initializer {!r})'.format(
                numpy.dtype(dtype), numpy.dtype(dtype_attr), initializer))
    if dtype is None:
        dtype = dtype_attr
    dtype = configuration.get_dtype(dtype)

    if device is None:
        if xp is None:
            xp = numpy
        array = xp.empty(shape, dtype=dtype)
        initializer(array)
        return array

    device = backend.get_device(device)
    if xp is None:
        xp = device.xp
    elif xp is not device.xp:
        raise ValueError(
            'generate_array: xp and device arguments are inconsistent '
            '(xp={}, device={})'.format(getattr(xp, '__name__', xp), device))
    with backend.using_device(device):
        array = xp.empty(shape, dtype=dtype)
        initializer(array)
    return array


def _get_initializer(initializer):  # noqa: F811  (the argument shadows the module)
    """Resolve an initializer spec as Links do.

    ``None`` -> ``LeCunNormal()``; a scalar or an array -> ``Constant`` of
    it; any other callable is returned as is; anything else is a TypeError.
    """
    if initializer is None:
        return LeCunNormal()
    if backend.is_array(initializer) or numpy.isscalar(initializer):
        return Constant(initializer)
    if not callable(initializer):
        raise TypeError('invalid type of initializer: %s' % type(initializer))
    return initializer
