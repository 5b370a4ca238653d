"""maxout(x, pool_size, axis): max over groups of pool_size along axis."""
from fastgrad import utils
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.math.minmax import max as max_


def maxout(x, pool_size, axis=1):
    """Maxout: split ``axis`` (size ``M * pool_size``) into ``(M, pool_size)``
    and take the maximum over each group; the output has size ``M`` there.

    Built from reshape and max (as Chainer does): the gradient goes to every
    element that equals its group's maximum.

    >>> x = np.array([[1., 5., 3., 2.]], dtype=np.float32)
    >>> F.maxout(x, 2).array
    array([[5., 3.]], dtype=float32)
    """
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size <= 0:
        raise ValueError('maxout: pool_size must be a positive integer, got {!r}'
                         .format(pool_size))
    shape = x.shape
    ndim = len(shape)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError('maxout: axis must be an int, got {!r}'.format(axis))
    if not -ndim <= axis < ndim:
        raise utils.invalid_type('maxout', '-x.ndim <= axis < x.ndim',
                                 'axis = {}, x.ndim = {}'.format(axis, ndim))
    axis %= ndim
    if shape[axis] % pool_size != 0:
        raise utils.invalid_type('maxout', 'x.shape[axis] % pool_size == 0',
                                 'x.shape[axis] = {}, pool_size = {}'.format(
                                     shape[axis], pool_size))
    grouped = shape[:axis] + (shape[axis] // pool_size, pool_size) + shape[axis + 1:]
    return max_(reshape(x, grouped), axis=axis + 1)
