"""L.Maxout: the Linear child's layout, initializers, forward vs NumPy, gradients."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _ref(x, W, b, out_size, pool_size):
    z = x.reshape(len(x), -1) @ W.T
    if b is not None:
        z = z + b
    return z.reshape(len(x), out_size, pool_size).max(axis=2)


def test_parameters():
    m = L.Maxout(3, 2, 4)
    assert [n for n, _ in m.namedparams()] == ['/linear/W', '/linear/b']
    assert m.linear.W.shape == (8, 3) and m.linear.b.shape == (8,)
    numpy.testing.assert_array_equal(m.linear.b.array, numpy.zeros(8))
    assert (m.out_size, m.pool_size) == (2, 4)
    assert L.Maxout(3, 2, 4, initial_bias=None).linear.b is None


def test_array_initializers_use_the_maxout_layout():
    W = numpy.arange(2 * 4 * 3, dtype=numpy.float32).reshape(2, 4, 3)
    b = numpy.arange(8, dtype=numpy.float32).reshape(2, 4)
    m = L.Maxout(3, 2, 4, initialW=W, initial_bias=b)
    numpy.testing.assert_array_equal(m.linear.W.array, W.reshape(8, 3))
    numpy.testing.assert_array_equal(m.linear.b.array, b.reshape(8))
    with pytest.raises(ValueError, match='initialW.ndim'):
        L.Maxout(3, 2, 4, initialW=W.reshape(8, 3))
    with pytest.raises(ValueError, match='initial_bias.ndim'):
        L.Maxout(3, 2, 4, initial_bias=b.reshape(8))


def test_callable_initializers_see_the_maxout_layout():
    seen = []

    def init(array):
        seen.append(array.shape)
        array[...] = numpy.arange(array.size).reshape(array.shape)

    m = L.Maxout(3, 2, 4, initialW=init, initial_bias=init)
    assert seen == [(2, 4, 3), (2, 4)]
    numpy.testing.assert_array_equal(m.linear.W.array, numpy.arange(24).reshape(8, 3))
    numpy.testing.assert_array_equal(m.linear.b.array, numpy.arange(8))
    # An initializer object keeps its dtype through the reshaping wrapper.
    k = L.Maxout(3, 2, 4, initialW=fastgrad.initializers.Constant(1.5, 'd'))
    assert k.linear.W.dtype == numpy.float64
    numpy.testing.assert_array_equal(k.linear.W.array, numpy.full((8, 3), 1.5))


def test_forward_matches_numpy():
    m = L.Maxout(6, 3, 2)
    m.linear.b.array[...] = numpy.random.randn(6)
    x = numpy.random.randn(4, 2, 3).astype(numpy.float32)
    y = m(x)
    assert y.shape == (4, 3) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(
        y.array, _ref(x.astype('d'), m.linear.W.array.astype('d'),
                      m.linear.b.array.astype('d'), 3, 2), rtol=1e-5, atol=1e-6)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        m = L.Maxout(4, 3, 2)
    m.linear.b.array[...] = numpy.random.randn(6)
    x = numpy.random.randn(5, 4)
    check_backward(m, x, numpy.random.randn(5, 3), params=tuple(m.params()))


def test_printed_form():
    assert str(L.Maxout(3, 2, 4)) == (
        'Maxout(\n  (linear): Linear(in_size=3, out_size=8, nobias=False),\n)')
