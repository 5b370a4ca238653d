"""max_pooling_nd/1d/3d: the max of each window over N spatial axes (and the
ops behind their gradients, shared with max_pooling_2d / upsampling_2d)."""
import numpy

from fastgrad.functions._util import gpu_kernels
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.pooling import _pooling


class MaxPoolingND(Op):
    __slots__ = ('geo', 'cover_all', '_indexes', '_x', '_y')
    checks = _pooling.INPUT_CHECKS

    def __init__(self, geo, cover_all=True):
        self.geo = geo
        self.cover_all = bool(cover_all)
        self._indexes = None

    def forward(self, inputs):
        x, = inputs
        outs = self.geo.outsize(x.shape[2:], self.cover_all)
        if self.geo.ndim == 2 and gpu_kernels.enabled(x):
            # one kernel: the max and its offset (CuPy, 2-D)
            y, self._indexes = gpu_kernels.max_pool_2d(x, self.geo, outs,
                                                       self.geo.index_dtype())
            self._x = self._y = None
            return y,
        # Padding is -inf so it never wins (Chainer's rule).
        win = self.geo.windows(x, outs, pval=-numpy.inf)
        y = self.geo.window_max(win, x.dtype)
        # The argmax is found lazily (from x and y) when backward first needs it:
        # inference never pays for it.
        self._x = x
        self._y = y
        return y,

    def indexes(self):
        """Row-major offset of each output's max within its window (small ints)."""
        if self._indexes is None:
            x, y = self._x, self._y
            win = self.geo.windows(x, y.shape[2:], pval=-numpy.inf)
            self._indexes = self.geo.argmax(win, y)
            self._x = self._y = None
        return self._indexes

    def gradient(self, ns, indexes, grad_outputs):
        shape = self.inputs[0].shape
        return ns.call(UpsamplingND(self.indexes(), self.geo, shape[2:], self.cover_all),
                       grad_outputs)


class MaxPoolingNDWithIndexes(Op):
    """Pick, in each window of x, the element at the given offsets (the
    gradient of upsampling, and the second derivative of max pooling)."""
    __slots__ = ('indexes', 'geo', 'cover_all')

    def __init__(self, indexes, geo, cover_all):
        self.indexes = indexes
        self.geo = geo
        self.cover_all = cover_all

    def forward(self, inputs):
        x, = inputs
        if self.geo.ndim == 2 and gpu_kernels.enabled(x):
            return gpu_kernels.max_pool_gather_2d(x, self.indexes, self.geo, x.dtype),
        return self.geo.gather(x, self.indexes, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        shape = self.inputs[0].shape
        return ns.call(UpsamplingND(self.indexes, self.geo, shape[2:], self.cover_all),
                       grad_outputs)


class UpsamplingND(Op):
    """``y`` is zero except at the pooled positions: for each input element, the
    offset ``indexes[...]`` of its window gets the value (overlaps add)."""
    __slots__ = ('indexes', 'geo', 'outs', 'cover_all')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == self.geo.ndim + 2',
                    "self.indexes.dtype.kind in 'iu'", 'x.shape == self.indexes.shape')

    def __init__(self, indexes, geo, outsize, cover_all):
        self.indexes = indexes
        self.geo = geo
        self.outs = _pooling.outsize_tuple(outsize, geo.ndim, geo.func)
        self.cover_all = bool(cover_all)

    def forward(self, inputs):
        x, = inputs
        same_device('upsampling', 'indexes', self.indexes, x)
        self.outs = _pooling.resolve_outsize(self, x, self.outs, self.cover_all)
        if self.geo.ndim == 2 and gpu_kernels.enabled(x):
            return gpu_kernels.max_unpool_2d(x, self.indexes, self.geo, self.outs, x.dtype),
        return self.geo.scatter(x, self.outs, x.dtype, self.indexes),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(MaxPoolingNDWithIndexes(self.indexes, self.geo, self.cover_all),
                       grad_outputs)


def pool(op, x, return_indices):
    y, = op.apply((x,))
    if return_indices:
        return y, op.indexes().astype(numpy.int64)
    return y


def max_pooling_nd(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Max pooling over the N spatial axes of an ``(N, C, d1, .., dN)`` input.

    Args:
        x (~fastgrad.Variable or array): input, ``ndim >= 3``.
        ksize (int or tuple of ints): window size (an int means all axes).
        stride (int or tuple of ints or None): step; None means ``ksize``.
        pad (int or tuple of ints): padding on each side; padding never wins
            (it is -inf).
        cover_all (bool): if True the output is ``(d + 2p - k + s - 1) // s + 1``
            so that every input element is in some window; else
            ``(d + 2p - k) // s + 1``.
        return_indices (bool): also return, as an int64 array of the output's
            shape, the row-major offset of each maximum within its window
            (ties: the first).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.arange(8, dtype=np.float32).reshape(1, 1, 2, 2, 2)
    >>> F.max_pooling_nd(x, 2).array.ravel()
    array([7.], dtype=float32)
    """
    ndim = len(x.shape) - 2
    geo = _pooling.Geometry('max_pooling_nd', ndim, ksize, stride, pad)
    return pool(MaxPoolingND(geo, cover_all), x, return_indices)


def max_pooling_1d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """1-D max pooling of an ``(N, C, L)`` input (see :func:`max_pooling_nd`).

    Args:
        x: input ``(N, C, L)``.
        ksize, stride, pad, cover_all, return_indices: as in
            :func:`max_pooling_nd`.

    >>> x = np.array([[[1., 5., 2., 0., 3., 4.]]], dtype=np.float32)
    >>> F.max_pooling_1d(x, 2).array
    array([[[5., 2., 4.]]], dtype=float32)
    """
    _pooling.check_spatial_ndim(x, 1, 'max_pooling_1d')
    geo = _pooling.Geometry('max_pooling_1d', 1, ksize, stride, pad)
    return pool(MaxPoolingND(geo, cover_all), x, return_indices)


def max_pooling_3d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """3-D max pooling of an ``(N, C, D, H, W)`` input (see :func:`max_pooling_nd`).

    Args:
        x: input ``(N, C, D, H, W)``.
        ksize, stride, pad, cover_all, return_indices: as in
            :func:`max_pooling_nd`.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 2, 2, 4)
    >>> y = F.max_pooling_3d(x, 2)
    >>> y.shape, y.array.ravel()
    ((1, 1, 1, 1, 2), array([13., 15.], dtype=float32))
    """
    _pooling.check_spatial_ndim(x, 3, 'max_pooling_3d')
    geo = _pooling.Geometry('max_pooling_3d', 3, ksize, stride, pad)
    return pool(MaxPoolingND(geo, cover_all), x, return_indices)
