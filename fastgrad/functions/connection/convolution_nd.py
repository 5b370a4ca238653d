"""convolution_nd: N-dimensional convolution (cross-correlation), im2col + GEMM.

convolution_1d / convolution_3d are the same op with the number of spatial
axes checked first.
"""
from fastgrad.functions._util import convnd as _nd
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_CHECKS = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'",
                 'x.ndim == self.ndim + 2', 'W.ndim == self.ndim + 2',
                 'x.shape[1] == W.shape[1] * self.groups',
                 'W.shape[0] % self.groups == 0', "b.dtype.kind == 'f'", 'b.ndim == 1',
                 'b.shape[0] == W.shape[0]')


def _groups(groups, func):
    groups = int(groups)
    if groups < 1:
        raise ValueError('{}: groups must be >= 1, got {}'.format(func, groups))
    return groups


class ConvolutionND(Op):
    """``y = conv(x, W) + b`` over ``ndim`` spatial axes.

    ``cover_all`` may be a tuple of one flag per axis: deconvolution's
    backward needs that to give back the input size exactly.
    """
    __slots__ = ('ndim', 'stride', 'pad', 'dilate', 'cover', 'groups')
    checks = _CHECKS

    def __init__(self, ndim, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
        name = 'convolution_nd'
        self.ndim = ndim
        self.stride = _nd.as_tuple(stride, ndim, 'stride', name, 1)
        self.pad = _nd.as_tuple(pad, ndim, 'pad', name, 0)
        self.dilate = _nd.as_tuple(dilate, ndim, 'dilate', name, 1)
        if isinstance(cover_all, tuple):
            self.cover = tuple(bool(c) for c in cover_all)
        else:
            self.cover = (bool(cover_all),) * ndim
        self.groups = _groups(groups, name)

    @property
    def cover_all(self):
        return self.cover

    def _outsize(self, x_shape, W_shape):
        outs = tuple(_nd.get_conv_outsize(d, k, s, p, c, di) for d, k, s, p, c, di in zip(
            x_shape[2:], W_shape[2:], self.stride, self.pad, self.cover, self.dilate))
        if any(o <= 0 for o in outs):
            raise ValueError(
                'convolution_nd: the output would be {} (input {}, kernel {}); every '
                'output length must be positive (check ksize, stride, pad and dilate)'
                .format(outs, tuple(x_shape[2:]), tuple(W_shape[2:])))
        return outs

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        outs = self._outsize(x.shape, W.shape)
        self.retain_inputs((0, 1))
        return _nd.conv_forward(x, W, b, self.stride, self.pad, outs, self.dilate,
                                self.groups, x.dtype),

    def _params(self):
        return dict(stride=self.stride, pad=self.pad, dilate=self.dilate, groups=self.groups)

    def gradient(self, ns, indexes, grad_outputs):
        # deconvolution and the weight-gradient node are the adjoints, so the
        # gradient can be differentiated again
        from fastgrad.functions.connection.deconvolution_nd import DeconvolutionND
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out = []
        for i in indexes:
            if i == 0:
                gx, = ns.call(DeconvolutionND(self.ndim, outsize=x.shape[2:],
                                              **self._params()), (gy, W))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                gW, = ns.call(ConvolutionNDGradW(self, W.shape, self.inputs[1].dtype),
                              (x, gy))
                out.append(gW)
            else:
                axes = (0,) + tuple(range(2, self.ndim + 2))
                out.append(ns.cast(ns.sum(gy, axis=axes), self.inputs[2].dtype))
        return tuple(out)


class ConvolutionNDGradW(Op):
    """``gW`` of a convolution as a function of ``(x, gy)`` (bilinear in both)."""
    __slots__ = ('ndim', 'ksize', 'W_dtype', 'stride', 'pad', 'dilate', 'cover', 'groups')

    def __init__(self, conv, W_shape, W_dtype):
        self.ndim = conv.ndim
        self.ksize = tuple(W_shape[2:])
        self.W_dtype = W_dtype
        self.stride, self.pad, self.dilate = conv.stride, conv.pad, conv.dilate
        self.cover = conv.cover_all
        self.groups = conv.groups

    def forward(self, inputs):
        x, gy = inputs
        self.retain_inputs((0, 1))
        return _nd.conv_grad_W(x, gy, self.ksize, self.stride, self.pad, self.dilate,
                               self.groups, self.W_dtype),

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad.functions.connection.deconvolution_nd import DeconvolutionND
        x, gy = ns.inputs(self)
        ggW = grad_outputs[0]
        params = dict(stride=self.stride, pad=self.pad, dilate=self.dilate,
                      groups=self.groups)
        out = []
        for i in indexes:
            if i == 0:
                gx, = ns.call(DeconvolutionND(self.ndim, outsize=x.shape[2:], **params),
                              (gy, ggW))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            else:
                ggy, = ns.call(ConvolutionND(self.ndim, cover_all=self.cover, **params),
                               (x, ggW))
                out.append(ns.cast(ggy, self.inputs[1].dtype))
        return tuple(out)


def _spatial_ndim(x, func, expected=None):
    nd = len(x.shape) - 2
    if nd < 1:
        raise ValueError('{}: x must have a batch axis, a channel axis and at least one '
                         'spatial axis, got shape {}'.format(func, tuple(x.shape)))
    if expected is not None and nd != expected:
        raise ValueError('{}: x must have {} spatial axis(es) (x.ndim == {}), got x.ndim '
                         '== {}'.format(func, expected, expected + 2, len(x.shape)))
    return nd


def convolution_nd(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """N-dimensional convolution (cross-correlation, as in Chainer).

    Args:
        x: input ``(n, c_I, d_1, ..., d_N)``.
        W: filters ``(c_O, c_I / groups, k_1, ..., k_N)``.
        b: optional bias ``(c_O,)``.
        stride, pad, dilate: an int or a tuple of ``N`` ints.
        cover_all: keep the last partial window on each axis
            (``l = (d + 2p - k' + s - 1) // s + 1`` instead of
            ``(d + 2p - k') // s + 1``, ``k'`` the dilated kernel length).
        groups: split the channels into independent convolutions.

    Returns:
        Variable ``(n, c_O, l_1, ..., l_N)`` of ``x``'s dtype.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((1, 1, 3, 3, 3), dtype=np.float32)
    >>> F.convolution_nd(x, np.ones((2, 1, 2, 2, 2), np.float32)).shape
    (1, 2, 2, 2, 2)
    """
    nd = _spatial_ndim(x, 'convolution_nd')
    args = (x, W) if b is None else (x, W, b)
    y, = ConvolutionND(nd, stride, pad, cover_all, dilate, groups).apply(args)
    return y


def convolution_1d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """One-dimensional convolution: :func:`convolution_nd` with ``x`` ``(n, c_I, d)``.

    Args:
        x, W, b, stride, pad, cover_all, dilate, groups: as in
            :func:`convolution_nd`.

    >>> x = np.array([[[1., 2., 4.]]], dtype=np.float32)
    >>> W = np.array([[[1., -1.]]], dtype=np.float32)  # (c_O, c_I, k)
    >>> F.convolution_1d(x, W).array
    array([[[-1., -2.]]], dtype=float32)
    """
    _spatial_ndim(x, 'convolution_1d', 1)
    return convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)


def convolution_3d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """Three-dimensional convolution: :func:`convolution_nd` with ``x`` 5-D.

    Args:
        x, W, b, stride, pad, cover_all, dilate, groups: as in
            :func:`convolution_nd`.

    >>> x = np.ones((1, 2, 3, 3, 3), dtype=np.float32)
    >>> W = np.ones((4, 2, 2, 2, 2), dtype=np.float32)
    >>> y = F.convolution_3d(x, W)
    >>> y.shape, float(y.array.max())
    ((1, 4, 2, 2, 2), 16.0)
    """
    _spatial_ndim(x, 'convolution_3d', 3)
    return convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)
