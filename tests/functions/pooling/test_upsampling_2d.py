"""F.upsampling_2d: the inverse of max pooling with indices, against a naive
scatter loop; round trip with max_pooling_2d; gradients on both paths, double
backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, indexes, ksize, stride, pad, outsize):
    kh, kw = ksize
    sy, sx = stride
    ph, pw = pad
    n, c, h, w = x.shape
    oh, ow = outsize
    y = numpy.zeros((n, c, oh, ow))
    for (a, b, yy, xx), k in numpy.ndenumerate(indexes):
        i, j = divmod(k, kw)
        r, q = yy * sy + i - ph, xx * sx + j - pw
        if 0 <= r < oh and 0 <= q < ow:
            y[a, b, r, q] += x[a, b, yy, xx]
    return y


# (pooled input shape, ksize, stride, pad, cover_all)
CASES = [
    ((2, 3, 4, 6), (2, 2), (2, 2), (0, 0), True),
    ((2, 3, 5, 7), (2, 2), (2, 2), (0, 0), True),
    ((1, 2, 7, 6), (3, 3), (2, 2), (1, 1), True),
    ((1, 2, 7, 6), (3, 3), (1, 1), (1, 1), False),
    ((2, 2, 6, 7), (3, 2), (2, 3), (1, 0), False),
]


def _pooled(case, dtype=numpy.float64):
    x = numpy.random.RandomState(0).randn(*case[0]).astype(dtype)
    y, idx = F.max_pooling_2d(x, *case[1:], return_indices=True)
    return x, y.array, idx


def _func(case, idx, outsize):
    _, ksize, stride, pad, cover_all = case
    return lambda z: F.upsampling_2d(z, idx, ksize, stride, pad, outsize, cover_all)


TOL = {numpy.float16: dict(rtol=2e-3, atol=2e-3),
       numpy.float32: dict(rtol=1e-6, atol=1e-6),
       numpy.float64: dict(rtol=1e-14, atol=1e-14)}


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    x, y, idx = _pooled(case, dtype)
    z = numpy.random.randn(*y.shape).astype(dtype)
    z0 = z.copy()
    up = _func(case, idx, x.shape[2:])(z)
    assert up.dtype == dtype and up.shape == x.shape
    numpy.testing.assert_allclose(up.array.astype(numpy.float64),
                                  _ref(z, idx, *case[1:4], x.shape[2:]), **TOL[dtype])
    numpy.testing.assert_array_equal(z, z0)


def test_round_trip_keeps_the_maxima():
    x, y, idx = _pooled(CASES[0])
    up = F.upsampling_2d(y, idx, 2, outsize=x.shape[2:]).array
    assert up.shape == x.shape
    kept = up != 0
    numpy.testing.assert_array_equal(up[kept], x[kept])
    assert kept.sum() == y.size


def test_default_outsize_follows_deconvolution():
    x, y, idx = _pooled(CASES[1])                       # 5 x 7 pooled to 3 x 4
    assert F.upsampling_2d(y, idx, 2).shape == (2, 3, 5, 7)
    assert F.upsampling_2d(y, idx, 2, cover_all=False).shape == (2, 3, 6, 8)
    assert F.upsampling_2d(y, idx, 2, outsize=(6, 8)).shape == (2, 3, 6, 8)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    x, y, idx = _pooled(case)
    f = _func(case, idx, x.shape[2:])
    check_backward(f, numpy.random.randn(*y.shape), numpy.random.randn(*x.shape))


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    x, y, idx = _pooled(case)
    f = _func(case, idx, x.shape[2:])
    check_double_backward(f, numpy.random.randn(*y.shape), numpy.random.randn(*x.shape),
                          numpy.random.randn(*y.shape))


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(case, dtype):
    x, y, idx = _pooled(case, dtype)
    f = _func(case, idx, x.shape[2:])
    gy = numpy.random.randn(*x.shape).astype(dtype)
    grads = []
    for double in (False, True):
        v = Variable(y.copy())
        out = f(v)
        out.grad = gy.copy()
        out.backward(enable_double_backprop=double)
        grads.append(v.grad)
    assert grads[0].dtype == grads[1].dtype == dtype
    numpy.testing.assert_array_equal(grads[0], grads[1])


def test_indexes_as_other_int_types():
    x, y, idx = _pooled(CASES[0])
    a = F.upsampling_2d(y, idx.astype(numpy.int32), 2).array
    b = F.upsampling_2d(y, Variable(idx), 2).array
    numpy.testing.assert_array_equal(a, b)


def test_errors():
    x, y, idx = _pooled(CASES[0])
    with pytest.raises(InvalidType, match='Upsampling2D') as e:
        F.upsampling_2d(y, idx[:1], 2)
    assert 'x.shape == self.indexes.shape' in str(e.value)
    with pytest.raises(InvalidType, match='x.shape\\[2\\] == 4'):
        F.upsampling_2d(y, idx, 2, outsize=(8, 12))
    with pytest.raises(InvalidType, match="indexes.dtype.kind in 'iu'"):
        F.upsampling_2d(y, idx.astype(numpy.float32), 2)
    with pytest.raises(InvalidType, match='x.ndim == 4'):
        F.upsampling_2d(y[0], idx[0], 2)
