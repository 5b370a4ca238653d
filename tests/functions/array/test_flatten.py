"""F.flatten: forward vs NumPy's ravel, gradients, double backward."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


@pytest.mark.parametrize('shape', [(2, 3, 4), (3, 1), (5,), ()])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.flatten(x)
    assert isinstance(y, Variable) and y.shape == (x.size,) and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, x.ravel())
    numpy.testing.assert_array_equal(x, x0)


def test_backward_both_paths():
    x = numpy.random.randn(2, 3, 4)
    gy = numpy.random.randn(24)
    check_backward(F.flatten, x, gy)
    for double in (False, True):
        g, = _grads(F.flatten, [x], gy, double)
        numpy.testing.assert_array_equal(g, gy.reshape(2, 3, 4))


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.flatten(v * v), x, numpy.random.randn(6),
                          numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2].T
    numpy.testing.assert_array_equal(F.flatten(x).array, x.ravel())
    check_backward(F.flatten, x, numpy.random.randn(12))


def test_one_dimensional_variable_comes_back_as_is():
    v = Variable(numpy.arange(3.0))
    assert F.flatten(v) is v
