"""L.PReLU: parameter shape/default, forward vs NumPy, gradients, printing."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _ref(x, W):
    w = W.reshape(W.shape + (1,) * (x.ndim - 1 - W.ndim))
    return numpy.where(x >= 0, x, w * x)


def test_default_parameter():
    p = L.PReLU()
    assert [n for n, _ in p.namedparams()] == ['/W']
    assert p.W.shape == () and p.W.dtype == numpy.float32
    assert p.W.array == numpy.float32(0.25)


def test_shape_and_init():
    p = L.PReLU(shape=(3,), init=0.5)
    numpy.testing.assert_array_equal(p.W.array, [0.5, 0.5, 0.5])


@pytest.mark.parametrize('shape,x_shape', [((), (2, 3)), ((3,), (2, 3, 4)),
                                           ((3, 4), (2, 3, 4, 5))])
def test_forward_matches_numpy(shape, x_shape):
    p = L.PReLU(shape=shape, init=0.3)
    p.W.array[...] = numpy.random.uniform(0.1, 0.9, shape)
    x = numpy.random.uniform(-1, 1, x_shape).astype(numpy.float32)
    y = p(x)
    assert y.shape == x_shape and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, _ref(x.astype('d'), p.W.array.astype('d')),
                                  rtol=1e-6)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        p = L.PReLU(shape=(3,))
    assert p.W.dtype == numpy.float64
    x = numpy.random.uniform(0.1, 1, (2, 3, 4)) * numpy.random.choice([-1, 1], (2, 3, 4))
    check_backward(p, x, numpy.random.randn(2, 3, 4), params=(p.W,))


def test_printed_form():
    assert str(L.PReLU()) == 'PReLU()'
