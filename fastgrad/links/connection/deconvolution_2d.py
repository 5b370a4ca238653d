"""L.Deconvolution2D: a 2-D transposed convolution layer holding
W (in, out/groups, kh, kw) and b."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.deconvolution_2d import deconvolution_2d
from fastgrad.links.connection.convolution_2d import _pair


class Deconvolution2D(link.Link):
    """``Deconvolution2D(in_channels, out_channels, ksize=None, stride=1,
    pad=0, nobias=False, outsize=None, initialW=None, initial_bias=None, *,
    dilate=1, groups=1)``

    ``Deconvolution2D(out_channels, ksize)`` infers ``in_channels`` from
    ``x.shape[1]`` at the first call.  ``outsize`` (``(h, w)``) picks the
    output size when the stride makes it ambiguous; ``None`` is the smallest.

    >>> import numpy as np, fastgrad.links as L
    >>> x = np.arange(1 * 3 * 10 * 10, dtype=np.float32).reshape(1, 3, 10, 10)
    >>> L.Deconvolution2D(7, 4, stride=2, pad=1)(x).shape
    (1, 7, 20, 20)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, outsize=None, initialW=None, initial_bias=None,
                 *, dilate=1, groups=1):
        super().__init__()
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        self.ksize = ksize
        self.stride = _pair(stride)
        self.pad = _pair(pad)
        self.dilate = _pair(dilate)
        self.outsize = (None, None) if outsize is None else outsize
        self.out_channels = out_channels
        self.groups = int(groups)
        with self.init_scope():
            self.W = variable.Parameter(initializers._get_initializer(initialW))
            if in_channels is not None:
                self._initialize_params(in_channels)
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = 0
                elif (hasattr(initial_bias, 'shape')
                        and tuple(initial_bias.shape) != (out_channels,)):
                    raise ValueError(
                        'Deconvolution2D: initial_bias.shape must be ({},), '
                        'got {}'.format(out_channels, initial_bias.shape))
                self.b = variable.Parameter(
                    initializers._get_initializer(initial_bias), out_channels)

    def _initialize_params(self, in_channels):
        kh, kw = _pair(self.ksize)
        if self.out_channels % self.groups != 0:
            raise ValueError(
                'Deconvolution2D: the number of output channels ({}) must be '
                'divisible by the number of groups ({})'.format(
                    self.out_channels, self.groups))
        if in_channels % self.groups != 0:
            raise ValueError(
                'Deconvolution2D: the number of input channels ({}) must be '
                'divisible by the number of groups ({})'.format(
                    in_channels, self.groups))
        self.W.initialize(
            (in_channels, self.out_channels // self.groups, kh, kw))

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return deconvolution_2d(x, self.W, self.b, self.stride, self.pad,
                                self.outsize, dilate=self.dilate,
                                groups=self.groups)
