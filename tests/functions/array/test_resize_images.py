"""F.resize_images: against a per-pixel bilinear loop (both corner modes,
nearest), gradients in float64 (first and second order), dtypes, errors.
Values against Chainer: chainer_reference/cases_pool.py."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, out_h, out_w, mode, align):
    n, c, h, w = x.shape
    y = numpy.zeros((n, c, out_h, out_w))

    def pos(i, out, size):
        if mode == 'nearest':
            return min(int(numpy.floor(i * size / out)), size - 1)
        if align:
            return 0.0 if out == 1 else i * (size - 1) / (out - 1)
        return max((i + 0.5) * size / out - 0.5, 0.0)
    for i in range(out_h):
        for j in range(out_w):
            py, px = pos(i, out_h, h), pos(j, out_w, w)
            y0, x0 = int(py), int(px)
            fy, fx = py - y0, px - x0
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            y[:, :, i, j] = ((1 - fy) * (1 - fx) * x[:, :, y0, x0] + (1 - fy) * fx * x[:, :, y0, x1]
                             + fy * (1 - fx) * x[:, :, y1, x0] + fy * fx * x[:, :, y1, x1])
    return y


@pytest.mark.parametrize('out', [(9, 11), (3, 2), (1, 1), (5, 7), (12, 3)])
@pytest.mark.parametrize('mode,align', [('bilinear', True), ('bilinear', False),
                                        ('nearest', True)])
def test_forward(out, mode, align):
    x = numpy.random.RandomState(0).randn(2, 3, 5, 7)
    y = F.resize_images(x, out, mode=mode, align_corners=align)
    numpy.testing.assert_allclose(y.array, _ref(x, *out, mode, align), rtol=1e-13, atol=1e-13)


def test_same_size_is_identity():
    x = numpy.random.RandomState(0).randn(1, 2, 4, 6)
    numpy.testing.assert_allclose(F.resize_images(x, (4, 6)).array, x, rtol=1e-15)


@pytest.mark.parametrize('mode,align', [('bilinear', True), ('bilinear', False),
                                        ('nearest', False)])
def test_gradients(mode, align):
    rng = numpy.random.RandomState(1)
    x = rng.randn(2, 2, 4, 5)
    f = lambda x: F.resize_images(x, (7, 3), mode=mode, align_corners=align)  # noqa: E731
    gy = rng.randn(2, 2, 7, 3)
    check_backward(f, x, gy, eps=1e-4, atol=1e-9, rtol=1e-7)
    check_double_backward(f, x, gy, rng.randn(*x.shape), eps=1e-4, atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_dtypes(dtype):
    x = numpy.random.RandomState(2).randn(2, 3, 4, 5)
    y = F.resize_images(x.astype(dtype), (6, 7))
    assert y.dtype == dtype
    tol = 1e-2 if dtype == numpy.float16 else 1e-6
    numpy.testing.assert_allclose(y.array, F.resize_images(x, (6, 7)).array, rtol=tol,
                                  atol=tol)


def test_errors():
    x = numpy.zeros((1, 1, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'ResizeImages[\s\S]*x.ndim == 4'):
        F.resize_images(x[0], (4, 4))
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.resize_images(x.astype(numpy.int32), (4, 4))
    with pytest.raises(ValueError, match="resize_images: mode must be 'bilinear' or 'nearest'"):
        F.resize_images(x, (4, 4), mode='cubic')
    with pytest.raises(ValueError, match='resize_images: output_shape must be positive'):
        F.resize_images(x, (0, 4))
    with pytest.raises(ValueError, match='resize_images: output_shape must be a pair'):
        F.resize_images(x, 4)
    with pytest.raises(TypeError):
        F.resize_images(x, (4, 4), 'bilinear')    # mode is keyword-only, as in Chainer
