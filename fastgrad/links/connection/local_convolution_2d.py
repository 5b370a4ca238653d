"""L.LocalConvolution2D: unshared-weight convolution, W ``(c_O, h_O, w_O, c_I,
kh, kw)`` and b ``(c_O, h_O, w_O)`` (so the input size fixes the shapes)."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.local_convolution_2d import local_convolution_2d


def _pair(x):
    if hasattr(x, '__getitem__'):
        return x
    return x, x


class LocalConvolution2D(link.Link):
    """Locally connected 2-D layer (wraps :func:`~fastgrad.functions.local_convolution_2d`).

    Args:
        in_channels (int or None): input channels; with ``in_size`` None the
            parameters are made at the first call.
        out_channels (int): output channels.
        in_size (int or pair or None): input height and width.
        ksize (int or pair): filter size.
        stride (int or pair): stride.
        nobias (bool): no bias.
        initialW, initial_bias: initializers (default LeCunNormal / zeros).

    The output size is ``(h - k_H) // s_Y + 1`` (Chainer 7.8.1's link uses
    ``h - k_H + 1`` whatever the stride, which only works for stride 1).

    >>> conv = L.LocalConvolution2D(3, 4, in_size=5, ksize=3)
    >>> conv.W.shape  # one (4, 3, 3, 3) filter bank per output position
    (4, 3, 3, 3, 3, 3)
    >>> conv(np.ones((1, 3, 5, 5), np.float32)).shape
    (1, 4, 3, 3)
    """

    def __init__(self, in_channels, out_channels, in_size=None, ksize=None, stride=1,
                 nobias=False, initialW=None, initial_bias=None, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError('LocalConvolution2D: unexpected keyword arguments {}'
                            .format(sorted(kwargs)))
        self.ksize = ksize
        self.stride = _pair(stride)
        self.nobias = nobias
        self.out_channels = out_channels
        with self.init_scope():
            self.W = variable.Parameter(initializers._get_initializer(initialW))
            if nobias:
                self.b = None
            else:
                if initial_bias is None:
                    initial_bias = 0
                self.b = variable.Parameter(initializers._get_initializer(initial_bias))
            if in_channels is not None and in_size is not None:
                self._initialize_params(in_channels, _pair(in_size))

    def _initialize_params(self, in_channels, in_size):
        kh, kw = _pair(self.ksize)
        ih, iw = _pair(in_size)
        oh = (ih - kh) // self.stride[0] + 1
        ow = (iw - kw) // self.stride[1] + 1
        if oh < 1 or ow < 1:
            raise ValueError('LocalConvolution2D: ksize {} does not fit in the input size '
                             '{}'.format((kh, kw), (ih, iw)))
        self.W.initialize((self.out_channels, oh, ow, in_channels, kh, kw))
        if not self.nobias:
            self.b.initialize((self.out_channels, oh, ow))

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1], x.shape[2:])
        return local_convolution_2d(x, self.W, self.b, self.stride)
