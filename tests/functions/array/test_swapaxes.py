"""F.swapaxes: forward vs NumPy, both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
CASES = [((2, 3, 4), 0, 2), ((2, 3, 4), -1, 0), ((2, 3), 1, 1), ((5,), 0, -1)]


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    fastgrad.backward([y], [gy.copy()], enable_double_backprop=double)
    return [v.grad for v in vs]


@pytest.mark.parametrize('shape,a1,a2', CASES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(shape, a1, a2, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    y = F.swapaxes(x, a1, a2)
    expect = numpy.swapaxes(x, a1, a2)
    assert isinstance(y, Variable) and y.dtype == dtype and y.shape == expect.shape
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,a1,a2', CASES)
def test_backward_both_paths(shape, a1, a2):
    x = numpy.random.randn(*shape)
    gy = numpy.random.randn(*numpy.swapaxes(x, a1, a2).shape)
    f = lambda v: F.swapaxes(v, a1, a2)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        g, = _grads(f, [x], gy, double)
        numpy.testing.assert_array_equal(g, numpy.swapaxes(gy, a1, a2))


def test_double_backward():
    x = numpy.random.randn(2, 3, 4)
    check_double_backward(lambda v: F.swapaxes(v * v, 0, 2), x,
                          numpy.random.randn(4, 3, 2), numpy.random.randn(2, 3, 4))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.swapaxes(x, 0, 1).array, x.T)
    check_backward(lambda v: F.swapaxes(v, 0, 1), x, numpy.random.randn(3, 4))


@pytest.mark.parametrize('a1,a2', [(2, 0), (0, -3)])
def test_axis_out_of_range(a1, a2):
    with pytest.raises(InvalidType, match='Swapaxes'):
        F.swapaxes(numpy.zeros((2, 3)), a1, a2)


def test_axis_must_be_int():
    with pytest.raises(TypeError, match='swapaxes'):
        F.swapaxes(numpy.zeros((2, 3)), 0.0, 1)
