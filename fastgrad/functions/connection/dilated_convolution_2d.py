"""dilated_convolution_2d: convolution_2d with dilated filters (Chainer's
older name for ``convolution_2d(..., dilate=d)``)."""
from fastgrad.functions.connection.convolution_2d import convolution_2d


def dilated_convolution_2d(x, W, b=None, stride=1, pad=0, dilate=1, cover_all=False):
    """Two-dimensional dilated convolution.

    The filter taps are ``dilate`` pixels apart: ``y[n, o, y, x] = sum W[o, c,
    i, j] x[n, c, y s_Y + i d_Y - p_H, x s_X + j d_X - p_W]``; the same as
    :func:`convolution_2d` with ``dilate``.

    Args:
        x: input ``(n, c_I, h, w)``.
        W: filters ``(c_O, c_I, k_H, k_W)``.
        b: optional bias ``(c_O,)``.
        stride, pad, dilate: an int or a pair ``(y, x)``.
        cover_all: keep the last partial window.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((1, 1, 7, 7), np.float32)
    >>> F.dilated_convolution_2d(x, np.ones((1, 1, 3, 3), np.float32), dilate=2).shape
    (1, 1, 3, 3)
    """
    return convolution_2d(x, W, b, stride, pad, cover_all, dilate=dilate)
