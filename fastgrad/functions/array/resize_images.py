"""resize_images: bilinear (or nearest) resizing of NCHW images, as Chainer.

Resizing is separable and linear: ``y[n, c] = Ay @ x[n, c] @ Ax.T`` with one
small interpolation matrix per axis (``(out_H, H)`` and ``(out_W, W)``, at
most two nonzeros a row).  So it is two GEMMs, and its gradient is the same
op with the transposed matrices (``Ay.T @ gy @ Ax``), differentiable again.
"""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Separable2D(Op):
    """``y = Ay @ x @ Ax.T`` over the last two axes of an NCHW ``x``."""
    __slots__ = ('ay', 'ax')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4',
                    'self.ay is None or x.shape[2] == self.ay.shape[1]',
                    'self.ax is None or x.shape[3] == self.ax.shape[1]')

    def __init__(self, ay, ax):
        self.ay = ay
        self.ax = ax

    def forward(self, inputs):
        x, = inputs
        acc = utils.compute_dtype(x.dtype)
        n, c, h, w = x.shape
        ay = self.ay.astype(acc, copy=False)
        ax = self.ax.astype(acc, copy=False)
        t = utils.matmul(x.astype(acc, copy=False).reshape(n * c * h, w), ax.T)
        y = utils.matmul(ay, t.reshape(n * c, h, ax.shape[0]))
        return y.reshape(n, c, ay.shape[0], ax.shape[0]).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint: the same map with the transposed matrices
        return ns.call(Separable2D(self.ay.T, self.ax.T), grad_outputs)


def _axis_weights(out, size, mode, align_corners):
    """The ``(out, size)`` interpolation matrix of one axis (Chainer's sample
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
    high = numpy.minimum(low + 1, size - 1)
    m = numpy.zeros((out, size))
    rows = numpy.arange(out)
    numpy.add.at(m, (rows, low), 1 - frac)
    numpy.add.at(m, (rows, high), frac)
    return m


class ResizeImages(Separable2D):
    __slots__ = ('out_h', 'out_w', 'mode', 'align_corners')

    def __init__(self, output_shape, mode, align_corners):
        super().__init__(None, None)
        self.out_h, self.out_w = output_shape
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        h, w = x.shape[2:]
        self.ay = xp.asarray(_axis_weights(self.out_h, h, self.mode, self.align_corners))
        self.ax = xp.asarray(_axis_weights(self.out_w, w, self.mode, self.align_corners))
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
