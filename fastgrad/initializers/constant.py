"""Constant-valued initializers: Constant, Zero, One, NaN and Identity."""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer


def _assign(array, value):
    """``array[...] = value`` with ``value`` moved to ``array``'s device first
    (broadcasting and unsafe casting, like plain item assignment)."""
    xp = backend.get_array_module(array)
    if xp is numpy:
        if backend.is_cupy_array(value):
            value = value.get()
        array[...] = numpy.asarray(value)
    else:
        with backend.get_device_from_array(array).device:
            array[...] = xp.asarray(value)


class Identity(Initializer):
    """Initializes a 2-D square array with ``scale`` times the identity.

    Args:
        scale (scalar): Multiplier of the identity matrix.
        dtype: Data type specifier.

    >>> a = np.empty((2, 2), dtype=np.float32)
    >>> fastgrad.initializers.Identity(scale=2)(a)
    >>> a
    array([[2., 0.],
           [0., 2.]], dtype=float32)
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=1.0, dtype=None):
        self.scale = scale
        super(Identity, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        shape = array.shape
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(
                'Identity: identity matrix initialization can only be used for '
                '2D squared matrices; expected shape (n, n), actual shape '
                '{}'.format(shape))
        xp = backend.get_array_module(array)
        array[...] = 0
        xp.fill_diagonal(array, self.scale)


class _Constant(Initializer):
    """Fills the array with ``fill_value`` (broadcast)."""

    fill_value = None

    def __init__(self, dtype=None):
        value = self.fill_value
        if not (backend.is_array(value) or numpy.isscalar(value)):
            raise ValueError(
                '{}: fill_value must be a scalar, numpy.ndarray or '
                'cupy.ndarray; got {}'.format(type(self).__name__, type(value)))
        super(_Constant, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        _assign(array, self.fill_value)


class Constant(_Constant):
    """Initializes the array with a constant (scalar or broadcastable array).

    Args:
        fill_value (scalar or array): Value assigned to the array; broadcast
            to its shape.
        dtype: Data type specifier.

    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.Constant(0.5)(a)
    >>> a
    array([[0.5, 0.5, 0.5],
           [0.5, 0.5, 0.5]], dtype=float32)
    """

    _repr_attrs = ('fill_value',)

    def __init__(self, fill_value, dtype=None):
        self.fill_value = fill_value
        super(Constant, self).__init__(dtype)


class Zero(_Constant):
    """Initializes the array to all-zero.

    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.Zero()(a)
    >>> a
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """

    fill_value = 0.0


class One(_Constant):
    """Initializes the array to all-one.

    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.One()(a)
    >>> a
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """

    fill_value = 1.0


class NaN(_Constant):
    """Initializes the array to all-NaN.

    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.NaN()(a)
    >>> a
    array([[nan, nan, nan],
           [nan, nan, nan]], dtype=float32)
    """

    fill_value = numpy.nan
