"""F.forget: the same values and gradients as the plain call (inputs and a
link's parameters), intermediate arrays not kept, errors."""
import gc
import tracemalloc

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _f(a, b):
    return F.tanh((a + b) * a), F.exp(b) * 2


def test_forget_equals_plain():
    rng = numpy.random.RandomState(0)
    a0, b0, g0, g1 = (rng.randn(5) for _ in range(4))
    grads = []
    for wrap in (False, True):
        a, b = fastgrad.Variable(a0.copy()), fastgrad.Variable(b0.copy())
        y0, y1 = F.forget(_f, a, b) if wrap else _f(a, b)
        fastgrad.backward([y0, y1], [g0, g1])
        grads.append((y0.array, y1.array, a.grad, b.grad))
    for plain, forgotten in zip(*grads):
        numpy.testing.assert_allclose(forgotten, plain, rtol=1e-15)


def test_forget_numerical_gradient():
    rng = numpy.random.RandomState(1)
    check_backward(lambda a, b: F.forget(lambda p, q: (p + q) * p, a, b),
                   (rng.randn(4), rng.randn(4)), rng.randn(4))


def test_forget_one_output_unused():
    a = fastgrad.Variable(numpy.arange(3.))
    y0, y1 = F.forget(lambda v: (v * 2, v * 3), a)
    F.sum(y1).backward()
    numpy.testing.assert_array_equal(a.grad, [3, 3, 3])


def test_forget_link_parameters_get_gradients():
    link = L.Linear(3, 2)
    x = numpy.random.RandomState(2).randn(4, 3).astype(numpy.float32)
    link.cleargrads()
    F.sum(F.forget(lambda v: F.tanh(link(v)), x)).backward()
    gW, gb = link.W.grad.copy(), link.b.grad.copy()
    link.cleargrads()
    F.sum(F.tanh(link(x))).backward()
    numpy.testing.assert_allclose(gW, link.W.grad, rtol=1e-6)
    numpy.testing.assert_allclose(gb, link.b.grad, rtol=1e-6)


def test_forget_in_recomputing_flag():
    seen = []

    def f(v):
        seen.append(fastgrad.config.in_recomputing)
        return v * 2
    F.sum(F.forget(f, fastgrad.Variable(numpy.ones(2)))).backward()
    assert seen == [False, True]


def _chain(x):
    # 8 intermediate arrays of the input's size, each kept by the plain graph
    for _ in range(8):
        x = F.sin(x) * 1.5
    return x


def _kept_bytes(wrap):
    x = fastgrad.Variable(numpy.ones(250000))        # 2 MB
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = F.forget(_chain, x) if wrap else _chain(x)
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    F.sum(y).backward()
    return kept, x.grad


def test_forget_does_not_keep_intermediates():
    plain, g_plain = _kept_bytes(False)
    forgotten, g_forget = _kept_bytes(True)
    size = 250000 * 8
    assert plain >= 8 * size           # the plain graph keeps the intermediates
    assert forgotten <= 1.5 * size     # forget keeps the output only
    numpy.testing.assert_allclose(g_forget, g_plain, rtol=1e-15)


def test_forget_errors():
    v = fastgrad.Variable(numpy.ones(2))
    with pytest.raises(TypeError, match='forget: func must be callable'):
        F.forget(1, v)
    with pytest.raises(RuntimeError, match='forget: a tuple of Variables or a Variable'):
        F.forget(lambda: 1)
    with pytest.raises(RuntimeError, match='forget: 2nd element of a returned tuple'):
        F.forget(lambda x: (x, 1), v)
    y = F.forget(lambda x: x * x, v)
    y.grad = numpy.ones(2)
    with pytest.raises(RuntimeError, match='forget: double backpropagation'):
        y.backward(enable_double_backprop=True)
