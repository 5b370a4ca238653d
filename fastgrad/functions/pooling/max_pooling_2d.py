"""max_pooling_2d: the max of each (kh, kw) window, NCHW."""
import numpy

from fastgrad.functions._util.recipe import Op
from fastgrad.functions.pooling import _pooling


class MaxPooling2D(Op):
    __slots__ = ('geo', 'cover_all', '_indexes', '_x', '_y')
    checks = _pooling.INPUT_CHECKS

    def __init__(self, ksize, stride=None, pad=0, cover_all=True):
        self.geo = _pooling.Geometry('max_pooling_2d', ksize, stride, pad)
        self.cover_all = bool(cover_all)
        self._indexes = None

    def forward(self, inputs):
        x, = inputs
        oh, ow = self.geo.outsize(x.shape[2], x.shape[3], self.cover_all)
        # Padding is -inf so it never wins (Chainer's rule).
        win = self.geo.windows(x, oh, ow, pval=-numpy.inf)
        y = self.geo.window_max(win, x.dtype)
        # The argmax is found lazily (from x and y) when backward first needs it:
        # inference never pays for it.
        self._x = x
        self._y = y
        return y,

    def indexes(self):
        """Offset ``i * kw + j`` of each output's max within its window (small ints)."""
        if self._indexes is None:
            x, y = self._x, self._y
            win = self.geo.windows(x, y.shape[2], y.shape[3], pval=-numpy.inf)
            self._indexes = self.geo.argmax(win, y)
            self._x = self._y = None
        return self._indexes

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad.functions.pooling.upsampling_2d import Upsampling2D
        shape = self.inputs[0].shape
        return ns.call(Upsampling2D(self.indexes(), self.geo, shape[2:], self.cover_all),
                       grad_outputs)

class MaxPooling2DWithIndexes(Op):
    """Pick, in each window of x, the element at the given offsets (the
    gradient of upsampling_2d, and the second derivative of max pooling)."""
    __slots__ = ('indexes', 'geo', 'cover_all')

    def __init__(self, indexes, geo, cover_all):
        self.indexes = indexes
        self.geo = geo
        self.cover_all = cover_all

    def forward(self, inputs):
        x, = inputs
        return self.geo.gather(x, self.indexes, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad.functions.pooling.upsampling_2d import Upsampling2D
        shape = self.inputs[0].shape
        return ns.call(Upsampling2D(self.indexes, self.geo, shape[2:], self.cover_all),
                       grad_outputs)

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
    func = MaxPooling2D(ksize, stride, pad, cover_all)
    y, = func.apply((x,))
    if return_indices:
        return y, func.indexes().astype(numpy.int64)
    return y
