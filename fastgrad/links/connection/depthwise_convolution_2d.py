"""L.DepthwiseConvolution2D: W ``(c_M, c_I, kh, kw)`` and b ``(c_I * c_M,)``."""
import numpy

from fastgrad import initializers, link, variable
from fastgrad.functions.connection.depthwise_convolution_2d import depthwise_convolution_2d


def _pair(x):
    if hasattr(x, '__getitem__'):
        return x
    return x, x


class DepthwiseConvolution2D(link.Link):
    """Depthwise 2-D convolution layer (wraps
    :func:`~fastgrad.functions.depthwise_convolution_2d`).

    Args:
        in_channels (int or None): input channels (None: inferred at the
            first call).
        channel_multiplier (int): filters per input channel.
        ksize, stride, pad (int or pair): filter geometry.
        nobias (bool): no bias.
        initialW: W's initializer (default ``HeNormal(1 / sqrt(2))``, as in
            Chainer); initial_bias: b's (default zeros).

    >>> conv = L.DepthwiseConvolution2D(3, channel_multiplier=2, ksize=3)
    >>> conv.W.shape
    (2, 3, 3, 3)
    >>> conv(np.ones((1, 3, 5, 5), np.float32)).shape  # 3 * 2 output channels
    (1, 6, 3, 3)
    """

    def __init__(self, in_channels, channel_multiplier, ksize, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        self.ksize = ksize
        self.stride = _pair(stride)
        self.pad = _pair(pad)
        self.channel_multiplier = channel_multiplier
        self.nobias = nobias
        if initialW is None:
            initialW = initializers.HeNormal(1. / numpy.sqrt(2))
        with self.init_scope():
            self.W = variable.Parameter(initializers._get_initializer(initialW))
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = initializers.Constant(0)
                self.b = variable.Parameter(initializers._get_initializer(initial_bias))
        if in_channels is not None:
            self._initialize_params(in_channels)

    def _initialize_params(self, in_channels):
        kh, kw = _pair(self.ksize)
        self.W.initialize((self.channel_multiplier, in_channels, kh, kw))
        if self.b is not None:
            self.b.initialize(self.channel_multiplier * in_channels)

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return depthwise_convolution_2d(x, self.W, self.b, self.stride, self.pad)
