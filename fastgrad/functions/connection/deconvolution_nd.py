"""deconvolution_nd: N-dimensional transposed convolution (the adjoint of
convolution_nd in x); deconvolution_1d / deconvolution_3d check the rank."""
from fastgrad import utils
from fastgrad.functions._util import convnd as _nd
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.conv import get_deconv_outsize
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.connection.convolution_nd import _groups, _spatial_ndim

_NAME = 'DeconvolutionND'


class DeconvolutionND(Op):
    """``y = deconv(x, W) + b``; the output size is ``outsize`` or the smallest
    one whose convolution gives back ``x``'s size."""
    __slots__ = ('ndim', 'stride', 'pad', 'dilate', 'outs', 'groups', 'cover')
    checks = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'",
                    'x.ndim == self.ndim + 2', 'W.ndim == self.ndim + 2',
                    'x.shape[1] == W.shape[0]', 'W.shape[0] % self.groups == 0',
                    "b.dtype.kind == 'f'", 'b.ndim == 1',
                    'b.shape[0] == W.shape[1] * self.groups')

    def __init__(self, ndim, stride=1, pad=0, outsize=None, dilate=1, groups=1):
        name = 'deconvolution_nd'
        self.ndim = ndim
        self.stride = _nd.as_tuple(stride, ndim, 'stride', name, 1)
        self.pad = _nd.as_tuple(pad, ndim, 'pad', name, 0)
        self.dilate = _nd.as_tuple(dilate, ndim, 'dilate', name, 1)
        if outsize is not None:
            outsize = tuple(outsize)
            if len(outsize) != ndim:
                raise ValueError('{}: outsize must be None or a tuple of {} ints, got {!r}'
                                 .format(name, ndim, outsize))
        self.outs = outsize
        self.groups = _groups(groups, name)
        self.cover = (False,) * ndim

    @property
    def cover_all(self):
        return self.cover

    def _out_lens(self, x_shape, W_shape):
        """The output lengths, and per axis whether the adjoint convolution
        needs cover_all to give back ``x``'s length."""
        outs, cover = [], []
        for i in range(self.ndim):
            size, k = x_shape[i + 2], W_shape[i + 2]
            s, p, d = self.stride[i], self.pad[i], self.dilate[i]
            given = None if self.outs is None else self.outs[i]
            if given is None:
                out = get_deconv_outsize(size, k, s, p, False, d)
                if out <= 0:
                    raise _nd.OutputSizeError(
                        'deconvolution_nd: the output length of axis {} would be {} (input '
                        '{}, kernel {}, stride {}, pad {}); it must be positive'
                        .format(i + 2, out, size, k, s, p))
                outs.append(out)
                cover.append(False)
                continue
            lower = _nd.get_conv_outsize(given, k, s, p, False, d)
            upper = _nd.get_conv_outsize(given, k, s, p, True, d)
            if not lower <= size <= upper:
                raise utils.invalid_type(
                    _NAME,
                    'conv_outsize(outsize[{0}], cover_all=False) <= x.shape[{1}] <= '
                    'conv_outsize(outsize[{0}], cover_all=True)'.format(i, i + 2),
                    'outsize[{}] = {} gives {} .. {}, but x.shape[{}] = {}'.format(
                        i, given, lower, upper, i + 2, size))
            outs.append(given)
            cover.append(size != lower)
        return tuple(outs), tuple(cover)

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        outs, self.cover = self._out_lens(x.shape, W.shape)
        self.outs = outs
        self.retain_inputs((0, 1))
        ct = utils.compute_dtype(x.dtype, W.dtype)
        y = _nd.conv_grad_x(x, W, outs, self.stride, self.pad, self.dilate, self.groups, ct)
        if b is not None:
            # y is a fresh buffer unless the kernel is pointwise
            y = y + b.reshape((1, -1) + (1,) * self.ndim)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad.functions.connection.convolution_nd import ConvolutionND, ConvolutionNDGradW
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out = []
        for i in indexes:
            if i == 0:
                gx, = ns.call(ConvolutionND(self.ndim, self.stride, self.pad, self.cover,
                                            self.dilate, self.groups), (gy, W))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                gW, = ns.call(ConvolutionNDGradW(self, W.shape, self.inputs[1].dtype),
                              (gy, x))
                out.append(gW)
            else:
                axes = (0,) + tuple(range(2, self.ndim + 2))
                out.append(ns.cast(ns.sum(gy, axis=axes), self.inputs[2].dtype))
        return tuple(out)


def deconvolution_nd(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """N-dimensional deconvolution (transposed convolution).

    Args:
        x: input ``(n, c_I, d_1, ..., d_N)``.
        W: filters ``(c_I, c_O / groups, k_1, ..., k_N)``.
        b: optional bias ``(c_O,)``.
        stride, pad, dilate: an int or a tuple of ``N`` ints.
        outsize: None (``l = s (d - 1) + k' - 2p``, ``k'`` the dilated kernel)
            or a tuple of ``N`` lengths up to ``s - 1`` larger, as long as
            convolving the output gives back ``x``'s size.
        groups: split the channels into independent deconvolutions.

    Returns:
        Variable ``(n, c_O, l_1, ..., l_N)`` of ``x``'s dtype.

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> x = np.ones((1, 1, 2, 2, 2), dtype=np.float32)
    >>> F.deconvolution_nd(x, np.ones((1, 3, 2, 2, 2), np.float32)).shape
    (1, 3, 3, 3, 3)
    """
    nd = _spatial_ndim(x, 'deconvolution_nd')
    args = (x, W) if b is None else (x, W, b)
    y, = DeconvolutionND(nd, stride, pad, outsize, dilate, groups).apply(args)
    return y


def deconvolution_1d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """One-dimensional deconvolution: :func:`deconvolution_nd` with ``x`` 3-D.

    Args:
        x, W, b, stride, pad, outsize, dilate, groups: as in
            :func:`deconvolution_nd`.

    >>> x = np.array([[[1., 2.]]], dtype=np.float32)
    >>> W = np.array([[[1., -1.]]], dtype=np.float32)  # (c_I, c_O, k)
    >>> F.deconvolution_1d(x, W).array
    array([[[ 1.,  1., -2.]]], dtype=float32)
    """
    _spatial_ndim(x, 'deconvolution_1d', 1)
    return deconvolution_nd(x, W, b, stride, pad, outsize, dilate, groups)


def deconvolution_3d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """Three-dimensional deconvolution: :func:`deconvolution_nd` with ``x`` 5-D.

    Args:
        x, W, b, stride, pad, outsize, dilate, groups: as in
            :func:`deconvolution_nd`.

    >>> x = np.ones((1, 4, 2, 2, 2), dtype=np.float32)
    >>> W = np.ones((4, 3, 2, 2, 2), dtype=np.float32)
    >>> F.deconvolution_3d(x, W, stride=2).shape
    (1, 3, 4, 4, 4)
    """
    _spatial_ndim(x, 'deconvolution_3d', 3)
    return deconvolution_nd(x, W, b, stride, pad, outsize, dilate, groups)
