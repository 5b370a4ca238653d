"""F.unpooling_2d: forward against a naive scatter loop (overlaps add,
outsize, cover_all), gradients on both paths, double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _deconv_outsize(size, k, s, p, cover_all):
    if cover_all:
        return s * (size - 1) + k - s + 1 - 2 * p
    return s * (size - 1) + k - 2 * p


def _ref(x, ksize, stride, pad, outsize, cover_all):
    kh, kw = ksize
    sy, sx = stride
    ph, pw = pad
    n, c, h, w = x.shape
    if outsize is None:
        outsize = (_deconv_outsize(h, kh, sy, ph, cover_all),
                   _deconv_outsize(w, kw, sx, pw, cover_all))
    oh, ow = outsize
    y = numpy.zeros((n, c, oh, ow))
    for yy in range(h):
        for xx in range(w):
            for i in range(kh):
                for j in range(kw):
                    r, q = yy * sy + i - ph, xx * sx + j - pw
                    if 0 <= r < oh and 0 <= q < ow:
                        y[:, :, r, q] += x[:, :, yy, xx]
    return y


# (x shape, ksize, stride, pad, outsize, cover_all)
CASES = [
    ((2, 3, 3, 4), (2, 2), (2, 2), (0, 0), None, True),
    ((2, 3, 3, 4), (2, 2), (2, 2), (0, 0), None, False),
    ((1, 2, 3, 3), (3, 3), (2, 2), (1, 1), None, False),
    ((1, 2, 3, 3), (3, 3), (2, 2), (1, 1), (5, 4), True),
    ((1, 2, 4, 3), (3, 2), (1, 2), (1, 0), None, True),
    ((2, 2, 3, 3), (2, 2), (2, 2), (0, 0), (7, 6), False),
]


def _func(case):
    _, ksize, stride, pad, outsize, cover_all = case
    return lambda x: F.unpooling_2d(x, ksize, stride, pad, outsize, cover_all)


TOL = {numpy.float16: dict(rtol=2e-3, atol=2e-3),
       numpy.float32: dict(rtol=1e-6, atol=1e-6),
       numpy.float64: dict(rtol=1e-14, atol=1e-14)}


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    x = numpy.random.randn(*case[0]).astype(dtype)
    x0 = x.copy()
    y = _func(case)(x)
    ref = _ref(x.astype(numpy.float64), *case[1:])
    assert y.dtype == dtype and y.shape == ref.shape
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), ref, **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


def test_nearest_neighbour_upscaling():
    x = numpy.array([[[[1., 2.], [3., 4.]]]])
    y = F.unpooling_2d(x, 2, cover_all=False).array[0, 0]
    numpy.testing.assert_array_equal(y, numpy.kron([[1, 2], [3, 4]], numpy.ones((2, 2))))
    assert F.unpooling_2d(x, 2).shape == (1, 1, 3, 3)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    x = numpy.random.randn(*case[0])
    gy = numpy.random.randn(*_func(case)(x).shape)
    check_backward(_func(case), x, gy)


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    x = numpy.random.randn(*case[0])
    gy = numpy.random.randn(*_func(case)(x).shape)
    check_double_backward(_func(case), x, gy, numpy.random.randn(*x.shape))


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(case, dtype):
    x = numpy.random.randn(*case[0]).astype(dtype)
    gy = numpy.random.randn(*_func(case)(x).shape).astype(dtype)
    grads = []
    for double in (False, True):
        v = Variable(x.copy())
        y = _func(case)(v)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append(v.grad)
    assert grads[0].dtype == grads[1].dtype == dtype
    numpy.testing.assert_allclose(grads[0].astype(numpy.float64),
                                  grads[1].astype(numpy.float64), **TOL[dtype])


def test_non_contiguous_input():
    case = CASES[2]
    x = numpy.random.randn(1, 2, 3, 6)[:, :, :, ::2]
    assert not x.flags.c_contiguous
    numpy.testing.assert_allclose(_func(case)(x).array, _ref(x, *case[1:]), rtol=1e-14)


def test_errors():
    x = numpy.zeros((1, 1, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match='Unpooling2D') as e:
        F.unpooling_2d(x, 2, outsize=(20, 20))
    assert 'x.shape[2] == 10' in str(e.value)
    with pytest.raises(InvalidType, match='x.ndim == 4'):
        F.unpooling_2d(x[0], 2)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.unpooling_2d(x.astype(numpy.int32), 2)
    with pytest.raises(ValueError, match='outsize must be None or a pair'):
        F.unpooling_2d(x, 2, outsize=6)
