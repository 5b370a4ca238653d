"""average_pooling_2d: the mean of each (kh, kw) window (padding counts as zeros)."""
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.pooling import _pooling


class AveragePooling2D(Op):
    __slots__ = ('geo',)
    checks = _pooling.INPUT_CHECKS

    def __init__(self, ksize, stride=None, pad=0, geo=None):
        self.geo = geo if geo is not None else _pooling.Geometry(
            'average_pooling_2d', ksize, stride, pad)

    def forward(self, inputs):
        x, = inputs
        geo = self.geo
        oh, ow = geo.outsize(x.shape[2], x.shape[3], False)
        y = geo.window_sum(x, oh, ow, _pooling.accumulate_dtype(x.dtype))
        # Chainer divides by the whole window, padding included.
        y *= 1.0 / (geo.kh * geo.kw)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        return ns.call(AveragePooling2DGrad(self.geo, node.shape, node.dtype), grad_outputs)

def _average_grad(geo, gy, shape, dtype):
    acc = _pooling.accumulate_dtype(dtype)
    g = gy * acc.type(1.0 / (geo.kh * geo.kw))
    return geo.scatter(g, shape[2], shape[3], acc).astype(dtype, copy=False)


class AveragePooling2DGrad(Op):
    """gx of average pooling as a (linear) function of gy."""
    __slots__ = ('geo', 'shape', 'dtype')

    def __init__(self, geo, shape, dtype):
        self.geo = geo
        self.shape = shape
        self.dtype = dtype

    def forward(self, inputs):
        return _average_grad(self.geo, inputs[0], self.shape, self.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.call(AveragePooling2D(None, geo=self.geo), grad_outputs)
        return ns.cast(y, self.inputs[0].dtype),

def average_pooling_2d(x, ksize, stride=None, pad=0):
    """Spatial average pooling over ``(kh, kw)`` windows of an NCHW input.

    ``stride`` defaults to ``ksize``.  As in Chainer, every window is divided
    by ``kh * kw`` even where it covers zero padding, and the output size is
    ``(h + 2p - k) // s + 1`` (no ``cover_all``).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> F.average_pooling_2d(x, 2).array[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    y, = AveragePooling2D(ksize, stride, pad).apply((x,))
    return y
