"""F.reshape and Variable.reshape."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3, 4), (6, 4)), ((2, 3, 4), (24,)), ((2, 3, 4), (4, -1)), ((2, 3, 4), (-1,)),
         ((6,), (1, 2, 3, 1)), ((1,), ()), ((), (1, 1)), ((0, 3), (3, 0)), ((2, 3), (2, 3))]


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


@pytest.mark.parametrize('src,dst', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(src, dst, dtype):
    x = numpy.asarray(numpy.random.randn(*src)).astype(dtype)
    x0 = x.copy()
    y = F.reshape(x, dst)
    expect = x.reshape(dst)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


def test_int_shape_and_variable_method():
    x = numpy.arange(6.0)
    assert F.reshape(x, 6).shape == (6,)
    v = Variable(x)
    assert v.reshape(2, 3).shape == (2, 3)
    assert v.reshape((3, 2)).shape == (3, 2)
    assert F.reshape(v, (6,)) is v                   # nothing to do: the same Variable


@pytest.mark.parametrize('src,dst', CASES)
def test_backward(src, dst):
    x = numpy.asarray(numpy.random.randn(*src))
    gy = numpy.asarray(numpy.random.randn(*x.reshape(dst).shape))
    check_backward(lambda v: F.reshape(v, dst), x, gy)
    fast, = _grads(lambda v: F.reshape(v, dst), [x], gy, False)
    slow, = _grads(lambda v: F.reshape(v, dst), [x], gy, True)
    assert fast.shape == slow.shape == src
    numpy.testing.assert_array_equal(fast, gy.reshape(src))
    numpy.testing.assert_array_equal(slow, gy.reshape(src))


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.reshape(v * v, (3, 2)), x, numpy.random.randn(3, 2),
                          numpy.random.randn(2, 3))


def test_non_contiguous_input():
    base = numpy.random.randn(4, 6)
    for x in (base[:, ::2], base.T):
        numpy.testing.assert_array_equal(F.reshape(x, (-1,)).array, x.reshape(-1))
        check_backward(lambda v: F.reshape(v, (-1,)), x, numpy.random.randn(x.size))


@pytest.mark.parametrize('dst', [(4, 2), (-1, -1), (5, -1), (0, -1)])
def test_bad_shape_is_invalid_type(dst):
    with pytest.raises(InvalidType, match='Reshape'):
        F.reshape(numpy.zeros((2, 3)), dst)
