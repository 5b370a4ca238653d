"""F.group_normalization: forward against NumPy, gradients on both paths,
double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, groups, gamma, beta, eps):
    x = x.astype(numpy.float64)
    n, c = x.shape[:2]
    xg = x.reshape(n, groups, -1)
    xg = (xg - xg.mean(axis=2, keepdims=True)) / numpy.sqrt(
        xg.var(axis=2, keepdims=True) + eps)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return (xg.reshape(x.shape) * gamma.astype(numpy.float64).reshape(shape)
            + beta.astype(numpy.float64).reshape(shape))


def _inputs(dtype=numpy.float64, shape=(3, 6, 4, 5), seed=0):
    rng = numpy.random.RandomState(seed)
    return (rng.randn(*shape).astype(dtype) * 2 + 1,
            rng.uniform(0.5, 1.5, shape[1]).astype(dtype), rng.randn(shape[1]).astype(dtype))


TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape,groups', [((3, 6, 4, 5), 3), ((2, 4), 2), ((2, 4, 3), 1),
                                          ((2, 4, 3), 4), ((1, 6, 2, 2, 2), 2)])
def test_forward(dtype, shape, groups):
    x, gamma, beta = _inputs(dtype, shape)
    copies = [a.copy() for a in (x, gamma, beta)]
    y = F.group_normalization(x, groups, gamma, beta)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64),
                                  _ref(x, groups, gamma, beta, 1e-5), **TOL[dtype])
    for a, c in zip((x, gamma, beta), copies):
        numpy.testing.assert_array_equal(a, c)


def test_eps_and_noncontiguous():
    x, _, _ = _inputs(shape=(6, 3, 4, 5))
    _, gamma, beta = _inputs(shape=(3, 6))
    xt = x.transpose(1, 0, 2, 3)
    numpy.testing.assert_allclose(F.group_normalization(xt, 2, gamma, beta, eps=0.5).array,
                                  _ref(xt, 2, gamma, beta, 0.5), rtol=1e-12)


@pytest.mark.parametrize('shape,groups', [((3, 6, 4, 5), 3), ((2, 4), 2), ((2, 4, 3), 4)])
def test_backward(shape, groups):
    x, gamma, beta = _inputs(shape=shape)
    rng = numpy.random.RandomState(1)

    def f(x, gamma, beta):
        return F.group_normalization(x, groups, gamma, beta)
    check_backward(f, (x, gamma, beta), rng.randn(*shape))
    check_double_backward(f, (x, gamma, beta), rng.randn(*shape),
                          (rng.randn(*shape), rng.randn(shape[1]), rng.randn(shape[1])))


def test_fast_path_equals_graph_path():
    x, gamma, beta = _inputs(numpy.float32)
    gy = numpy.random.RandomState(2).randn(*x.shape).astype(numpy.float32)
    grads = []
    for create_graph in (False, True):
        xs = [Variable(a.copy()) for a in (x, gamma, beta)]
        y = F.group_normalization(xs[0], 3, xs[1], xs[2])
        y.grad = gy.copy()
        y.backward(enable_double_backprop=create_graph)
        grads.append([v.grad for v in xs])
    for a, b in zip(*grads):
        assert a.dtype == numpy.float32
        numpy.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_float16_grads():
    x, gamma, beta = (Variable(a) for a in _inputs(numpy.float16))
    y = F.group_normalization(x, 3, gamma, beta)
    y.grad = numpy.ones(y.shape, numpy.float16)
    y.backward()
    assert x.grad.dtype == gamma.grad.dtype == beta.grad.dtype == numpy.float16


def test_errors():
    x, gamma, beta = _inputs(numpy.float32)
    with pytest.raises(ValueError, match='not divisible'):
        F.group_normalization(x, 4, gamma, beta)
    with pytest.raises(TypeError, match='groups'):
        F.group_normalization(x, 3.0, gamma, beta)
    with pytest.raises(ValueError, match='groups'):
        F.group_normalization(x, 0, gamma, beta)
    with pytest.raises(InvalidType, match='x.shape\\[1\\] == gamma.shape\\[0\\]'):
        F.group_normalization(x, 3, gamma[:3], beta[:3])
    with pytest.raises(InvalidType, match='x.ndim >= 2'):
        F.group_normalization(x[0, 0, 0], 3, gamma, beta)
    with pytest.raises(InvalidType, match='gamma.dtype == beta.dtype'):
        F.group_normalization(x, 3, gamma, beta.astype(numpy.float64))
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.group_normalization(x.astype(numpy.int32), 3, gamma, beta)
