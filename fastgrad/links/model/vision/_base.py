"""What the zoo models share: running ``functions`` up to the requested
layers, ``extract`` / ``predict`` on images, image preparation, and reading
pre-trained weights from a user-supplied npz."""
import collections
import importlib.util
import os

import numpy

from fastgrad import configuration, link, variable
from fastgrad.dataset import download
from fastgrad.dataset.convert import concat_examples
from fastgrad.function import no_backprop_mode
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.math.sum import sum as _sum
from fastgrad.serializers import npz
from fastgrad.utils import argument, imgproc

# Pillow is looked up, not imported: importing it costs every ``import fastgrad``
# about 2 MB and is only needed by ``prepare``.
available = importlib.util.find_spec('PIL') is not None


_MODELS_DIR = 'pfnet/chainer/models/'


def prepare_image(image, size, mean_bgr):
    """An RGB image (PIL image or array ``(H, W)``, ``(H, W, C)``,
    ``(1, H, W)`` or ``(3, H, W)``) as a ``(3, H, W)`` BGR array of the
    ``dtype`` config, resized to ``size`` (unless None) and minus the mean
    pixel ``mean_bgr``."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError('prepare: PIL cannot be imported; install Pillow. '
                          'The import error was: {}'.format(e)) from e
    dtype = configuration.get_dtype()
    if isinstance(image, numpy.ndarray):
        if image.ndim == 3:
            if image.shape[0] == 1:
                image = image[0]
            elif image.shape[0] == 3:
                image = image.transpose(1, 2, 0)
        image = Image.fromarray(image.astype(numpy.uint8))
    image = image.convert('RGB')
    if size:
        image = image.resize(size)
    out = numpy.asarray(image, dtype=dtype)[:, :, ::-1]
    out = out - numpy.asarray(mean_bgr, dtype=dtype)
    return numpy.ascontiguousarray(out.transpose(2, 0, 1))


def _cached_npz_paths(npz_name):
    """Where Chainer's ``'auto'`` would have left a converted npz: the dataset
    root of fastgrad (``$CHAINER_DATASET_ROOT`` included), then Chainer's
    default root."""
    paths = [os.path.join(download.get_dataset_directory(
        _MODELS_DIR, create_directory=False), npz_name)]
    chainer_default = os.path.join(os.path.expanduser('~'), '.chainer',
                                   'dataset', _MODELS_DIR, npz_name)
    if chainer_default not in paths:
        paths.append(chainer_default)
    return paths


def resolve_pretrained(name, pretrained_model, npz_name):
    """The npz path to load into model ``name`` (None: nothing to load).
    ``pretrained_model`` is a path of an npz in Chainer's layout; ``'auto'``
    or a ``.caffemodel`` path mean the converted ``npz_name`` in the model
    cache (as Chainer looks there first); without one this raises, saying
    how to make it (before the network is built)."""
    if not pretrained_model:
        return None
    if pretrained_model != 'auto' and not str(pretrained_model).endswith('.caffemodel'):
        return pretrained_model
    candidates = _cached_npz_paths(npz_name)
    for path in candidates:
        if os.path.exists(path):
            return path
    raise RuntimeError(
        "{name}(pretrained_model={arg!r}): fastgrad does not download or "
        "convert pre-trained weights, and no converted {npz} was found "
        "(looked in: {paths}). Convert the caffemodel once with Chainer "
        "7.8.1 (`chainer.links.{name}.convert_caffemodel_to_npz("
        "path_caffemodel, path_npz)`, or `chainer.links.{name}()` which "
        "downloads and converts into $CHAINER_DATASET_ROOT/{dir}), then pass "
        "pretrained_model='<path>.npz' or put the npz at one of the paths "
        "above. pretrained_model=None builds the network without "
        "weights.".format(name=name, arg=pretrained_model, npz=npz_name,
                          paths=', '.join(candidates), dir=_MODELS_DIR))


def load(model, path):
    """Load the npz at ``path`` (if any) into ``model``."""
    if path is not None:
        npz.load_npz(path, model)


def no_caffe_conversion(cls):
    raise NotImplementedError(
        '{0}.convert_caffemodel_to_npz: fastgrad cannot read caffemodels '
        '(that needs Caffe\'s protobuf schema and the protobuf package). '
        'Convert with Chainer 7.8.1: `chainer.links.{0}.convert_caffemodel_'
        'to_npz(path_caffemodel, path_npz)`; the npz it writes loads here with '
        '{0}(pretrained_model=path_npz).'.format(cls.__name__))


class PretrainedModel(link.Chain):
    """Base of the zoo models: subclasses define the ordered ``functions``
    (layer name -> list of callables applied in turn), ``_prepare`` (the
    model's image preparation), the default layer of ``extract``, and
    ``_branches`` (layer -> earlier layer whose output it starts from)."""

    _extract_default = 'pool5'
    _branches = {}
    _removed_kwarg = 'test'

    @property
    def functions(self):
        raise NotImplementedError

    @property
    def available_layers(self):
        """The layer names ``forward`` and ``extract`` accept, in order."""
        return list(self.functions.keys())

    def _check_kwargs(self, kwargs, *removed):
        if kwargs:
            messages = {k: '{} argument is not supported anymore. Use '
                        'chainer.using_config'.format(k) for k in removed}
            argument.check_unexpected_kwargs(kwargs, **messages)
            argument.assert_kwargs_empty(kwargs)

    def forward(self, x, layers=None, **kwargs):
        """forward(self, x, layers=['prob'])

        The feature maps of ``layers`` (a dict layer name -> Variable) for an
        input prepared by ``prepare``.  Layers after the last requested one
        are not computed.

        Args:
            x (~fastgrad.Variable or array): Input batch ``(N, 3, H, W)``.
            layers (list of str): Names among ``available_layers``.
        """
        if layers is None:
            layers = ['prob']
        self._check_kwargs(kwargs, self._removed_kwarg)
        functions = self.functions
        unknown = [name for name in layers if name not in functions]
        if unknown:
            raise ValueError('{}.forward: unknown layer(s) {}; available: '
                             '{}'.format(type(self).__name__, unknown,
                                         list(functions)))
        targets = set(layers)
        sources = set(self._branches.values())
        kept = {}
        activations = {}
        h = x
        for key, funcs in functions.items():
            if not targets:
                break
            if key in self._branches:
                h = kept[self._branches[key]]
            for func in funcs:
                h = func(h)
            if key in targets:
                activations[key] = h
                targets.remove(key)
            if key in sources:
                kept[key] = h
        return activations

    def extract(self, images, layers=None, size=(224, 224), **kwargs):
        """extract(self, images, layers=['pool5'], size=(224, 224))

        ``prepare`` each image (resized to ``size``, or kept as they are if
        None: then all must have one size) and return ``forward``'s dict.
        Unlike ``predict`` this keeps the ``train`` and ``enable_backprop``
        configuration as it is.

        Args:
            images (iterable of PIL.Image or numpy.ndarray): RGB images.
            layers (list of str): Names among ``available_layers``.
            size (pair of ints or None): Size of the prepared images.
        """
        if layers is None:
            layers = [self._extract_default]
        self._check_kwargs(kwargs, self._removed_kwarg, 'volatile')
        x = concat_examples([self._prepare(img, size=size) for img in images])
        x = variable.Variable(self.xp.asarray(x))
        return self(x, layers=layers)

    def predict(self, images, oversample=True):
        """Class probabilities ``(N, 1000)`` of RGB images, in test mode and
        without a graph: each image is resized to 256x256 and either the
        center 224x224 crop is used, or (``oversample``) the average over the
        four corner crops, the center crop and their mirror images.

        Args:
            images (iterable of PIL.Image or numpy.ndarray): RGB images.
            oversample (bool): Average over ten crops instead of one.
        """
        x = concat_examples([self._prepare(img, size=(256, 256)) for img in images])
        if oversample:
            x = imgproc.oversample(x, crop_dims=(224, 224))
        else:
            x = x[:, :, 16:240, 16:240]
        with no_backprop_mode(), configuration.using_config('train', False):
            x = variable.Variable(self.xp.asarray(x))
            y = self(x, layers=['prob'])['prob']
            if oversample:
                y = reshape(y, (len(y) // 10, 10) + y.shape[1:])
                y = _sum(y, axis=1) / 10
        return y


def ordered(*items):
    return collections.OrderedDict(items)
