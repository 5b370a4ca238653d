"""depthwise_convolution_2d: each input channel convolved with its own
``c_M`` filters (a grouped convolution with one group per input channel)."""
from fastgrad import utils
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.array.transpose import transpose
from fastgrad.functions.connection.convolution_2d import convolution_2d


def depthwise_convolution_2d(x, W, b=None, stride=1, pad=0):
    """Two-dimensional depthwise convolution.

    Output channel ``c * c_M + m`` is input channel ``c`` convolved with
    filter ``W[m, c]``; the output is ``(n, c_I * c_M, h_O, w_O)`` with
    ``h_O`` as in :func:`convolution_2d`.

    Args:
        x: input ``(n, c_I, h, w)``.
        W: filters ``(c_M, c_I, k_H, k_W)`` (``c_M`` the channel multiplier).
        b: optional bias ``(c_I * c_M,)``.
        stride, pad: an int or a pair ``(y, x)``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((2, 3, 4, 7), np.float32)
    >>> F.depthwise_convolution_2d(x, np.ones((2, 3, 3, 3), np.float32)).shape
    (2, 6, 2, 5)
    """
    W_shape = W.shape
    if len(W_shape) != 4:
        raise utils.invalid_type('depthwise_convolution_2d', 'W.ndim == 4',
                                 '{} != 4'.format(len(W_shape)))
    multiplier, in_channels, kh, kw = W_shape
    if len(x.shape) == 4 and x.shape[1] != in_channels:
        raise utils.invalid_type(
            'depthwise_convolution_2d', 'x.shape[1] == W.shape[1]',
            '{} != {}'.format(x.shape[1], in_channels))
    # (c_M, c_I, ...) -> (c_I * c_M, 1, ...): filter c * c_M + m is W[m, c]
    W = reshape(transpose(W, (1, 0, 2, 3)), (in_channels * multiplier, 1, kh, kw))
    return convolution_2d(x, W, b, stride, pad, groups=in_channels)
