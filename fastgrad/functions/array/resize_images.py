"""resize_images: bilinear (or nearest) resizing of NCHW images, as Chainer.

Resizing is separable and linear: each output row (column) mixes two input
rows (columns) with weights ``1 - f`` and ``f``.  The forward gathers them
along W, then along H (work proportional to the output); the gradient is the
adjoint, a scatter-add of the same weights (``bincount``), and the adjoint of
that is the forward again, so double backward works.
"""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _axis_plan(out, size, mode, align_corners):
    """``(low, high, frac)`` of one axis: output ``i`` is
    ``(1 - frac[i]) * in[low[i]] + frac[i] * in[high[i]]`` (Chainer's sample
    positions: corners aligned, or OpenCV's half-pixel centres, or nearest)."""
    if mode == 'bilinear':
        if align_corners:
            pos = numpy.linspace(0, size - 1, num=out)
        else:
            pos = numpy.maximum((numpy.arange(out) + 0.5) * (size / out) - 0.5, 0)
        frac, low = numpy.modf(pos)
    else:
        low = numpy.minimum(numpy.floor(numpy.arange(out) * (size / out)), size - 1)
        frac = numpy.zeros(out)
    low = low.astype(numpy.int64)
    return low, numpy.minimum(low + 1, size - 1), frac


def _lined_up(a, axis):
    return a.reshape((-1,) + (1,) * (3 - axis))


def _mix(x, axis, plan):
    """Interpolate ``x`` along ``axis`` (2 or 3)."""
    low, high, frac = plan
    xp = utils.array_module(x)
    f = xp.asarray(_lined_up(frac, axis).astype(x.dtype))
    return (xp.take(x, xp.asarray(low), axis=axis) * (1 - f)
            + xp.take(x, xp.asarray(high), axis=axis) * f)


def _scatter(v, axis, targets, size):
    """``out`` with ``size`` along ``axis``: ``out[.., t, ..] = sum of v[.., i, ..]
    over i with targets[i] == t``.  ``targets`` (host, non-decreasing) come in
    runs of equal values: the j-th members of all runs are added at once, so
    it is a few strided adds (as many as the longest run), never a scatter."""
    xp = utils.array_module(v)
    shape = list(v.shape)
    shape[axis] = size
    out = xp.zeros(shape, dtype=v.dtype)
    uniq, starts, counts = numpy.unique(targets, return_index=True, return_counts=True)
    lead = (slice(None),) * axis
    for j in range(int(counts.max()) if len(counts) else 0):
        ok = counts > j
        dst = uniq[ok]
        part = xp.take(v, xp.asarray(starts[ok] + j), axis=axis)
        if dst[-1] - dst[0] + 1 == len(dst):     # a range: in-place add on a view
            out[lead + (slice(int(dst[0]), int(dst[-1]) + 1),)] += part
        else:
            out[lead + (xp.asarray(dst),)] += part
    return out


def _mix_adjoint(g, axis, plan, size):
    """The adjoint of ``_mix``: add ``(1 - f) g`` at ``low`` and ``f g`` at
    ``high`` of a zero array with ``size`` along ``axis``."""
    low, high, frac = plan
    f = utils.array_module(g).asarray(_lined_up(frac, axis).astype(g.dtype))
    return _scatter(g * (1 - f), axis, low, size) + _scatter(g * f, axis, high, size)


class Interpolate2D(Op):
    """``x`` interpolated along W then H with fixed plans."""
    __slots__ = ('ys', 'xs')

    def __init__(self, ys, xs):
        self.ys, self.xs = ys, xs

    def forward(self, inputs):
        x, = inputs
        acc = utils.compute_dtype(x.dtype)
        y = _mix(_mix(x.astype(acc, copy=False), 3, self.xs), 2, self.ys)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x = self.inputs[0]
        return ns.call(Interpolate2DAdjoint(self.ys, self.xs, x.shape[2:]), grad_outputs)


class Interpolate2DAdjoint(Op):
    """The gradient of ``Interpolate2D`` (linear in ``gy``)."""
    __slots__ = ('ys', 'xs', 'size')

    def __init__(self, ys, xs, size):
        self.ys, self.xs, self.size = ys, xs, size

    def forward(self, inputs):
        gy, = inputs
        acc = utils.compute_dtype(gy.dtype)
        g = _mix_adjoint(gy.astype(acc, copy=False), 2, self.ys, self.size[0])
        return _mix_adjoint(g, 3, self.xs, self.size[1]).astype(gy.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(Interpolate2D(self.ys, self.xs), grad_outputs)


class ResizeImages(Interpolate2D):
    __slots__ = ('out_h', 'out_w', 'mode', 'align_corners')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4')

    def __init__(self, output_shape, mode, align_corners):
        super().__init__(None, None)
        self.out_h, self.out_w = output_shape
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, inputs):
        x, = inputs
        h, w = x.shape[2:]
        # host arrays: small, and the adjoint groups them on the host
        self.ys = _axis_plan(self.out_h, h, self.mode, self.align_corners)
        self.xs = _axis_plan(self.out_w, w, self.mode, self.align_corners)
        return super().forward(inputs)


def resize_images(x, output_shape, *, mode='bilinear', align_corners=True):
    """Resize NCHW images to ``output_shape`` (Chainer's interpolation).

    Args:
        x: input ``(N, C, H, W)`` (any float dtype; Chainer takes float32).
        output_shape (pair of ints): ``(out_H, out_W)`` (height first).
        mode (str): ``'bilinear'`` or ``'nearest'``.
        align_corners (bool): for bilinear, map the corner pixels onto each
            other (True) or sample at half-pixel centres as OpenCV (False).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.array([[[[0., 1.], [2., 3.]]]], dtype=np.float32)
    >>> F.resize_images(x, (3, 3)).array[0, 0]
    array([[0. , 0.5, 1. ],
           [1. , 1.5, 2. ],
           [2. , 2.5, 3. ]], dtype=float32)
    """
    if mode not in ('bilinear', 'nearest'):
        raise ValueError("resize_images: mode must be 'bilinear' or 'nearest', got {!r}"
                         .format(mode))
    try:
        out_h, out_w = (int(v) for v in output_shape)
    except (TypeError, ValueError):
        raise ValueError('resize_images: output_shape must be a pair of ints, got {!r}'
                         .format(output_shape)) from None
    if out_h <= 0 or out_w <= 0:
        raise ValueError('resize_images: output_shape must be positive, got {!r}'
                         .format(output_shape))
    y, = ResizeImages((out_h, out_w), mode, bool(align_corners)).apply((x,))
    return y
