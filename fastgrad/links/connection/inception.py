"""L.Inception: the GoogLeNet inception module (four parallel paths
concatenated along the channels)."""
from fastgrad import link
from fastgrad.functions.activation.relu import relu
from fastgrad.functions.array.concat import concat
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d
from fastgrad.links.connection.convolution_2d import Convolution2D


class Inception(link.Chain):
    """Inception module of GoogLeNet.

    Four paths see the same input: a 1x1 convolution (``conv1``); a 1x1
    projection then a 3x3 convolution (``proj3``, ``conv3``); a 1x1 projection
    then a 5x5 convolution (``proj5``, ``conv5``); a 3x3 max pooling then a
    1x1 projection (``projp``).  Padding keeps the spatial size, and the ReLU
    of their concatenation is the output (Chainer's ``L.Inception``).

    Args:
        in_channels (int or None): Channels of the input (None: inferred).
        out1 (int): Output channels of the 1x1 path.
        proj3 (int): Projection channels of the 3x3 path.
        out3 (int): Output channels of the 3x3 path.
        proj5 (int): Projection channels of the 5x5 path.
        out5 (int): Output channels of the 5x5 path.
        proj_pool (int): Projection channels of the pooling path.
        conv_init: Initializer of the convolution weights.
        bias_init: Initializer of the convolution biases.

    >>> import numpy as np, fastgrad.links as L
    >>> x = np.ones((1, 3, 5, 5), np.float32)
    >>> L.Inception(3, 2, 2, 3, 2, 3, 1)(x).shape
    (1, 9, 5, 5)
    """

    def __init__(self, in_channels, out1, proj3, out3, proj5, out5, proj_pool,
                 conv_init=None, bias_init=None):
        super().__init__()
        init = dict(initialW=conv_init, initial_bias=bias_init)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, out1, 1, **init)
            self.proj3 = Convolution2D(in_channels, proj3, 1, **init)
            self.conv3 = Convolution2D(proj3, out3, 3, pad=1, **init)
            self.proj5 = Convolution2D(in_channels, proj5, 1, **init)
            self.conv5 = Convolution2D(proj5, out5, 5, pad=2, **init)
            self.projp = Convolution2D(in_channels, proj_pool, 1, **init)

    def forward(self, x):
        """The ReLU of the four paths' outputs concatenated on axis 1
        (``out1 + out3 + out5 + proj_pool`` channels, same height/width)."""
        path1 = self.conv1(x)
        path3 = self.conv3(relu(self.proj3(x)))
        path5 = self.conv5(relu(self.proj5(x)))
        pool = self.projp(max_pooling_2d(x, 3, stride=1, pad=1))
        return relu(concat((path1, path3, path5, pool), axis=1))
