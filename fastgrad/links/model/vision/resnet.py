"""ResNet-50/101/152 (MSRA's residual networks) with Chainer's layer names:
``conv1``, ``bn1``, ``res2``..``res5`` (``BuildingBlock``\\ s of ``a``,
``b1``, ``b2``... bottlenecks), ``fc6``."""
import warnings

from fastgrad import initializers, link
from fastgrad.functions.activation.relu import relu
from fastgrad.functions.activation.softmax import softmax
from fastgrad.functions.math.average import average
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d
from fastgrad.links.connection.convolution_2d import Convolution2D
from fastgrad.links.connection.linear import Linear
from fastgrad.links.model.vision import _base
from fastgrad.links.normalization.batch_normalization import BatchNormalization

available = _base.available

_BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def prepare(image, size=(224, 224)):
    """An RGB image (PIL image or array ``(H, W)``, ``(H, W, C)``,
    ``(1, H, W)``, ``(3, H, W)``) as the ``(3, H, W)`` input of a ResNet:
    resized to ``size`` (unless None), BGR, minus ResNet's mean pixel.

    Args:
        image (PIL.Image or numpy.ndarray): The image.
        size (pair of ints or None): Size after resizing.
    """
    return _base.prepare_image(image, size, (103.063, 115.903, 123.152))


def _pool1(x):
    return max_pooling_2d(x, ksize=3, stride=2)


def _global_average_pooling_2d(x):
    return average(x, axis=(2, 3))


class ResNetLayers(_base.PretrainedModel):
    """A ResNet of 50, 101 or 152 layers (Chainer's
    ``chainer.links.model.vision.resnet.ResNetLayers``).

    Args:
        pretrained_model (str or None): Path of an npz in Chainer's layout
            (as written by Chainer's ``convert_caffemodel_to_npz`` or by
            ``save_npz`` of this model) to load; None: He-normal
            initialization (``HeNormal(scale=1.0)``) of the convolutions.
            A ``.caffemodel`` name (``'auto'``: ``ResNet-<n>-model.caffemodel``)
            loads ``ResNet-<n>-model.npz`` from the model cache, or converts
            the caffemodel (MSRA's, put in the model cache folder by hand, as
            for Chainer) into it once.
        n_layers (int): 50, 101 or 152.
        downsample_fb (bool): Put the stride 2 on the 3x3 convolutions
            (Facebook's ResNet) instead of the first 1x1 ones (MSRA's).

    Attributes:
        available_layers (list of str): The layer names of ``forward`` and
            ``extract``: conv1, pool1, res2, res3, res4, res5, pool5, fc6,
            prob.
    """

    def __init__(self, pretrained_model, n_layers, downsample_fb=False):
        super().__init__()
        if n_layers not in _BLOCKS:
            raise ValueError('The n_layers argument should be either 50, 101,'
                             ' or 152, but {} was given.'.format(n_layers))
        block = _BLOCKS[n_layers]
        self._n_layers = n_layers
        path = _base.resolve_pretrained(type(self).__name__, pretrained_model,
                                        'ResNet-{}-model.npz'.format(n_layers))
        # With weights to load, a zero fill is as good as sampling and faster.
        initialW = (initializers.Zero() if pretrained_model
                    else initializers.HeNormal(scale=1.0))
        kw = dict(initialW=initialW, downsample_fb=downsample_fb)
        with self.init_scope():
            self.conv1 = Convolution2D(3, 64, 7, 2, 3, initialW=initialW)
            self.bn1 = BatchNormalization(64)
            self.res2 = BuildingBlock(block[0], 64, 64, 256, 1, **kw)
            self.res3 = BuildingBlock(block[1], 256, 128, 512, 2, **kw)
            self.res4 = BuildingBlock(block[2], 512, 256, 1024, 2, **kw)
            self.res5 = BuildingBlock(block[3], 1024, 512, 2048, 2, **kw)
            self.fc6 = Linear(2048, 1000)
        _base.load(self, path)

    _prepare = staticmethod(prepare)

    @property
    def functions(self):
        """The layers in order: name -> list of callables."""
        return _base.ordered(
            ('conv1', [self.conv1, self.bn1, relu]),
            ('pool1', [_pool1]),
            ('res2', [self.res2]),
            ('res3', [self.res3]),
            ('res4', [self.res4]),
            ('res5', [self.res5]),
            ('pool5', [_global_average_pooling_2d]),
            ('fc6', [self.fc6]),
            ('prob', [softmax]),
        )

    def _caffe_layers(self):
        # MSRA's names: res<stage><block>_branch<2a|2b|2c|1> with bn../scale..
        # beside each; blocks are a, b, c... in ResNet-50 and in the outer
        # stages, a, b1, b2... in the inner stages of the deeper ones.
        pairs = [('conv1', 'conv1'), ('bn1', ('bn_conv1', 'scale_conv1')),
                 ('fc6', 'fc1000')]
        for stage, count in zip((2, 3, 4, 5), _BLOCKS[self._n_layers]):
            for i in range(count):
                if i == 0:
                    block, link = 'a', 'a'
                else:
                    lettered = self._n_layers == 50 or stage in (2, 5)
                    block = chr(ord('a') + i) if lettered else 'b{}'.format(i)
                    link = 'b{}'.format(i)
                branches = ('2a', '2b', '2c', '1') if i == 0 else ('2a', '2b', '2c')
                for j, branch in enumerate(branches, 1):
                    suffix = '{}{}_branch{}'.format(stage, block, branch)
                    path = 'res{}/{}/'.format(stage, link)
                    pairs += [(path + 'conv{}'.format(j), 'res' + suffix),
                              (path + 'bn{}'.format(j), ('bn' + suffix, 'scale' + suffix))]
        return pairs

    @classmethod
    def convert_caffemodel_to_npz(cls, path_caffemodel, path_npz, n_layers=50):
        """Convert MSRA's ``ResNet-<n_layers>-model.caffemodel`` at
        ``path_caffemodel`` to an npz at ``path_npz`` that
        ``pretrained_model`` loads (``n_layers``: 50, 101 or 152)."""
        from fastgrad.links.caffe import CaffeFunction
        _base.convert_caffemodel_to_npz(CaffeFunction(path_caffemodel),
                                        ResNetLayers(_base.WEIGHTS_FOLLOW, n_layers), path_npz)


class ResNet50Layers(ResNetLayers):
    """ResNet-50 (Chainer's ``L.ResNet50Layers``; 25,557,096 parameters).

    Args:
        pretrained_model (str or None): npz path to load, None for He-normal
            initialization, ``'auto'``: as for :class:`ResNetLayers`.
        downsample_fb (bool): Facebook's placement of the stride.

    >>> import numpy as np, fastgrad, fastgrad.links as L
    >>> model = L.ResNet50Layers(pretrained_model=None)
    >>> x = np.zeros((1, 3, 32, 32), np.float32)
    >>> with fastgrad.using_config('train', False):
    ...     model(x, layers=['res3', 'pool5'])['pool5'].shape
    (1, 2048)
    """

    def __init__(self, pretrained_model='auto', downsample_fb=False):
        if pretrained_model == 'auto':
            pretrained_model = 'ResNet-50-model.caffemodel'
        super().__init__(pretrained_model, 50, downsample_fb)


class ResNet101Layers(ResNetLayers):
    """ResNet-101 (Chainer's ``L.ResNet101Layers``).

    Args:
        pretrained_model (str or None): As for :class:`ResNet50Layers`.
        downsample_fb (bool): Facebook's placement of the stride.

    Not run by the doctests (building the random weights takes seconds):

    >>> model = L.ResNet101Layers(pretrained_model=None)  # doctest: +SKIP
    >>> x = np.zeros((1, 3, 32, 32), np.float32)
    >>> with fastgrad.using_config('train', False):  # doctest: +SKIP
    ...     model(x, layers=['res4', 'pool5'])['pool5'].shape
    (1, 2048)
    """

    def __init__(self, pretrained_model='auto', downsample_fb=False):
        if pretrained_model == 'auto':
            pretrained_model = 'ResNet-101-model.caffemodel'
        super().__init__(pretrained_model, 101, downsample_fb)


class ResNet152Layers(ResNetLayers):
    """ResNet-152 (Chainer's ``L.ResNet152Layers``).

    Args:
        pretrained_model (str or None): As for :class:`ResNet50Layers`.
        downsample_fb (bool): Facebook's placement of the stride.

    Not run by the doctests (building the random weights takes seconds):

    >>> model = L.ResNet152Layers(pretrained_model=None)  # doctest: +SKIP
    >>> x = np.zeros((1, 3, 32, 32), np.float32)
    >>> with fastgrad.using_config('train', False):  # doctest: +SKIP
    ...     model(x, layers=['res4', 'pool5'])['pool5'].shape
    (1, 2048)
    """

    def __init__(self, pretrained_model='auto', downsample_fb=False):
        if pretrained_model == 'auto':
            pretrained_model = 'ResNet-152-model.caffemodel'
        super().__init__(pretrained_model, 152, downsample_fb)


class BuildingBlock(link.Chain):
    """A ``BottleneckA`` (``a``) followed by ``n_layers - 1``
    ``BottleneckB``\\ s (``b1``, ``b2``, ...).

    Args:
        n_layers (int): Number of bottlenecks (``n_layer``: deprecated name).
        in_channels (int): Input channels.
        mid_channels (int): Channels inside the bottlenecks.
        out_channels (int): Output channels.
        stride (int): Stride of the first bottleneck.
        initialW: Initializer of the convolution weights.
        downsample_fb (bool): Facebook's placement of the stride.
    """

    def __init__(self, n_layers=None, in_channels=None, mid_channels=None,
                 out_channels=None, stride=None, initialW=None,
                 downsample_fb=None, **kwargs):
        super().__init__()
        if 'n_layer' in kwargs:
            warnings.warn('Argument `n_layer` is deprecated. Please use '
                          '`n_layers` instead', DeprecationWarning)
            n_layers = kwargs.pop('n_layer')
        if kwargs:
            raise TypeError('BuildingBlock: unexpected keyword argument(s) '
                            '{}'.format(sorted(kwargs)))
        with self.init_scope():
            self.a = BottleneckA(in_channels, mid_channels, out_channels,
                                 stride, initialW, downsample_fb)
            self._forward = ['a']
            for i in range(1, n_layers):
                name = 'b{}'.format(i)
                setattr(self, name, BottleneckB(out_channels, mid_channels, initialW))
                self._forward.append(name)

    def forward(self, x):
        for name in self._forward:
            x = getattr(self, name)(x)
        return x


class BottleneckA(link.Chain):
    """The bottleneck that changes channels and resolution: 1x1, 3x3, 1x1
    convolutions (``conv1``..``conv3`` with ``bn1``..``bn3``) plus a 1x1
    projection shortcut (``conv4``, ``bn4``).

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Channels of the 3x3 convolution.
        out_channels (int): Output channels.
        stride (int): Stride of the block.
        initialW: Initializer of the convolution weights.
        downsample_fb (bool): Stride on the 3x3 convolution (Facebook) instead
            of the first 1x1 (MSRA).
    """

    def __init__(self, in_channels, mid_channels, out_channels,
                 stride=2, initialW=None, downsample_fb=False):
        super().__init__()
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        kw = dict(initialW=initialW, nobias=True)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, mid_channels, 1, stride_1x1, 0, **kw)
            self.bn1 = BatchNormalization(mid_channels)
            self.conv2 = Convolution2D(mid_channels, mid_channels, 3, stride_3x3, 1, **kw)
            self.bn2 = BatchNormalization(mid_channels)
            self.conv3 = Convolution2D(mid_channels, out_channels, 1, 1, 0, **kw)
            self.bn3 = BatchNormalization(out_channels)
            self.conv4 = Convolution2D(in_channels, out_channels, 1, stride, 0, **kw)
            self.bn4 = BatchNormalization(out_channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return relu(h + self.bn4(self.conv4(x)))


class BottleneckB(link.Chain):
    """The bottleneck that keeps channels and resolution: 1x1, 3x3, 1x1
    convolutions with batch normalization and an identity shortcut.

    Args:
        in_channels (int): Input and output channels.
        mid_channels (int): Channels of the 3x3 convolution.
        initialW: Initializer of the convolution weights.
    """

    def __init__(self, in_channels, mid_channels, initialW=None):
        super().__init__()
        kw = dict(initialW=initialW, nobias=True)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, mid_channels, 1, 1, 0, **kw)
            self.bn1 = BatchNormalization(mid_channels)
            self.conv2 = Convolution2D(mid_channels, mid_channels, 3, 1, 1, **kw)
            self.bn2 = BatchNormalization(mid_channels)
            self.conv3 = Convolution2D(mid_channels, in_channels, 1, 1, 0, **kw)
            self.bn3 = BatchNormalization(in_channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return relu(h + x)
