"""F.local_response_normalization: forward against a naive channel loop,
gradients on both paths, double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, n=5, k=2, alpha=1e-4, beta=.75):
    x = x.astype(numpy.float64)
    c = x.shape[1]
    y = numpy.empty_like(x)
    for ch in range(c):
        lo, hi = max(0, ch - n // 2), min(c, ch + n // 2 + 1)
        energy = (x[:, lo:hi] ** 2).sum(axis=1)
        y[:, ch] = x[:, ch] / (k + alpha * energy) ** beta
    return y


PARAMS = [dict(), dict(n=3, k=1, alpha=0.5, beta=0.75), dict(n=4, k=1.5, alpha=0.3, beta=1.2),
          dict(n=1, k=1, alpha=1, beta=0.5), dict(n=9, k=1, alpha=0.2, beta=0.6)]
SHAPES = [(2, 7, 3, 2), (3, 5), (2, 4, 3)]
TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('params', PARAMS)
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(params, shape, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    y = F.local_response_normalization(x, **params)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), _ref(x, **params),
                                  **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('params', PARAMS)
@pytest.mark.parametrize('shape', SHAPES)
def test_backward(params, shape):
    x = numpy.random.randn(*shape)
    check_backward(lambda x: F.local_response_normalization(x, **params), x,
                   numpy.random.randn(*shape))


@pytest.mark.parametrize('params', PARAMS[1:3])
def test_double_backward(params):
    # Chainer has no double backward for LRN; fastgrad does.
    x = numpy.random.randn(2, 6, 2)
    check_double_backward(lambda x: F.local_response_normalization(x, **params), x,
                          numpy.random.randn(*x.shape), numpy.random.randn(*x.shape))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(dtype):
    x = numpy.random.randn(2, 7, 3).astype(dtype)
    gy = numpy.random.randn(*x.shape).astype(dtype)
    grads = []
    for double in (False, True):
        v = Variable(x.copy())
        y = F.local_response_normalization(v, n=3, k=1, alpha=0.5)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append(v.grad)
    assert grads[0].dtype == grads[1].dtype == dtype
    numpy.testing.assert_allclose(grads[0].astype(numpy.float64),
                                  grads[1].astype(numpy.float64), **TOL[dtype])


def test_non_contiguous_input():
    x = numpy.random.randn(3, 2, 8).transpose(0, 2, 1)
    assert not x.flags.c_contiguous
    numpy.testing.assert_allclose(F.local_response_normalization(x, alpha=0.5).array,
                                  _ref(x, alpha=0.5), rtol=1e-12)
    check_backward(lambda x: F.local_response_normalization(x, alpha=0.5), x,
                   numpy.random.randn(*x.shape))


def test_errors():
    with pytest.raises(InvalidType, match='LocalResponseNormalization') as e:
        F.local_response_normalization(numpy.zeros(3, numpy.float32))
    assert 'x.ndim >= 2' in str(e.value)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.local_response_normalization(numpy.zeros((2, 3), numpy.int32))
    with pytest.raises(ValueError, match='n must be >= 1'):
        F.local_response_normalization(numpy.zeros((2, 3), numpy.float32), n=0)
