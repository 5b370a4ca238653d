"""L.ConvolutionND (and Convolution1D / Convolution3D): an N-D convolution layer
holding W ``(out, in/groups, k_1..k_N)`` and b."""
from fastgrad import initializers, link, variable
from fastgrad.functions._util.convnd import as_tuple
from fastgrad.functions.connection.convolution_nd import convolution_nd


def check_groups(name, in_channels, out_channels, groups):
    if out_channels % groups != 0:
        raise ValueError('{}: the number of output channels ({}) must be divisible by '
                         'the number of groups ({})'.format(name, out_channels, groups))
    if in_channels % groups != 0:
        raise ValueError('{}: the number of input channels ({}) must be divisible by '
                         'the number of groups ({})'.format(name, in_channels, groups))


class ConvolutionND(link.Link):
    """N-dimensional convolution layer (wraps :func:`~fastgrad.functions.convolution_nd`).

    Args:
        ndim (int): number of spatial axes.
        in_channels (int or None): input channels; None infers them at the
            first call (``ConvolutionND(ndim, out_channels, ksize)`` too).
        out_channels (int): output channels.
        ksize (int or tuple): filter size.
        stride, pad, dilate (int or tuple): as in ``convolution_nd``.
        nobias (bool): no bias.
        initialW, initial_bias: initializers (default LeCunNormal / zeros).
        cover_all (bool): as in ``convolution_nd``.
        groups (int): grouped convolution.

    >>> conv = L.ConvolutionND(2, None, 5, ksize=3)  # in_channels inferred
    >>> conv.W.array is None
    True
    >>> conv(np.ones((1, 3, 5, 5), np.float32)).shape, conv.W.shape
    ((1, 5, 3, 3), (5, 3, 3, 3))
    """

    def __init__(self, ndim, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None, cover_all=False,
                 dilate=1, groups=1):
        super().__init__()
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        name = type(self).__name__
        self.ndim = ndim
        self.out_channels = out_channels
        self.ksize = as_tuple(ksize, ndim, 'ksize', name, 1)
        self.stride = stride
        self.pad = pad
        self.cover_all = cover_all
        self.dilate = as_tuple(dilate, ndim, 'dilate', name, 1)
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
                self.b = variable.Parameter(
                    initializers._get_initializer(initial_bias), out_channels)

    def _initialize_params(self, in_channels):
        check_groups(type(self).__name__, in_channels, self.out_channels, self.groups)
        self.W.initialize((self.out_channels, in_channels // self.groups) + self.ksize)

    @classmethod
    def from_params(cls, W, b=None, stride=1, pad=0, nobias=False, *, cover_all=False,
                    dilate=1, groups=1):
        """A ConvolutionND whose parameters are initialized from ``W`` and ``b``."""
        out_channels, in_per_group = W.shape[:2]
        ksize = tuple(W.shape[2:])
        if b is not None and b.size != out_channels:
            raise ValueError('{}.from_params: b.size must equal W.shape[0] ({}), got {}'
                             .format(cls.__name__, out_channels, b.size))
        return ConvolutionND(len(ksize), in_per_group * groups, out_channels, ksize,
                             stride, pad, nobias, initialW=variable.as_array(W),
                             initial_bias=None if b is None else variable.as_array(b),
                             cover_all=cover_all, dilate=dilate, groups=groups)

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return convolution_nd(x, self.W, self.b, self.stride, self.pad,
                              cover_all=self.cover_all, dilate=self.dilate,
                              groups=self.groups)


class Convolution1D(ConvolutionND):
    """1-D convolution layer: :class:`ConvolutionND` with ``ndim=1``.

    Args:
        in_channels, out_channels, ksize: as in ConvolutionND; so are the other
            arguments.

    >>> conv = L.Convolution1D(3, 4, ksize=3, initialW=1.)
    >>> y = conv(np.ones((2, 3, 8), np.float32))
    >>> y.shape, y.array[0, :, 0]  # 3 channels x 3 taps of ones
    ((2, 4, 6), array([9., 9., 9., 9.], dtype=float32))
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None, cover_all=False,
                 dilate=1, groups=1):
        super().__init__(1, in_channels, out_channels, ksize, stride, pad, nobias,
                         initialW, initial_bias, cover_all, dilate, groups)


class Convolution3D(ConvolutionND):
    """3-D convolution layer: :class:`ConvolutionND` with ``ndim=3``.

    Args:
        in_channels, out_channels, ksize: as in ConvolutionND; so are the other
            arguments.

    >>> conv = L.Convolution3D(2, 4, ksize=3, pad=1)
    >>> conv(np.ones((1, 2, 4, 4, 4), np.float32)).shape
    (1, 4, 4, 4, 4)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None, cover_all=False,
                 dilate=1, groups=1):
        super().__init__(3, in_channels, out_channels, ksize, stride, pad, nobias,
                         initialW, initial_bias, cover_all, dilate, groups)
