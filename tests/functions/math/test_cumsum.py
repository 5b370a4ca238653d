"""F.cumsum: any axis or flattened (None), both backward paths, double
backward, dtypes, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


CASES = [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), 2),
         ((2, 3, 4), -1), ((5,), 0), ((5,), None), ((), None), ((3, 1), 1)]


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.asarray(numpy.random.uniform(-1, 1, shape)).astype(dtype)
    x0 = x.copy()
    y = F.cumsum(x, axis=axis)
    expect = numpy.cumsum(x.astype(numpy.float64), axis=axis)
    assert y.dtype == dtype and y.shape == expect.shape
    tol = {numpy.float16: 5e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)


def test_default_axis_flattens():
    x = numpy.arange(6.0).reshape(2, 3)
    numpy.testing.assert_array_equal(F.cumsum(x).array, [0, 1, 3, 6, 10, 15])


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward(shape, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.cumsum(x, axis=axis).shape))
    check_backward(lambda v: F.cumsum(v, axis=axis), x, gy)


@pytest.mark.parametrize('shape,axis', CASES[:4])
def test_double_backward(shape, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.cumsum(x, axis=axis).shape))
    check_double_backward(lambda v: F.cumsum(v * v, axis=axis), x, gy,
                          numpy.random.randn(*shape))


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(shape, axis, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    gy = numpy.asarray(numpy.random.randn(*numpy.cumsum(x, axis=axis).shape)).astype(dtype)

    def f(v):
        return F.cumsum(v, axis=axis)
    fast, = _grads(f, [x], gy, False)
    slow, = _grads(f, [x], gy, True)
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == x.shape
    numpy.testing.assert_array_equal(fast, slow)
    # reverse cumulative sum of gy, in float64
    g64 = gy.astype(numpy.float64)
    if axis is None:
        expect = numpy.cumsum(g64[::-1])[::-1].reshape(shape)
    else:
        expect = numpy.flip(numpy.cumsum(numpy.flip(g64, axis), axis=axis), axis)
    tol = {numpy.float16: 1e-2, numpy.float32: 1e-5, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(fast, expect, rtol=tol, atol=tol)


def test_non_contiguous_input():
    x = numpy.random.randn(4, 10)[:, ::2]
    assert not x.flags.c_contiguous
    for axis in (None, 0, 1):
        numpy.testing.assert_allclose(F.cumsum(x, axis).array, numpy.cumsum(x, axis),
                                      rtol=1e-14)
    check_backward(lambda v: F.cumsum(v, 1), x, numpy.random.randn(4, 5))


def test_errors():
    x = numpy.ones((2, 3))
    with pytest.raises(InvalidType, match='Cumsum'):
        F.cumsum(x, axis=2)
    with pytest.raises(InvalidType, match='Cumsum'):
        F.cumsum(x, axis=-3)
    with pytest.raises(TypeError, match='axis'):
        F.cumsum(x, axis=(0,))
    with pytest.raises(InvalidType, match='Cumsum'):
        F.cumsum(numpy.ones(3, numpy.int32))
