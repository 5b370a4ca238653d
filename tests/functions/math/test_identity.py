"""F.identity: passes arrays through (the same arrays, as Chainer), one
Variable for one input and a tuple otherwise, gradients pass unchanged."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward


def test_single_input_returns_a_variable_sharing_the_array():
    x = numpy.random.randn(3, 4).astype(numpy.float32)
    y = F.identity(x)
    assert isinstance(y, Variable)
    assert y.array is x and y.dtype == numpy.float32


def test_several_inputs_return_a_tuple():
    a, b = numpy.random.randn(2), numpy.random.randn(3, 1)
    ys = F.identity(a, Variable(b))
    assert isinstance(ys, tuple) and len(ys) == 2
    assert ys[0].array is a and ys[1].array is b
    assert ys[0].creator is ys[1].creator is not None


def test_int_inputs_pass_through():
    x = numpy.arange(4)
    assert F.identity(x).array is x


@pytest.mark.parametrize('double', [False, True])
def test_gradients_pass_unchanged(double):
    a, b = Variable(numpy.random.randn(2, 3)), Variable(numpy.random.randn(4))
    ya, yb = F.identity(a, b)
    ga, gb = numpy.random.randn(2, 3), numpy.random.randn(4)
    fastgrad.backward([ya, yb], [ga, gb], enable_double_backprop=double)
    numpy.testing.assert_array_equal(a.grad, ga)
    numpy.testing.assert_array_equal(b.grad, gb)


def test_gradient_of_one_output_only():
    a, b = Variable(numpy.ones(2)), Variable(numpy.ones(3))
    ya, yb = F.identity(a, b)
    F.sum(ya * 3.0).backward()
    numpy.testing.assert_array_equal(a.grad, [3, 3])
    assert b.grad is None


def test_check_backward_and_double_backward():
    xs = (numpy.random.randn(2, 3), numpy.random.randn(3))
    gys = (numpy.random.randn(2, 3), numpy.random.randn(3))
    check_backward(F.identity, xs, gys)
    check_double_backward(lambda a, b: tuple(y * y for y in F.identity(a, b)), xs, gys,
                          (numpy.random.randn(2, 3), numpy.random.randn(3)))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    assert F.identity(x).array is x
    check_backward(F.identity, x, numpy.random.randn(4, 3))
