"""L.Bias and L.Scale: learned and given operands, axes, gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward
from fastgrad.utils.type_check import InvalidType


def _aligned(y, ndim, axis):
    return y.reshape((1,) * axis + y.shape + (1,) * (ndim - axis - y.ndim))


# -- Bias ---------------------------------------------------------------------

def test_bias_parameter():
    b = L.Bias(shape=(3,))
    assert [n for n, _ in b.namedparams()] == ['/b']
    assert b.b.dtype == numpy.float32 and b.axis == 1
    numpy.testing.assert_array_equal(b.b.array, numpy.zeros(3))
    assert list(L.Bias().params()) == []


@pytest.mark.parametrize('axis,x_shape,b_shape', [
    (1, (2, 3, 4), (3,)), (0, (2, 3), (2, 3)), (2, (2, 3, 4, 5), (4,)),
    (1, (2, 3, 4), (3, 4))])
def test_bias_forward(axis, x_shape, b_shape):
    link = L.Bias(axis=axis, shape=b_shape)
    link.b.array[...] = numpy.random.randn(*b_shape)
    x = numpy.random.randn(*x_shape).astype(numpy.float32)
    y = link(x)
    numpy.testing.assert_allclose(y.array, x + _aligned(link.b.array, x.ndim, axis),
                                  rtol=1e-6)
    # The same with the bias given as a second input.
    y2 = L.Bias(axis=axis)(x, link.b.array)
    numpy.testing.assert_array_equal(y2.array, y.array)


def test_bias_backward_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.Bias(axis=1, shape=(3, 4))
    x = numpy.random.randn(2, 3, 4, 5)
    check_backward(link, x, numpy.random.randn(2, 3, 4, 5), params=(link.b,))
    check_backward(L.Bias(axis=2), (x, numpy.random.randn(4, 5)),
                   numpy.random.randn(2, 3, 4, 5))


def test_bias_bad_shape_names_the_link():
    with pytest.raises(InvalidType, match=r'(?s)Bias.*y.shape'):
        L.Bias(shape=(4,))(numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(TypeError):
        L.Bias(shape=(3,))(numpy.zeros((2, 3)), numpy.zeros(3))


def test_bias_printed_form():
    assert str(L.Bias(shape=(3,))) == 'Bias()'


# -- Scale --------------------------------------------------------------------

def test_scale_parameters():
    s = L.Scale(W_shape=(3,))
    assert [n for n, _ in s.namedparams()] == ['/W']
    numpy.testing.assert_array_equal(s.W.array, numpy.ones(3))
    assert s.W.dtype == numpy.float32
    t = L.Scale(W_shape=(3,), bias_term=True)
    assert [n for n, _ in t.namedparams()] == ['/W', '/bias/b']
    assert isinstance(t.bias, L.Bias) and t.bias.b.shape == (3,)
    u = L.Scale(bias_term=True, bias_shape=(2,))
    assert [n for n, _ in u.namedparams()] == ['/bias/b']
    assert list(L.Scale().params()) == []


def test_scale_bias_term_needs_a_shape():
    with pytest.raises(ValueError, match='bias_shape'):
        L.Scale(bias_term=True)


@pytest.mark.parametrize('axis,x_shape,w_shape', [
    (1, (2, 3, 4), (3,)), (0, (2, 3), (2,)), (1, (2, 3, 4), (3, 4))])
def test_scale_forward(axis, x_shape, w_shape):
    s = L.Scale(axis=axis, W_shape=w_shape, bias_term=True)
    s.W.array[...] = numpy.random.randn(*w_shape)
    s.bias.b.array[...] = numpy.random.randn(*w_shape)
    x = numpy.random.randn(*x_shape).astype(numpy.float32)
    y = s(x)
    ref = x * _aligned(s.W.array, x.ndim, axis) + _aligned(s.bias.b.array, x.ndim, axis)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-6)
    y2 = L.Scale(axis=axis)(x, s.W.array)
    numpy.testing.assert_allclose(y2.array, x * _aligned(s.W.array, x.ndim, axis),
                                  rtol=1e-6)


def test_scale_backward_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        s = L.Scale(axis=1, W_shape=(3,), bias_term=True)
    s.W.array[...] = numpy.random.randn(3)
    x = numpy.random.randn(2, 3, 4)
    check_backward(s, x, numpy.random.randn(2, 3, 4), params=tuple(s.params()))
    check_backward(L.Scale(axis=1), (x, numpy.random.randn(3, 4)),
                   numpy.random.randn(2, 3, 4))


def test_scale_bad_shape_names_the_link():
    with pytest.raises(InvalidType, match=r'(?s)Scale.*y.shape'):
        L.Scale(W_shape=(5,))(numpy.zeros((2, 3), numpy.float32))


def test_scale_printed_form():
    assert str(L.Scale(W_shape=(3,), bias_term=True)) == (
        'Scale(\n  (bias): Bias(),\n)')


def test_double_backward():
    from fastgrad.gradient_check import check_double_backward
    x = numpy.random.randn(2, 3, 4)
    y = numpy.random.randn(3)
    gy = numpy.random.randn(2, 3, 4)
    check_double_backward(L.Scale(axis=1), (x, y), gy,
                          (numpy.random.randn(2, 3, 4), numpy.random.randn(3)))
    check_double_backward(L.Bias(axis=1), (x, y), gy,
                          (numpy.random.randn(2, 3, 4), numpy.random.randn(3)))


@pytest.mark.parametrize('cls', ['Bias', 'Scale'])
def test_wrong_number_of_inputs_is_a_type_and_assertion_error(cls):
    x = numpy.ones((2, 3), dtype=numpy.float32)
    with_param = getattr(L, cls)(1, (3,))
    with pytest.raises(TypeError, match=cls + ' with a parameter .* takes one input, got 2'):
        with_param(x, x[0])
    without = getattr(L, cls)(1, None)
    with pytest.raises(AssertionError, match='takes two inputs .*got 1'):
        without(x)
