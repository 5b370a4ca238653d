"""Window helpers shared by the 2-D pooling ops.

Every window op is a loop over the kh*kw kernel offsets, each step one
vectorised NumPy/CuPy operation on a strided view of all windows at that
offset (never a loop over pixels).  Offset ``k = i * kw + j`` is the index
Chainer's max pooling returns.
"""
import numpy

from fastgrad import utils
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util.checks import Checks


class Geometry(object):
    """ksize/stride/pad of a pooling op, parsed once (stride defaults to ksize)."""

    def __init__(self, func, ksize, stride, pad):
        self.kh, self.kw = _conv.pair(ksize, 'ksize', func, 1)
        if stride is None:
            stride = (self.kh, self.kw)
        self.sy, self.sx = _conv.pair(stride, 'stride', func, 1)
        self.ph, self.pw = _conv.pair(pad, 'pad', func, 0)
        self.func = func

    def outsize(self, h, w, cover_all):
        """The pooled size of an ``h x w`` input (positive, else a ValueError)."""
        oh = _conv.get_conv_outsize(h, self.kh, self.sy, self.ph, cover_all)
        ow = _conv.get_conv_outsize(w, self.kw, self.sx, self.pw, cover_all)
        if oh <= 0 or ow <= 0:
            raise ValueError(
                '{}: the output would be {}x{} (input {}x{}, ksize {}x{}, stride {}x{}, '
                'pad {}x{}); it must be positive'.format(
                    self.func, oh, ow, h, w, self.kh, self.kw, self.sy, self.sx,
                    self.ph, self.pw))
        return oh, ow

    def unpooled_size(self, h, w, cover_all):
        """The size whose pooling gives ``h x w`` (deconvolution's formula)."""
        outh = _conv.get_deconv_outsize(h, self.kh, self.sy, self.ph, cover_all)
        outw = _conv.get_deconv_outsize(w, self.kw, self.sx, self.pw, cover_all)
        if outh <= 0 or outw <= 0:
            raise ValueError('{}: the output would be {}x{}; it must be positive'
                             .format(self.func, outh, outw))
        return outh, outw

    def windows(self, x, oh, ow, pval=0, dtype=None):
        return _conv.windows(x, self.kh, self.kw, self.sy, self.sx, self.ph, self.pw,
                             oh, ow, 1, 1, pval, dtype)

    def offsets(self):
        for i in range(self.kh):
            for j in range(self.kw):
                yield i, j

    def scatter(self, values, h, w, dtype, indexes=None):
        """Adjoint of ``windows``: add ``values`` (N, C, oh, ow) into every window
        position (or, with ``indexes``, only at the offset each one names) of a
        zero ``(N, C, h, w)`` array."""
        n, c, oh, ow = values.shape
        xp = utils.array_module(values)
        rows = max((oh - 1) * self.sy + self.kh, self.ph + h)
        cols = max((ow - 1) * self.sx + self.kw, self.pw + w)
        img = xp.zeros((n, c, rows, cols), dtype=dtype)
        hspan = self.sy * (oh - 1) + 1
        wspan = self.sx * (ow - 1) + 1
        for k, (i, j) in enumerate(self.offsets()):
            dst = img[:, :, i:i + hspan:self.sy, j:j + wspan:self.sx]
            if indexes is None:
                dst += values
            else:
                # Multiplying by the mask is far faster than a masked select.
                dst += values * (indexes == k)
        return img[:, :, self.ph:self.ph + h, self.pw:self.pw + w]

    def gather(self, z, indexes, dtype):
        """``out[n, c, y, x] = zpad[n, c, window (y, x) at offset indexes[n, c, y, x]]``
        (zero padding): the adjoint of ``scatter`` with ``indexes``."""
        oh, ow = indexes.shape[2:]
        win = self.windows(z, oh, ow)
        xp = utils.array_module(z)
        out = xp.zeros(indexes.shape, dtype=dtype)
        for k, (i, j) in enumerate(self.offsets()):
            out += win[:, :, i, j] * (indexes == k)
        return out

    def argmax(self, win, y):
        """The first offset whose window value equals the max ``y`` (Chainer's
        argmax order), by arithmetic on small ints (no masked selects)."""
        xp = utils.array_module(y)
        n_off = self.kh * self.kw
        dtype = numpy.int8 if n_off <= 127 else numpy.int16 if n_off <= 32767 else numpy.int32
        idx = xp.zeros(y.shape, dtype=dtype)
        # Walk the offsets backwards so the smallest matching one is kept last.
        for k in range(n_off - 1, -1, -1):
            i, j = divmod(k, self.kw)
            hit = (win[:, :, i, j] == y).view(numpy.int8)
            step = dtype(k) - idx
            step *= hit
            idx += step
        return idx

    def window_max(self, win, dtype):
        """Max of each window of ``win`` (a ``windows`` view)."""
        out = xp_array(win[:, :, 0, 0], dtype)
        xp = utils.array_module(out)
        for i, j in self.offsets():
            if i or j:
                xp.maximum(out, win[:, :, i, j], out=out)
        return out

    def window_sum(self, z, oh, ow, dtype):
        """Sum of each (zero-padded) window: ``(N, C, oh, ow)`` in ``dtype``."""
        win = self.windows(z, oh, ow)
        out = xp_array(win[:, :, 0, 0], dtype)
        for i, j in self.offsets():
            if i or j:
                out += win[:, :, i, j]
        return out


def xp_array(a, dtype):
    """A fresh contiguous copy of ``a`` in ``dtype``."""
    return utils.array_module(a).array(a, dtype=dtype, copy=True)


# the input checks of the pooling ops
INPUT_CHECKS = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4')


accumulate_dtype = utils.compute_dtype
