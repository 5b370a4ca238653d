"""L.DeconvolutionND (and Deconvolution1D / Deconvolution3D): an N-D transposed
convolution layer holding W ``(in, out/groups, k_1..k_N)`` and b."""
from fastgrad import initializers, link, variable
from fastgrad.functions._util.convnd import as_tuple
from fastgrad.functions.connection.deconvolution_nd import deconvolution_nd
from fastgrad.links.connection.convolution_nd import check_groups


class DeconvolutionND(link.Link):
    """N-dimensional deconvolution layer (wraps :func:`~fastgrad.functions.deconvolution_nd`).

    Args:
        ndim (int): number of spatial axes.
        in_channels (int or None): input channels; None infers them at the
            first call (``DeconvolutionND(ndim, out_channels, ksize)`` too).
        out_channels (int): output channels.
        ksize (int or tuple): filter size.
        stride, pad, dilate (int or tuple): as in ``deconvolution_nd``.
        nobias (bool): no bias.
        outsize (tuple or None): output spatial size.
        initialW, initial_bias: initializers (default LeCunNormal / zeros).
        groups (int): grouped deconvolution.

    >>> deconv = L.DeconvolutionND(2, 3, 2, ksize=3)
    >>> deconv(np.ones((1, 3, 4, 4), np.float32)).shape
    (1, 2, 6, 6)
    """

    def __init__(self, ndim, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, outsize=None, initialW=None, initial_bias=None, dilate=1,
                 groups=1):
        super().__init__()
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        name = type(self).__name__
        self.ndim = ndim
        self.out_channels = out_channels
        self.ksize = as_tuple(ksize, ndim, 'ksize', name, 1)
        self.stride = stride
        self.pad = pad
        self.outsize = outsize
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
        self.W.initialize((in_channels, self.out_channels // self.groups) + self.ksize)

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return deconvolution_nd(x, self.W, self.b, self.stride, self.pad, self.outsize,
                                dilate=self.dilate, groups=self.groups)


class Deconvolution1D(DeconvolutionND):
    """1-D deconvolution layer: :class:`DeconvolutionND` with ``ndim=1``.

    Args:
        in_channels, out_channels, ksize: as in DeconvolutionND; so are the other
            arguments.

    >>> deconv = L.Deconvolution1D(3, 2, ksize=4, stride=2)
    >>> deconv(np.ones((2, 3, 5), np.float32)).shape  # (5 - 1) * 2 + 4
    (2, 2, 12)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, outsize=None, initialW=None, initial_bias=None, dilate=1,
                 groups=1):
        super().__init__(1, in_channels, out_channels, ksize, stride, pad, nobias,
                         outsize, initialW, initial_bias, dilate, groups)


class Deconvolution3D(DeconvolutionND):
    """3-D deconvolution layer: :class:`DeconvolutionND` with ``ndim=3``.

    Args:
        in_channels, out_channels, ksize: as in DeconvolutionND; so are the other
            arguments.

    >>> deconv = L.Deconvolution3D(2, 4, ksize=2, stride=2)
    >>> deconv(np.ones((1, 2, 2, 2, 2), np.float32)).shape
    (1, 4, 4, 4, 4)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, outsize=None, initialW=None, initial_bias=None, dilate=1,
                 groups=1):
        super().__init__(3, in_channels, out_channels, ksize, stride, pad, nobias,
                         outsize, initialW, initial_bias, dilate, groups)
