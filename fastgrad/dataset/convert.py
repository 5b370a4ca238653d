"""Turning a list of examples into arrays (a mini-batch) on a device."""
import numpy

from fastgrad import backend


class Converter(object):
    """Base class of converters: ``converter(batch, device)`` returns the
    arrays a model takes.  ``device`` is a ``fastgrad.backend.Device`` or
    None (leave the arrays where they are).

    >>> class Stack(fastgrad.dataset.Converter):
    ...     def __call__(self, batch, device):
    ...         return fastgrad.dataset.to_device(device, np.stack(batch))
    >>> Stack()([np.array([1, 2]), np.array([3, 4])], None)
    array([[1, 2],
           [3, 4]])
    """

    def __call__(self, batch, device):
        raise NotImplementedError(
            'Converter subclasses must implement __call__(batch, device)')


class _FunctionConverter(Converter):
    def __init__(self, func):
        self._func = func
        self.__name__ = getattr(func, '__name__', type(self).__name__)
        self.__doc__ = getattr(func, '__doc__', None)
        self.__wrapped__ = func
        self.__module__ = getattr(func, '__module__', None)
        self.__qualname__ = getattr(func, '__qualname__', self.__name__)

    def __call__(self, *args, **kwargs):
        return self._func(*args, **kwargs)

    def __reduce__(self):
        # By reference, as the function it wraps: the module-level name is
        # this converter (pickle checks), not the function.
        return self.__qualname__

    def __repr__(self):
        return '<converter {}>'.format(self.__name__)


def converter():
    """Decorator: make ``func(batch, device=None, ...)`` a :class:`Converter`
    (so updaters pass it a Device object rather than a legacy int).

    >>> @fastgrad.dataset.converter()
    ... def add_one(batch, device=None):
    ...     return fastgrad.dataset.to_device(device, np.array(batch) + 1)
    >>> isinstance(add_one, fastgrad.dataset.Converter)
    True
    >>> add_one([1, 2], None)
    array([2, 3])
    """
    def wrap(func):
        return _FunctionConverter(func)
    return wrap


def _get_device(device):
    # None stays None; legacy ints (-1 = CPU, N = GPU N), specifier strings
    # and Device objects all go through backend.get_device.
    if device is None:
        return None
    return backend.get_device(device)


def to_device(device, x):
    """Send ``x`` (an array, or None) to ``device``; ``device=None`` returns
    ``x`` unchanged.  ``device`` may be a Device, a specifier such as
    ``'@numpy'`` / ``'@cupy:0'``, or a legacy int (negative = CPU).

    >>> x = np.arange(3)
    >>> fastgrad.dataset.to_device('@numpy', x)
    array([0, 1, 2])
    >>> fastgrad.dataset.to_device(None, x) is x
    True
    """
    if device is None:
        return x
    return _get_device(device).send(x)


def _call_converter(converter, batch, device):
    """Call a new-style converter with a Device, an old-style one (a plain
    function) with Chainer's legacy int device id, or None for no device."""
    if isinstance(converter, Converter):
        return converter(batch, device)
    if device is None:
        return converter(batch, None)
    device = _get_device(device)
    if isinstance(device, backend.GpuDevice):
        return converter(batch, device.device_id)
    return converter(batch, -1)


@converter()
def concat_examples(batch, device=None, padding=None):
    """Stack a list of examples into arrays, one per field.

    The examples may be arrays (one array comes back), tuples (a tuple of
    arrays, one per position) or dicts (a dict of arrays, one per key).
    ``padding`` (a scalar, or a tuple/dict of them matching the examples)
    allows arrays of different shapes: each field is padded to the largest
    shape with that value.  ``device`` sends the result there.

    >>> x, t = fastgrad.dataset.concat_examples([(np.array([1, 2]), 0), (np.array([3, 4]), 1)])
    >>> x
    array([[1, 2],
           [3, 4]])
    >>> t
    array([0, 1])
    >>> fastgrad.dataset.concat_examples([np.array([1, 2]), np.array([3])], padding=-1)
    array([[ 1,  2],
           [ 3, -1]])
    """
    if len(batch) == 0:
        raise ValueError('concat_examples: batch is empty')
    device = _get_device(device)
    first = batch[0]

    if isinstance(first, tuple):
        n = len(first)
        pads = padding if isinstance(padding, tuple) else (padding,) * n
        if len(pads) != n:
            raise ValueError(
                'concat_examples: padding has {} entries but the examples '
                'have {} fields'.format(len(pads), n))
        return tuple(
            to_device(device, _concat_arrays([ex[i] for ex in batch], pads[i]))
            for i in range(n))

    if isinstance(first, dict):
        pads = padding if isinstance(padding, dict) else dict.fromkeys(first, padding)
        return {key: to_device(device, _concat_arrays(
                    [ex[key] for ex in batch], pads.get(key)))
                for key in first}

    return to_device(device, _concat_arrays(batch, padding))


def _concat_arrays(arrays, padding):
    first = arrays[0]
    if not backend.is_array(first):
        # Python / NumPy scalars, lists: NumPy builds the batch directly.
        arrays = numpy.asarray(arrays)
        if padding is None:
            return arrays
        first = arrays[0]
    xp = backend.get_array_module(first)
    if padding is not None:
        return _concat_with_padding(arrays, padding, xp)
    with backend.using_device(backend.get_device_from_array(first)):
        return xp.stack(arrays)


def _concat_with_padding(arrays, padding, xp):
    shape = numpy.array(arrays[0].shape, dtype=int)
    for a in arrays[1:]:
        if a.ndim != len(shape):
            raise ValueError(
                'concat_examples: cannot pad arrays of different ndim '
                '({} and {})'.format(len(shape), a.ndim))
        if a.ndim:    # () would be taken as a float array and refuse the int out=
            numpy.maximum(shape, a.shape, out=shape)
    with backend.using_device(backend.get_device_from_array(arrays[0])):
        result = xp.full((len(arrays),) + tuple(int(s) for s in shape),
                         padding, dtype=arrays[0].dtype)
        for i, a in enumerate(arrays):
            result[(i,) + tuple(slice(d) for d in a.shape)] = a
    return result
