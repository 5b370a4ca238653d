"""F.local_convolution_2d and F.deformable_convolution_2d_sampler: forward
against direct definitions, gradients / double backward in float64, errors;
their links.  (Chainer's numbers: chainer_reference/cases_conv.py.)"""
import numpy
import pytest

import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _local_ref(x, W, b, sy, sx):
    out_c, oh, ow, c, kh, kw = W.shape
    y = numpy.zeros((x.shape[0], out_c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sy:i * sy + kh, j * sx:j * sx + kw]
            y[:, :, i, j] = numpy.einsum('ncij,ocij->no', patch, W[:, i, j])
    return y if b is None else y + b


def test_local_convolution_matches_definition_and_gradients():
    rng = numpy.random.RandomState(0)
    x, W, b = rng.randn(2, 3, 7, 6), rng.randn(4, 3, 2, 3, 3, 2), rng.randn(4, 3, 2)

    def f(x, W, b):
        return F.local_convolution_2d(x, W, b, stride=(2, 3))
    y = f(x, W, b)
    numpy.testing.assert_allclose(y.array, _local_ref(x, W, b, 2, 3), rtol=1e-12)
    gy = rng.randn(*y.shape)
    check_backward(f, (x, W, b), gy)
    check_double_backward(f, (x, W, b), gy, (rng.randn(*x.shape), rng.randn(*W.shape),
                                             rng.randn(*b.shape)))
    y16 = F.local_convolution_2d(x.astype(numpy.float16), W.astype(numpy.float16),
                                 b.astype(numpy.float16), (2, 3))
    assert y16.dtype == numpy.float16
    numpy.testing.assert_allclose(y16.array, y.array, rtol=5e-2, atol=5e-2)


def test_local_convolution_errors():
    x = numpy.zeros((1, 3, 5, 5), numpy.float32)
    with pytest.raises(InvalidType, match='LocalConvolution2DFunction'):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 2, 3, 3), numpy.float32))
    with pytest.raises(InvalidType, match='W.ndim == 6'):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r'W.shape\[1\] - 1\) \* self.sy'):
        F.local_convolution_2d(x, numpy.zeros((2, 4, 3, 3, 3, 3), numpy.float32))
    with pytest.raises(InvalidType, match='b.ndim == 3'):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 3, 3, 3), numpy.float32),
                               numpy.zeros((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match='b.shape == W.shape'):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 3, 3, 3), numpy.float32),
                               numpy.zeros((2, 3, 2), numpy.float32))


def _bilinear(img, yy, xx):
    """img (c, h, w) sampled at (yy, xx), zero outside."""
    h, w = img.shape[1:]
    y0, x0 = int(numpy.floor(yy)), int(numpy.floor(xx))
    out = numpy.zeros(img.shape[0])
    for dy in (0, 1):
        for dx in (0, 1):
            r, q = y0 + dy, x0 + dx
            wt = (1 - abs(yy - r)) * (1 - abs(xx - q))
            if 0 <= r < h and 0 <= q < w:
                out += wt * img[:, r, q]
    return out


def test_deformable_sampler_matches_definition_and_gradients():
    rng = numpy.random.RandomState(1)
    n, c, h, w, kh, kw, sy, sx, p = 2, 2, 5, 4, 2, 3, 1, 2, 1
    x = rng.randn(n, c, h, w)
    W = rng.randn(3, c, kh, kw)
    b = rng.randn(3)
    oh, ow = (h + 2 * p - kh) // sy + 1, (w + 2 * p - kw) // sx + 1
    offset = rng.uniform(-0.9, 0.9, (n, 2 * kh * kw, oh, ow))
    y = F.deformable_convolution_2d_sampler(x, offset, W, b, (sy, sx), p)
    xpad = numpy.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ref = numpy.zeros((n, 3, oh, ow))
    for bn in range(n):
        for a in range(oh):
            for e in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        k = i * kw + j
                        v = _bilinear(xpad[bn], a * sy + i + offset[bn, kh * kw + k, a, e],
                                      e * sx + j + offset[bn, k, a, e])
                        ref[bn, :, a, e] += W[:, :, i, j].dot(v)
    ref += b.reshape(1, 3, 1, 1)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-10, atol=1e-12)

    def f(x, offset, W, b):
        return F.deformable_convolution_2d_sampler(x, offset, W, b, (sy, sx), p)
    gy = rng.randn(*y.shape)
    check_backward(f, (x, offset, W, b), gy)
    check_double_backward(f, (x, offset, W, b), gy,
                          (rng.randn(*x.shape), rng.randn(*offset.shape),
                           rng.randn(*W.shape), rng.randn(3)))


def test_deformable_with_zero_offsets_is_convolution():
    rng = numpy.random.RandomState(2)
    x, W = rng.randn(2, 3, 6, 5).astype(numpy.float32), rng.randn(4, 3, 3, 3).astype(
        numpy.float32)
    want = F.convolution_2d(x, W, None, 2, 1)
    offset = numpy.zeros((2, 18) + want.shape[2:], numpy.float32)
    y = F.deformable_convolution_2d_sampler(x, offset, W, None, 2, 1)
    assert y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, want.array, rtol=1e-5, atol=1e-5)


def test_deformable_errors():
    x = numpy.zeros((1, 3, 5, 5), numpy.float32)
    W = numpy.zeros((2, 3, 3, 3), numpy.float32)
    with pytest.raises(ValueError, match='offset does not match the kernel size'):
        F.deformable_convolution_2d_sampler(x, numpy.zeros((1, 9, 3, 3), numpy.float32), W)
    with pytest.raises(InvalidType, match='x.shape\\[1\\] == W.shape\\[1\\]'):
        F.deformable_convolution_2d_sampler(
            x, numpy.zeros((1, 18, 3, 3), numpy.float32), W[:, :2])
    with pytest.raises(InvalidType, match='offset.ndim'):
        F.deformable_convolution_2d_sampler(x, numpy.zeros((18, 3, 3), numpy.float32), W)


def test_links():
    x = numpy.random.RandomState(3).randn(2, 3, 6, 5).astype(numpy.float32)
    local = L.LocalConvolution2D(3, 4, (6, 5), 3, stride=(1, 2))
    assert local.W.shape == (4, 4, 2, 3, 3, 3) and local.b.shape == (4, 4, 2)
    numpy.testing.assert_array_equal(
        local(x).array, F.local_convolution_2d(x, local.W.array, local.b.array,
                                               (1, 2)).array)
    lazy = L.LocalConvolution2D(None, 2, ksize=2, nobias=True)
    assert lazy(x).shape == (2, 2, 5, 4) and lazy.W.shape == (2, 5, 4, 3, 2, 2)

    deform = L.DeformableConvolution2D(3, 4, 3, pad=1)
    assert deform.offset_conv.W.shape == (18, 3, 3, 3)
    assert deform.deform_conv.W.shape == (4, 3, 3, 3)
    assert not deform.deform_conv.W.array.any()          # zeros, as in Chainer
    deform.deform_conv.W.array[...] = numpy.random.RandomState(4).randn(4, 3, 3, 3)
    offset = deform.offset_conv(x)
    numpy.testing.assert_array_equal(
        deform(x).array,
        F.deformable_convolution_2d_sampler(x, offset, deform.deform_conv.W,
                                            deform.deform_conv.b, 1, 1).array)
