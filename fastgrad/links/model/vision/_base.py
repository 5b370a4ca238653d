"""What the zoo models share: running ``functions`` up to the requested
layers, ``extract`` / ``predict`` on images, image preparation, and the
pre-trained weights (an npz, or a caffemodel converted once into the model
cache)."""
import collections
import importlib.util
import os
import sys

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


# The pretrained_model of a model whose weights are copied in right after it
# is built (a conversion): zero-filled as for any weights to load, none loaded.
WEIGHTS_FOLLOW = '<weights copied in after construction>'


def resolve_pretrained(name, pretrained_model, npz_name, caffemodel_url=None):
    """Where model ``name``'s weights come from, decided before the network is
    built (so a missing file fails fast): None (no weights), ``('npz', path)``,
    or ``(kind, source, npz_cache)`` for a caffemodel that is converted once
    into ``npz_cache`` (in the model cache, as Chainer does): kind
    ``'caffemodel'`` (a local file) or ``'url'`` (downloaded first).

    ``'auto'`` is the cached ``npz_name`` if there is one, else the caffemodel
    at ``caffemodel_url``; a ``.caffemodel`` name is looked up in the model
    cache folder (Chainer's place for ResNet's), then as a path."""
    if not pretrained_model or pretrained_model is WEIGHTS_FOLLOW:
        return None
    pretrained_model = str(pretrained_model)
    is_caffemodel = pretrained_model.endswith('.caffemodel')
    if pretrained_model != 'auto' and not is_caffemodel:
        return ('npz', pretrained_model)
    candidates = _cached_npz_paths(npz_name)
    for path in candidates:
        if os.path.exists(path):
            return ('npz', path)
    cache = candidates[0]
    if is_caffemodel:
        folder = download.get_dataset_directory(_MODELS_DIR, create_directory=False)
        for path in (os.path.join(folder, pretrained_model), pretrained_model):
            if os.path.exists(path):
                return ('caffemodel', path, cache)
        raise OSError(
            "{name}(pretrained_model={arg!r}): the caffemodel is not there (looked in: "
            "{paths}) and no converted {npz} either (looked in: {npzs}). Download it "
            "(ResNet's: https://github.com/KaimingHe/deep-residual-networks) and put it "
            "in {folder}; pretrained_model=None builds the network without weights.".format(
                name=name, arg=pretrained_model, npz=npz_name, folder=folder,
                paths=', '.join((os.path.join(folder, pretrained_model), pretrained_model)),
                npzs=', '.join(candidates)))
    if caffemodel_url is not None and (download.download_allowed() or os.path.exists(
            download.cached_download_path(caffemodel_url))):
        return ('url', caffemodel_url, cache)
    raise RuntimeError(
        "{name}(pretrained_model='auto'): no converted {npz} was found (looked in: "
        "{paths}), and downloads are off, so the caffemodel ({url}) is not fetched. "
        "Allow downloads (FASTGRAD_ALLOW_DOWNLOAD=1 or "
        "fastgrad.dataset.allow_download(True)) and it is downloaded and converted once; "
        "or convert a caffemodel you have with {name}.convert_caffemodel_to_npz("
        "path_caffemodel, path_npz) and pass pretrained_model='<path>.npz'. "
        "pretrained_model=None builds the network without weights.".format(
            name=name, npz=npz_name, paths=', '.join(candidates), url=caffemodel_url))


def load(model, source):
    """Load the weights ``resolve_pretrained`` found into ``model``: an npz,
    or a caffemodel converted into its npz cache first (then loaded from it,
    so the cached file is what every later 'auto' gets)."""
    if source is None:
        return
    if source[0] == 'npz':
        npz.load_npz(source[1], model)
        return
    kind, where, cache = source

    def convert(path):
        caffemodel = download.cached_download(where) if kind == 'url' else where
        sys.stderr.write('{}: converting {} to {} (large models take a minute)\n'.format(
            type(model).__name__, caffemodel, cache))
        sys.stderr.flush()
        from fastgrad.links.caffe import CaffeFunction
        transfer_caffemodel(CaffeFunction(caffemodel), model)
        npz.save_npz(path, model, compression=False)

    download.cache_or_load_file(cache, convert, lambda path: npz.load_npz(path, model))


def transfer_caffemodel(caffe, model):
    """Copy the weights of ``caffe`` (a CaffeFunction) into ``model`` by its
    ``_caffe_layers()``: pairs of (link path in the model, Caffe layer name),
    or for a BatchNormalization (link path, (BatchNorm layer, Scale layer)),
    as Caffe splits it in two."""
    name = type(model).__name__

    def source(layer):
        child = getattr(caffe, layer, None)
        if not isinstance(child, link.Link):
            raise ValueError('{}: the caffemodel has no layer {!r} with weights: is it '
                             'the {} model?'.format(name, layer, name))
        return child

    def copy(dst, src, what):
        src = numpy.asarray(src)
        if dst.shape != src.shape:
            raise ValueError('{}: {} is {} in the caffemodel but {} in the model'.format(
                name, what, src.shape, dst.shape))
        dst[...] = src

    for path, layer in model._caffe_layers():
        dst = model
        for part in path.split('/'):
            dst = getattr(dst, part)
        if isinstance(layer, tuple):
            bn, scale = source(layer[0]), source(layer[1])
            copy(dst.avg_mean, bn.avg_mean, layer[0] + ' mean')
            copy(dst.avg_var, bn.avg_var, layer[0] + ' variance')
            copy(dst.gamma.array, scale.W.array, layer[1] + ' W')
            copy(dst.beta.array, scale.bias.b.array, layer[1] + ' bias')
            continue
        src = source(layer)
        copy(dst.W.array, src.W.array, layer + ' W')
        if src.b is not None:
            if dst.b is None:
                raise ValueError('{}: {} has a bias in the caffemodel but {} has none'.format(
                    name, layer, path))
            copy(dst.b.array, src.b.array, layer + ' b')


def convert_caffemodel_to_npz(caffe, model, path_npz):
    """``model`` (built without weights) with the weights of ``caffe`` (a
    CaffeFunction), saved as an npz in Chainer's layout."""
    transfer_caffemodel(caffe, model)
    npz.save_npz(path_npz, model, compression=False)


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
