"""upsampling_2d: put each value back at its max pooling position (zeros elsewhere)."""
from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions._util import conv as _conv
from fastgrad.functions.pooling import _pooling

_NAME = 'Upsampling2D'


class Upsampling2D(Op):
    """``y`` is zero except at the pooled positions: for each input element, the
    offset ``indexes[...]`` of its window gets the value (overlaps add)."""
    __slots__ = ('indexes', 'geo', 'outh', 'outw', 'cover_all')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4',
                    "self.indexes.dtype.kind in 'iu'", 'x.shape == self.indexes.shape')

    def __init__(self, indexes, geo, outsize, cover_all):
        self.indexes = indexes
        self.geo = geo
        self.outh, self.outw = _conv.outsize_pair(outsize, 'upsampling_2d')
        self.cover_all = bool(cover_all)

    def forward(self, inputs):
        x, = inputs
        idx = self.indexes
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
        return geo.scatter(x, self.outh, self.outw, x.dtype, idx),

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad.functions.pooling.max_pooling_2d import MaxPooling2DWithIndexes
        return ns.call(MaxPooling2DWithIndexes(self.indexes, self.geo, self.cover_all),
                       grad_outputs)

def upsampling_2d(x, indexes, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """The inverse of :func:`max_pooling_2d` with ``return_indices=True``.

    Each element of ``x`` goes to the position, within its pooling window,
    that ``indexes`` names (the offset ``i * kw + j``); all other outputs are
    zero.  ``ksize``, ``stride``, ``pad`` and ``cover_all`` must be the
    pooling's.  The output size is ``outsize`` or, by default, the smallest
    size that pools back to ``x``'s (deconvolution's formula).

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> y, indexes = F.max_pooling_2d(x, 2, return_indices=True)
    >>> F.upsampling_2d(y, indexes, ksize=2, outsize=(4, 4)).array[0, 0]
    array([[ 0.,  0.,  0.,  0.],
           [ 0.,  5.,  0.,  7.],
           [ 0.,  0.,  0.,  0.],
           [ 0., 13.,  0., 15.]], dtype=float32)
    """
    if isinstance(indexes, Variable):
        indexes = indexes.array
    geo = _pooling.Geometry('upsampling_2d', ksize, stride, pad)
    y, = Upsampling2D(indexes, geo, outsize, cover_all).apply((x,))
    return y
