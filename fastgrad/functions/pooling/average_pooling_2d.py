"""average_pooling_2d: the mean of each (kh, kw) window (padding counts as zeros)."""
from fastgrad.functions.pooling import _pooling
from fastgrad.functions.pooling.average_pooling_nd import AveragePoolingND


class AveragePooling2D(AveragePoolingND):
    __slots__ = ()
    checks = _pooling.INPUT_CHECKS_2D


def average_pooling_2d(x, ksize, stride=None, pad=0):
    """Spatial average pooling over ``(kh, kw)`` windows of an NCHW input.

    ``stride`` defaults to ``ksize``.  As in Chainer, every window is divided
    by ``kh * kw`` even where it covers zero padding, and the output size is
    ``(h + 2p - k) // s + 1`` (no ``cover_all``).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> F.average_pooling_2d(x, 2).array[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    geo = _pooling.Geometry('average_pooling_2d', 2, ksize, stride, pad)
    y, = AveragePooling2D(geo).apply((x,))
    return y
