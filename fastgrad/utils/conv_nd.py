"""``chainer.utils.conv_nd``: the N-dimensional im2col / col2im layout
transforms (NumPy and CuPy), built on the convolution kernels' helpers."""
from fastgrad import backend
from fastgrad.functions._util import convnd as _nd
from fastgrad.utils.conv import get_conv_outsize


def as_tuple(x, n):
    """``x`` if it is a tuple of length ``n`` (checked), else ``(x,) * n``."""
    if hasattr(x, '__getitem__'):
        if len(x) != n:
            raise ValueError('as_tuple: expected a tuple of length {}, got {!r}'.format(n, x))
        return tuple(x)
    return (x,) * n


def _check_ranks(name, nd, **params):
    for key, value in params.items():
        if len(value) != nd:
            raise ValueError('{}: {} must have one entry per spatial axis ({}), got {!r}'
                             .format(name, key, nd, value))


def im2col_nd_cpu(img, ksize, stride, pad, pval=0, cover_all=False, dilate=1):
    """``(n, c, d_1..d_N)`` -> patches ``(n, c, k_1..k_N, o_1..o_N)`` (a new array)."""
    nd = img.ndim - 2
    _check_ranks('im2col_nd', nd, ksize=ksize, stride=stride, pad=pad)
    dilate = as_tuple(dilate, nd)
    outs = tuple(get_conv_outsize(d, k, s, p, cover_all, di) for d, k, s, p, di in zip(
        img.shape[2:], ksize, stride, pad, dilate))
    view = _nd.windows(img, tuple(ksize), tuple(stride), tuple(pad), outs, dilate, pval)
    return backend.get_array_module(img).array(view, copy=True)


def im2col_nd_gpu(img, ksize, stride, pad, cover_all=False, dilate=1):
    return im2col_nd_cpu(img, ksize, stride, pad, 0, cover_all, dilate)


def im2col_nd(img, ksize, stride, pad, cover_all=False, dilate=1):
    return im2col_nd_cpu(img, ksize, stride, pad, 0, cover_all, dilate)


def col2im_nd_cpu(col, stride, pad, dims, dilate=1):
    """The adjoint of :func:`im2col_nd_cpu`: sums patches back into ``(n, c) + dims``."""
    nd = len(dims)
    if col.ndim != 2 + 2 * nd:
        raise ValueError('col2im_nd: col must have shape (n, c, k_1..k_{0}, o_1..o_{0}) for '
                         '{0} spatial axes, got {1}'.format(nd, col.shape))
    _check_ranks('col2im_nd', nd, stride=stride, pad=pad)
    dilate = as_tuple(dilate, nd)
    ks = col.shape[2:2 + nd]
    outs = col.shape[2 + nd:]
    xp = backend.get_array_module(col)
    size = tuple(max((o - 1) * s + (k - 1) * d + 1, p + h)
                 for o, k, s, d, p, h in zip(outs, ks, stride, dilate, pad, dims))
    img = xp.zeros(col.shape[:2] + size, dtype=col.dtype)
    _nd.col2im_add(img, col, tuple(stride), dilate)
    return img[(Ellipsis,) + tuple(slice(p, p + h) for p, h in zip(pad, dims))]


def col2im_nd_gpu(col, stride, pad, dims, dilate=1):
    return col2im_nd_cpu(col, stride, pad, dims, dilate)


def col2im_nd(col, stride, pad, dims, dilate=1):
    return col2im_nd_cpu(col, stride, pad, dims, dilate)
