"""F.batch_renormalization / F.fixed_batch_renormalization: forward and
running statistics against NumPy formulas, gradients (r and d are
gradient-stopped), double backward and errors."""
import warnings

import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _stats(x, c_ndim):
    axis = (0,) + tuple(range(1 + c_ndim, x.ndim))
    x = x.astype(numpy.float64)
    return axis, x.mean(axis=axis), x.var(axis=axis)


def _expand(a, x_ndim):
    return a.reshape((1,) + a.shape + (1,) * (x_ndim - 1 - a.ndim))


def _ref(x, gamma, beta, rmax, dmax, eps, rm, rv):
    """y, r, d, x_hat with float64 NumPy."""
    axis, mean, var = _stats(x, gamma.ndim)
    std = numpy.sqrt(var + eps)
    rstd = numpy.sqrt(rv.astype(numpy.float64) + eps)
    r = numpy.clip(std / rstd, 1 / rmax, rmax)
    d = numpy.clip((mean - rm) / rstd, -dmax, dmax)
    e = lambda a: _expand(a, x.ndim)  # noqa: E731
    x_hat = (x - e(mean)) / e(std)
    y = e(gamma) * (x_hat * e(r) + e(d)) + e(beta)
    return y, r, d, x_hat, std, axis


def _inputs(dtype=numpy.float64, shape=(5, 3, 2, 2), c_shape=(3,), seed=0):
    rng = numpy.random.RandomState(seed)
    return (rng.uniform(-10, 10, shape).astype(dtype),
            rng.uniform(.5, 1, c_shape).astype(dtype), rng.uniform(-1, 1, c_shape).astype(dtype),
            rng.uniform(-1, 1, c_shape).astype(dtype), rng.uniform(1e-3, 1, c_shape).astype(dtype))


TOL = {numpy.float16: dict(rtol=2e-2, atol=2e-2),
       numpy.float32: dict(rtol=1e-4, atol=1e-4),
       numpy.float64: dict(rtol=1e-10, atol=1e-10)}


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape,c_shape', [((5, 3, 2, 2), (3,)), ((5, 3), (3,)),
                                           ((4, 3, 2, 5), (3, 2))])
@pytest.mark.parametrize('update', [True, False])
def test_forward_and_running_stats(dtype, shape, c_shape, update):
    x, gamma, beta, rm, rv = _inputs(dtype, shape, c_shape)
    rm0, rv0 = rm.copy(), rv.copy()
    y = F.batch_renormalization(x, gamma, beta, 3, 5, eps=2e-5, running_mean=rm,
                                running_var=rv, decay=0.8, update_statistics=update)
    assert y.dtype == dtype and y.shape == shape
    want = _ref(x, gamma, beta, 3, 5, 2e-5, rm0, rv0)[0]
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), want, **TOL[dtype])
    if update:
        _, mean, var = _stats(x, len(c_shape))
        m = x.size // gamma.size
        numpy.testing.assert_allclose(rm, 0.8 * rm0 + 0.2 * mean, **TOL[dtype])
        numpy.testing.assert_allclose(rv, 0.8 * rv0 + 0.2 * var * m / (m - 1), **TOL[dtype])
    else:
        numpy.testing.assert_array_equal(rm, rm0)
        numpy.testing.assert_array_equal(rv, rv0)


def test_backward_against_formula():
    """r, d unclipped: gx is BN's gradient scaled by r (the statistics of x
    are differentiated, r and d are not)."""
    x, gamma, beta, rm, rv = _inputs()
    gy = numpy.random.RandomState(3).randn(*x.shape)
    y_, r, d, x_hat, std, axis = _ref(x, gamma, beta, 30, 50, 2e-5, rm, rv)
    assert ((r > 1 / 30) & (r < 30)).all()
    xs = [Variable(a.copy()) for a in (x, gamma, beta)]
    y = F.batch_renormalization(*xs, 30, 50, running_mean=rm, running_var=rv)
    y.grad = gy
    y.backward()
    e = lambda a: _expand(a, x.ndim)  # noqa: E731
    m = x.size // gamma.size
    gbeta = gy.sum(axis=axis)
    gsig = (gy * x_hat).sum(axis=axis)
    gx = e(r * gamma / std) * (gy - (x_hat * e(gsig) + e(gbeta)) / m)
    numpy.testing.assert_allclose(xs[0].grad, gx, rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(xs[1].grad, (gy * (x_hat * e(r) + e(d))).sum(axis=axis),
                                  rtol=1e-10)
    numpy.testing.assert_allclose(xs[2].grad, gbeta, rtol=1e-10)


@pytest.mark.parametrize('rmax,dmax,rv_value', [(1, 0, 1), (1.5, 0.1, 1e-3), (2, 0.2, 1e4)])
def test_numerical_gradients_when_clipped(rmax, dmax, rv_value):
    """With r and d at their bounds they are constants, so the gradient is
    the true derivative: numerical and double-backward checks apply."""
    x, gamma, beta, rm, rv = _inputs(shape=(4, 3, 2))
    rm = numpy.array([1e3, -1e3, 1e3])        # |d| far above dmax
    rv = numpy.full(3, rv_value)                # r far from 1 (or rmax == 1)
    rng = numpy.random.RandomState(4)

    def f(x, gamma, beta):
        return F.batch_renormalization(x, gamma, beta, rmax, dmax, running_mean=rm,
                                       running_var=rv)
    check_backward(f, (x, gamma, beta), rng.randn(*x.shape))
    check_double_backward(f, (x, gamma, beta), rng.randn(*x.shape),
                          (rng.randn(*x.shape), rng.randn(3), rng.randn(3)))


def test_fast_path_equals_graph_path():
    x, gamma, beta, rm, rv = _inputs(numpy.float32)
    gy = numpy.random.RandomState(2).randn(*x.shape).astype(numpy.float32)
    grads = []
    for create_graph in (False, True):
        xs = [Variable(a.copy()) for a in (x, gamma, beta)]
        y = F.batch_renormalization(*xs, 3, 5, running_mean=rm, running_var=rv)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=create_graph)
        grads.append([v.grad for v in xs])
    for a, b in zip(*grads):
        assert a.dtype == numpy.float32
        numpy.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_fixed_batch_renormalization_is_fixed_batch_normalization():
    x, gamma, beta, mean, var = _inputs()
    with pytest.warns(DeprecationWarning, match='fixed_batch_normalization'):
        y = F.fixed_batch_renormalization(x, gamma, beta, mean, var, eps=1e-3)
    numpy.testing.assert_array_equal(
        y.array, F.fixed_batch_normalization(x, gamma, beta, mean, var, eps=1e-3).array)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        check_backward(lambda *a: F.fixed_batch_renormalization(*a), (x, gamma, beta, mean, var),
                       numpy.random.RandomState(5).randn(*x.shape))


def test_errors():
    x, gamma, beta, rm, rv = _inputs(numpy.float32)
    with pytest.raises(TypeError, match='running_mean is required'):
        F.batch_renormalization(x, gamma, beta, 3, 5, running_var=rv)
    with pytest.raises(TypeError, match='running_var is required'):
        F.batch_renormalization(x, gamma, beta, 3, 5, running_mean=rm)
    with pytest.raises(InvalidType, match='gamma.shape'):
        F.batch_renormalization(x, gamma[:2], beta[:2], 3, 5, running_mean=rm, running_var=rv)
    with pytest.raises(InvalidType, match='running_mean.shape'):
        F.batch_renormalization(x, gamma, beta, 3, 5, running_mean=rm[:2], running_var=rv)
    with pytest.raises(InvalidType, match='gamma.dtype == beta.dtype'):
        F.batch_renormalization(x, gamma, beta.astype(numpy.float64), 3, 5,
                                running_mean=rm, running_var=rv)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.batch_renormalization(x.astype(numpy.int32), gamma, beta, 3, 5,
                                running_mean=rm, running_var=rv)
