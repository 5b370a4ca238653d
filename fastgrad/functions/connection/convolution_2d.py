"""convolution_2d: 2-D convolution (cross-correlation), NCHW, im2col + GEMM."""
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _positive_outsize(name, oh, ow, x_shape, W_shape):
    if oh <= 0 or ow <= 0:
        raise ValueError(
            '{}: the output would be {}x{} (input {}x{}, kernel {}x{}); the output height '
            'and width must be positive (check ksize, stride, pad and dilate)'.format(
                name, oh, ow, x_shape[2], x_shape[3], W_shape[2], W_shape[3]))


class Convolution2DFunction(Op):
    """``y = conv(x, W) + b``.

    ``cover_all`` may be a pair (height, width): deconvolution's backward needs
    one flag per axis to reproduce the input size exactly.
    """
    __slots__ = ('sy', 'sx', 'ph', 'pw', 'dy', 'dx', 'cover_h', 'cover_w', 'groups')
    checks = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'",
                    'x.ndim == 4', 'W.ndim == 4', 'x.shape[1] == W.shape[1] * self.groups',
                    'W.shape[0] % self.groups == 0', 'b.dtype == x.dtype', 'b.ndim == 1',
                    'b.shape[0] == W.shape[0]')

    def __init__(self, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
        self.sy, self.sx = _conv.pair(stride, 'stride', 'convolution_2d', 1)
        self.ph, self.pw = _conv.pair(pad, 'pad', 'convolution_2d', 0)
        self.dy, self.dx = _conv.pair(dilate, 'dilate', 'convolution_2d', 1)
        if isinstance(cover_all, tuple):
            self.cover_h, self.cover_w = bool(cover_all[0]), bool(cover_all[1])
        else:
            self.cover_h = self.cover_w = bool(cover_all)
        groups = int(groups)
        if groups < 1:
            raise ValueError('convolution_2d: groups must be >= 1, got {}'.format(groups))
        self.groups = groups

    @property
    def cover_all(self):
        return (self.cover_h, self.cover_w)

    def _outsize(self, x_shape, W_shape):
        oh = _conv.get_conv_outsize(x_shape[2], W_shape[2], self.sy, self.ph,
                                    self.cover_h, self.dy)
        ow = _conv.get_conv_outsize(x_shape[3], W_shape[3], self.sx, self.pw,
                                    self.cover_w, self.dx)
        return oh, ow

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        oh, ow = self._outsize(x.shape, W.shape)
        _positive_outsize('convolution_2d', oh, ow, x.shape, W.shape)
        self.retain_inputs((0, 1))
        return _conv.conv_forward(x, W, b, self.sy, self.sx, self.ph, self.pw, oh, ow,
                                  self.dy, self.dx, self.groups, x.dtype),

    def _strides(self):
        return dict(stride=(self.sy, self.sx), pad=(self.ph, self.pw),
                    dilate=(self.dy, self.dx), groups=self.groups)

    def gradient(self, ns, indexes, grad_outputs):
        # deconvolution and the weight-gradient node below are each other's
        # adjoints, so the gradient can be differentiated again
        from fastgrad.functions.connection.deconvolution_2d import Deconvolution2DFunction
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out = []
        for i in indexes:
            if i == 0:
                gx, = ns.call(Deconvolution2DFunction(outsize=x.shape[2:], **self._strides()),
                              (gy, W))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                gW, = ns.call(Convolution2DGradW(self, W.shape, self.inputs[1].dtype), (x, gy))
                out.append(gW)
            else:
                out.append(ns.cast(ns.sum(gy, axis=(0, 2, 3)), self.inputs[2].dtype))
        return tuple(out)


class Convolution2DGradW(Op):
    """``gW`` of a convolution as a function of ``(x, gy)`` (bilinear in both)."""
    __slots__ = ('kh', 'kw', 'W_dtype', 'sy', 'sx', 'ph', 'pw', 'dy', 'dx', 'cover_all',
                 'groups')

    def __init__(self, conv, W_shape, W_dtype):
        self.kh, self.kw = W_shape[2], W_shape[3]
        self.W_dtype = W_dtype
        self.sy, self.sx = conv.sy, conv.sx
        self.ph, self.pw = conv.ph, conv.pw
        self.dy, self.dx = conv.dy, conv.dx
        self.cover_all = conv.cover_all
        self.groups = conv.groups

    def forward(self, inputs):
        x, gy = inputs
        self.retain_inputs((0, 1))
        return _conv.conv_grad_W(x, gy, self.kh, self.kw, self.sy, self.sx, self.ph,
                                 self.pw, self.dy, self.dx, self.groups, self.W_dtype),

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad.functions.connection.deconvolution_2d import Deconvolution2DFunction
        x, gy = ns.inputs(self)
        ggW = grad_outputs[0]
        strides = dict(stride=(self.sy, self.sx), pad=(self.ph, self.pw),
                       dilate=(self.dy, self.dx), groups=self.groups)
        out = []
        for i in indexes:
            if i == 0:
                gx, = ns.call(Deconvolution2DFunction(outsize=x.shape[2:], **strides),
                              (gy, ggW))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            else:
                ggy, = ns.call(Convolution2DFunction(cover_all=self.cover_all, **strides),
                               (x, ggW))
                out.append(ns.cast(ggy, self.inputs[1].dtype))
        return tuple(out)

def convolution_2d(x, W, b=None, stride=1, pad=0, cover_all=False, *, dilate=1, groups=1):
    """Two-dimensional convolution (cross-correlation, as in Chainer).

    ``x`` is ``(n, c_I, h_I, w_I)``, ``W`` is ``(c_O, c_I / groups, h_K, w_K)``
    and ``b`` (optional) is ``(c_O,)``.  The output is ``(n, c_O, h_O, w_O)``
    with ``h_O = (h_I + 2 h_P - h_K') // s_Y + 1`` where ``h_K' = h_K + (h_K -
    1)(d_Y - 1)`` is the dilated kernel (with ``cover_all`` the last partial
    window is kept: ``(h_I + 2 h_P - h_K' + s_Y - 1) // s_Y + 1``).  ``stride``,
    ``pad`` and ``dilate`` are ints or ``(y, x)`` pairs; ``groups`` splits the
    channels into independent convolutions.  The output dtype is ``x``'s.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> W = np.ones((1, 1, 2, 2), dtype=np.float32)
    >>> F.convolution_2d(x, W, stride=2).array[0, 0]
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """
    func = Convolution2DFunction(stride, pad, cover_all, dilate, groups)
    args = (x, W) if b is None else (x, W, b)
    y, = func.apply(args)
    return y
