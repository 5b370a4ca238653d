"""deformable_convolution_2d_sampler: a convolution whose taps are sampled
(bilinearly) at learned offsets from the regular grid (Dai et al. 2017).

Written with differentiable functions (pad, clip, a gather through
get_item, matmul), so it has gradients of every order in x, offset, W, b."""
import numpy

from fastgrad import utils, variable
from fastgrad.functions._util import conv as _conv
from fastgrad.functions.array.broadcast import broadcast_to
from fastgrad.functions.array.get_item import get_item
from fastgrad.functions.array.pad import pad as _pad
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.array.transpose import transpose
from fastgrad.functions.math.clip import clip
from fastgrad.functions.math.matmul import matmul

_NAME = 'deformable_convolution_2d_sampler'


def _check(x, offset, W, b):
    def fail(expect, actual):
        raise utils.invalid_type(_NAME, expect, actual)
    for name, v in (('x', x), ('offset', offset), ('W', W)):
        if v.dtype.kind != 'f':
            fail("{}.dtype.kind == 'f'".format(name), '{} != f'.format(v.dtype.kind))
        if v.ndim != 4:
            fail('{}.ndim == 4'.format(name), '{} != 4'.format(v.ndim))
    if x.shape[1] != W.shape[1]:
        fail('x.shape[1] == W.shape[1]', '{} != {}'.format(x.shape[1], W.shape[1]))
    if offset.shape[0] != x.shape[0]:
        fail('offset.shape[0] == x.shape[0]', '{} != {}'.format(offset.shape[0], x.shape[0]))
    if b is not None and (b.ndim != 1 or b.shape[0] != W.shape[0]):
        fail('b.shape == (W.shape[0],)', '{} != {}'.format(tuple(b.shape), (W.shape[0],)))


def deformable_convolution_2d_sampler(x, offset, W, b=None, stride=1, pad=0):
    """Two-dimensional deformable convolution, given the offsets.

    Tap ``(i, j)`` of output position ``(y, x)`` reads the zero-padded input
    at ``(y s_Y + i + offset[n, k_H k_W + i k_W + j, y, x],
    x s_X + j + offset[n, i k_W + j, y, x])`` by bilinear interpolation
    (outside the padded image it reads zeros), then the taps are combined by
    ``W`` as in :func:`convolution_2d`.

    Args:
        x: input ``(n, c_I, h, w)``.
        offset: ``(n, 2 k_H k_W, h_O, w_O)``: the first ``k_H k_W`` channels
            are the horizontal offsets, the last the vertical ones; ``h_O,
            w_O`` give the output size.
        W: filters ``(c_O, c_I, k_H, k_W)``.
        b: optional bias ``(c_O,)``.
        stride, pad: an int or a pair ``(y, x)``.

    Returns:
        Variable ``(n, c_O, h_O, w_O)``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((2, 3, 4, 7), np.float32)
    >>> offset = np.zeros((2, 2 * 3 * 3, 2, 5), np.float32)
    >>> W = np.ones((4, 3, 3, 3), np.float32)
    >>> F.deformable_convolution_2d_sampler(x, offset, W).array[0, 0, 0]
    array([27., 27., 27., 27., 27.], dtype=float32)
    """
    sy, sx = _conv.pair(stride, 'stride', _NAME, 1)
    ph, pw = _conv.pair(pad, 'pad', _NAME, 0)
    x = variable.as_variable(x)
    offset = variable.as_variable(offset)
    _check(x, offset, W, b)
    out_c, c, kh, kw = W.shape
    n, _, h, w = x.shape
    _, k2, oh, ow = offset.shape
    if k2 != 2 * kh * kw:
        raise ValueError('{}: the shape of the offset does not match the kernel size: '
                         'offset.shape[1] must be 2 * kh * kw = {}, got {}'.format(
                             _NAME, 2 * kh * kw, k2))
    K, P = kh * kw, oh * ow
    xp = utils.array_module(offset.array)
    # the conv padding plus one zero pixel all round: sampling outside the
    # padded image reads that zero border (coordinates are clipped onto it)
    hp, wp = h + 2 * ph + 2, w + 2 * pw + 2
    xpad = _pad(x, ((0, 0), (0, 0), (ph + 1, ph + 1), (pw + 1, pw + 1)), 'constant')
    rows = reshape(transpose(xpad, (0, 2, 3, 1)), (n * hp * wp, c))
    # sampling coordinates in xpad's pixels, (n, K, oh, ow)
    ct = offset.dtype
    base_x = (xp.arange(ow, dtype=ct) * sx)[None, None, None, :] + \
        xp.tile(xp.arange(kw, dtype=ct), kh)[None, :, None, None] + 1
    base_y = (xp.arange(oh, dtype=ct) * sy)[None, None, :, None] + \
        xp.repeat(xp.arange(kh, dtype=ct), kw)[None, :, None, None] + 1
    u = clip(offset[:, :K] + broadcast_to(base_x, (n, K, oh, ow)), 0.0, float(wp - 1))
    v = clip(offset[:, K:] + broadcast_to(base_y, (n, K, oh, ow)), 0.0, float(hp - 1))
    u0 = numpy.clip(xp.floor(u.array), 0, wp - 2).astype(numpy.int64)
    v0 = numpy.clip(xp.floor(v.array), 0, hp - 2).astype(numpy.int64)
    # bilinear weights (differentiable in the offsets)
    du = u - u0.astype(ct)
    dv = v - v0.astype(ct)
    batch = xp.arange(n, dtype=numpy.int64)[:, None, None, None] * (hp * wp)
    sampled = None
    for wy, yy in ((1 - dv, v0), (dv, v0 + 1)):
        for wx, xx in ((1 - du, u0), (du, u0 + 1)):
            idx = (batch + yy * wp + xx).transpose(0, 2, 3, 1).ravel()   # (n, oh, ow, K)
            vals = reshape(get_item(rows, idx), (n, P, K, c))
            wgt = reshape(transpose(wy * wx, (0, 2, 3, 1)), (n, P, K, 1))
            term = vals * broadcast_to(wgt, vals.shape)
            sampled = term if sampled is None else sampled + term
    cols = reshape(transpose(sampled, (0, 1, 3, 2)), (n * P, c * K))
    Wm = reshape(transpose(W, (1, 2, 3, 0)), (c * K, out_c))
    y = transpose(reshape(matmul(cols, Wm), (n, oh, ow, out_c)), (0, 3, 1, 2))
    if b is not None:
        y = y + broadcast_to(reshape(b, (1, out_c, 1, 1)), y.shape)
    return y
