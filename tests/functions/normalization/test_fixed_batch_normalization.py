"""F.fixed_batch_normalization: forward against NumPy, gradients for all five
inputs on both paths, double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, gamma, beta, mean, var, eps, axis):
    shape = [1 if i in axis else n for i, n in enumerate(x.shape)]
    r = [a.astype(numpy.float64).reshape(shape) for a in (gamma, beta, mean, var)]
    g, b, m, v = r
    return g * (x.astype(numpy.float64) - m) / numpy.sqrt(v + eps) + b


CASES = [
    ((5, 3), (3,), None, (0,)),
    ((4, 3, 2, 2), (3,), None, (0, 2, 3)),
    ((4, 3, 5), (4, 5), 1, (1,)),
]


def _inputs(case, dtype=numpy.float64, param_dtype=None, seed=0):
    rng = numpy.random.RandomState(seed)
    param_dtype = param_dtype or dtype
    x = rng.randn(*case[0]).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, case[1]).astype(param_dtype)
    beta = rng.randn(*case[1]).astype(param_dtype)
    mean = rng.randn(*case[1]).astype(param_dtype)
    var = rng.uniform(0.5, 1.5, case[1]).astype(param_dtype)
    return x, gamma, beta, mean, var


TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    xs = _inputs(case, dtype)
    copies = [a.copy() for a in xs]
    y = F.fixed_batch_normalization(*xs, eps=1e-3, axis=case[2])
    assert y.dtype == dtype and y.shape == xs[0].shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64),
                                  _ref(*xs, 1e-3, case[3]), **TOL[dtype])
    for a, c in zip(xs, copies):
        numpy.testing.assert_array_equal(a, c)


def test_float16_x_with_float32_statistics():
    xs = _inputs(CASES[1], numpy.float16, numpy.float32)
    y = F.fixed_batch_normalization(*xs)
    assert y.dtype == numpy.float16
    numpy.testing.assert_allclose(y.array, _ref(*xs, 2e-5, (0, 2, 3)), rtol=5e-3, atol=5e-3)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    xs = _inputs(case)
    f = lambda *a: F.fixed_batch_normalization(*a, axis=case[2])  # NOQA
    check_backward(f, xs, numpy.random.randn(*xs[0].shape))


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    xs = _inputs(case)
    f = lambda *a: F.fixed_batch_normalization(*a, axis=case[2])  # NOQA
    ggs = tuple(numpy.random.randn(*a.shape) for a in xs)
    check_double_backward(f, xs, numpy.random.randn(*xs[0].shape), ggs)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(case, dtype):
    xs = _inputs(case, dtype)
    gy = numpy.random.randn(*xs[0].shape).astype(dtype)
    grads = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        y = F.fixed_batch_normalization(*vs, axis=case[2])
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append([v.grad for v in vs])
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == numpy.float16 else TOL[dtype]
    for a, g, s in zip(xs, *grads):
        assert g.dtype == s.dtype == dtype and g.shape == a.shape
        numpy.testing.assert_allclose(g.astype(numpy.float64), s.astype(numpy.float64),
                                      **tol)


def test_non_contiguous_input():
    xs = list(_inputs(CASES[1]))
    xs[0] = numpy.asfortranarray(xs[0])
    numpy.testing.assert_allclose(F.fixed_batch_normalization(*xs).array,
                                  _ref(*xs, 2e-5, (0, 2, 3)), rtol=1e-12)
    check_backward(F.fixed_batch_normalization, tuple(xs),
                   numpy.random.randn(*xs[0].shape))


def test_errors():
    x, gamma, beta, mean, var = _inputs(CASES[1], numpy.float32)
    with pytest.raises(InvalidType, match='FixedBatchNormalization') as e:
        F.fixed_batch_normalization(x, gamma, beta, mean.astype(numpy.float64), var)
    assert 'mean.dtype == gamma.dtype' in str(e.value)
    with pytest.raises(InvalidType, match='var.shape == gamma.shape'):
        F.fixed_batch_normalization(x, gamma, beta, mean, var[:2])
    with pytest.raises(InvalidType, match=r'gamma.shape == self.key_shape\(x.shape'):
        F.fixed_batch_normalization(x[:, :2], gamma, beta, mean, var)
