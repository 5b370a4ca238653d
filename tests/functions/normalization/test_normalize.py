"""F.normalize (L2): forward against NumPy for int and tuple axes, the zero
vector, gradients on both paths, double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, eps=1e-5, axis=1):
    x = x.astype(numpy.float64)
    return x / (numpy.sqrt((x * x).sum(axis=axis, keepdims=True)) + eps)


CASES = [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), (1, 2)), ((5,), 0),
         ((2, 3, 4), -1)]
TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-6, atol=1e-6),
       numpy.float64: dict(rtol=1e-14, atol=1e-14)}


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    y = F.normalize(x, axis=axis)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), _ref(x, axis=axis),
                                  **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


def test_eps_and_default_axis():
    x = numpy.random.randn(3, 4)
    numpy.testing.assert_allclose(F.normalize(x, eps=0.5).array, _ref(x, 0.5), rtol=1e-14)


@pytest.mark.parametrize('double', [False, True])
def test_zero_vector_gradient_is_finite(double):
    x = numpy.zeros((2, 3))
    x[1] = [1, 2, 3]
    v = Variable(x)
    y = F.normalize(v)
    numpy.testing.assert_array_equal(y.array[0], 0)
    y.grad = numpy.ones((2, 3))
    y.backward(enable_double_backprop=double)
    # at 0 the map is x / eps: gradient 1 / eps (as Chainer)
    numpy.testing.assert_allclose(v.grad[0], 1e5, rtol=1e-12)
    assert numpy.isfinite(v.grad).all()


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward(shape, axis):
    x = numpy.random.randn(*shape)
    check_backward(lambda x: F.normalize(x, axis=axis), x, numpy.random.randn(*shape))


@pytest.mark.parametrize('shape,axis', CASES[:4])
def test_double_backward(shape, axis):
    x = numpy.random.randn(*shape)
    check_double_backward(lambda x: F.normalize(x, axis=axis), x,
                          numpy.random.randn(*shape), numpy.random.randn(*shape))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(dtype):
    x = numpy.random.randn(3, 4, 2).astype(dtype)
    gy = numpy.random.randn(*x.shape).astype(dtype)
    grads = []
    for double in (False, True):
        v = Variable(x.copy())
        y = F.normalize(v, axis=(1, 2))
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append(v.grad)
    assert grads[0].dtype == grads[1].dtype == dtype
    numpy.testing.assert_allclose(grads[0].astype(numpy.float64),
                                  grads[1].astype(numpy.float64), **TOL[dtype])


def test_non_contiguous_input():
    x = numpy.random.randn(4, 3).T
    numpy.testing.assert_allclose(F.normalize(x).array, _ref(x), rtol=1e-14)
    check_backward(F.normalize, x, numpy.random.randn(*x.shape))


def test_errors():
    with pytest.raises(InvalidType, match='NormalizeL2') as e:
        F.normalize(numpy.zeros((2, 3), numpy.int32))
    assert "x.dtype.kind == 'f'" in str(e.value)
    with pytest.raises(InvalidType, match='axis'):
        F.normalize(numpy.zeros((2, 3), numpy.float32), axis=2)
    with pytest.raises(ValueError, match='duplicate'):
        F.normalize(numpy.zeros((2, 3), numpy.float32), axis=(1, -1))
    with pytest.raises(InvalidType, match=r'-x.ndim <= min\(self.axis'):
        F.normalize(numpy.zeros((2, 3), numpy.float32), axis=(0, -3))
    with pytest.raises(TypeError, match='normalize: axis must be an int or a tuple of ints'):
        F.normalize(numpy.zeros((2, 3), numpy.float32), axis='a')
    # a NumPy int and a list are axes too
    x = numpy.random.randn(2, 3)
    numpy.testing.assert_allclose(F.normalize(x, axis=numpy.int64(0)).array,
                                  F.normalize(x, axis=[0]).array)
