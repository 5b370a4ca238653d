"""F.cast: dtype conversion; the gradient comes back in the input's dtype."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward

FLOATS = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('src', FLOATS)
@pytest.mark.parametrize('dst', FLOATS)
def test_forward(src, dst):
    x = numpy.random.randn(3, 4).astype(src)
    x0 = x.copy()
    y = F.cast(x, dst)
    assert y.dtype == dst and y.shape == (3, 4)
    numpy.testing.assert_array_equal(y.array, x.astype(dst))
    numpy.testing.assert_array_equal(x, x0)


def test_same_dtype_without_backprop_returns_the_variable():
    v = Variable(numpy.zeros(3, numpy.float32))
    with fastgrad.no_backprop_mode():
        assert F.cast(v, numpy.float32) is v
        assert F.cast(v, 'float32') is v
        x = numpy.zeros(3)
        y = F.cast(x, numpy.float64)
        assert isinstance(y, Variable) and y.array is x


def test_same_dtype_cast_is_a_node_of_its_own():
    # two no-op casts of one Variable: each output gets its own gradient
    x = numpy.random.randn(3)
    v = Variable(x)
    y1, y2 = F.cast(v, numpy.float64), F.cast(v, 'float64')
    assert y1 is not v and y1.array is x and y1.creator is not None
    z = y1 * 2 + y2 * 3
    g1, g2 = fastgrad.grad([z], [y1, y2], [numpy.ones(3)])
    numpy.testing.assert_array_equal(g1.array, [2., 2., 2.])
    numpy.testing.assert_array_equal(g2.array, [3., 3., 3.])
    check_backward(lambda u: F.cast(u, numpy.float64) * u, x, numpy.random.randn(3))
    check_double_backward(lambda u: F.cast(u, numpy.float64) * u, x, numpy.random.randn(3),
                          numpy.random.randn(3))


def test_dtype_names_and_int_targets():
    x = numpy.array([1.7, -2.2, 3.0])
    assert F.cast(x, 'float16').dtype == numpy.float16
    numpy.testing.assert_array_equal(F.cast(x, numpy.int32).array, [1, -2, 3])


@pytest.mark.parametrize('src', FLOATS)
@pytest.mark.parametrize('dst', FLOATS)
def test_gradient_has_input_dtype_on_both_paths(src, dst):
    x = numpy.random.randn(3, 4).astype(src)
    gy = numpy.random.randn(3, 4).astype(dst)
    for double in (False, True):
        v = Variable(x)
        y = F.cast(v, dst)
        y.grad = gy
        y.backward(enable_double_backprop=double)
        assert v.grad.dtype == src
        numpy.testing.assert_array_equal(v.grad, gy.astype(src))


def test_backward_float64():
    x = numpy.random.randn(3, 4)
    # float64 -> float32 loses precision: loosen the tolerance accordingly
    check_backward(lambda v: F.cast(v, numpy.float32), x,
                   numpy.random.randn(3, 4).astype(numpy.float32), atol=1e-3, rtol=1e-3)
    check_backward(lambda v: F.cast(F.cast(v, numpy.float32) * 2, numpy.float64), x,
                   numpy.random.randn(3, 4), atol=1e-3, rtol=1e-3)


def test_double_backward():
    x = numpy.random.randn(3, 4).astype(numpy.float32)
    check_double_backward(lambda v: F.cast(v * v, numpy.float64),
                          x, numpy.random.randn(3, 4),
                          numpy.random.randn(3, 4).astype(numpy.float32),
                          atol=1e-2, rtol=1e-2)


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    y = F.cast(x, numpy.float32)
    numpy.testing.assert_array_equal(y.array, x.astype(numpy.float32))
    v = Variable(x)
    y = F.cast(v, numpy.float32)
    y.grad = numpy.ones((4, 3), numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(v.grad, numpy.ones((4, 3)))
