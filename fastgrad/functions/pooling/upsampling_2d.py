"""upsampling_2d: put each value back at its max pooling position (zeros elsewhere)."""
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions.pooling import _pooling
from fastgrad.functions.pooling.max_pooling_nd import UpsamplingND


class Upsampling2D(UpsamplingND):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4',
                    "self.indexes.dtype.kind in 'iu'", 'x.shape == self.indexes.shape')


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
    geo = _pooling.Geometry('upsampling_2d', 2, ksize, stride, pad)
    y, = Upsampling2D(indexes, geo, outsize, cover_all).apply((x,))
    return y
