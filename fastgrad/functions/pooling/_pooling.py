"""Window helpers shared by the pooling ops, for any number of spatial dims.

Every window op is a loop over the kernel offsets (k1 * k2 * ... of them),
each step one vectorised NumPy/CuPy operation on a strided view of all
windows at that offset (never a loop over pixels).  Offsets are numbered in
row-major order (``i * kw + j`` in 2-D): the index Chainer's max pooling
returns.  The 2-D ops are these with ``ndim == 2``.
"""
import itertools
import operator

import numpy

from fastgrad import utils
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util.checks import Checks


def ntuple(value, ndim, name, func, minimum):
    """``(a, b, ...)`` of ``ndim`` ints from an int or a sequence, checked."""
    what = 'a pair of ints' if ndim == 2 else 'a tuple of {} ints'.format(ndim)
    if hasattr(value, '__getitem__') and not isinstance(value, (str, bytes)):
        if len(value) != ndim:
            raise ValueError('{}: {} must be an int or {}, got {!r}'
                             .format(func, name, what, value))
        items = tuple(value)
    else:
        items = (value,) * ndim
    try:
        items = tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError('{}: {} must be an int or {}, got {!r}'
                        .format(func, name, what, value)) from None
    if any(v < minimum for v in items):
        raise ValueError('{}: {} must be >= {}, got {!r}'.format(func, name, minimum, value))
    return items


def outsize_tuple(outsize, ndim, func):
    """None, or a tuple of ``ndim`` sizes (None entries: computed)."""
    if outsize is None:
        return None
    try:
        outs = tuple(outsize)
    except TypeError:
        outs = ()
    if len(outs) != ndim:
        what = ('a pair (out_h, out_w)' if ndim == 2 else
                'a tuple of {} sizes'.format(ndim))
        raise ValueError('{}: outsize must be None or {}, got {!r}'
                         .format(func, what, outsize))
    return outs


def _x(values):
    return 'x'.join(str(v) for v in values)


class Geometry(object):
    """ksize/stride/pad of a pooling op over ``ndim`` spatial axes, parsed once
    (stride defaults to ksize)."""
    __slots__ = ('func', 'ndim', 'ksize', 'stride', 'pad', 'n_offsets')

    def __init__(self, func, ndim, ksize, stride, pad):
        if ndim <= 0:
            raise ValueError('{}: pooling needs at least one spatial dimension'.format(func))
        self.func = func
        self.ndim = ndim
        self.ksize = ntuple(ksize, ndim, 'ksize', func, 1)
        self.stride = self.ksize if stride is None else ntuple(stride, ndim, 'stride',
                                                                func, 1)
        self.pad = ntuple(pad, ndim, 'pad', func, 0)
        n = 1
        for k in self.ksize:
            n *= k
        self.n_offsets = n

    def outsize(self, dims, cover_all):
        """The pooled size of an input of spatial shape ``dims`` (positive, else
        a ValueError)."""
        outs = tuple(_conv.get_conv_outsize(d, k, s, p, cover_all)
                     for d, k, s, p in zip(dims, self.ksize, self.stride, self.pad))
        if any(o <= 0 for o in outs):
            raise ValueError(
                '{}: the output would be {} (input {}, ksize {}, stride {}, pad {}); '
                'it must be positive'.format(self.func, _x(outs), _x(dims), _x(self.ksize),
                                             _x(self.stride), _x(self.pad)))
        return outs

    def unpooled_size(self, dims, cover_all):
        """The size whose pooling gives ``dims`` (deconvolution's formula;
        0 is allowed: an empty output, as in Chainer)."""
        outs = tuple(_conv.get_deconv_outsize(d, k, s, p, cover_all)
                     for d, k, s, p in zip(dims, self.ksize, self.stride, self.pad))
        if any(o < 0 for o in outs):
            raise ValueError('{}: the output would be {}; it must not be negative'
                             .format(self.func, _x(outs)))
        return outs

    def _extents(self, dims, outs):
        # padded length per axis: every window and all of x fit in it
        return tuple(max((o - 1) * s + k, p + d) for d, o, k, s, p in
                     zip(dims, outs, self.ksize, self.stride, self.pad))

    def _inner(self, dims):
        """The slice of the padded buffer where the input lies."""
        return (slice(None), slice(None)) + tuple(
            slice(p, p + d) for p, d in zip(self.pad, dims))

    def _spans(self, offset, outs):
        """The slice of the padded buffer that kernel ``offset`` of every
        window reads."""
        return (slice(None), slice(None)) + tuple(
            slice(i, i + s * (o - 1) + 1, s) for i, s, o in zip(offset, self.stride, outs))

    def windows(self, x, outs, pval=0, dtype=None):
        """im2col as a read-only view ``(N, C, k1, .., kd, o1, .., od)`` of
        ``x`` padded with ``pval``."""
        dtype = x.dtype if dtype is None else dtype
        dims = x.shape[2:]
        ext = self._extents(dims, outs)
        xp = utils.array_module(x)
        if ext == tuple(dims) and x.dtype == dtype:
            buf = x
        else:
            buf = xp.empty(x.shape[:2] + ext, dtype=dtype)
            # fill only the border, then copy x in (corners get written twice)
            full = (slice(None),) * (self.ndim + 2)
            for a, (p, d, e) in enumerate(zip(self.pad, dims, ext)):
                if p:
                    buf[full[:a + 2] + (slice(0, p),)] = pval
                if e > p + d:
                    buf[full[:a + 2] + (slice(p + d, e),)] = pval
            buf[self._inner(dims)] = x
        st = buf.strides
        shape = buf.shape[:2] + self.ksize + tuple(outs)
        strides = st[:2] + st[2:] + tuple(t * s for t, s in zip(st[2:], self.stride))
        return _conv._as_strided(xp, buf, shape, strides)

    def index_dtype(self):
        """The smallest int type that holds every offset (argmax's dtype)."""
        n_off = self.n_offsets
        return numpy.int8 if n_off <= 127 else numpy.int16 if n_off <= 32767 else numpy.int32

    def offsets(self):
        """The kernel offsets ``(i, j, ...)`` in row-major order."""
        return itertools.product(*(range(k) for k in self.ksize))

    def scatter(self, values, dims, dtype, indexes=None):
        """Adjoint of ``windows``: add ``values`` ``(N, C, o1, ..)`` into every
        window position (or, with ``indexes``, only at the offset each one
        names) of a zero ``(N, C) + dims`` array."""
        outs = values.shape[2:]
        xp = utils.array_module(values)
        img = xp.zeros(values.shape[:2] + self._extents(dims, outs), dtype=dtype)
        for k, offset in enumerate(self.offsets()):
            dst = img[self._spans(offset, outs)]
            if indexes is None:
                dst += values
            else:
                # Multiplying by the mask is far faster than a masked select.
                dst += values * (indexes == k)
        return img[self._inner(dims)]

    def gather(self, z, indexes, dtype):
        """``out[n, c, o] = zpad[n, c, window o at offset indexes[n, c, o]]``
        (zero padding): the adjoint of ``scatter`` with ``indexes``."""
        win = self.windows(z, indexes.shape[2:])
        xp = utils.array_module(z)
        out = xp.zeros(indexes.shape, dtype=dtype)
        lead = (slice(None), slice(None))
        for k, offset in enumerate(self.offsets()):
            out += win[lead + offset] * (indexes == k)
        return out

    def argmax(self, win, y):
        """The first offset whose window value equals the max ``y`` (Chainer's
        argmax order), by arithmetic on small ints (no masked selects)."""
        xp = utils.array_module(y)
        n_off = self.n_offsets
        dtype = self.index_dtype()
        idx = xp.zeros(y.shape, dtype=dtype)
        lead = (slice(None), slice(None))
        offsets = list(self.offsets())
        # Walk the offsets backwards so the smallest matching one is kept last.
        for k in range(n_off - 1, -1, -1):
            hit = (win[lead + offsets[k]] == y).view(numpy.int8)
            step = dtype(k) - idx
            step *= hit
            idx += step
        return idx

    def window_max(self, win, dtype):
        """Max of each window of ``win`` (a ``windows`` view)."""
        lead = (slice(None), slice(None))
        offsets = self.offsets()
        out = xp_array(win[lead + next(offsets)], dtype)
        xp = utils.array_module(out)
        for offset in offsets:
            xp.maximum(out, win[lead + offset], out=out)
        return out

    def window_sum(self, z, outs, dtype):
        """Sum of each (zero-padded) window: ``(N, C) + outs`` in ``dtype``."""
        win = self.windows(z, outs)
        lead = (slice(None), slice(None))
        offsets = self.offsets()
        out = xp_array(win[lead + next(offsets)], dtype)
        for offset in offsets:
            out += win[lead + offset]
        return out

    def window_counts(self, xp, dims, outs, dtype):
        """How many input (not padding) elements each window covers, as an
        array ``(o1, .., od)`` (a product of one count per axis)."""
        counts = None
        for a, (d, o, k, s, p) in enumerate(zip(dims, outs, self.ksize, self.stride,
                                                self.pad)):
            starts = numpy.arange(o) * s - p
            n = numpy.minimum(starts + k, d) - numpy.maximum(starts, 0)
            n = n.reshape((o,) + (1,) * (self.ndim - a - 1))
            counts = n if counts is None else counts * n
        return xp.asarray(counts.astype(dtype))


def xp_array(a, dtype):
    """A fresh contiguous copy of ``a`` in ``dtype``."""
    return utils.array_module(a).array(a, dtype=dtype, copy=True)


def check_spatial_ndim(x, ndim, func):
    """F.<op>_1d / _3d take inputs of exactly that many spatial axes (Chainer's
    ValueError)."""
    got = len(x.shape) - 2
    if got != ndim:
        raise ValueError(
            "{}: the number of dimensions under channel dimension of the input 'x' "
            'should be {}, but the actual ndim was {} (x.shape = {})'.format(
                func, ndim, got, tuple(x.shape)))


# the input checks of the pooling ops (``self.geo.ndim`` spatial axes)
INPUT_CHECKS = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == self.geo.ndim + 2')
# the same for the 2-D ops (their message names the 4 an NCHW input needs)
INPUT_CHECKS_2D = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4')


accumulate_dtype = utils.compute_dtype


def resolve_outsize(op, x, outs, cover_all):
    """The unpooled size of ``x`` (``outs`` given, entries None computed),
    checked: pooling it with the op's geometry must give ``x``'s size."""
    geo = op.geo
    dims = x.shape[2:]
    if outs is None or None in outs:
        auto = geo.unpooled_size(dims, cover_all)
        outs = auto if outs is None else tuple(a if o is None else o
                                               for o, a in zip(outs, auto))
    for axis, (d, o, k, s, p) in enumerate(zip(dims, outs, geo.ksize, geo.stride,
                                                geo.pad)):
        expect = _conv.get_conv_outsize(o, k, s, p, cover_all)
        if d != expect:
            raise utils.invalid_type(
                op.label, 'x.shape[{}] == {} (the pooled size of outsize {})'.format(
                    axis + 2, expect, o), '{} != {}'.format(d, expect))
    return tuple(outs)
