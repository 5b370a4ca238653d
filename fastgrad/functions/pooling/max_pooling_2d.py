"""max_pooling_2d: the max of each (kh, kw) window, NCHW (max pooling over N
axes with N = 2)."""
from fastgrad.functions.pooling import _pooling
from fastgrad.functions.pooling.max_pooling_nd import MaxPoolingND, pool


class MaxPooling2D(MaxPoolingND):
    __slots__ = ()
    checks = _pooling.INPUT_CHECKS_2D


def max_pooling_2d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Spatial max pooling over ``(kh, kw)`` windows of an NCHW input.

    ``ksize``, ``stride`` (default: ``ksize``) and ``pad`` are ints or pairs.
    Padding never wins (it is -inf).  With ``cover_all`` (the default) the
    output is ``(h + 2p - k + s - 1) // s + 1`` so that every input pixel is
    in some window; else ``(h + 2p - k) // s + 1``.  With ``return_indices``
    also returns, as an int64 array of the output's shape, the offset
    ``i * kw + j`` of each maximum within its window (ties: the first), which
    :func:`upsampling_2d` takes.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> F.max_pooling_2d(x, 2).array[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    geo = _pooling.Geometry('max_pooling_2d', 2, ksize, stride, pad)
    return pool(MaxPooling2D(geo, cover_all), x, return_indices)
