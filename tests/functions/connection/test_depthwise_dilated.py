"""F.depthwise_convolution_2d, F.dilated_convolution_2d and F.im2col: forward
against direct definitions, gradients and double backward in float64,
float16, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _im2col_ref(x, kh, kw, sy, sx, ph, pw, dy, dx, oh, ow):
    n, c, h, w = x.shape
    y = numpy.zeros((n, c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            for a in range(oh):
                for b in range(ow):
                    r, q = a * sy + i * dy - ph, b * sx + j * dx - pw
                    if 0 <= r < h and 0 <= q < w:
                        y[:, :, i, j, a, b] = x[:, :, r, q]
    return y.reshape(n, c * kh * kw, oh, ow)


def test_im2col_matches_definition():
    x = numpy.random.RandomState(0).randn(2, 3, 6, 7)
    y = F.im2col(x, (3, 2), stride=(2, 1), pad=(1, 2), dilate=(1, 2))
    oh = (6 + 2 - 3) // 2 + 1
    ow = (7 + 4 - 3) // 1 + 1
    numpy.testing.assert_array_equal(y.array, _im2col_ref(x, 3, 2, 2, 1, 1, 2, 1, 2, oh, ow))
    yc = F.im2col(x, 3, stride=2, cover_all=True)
    assert yc.shape == (2, 27, 3, 3)
    assert F.im2col(x, 3, stride=2).shape == (2, 27, 2, 3)


def test_im2col_gradients():
    rng = numpy.random.RandomState(1)
    x = rng.randn(2, 2, 5, 4)

    def f(x):
        return F.im2col(x, 2, stride=(2, 1), pad=1, dilate=(1, 2))
    gy = rng.randn(*f(x).shape)
    check_backward(f, (x,), gy)
    check_double_backward(f, (x,), gy, (rng.randn(*x.shape),))


def test_im2col_errors():
    with pytest.raises(InvalidType, match='x.ndim == 4'):
        F.im2col(numpy.zeros((2, 3, 4), numpy.float32), 2)
    with pytest.raises(InvalidType, match='dtype'):
        F.im2col(numpy.zeros((1, 1, 4, 4), numpy.int32), 2)
    with pytest.raises(ValueError, match='im2col: the output'):
        F.im2col(numpy.zeros((1, 1, 4, 4), numpy.float32), 5)


def test_dilated_is_convolution_with_dilate():
    rng = numpy.random.RandomState(2)
    x, W, b = rng.randn(2, 3, 9, 8), rng.randn(4, 3, 3, 2), rng.randn(4)
    y = F.dilated_convolution_2d(x, W, b, stride=2, pad=1, dilate=(2, 3), cover_all=True)
    want = F.convolution_2d(x, W, b, 2, 1, True, dilate=(2, 3))
    numpy.testing.assert_array_equal(y.array, want.array)

    def f(x, W, b):
        return F.dilated_convolution_2d(x, W, b, pad=2, dilate=2)
    x = rng.randn(1, 2, 5, 4)
    W = rng.randn(2, 2, 2, 2)
    b = rng.randn(2)
    gy = rng.randn(*f(x, W, b).shape)
    check_backward(f, (x, W, b), gy)
    check_double_backward(f, (x, W, b), gy, (rng.randn(*x.shape), rng.randn(*W.shape),
                                             rng.randn(2)))


def _depthwise_ref(x, W, b, sy, sx, ph, pw):
    m, c, kh, kw = W.shape
    out = []
    for ci in range(c):
        for mi in range(m):
            out.append(F.convolution_2d(x[:, ci:ci + 1], W[mi, ci][None, None],
                                        None, (sy, sx), (ph, pw)).array[:, 0])
    y = numpy.stack(out, axis=1)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_depthwise_matches_per_channel_convolutions(dtype):
    rng = numpy.random.RandomState(3)
    x, W, b = rng.randn(2, 3, 6, 5), rng.randn(2, 3, 3, 2), rng.randn(6)
    y = F.depthwise_convolution_2d(x.astype(dtype), W.astype(dtype), b.astype(dtype),
                                   stride=(2, 1), pad=(1, 0))
    assert y.dtype == dtype
    tol = {numpy.float16: 2e-2, numpy.float32: 1e-5, numpy.float64: 1e-12}[dtype]
    numpy.testing.assert_allclose(y.array, _depthwise_ref(x, W, b, 2, 1, 1, 0),
                                  rtol=tol, atol=tol)


def test_depthwise_gradients():
    rng = numpy.random.RandomState(4)
    x, W, b = rng.randn(2, 3, 5, 4), rng.randn(2, 3, 2, 3), rng.randn(6)

    def f(x, W, b):
        return F.depthwise_convolution_2d(x, W, b, stride=2, pad=1)
    gy = rng.randn(*f(x, W, b).shape)
    check_backward(f, (x, W, b), gy)
    check_double_backward(f, (x, W, b), gy, (rng.randn(*x.shape), rng.randn(*W.shape),
                                             rng.randn(6)))


def test_depthwise_errors():
    x = numpy.zeros((1, 3, 4, 4), numpy.float32)
    with pytest.raises(InvalidType, match='depthwise_convolution_2d'):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 4, 3, 3), numpy.float32))
    with pytest.raises(InvalidType, match='W.ndim == 4'):
        F.depthwise_convolution_2d(x, numpy.zeros((3, 3, 3), numpy.float32))
    with pytest.raises(InvalidType, match='b.shape'):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 3, 3, 3), numpy.float32),
                                   numpy.zeros(3, numpy.float32))
