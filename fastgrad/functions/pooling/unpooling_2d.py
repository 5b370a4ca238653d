"""unpooling_2d: copy each value over its whole (kh, kw) window (overlaps add)."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op
from fastgrad.functions._util import conv as _conv
from fastgrad.functions.pooling import _pooling

_NAME = 'Unpooling2D'


class Unpooling2D(Op):
    __slots__ = ('geo', 'outh', 'outw', 'cover_all')
    checks = _pooling.INPUT_CHECKS

    def __init__(self, ksize, stride=None, pad=0, outsize=None, cover_all=True, geo=None):
        self.geo = geo if geo is not None else _pooling.Geometry(
            'unpooling_2d', ksize, stride, pad)
        self.outh, self.outw = _conv.outsize_pair(outsize, 'unpooling_2d')
        self.cover_all = bool(cover_all)

    def forward(self, inputs):
        x, = inputs
        geo = self.geo
        h, w = x.shape[2], x.shape[3]
        if self.outh is None or self.outw is None:
            dh, dw = geo.unpooled_size(h, w, self.cover_all)
            self.outh = dh if self.outh is None else self.outh
            self.outw = dw if self.outw is None else self.outw
        for axis, size, out, k, s, p in ((2, h, self.outh, geo.kh, geo.sy, geo.ph),
                                         (3, w, self.outw, geo.kw, geo.sx, geo.pw)):
            expect = _conv.get_conv_outsize(out, k, s, p, self.cover_all)
            if size != expect:
                raise utils.invalid_type(
                    _NAME, 'x.shape[{}] == {} (the pooled size of outsize {})'.format(
                        axis, expect, out), '{} != {}'.format(size, expect))
        acc = _pooling.accumulate_dtype(x.dtype)
        y = geo.scatter(x, self.outh, self.outw, acc)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        return ns.call(Unpooling2DGrad(self.geo, node.shape, node.dtype, self.cover_all),
                       grad_outputs)

def _unpooling_grad(geo, gy, shape, dtype):
    acc = _pooling.accumulate_dtype(dtype)
    return geo.window_sum(gy, shape[2], shape[3], acc).astype(dtype, copy=False)


class Unpooling2DGrad(Op):
    """gx of unpooling (each window of gy summed) as a linear function of gy."""
    __slots__ = ('geo', 'shape', 'dtype', 'cover_all')

    def __init__(self, geo, shape, dtype, cover_all):
        self.geo = geo
        self.shape = shape
        self.dtype = dtype
        self.cover_all = cover_all

    def forward(self, inputs):
        return _unpooling_grad(self.geo, inputs[0], self.shape, self.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        y, = ns.call(Unpooling2D(None, outsize=node.shape[2:], cover_all=self.cover_all,
                                 geo=self.geo), grad_outputs)
        return ns.cast(y, node.dtype),

def unpooling_2d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """The inverse of pooling: each input element is copied over its whole
    ``(kh, kw)`` window of the output (where windows overlap, values add).

    ``stride`` defaults to ``ksize``.  The output size is ``outsize`` or, by
    default, deconvolution's formula ``s (h - 1) + k - 2p`` (minus ``s - 1``
    with ``cover_all``); pooling the output with the same arguments must give
    back ``x``'s size.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.array([[[[1, 2], [3, 4]]]], dtype=np.float32)
    >>> F.unpooling_2d(x, 2, cover_all=False).array[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]], dtype=float32)
    """
    y, = Unpooling2D(ksize, stride, pad, outsize, cover_all).apply((x,))
    return y
