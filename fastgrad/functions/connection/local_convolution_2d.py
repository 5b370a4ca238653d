"""local_convolution_2d: a convolution whose filters are not shared: each
output position ``(y, x)`` has its own ``W[:, y, x]``: one small GEMM per
output position, ``(P, n, K) @ (P, K, c_O)``, on the im2col of x."""
from fastgrad import utils
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.array.im2col import Col2Im, Im2Col

_NAME = 'local_convolution_2d'


class LocalConvolution2DFunction(Op):
    """``y[n, o, y, x] = sum_{c,i,j} W[o, y, x, c, i, j] xpatch[n, c, i, j, y, x] + b[o, y, x]``."""
    __slots__ = ('sy', 'sx')
    checks = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'",
                    'x.ndim == 4', 'W.ndim == 6', 'x.shape[1] == W.shape[3]',
                    'W.shape[1] >= 1', 'W.shape[2] >= 1',
                    '(W.shape[1] - 1) * self.sy + W.shape[4] <= x.shape[2]',
                    '(W.shape[2] - 1) * self.sx + W.shape[5] <= x.shape[3]',
                    'b.dtype == x.dtype', 'b.ndim == 3', 'b.shape == W.shape[:3]')

    def __init__(self, stride=1):
        self.sy, self.sx = _conv.pair(stride, 'stride', _NAME, 1)

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        xp = utils.array_module(x)
        out_c, oh, ow, c, kh, kw = W.shape
        n = x.shape[0]
        ct = utils.compute_dtype(x.dtype, W.dtype)
        win = _conv.windows(x, kh, kw, self.sy, self.sx, 0, 0, oh, ow, 1, 1, 0, ct)
        cols = xp.ascontiguousarray(win.transpose(4, 5, 0, 1, 2, 3)).reshape(
            oh * ow, n, c * kh * kw)
        Wm = W.astype(ct, copy=False).reshape(out_c, oh * ow, -1).transpose(1, 2, 0)
        y = utils.matmul(cols, Wm)                               # (P, n, c_O)
        y = xp.ascontiguousarray(y.transpose(1, 2, 0)).reshape(n, out_c, oh, ow)
        if b is not None:
            y += b
        self.retain_inputs((0, 1))
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out_c, oh, ow, c, kh, kw = W.shape
        n = x.shape[0]
        P, K = oh * ow, c * kh * kw
        ksize, stride = (kh, kw), (self.sy, self.sx)
        gyP = ns.transpose(ns.reshape(gy, (n, out_c, P)), (2, 0, 1))       # (P, n, c_O)
        Wm = ns.transpose(ns.reshape(W, (out_c, P, K)), (1, 2, 0))         # (P, K, c_O)
        out = []
        for i in indexes:
            if i == 0:
                gcols = ns.matmul(gyP, Wm, transb=True)                     # (P, n, K)
                gcols = ns.reshape(ns.transpose(gcols, (1, 2, 0)), (n, K, oh, ow))
                gx, = ns.call(Col2Im(x.shape, ksize, stride), (gcols,))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                cols, = ns.call(Im2Col(ksize, stride), (x,))
                cols = ns.transpose(ns.reshape(cols[:, :, :oh, :ow], (n, K, P)), (2, 0, 1))
                gW = ns.matmul(cols, gyP, transa=True)                      # (P, K, c_O)
                gW = ns.reshape(ns.transpose(gW, (2, 0, 1)), W.shape)
                out.append(ns.cast(gW, self.inputs[1].dtype))
            else:
                out.append(ns.cast(ns.sum(gy, axis=0), self.inputs[2].dtype))
        return tuple(out)


def local_convolution_2d(x, W, b=None, stride=1):
    """Two-dimensional locally connected (unshared-weight) convolution.

    ``y[n, o, y, x] = sum_{c,i,j} W[o, y, x, c, i, j] *
    x[n, c, y s_Y + i, x s_X + j] (+ b[o, y, x])``, without padding.

    Args:
        x: input ``(n, c_I, h, w)``.
        W: filters ``(c_O, h_O, w_O, c_I, k_H, k_W)``, one set per output
            position.
        b: optional bias ``(c_O, h_O, w_O)`` (``x``'s dtype).
        stride: an int or a pair ``(y, x)``.

    Returns:
        Variable ``(n, c_O, h_O, w_O)``.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((2, 3, 7, 7), np.float32)
    >>> F.local_convolution_2d(x, np.ones((2, 5, 5, 3, 3, 3), np.float32)).shape
    (2, 2, 5, 5)
    """
    args = (x, W) if b is None else (x, W, b)
    y, = LocalConvolution2DFunction(stride).apply(args)
    return y
