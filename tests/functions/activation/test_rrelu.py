"""F.rrelu: the slopes (drawn, given, test mode), numerical gradients and
double backward in float64, float16, bad input."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _x(shape=(3, 4), dtype=numpy.float64, seed=0):
    x = numpy.random.RandomState(seed).uniform(-1, 1, shape)
    x[numpy.abs(x) < 0.05] = 0.5        # away from the kink
    return x.astype(dtype)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_rrelu_forward(dtype):
    x = _x(dtype=dtype)
    y, r = F.rrelu(x, 0.1, 0.3, return_r=True)
    assert y.dtype == dtype and r.dtype == dtype and r.shape == x.shape
    assert ((r >= 0.1) & (r < 0.3 + 1e-3)).all()
    numpy.testing.assert_array_equal(y.array, numpy.where(x >= 0, x, x * r))


def test_rrelu_given_r_and_test_mode():
    x = _x()
    r = numpy.full(x.shape, 0.2)
    numpy.testing.assert_array_equal(F.rrelu(x, r=r).array, numpy.where(x >= 0, x, 0.2 * x))
    with fastgrad.using_config('train', False):
        y, r2 = F.rrelu(x, 0.1, 0.3, r=r, return_r=True)   # r is ignored in test mode
    numpy.testing.assert_allclose(r2, 0.2)
    numpy.testing.assert_allclose(y.array, numpy.where(x >= 0, x, 0.2 * x))


def test_rrelu_gradients():
    x = _x()
    r = numpy.random.RandomState(1).uniform(0.1, 0.3, x.shape)
    gy = numpy.random.RandomState(2).randn(*x.shape)
    check_backward(lambda v: F.rrelu(v, r=r), x, gy)
    check_double_backward(lambda v: F.rrelu(v * 2 - 0.1, r=r), x, gy,
                          numpy.random.RandomState(3).randn(*x.shape))


def test_rrelu_errors():
    with pytest.raises(ValueError, match='rrelu: lower must be in the range'):
        F.rrelu(_x(), -0.1, 0.3)
    with pytest.raises(ValueError, match='rrelu: upper must be in the range'):
        F.rrelu(_x(), 0.1, 1.0)
    with pytest.raises(ValueError, match='rrelu: lower must be less than upper'):
        F.rrelu(_x(), 0.3, 0.3)
    with pytest.raises(InvalidType, match=r'x.shape == self.r.shape'):
        F.rrelu(_x(), r=numpy.ones((2, 2)))
    with pytest.raises(InvalidType, match=r'x.dtype == self.r.dtype'):
        F.rrelu(_x(), r=numpy.ones((3, 4), numpy.float32))
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.rrelu(numpy.ones(3, numpy.int32))
    with pytest.raises(ValueError, match='train argument is not supported'):
        F.rrelu(_x(), train=True)
