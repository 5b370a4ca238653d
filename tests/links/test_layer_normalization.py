"""L.LayerNormalization: parameters, lazy size, forward vs NumPy, gradients."""
import numpy

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _ref(x, gamma, beta, eps):
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mu) / numpy.sqrt(var + eps) + beta


def test_parameters():
    ln = L.LayerNormalization(4)
    assert [n for n, _ in ln.namedparams()] == ['/beta', '/gamma']
    assert ln.gamma.shape == ln.beta.shape == (4,) and ln.gamma.dtype == numpy.float32
    numpy.testing.assert_array_equal(ln.gamma.array, numpy.ones(4))
    numpy.testing.assert_array_equal(ln.beta.array, numpy.zeros(4))
    assert ln.eps == 1e-6
    g = L.LayerNormalization(3, eps=1e-3, initial_gamma=2.0,
                             initial_beta=numpy.array([1, 2, 3], numpy.float32))
    numpy.testing.assert_array_equal(g.gamma.array, [2, 2, 2])
    numpy.testing.assert_array_equal(g.beta.array, [1, 2, 3])


def test_lazy_size():
    ln = L.LayerNormalization()
    assert ln.gamma.array is None and ln.beta.array is None
    x = numpy.random.randn(3, 5).astype(numpy.float32)
    y = ln(x)
    assert ln.gamma.shape == (5,) and y.shape == (3, 5)


def test_forward_matches_numpy():
    ln = L.LayerNormalization(5, eps=1e-3)
    ln.gamma.array[...] = numpy.random.uniform(0.5, 1.5, 5)
    ln.beta.array[...] = numpy.random.randn(5)
    x = numpy.random.randn(4, 5).astype(numpy.float32) * 3 + 2
    y = ln(x)
    assert y.dtype == numpy.float32
    numpy.testing.assert_allclose(
        y.array, _ref(x.astype('d'), ln.gamma.array, ln.beta.array, 1e-3),
        rtol=1e-4, atol=1e-5)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        ln = L.LayerNormalization(4)
    ln.gamma.array[...] = numpy.random.uniform(0.5, 1.5, 4)
    x = numpy.random.randn(3, 4)
    check_backward(ln, x, numpy.random.randn(3, 4), params=(ln.gamma, ln.beta),
                   rtol=1e-4, atol=1e-5)


def test_printed_form():
    assert str(L.LayerNormalization(3)) == 'LayerNormalization()'
