"""F.binary_accuracy: sign predictions vs 0/1 labels, -1 ignored, dtypes, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.utils.type_check import InvalidType


def _ref(y, t):
    keep = t != -1
    return ((y >= 0) == t)[keep].sum() / max(1, keep.sum())


@pytest.mark.parametrize('shape', [(10,), (4, 5), (2, 3, 4)])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, dtype):
    y = numpy.random.randn(*shape).astype(dtype)
    t = numpy.random.randint(-1, 2, shape).astype(numpy.int32)
    y0, t0 = y.copy(), t.copy()
    acc = F.binary_accuracy(y, t)
    assert isinstance(acc, Variable) and acc.shape == () and acc.dtype == dtype
    numpy.testing.assert_allclose(acc.array, _ref(y, t), rtol=1e-3)
    numpy.testing.assert_array_equal(y, y0)
    numpy.testing.assert_array_equal(t, t0)


def test_known_values():
    y = numpy.array([-1.0, 0.0, 2.0, -3.0, 1.0], numpy.float32)
    t = numpy.array([0, 1, 0, -1, 1])
    assert F.binary_accuracy(y, t).array == numpy.float32(3 / 4)
    assert F.binary_accuracy(y, numpy.full(5, -1)).array == 0.0


def test_not_differentiable():
    v = Variable(numpy.random.randn(4))
    acc = F.binary_accuracy(v, numpy.array([0, 1, 1, 0]))
    acc.backward()
    assert v.grad is None


def test_non_contiguous_input():
    y = numpy.random.randn(4, 6)[:, ::2]
    t = numpy.random.randint(0, 2, (3, 4)).T
    numpy.testing.assert_allclose(F.binary_accuracy(y, t).array, _ref(y, t))


@pytest.mark.parametrize('y,t', [
    (numpy.zeros(3, numpy.int32), numpy.zeros(3, numpy.int32)),
    (numpy.zeros(3), numpy.zeros(3)),
    (numpy.zeros(3), numpy.zeros(4, numpy.int32)),
])
def test_invalid(y, t):
    with pytest.raises(InvalidType, match='BinaryAccuracy'):
        F.binary_accuracy(y, t)
