"""F.average_pooling_2d: forward against a naive loop (padding counts in the
divisor, as in Chainer), gradients on both paths, double backward, dtypes,
non-contiguous inputs and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, ksize, stride, pad):
    kh, kw = ksize
    sy, sx = stride
    ph, pw = pad
    n, c, h, w = x.shape
    oh = (h + 2 * ph - kh) // sy + 1
    ow = (w + 2 * pw - kw) // sx + 1
    y = numpy.zeros((n, c, oh, ow))
    for yy in range(oh):
        for xx in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, q = yy * sy + i - ph, xx * sx + j - pw
                    if 0 <= r < h and 0 <= q < w:
                        y[:, :, yy, xx] += x[:, :, r, q]
    return y / (kh * kw)


CASES = [
    ((2, 3, 4, 6), (2, 2), (2, 2), (0, 0)),
    ((2, 3, 5, 7), (2, 2), (2, 2), (0, 0)),
    ((1, 2, 7, 6), (3, 3), (2, 2), (1, 1)),
    ((1, 2, 7, 6), (3, 3), (1, 1), (1, 1)),
    ((2, 2, 6, 7), (3, 2), (2, 3), (1, 0)),
]


def _func(case):
    return lambda x: F.average_pooling_2d(x, *case[1:])


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


def test_padding_counts_in_the_divisor():
    x = numpy.ones((1, 1, 3, 3))
    y = F.average_pooling_2d(x, 3, 1, 1).array[0, 0]
    assert y[0, 0] == 4 / 9 and y[1, 1] == 1 and y[0, 1] == 6 / 9


def test_stride_defaults_to_ksize():
    assert F.average_pooling_2d(numpy.zeros((1, 1, 6, 6)), 3).shape == (1, 1, 2, 2)


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


def test_gradient_is_the_adjoint():
    case = CASES[3]
    x = numpy.random.randn(*case[0])
    v = Variable(x)
    y = _func(case)(v)
    gy = numpy.random.randn(*y.shape)
    y.grad = gy
    y.backward()
    z = numpy.random.randn(*x.shape)
    numpy.testing.assert_allclose((v.grad * z).sum(), (_ref(z, *case[1:]) * gy).sum(),
                                  rtol=1e-12)


def test_non_contiguous_input():
    case = CASES[2]
    x = numpy.random.randn(1, 2, 6, 7).transpose(0, 1, 3, 2)
    assert not x.flags.c_contiguous
    numpy.testing.assert_allclose(_func(case)(x).array, _ref(x, *case[1:]), rtol=1e-14)
    check_backward(_func(case), x, numpy.random.randn(*_func(case)(x).shape))


def test_errors():
    x = numpy.zeros((1, 1, 4, 4), numpy.float32)
    with pytest.raises(InvalidType, match='AveragePooling2D'):
        F.average_pooling_2d(x[0], 2)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.average_pooling_2d(x.astype(numpy.int64), 2)
    with pytest.raises(ValueError, match='average_pooling_2d.*must be positive'):
        F.average_pooling_2d(x, 5)
    with pytest.raises(ValueError, match='pad must be >= 0'):
        F.average_pooling_2d(x, 2, pad=-1)
