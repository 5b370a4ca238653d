"""GoogLeNet (BVLC's Inception v1) with Chainer's layer names: ``conv1``,
``conv2_reduce``, ``conv2``, ``inc3a``..``inc5b``, ``loss3_fc`` and the two
auxiliary classifiers ``loss1_*``, ``loss2_*``."""
from fastgrad import initializers
from fastgrad.functions.activation.relu import relu
from fastgrad.functions.activation.softmax import softmax
from fastgrad.functions.noise.dropout import dropout
from fastgrad.functions.normalization.local_response_normalization import (
    local_response_normalization,
)
from fastgrad.functions.pooling.average_pooling_2d import average_pooling_2d
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d
from fastgrad.links.connection.convolution_2d import Convolution2D
from fastgrad.links.connection.inception import Inception
from fastgrad.links.connection.linear import Linear
from fastgrad.links.model.vision import _base

available = _base.available


# What 'auto' downloads (when downloads are allowed) and converts once.
_URL = 'http://dl.caffe.berkeleyvision.org/bvlc_googlenet.caffemodel'
# An Inception link's convolutions and the Caffe layers they come from.
_INCEPTION = (('conv1', '1x1'), ('proj3', '3x3_reduce'), ('conv3', '3x3'),
              ('proj5', '5x5_reduce'), ('conv5', '5x5'), ('projp', 'pool_proj'))


def prepare(image, size=(224, 224)):
    """An RGB image (PIL image or array ``(H, W)``, ``(H, W, C)``,
    ``(1, H, W)``, ``(3, H, W)``) as the ``(3, H, W)`` input of GoogLeNet:
    resized to ``size`` (unless None), BGR, minus BVLC's mean pixel.

    Args:
        image (PIL.Image or numpy.ndarray): The image.
        size (pair of ints or None): Size after resizing.
    """
    return _base.prepare_image(image, size, (104.0, 117.0, 123.0))


def _max_pooling_2d(x):
    return max_pooling_2d(x, ksize=3, stride=2)


def _lrn(x):
    return local_response_normalization(x, n=5, k=1, alpha=1e-4 / 5)


def _average_pooling_2d_k5(x):
    return average_pooling_2d(x, ksize=5, stride=3)


def _average_pooling_2d_k7(x):
    return average_pooling_2d(x, ksize=7, stride=1)


def _dropout(x):
    return dropout(x, ratio=0.4)


class GoogLeNet(_base.PretrainedModel):
    """GoogLeNet (Chainer's ``L.GoogLeNet``).

    Args:
        pretrained_model (str or None): Path of an npz in Chainer's layout to
            load; None: ``LeCunUniform(scale=1.0)`` weights (Caffe's
            "xavier"); ``'auto'`` (the default): ``bvlc_googlenet.npz`` in
            the model cache; without it, BVLC's caffemodel is downloaded (if
            downloads are allowed: ``FASTGRAD_ALLOW_DOWNLOAD=1``) and
            converted into the cache once.

    Attributes:
        available_layers (list of str): The layer names of ``forward`` and
            ``extract``; ``loss1_fc2`` and ``loss2_fc2`` (the auxiliary
            classifiers, from ``inception_4a`` and ``inception_4d``) come last.

    Not run by the doctests (building the random weights takes about a second):

    >>> model = L.GoogLeNet(pretrained_model=None)  # doctest: +SKIP
    >>> model.available_layers[-3:]  # doctest: +SKIP
    ['prob', 'loss1_fc2', 'loss2_fc2']
    >>> x = np.zeros((1, 3, 224, 224), np.float32)
    >>> with fastgrad.using_config('train', False):  # doctest: +SKIP
    ...     model(x, layers=['pool5'])['pool5'].shape
    (1, 1024, 1, 1)
    """

    _branches = {'loss1_fc2': 'inception_4a', 'loss2_fc2': 'inception_4d'}
    _removed_kwarg = 'train'

    def __init__(self, pretrained_model='auto'):
        super().__init__()
        path = _base.resolve_pretrained(type(self).__name__, pretrained_model,
                                        'bvlc_googlenet.npz', _URL)
        if pretrained_model:
            # With weights to load, a zero fill is as good as sampling and faster.
            kw = dict(initialW=initializers.Zero())
        else:
            kw = dict(initialW=initializers.LeCunUniform(scale=1.0))
        with self.init_scope():
            self.conv1 = Convolution2D(3, 64, 7, stride=2, pad=3, **kw)
            self.conv2_reduce = Convolution2D(64, 64, 1, **kw)
            self.conv2 = Convolution2D(64, 192, 3, stride=1, pad=1, **kw)
            self.inc3a = Inception(192, 64, 96, 128, 16, 32, 32)
            self.inc3b = Inception(256, 128, 128, 192, 32, 96, 64)
            self.inc4a = Inception(480, 192, 96, 208, 16, 48, 64)
            self.inc4b = Inception(512, 160, 112, 224, 24, 64, 64)
            self.inc4c = Inception(512, 128, 128, 256, 24, 64, 64)
            self.inc4d = Inception(512, 112, 144, 288, 32, 64, 64)
            self.inc4e = Inception(528, 256, 160, 320, 32, 128, 128)
            self.inc5a = Inception(832, 256, 160, 320, 32, 128, 128)
            self.inc5b = Inception(832, 384, 192, 384, 48, 128, 128)
            self.loss3_fc = Linear(1024, 1000, **kw)

            self.loss1_conv = Convolution2D(512, 128, 1, **kw)
            self.loss1_fc1 = Linear(2048, 1024, **kw)
            self.loss1_fc2 = Linear(1024, 1000, **kw)

            self.loss2_conv = Convolution2D(528, 128, 1, **kw)
            self.loss2_fc1 = Linear(2048, 1024, **kw)
            self.loss2_fc2 = Linear(1024, 1000, **kw)
        _base.load(self, path)

    _prepare = staticmethod(prepare)

    @property
    def functions(self):
        """The layers in order: name -> list of callables."""
        return _base.ordered(
            ('conv1', [self.conv1, relu]),
            ('pool1', [_max_pooling_2d, _lrn]),
            ('conv2_reduce', [self.conv2_reduce, relu]),
            ('conv2', [self.conv2, relu, _lrn]),
            ('pool2', [_max_pooling_2d]),
            ('inception_3a', [self.inc3a]),
            ('inception_3b', [self.inc3b]),
            ('pool3', [_max_pooling_2d]),
            ('inception_4a', [self.inc4a]),
            ('inception_4b', [self.inc4b]),
            ('inception_4c', [self.inc4c]),
            ('inception_4d', [self.inc4d]),
            ('inception_4e', [self.inc4e]),
            ('pool4', [_max_pooling_2d]),
            ('inception_5a', [self.inc5a]),
            ('inception_5b', [self.inc5b]),
            ('pool5', [_average_pooling_2d_k7]),
            ('loss3_fc', [_dropout, self.loss3_fc]),
            ('prob', [softmax]),
            # The auxiliary classifiers start from inception_4a / 4d (see
            # _branches); last so that asking for 'prob' skips them.
            ('loss1_fc2', [_average_pooling_2d_k5, self.loss1_conv, relu,
                           self.loss1_fc1, relu, self.loss1_fc2]),
            ('loss2_fc2', [_average_pooling_2d_k5, self.loss2_conv, relu,
                           self.loss2_fc1, relu, self.loss2_fc2]),
        )

    def _caffe_layers(self):
        pairs = [('conv1', 'conv1/7x7_s2'), ('conv2_reduce', 'conv2/3x3_reduce'),
                 ('conv2', 'conv2/3x3')]
        for inc in ('3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'):
            pairs += [('inc{}/{}'.format(inc, link), 'inception_{}/{}'.format(inc, layer))
                      for link, layer in _INCEPTION]
        for i in (1, 2):
            pairs += [('loss{}_conv'.format(i), 'loss{}/conv'.format(i)),
                      ('loss{}_fc1'.format(i), 'loss{}/fc'.format(i)),
                      ('loss{}_fc2'.format(i), 'loss{}/classifier'.format(i))]
        return pairs + [('loss3_fc', 'loss3/classifier')]

    @classmethod
    def convert_caffemodel_to_npz(cls, path_caffemodel, path_npz):
        """Convert BVLC's ``bvlc_googlenet.caffemodel`` at ``path_caffemodel``
        to an npz at ``path_npz`` that ``pretrained_model`` loads."""
        from fastgrad.links.caffe import CaffeFunction
        _base.convert_caffemodel_to_npz(CaffeFunction(path_caffemodel),
                                        cls(pretrained_model=_base.WEIGHTS_FOLLOW), path_npz)
