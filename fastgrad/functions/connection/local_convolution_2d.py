"""local_convolution_2d: a convolution whose filters are not shared: each
output position ``(y, x)`` has its own ``W[:, y, x]``."""
from fastgrad import utils
from fastgrad.functions._util import conv as _conv
from fastgrad.functions.array.broadcast import broadcast_to
from fastgrad.functions.array.cast import cast
from fastgrad.functions.array.im2col import im2col
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.array.transpose import transpose
from fastgrad.functions.math.matmul import matmul

_NAME = 'local_convolution_2d'


def _check(x, W, b, sy, sx):
    def fail(expect, actual):
        raise utils.invalid_type(_NAME, expect, actual)
    if x.dtype.kind != 'f':
        fail("x.dtype.kind == 'f'", '{} != f'.format(x.dtype.kind))
    if W.dtype.kind != 'f':
        fail("W.dtype.kind == 'f'", '{} != f'.format(W.dtype.kind))
    if x.ndim != 4:
        fail('x.ndim == 4', '{} != 4'.format(x.ndim))
    if W.ndim != 6:
        fail('W.ndim == 6', '{} != 6'.format(W.ndim))
    if x.shape[1] != W.shape[3]:
        fail('x.shape[1] == W.shape[3]', '{} != {}'.format(x.shape[1], W.shape[3]))
    oh, ow, kh, kw = W.shape[1], W.shape[2], W.shape[4], W.shape[5]
    for axis, o, k, s, size in ((2, oh, kh, sy, x.shape[2]), (3, ow, kw, sx, x.shape[3])):
        if (o - 1) * s + k > size or o < 1:
            fail('(W.shape[{0}] - 1) * stride + W.shape[{1}] <= x.shape[{2}]'.format(
                axis - 1, axis + 2, axis),
                'the windows need {} > {} (W.shape = {}, stride = {})'.format(
                    (o - 1) * s + k, size, W.shape, s))
    if b is not None:
        if b.dtype != x.dtype:
            fail('b.dtype == x.dtype', '{} != {}'.format(b.dtype, x.dtype))
        if tuple(b.shape) != tuple(W.shape[:3]):
            fail('b.shape == W.shape[:3]', '{} != {}'.format(tuple(b.shape), W.shape[:3]))


def local_convolution_2d(x, W, b=None, stride=1):
    """Two-dimensional locally connected (unshared-weight) convolution.

    ``y[n, o, y, x] = sum_{c,i,j} W[o, y, x, c, i, j] *
    x[n, c, y s_Y + i, x s_X + j] (+ b[o, y, x])``, without padding.

    Args:
        x: input ``(n, c_I, h, w)``.
        W: filters ``(c_O, h_O, w_O, c_I, k_H, k_W)``, one set per output
            position.
        b: optional bias ``(c_O, h_O, w_O)`` (``x``'s dtype).
        stride: an int or a pair ``(y, x)``.

    Returns:
        Variable ``(n, c_O, h_O, w_O)``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((2, 3, 7, 7), np.float32)
    >>> F.local_convolution_2d(x, np.ones((2, 5, 5, 3, 3, 3), np.float32)).shape
    (2, 2, 5, 5)
    """
    sy, sx = _conv.pair(stride, 'stride', _NAME, 1)
    _check(x, W, b, sy, sx)
    out_c, oh, ow, c, kh, kw = W.shape
    n = x.shape[0]
    # patches (n, K, oh, ow) -> (P, n, K); W -> (P, K, c_O); one GEMM per position
    cols = im2col(x, (kh, kw), (sy, sx))
    if cols.shape[2] != oh or cols.shape[3] != ow:
        cols = cols[:, :, :oh, :ow]
    cols = transpose(reshape(cols, (n, c * kh * kw, oh * ow)), (2, 0, 1))
    Wm = transpose(reshape(W, (out_c, oh * ow, c * kh * kw)), (1, 2, 0))
    y = matmul(cols, Wm)                                   # (P, n, c_O)
    y = reshape(transpose(y, (1, 2, 0)), (n, out_c, oh, ow))
    if y.dtype != x.dtype:
        y = cast(y, x.dtype)
    if b is not None:
        y = y + broadcast_to(b, y.shape)
    return y
