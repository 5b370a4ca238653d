"""im2col: image patches moved into the channel axis (``(n, c*kh*kw, oh, ow)``)."""
from fastgrad import utils
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class _Patches(object):
    """The geometry shared by Im2Col and its adjoint."""
    __slots__ = ()

    def _set(self, ksize, stride, pad, cover_all, dilate):
        self.kh, self.kw = _conv.pair(ksize, 'ksize', 'im2col', 1)
        self.sy, self.sx = _conv.pair(stride, 'stride', 'im2col', 1)
        self.ph, self.pw = _conv.pair(pad, 'pad', 'im2col', 0)
        self.dy, self.dx = _conv.pair(dilate, 'dilate', 'im2col', 1)
        self.cover_all = bool(cover_all)

    def _params(self):
        return ((self.kh, self.kw), (self.sy, self.sx), (self.ph, self.pw),
                self.cover_all, (self.dy, self.dx))

    def _outsize(self, h, w):
        oh = _conv.get_conv_outsize(h, self.kh, self.sy, self.ph, self.cover_all, self.dy)
        ow = _conv.get_conv_outsize(w, self.kw, self.sx, self.pw, self.cover_all, self.dx)
        return oh, ow


class Im2Col(_Patches, Op):
    """``y[n, (c, i, j), y, x] = xpad[n, c, y sy + i dy, x sx + j dx]``."""
    __slots__ = ('kh', 'kw', 'sy', 'sx', 'ph', 'pw', 'dy', 'dx', 'cover_all')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4')

    def __init__(self, ksize, stride=1, pad=0, cover_all=False, dilate=1):
        self._set(ksize, stride, pad, cover_all, dilate)

    def forward(self, inputs):
        x, = inputs
        n, c, h, w = x.shape
        oh, ow = self._outsize(h, w)
        if oh <= 0 or ow <= 0:
            raise ValueError('im2col: the output would be {}x{} (input {}x{}, ksize {}x{}); '
                             'it must be positive'.format(oh, ow, h, w, self.kh, self.kw))
        win = _conv.windows(x, self.kh, self.kw, self.sy, self.sx, self.ph, self.pw, oh, ow,
                            self.dy, self.dx)
        xp = utils.array_module(x)
        return xp.ascontiguousarray(win).reshape(n, c * self.kh * self.kw, oh, ow),

    def gradient(self, ns, indexes, grad_outputs):
        gx, = ns.call(Col2Im(self.inputs[0].shape, *self._params()), grad_outputs)
        return gx,


class Col2Im(_Patches, Op):
    """The adjoint of Im2Col: sums each patch back where it was taken from."""
    __slots__ = ('kh', 'kw', 'sy', 'sx', 'ph', 'pw', 'dy', 'dx', 'cover_all', 'in_shape')
    checks = Checks('gy', "gy.dtype.kind == 'f'", 'gy.ndim == 4')

    def __init__(self, in_shape, ksize, stride=1, pad=0, cover_all=False, dilate=1):
        self._set(ksize, stride, pad, cover_all, dilate)
        self.in_shape = tuple(in_shape)

    def forward(self, inputs):
        gy, = inputs
        n, c, h, w = self.in_shape
        oh, ow = gy.shape[2:]
        xp = utils.array_module(gy)
        rows = max(self.ph + h, (oh - 1) * self.sy + (self.kh - 1) * self.dy + 1)
        cols = max(self.pw + w, (ow - 1) * self.sx + (self.kw - 1) * self.dx + 1)
        img = xp.zeros((gy.shape[0], c, rows, cols), dtype=gy.dtype)
        _conv.col2im_add(img, gy.reshape(gy.shape[0], c, self.kh, self.kw, oh, ow),
                         self.sy, self.sx, self.dy, self.dx)
        return xp.ascontiguousarray(img[:, :, self.ph:self.ph + h, self.pw:self.pw + w]),

    def gradient(self, ns, indexes, grad_outputs):
        ggy, = ns.call(Im2Col(*self._params()), grad_outputs)
        return ggy,


def im2col(x, ksize, stride=1, pad=0, cover_all=False, dilate=1):
    """Image patches as channels: ``(n, c, h, w)`` -> ``(n, c * k_H * k_W, h_O, w_O)``.

    Channel ``(c, i, j)`` (row-major) of the output at ``(y, x)`` is
    ``x[n, c, y s_Y + i d_Y - p_H, x s_X + j d_X - p_W]`` (zero outside).

    Args:
        x: input ``(n, c, h, w)``.
        ksize, stride, pad, dilate: an int or a pair ``(y, x)``.
        cover_all: keep the last partial window (as in ``convolution_2d``).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> F.im2col(np.ones((1, 2, 4, 4), np.float32), 3).shape
    (1, 18, 2, 2)
    """
    y, = Im2Col(ksize, stride, pad, cover_all, dilate).apply((x,))
    return y
