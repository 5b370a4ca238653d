"""F.maxout: grouping along any axis, the documented example, gradients
(to the group maxima), errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, pool_size, axis):
    x = numpy.asarray(x, numpy.float64)
    axis %= x.ndim
    shape = x.shape[:axis] + (x.shape[axis] // pool_size, pool_size) + x.shape[axis + 1:]
    return x.reshape(shape).max(axis=axis + 1)


def _distinct(shape, dtype=numpy.float64, seed=0):
    """Distinct values at least 0.1 apart: no ties, finite differences stay valid."""
    rng = numpy.random.RandomState(seed)
    n = int(numpy.prod(shape))
    return (rng.permutation(n) * 0.1 - n * 0.05).reshape(shape).astype(dtype)


CASES = [((2, 6), 2, 1), ((2, 6), 3, 1), ((2, 6), 6, 1), ((2, 6), 1, 1), ((4, 3), 2, 0),
         ((2, 6, 3), 3, 1), ((2, 3, 4), 2, 2), ((2, 3, 4), 2, -1), ((2, 6, 2), 2, -2)]


@pytest.mark.parametrize('shape,pool,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, pool, axis, dtype):
    x = _distinct(shape, dtype)
    x0 = x.copy()
    y = F.maxout(x, pool, axis=axis)
    expect = _ref(x, pool, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect.astype(dtype))
    numpy.testing.assert_array_equal(x, x0)


def test_documented_example():
    out_size, pool_size = 10, 10
    x = numpy.arange(out_size * pool_size, dtype=numpy.float32).reshape(1, 100)
    y = F.maxout(x, pool_size)
    assert y.shape == (1, 10)
    numpy.testing.assert_array_equal(y.array, [[9, 19, 29, 39, 49, 59, 69, 79, 89, 99]])


@pytest.mark.parametrize('shape,pool,axis', CASES)
def test_backward(shape, pool, axis):
    x = _distinct(shape)
    gy = numpy.random.randn(*_ref(x, pool, axis).shape)
    check_backward(lambda v: F.maxout(v, pool, axis), x, gy)


def test_double_backward():
    x = _distinct((2, 6))
    check_double_backward(lambda v: F.maxout(v, 3) ** 2, x, numpy.random.randn(2, 2),
                          numpy.random.randn(2, 6))


@pytest.mark.parametrize('double', [False, True])
def test_gradient_goes_to_group_maxima(double):
    x = Variable(numpy.array([[1.0, 5.0, 3.0, 2.0, 2.0, 0.0]]))
    y = F.maxout(x, 3)
    y.grad = numpy.array([[10.0, 20.0]])
    y.backward(enable_double_backprop=double)
    # ties (the two 2.0s) both get the gradient, as with Chainer's max
    numpy.testing.assert_array_equal(x.grad, [[0, 10, 0, 20, 20, 0]])


def test_non_contiguous_input():
    x = _distinct((6, 8))[:, ::2].T      # (4, 6), not contiguous
    assert not x.flags.c_contiguous
    numpy.testing.assert_array_equal(F.maxout(x, 2).array, _ref(x, 2, 1))
    check_backward(lambda v: F.maxout(v, 2), x, numpy.random.randn(4, 3))


def test_variable_input():
    x = Variable(_distinct((2, 4)))
    numpy.testing.assert_array_equal(F.maxout(x, 2).array, _ref(x.array, 2, 1))


def test_size_not_divisible_is_rejected():
    with pytest.raises(InvalidType, match='pool_size') as e:
        F.maxout(numpy.zeros((2, 5)), 2)
    assert 'x.shape[axis] = 5' in str(e.value)


@pytest.mark.parametrize('pool', [0, -1, 1.5, True])
def test_bad_pool_size_is_rejected(pool):
    with pytest.raises(ValueError, match='pool_size'):
        F.maxout(numpy.zeros((2, 4)), pool)


def test_bad_axis_is_rejected():
    with pytest.raises(InvalidType, match='axis'):
        F.maxout(numpy.zeros((2, 4)), 2, axis=2)
    with pytest.raises(TypeError, match='axis'):
        F.maxout(numpy.zeros((2, 4)), 2, axis=1.0)


def test_non_float_input_is_rejected():
    with pytest.raises(InvalidType, match='Max'):
        F.maxout(numpy.zeros((2, 4), numpy.int32), 2)
