"""F.accuracy: argmax accuracy vs a NumPy reference, ignore_label, dtypes,
no gradient, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]


def _ref(y, t, ignore_label=None):
    pred = y.argmax(axis=1).reshape(t.shape)
    if ignore_label is None:
        return (pred == t).mean()
    keep = t != ignore_label
    return 0.0 if not keep.any() else (pred == t)[keep].mean()


@pytest.mark.parametrize('yshape,tshape', [((10, 4), (10,)), ((6, 3, 5), (6, 5)),
                                           ((4, 3, 2, 5), (4, 2, 5)), ((5, 3, 1, 1), (5,)),
                                           ((5, 3, 2, 1), (5, 2))])
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('ignore_label', [None, -1, 2])
def test_forward(yshape, tshape, dtype, ignore_label):
    y = numpy.random.randn(*yshape).astype(dtype)
    t = numpy.random.randint(-1, yshape[1], tshape).astype(numpy.int32)
    if ignore_label is None:
        t[t < 0] = 0
    y0, t0 = y.copy(), t.copy()
    acc = F.accuracy(y, t, ignore_label=ignore_label)
    assert isinstance(acc, Variable) and acc.shape == () and acc.dtype == dtype
    numpy.testing.assert_allclose(acc.array, _ref(y, t, ignore_label), rtol=1e-3)
    numpy.testing.assert_array_equal(y, y0)
    numpy.testing.assert_array_equal(t, t0)


def test_known_values():
    y = numpy.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], numpy.float32)
    t = numpy.array([1, 0, 0, -1])
    assert F.accuracy(y, t).array == 0.5
    assert F.accuracy(y, t, ignore_label=-1).array == numpy.float32(2 / 3)
    assert F.accuracy(y, numpy.full(4, -1), ignore_label=-1).array == 0.0


def test_float16_large_batch_is_exact():
    y = numpy.zeros((5000, 2), numpy.float16)
    y[:, 1] = 1
    t = numpy.ones(5000, numpy.int32)
    t[:1000] = 0
    assert F.accuracy(y, t).array == numpy.float16(0.8)


def test_not_differentiable():
    v = Variable(numpy.random.randn(4, 3))
    acc = F.accuracy(v, numpy.array([0, 1, 2, 0]))
    acc.backward()
    assert v.grad is None


def test_non_contiguous_input():
    y = numpy.random.randn(3, 8)[:, ::2].T
    t = numpy.array([0, 1, 2, 1, 0, 0, 2, 1])[::2]
    numpy.testing.assert_allclose(F.accuracy(y, t).array, _ref(y, t))


@pytest.mark.parametrize('y,t', [
    (numpy.zeros((3, 2), numpy.int32), numpy.zeros(3, numpy.int32)),
    (numpy.zeros((3, 2)), numpy.zeros(3, numpy.float32)),
    (numpy.zeros((3, 2)), numpy.zeros(4, numpy.int32)),
    (numpy.zeros((3, 2, 4)), numpy.zeros((3, 5), numpy.int32)),
    (numpy.zeros((3, 2, 4)), numpy.zeros((3,), numpy.int32)),
    (numpy.zeros((3,)), numpy.zeros((3,), numpy.int32)),
])
def test_invalid(y, t):
    with pytest.raises(InvalidType, match='Accuracy'):
        F.accuracy(y, t)


@pytest.mark.gpu
@pytest.mark.parametrize('ignore_label', [None, -1])
def test_gpu(ignore_label):
    import cupy
    y = numpy.random.randn(20, 4).astype(numpy.float32)
    t = numpy.random.randint(-1 if ignore_label else 0, 4, 20).astype(numpy.int32)
    acc = F.accuracy(cupy.asarray(y), cupy.asarray(t), ignore_label)
    assert isinstance(acc.array, cupy.ndarray) and acc.dtype == numpy.float32
    numpy.testing.assert_allclose(float(acc.array), _ref(y, t, ignore_label), rtol=1e-6)
