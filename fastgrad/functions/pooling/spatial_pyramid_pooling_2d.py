"""spatial_pyramid_pooling_2d: max pooling into 1, 2x2, 4x4, ... bins, flattened
and concatenated (a fixed-length feature for any input size)."""
from fastgrad.functions.array.concat import concat
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d


def spatial_pyramid_pooling_2d(x, pyramid_height, pooling=None):
    """Spatial pyramid pooling (He et al., 2014) of an NCHW input.

    Level ``i`` (from 0) max-pools with ``k = ceil(b / 2**i)`` and pad
    ``(2**i k - b) // 2`` per axis (``b`` the input height or width,
    ``cover_all``), so it has ``2**i x 2**i`` bins.

    Args:
        x: input ``(N, C, H, W)``.
        pyramid_height (int): the number of levels.
        pooling (str): ``'max'``, the only one (as in Chainer, it must be
            given).

    Returns ``(N, C * sum_i 4**i, 1, 1)``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.zeros((2, 3, 9, 7), np.float32)
    >>> F.spatial_pyramid_pooling_2d(x, 3, pooling='max').shape
    (2, 63, 1, 1)
    """
    if pooling != 'max':
        raise ValueError("spatial_pyramid_pooling_2d: unsupported pooling {!r} (only 'max')"
                         .format(pooling))
    if len(x.shape) != 4:
        raise ValueError('spatial_pyramid_pooling_2d: x must be (N, C, H, W), got shape {}'
                         .format(tuple(x.shape)))
    h, w = x.shape[2:]
    ys = []
    for level in range(pyramid_height):
        bins = 2 ** level
        kh, kw = -(-h // bins), -(-w // bins)
        y = max_pooling_2d(x, (kh, kw), None, ((kh * bins - h) // 2, (kw * bins - w) // 2),
                           cover_all=True)
        n, c, oh, ow = y.shape
        ys.append(reshape(y, (n, c * oh * ow, 1, 1)))
    return concat(ys, axis=1)
