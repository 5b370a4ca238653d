"""unpooling_2d: copy each value over its whole (kh, kw) window (overlaps add)."""
from fastgrad.functions.pooling import _pooling
from fastgrad.functions.pooling.unpooling_nd import UnpoolingND, _unpool


class Unpooling2D(UnpoolingND):
    __slots__ = ()
    checks = _pooling.INPUT_CHECKS_2D


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
    return _unpool(x, 2, ksize, stride, pad, outsize, cover_all, 'unpooling_2d',
                   Unpooling2D)
