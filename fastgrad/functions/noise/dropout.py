"""dropout: zero random elements in training, scale the rest by 1/(1-ratio)."""
import numpy

from fastgrad import graph_replay, utils
from fastgrad._core.graph import as_variable
from fastgrad.configuration import config
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op


class Dropout(Op):
    """y = x * mask, mask = (u >= ratio) / (1 - ratio) with u ~ U[0, 1)."""
    __slots__ = ('dropout_ratio', 'mask')
    checks = Checks('x', "x.dtype.kind == 'f'")

    def __init__(self, dropout_ratio, mask=None):
        if not 0.0 <= dropout_ratio < 1.0:
            raise ValueError('dropout: ratio must be in the range [0, 1), got {}'
                             .format(dropout_ratio))
        self.dropout_ratio = dropout_ratio
        self.mask = mask

    def forward(self, inputs):
        x, = inputs
        mask = self.mask
        if mask is None:
            mask = self.mask = _make_mask(x, self.dropout_ratio)
        else:
            same_device('dropout', 'mask', mask, x)
            if mask.shape != x.shape:
                raise ValueError('dropout: mask must have the shape of x {}, got {}'
                                 .format(x.shape, mask.shape))
            if mask.dtype != x.dtype:
                # Chainer takes a mask of any dtype; y keeps x's dtype
                mask = self.mask = mask.astype(x.dtype)
        return utils.force_array(x * mask),

    def gradient(self, ns, indexes, grad_outputs):
        # Linear in x: the gradient is the same masked product (a constant mask).
        return grad_outputs[0] * self.mask,

def _make_mask(x, ratio):
    dtype = x.dtype
    scale = dtype.type(1.0 / (1.0 - ratio))
    xp = utils.array_module(x)
    if xp is numpy:
        # Chainer's draw: float64 uniforms from the global RNG, compared with
        # the ratio; the comparison is written straight into the mask array.
        u = numpy.random.rand(*x.shape)
        mask = u if dtype == numpy.float64 else numpy.empty(x.shape, dtype)
        numpy.greater_equal(u, ratio, out=mask)
    elif graph_replay._current is not None:
        # Inside a captured step CuPy's generator would repeat its mask on
        # every replay: draw from the device-side counter instead.
        return graph_replay.dropout_mask(x, ratio)
    else:
        mask = (xp.random.rand(*x.shape, dtype=numpy.float32) >= ratio).astype(dtype)
    mask *= scale
    return mask


def dropout(x, ratio=.5, **kwargs):
    """Drop elements of ``x`` with probability ``ratio`` and scale the others
    by ``1 / (1 - ratio)``, in training only (``config.train``); otherwise
    ``x`` itself is returned (as a Variable).

    Keyword arguments (Chainer's): ``mask`` -- use this array (already
    scaled; the shape and dtype of ``x``) instead of drawing one;
    ``return_mask`` -- also return the mask used (None outside training).
    The mask is drawn with ``numpy.random`` (CuPy's RNG on the GPU).

    >>> x = np.ones((2, 3), dtype=np.float32)
    >>> with chainer.using_config('train', False):
    ...     y = F.dropout(x, ratio=0.5)
    >>> y.array
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    >>> np.random.seed(0)
    >>> F.dropout(x, ratio=0.5).array
    array([[2., 2., 2.],
           [2., 0., 2.]], dtype=float32)
    """
    mask = None
    return_mask = False
    if kwargs:
        if 'train' in kwargs:
            raise ValueError('train argument is not supported anymore. '
                             'Use chainer.using_config')
        mask = kwargs.pop('mask', None)
        return_mask = kwargs.pop('return_mask', False)
        if kwargs:
            raise TypeError('dropout() got unexpected keyword argument(s) {}'
                            .format(', '.join(repr(k) for k in sorted(kwargs))))
    if config.train:
        func = Dropout(ratio, mask)
        out, = func.apply((x,))
        mask = func.mask
    else:
        out = as_variable(x)
        mask = None
    if return_mask:
        return out, mask
    return out
