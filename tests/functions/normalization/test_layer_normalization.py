"""F.layer_normalization: forward against NumPy, gradients on both paths,
double backward, dtypes, non-contiguous inputs and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, gamma, beta, eps):
    x = x.astype(numpy.float64)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return (x - mean) / numpy.sqrt(var + eps) * gamma.astype(numpy.float64) + beta


def _inputs(dtype=numpy.float64, shape=(4, 6), seed=0):
    rng = numpy.random.RandomState(seed)
    return (rng.randn(*shape).astype(dtype), rng.uniform(0.5, 1.5, shape[1]).astype(dtype),
            rng.randn(shape[1]).astype(dtype))


TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(4, 6), (1, 3), (7, 1)])
def test_forward(dtype, shape):
    xs = _inputs(dtype, shape)
    copies = [a.copy() for a in xs]
    y = F.layer_normalization(*xs)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), _ref(*xs, 1e-5),
                                  **TOL[dtype])
    for a, c in zip(xs, copies):
        numpy.testing.assert_array_equal(a, c)


def test_eps():
    xs = _inputs()
    numpy.testing.assert_allclose(F.layer_normalization(*xs, eps=0.5).array,
                                  _ref(*xs, 0.5), rtol=1e-12)


def test_backward():
    check_backward(F.layer_normalization, _inputs(), numpy.random.randn(4, 6))


def test_double_backward():
    xs = _inputs()
    ggs = tuple(numpy.random.randn(*a.shape) for a in xs)
    check_double_backward(F.layer_normalization, xs, numpy.random.randn(4, 6), ggs)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(dtype):
    xs = _inputs(dtype)
    gy = numpy.random.randn(4, 6).astype(dtype)
    grads = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        y = F.layer_normalization(*vs)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append([v.grad for v in vs])
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == numpy.float16 else TOL[dtype]
    for g, s in zip(*grads):
        assert g.dtype == s.dtype == dtype
        numpy.testing.assert_allclose(g.astype(numpy.float64), s.astype(numpy.float64),
                                      **tol)


def test_non_contiguous_input():
    x, gamma, beta = _inputs(shape=(6, 4))
    xt = x.T
    assert not xt.flags.c_contiguous
    g2, b2 = numpy.random.randn(6), numpy.random.randn(6)
    numpy.testing.assert_allclose(F.layer_normalization(xt, g2, b2).array,
                                  _ref(xt, g2, b2, 1e-5), rtol=1e-12)
    check_backward(F.layer_normalization, (xt, g2, b2), numpy.random.randn(4, 6))


def test_errors():
    x, gamma, beta = _inputs(numpy.float32)
    with pytest.raises(InvalidType, match='LayerNormalization') as e:
        F.layer_normalization(x[None], gamma, beta)
    assert 'x.ndim == 2' in str(e.value)
    with pytest.raises(InvalidType, match='gamma.dtype == x.dtype'):
        F.layer_normalization(x, gamma.astype(numpy.float64), beta)
    with pytest.raises(InvalidType, match='beta.shape\\[0\\] == x.shape\\[1\\]'):
        F.layer_normalization(x, gamma, beta[:3])
    with pytest.raises(InvalidType, match='gamma.ndim == 1'):
        F.layer_normalization(x, gamma[None], beta)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.layer_normalization(x.astype(numpy.int32), gamma, beta)
