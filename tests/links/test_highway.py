"""L.Highway: children and their initializers, forward vs NumPy, gradients."""
import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def test_parameters_and_defaults():
    numpy.random.seed(0)
    h = L.Highway(3)
    assert [n for n, _ in h.namedparams()] == [
        '/plain/W', '/plain/b', '/transform/W', '/transform/b']
    assert h.plain.W.shape == h.transform.W.shape == (3, 3)
    numpy.testing.assert_array_equal(h.plain.b.array, numpy.zeros(3))
    numpy.testing.assert_array_equal(h.transform.b.array, -numpy.ones(3))
    # LeCunNormal from the global RNG: plain first, then transform.
    numpy.random.seed(0)
    W1 = L.Linear(3, 3).W.array
    W2 = L.Linear(3, 3).W.array
    numpy.testing.assert_array_equal(h.plain.W.array, W1)
    numpy.testing.assert_array_equal(h.transform.W.array, W2)
    assert h.activate is F.relu


def test_options():
    h = L.Highway(2, nobias=True, activate=F.tanh, init_Wh=1.0, init_Wt=2.0)
    assert h.plain.b is None and h.transform.b is None
    numpy.testing.assert_array_equal(h.plain.W.array, numpy.ones((2, 2)))
    numpy.testing.assert_array_equal(h.transform.W.array, numpy.full((2, 2), 2.0))
    g = L.Highway(2, init_bh=0.5, init_bt=numpy.array([1, 2], numpy.float32))
    numpy.testing.assert_array_equal(g.plain.b.array, [0.5, 0.5])
    numpy.testing.assert_array_equal(g.transform.b.array, [1, 2])


def test_forward_matches_numpy():
    h = L.Highway(4)
    x = numpy.random.randn(5, 4).astype(numpy.float32)
    y = h(x)
    xd = x.astype('d')
    Wh, bh = h.plain.W.array.astype('d'), h.plain.b.array.astype('d')
    Wt, bt = h.transform.W.array.astype('d'), h.transform.b.array.astype('d')
    t = _sigmoid(xd @ Wt.T + bt)
    ref = numpy.maximum(xd @ Wh.T + bh, 0) * t + xd * (1 - t)
    assert y.shape == (5, 4) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-6)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        h = L.Highway(3, activate=F.tanh)
    x = numpy.random.randn(4, 3)
    check_backward(h, x, numpy.random.randn(4, 3), params=tuple(h.params()))


def test_printed_form():
    assert str(L.Highway(3)) == (
        'Highway(\n'
        '  (plain): Linear(in_size=3, out_size=3, nobias=False),\n'
        '  (transform): Linear(in_size=3, out_size=3, nobias=False),\n'
        ')')
