"""F.rollaxis: forward vs numpy.rollaxis for every axis/start, gradients, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [(a, s) for a in range(-4, 4) for s in range(-4, 5)]


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


@pytest.mark.parametrize('axis,start', CASES)
def test_forward_and_backward(axis, start):
    x = numpy.random.randn(2, 3, 4, 5)
    x0 = x.copy()
    y = F.rollaxis(x, axis, start)
    expect = numpy.rollaxis(x, axis, start)
    assert y.shape == expect.shape
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)
    gy = numpy.random.randn(*expect.shape)
    for double in (False, True):
        g, = _grads(lambda v: F.rollaxis(v, axis, start), [x], gy, double)
        # the gradient is gy with the permutation undone
        perm = numpy.rollaxis(numpy.arange(x.size).reshape(x.shape), axis, start).ravel()
        expect_g = numpy.empty(x.size)
        expect_g[perm] = gy.ravel()
        numpy.testing.assert_array_equal(g, expect_g.reshape(x.shape))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_dtypes_and_default_start(dtype):
    x = numpy.random.randn(2, 3, 4).astype(dtype)
    y = F.rollaxis(x, 2)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.rollaxis(x, 2))


def test_check_backward_and_double_backward():
    x = numpy.random.randn(2, 3, 4)
    check_backward(lambda v: F.rollaxis(v, 2, 1), x, numpy.random.randn(2, 4, 3))
    check_double_backward(lambda v: F.rollaxis(v * v, 0, 3), x, numpy.random.randn(3, 4, 2),
                          numpy.random.randn(2, 3, 4))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6, 2)[:, ::2]
    numpy.testing.assert_array_equal(F.rollaxis(x, 2).array, numpy.rollaxis(x, 2))
    check_backward(lambda v: F.rollaxis(v, 2), x, numpy.random.randn(2, 4, 3))


@pytest.mark.parametrize('axis,start', [(3, 0), (-4, 0), (0, 4), (0, -4)])
def test_out_of_range(axis, start):
    with pytest.raises(InvalidType, match='Rollaxis'):
        F.rollaxis(numpy.zeros((2, 3, 4)), axis, start)


def test_type_errors():
    with pytest.raises(TypeError, match='rollaxis'):
        F.rollaxis(numpy.zeros((2, 3)), 0.0)
    with pytest.raises(TypeError, match='rollaxis'):
        F.rollaxis(numpy.zeros((2, 3)), 0, None)
