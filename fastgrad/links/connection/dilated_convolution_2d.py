"""L.DilatedConvolution2D: a 2-D convolution layer with dilated filters."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.dilated_convolution_2d import dilated_convolution_2d


def _pair(x):
    if hasattr(x, '__getitem__'):
        return x
    return x, x


class DilatedConvolution2D(link.Link):
    """Dilated 2-D convolution layer (wraps :func:`~fastgrad.functions.dilated_convolution_2d`).

    Args:
        in_channels (int or None): input channels (None: inferred at the
            first call; ``DilatedConvolution2D(out_channels, ksize)`` too).
        out_channels (int): output channels.
        ksize, stride, pad, dilate (int or pair): filter geometry.
        nobias (bool): no bias.
        initialW, initial_bias: initializers (default LeCunNormal / zeros).

    >>> conv = L.DilatedConvolution2D(3, 4, ksize=3, dilate=2)
    >>> conv(np.ones((1, 3, 7, 7), np.float32)).shape  # 7 - (3 - 1) * 2
    (1, 4, 3, 3)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, dilate=1,
                 nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        self.ksize = ksize
        self.stride = _pair(stride)
        self.pad = _pair(pad)
        self.dilate = _pair(dilate)
        self.out_channels = out_channels
        with self.init_scope():
            self.W = variable.Parameter(initializers._get_initializer(initialW))
            if in_channels is not None:
                self._initialize_params(in_channels)
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = 0
                self.b = variable.Parameter(initializers._get_initializer(initial_bias),
                                            out_channels)

    def _initialize_params(self, in_channels):
        kh, kw = _pair(self.ksize)
        self.W.initialize((self.out_channels, in_channels, kh, kw))

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return dilated_convolution_2d(x, self.W, self.b, self.stride, self.pad, self.dilate)
