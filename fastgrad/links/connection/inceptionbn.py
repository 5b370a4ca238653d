"""L.InceptionBN: the inception module of the batch-normalized GoogLeNet
(Inception v2)."""
from fastgrad import configuration, link
from fastgrad.functions.activation.relu import relu
from fastgrad.functions.array.concat import concat
from fastgrad.functions.pooling.average_pooling_2d import average_pooling_2d
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d
from fastgrad.links.connection.convolution_2d import Convolution2D
from fastgrad.links.normalization.batch_normalization import BatchNormalization


class InceptionBN(link.Chain):
    """Inception module with batch normalization after every convolution.

    Like :class:`Inception`, but every convolution (no bias) is followed by
    BatchNormalization and ReLU, the 5x5 path is two 3x3 convolutions
    (``proj33``, ``conv33a``, ``conv33b``), the pooling is max or average, and
    the 1x1 path and the pooling projection are optional (Chainer's
    ``L.InceptionBN``).

    Args:
        in_channels (int or None): Channels of the input (None: inferred).
        out1 (int): Output channels of the 1x1 path (0: no such path; a
            positive value needs ``stride == 1`` and a ``proj_pool``).
        proj3 (int): Projection channels of the 3x3 path.
        out3 (int): Output channels of the 3x3 path.
        proj33 (int): Projection channels of the double-3x3 path.
        out33 (int): Output channels of the double-3x3 path.
        pooltype (str): ``'max'`` or ``'avg'``.
        proj_pool (int or None): Projection channels after the pooling
            (None: the pooled input is passed through).
        stride (int): Stride of the last convolution of each path and of the
            pooling.
        conv_init: Initializer of the convolution weights.
        dtype: dtype of the BatchNormalization parameters (default: the
            ``dtype`` config).

    >>> import numpy as np, fastgrad.links as L
    >>> x = np.ones((2, 3, 5, 5), np.float32)
    >>> L.InceptionBN(3, 2, 2, 3, 2, 3, 'max', 1)(x).shape
    (2, 9, 5, 5)
    """

    def __init__(self, in_channels, out1, proj3, out3, proj33, out33,
                 pooltype, proj_pool=None, stride=1, conv_init=None,
                 dtype=None):
        super().__init__()
        self.out1 = out1
        self.proj_pool = proj_pool
        self.stride = stride
        self.pooltype = pooltype
        if pooltype not in ('max', 'avg'):
            raise NotImplementedError(
                "InceptionBN: pooltype must be 'max' or 'avg', not {!r}".format(pooltype))
        if out1 > 0 and (stride != 1 or proj_pool is None):
            # Chainer asserts this: the 1x1 path cannot be strided, and
            # without a projection the channel count would not add up.
            raise AssertionError(
                'InceptionBN: out1 > 0 needs stride == 1 and proj_pool set '
                '(stride={}, proj_pool={})'.format(stride, proj_pool))
        dtype = configuration.get_dtype(dtype)

        def conv(cin, cout, ksize, stride=1, pad=0):
            return Convolution2D(cin, cout, ksize, stride, pad, nobias=True,
                                 initialW=conv_init)

        with self.init_scope():
            self.proj3 = conv(in_channels, proj3, 1)
            self.conv3 = conv(proj3, out3, 3, stride, 1)
            self.proj33 = conv(in_channels, proj33, 1)
            self.conv33a = conv(proj33, out33, 3, 1, 1)
            self.conv33b = conv(out33, out33, 3, stride, 1)
            self.proj3n = BatchNormalization(proj3, dtype=dtype)
            self.conv3n = BatchNormalization(out3, dtype=dtype)
            self.proj33n = BatchNormalization(proj33, dtype=dtype)
            self.conv33an = BatchNormalization(out33, dtype=dtype)
            self.conv33bn = BatchNormalization(out33, dtype=dtype)
            if out1 > 0:
                self.conv1 = conv(in_channels, out1, 1)
                self.conv1n = BatchNormalization(out1, dtype=dtype)
            if proj_pool is not None:
                self.poolp = conv(in_channels, proj_pool, 1)
                self.poolpn = BatchNormalization(proj_pool, dtype=dtype)

    def forward(self, x):
        """The paths' outputs concatenated on axis 1."""
        outs = []
        if self.out1 > 0:
            outs.append(relu(self.conv1n(self.conv1(x))))
        h = relu(self.proj3n(self.proj3(x)))
        outs.append(relu(self.conv3n(self.conv3(h))))
        h = relu(self.proj33n(self.proj33(x)))
        h = relu(self.conv33an(self.conv33a(h)))
        outs.append(relu(self.conv33bn(self.conv33b(h))))
        if self.pooltype == 'max':
            p = max_pooling_2d(x, 3, stride=self.stride, pad=1, cover_all=False)
        else:
            p = average_pooling_2d(x, 3, stride=self.stride, pad=1)
        if self.proj_pool is not None:
            p = relu(self.poolpn(self.poolp(p)))
        outs.append(p)
        return concat(outs, axis=1)
