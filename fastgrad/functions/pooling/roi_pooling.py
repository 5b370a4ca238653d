"""roi_pooling_2d, roi_max_pooling_2d, roi_average_pooling_2d, roi_max_align_2d,
roi_average_align_2d: each op only says how it samples a RoI (``plan``); the
linear maps that apply it (and their gradients) are in ``_roi``."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions.pooling import _roi

# RoIs as (R, 4) (y_min, x_min, y_max, x_max) with a batch index each
_CHECKS = Checks('x, rois, roi_indices', "x.dtype.kind == 'f'", 'x.ndim == 4',
                 'rois.dtype == x.dtype', 'rois.ndim == 2', 'rois.shape[1] == 4',
                 "roi_indices.dtype.kind in 'iu'", 'roi_indices.ndim == 1',
                 'rois.shape[0] == roi_indices.shape[0]')


def _quantised(rois, scale):
    """Chainer's RoI corners on the feature map: ``round(v * scale)`` (half to
    even, as Python's round of a NumPy float), computed in the RoIs' dtype."""
    return numpy.rint(rois * rois.dtype.type(scale)).astype(numpy.int64)


def _bins(start, size, bins, limit):
    """``(start, end)`` of each quantised bin along one axis (may be empty)."""
    step = 1. * size / bins
    return [_roi.roi_slice(i, step, limit, start) for i in range(bins)]


def _padded_bins(bins):
    """Bins ``[(start, end), ...]`` of one axis as an index array ``(bins, L)``
    (each bin's positions, padded to the longest bin by repeating its last)
    and the mask of the real positions."""
    starts = numpy.array([b[0] for b in bins])
    ends = numpy.array([b[1] for b in bins])
    length = max(int((ends - starts).max()), 1)
    idx = starts[:, None] + numpy.arange(length)[None]
    valid = idx < ends[:, None]
    return numpy.where(valid, idx, numpy.maximum(ends - 1, 0)[:, None]), valid


def _max_plan(op, x, boxes, indices, fill_empty):
    """Per RoI and bin, the flat index of each channel's max (the first one,
    row-major, as Chainer's argmax); ``boxes`` are (y0, x0, y1, x1, height,
    width) per RoI.  Each RoI's bins are gathered at once, padded to the
    longest bin with -inf."""
    xp = utils.array_module(x)
    n, c, h, w = x.shape
    r_all, p, q = len(indices), op.outh, op.outw
    cols = xp.zeros((r_all, c, p, q), dtype=numpy.int64)
    valid = numpy.zeros((r_all, 1, p, q), dtype=bool)
    chan = xp.arange(c, dtype=numpy.int64)[:, None, None]
    for r, ((y0, x0, _, _, rh, rw), b) in enumerate(zip(boxes, indices)):
        rbins, cbins = _bins(y0, rh, p, h), _bins(x0, rw, q, w)
        ok = (numpy.array([e > s for s, e in rbins])[:, None]
              & numpy.array([e > s for s, e in cbins])[None])
        if not ok.any():
            continue
        rows, rmask = _padded_bins(rbins)                  # (P, Lh)
        cols_, cmask = _padded_bins(cbins)                 # (Q, Lw)
        lh, lw = rows.shape[1], cols_.shape[1]
        region = x[b][:, xp.asarray(rows)[:, :, None, None], xp.asarray(cols_)[None, None]]
        mask = xp.asarray(rmask[:, :, None, None] & cmask[None, None])
        region = xp.where(mask, region, -numpy.inf)        # (C, P, Lh, Q, Lw)
        k = region.transpose(0, 1, 3, 2, 4).reshape(c, p, q, lh * lw).argmax(axis=-1)
        li, lj = k // lw, k % lw
        rr = xp.asarray(rows)[xp.arange(p)[None, :, None], li]
        cc = xp.asarray(cols_)[xp.arange(q)[None, None, :], lj]
        cols[r] = ((b * c + chan) * h + rr) * w + cc
        valid[r, 0] = ok
    valid = numpy.broadcast_to(valid, (r_all, c, p, q)).reshape(-1)
    fill = numpy.where(valid, 0.0, fill_empty)
    return cols.reshape(1, -1), valid.astype(numpy.float64).reshape(1, -1), fill


class ROIPooling2D(_roi.GatherRoi):
    """Fast R-CNN's RoI pooling: RoIs (R, 5) as (batch index, x_min, y_min,
    x_max, y_max), inclusive corners; empty bins are 0."""
    __slots__ = ()
    func_name = 'roi_pooling_2d'
    checks = Checks('x, rois', "x.dtype.kind == 'f'", 'x.ndim == 4',
                    'rois.dtype == x.dtype', 'rois.ndim == 2', 'rois.shape[1] == 5')

    def rois_and_indices(self, inputs):
        rois = _roi.to_cpu(inputs[1])
        # Chainer takes int(index): truncation
        return rois[:, 1:], numpy.trunc(rois[:, 0]).astype(numpy.int64)

    def plan(self, x, rois, indices):
        x0, y0, x1, y1 = _quantised(rois, self.spatial_scale).T
        boxes = zip(y0, x0, y1, x1, numpy.maximum(y1 - y0 + 1, 1),
                    numpy.maximum(x1 - x0 + 1, 1))
        return _max_plan(self, x, list(boxes), indices, 0.0)


def _yx_boxes(rois, scale):
    y0, x0, y1, x1 = _quantised(rois, scale).T
    return list(zip(y0, x0, y1, x1, numpy.maximum(y1 - y0, 1), numpy.maximum(x1 - x0, 1)))


class ROIMaxPooling2D(_roi.GatherRoi):
    __slots__ = ()
    func_name = 'roi_max_pooling_2d'
    checks = _CHECKS

    def plan(self, x, rois, indices):
        return _max_plan(self, x, _yx_boxes(rois, self.spatial_scale), indices, -numpy.inf)


class ROIAveragePooling2D(_roi.SeparableRoi):
    __slots__ = ()
    func_name = 'roi_average_pooling_2d'
    checks = _CHECKS

    def plan(self, shape, rois, indices):
        h, w = shape[2:]
        boxes = _yx_boxes(rois, self.spatial_scale)
        ay = numpy.zeros((len(boxes), self.outh, h))
        ax = numpy.zeros((len(boxes), self.outw, w))
        for r, (y0, x0, _, _, rh, rw) in enumerate(boxes):
            for m, start, size, limit in ((ay[r], y0, rh, h), (ax[r], x0, rw, w)):
                for i, (s, e) in enumerate(_bins(start, size, len(m), limit)):
                    if e > s:
                        m[i, s:e] = 1.0 / (e - s)
        return ay, ax


def _align_axes(rois, scale, outh, outw, ratio, h, w):
    """Per RoI, the bilinear sampling of both axes (``_roi.bilinear_axis``
    of each axis' sample grid, shapes ``(bins, grid)``)."""
    r = rois.astype(numpy.float64) * scale
    for y0, x0, y1, x1 in r:
        ys, gh = _roi.align_grid(y0, y1 - y0, outh, ratio[0])
        xs, gw = _roi.align_grid(x0, x1 - x0, outw, ratio[1])
        yield _roi.bilinear_axis(ys, h), _roi.bilinear_axis(xs, w)


class ROIAverageAlign2D(_roi.SeparableRoi):
    __slots__ = ()
    func_name = 'roi_average_align_2d'
    checks = _CHECKS

    def plan(self, shape, rois, indices):
        h, w = shape[2:]
        ay = numpy.zeros((len(rois), self.outh, h))
        ax = numpy.zeros((len(rois), self.outw, w))
        axes = _align_axes(rois, self.spatial_scale, self.outh, self.outw,
                           self.sampling_ratio, h, w)
        for r, (ya, xa) in enumerate(axes):
            for m, (low, high, w_low, w_high, _) in ((ay[r], ya), (ax[r], xa)):
                bins = numpy.arange(len(m))[:, None].repeat(low.shape[1], 1)
                numpy.add.at(m, (bins, low), w_low)
                numpy.add.at(m, (bins, high), w_high)
                m /= low.shape[1]          # the mean over the grid (of this axis)
        return ay, ax


class ROIMaxAlign2D(_roi.GatherRoi):
    __slots__ = ()
    func_name = 'roi_max_align_2d'
    checks = _CHECKS

    def plan(self, x, rois, indices):
        xp = utils.array_module(x)
        n, c, h, w = x.shape
        p, q = self.outh, self.outw
        r_all = len(rois)
        cols = numpy.zeros((4, r_all, c, p, q), dtype=numpy.int64)
        weights = numpy.zeros((4, r_all, c, p, q))
        fill = numpy.zeros((r_all, c, p, q))
        chan = numpy.arange(c)[:, None, None]
        pi = numpy.arange(p)[None, :, None]
        qi = numpy.arange(q)[None, None, :]
        axes = _align_axes(rois, self.spatial_scale, p, q, self.sampling_ratio, h, w)
        for r, (ya, xa) in enumerate(axes):
            b = int(indices[r])
            (yl, yh, wyl, wyh, vy), (xl, xh, wxl, wxh, vx) = ya, xa
            corners = [(yl, xl, wyl, wxl), (yl, xh, wyl, wxh),
                       (yh, xl, wyh, wxl), (yh, xh, wyh, wxh)]
            xb = x[b]
            vals = 0
            for ys, xs, wy, wx in corners:      # Chainer's order of the sum
                v = xb[:, xp.asarray(ys)[:, :, None, None], xp.asarray(xs)[None, None]]
                vals = vals + xp.asarray(wy[:, :, None, None] * wx[None, None]) * v
            ok = vy[:, :, None, None] & vx[None, None]            # (P, gh, Q, gw)
            vals = xp.where(xp.asarray(ok), vals, -numpy.inf)
            gh, gw = ok.shape[1], ok.shape[3]
            k = _roi.to_cpu(vals.transpose(0, 1, 3, 2, 4).reshape(c, p, q, gh * gw)
                            .argmax(axis=-1))
            iy, ix = k // gw, k % gw
            any_ok = ok.transpose(0, 2, 1, 3).reshape(p, q, -1).any(axis=-1)
            fill[r] = numpy.where(any_ok, 0.0, -numpy.inf)
            for i, (ys, xs, wy, wx) in enumerate(corners):
                cols[i, r] = ((b * c + chan) * h + ys[pi, iy]) * w + xs[qi, ix]
                weights[i, r] = wy[pi, iy] * wx[qi, ix] * any_ok
        return cols.reshape(4, -1), weights.reshape(4, -1), fill.reshape(-1)


def _indices(roi_indices):
    return roi_indices.array if hasattr(roi_indices, 'array') else roi_indices


def roi_pooling_2d(x, rois, outh, outw, spatial_scale):
    """Fast R-CNN's RoI max pooling of ``x`` (N, C, H, W).

    Args:
        x: input ``(N, C, H, W)``.
        rois: ``(R, 5)`` rows ``(batch_index, x_min, y_min, x_max, y_max)``
            (same dtype as ``x``; corners are inclusive, scaled by
            ``spatial_scale`` and rounded).
        outh (int): output height.
        outw (int): output width.
        spatial_scale (float): factor from RoI coordinates to ``x``'s.

    Returns ``(R, C, outh, outw)``: the max of each bin (0 for empty bins).
    A batch index outside ``[0, N)`` is a ValueError.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> rois = np.array([[0., 0., 0., 3., 3.]], dtype=np.float32)  # image 0, all of it
    >>> F.roi_pooling_2d(x, rois, outh=2, outw=2, spatial_scale=1.).array
    array([[[[ 5.,  7.],
             [13., 15.]]]], dtype=float32)
    """
    y, = ROIPooling2D((outh, outw), spatial_scale).apply((x, rois))
    return y


def roi_max_pooling_2d(x, rois, roi_indices, outsize, spatial_scale):
    """RoI max pooling of ``x`` (N, C, H, W) (empty bins are ``-inf``).

    Args:
        x: input ``(N, C, H, W)``.
        rois: ``(R, 4)`` rows ``(y_min, x_min, y_max, x_max)`` (dtype of ``x``).
        roi_indices: ``(R,)`` int32, the image of each RoI (in ``[0, N)``).
        outsize (int or pair of ints): ``(outh, outw)``.
        spatial_scale (float): factor from RoI coordinates to ``x``'s.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> rois = np.array([[0., 0., 4., 4.]], dtype=np.float32)
    >>> F.roi_max_pooling_2d(x, rois, np.array([0], np.int32), 2, 1.).array
    array([[[[ 5.,  7.],
             [13., 15.]]]], dtype=float32)
    """
    y, = ROIMaxPooling2D(outsize, spatial_scale).apply((x, rois, _indices(roi_indices)))
    return y


def roi_average_pooling_2d(x, rois, roi_indices, outsize, spatial_scale):
    """RoI average pooling of ``x`` (N, C, H, W) (empty bins are 0).

    Args:
        x: input ``(N, C, H, W)``.
        rois: ``(R, 4)`` rows ``(y_min, x_min, y_max, x_max)`` (dtype of ``x``).
        roi_indices: ``(R,)`` int32, the image of each RoI (in ``[0, N)``).
        outsize (int or pair of ints): ``(outh, outw)``.
        spatial_scale (float): factor from RoI coordinates to ``x``'s.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> rois = np.array([[0., 0., 4., 4.]], dtype=np.float32)
    >>> F.roi_average_pooling_2d(x, rois, np.array([0], np.int32), 2, 1.).array
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]], dtype=float32)
    """
    y, = ROIAveragePooling2D(outsize, spatial_scale).apply(
        (x, rois, _indices(roi_indices)))
    return y


def roi_max_align_2d(x, rois, roi_indices, outsize, spatial_scale, sampling_ratio=None):
    """Mask R-CNN's RoI align, max of the bilinear samples of each bin.

    Args:
        x: input ``(N, C, H, W)``.
        rois: ``(R, 4)`` rows ``(y_min, x_min, y_max, x_max)`` (dtype of ``x``;
            not rounded).
        roi_indices: ``(R,)`` int32, the image of each RoI (in ``[0, N)``).
        outsize (int or pair of ints): ``(outh, outw)``.
        spatial_scale (float): factor from RoI coordinates to ``x``'s.
        sampling_ratio (None, int or pair): samples per bin and axis; None
            means ``ceil(roi size / outsize)``.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> rois = np.array([[0., 0., 4., 4.]], dtype=np.float32)
    >>> F.roi_max_align_2d(x, rois, np.array([0], np.int32), 2, 1.).array
    array([[[[ 7.5,  9. ],
             [13.5, 15. ]]]], dtype=float32)
    """
    y, = ROIMaxAlign2D(outsize, spatial_scale, sampling_ratio).apply(
        (x, rois, _indices(roi_indices)))
    return y


def roi_average_align_2d(x, rois, roi_indices, outsize, spatial_scale,
                         sampling_ratio=None):
    """Mask R-CNN's RoI align: the mean of the bilinear samples of each bin.

    Args:
        x: input ``(N, C, H, W)``.
        rois: ``(R, 4)`` rows ``(y_min, x_min, y_max, x_max)`` (dtype of ``x``;
            not rounded).
        roi_indices: ``(R,)`` int32, the image of each RoI (in ``[0, N)``).
        outsize (int or pair of ints): ``(outh, outw)``.
        spatial_scale (float): factor from RoI coordinates to ``x``'s.
        sampling_ratio (None, int or pair): samples per bin and axis; None
            means ``ceil(roi size / outsize)``.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> rois = np.array([[0., 0., 4., 4.]], dtype=np.float32)
    >>> F.roi_average_align_2d(x, rois, np.array([0], np.int32), 2, 1.).array
    array([[[[ 5.  ,  6.75],
             [12.  , 13.75]]]], dtype=float32)
    """
    y, = ROIAverageAlign2D(outsize, spatial_scale, sampling_ratio).apply(
        (x, rois, _indices(roi_indices)))
    return y
