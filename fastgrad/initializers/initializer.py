"""The initializer base class and the fan computation shared by the scaled
initializers (Chainer's ``chainer.initializer`` module)."""
import numpy


class DTypeMismatchError(ValueError, AssertionError):
    """An initializer with a fixed ``dtype`` was given an array of another.

    Chainer signals this with a bare ``assert`` (``AssertionError``); this
    error is both a ``ValueError`` and an ``AssertionError`` so code written
    against either keeps working.

    >>> init = fastgrad.initializers.Constant(1., dtype=np.float64)
    >>> init(np.empty(2, np.float32))
    Traceback (most recent call last):
      ...
    DTypeMismatchError: Constant: dtype mismatch: ...
    >>> issubclass(fastgrad.initializers.DTypeMismatchError, (ValueError, AssertionError))
    True
    """


class Initializer(object):
    """Base of the initializers: ``__call__(array)`` fills ``array`` in place.

    Args:
        dtype: Data type specifier.  When set, the array to be initialized
            must have this dtype.

    >>> class Sevens(fastgrad.Initializer):
    ...     def __call__(self, array):
    ...         array[...] = 7
    >>> L.Linear(2, 1, initialW=Sevens()).W.array
    array([[7., 7.]], dtype=float32)
    """

    # Attribute names shown by ``__repr__`` (besides ``dtype``).
    _repr_attrs = ()

    def __init__(self, dtype=None):
        self.dtype = dtype

    def __call__(self, array):
        """Initialize ``array`` (a NumPy or CuPy array) destructively."""
        raise NotImplementedError()

    def _check_dtype(self, array):
        if self.dtype is not None and array.dtype != self.dtype:
            raise DTypeMismatchError(
                '{}: dtype mismatch: the initializer expects {} but the array '
                'is {} ({} != {})'.format(
                    type(self).__name__, _dtype_name(self.dtype), array.dtype,
                    array.dtype, _dtype_name(self.dtype)))

    def __repr__(self):
        parts = ['{}={!r}'.format(name, getattr(self, name, None))
                 for name in self._repr_attrs]
        if self.dtype is not None:
            parts.append('dtype={}'.format(_dtype_name(self.dtype)))
        return '{}({})'.format(type(self).__name__, ', '.join(parts))


def _dtype_name(dtype):
    try:
        return str(numpy.dtype(dtype))
    except TypeError:
        return repr(dtype)


def _parse_rng(cls_name, kwargs):
    """Chainer passes ``rng`` through ``**kwargs``; reject anything else."""
    rng = kwargs.pop('rng', None)
    if kwargs:
        raise TypeError('{}() got unexpected keyword argument(s) {}'.format(
            cls_name, ', '.join(sorted(kwargs))))
    return rng


def get_fans(shape):
    """``(fan_in, fan_out)`` of a weight of the given shape.

    ``fan_in = shape[1] * prod(shape[2:])`` and
    ``fan_out = shape[0] * prod(shape[2:])``.

    >>> fastgrad.initializers.get_fans((4, 3, 2, 2))
    (12, 16)
    """
    if not isinstance(shape, tuple):
        raise ValueError(
            'get_fans: shape must be a tuple; actual type: {}'.format(type(shape)))
    if len(shape) < 2:
        raise ValueError(
            'get_fans: shape must be of length >= 2; actual shape: {}'.format(shape))
    receptive_field_size = 1
    for dim in shape[2:]:
        receptive_field_size *= int(dim)
    fan_in = int(shape[1]) * receptive_field_size
    fan_out = int(shape[0]) * receptive_field_size
    return fan_in, fan_out
