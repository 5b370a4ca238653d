"""L.DeformableConvolution2D: a Convolution2D that predicts the offsets and a
sampler link that convolves at them."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.deformable_convolution_2d_sampler import (
    deformable_convolution_2d_sampler,
)
from fastgrad.links.connection.convolution_2d import Convolution2D


def _pair(x):
    if hasattr(x, '__getitem__'):
        return x
    return x, x


class DeformableConvolution2D(link.Chain):
    """Deformable 2-D convolution layer (Dai et al., https://arxiv.org/abs/1703.06211).

    ``offset_conv`` (a :class:`Convolution2D` with ``2 k_H k_W`` outputs)
    computes the offsets from ``x``; ``deform_conv`` convolves ``x`` sampled
    at them (:func:`~fastgrad.functions.deformable_convolution_2d_sampler`).

    Args:
        in_channels (int or None): input channels (None: inferred).
        out_channels (int): output channels.
        ksize, stride, pad (int or pair): geometry of both convolutions.
        offset_nobias, offset_initialW, offset_initial_bias: the offset
            convolution's bias switch and initializers.
        deform_nobias, deform_initialW, deform_initial_bias: the deformable
            convolution's; its W defaults to zeros, as in Chainer 7.8.1.

    >>> conv = L.DeformableConvolution2D(3, 4, ksize=3, pad=1)
    >>> conv.offset_conv.W.shape  # 2 * 3 * 3 offsets per position
    (18, 3, 3, 3)
    >>> conv(np.ones((2, 3, 5, 5), np.float32)).shape
    (2, 4, 5, 5)
    """

    def __init__(self, in_channels, out_channels, ksize, stride=1, pad=0,
                 offset_nobias=False, offset_initialW=None, offset_initial_bias=None,
                 deform_nobias=False, deform_initialW=None, deform_initial_bias=None):
        super().__init__()
        kh, kw = _pair(ksize)
        with self.init_scope():
            self.offset_conv = Convolution2D(
                in_channels, 2 * kh * kw, ksize, stride, pad, offset_nobias,
                offset_initialW, offset_initial_bias)
            self.deform_conv = DeformableConvolution2DSampler(
                in_channels, out_channels, ksize, stride, pad, deform_nobias,
                deform_initialW, deform_initial_bias)

    def forward(self, x):
        return self.deform_conv(x, self.offset_conv(x))


class DeformableConvolution2DSampler(link.Link):
    """Holds W ``(c_O, c_I, k_H, k_W)`` and b of a deformable convolution and
    applies it to ``(x, offset)``.

    Args:
        in_channels (int or None): input channels (None: inferred).
        out_channels (int): output channels.
        ksize, stride, pad (int or pair): geometry.
        nobias (bool): no bias.
        initialW: W's initializer (default zeros, as in Chainer 7.8.1);
            initial_bias: b's (default zeros).
    """

    def __init__(self, in_channels, out_channels, ksize, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None):
        super().__init__()
        self.ksize = ksize
        self.stride = _pair(stride)
        self.pad = _pair(pad)
        self.out_channels = out_channels
        self.initialW = initialW
        if initialW is None:
            initialW = initializers.Zero()
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
        self.W.initialize((self.out_channels, in_channels, kh, kw))
        if self.b is not None:
            self.b.initialize(self.out_channels)

    def forward(self, x, offset):
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return deformable_convolution_2d_sampler(x, offset, self.W, self.b, self.stride,
                                                 self.pad)
