"""F.prelu(x, W): W broadcast along axis 1, gradients for x and W on both
backward paths, double backward, the kink at 0, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, W):
    x = numpy.asarray(x, numpy.float64)
    w = numpy.asarray(W, numpy.float64)
    w = w.reshape((1,) + w.shape + (1,) * (x.ndim - w.ndim - 1))
    return numpy.where(x >= 0, x, w * x)


def _away(shape, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(0.1, 2, shape) * rng.choice([-1.0, 1.0], shape)
    return numpy.asarray(x).astype(dtype)


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


SHAPES = [((3, 4), (4,)), ((2, 3, 4), (3,)), ((2, 3, 4), (3, 4)), ((2, 3), ()),
          ((2, 3, 2, 2), (3,))]
TOL = {numpy.float16: dict(atol=2e-3, rtol=2e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-6),
       numpy.float64: dict(atol=1e-15, rtol=1e-15)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('xs,ws', SHAPES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(xs, ws, dtype):
    x = _away(xs, dtype)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws)).astype(dtype)
    x0, w0 = x.copy(), W.copy()
    y = F.prelu(x, W)
    assert y.shape == xs and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, W), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(W, w0)


@pytest.mark.parametrize('xs,ws', SHAPES)
def test_backward(xs, ws):
    x = _away(xs)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws))
    check_backward(F.prelu, (x, W), numpy.random.randn(*xs))


@pytest.mark.parametrize('xs,ws', SHAPES[:4])
def test_double_backward(xs, ws):
    x = _away(xs)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws))
    check_double_backward(F.prelu, (x, W), numpy.random.randn(*xs),
                          (numpy.random.randn(*xs), numpy.asarray(numpy.random.randn(*ws))))


def test_gradient_formulas_and_zero_is_identity_side():
    x = numpy.array([[-2.0, 0.0, 3.0], [1.0, -1.0, -0.0]])
    W = numpy.array([0.1, 0.2, 0.3])
    gy = numpy.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    gx, gW = _grads(F.prelu, [x, W], gy, False)
    numpy.testing.assert_allclose(gx, [[0.1, 2.0, 3.0], [4.0, 1.0, 6.0]])
    numpy.testing.assert_allclose(gW, [-2.0, -5.0, 0.0])


@pytest.mark.parametrize('xs,ws', SHAPES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_both_backward_paths_agree(xs, ws, dtype):
    x = _away(xs, dtype)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws)).astype(dtype)
    gy = numpy.random.randn(*xs).astype(dtype)
    fast = _grads(F.prelu, [x, W], gy, False)
    slow = _grads(F.prelu, [x, W], gy, True)
    tol = TOL[dtype] if dtype != numpy.float16 else dict(atol=2e-2, rtol=2e-2)
    for f, s, a in zip(fast, slow, (x, W)):
        assert f.dtype == s.dtype == dtype and f.shape == s.shape == a.shape
        numpy.testing.assert_allclose(f, s, **tol)


def test_non_contiguous_inputs():
    x = _away((6, 8))[::2, ::2]
    W = numpy.random.randn(8)[::2]
    assert not x.flags.c_contiguous and not W.flags.c_contiguous
    numpy.testing.assert_allclose(F.prelu(x, W).array, _ref(x, W), rtol=1e-15)
    check_backward(F.prelu, (x, W), numpy.random.randn(3, 4))


@pytest.mark.parametrize('xs,ws', [((3, 4), (3,)), ((3,), (3,)), ((2, 3, 4), (4,)),
                                   ((2, 3), (3, 1))])
def test_bad_W_shape_is_rejected(xs, ws):
    with pytest.raises(InvalidType, match='PReLUFunction'):
        F.prelu(numpy.zeros(xs), numpy.zeros(ws))


def test_dtype_errors():
    with pytest.raises(InvalidType, match='W.dtype == x.dtype'):
        F.prelu(numpy.zeros((2, 3), numpy.float32), numpy.zeros(3, numpy.float64))
    with pytest.raises(InvalidType, match='PReLUFunction'):
        F.prelu(numpy.zeros((2, 3), numpy.int32), numpy.zeros(3, numpy.int32))
