"""unpooling_nd/1d/3d: copy each value over its whole window (overlaps add)."""
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.pooling import _pooling


class UnpoolingND(Op):
    __slots__ = ('geo', 'outs', 'cover_all')
    checks = _pooling.INPUT_CHECKS

    def __init__(self, geo, outsize=None, cover_all=True):
        self.geo = geo
        self.outs = _pooling.outsize_tuple(outsize, geo.ndim, geo.func)
        self.cover_all = bool(cover_all)

    def forward(self, inputs):
        x, = inputs
        self.outs = _pooling.resolve_outsize(self, x, self.outs, self.cover_all)
        acc = _pooling.accumulate_dtype(x.dtype)
        y = self.geo.scatter(x, self.outs, acc)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        return ns.call(UnpoolingNDGrad(self.geo, node.shape, node.dtype, self.cover_all),
                       grad_outputs)


class UnpoolingNDGrad(Op):
    """gx of unpooling (each window of gy summed) as a linear function of gy."""
    __slots__ = ('geo', 'shape', 'dtype', 'cover_all')

    def __init__(self, geo, shape, dtype, cover_all):
        self.geo = geo
        self.shape = shape
        self.dtype = dtype
        self.cover_all = cover_all

    def forward(self, inputs):
        acc = _pooling.accumulate_dtype(self.dtype)
        gx = self.geo.window_sum(inputs[0], self.shape[2:], acc)
        return gx.astype(self.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        y, = ns.call(UnpoolingND(self.geo, node.shape[2:], self.cover_all), grad_outputs)
        return ns.cast(y, node.dtype),


def _unpool(x, ndim, ksize, stride, pad, outsize, cover_all, func, cls=UnpoolingND):
    geo = _pooling.Geometry(func, ndim, ksize, stride, pad)
    y, = cls(geo, outsize, cover_all).apply((x,))
    return y


def unpooling_nd(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """The inverse of N-dimensional pooling: each input element is copied over
    its whole window of the output (where windows overlap, values add).

    Args:
        x (~fastgrad.Variable or array): input ``(N, C, d1, .., dN)``.
        ksize (int or tuple of ints): window size.
        stride (int or tuple of ints or None): step; None means ``ksize``.
        pad (int or tuple of ints): the pooling's padding.
        outsize (None or tuple of ints): output spatial size; by default
            deconvolution's formula ``s (d - 1) + k - 2p`` (minus ``s - 1``
            with ``cover_all``).  Pooling the output with the same arguments
            must give back ``x``'s size.
        cover_all (bool): the pooling's ``cover_all``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> F.unpooling_nd(np.array([[[1., 2.]]]), 2, cover_all=False).array
    array([[[1., 1., 2., 2.]]])
    """
    return _unpool(x, len(x.shape) - 2, ksize, stride, pad, outsize, cover_all,
                   'unpooling_nd')


def unpooling_1d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """1-D unpooling of an ``(N, C, L)`` input (see :func:`unpooling_nd`).

    Args:
        x: input ``(N, C, L)``.
        ksize, stride, pad, outsize, cover_all: as in :func:`unpooling_nd`.

    >>> x = np.array([[[1., 2.]]], dtype=np.float32)
    >>> F.unpooling_1d(x, 2, cover_all=False).array
    array([[[1., 1., 2., 2.]]], dtype=float32)
    """
    _pooling.check_spatial_ndim(x, 1, 'unpooling_1d')
    return _unpool(x, 1, ksize, stride, pad, outsize, cover_all, 'unpooling_1d')


def unpooling_3d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """3-D unpooling of an ``(N, C, D, H, W)`` input (see :func:`unpooling_nd`).

    Args:
        x: input ``(N, C, D, H, W)``.
        ksize, stride, pad, outsize, cover_all: as in :func:`unpooling_nd`.

    >>> x = np.ones((1, 3, 1, 2, 2), dtype=np.float32)
    >>> F.unpooling_3d(x, 2, cover_all=False).shape
    (1, 3, 2, 4, 4)
    """
    _pooling.check_spatial_ndim(x, 3, 'unpooling_3d')
    return _unpool(x, 3, ksize, stride, pad, outsize, cover_all, 'unpooling_3d')
