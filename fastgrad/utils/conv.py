"""``chainer.utils.conv``: output-size arithmetic of convolutions and the
im2col / col2im layout transforms (NumPy and CuPy)."""
from fastgrad import backend


def get_conv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a convolution over ``size`` with kernel ``k``, stride
    ``s``, padding ``p`` and dilation ``d``."""
    dk = k + (k - 1) * (d - 1)
    if cover_all:
        return (size + p * 2 - dk + s - 1) // s + 1
    return (size + p * 2 - dk) // s + 1


def get_deconv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a transposed convolution (the inverse of
    :func:`get_conv_outsize`)."""
    dk = (k - 1) * d + 1
    if cover_all:
        return s * (size - 1) + dk - s + 1 - 2 * p
    return s * (size - 1) + dk - 2 * p


def im2col_cpu(img, kh, kw, sy, sx, ph, pw, pval=0, cover_all=False, dy=1, dx=1,
               out_h=None, out_w=None):
    """(n, c, h, w) -> (n, c, kh, kw, out_h, out_w) patches."""
    n, c, h, w = img.shape
    if out_h is None:
        out_h = get_conv_outsize(h, kh, sy, ph, cover_all, dy)
    if out_w is None:
        out_w = get_conv_outsize(w, kw, sx, pw, cover_all, dx)
    xp = backend.get_array_module(img)
    img = xp.pad(img, ((0, 0), (0, 0), (ph, ph + sy - 1), (pw, pw + sx - 1)),
                 mode='constant', constant_values=(pval,))
    col = xp.empty((n, c, kh, kw, out_h, out_w), dtype=img.dtype)
    for j in range(kh):
        jdy = j * dy
        for i in range(kw):
            idx = i * dx
            col[:, :, j, i] = img[:, :, jdy:jdy + sy * out_h:sy, idx:idx + sx * out_w:sx]
    return col


im2col_gpu = im2col_cpu


def im2col(img, kh, kw, sy, sx, ph, pw, cover_all=False, dy=1, dx=1, out_h=None, out_w=None):
    """:func:`im2col_cpu` with zero padding, for NumPy or CuPy arrays.

    >>> from fastgrad.utils import conv
    >>> conv.im2col(np.arange(16.).reshape(1, 1, 4, 4), 2, 2, 2, 2, 0, 0).shape
    (1, 1, 2, 2, 2, 2)
    """
    return im2col_cpu(img, kh, kw, sy, sx, ph, pw, 0, cover_all, dy, dx, out_h, out_w)


def col2im_cpu(col, sy, sx, ph, pw, h, w, dy=1, dx=1):
    """The adjoint of :func:`im2col_cpu`: sums patches back into (n, c, h, w)."""
    n, c, kh, kw, out_h, out_w = col.shape
    xp = backend.get_array_module(col)
    img = xp.zeros((n, c, h + 2 * ph + sy - 1, w + 2 * pw + sx - 1), dtype=col.dtype)
    for j in range(kh):
        jdy = j * dy
        for i in range(kw):
            idx = i * dx
            img[:, :, jdy:jdy + sy * out_h:sy, idx:idx + sx * out_w:sx] += col[:, :, j, i]
    return img[:, :, ph:h + ph, pw:w + pw]


col2im_gpu = col2im_cpu
col2im = col2im_cpu
