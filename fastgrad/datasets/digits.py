"""scikit-learn's bundled 8x8 handwritten digits (fastgrad's own loader).

1,797 grayscale 8x8 images of the digits 0-9 that ship inside scikit-learn,
so examples and tests can train on real handwriting without any download.
"""
import numpy

from fastgrad import configuration
from fastgrad.datasets import mnist

N_TEST = 360   # of 1,797; the split is fixed (RandomState(0)), so results repeat


def get_digits(withlabel=True, ndim=1, scale=1., dtype=None,
               label_dtype=numpy.int32, rgb_format=False):
    """The digits as (train, test): 1,437 and 360 examples, a fixed split.

    Arguments are those of :func:`fastgrad.datasets.get_mnist`; images are
    ``(64,)`` for ``ndim=1``, ``(8, 8)`` for 2, ``(1, 8, 8)`` for 3, with
    pixels scaled to ``[0, scale]``.  Needs scikit-learn
    (``pip install "fastgrad[examples]"``).

    .. doctest::
       :skipif: __import__('importlib.util').util.find_spec('sklearn') is None

       >>> train, test = fastgrad.datasets.get_digits(ndim=2)
       >>> len(train), len(test)
       (1437, 360)
       >>> image, label = train[0]
       >>> image.shape, image.dtype, 0 <= float(image.min()) <= float(image.max()) <= 1
       ((8, 8), dtype('float32'), True)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise ImportError(
            'get_digits needs scikit-learn, which ships the digits data set: '
            'pip install "fastgrad[examples]"  (or: pip install scikit-learn)') from e
    digits = load_digits()
    # The raw pixels are integers 0..16; rescale to 0..255 like MNIST's bytes
    # so the shared preprocessing maps them to [0, scale].
    images = digits.data * (255. / 16.)
    labels = digits.target
    order = numpy.random.RandomState(0).permutation(len(images))
    train_idx, test_idx = order[N_TEST:], order[:N_TEST]
    dtype = configuration.get_dtype(dtype)
    args = (withlabel, ndim, scale, dtype, label_dtype, rgb_format)
    train = mnist._preprocess(images[train_idx], labels[train_idx], *args, side=8)
    test = mnist._preprocess(images[test_idx], labels[test_idx], *args, side=8)
    return train, test
