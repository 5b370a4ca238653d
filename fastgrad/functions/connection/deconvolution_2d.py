"""deconvolution_2d: transposed 2-D convolution (the adjoint of convolution_2d in x)."""
from fastgrad import utils
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_NAME = 'Deconvolution2DFunction'


class Deconvolution2DFunction(Op):
    """``y = deconv(x, W) + b``; the output size is ``outsize`` or the smallest
    one whose convolution gives back ``x``'s size."""
    __slots__ = ('sy', 'sx', 'ph', 'pw', 'dy', 'dx', 'outh', 'outw', 'groups',
                 'cover_h', 'cover_w')
    checks = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'",
                    'x.ndim == 4', 'W.ndim == 4', 'x.shape[1] == W.shape[0]',
                    'W.shape[0] % self.groups == 0', 'b.dtype == x.dtype', 'b.ndim == 1',
                    'b.shape[0] == W.shape[1] * self.groups')

    def __init__(self, stride=1, pad=0, outsize=None, dilate=1, groups=1):
        self.sy, self.sx = _conv.pair(stride, 'stride', 'deconvolution_2d', 1)
        self.ph, self.pw = _conv.pair(pad, 'pad', 'deconvolution_2d', 0)
        self.dy, self.dx = _conv.pair(dilate, 'dilate', 'deconvolution_2d', 1)
        self.outh, self.outw = _conv.outsize_pair(outsize, 'deconvolution_2d')
        groups = int(groups)
        if groups < 1:
            raise ValueError('deconvolution_2d: groups must be >= 1, got {}'.format(groups))
        self.groups = groups
        self.cover_h = self.cover_w = False

    @property
    def cover_all(self):
        return (self.cover_h, self.cover_w)

    def _out_len(self, size, k, s, p, d, given, axis):
        """The output length and whether the adjoint convolution needs cover_all."""
        if given is None:
            out = _conv.get_deconv_outsize(size, k, s, p, False, d)
            if out <= 0:
                raise ValueError(
                    'deconvolution_2d: the output {} would be {} (input {}, kernel {}, '
                    'stride {}, pad {}); it must be positive'.format(axis, out, size, k, s, p))
            return out, False
        lower = _conv.get_conv_outsize(given, k, s, p, False, d)
        upper = _conv.get_conv_outsize(given, k, s, p, True, d)
        if not lower <= size <= upper:
            raise utils.invalid_type(
                _NAME,
                'conv_outsize(out_{0}, cover_all=False) <= x.shape[{1}] <= '
                'conv_outsize(out_{0}, cover_all=True)'.format(axis[0], 2 if axis == 'height'
                                                               else 3),
                'out_{} = {} gives {} .. {}, but x.shape[{}] = {}'.format(
                    axis[0], given, lower, upper, 2 if axis == 'height' else 3, size))
        return given, size != lower

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        kh, kw = W.shape[2], W.shape[3]
        h, w = x.shape[2], x.shape[3]
        self.outh, self.cover_h = self._out_len(h, kh, self.sy, self.ph, self.dy,
                                                self.outh, 'height')
        self.outw, self.cover_w = self._out_len(w, kw, self.sx, self.pw, self.dx,
                                                self.outw, 'width')
        self.retain_inputs((0, 1))
        ct = utils.compute_dtype(x.dtype, W.dtype)
        y = _conv.conv_grad_x(x, W, self.outh, self.outw, self.sy, self.sx, self.ph,
                              self.pw, self.dy, self.dx, self.groups, ct)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)      # y is a fresh buffer
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        # convolution and its weight-gradient node are the adjoints
        from fastgrad.functions.connection.convolution_2d import (
            Convolution2DFunction,
            Convolution2DGradW,
        )
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out = []
        for i in indexes:
            if i == 0:
                gx, = ns.call(Convolution2DFunction(
                    (self.sy, self.sx), (self.ph, self.pw), self.cover_all,
                    (self.dy, self.dx), self.groups), (gy, W))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                gW, = ns.call(Convolution2DGradW(self, W.shape, self.inputs[1].dtype), (gy, x))
                out.append(gW)
            else:
                out.append(ns.cast(ns.sum(gy, axis=(0, 2, 3)), self.inputs[2].dtype))
        return tuple(out)

def deconvolution_2d(x, W, b=None, stride=1, pad=0, outsize=None, *, dilate=1, groups=1):
    """Two-dimensional deconvolution (transposed convolution).

    ``x`` is ``(n, c_I, h_I, w_I)``, ``W`` is ``(c_I, c_O / groups, h_K, w_K)``
    and ``b`` (optional) is ``(c_O,)``.  Without ``outsize`` the output is
    ``h_O = s_Y (h_I - 1) + h_K' - 2 h_P`` (``h_K'`` the dilated kernel); an
    explicit ``outsize = (h_O, w_O)`` may be up to ``s - 1`` larger, as long
    as convolving the output gives back ``x``'s size.  The output dtype is
    ``x``'s.  ``deconvolution_2d(gy, W)`` is the gradient of
    ``convolution_2d(x, W)`` with respect to ``x``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((1, 1, 2, 2), dtype=np.float32)
    >>> W = np.ones((1, 1, 2, 2), dtype=np.float32)
    >>> F.deconvolution_2d(x, W).array[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]], dtype=float32)
    """
    func = Deconvolution2DFunction(stride, pad, outsize, dilate, groups)
    args = (x, W) if b is None else (x, W, b)
    y, = func.apply(args)
    return y
