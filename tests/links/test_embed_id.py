"""L.EmbedID: table shape and default initializer, lookup, ignore_label, gradients."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def test_parameter_and_default_initializer():
    numpy.random.seed(0)
    e = L.EmbedID(5, 3)
    assert [n for n, _ in e.namedparams()] == ['/W']
    assert e.W.shape == (5, 3) and e.W.dtype == numpy.float32
    assert e.ignore_label is None
    # Normal(1.0) from the global RNG.
    numpy.random.seed(0)
    expected = numpy.random.normal(0, 1.0, (5, 3)).astype(numpy.float32)
    numpy.testing.assert_allclose(e.W.array, expected, rtol=1e-6)


def test_initialW_forms():
    W = numpy.arange(6, dtype=numpy.float32).reshape(3, 2)
    numpy.testing.assert_array_equal(L.EmbedID(3, 2, initialW=W).W.array, W)
    numpy.testing.assert_array_equal(L.EmbedID(3, 2, initialW=2.0).W.array,
                                     numpy.full((3, 2), 2.0))
    e = L.EmbedID(3, 2, initialW=fastgrad.initializers.Constant(1.0, 'd'))
    assert e.W.dtype == numpy.float64


@pytest.mark.parametrize('x_shape', [(4,), (2, 3), (2, 1, 3)])
def test_lookup(x_shape):
    e = L.EmbedID(5, 3)
    x = numpy.random.randint(0, 5, x_shape).astype(numpy.int32)
    y = e(x)
    assert y.shape == x_shape + (3,) and y.dtype == numpy.float32
    numpy.testing.assert_array_equal(y.array, e.W.array[x])


def test_ignore_label():
    e = L.EmbedID(5, 3, ignore_label=-1)
    x = numpy.array([0, -1, 4, -1], numpy.int32)
    y = e(x)
    numpy.testing.assert_array_equal(y.array[[0, 2]], e.W.array[[0, 4]])
    numpy.testing.assert_array_equal(y.array[[1, 3]], numpy.zeros((2, 3)))
    e.cleargrads()
    fastgrad.functions.sum(y * numpy.arange(12, dtype=numpy.float32).reshape(4, 3)).backward()
    expected = numpy.zeros((5, 3), numpy.float32)
    expected[0] = [0, 1, 2]
    expected[4] = [6, 7, 8]
    numpy.testing.assert_array_equal(e.W.grad, expected)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        e = L.EmbedID(4, 3, ignore_label=3)
    x = numpy.array([[0, 1, 3], [1, 1, 2]], numpy.int32)
    check_backward(e, x, numpy.random.randn(2, 3, 3), params=(e.W,))


def test_from_params():
    W = numpy.random.randn(4, 2).astype(numpy.float32)
    e = L.EmbedID.from_params(W, ignore_label=0)
    numpy.testing.assert_array_equal(e.W.array, W)
    assert e.ignore_label == 0


def test_printed_form():
    assert str(L.EmbedID(3, 2)) == 'EmbedID()'
