"""F.exp and F.log: forward against NumPy, both backward paths, double backward."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward

FUNCS = [('exp', F.exp, numpy.exp, (-2, 2)), ('log', F.log, numpy.log, (0.5, 3))]
IDS = [f[0] for f in FUNCS]
TOL = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}


def _input(shape, low_high, dtype=numpy.float64):
    return numpy.asarray(numpy.random.uniform(*low_high, size=shape)).astype(dtype)


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(), (4,), (3, 4)])
def test_forward(name, func, ref, dom, dtype, shape):
    x = _input(shape, dom, dtype)
    x0 = x.copy()
    y = func(x)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float64)),
                                  rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
def test_backward(name, func, ref, dom):
    check_backward(func, _input((3, 4), dom), numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
def test_double_backward(name, func, ref, dom):
    check_double_backward(func, _input((3, 4), dom), numpy.random.randn(3, 4),
                          numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(name, func, ref, dom, dtype):
    x = _input((3, 4), dom, dtype)
    gy = numpy.random.randn(3, 4).astype(dtype)
    fast, = _grads(func, [x], gy, False)
    slow, = _grads(func, [x], gy, True)
    assert fast.dtype == slow.dtype == dtype
    numpy.testing.assert_allclose(fast, slow, rtol=TOL[dtype], atol=TOL[dtype])


def test_gradient_formulas():
    x = _input((5,), (0.5, 2))
    g, = _grads(F.exp, [x], numpy.ones(5), False)
    numpy.testing.assert_allclose(g, numpy.exp(x), rtol=1e-14)
    g, = _grads(F.log, [x], numpy.ones(5), False)
    numpy.testing.assert_allclose(g, 1 / x, rtol=1e-14)


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
def test_non_contiguous_input(name, func, ref, dom):
    base = _input((4, 10), dom)
    for x in (base[:, ::2], base.T):
        assert not x.flags.c_contiguous
        numpy.testing.assert_allclose(func(x).array, ref(x), rtol=1e-14)
        check_backward(func, x, numpy.random.randn(*x.shape))


def test_log_of_exp_is_identity_with_unit_gradient():
    x = _input((3, 4), (-2, 2))
    v = Variable(x)
    y = F.sum(F.log(F.exp(v)))
    y.backward()
    numpy.testing.assert_allclose(v.grad, numpy.ones_like(x), rtol=1e-14)
