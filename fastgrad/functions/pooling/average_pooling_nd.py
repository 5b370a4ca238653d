"""average_pooling_nd/1d/3d: the mean of each window over N spatial axes."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.pooling import _pooling


def _coefficient(geo, pad_value, xp, dims, outs, dtype):
    """What each window sum is multiplied by: 1 / (window size), or with
    ``pad_value=None`` 1 / (the input elements it covers)."""
    if pad_value is None:
        return 1 / geo.window_counts(xp, dims, outs, dtype)
    return dtype.type(1.0 / geo.n_offsets)


class AveragePoolingND(Op):
    __slots__ = ('geo', 'pad_value')
    checks = _pooling.INPUT_CHECKS

    def __init__(self, geo, pad_value=0):
        self.geo = geo
        self.pad_value = pad_value

    def forward(self, inputs):
        x, = inputs
        geo = self.geo
        dims = x.shape[2:]
        outs = geo.outsize(dims, False)
        acc = _pooling.accumulate_dtype(x.dtype)
        y = geo.window_sum(x, outs, acc)
        y *= _coefficient(geo, self.pad_value, utils.array_module(x), dims, outs,
                          acc)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        return ns.call(AveragePoolingNDGrad(self.geo, self.pad_value, node.shape, node.dtype),
                       grad_outputs)


class AveragePoolingNDGrad(Op):
    """gx of average pooling as a (linear) function of gy."""
    __slots__ = ('geo', 'pad_value', 'shape', 'dtype')

    def __init__(self, geo, pad_value, shape, dtype):
        self.geo = geo
        self.pad_value = pad_value
        self.shape = shape
        self.dtype = dtype

    def forward(self, inputs):
        gy, = inputs
        dims = self.shape[2:]
        acc = _pooling.accumulate_dtype(self.dtype)
        g = gy * _coefficient(self.geo, self.pad_value, utils.array_module(gy), dims,
                              gy.shape[2:], acc)
        return self.geo.scatter(g, dims, acc).astype(self.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.call(AveragePoolingND(self.geo, self.pad_value), grad_outputs)
        return ns.cast(y, self.inputs[0].dtype),


def check_pad_value(pad_value, func):
    if not (pad_value is None or (not isinstance(pad_value, bool) and pad_value == 0)):
        raise ValueError('{}: pad_value must be either 0 or None, not {!r}'
                         .format(func, pad_value))
    return pad_value


def _average(x, ndim, ksize, stride, pad, pad_value, func):
    geo = _pooling.Geometry(func, ndim, ksize, stride, pad)
    y, = AveragePoolingND(geo, check_pad_value(pad_value, func)).apply((x,))
    return y


def average_pooling_nd(x, ksize, stride=None, pad=0, pad_value=0):
    """Average pooling over the N spatial axes of an ``(N, C, d1, .., dN)`` input.

    Args:
        x (~fastgrad.Variable or array): input, ``ndim >= 3``.
        ksize (int or tuple of ints): window size (an int means all axes).
        stride (int or tuple of ints or None): step; None means ``ksize``.
        pad (int or tuple of ints): zero padding on each side.
        pad_value (0 or None): with 0 every window is divided by its full size,
            padding included (as :func:`average_pooling_2d`); with None by the
            number of input elements it covers (padding ignored).

    The output size is ``(d + 2p - k) // s + 1`` (no ``cover_all``).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 4)
    >>> F.average_pooling_nd(x, 2, pad=1, pad_value=None).array
    array([[[0. , 1.5, 3. ]]], dtype=float32)
    """
    return _average(x, len(x.shape) - 2, ksize, stride, pad, pad_value,
                    'average_pooling_nd')


def average_pooling_1d(x, ksize, stride=None, pad=0, pad_value=0):
    """1-D average pooling of an ``(N, C, L)`` input (see :func:`average_pooling_nd`).

    Args:
        x: input ``(N, C, L)``.
        ksize, stride, pad, pad_value: as in :func:`average_pooling_nd`.

    >>> x = np.arange(8, dtype=np.float32).reshape(1, 1, 8)
    >>> F.average_pooling_1d(x, 2).array
    array([[[0.5, 2.5, 4.5, 6.5]]], dtype=float32)
    """
    _pooling.check_spatial_ndim(x, 1, 'average_pooling_1d')
    return _average(x, 1, ksize, stride, pad, pad_value, 'average_pooling_1d')


def average_pooling_3d(x, ksize, stride=None, pad=0, pad_value=0):
    """3-D average pooling of an ``(N, C, D, H, W)`` input (see
    :func:`average_pooling_nd`).

    Args:
        x: input ``(N, C, D, H, W)``.
        ksize, stride, pad, pad_value: as in :func:`average_pooling_nd`.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 2, 2, 4)
    >>> y = F.average_pooling_3d(x, 2)
    >>> y.shape, y.array.ravel()
    ((1, 1, 1, 1, 2), array([6.5, 8.5], dtype=float32))
    """
    _pooling.check_spatial_ndim(x, 3, 'average_pooling_3d')
    return _average(x, 3, ksize, stride, pad, pad_value, 'average_pooling_3d')
