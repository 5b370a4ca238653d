"""The region-of-interest (RoI) pooling family, as two kinds of linear maps.

Every RoI op is linear in ``x`` once its sampling is fixed:

* the averaging ops (``roi_average_pooling_2d``, ``roi_average_align_2d``) are
  separable: ``y[r] = Ay[r] @ x[b_r] @ Ax[r].T`` with one small matrix per RoI
  and axis (``(outh, H)`` and ``(outw, W)``: which rows/columns, with which
  weights, each output bin averages).  ``SeparableRoi`` applies them with one
  GEMM pair per image, never a loop over bins;
* the max ops (``roi_pooling_2d``, ``roi_max_pooling_2d``, ``roi_max_align_2d``)
  pick, per output element, the input element (or the four bilinear
  neighbours of the sample) that won: ``GatherRoi`` keeps those flat indices
  and weights, its gradient scatters ``gy`` back with ``bincount``.

So one forward, one adjoint and the double backward (the adjoint of the
adjoint) serve all five; each op only says how it samples (``plan``).
RoIs and their batch indices are inputs (as in Chainer) without gradient.
"""
import numbers

import numpy

from fastgrad import utils
from fastgrad.functions._util.recipe import Op


def to_cpu(a):
    return a if isinstance(a, numpy.ndarray) else a.get()


def parse_outsize(outsize, func):
    if hasattr(outsize, '__iter__'):
        outh, outw = outsize
    else:
        outh = outw = outsize
    for i, v in enumerate((outh, outw)):
        if not (isinstance(v, numbers.Integral) and v > 0):
            raise TypeError('{}: outsize[{}] must be a positive integer, got {!r}'
                            .format(func, i, v))
    return int(outh), int(outw)


def parse_scale(spatial_scale, func):
    if isinstance(spatial_scale, numbers.Integral):
        spatial_scale = float(spatial_scale)
    if not (isinstance(spatial_scale, numbers.Real) and spatial_scale > 0):
        raise TypeError('{}: spatial_scale must be a positive float number, got {!r}'
                        .format(func, spatial_scale))
    return float(spatial_scale)


def parse_sampling_ratio(sampling_ratio, func):
    ratio = (tuple(sampling_ratio) if hasattr(sampling_ratio, '__iter__')
             else (sampling_ratio, sampling_ratio))
    if len(ratio) != 2 or not all(
            s is None or (isinstance(s, numbers.Integral) and s >= 1) for s in ratio):
        raise TypeError('{}: sampling_ratio must be None, an integer >= 1 or a pair of '
                        'them, got {!r}'.format(func, sampling_ratio))
    return ratio


def check_indices(func, indices, n):
    """Every RoI must name an image of the batch (Chainer reads out of bounds)."""
    if len(indices) and (indices.min() < 0 or indices.max() >= n):
        bad = indices[(indices < 0) | (indices >= n)][0]
        raise ValueError('{}: every RoI batch index must be in [0, {}) (x has {} images), '
                         'got {}'.format(func, n, n, bad))


def roi_slice(i, bin_size, limit, offset):
    """Chainer's bin ``i`` of a quantised RoI: ``[floor(i b), ceil((i+1) b))``
    shifted by ``offset`` and clipped to ``[0, limit]``."""
    start = int(numpy.floor(i * bin_size)) + offset
    end = int(numpy.ceil((i + 1) * bin_size)) + offset
    return min(max(start, 0), limit), min(max(end, 0), limit)


def bilinear_axis(p, limit):
    """Bilinear sampling along one axis at the positions ``p`` (any shape),
    as Chainer's RoI align does: ``(low, high, w_low, w_high, valid)``
    (a corner outside ``[0, limit)`` gets weight 0; a sample outside
    ``[-1, limit]`` is invalid)."""
    valid = (p >= -1) & (p <= limit)
    low = numpy.floor(p).astype(numpy.int64)
    low = numpy.where(low == limit, low - 1, low)
    high = low + 1
    p = numpy.where(low <= -1, 0.0, numpy.where(high >= limit, limit - 1.0, p))
    w_low = high - p
    w_high = p - low
    w_low = numpy.where(valid & (low >= 0), w_low, 0.0)
    w_high = numpy.where(valid & (high <= limit - 1), w_high, 0.0)
    return (numpy.clip(low, 0, limit - 1), numpy.clip(high, 0, limit - 1), w_low, w_high,
            valid)


def align_grid(start, size, bins, ratio):
    """Sample positions of RoI align along one axis: ``(bins, grid)``."""
    size = max(size, 1.0)
    bin_size = size / bins
    grid = ratio if ratio is not None else int(numpy.ceil(size / bins))
    steps = (numpy.arange(grid) + 0.5) * bin_size / grid
    return start + numpy.arange(bins)[:, None] * bin_size + steps[None, :], grid


class SeparableRoi(Op):
    """``y[r] = Ay[r] @ x[b_r] @ Ax[r].T``; subclasses say how to sample
    (``plan(x, rois, indices)`` -> ``Ay, Ax`` as float64 host arrays)."""
    __slots__ = ('outh', 'outw', 'spatial_scale', 'sampling_ratio', 'ay', 'ax', 'rows')
    func_name = ''

    def __init__(self, outsize, spatial_scale, sampling_ratio=None):
        self.outh, self.outw = parse_outsize(outsize, self.func_name)
        self.spatial_scale = parse_scale(spatial_scale, self.func_name)
        self.sampling_ratio = parse_sampling_ratio(sampling_ratio, self.func_name)

    def forward(self, inputs):
        x, rois, indices = inputs
        host_idx = to_cpu(indices).astype(numpy.int64)
        check_indices(self.func_name, host_idx, x.shape[0])
        ay, ax = self.plan(x.shape, to_cpu(rois), host_idx)
        xp = utils.array_module(x)
        acc = utils.compute_dtype(x.dtype)
        self.ay = xp.asarray(ay.astype(acc))
        self.ax = xp.asarray(ax.astype(acc))
        self.rows = host_idx
        return separable_apply(x, self.ay, self.ax, self.rows).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x = self.inputs[0]
        gx, = ns.call(SeparableRoiGrad(self.ay, self.ax, self.rows, x.shape, x.dtype),
                      grad_outputs)
        return tuple(gx if i == 0 else None for i in indexes)


class SeparableRoiGrad(Op):
    """The adjoint of ``SeparableRoi``: ``gx[b] = sum_r Ay[r].T @ gy[r] @ Ax[r]``."""
    __slots__ = ('ay', 'ax', 'rows', 'shape', 'dtype')

    def __init__(self, ay, ax, rows, shape, dtype):
        self.ay, self.ax, self.rows = ay, ax, rows
        self.shape, self.dtype = shape, dtype

    def forward(self, inputs):
        gy, = inputs
        xp = utils.array_module(gy)
        acc = self.ay.dtype
        n, c, h, w = self.shape
        gx = xp.zeros((n, c, h, w), dtype=acc)
        for b, sel in _by_image(self.rows):
            r, _, p, q = gy[sel].shape
            g = gy[sel].astype(acc, copy=False).transpose(0, 2, 1, 3).reshape(r, p, c * q)
            # Ay[r].T @ gy[r] for every RoI (batched), then all RoIs' @ Ax at once
            v = utils.matmul(self.ay[sel].swapaxes(1, 2), g).reshape(r, h, c, q)
            v = v.transpose(2, 1, 0, 3).reshape(c * h, r * q)
            gx[b] = utils.matmul(v, self.ax[sel].reshape(r * q, w)).reshape(c, h, w)
        return gx.astype(self.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(_SeparableApply(self.ay, self.ax, self.rows), grad_outputs)


class _SeparableApply(Op):
    """``SeparableRoi`` with its sampling fixed (the adjoint of the adjoint)."""
    __slots__ = ('ay', 'ax', 'rows', 'dtype')

    def __init__(self, ay, ax, rows):
        self.ay, self.ax, self.rows = ay, ax, rows

    def forward(self, inputs):
        x, = inputs
        self.dtype = x.dtype
        return separable_apply(x, self.ay, self.ax, self.rows).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x = self.inputs[0]
        return ns.call(SeparableRoiGrad(self.ay, self.ax, self.rows, x.shape, x.dtype),
                       grad_outputs)


def _by_image(rows):
    """``(image, indices of its RoIs)`` for every image some RoI reads."""
    for b in numpy.unique(rows):
        yield int(b), numpy.nonzero(rows == b)[0]


def separable_apply(x, ay, ax, rows):
    """``y[r] = Ay[r] @ x[b_r] @ Ax[r].T``: per image, one GEMM applies every
    RoI's ``Ax`` (``(C H, W) @ (W, R Q)``), then a batch of per-RoI GEMMs
    its ``Ay`` (``(P, H) @ (H, C Q)``)."""
    xp = utils.array_module(x)
    n, c, h, w = x.shape
    r_all, p, q = ay.shape[0], ay.shape[1], ax.shape[1]
    y = xp.empty((r_all, c, p, q), dtype=ay.dtype)
    for b, sel in _by_image(rows):
        r = len(sel)
        xb = x[b].astype(ay.dtype, copy=False).reshape(c * h, w)
        u = utils.matmul(xb, ax[sel].reshape(r * q, w).T).reshape(c, h, r, q)
        u = u.transpose(2, 1, 0, 3).reshape(r, h, c * q)
        y[sel] = utils.matmul(ay[sel], u).reshape(r, p, c, q).transpose(0, 2, 1, 3)
    return y


class GatherRoi(Op):
    """``y.flat[o] = sum_k w[k, o] * x.flat[cols[k, o]] + fill[o]``;
    subclasses choose the winners (``plan(x, rois, indices)`` -> ``cols,
    weights, fill`` with ``fill`` 0 or -inf where a bin is empty)."""
    __slots__ = ('outh', 'outw', 'spatial_scale', 'sampling_ratio', 'cols', 'weights')
    func_name = ''

    def __init__(self, outsize, spatial_scale, sampling_ratio=None):
        self.outh, self.outw = parse_outsize(outsize, self.func_name)
        self.spatial_scale = parse_scale(spatial_scale, self.func_name)
        self.sampling_ratio = parse_sampling_ratio(sampling_ratio, self.func_name)

    def forward(self, inputs):
        x = inputs[0]
        rois, indices = self.rois_and_indices(inputs)
        check_indices(self.func_name, indices, x.shape[0])
        xp = utils.array_module(x)
        cols, weights, fill = self.plan(x, rois, indices)
        self.cols = xp.asarray(cols)
        self.weights = xp.asarray(weights.astype(utils.compute_dtype(x.dtype)))
        y = gather_apply(x, self.cols, self.weights)
        y += xp.asarray(fill.astype(y.dtype))
        return y.reshape((len(indices), x.shape[1], self.outh, self.outw)).astype(
            x.dtype, copy=False),

    def rois_and_indices(self, inputs):
        return to_cpu(inputs[1]), to_cpu(inputs[2]).astype(numpy.int64)

    def gradient(self, ns, indexes, grad_outputs):
        x = self.inputs[0]
        gx, = ns.call(GatherRoiGrad(self.cols, self.weights, x.shape, x.dtype),
                      grad_outputs)
        return tuple(gx if i == 0 else None for i in indexes)


def gather_apply(x, cols, weights):
    flat = x.reshape(-1)
    y = weights[0] * flat[cols[0]]
    for k in range(1, len(cols)):
        y += weights[k] * flat[cols[k]]
    return y


class GatherRoiGrad(Op):
    """The adjoint of ``GatherRoi``: scatter-add ``w * gy`` at ``cols``."""
    __slots__ = ('cols', 'weights', 'shape', 'dtype')

    def __init__(self, cols, weights, shape, dtype):
        self.cols, self.weights, self.shape, self.dtype = cols, weights, shape, dtype

    def forward(self, inputs):
        gy, = inputs
        xp = utils.array_module(gy)
        size = int(numpy.prod(self.shape))
        g = (self.weights * gy.reshape(-1)).reshape(-1)
        gx = xp.bincount(self.cols.reshape(-1), weights=g, minlength=size)
        return gx.reshape(self.shape).astype(self.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(_GatherApply(self.cols, self.weights, self.inputs[0].shape),
                       grad_outputs)


class _GatherApply(Op):
    """``GatherRoi`` with its winners fixed (the adjoint of the adjoint)."""
    __slots__ = ('cols', 'weights', 'shape')

    def __init__(self, cols, weights, shape):
        self.cols, self.weights, self.shape = cols, weights, shape

    def forward(self, inputs):
        x, = inputs
        return gather_apply(x, self.cols, self.weights).reshape(self.shape).astype(
            x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x = self.inputs[0]
        return ns.call(GatherRoiGrad(self.cols, self.weights, x.shape, x.dtype),
                       grad_outputs)
