"""L.Convolution2D: a 2-D convolution layer holding W (out, in/groups, kh, kw) and b."""
from fastgrad import initializers, link, memory_layouts, variable
from fastgrad.functions.connection.convolution_2d import convolution_2d


def _pair(x):
    if hasattr(x, '__getitem__'):
        return x
    return x, x


class Convolution2D(link.Link):
    """``Convolution2D(in_channels, out_channels, ksize=None, stride=1, pad=0,
    nobias=False, initialW=None, initial_bias=None, *, dilate=1, groups=1)``

    ``Convolution2D(out_channels, ksize)`` / ``Convolution2D(None,
    out_channels, ksize)`` infer ``in_channels`` from ``x.shape[1]`` at the
    first call (``in_channels`` stays None, as in Chainer).  ``W`` defaults to
    LeCunNormal drawn from NumPy's global RNG; ``b`` to zeros.

    >>> import numpy as np, fastgrad.links as L
    >>> x = np.arange(1 * 3 * 10 * 10, dtype=np.float32).reshape(1, 3, 10, 10)
    >>> L.Convolution2D(7, 5)(x).shape
    (1, 7, 6, 6)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None, *, dilate=1,
                 groups=1):
        super().__init__()
        memory_layouts.check_compute_mode('Convolution2D')
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        self.ksize = ksize
        self.stride = _pair(stride)
        self.pad = _pair(pad)
        self.dilate = _pair(dilate)
        self.in_channels = in_channels
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
                self.b = variable.Parameter(
                    initializers._get_initializer(initial_bias), out_channels)

    @property
    def printable_specs(self):
        yield 'in_channels', self.in_channels
        yield 'out_channels', self.out_channels
        yield 'ksize', self.ksize
        yield 'stride', self.stride
        yield 'pad', self.pad
        yield 'nobias', self.b is None
        yield 'dilate', self.dilate
        yield 'groups', self.groups

    def _initialize_params(self, in_channels):
        kh, kw = _pair(self.ksize)
        if self.out_channels % self.groups != 0:
            raise ValueError(
                'Convolution2D: the number of output channels ({}) must be '
                'divisible by the number of groups ({})'.format(
                    self.out_channels, self.groups))
        if in_channels % self.groups != 0:
            raise ValueError(
                'Convolution2D: the number of input channels ({}) must be '
                'divisible by the number of groups ({})'.format(
                    in_channels, self.groups))
        self.W.initialize(
            (self.out_channels, in_channels // self.groups, kh, kw))

    @classmethod
    def from_params(cls, W, b=None, stride=1, pad=0, nobias=False, *,
                    dilate=1, groups=1):
        """A Convolution2D whose parameters are initialized from ``W``
        (``(out, in/groups, kh, kw)``) and ``b``."""
        out_channels, in_per_group, kh, kw = W.shape
        if b is not None and b.size != out_channels:
            raise ValueError(
                'Convolution2D.from_params: b.size must equal W.shape[0] ({}), '
                'got {}'.format(out_channels, b.size))
        return cls(in_per_group * groups, out_channels, (kh, kw), stride, pad,
                   nobias, initialW=variable.as_array(W),
                   initial_bias=None if b is None else variable.as_array(b),
                   dilate=dilate, groups=groups)

    def forward(self, x):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return convolution_2d(x, self.W, self.b, self.stride, self.pad,
                              dilate=self.dilate, groups=self.groups)
