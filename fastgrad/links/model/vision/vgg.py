"""VGG-16/19 (Oxford VGG's very deep networks) with Chainer's layer names:
``conv1_1``..``conv5_3`` (``conv5_4`` for 19), ``fc6``, ``fc7``, ``fc8``."""
from fastgrad import initializers
from fastgrad.functions.activation.relu import relu
from fastgrad.functions.activation.softmax import softmax
from fastgrad.functions.noise.dropout import dropout
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d
from fastgrad.links.connection.convolution_2d import Convolution2D
from fastgrad.links.connection.linear import Linear
from fastgrad.links.model.vision import _base

available = _base.available

# Convolutions per stage (16 layers / 19 layers) and their output channels.
_STAGES = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
_CHANNELS = (64, 128, 256, 512, 512)
# What 'auto' downloads (when downloads are allowed) and converts once.
_URLS = {16: 'https://www.robots.ox.ac.uk/%7Evgg/software/very_deep/caffe/'
             'VGG_ILSVRC_16_layers.caffemodel',
         19: 'http://www.robots.ox.ac.uk/%7Evgg/software/very_deep/caffe/'
             'VGG_ILSVRC_19_layers.caffemodel'}


def prepare(image, size=(224, 224)):
    """An RGB image (PIL image or array ``(H, W)``, ``(H, W, C)``,
    ``(1, H, W)``, ``(3, H, W)``) as the ``(3, H, W)`` input of a VGG:
    resized to ``size`` (unless None), BGR, minus VGG's mean pixel.

    Args:
        image (PIL.Image or numpy.ndarray): The image.
        size (pair of ints or None): Size after resizing.
    """
    return _base.prepare_image(image, size, (103.939, 116.779, 123.68))


def _max_pooling_2d(x):
    return max_pooling_2d(x, ksize=2)


class VGGLayers(_base.PretrainedModel):
    """VGG of 16 or 19 layers (Chainer's
    ``chainer.links.model.vision.vgg.VGGLayers``).

    Args:
        pretrained_model (str or None): Path of an npz in Chainer's layout to
            load; None: ``Normal(0.01)`` weights and zero biases; ``'auto'``
            (the default): ``VGG_ILSVRC_<n>_layers.npz`` in the model cache;
            without it, Oxford's caffemodel is downloaded (if downloads are
            allowed: ``FASTGRAD_ALLOW_DOWNLOAD=1``) and converted into the
            cache once; a ``.caffemodel`` path is converted the same way.
        n_layers (int): 16 or 19.

    Attributes:
        available_layers (list of str): The layer names of ``forward`` and
            ``extract``.
    """

    _extract_default = 'fc7'

    def __init__(self, pretrained_model='auto', n_layers=16):
        super().__init__()
        if n_layers not in _STAGES:
            raise ValueError('The n_layers argument should be either 16 or 19, '
                             'but {} was given.'.format(n_layers))
        path = _base.resolve_pretrained(type(self).__name__, pretrained_model,
                                        'VGG_ILSVRC_{}_layers.npz'.format(n_layers),
                                        _URLS[n_layers])
        if pretrained_model:
            # With weights to load, a zero fill is as good as sampling and faster.
            kw = dict(initialW=initializers.Zero(), initial_bias=initializers.Zero())
        else:
            kw = dict(initialW=initializers.Normal(0.01), initial_bias=initializers.Zero())
        in_ch = 3
        with self.init_scope():
            for stage, (count, out_ch) in enumerate(zip(_STAGES[n_layers], _CHANNELS), 1):
                for i in range(1, count + 1):
                    setattr(self, 'conv{}_{}'.format(stage, i),
                            Convolution2D(in_ch, out_ch, 3, 1, 1, **kw))
                    in_ch = out_ch
            self.fc6 = Linear(512 * 7 * 7, 4096, **kw)
            self.fc7 = Linear(4096, 4096, **kw)
            self.fc8 = Linear(4096, 1000, **kw)
        self._n_layers = n_layers
        _base.load(self, path)

    _prepare = staticmethod(prepare)

    @property
    def functions(self):
        """The layers in order: name -> list of callables."""
        items = []
        for stage, count in enumerate(_STAGES[self._n_layers], 1):
            for i in range(1, count + 1):
                name = 'conv{}_{}'.format(stage, i)
                items.append((name, [getattr(self, name), relu]))
            items.append(('pool{}'.format(stage), [_max_pooling_2d]))
        items += [('fc6', [self.fc6, relu, dropout]),
                  ('fc7', [self.fc7, relu, dropout]),
                  ('fc8', [self.fc8]),
                  ('prob', [softmax])]
        return _base.ordered(*items)

    def _caffe_layers(self):
        # the Caffe layers have the same names as the links
        return [(name, name) for name in self.functions
                if name.startswith(('conv', 'fc'))]

    @classmethod
    def convert_caffemodel_to_npz(cls, path_caffemodel, path_npz):
        """Convert the VGG caffemodel (16 or 19 layers) at ``path_caffemodel``
        to an npz at ``path_npz`` that ``pretrained_model`` loads."""
        from fastgrad.links.caffe import CaffeFunction
        caffe = CaffeFunction(path_caffemodel)
        n_layers = 19 if 'conv5_4' in caffe.forwards else 16
        model = cls(pretrained_model=_base.WEIGHTS_FOLLOW) if cls is not VGGLayers \
            else VGGLayers(_base.WEIGHTS_FOLLOW, n_layers)
        _base.convert_caffemodel_to_npz(caffe, model, path_npz)


class VGG16Layers(VGGLayers):
    """VGG-16 (Chainer's ``L.VGG16Layers``).

    Args:
        pretrained_model (str or None): npz path to load; None for
            ``Normal(0.01)`` initialization; ``'auto'`` (default): as for
            :class:`VGGLayers`.

    Not run by the doctests (building the 138 M random weights takes seconds):

    >>> model = L.VGG16Layers(pretrained_model=None)  # doctest: +SKIP
    >>> x = np.zeros((1, 3, 32, 32), np.float32)
    >>> with fastgrad.using_config('train', False):  # doctest: +SKIP
    ...     model(x, layers=['pool5'])['pool5'].shape
    (1, 512, 1, 1)
    """

    def __init__(self, pretrained_model='auto'):
        super().__init__(pretrained_model, 16)


class VGG19Layers(VGGLayers):
    """VGG-19 (Chainer's ``L.VGG19Layers``).

    Args:
        pretrained_model (str or None): npz path to load; None for
            ``Normal(0.01)`` initialization; ``'auto'`` (default): as for
            :class:`VGGLayers`.

    Not run by the doctests (building the 144 M random weights takes seconds):

    >>> model = L.VGG19Layers(pretrained_model=None)  # doctest: +SKIP
    >>> model.available_layers[:3]  # doctest: +SKIP
    ['conv1_1', 'conv1_2', 'pool1']
    >>> x = np.zeros((1, 3, 32, 32), np.float32)
    >>> with fastgrad.using_config('train', False):  # doctest: +SKIP
    ...     model(x, layers=['pool5'])['pool5'].shape
    (1, 512, 1, 1)
    """

    def __init__(self, pretrained_model='auto'):
        super().__init__(pretrained_model, 19)
