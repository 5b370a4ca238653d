import sys

import numpy
import pytest

from fastgrad import datasets


def test_digits():
    pytest.importorskip('sklearn')
    train, test = datasets.get_digits()
    assert len(train) == 1437 and len(test) == 360
    x, t = train[0]
    assert x.shape == (64,) and x.dtype == numpy.float32
    assert t.dtype == numpy.int32
    xs = numpy.stack([train[i][0] for i in range(len(train))])
    assert xs.min() == 0. and xs.max() == 1.
    labels = {int(test[i][1]) for i in range(len(test))}
    assert labels == set(range(10))
    # the split is fixed
    train2, test2 = datasets.get_digits()
    numpy.testing.assert_array_equal(train2[5][0], train[5][0])
    numpy.testing.assert_array_equal(test2[7][0], test[7][0])
    # train and test do not share an image index: together they are the
    # whole set
    from sklearn.datasets import load_digits
    assert len(train) + len(test) == len(load_digits().data)


def test_digits_options():
    pytest.importorskip('sklearn')
    train, _ = datasets.get_digits(ndim=2, scale=255., dtype=numpy.float64)
    x, _ = train[0]
    assert x.shape == (8, 8) and x.dtype == numpy.float64
    assert x.max() <= 255.
    train, _ = datasets.get_digits(ndim=3, rgb_format=True)
    assert train[0][0].shape == (3, 8, 8)
    x_train, x_test = datasets.get_digits(withlabel=False)
    assert x_train.shape == (1437, 64)


def test_missing_sklearn_message(monkeypatch):
    # None in sys.modules makes the import fail like a missing package.
    monkeypatch.setitem(sys.modules, 'sklearn', None)
    monkeypatch.setitem(sys.modules, 'sklearn.datasets', None)
    with pytest.raises(ImportError, match=r'fastgrad\[examples\]'):
        datasets.get_digits()
