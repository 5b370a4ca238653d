"""scale, bias (Caffe-style broadcasting from ``axis``) and
linear_interpolate: compositions of differentiable ops."""


class ShapeMismatch(ValueError, AssertionError):
    """``y``'s shape does not match ``x``'s axes from ``axis`` on.  A
    ValueError; also an AssertionError, which is what Chainer raises there
    (an assert in debug mode)."""


def _aligned(x, y, axis, name):
    """``y`` reshaped so that NumPy broadcasting applies it to ``x``'s axes
    ``axis, axis + 1, ...``."""
    from fastgrad.functions.array.broadcast import broadcast_to
    from fastgrad.functions.array.reshape import reshape
    if axis < 0:
        axis += x.ndim
    if x.shape[axis:axis + y.ndim] != y.shape:
        raise ShapeMismatch('{}: y.shape {} must equal x.shape[{}:{}] = {}'.format(
            name, y.shape, axis, axis + y.ndim, x.shape[axis:axis + y.ndim]))
    shape = (1,) * axis + y.shape + (1,) * (x.ndim - axis - y.ndim)
    return broadcast_to(reshape(y, shape), x.shape)


def scale(x, y, axis=1):
    """``x * y`` with ``y`` applied to ``x``'s axes from ``axis`` on.

    Unlike NumPy broadcasting (which aligns the last axes), ``y``'s axes are
    matched to ``x.shape[axis:axis + y.ndim]``: a per-channel scale of a
    ``(batch, channel, width)`` input with ``axis=1``.

    >>> x = np.ones((2, 3, 2), np.float32)
    >>> y = F.scale(x, np.array([1., 2., 3.], np.float32), axis=1)
    >>> y.shape
    (2, 3, 2)
    >>> y.array[0]
    array([[1., 1.],
           [2., 2.],
           [3., 3.]], dtype=float32)
    """
    from fastgrad._core.graph import as_variable
    x, y = as_variable(x), as_variable(y)
    return x * _aligned(x, y, axis, 'scale')


def bias(x, y, axis=1):
    """``x + y`` with ``y`` applied to ``x``'s axes from ``axis`` on.

    ``y``'s axes are matched to ``x.shape[axis:axis + y.ndim]`` (see
    :func:`scale`).

    >>> x = np.zeros((1, 3, 2), np.float32)
    >>> F.bias(x, np.array([1., 2., 3.], np.float32)).array  # axis=1
    array([[[1., 1.],
            [2., 2.],
            [3., 3.]]], dtype=float32)
    """
    from fastgrad._core.graph import as_variable
    x, y = as_variable(x), as_variable(y)
    return x + _aligned(x, y, axis, 'bias')


def linear_interpolate(p, x, y):
    """``p * x + (1 - p) * y`` elementwise.

    >>> p = np.array([0., 0.25, 1.], np.float32)
    >>> x = np.array([10., 10., 10.], np.float32)
    >>> y = np.array([2., 2., 2.], np.float32)
    >>> F.linear_interpolate(p, x, y).array
    array([ 2.,  4., 10.], dtype=float32)
    """
    from fastgrad._core.graph import as_variable
    p = as_variable(p)
    return p * x + (1 - p) * y
