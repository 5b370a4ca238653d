"""F.batch_normalization: forward against NumPy in float64 (default and given
axes), the in-place running statistics (unbiased variance), gradients on both
paths, double backward, mixed dtypes and errors."""
import re

import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, gamma, beta, eps, axis):
    x = x.astype(numpy.float64)
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True)
    shape = [1 if i in axis else n for i, n in enumerate(x.shape)]
    g = gamma.astype(numpy.float64).reshape(shape)
    b = beta.astype(numpy.float64).reshape(shape)
    return g * (x - mean) / numpy.sqrt(var + eps) + b


# (x shape, gamma shape, axis argument, reduced axes)
CASES = [
    ((5, 3), (3,), None, (0,)),
    ((4, 3, 2, 2), (3,), None, (0, 2, 3)),
    ((4, 3, 2, 2), (3, 2), None, (0, 3)),
    ((4, 3, 5), (4, 5), 1, (1,)),
    ((4, 3, 5), (3,), (0, 2), (0, 2)),
    ((2, 3, 4, 2), (2, 4), (1, 3), (1, 3)),
    ((3, 4, 2), (2,), (-3, -2), (0, 1)),
]


def _inputs(case, dtype=numpy.float64, param_dtype=None, seed=0):
    rng = numpy.random.RandomState(seed)
    param_dtype = param_dtype or dtype
    x = rng.randn(*case[0]).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, case[1]).astype(param_dtype)
    beta = rng.randn(*case[1]).astype(param_dtype)
    return x, gamma, beta


TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    x, gamma, beta = _inputs(case, dtype)
    copies = [a.copy() for a in (x, gamma, beta)]
    y = F.batch_normalization(x, gamma, beta, eps=1e-3, axis=case[2])
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64),
                                  _ref(x, gamma, beta, 1e-3, case[3]), **TOL[dtype])
    for a, c in zip((x, gamma, beta), copies):
        numpy.testing.assert_array_equal(a, c)


def test_default_eps():
    x, gamma, beta = _inputs(CASES[1])
    numpy.testing.assert_allclose(F.batch_normalization(x, gamma, beta).array,
                                  _ref(x, gamma, beta, 2e-5, (0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize('x_dtype,param_dtype', [(numpy.float16, numpy.float32),
                                                 (numpy.float32, numpy.float16),
                                                 (numpy.float32, numpy.float64)])
def test_mixed_dtypes(x_dtype, param_dtype):
    x, gamma, beta = _inputs(CASES[1], x_dtype, param_dtype)
    y = F.batch_normalization(x, gamma, beta)
    assert y.dtype == x_dtype
    numpy.testing.assert_allclose(y.array.astype(numpy.float64),
                                  _ref(x, gamma, beta, 2e-5, (0, 2, 3)), rtol=5e-3, atol=5e-3)
    vs = [Variable(a) for a in (x, gamma, beta)]
    y = F.batch_normalization(*vs)
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert [v.grad.dtype for v in vs] == [x_dtype, param_dtype, param_dtype]


@pytest.mark.parametrize('case', CASES)
def test_running_statistics(case):
    x, gamma, beta = _inputs(case)
    mean0 = numpy.random.randn(*case[1])
    var0 = numpy.random.uniform(0.5, 1.5, case[1])
    rm, rv = mean0.copy(), var0.copy()
    F.batch_normalization(x, gamma, beta, running_mean=rm, running_var=rv, decay=0.7,
                          axis=case[2])
    axis = case[3]
    m = x.size // gamma.size
    numpy.testing.assert_allclose(rm, 0.7 * mean0 + 0.3 * x.mean(axis=axis).reshape(
        case[1]), rtol=1e-12)
    numpy.testing.assert_allclose(rv, 0.7 * var0 + 0.3 * x.var(axis=axis).reshape(
        case[1]) * m / (m - 1), rtol=1e-12)


def test_running_statistics_in_their_own_dtype():
    x, gamma, beta = _inputs(CASES[1], numpy.float32)
    rm = numpy.zeros(3, numpy.float64)
    rv = numpy.ones(3, numpy.float16)
    F.batch_normalization(x, gamma, beta, running_mean=rm, running_var=rv)
    assert rm.dtype == numpy.float64 and rv.dtype == numpy.float16
    numpy.testing.assert_allclose(rm, 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-6)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    x, gamma, beta = _inputs(case)
    f = lambda x, g, b: F.batch_normalization(x, g, b, axis=case[2])  # NOQA
    check_backward(f, (x, gamma, beta), numpy.random.randn(*x.shape))


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    x, gamma, beta = _inputs(case)
    f = lambda x, g, b: F.batch_normalization(x, g, b, axis=case[2])  # NOQA
    ggs = tuple(numpy.random.randn(*a.shape) for a in (x, gamma, beta))
    check_double_backward(f, (x, gamma, beta), numpy.random.randn(*x.shape), ggs)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(case, dtype):
    x, gamma, beta = _inputs(case, dtype)
    gy = numpy.random.randn(*x.shape).astype(dtype)
    grads = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in (x, gamma, beta)]
        y = F.batch_normalization(*vs, axis=case[2])
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append([v.grad for v in vs])
    tol = dict(rtol=2e-2, atol=2e-2) if dtype == numpy.float16 else TOL[dtype]
    for g, s in zip(*grads):
        assert g.dtype == s.dtype == dtype
        numpy.testing.assert_allclose(g.astype(numpy.float64), s.astype(numpy.float64),
                                      **tol)


def test_non_contiguous_input():
    x, gamma, beta = _inputs(CASES[1])
    xt = numpy.asfortranarray(x)
    numpy.testing.assert_allclose(F.batch_normalization(xt, gamma, beta[::-1][::-1]).array,
                                  _ref(x, gamma, beta, 2e-5, (0, 2, 3)), rtol=1e-12)
    check_backward(F.batch_normalization, (xt, gamma, beta), numpy.random.randn(*x.shape))


def test_errors():
    x, gamma, beta = _inputs(CASES[1], numpy.float32)
    with pytest.raises(InvalidType, match='BatchNormalization') as e:
        F.batch_normalization(x, numpy.ones(4, numpy.float32), numpy.zeros(4, numpy.float32))
    assert 'gamma.shape == self.key_shape(x.shape, gamma.ndim)' in str(e.value)
    with pytest.raises(InvalidType, match='beta.dtype == gamma.dtype'):
        F.batch_normalization(x, gamma, beta.astype(numpy.float64))
    with pytest.raises(InvalidType, match='beta.shape == gamma.shape'):
        F.batch_normalization(x, gamma, beta[:2])
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.batch_normalization(x.astype(numpy.int32), gamma, beta)
    with pytest.raises(InvalidType, match='x.ndim >= gamma.ndim \\+ 1'):
        F.batch_normalization(x[0, 0], numpy.ones((2, 2), numpy.float32),
                              numpy.zeros((2, 2), numpy.float32))
    with pytest.raises(InvalidType, match='axis'):
        F.batch_normalization(x, gamma, beta, axis=(0, 5))
    with pytest.raises(ValueError, match='sorted in ascending order'):
        F.batch_normalization(x, gamma, beta, axis=(2, 0, 3))
    with pytest.raises(ValueError, match='train argument is not supported'):
        F.batch_normalization(x, gamma, beta, train=True)
    with pytest.raises(TypeError, match='unexpected keyword'):
        F.batch_normalization(x, gamma, beta, epsilon=1)


@pytest.mark.parametrize('x_shape,g_shape,axis,words', [
    ((1, 3), (3,), None, 'one sample'), ((1, 3, 1, 1), (3,), None, 'one sample'),
    ((1, 3, 1), (1, 3), 2, 'every axis the statistics are taken over, (2,)')])
def test_single_sample_batch_warns(x_shape, g_shape, axis, words):
    # x - mean is zero on every element: the output is beta, which is worth a warning
    x = numpy.random.randn(*x_shape).astype(numpy.float32)
    gamma = numpy.ones(g_shape, numpy.float32)
    beta = numpy.random.randn(*g_shape).astype(numpy.float32)
    with pytest.warns(UserWarning, match=re.escape(words)):
        y = F.batch_normalization(x, gamma, beta, axis=axis)
    bshape = x_shape if axis is not None else (1,) + g_shape + (1,) * (len(x_shape) - 2)
    numpy.testing.assert_allclose(y.array, numpy.broadcast_to(beta.reshape(bshape), x_shape))


@pytest.mark.parametrize('x_shape,g_shape,axis', [((2, 3), (3,), None), ((1, 3, 2, 2), (3,), None),
                                                  ((1, 3, 2), (1, 3), 2)])
def test_batches_with_more_than_one_sample_do_not_warn(x_shape, g_shape, axis):
    import warnings
    x = numpy.random.randn(*x_shape).astype(numpy.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        F.batch_normalization(x, numpy.ones(g_shape, numpy.float32),
                              numpy.zeros(g_shape, numpy.float32), axis=axis)
