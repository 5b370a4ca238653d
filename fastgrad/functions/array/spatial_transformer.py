"""spatial_transformer_grid and spatial_transformer_sampler (Jaderberg et al.,
2015), with Chainer's conventions: the grid holds ``(x, y)`` in ``[-1, 1]``,
the sampler reads a zero-padded image bilinearly.

The sampler's forward runs on raw arrays; its gradient is written once with
the recipe's ``ns`` functions (bilinear weights of the grid times gathered
pixels), so it is differentiable again (Chainer has no double backward here).
"""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.utils import argument

_CUDNN = ('The argument "use_cudnn" is not supported anymore. Use '
          'chainer.using_config("use_cudnn", value) context where necessary.')


def _coords(xp, h, w, dtype):
    """``(3, h*w)``: the x, y (in [-1, 1]) and 1 of every output pixel."""
    ys, xs = numpy.meshgrid(numpy.linspace(-1, 1, h), numpy.linspace(-1, 1, w),
                            indexing='ij')
    c = numpy.stack([xs, ys, numpy.ones((h, w))]).reshape(3, h * w)
    return xp.asarray(c.astype(dtype))


class SpatialTransformerGrid(Op):
    __slots__ = ('out_h', 'out_w')
    checks = Checks('theta', "theta.dtype.kind == 'f'", 'theta.ndim == 3',
                    'theta.shape[1] == 2', 'theta.shape[2] == 3')

    def __init__(self, output_shape):
        self.out_h, self.out_w = output_shape

    def forward(self, inputs):
        theta, = inputs
        coords = _coords(utils.array_module(theta), self.out_h, self.out_w, theta.dtype)
        grid = utils.matmul(theta, coords)
        return grid.reshape(len(theta), 2, self.out_h, self.out_w),

    def gradient(self, ns, indexes, grad_outputs):
        gy, = grad_outputs
        data = ns.data(gy)
        coords = _coords(utils.array_module(data), self.out_h, self.out_w, data.dtype)
        g = ns.reshape(gy, (data.shape[0], 2, self.out_h * self.out_w))
        return ns.matmul(g, coords, transb=True),


def spatial_transformer_grid(theta, output_shape, **kwargs):
    """The sampling grid of an affine spatial transformer.

    Args:
        theta: ``(B, 2, 3)`` affine maps from output to input coordinates.
        output_shape (pair of ints): ``(out_H, out_W)``.

    Returns ``(B, 2, out_H, out_W)``: for each output pixel, the ``(x, y)``
    (in ``[-1, 1]``, x first) it reads, ``theta[b] @ (x_t, y_t, 1)``.

    >>> theta = np.array([[[1., 0., 0.], [0., 1., 0.]]], dtype=np.float32)
    >>> grid = F.spatial_transformer_grid(theta, (2, 3))  # the identity map
    >>> grid.shape
    (1, 2, 2, 3)
    >>> grid.array[0, 0]  # x of each output pixel
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.]], dtype=float32)
    """
    if kwargs:
        argument.check_unexpected_kwargs(kwargs, use_cudnn=_CUDNN)
        argument.assert_kwargs_empty(kwargs)
    y, = SpatialTransformerGrid(tuple(output_shape)).apply((theta,))
    return y


class _Bilinear(object):
    """Where and how the sampler reads, from the raw grid: the four corner
    pixels of each sample in the padded image (flat indices ``(B, P)``, as
    Chainer orders them: (v0, u0), (v0, u1), (v1, u0), (v1, u1)), their
    integer coordinates, and where the grid's gradient is zero (clipped)."""

    def __init__(self, grid, h, w):
        xp = utils.array_module(grid)
        b = grid.shape[0]
        g = grid.reshape(b, 2, -1)
        u = (g[:, 0] + 1) * (w - 1) / 2 + 1
        v = (g[:, 1] + 1) * (h - 1) / 2 + 1
        self.u_in = (u > 0) & (u < w + 1)
        self.v_in = (v > 0) & (v < h + 1)
        self.u0 = xp.floor(u.clip(0, w + 1)).astype(numpy.int64).clip(0, w)
        self.v0 = xp.floor(v.clip(0, h + 1)).astype(numpy.int64).clip(0, h)
        row = w + 2
        self.corners = [self.v0 * row + self.u0, self.v0 * row + self.u0 + 1,
                        (self.v0 + 1) * row + self.u0, (self.v0 + 1) * row + self.u0 + 1]


def _weights(ns, grid, bil, h, w):
    """The bilinear weights ``(wu0, wu1, wv0, wv1)`` of each sample, as
    functions of the grid (``ns``: differentiable on the Variable path)."""
    b = ns.data(grid).shape[0]
    g = ns.reshape(grid, (b, 2, -1))
    gu, gv = ns.separate(g, axis=1)
    u = ns.clip((gu + 1) * ((w - 1) / 2) + 1, 0.0, w + 1.0)
    v = ns.clip((gv + 1) * ((h - 1) / 2) + 1, 0.0, h + 1.0)
    dtype = ns.data(grid).dtype
    u0, v0 = bil.u0.astype(dtype), bil.v0.astype(dtype)
    return u - u0, (u0 + 1) - u, v - v0, (v0 + 1) - v


class SpatialTransformerSampler(Op):
    __slots__ = ()
    checks = Checks('x, grid', "x.dtype.kind == 'f'", 'grid.dtype == x.dtype',
                    'x.ndim == 4', 'grid.ndim == 4', 'grid.shape[1] == 2',
                    'x.shape[0] == grid.shape[0]')

    def forward(self, inputs):
        x, grid = inputs
        self.retain_inputs((0, 1))
        xp = utils.array_module(x)
        b, c, h, w = x.shape
        bil = _Bilinear(grid, h, w)
        xpad = xp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode='constant')
        wu0, wu1, wv0, wv1 = (a.astype(x.dtype, copy=False)
                              for a in _weights(_array_ns(x), grid, bil, h, w))
        y = None
        for corner, weight in zip(bil.corners, (wu1 * wv1, wu0 * wv1, wu1 * wv0, wu0 * wv0)):
            term = weight[:, None] * gather_pixels(xpad, corner)
            y = term if y is None else y + term
        return y.reshape((b, c) + grid.shape[2:]),

    def gradient(self, ns, indexes, grad_outputs):
        x, grid = ns.inputs(self)
        gy, = grad_outputs
        b, c, h, w = x.shape
        bil = _Bilinear(ns.data(grid), h, w)
        wu0, wu1, wv0, wv1 = _weights(ns, grid, bil, h, w)
        gy = ns.reshape(gy, (b, c, -1))
        pad_shape = (b, c, h + 2, w + 2)
        out = []
        if 0 in indexes:
            gxpad = None
            for corner, weight in zip(bil.corners,
                                      (wu1 * wv1, wu0 * wv1, wu1 * wv0, wu0 * wv0)):
                g = ns.expand_dims(weight, 1) * gy
                g, = ns.call(ScatterPixels(corner, pad_shape), (g,))
                gxpad = g if gxpad is None else gxpad + g
            out.append(ns.get_item(gxpad, (slice(None), slice(None), slice(1, -1),
                                           slice(1, -1))))
        if 1 in indexes:
            xpad = ns.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), 'constant')
            x1, x2, x3, x4 = (ns.call(GatherPixels(corner, pad_shape), (xpad,))[0]
                              for corner in bil.corners)
            du = ns.expand_dims(wv1, 1) * (x2 - x1) + ns.expand_dims(wv0, 1) * (x4 - x3)
            dv = ns.expand_dims(wu1, 1) * (x3 - x1) + ns.expand_dims(wu0, 1) * (x4 - x2)
            dtype = ns.data(grid).dtype
            su = (bil.u_in * ((w - 1) / 2)).astype(dtype)
            sv = (bil.v_in * ((h - 1) / 2)).astype(dtype)
            gu = ns.sum(gy * du, axis=1) * su
            gv = ns.sum(gy * dv, axis=1) * sv
            out.append(ns.reshape(ns.stack([gu, gv], axis=1), ns.data(grid).shape))
        return tuple(out)


def _array_ns(x):
    from fastgrad.functions._util import recipe
    return recipe._array_ops((x,))


def gather_pixels(img, index):
    """``out[b, c, p] = img[b, c].flat[index[b, p]]``."""
    b, c = img.shape[:2]
    flat = img.reshape(b, c, -1)
    xp = utils.array_module(img)
    return xp.take_along_axis(flat, xp.broadcast_to(index[:, None], (b, c, index.shape[1])),
                              axis=2)


def scatter_pixels(values, index, shape):
    """The adjoint of ``gather_pixels``: add ``values[b, c, p]`` at
    ``index[b, p]`` of a zero image of ``shape``."""
    b, c, h, w = shape
    xp = utils.array_module(values)
    flat = (xp.arange(b * c).reshape(b, c, 1) * (h * w) + index[:, None]).reshape(-1)
    out = xp.bincount(flat, weights=values.reshape(-1), minlength=b * c * h * w)
    return out.reshape(shape).astype(values.dtype, copy=False)


class GatherPixels(Op):
    __slots__ = ('index', 'shape')

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, inputs):
        return gather_pixels(inputs[0], self.index),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(ScatterPixels(self.index, self.shape), grad_outputs)


class ScatterPixels(Op):
    __slots__ = ('index', 'shape')

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, inputs):
        return scatter_pixels(inputs[0], self.index, self.shape),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(GatherPixels(self.index, self.shape), grad_outputs)


def spatial_transformer_sampler(x, grid, **kwargs):
    """Bilinear sampling of ``x`` at the points of ``grid`` (zero outside).

    Args:
        x: image ``(B, C, H, W)``.
        grid: ``(B, 2, out_H, out_W)`` sampling points, ``(x, y)`` in
            ``[-1, 1]`` (x first; -1 and 1 are the centres of the border
            pixels), e.g. from :func:`spatial_transformer_grid`.

    Returns ``(B, C, out_H, out_W)``.

    >>> x = np.arange(6, dtype=np.float32).reshape(1, 1, 2, 3)
    >>> theta = np.array([[[-1., 0., 0.], [0., 1., 0.]]], dtype=np.float32)
    >>> grid = F.spatial_transformer_grid(theta, (2, 3))  # x -> -x
    >>> F.spatial_transformer_sampler(x, grid).array  # mirrored left-right
    array([[[[2., 1., 0.],
             [5., 4., 3.]]]], dtype=float32)
    """
    if kwargs:
        argument.check_unexpected_kwargs(kwargs, use_cudnn=_CUDNN)
        argument.assert_kwargs_empty(kwargs)
    y, = SpatialTransformerSampler().apply((x, grid))
    return y
