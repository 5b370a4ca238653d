"""L.Deconvolution2D: constructor forms, lazy in_channels, W layout, outsize,
forward vs a NumPy reference, gradients."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def deconv_ref(x, W, b, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """Transposed convolution: scatter every input pixel times its kernel."""
    x = x.astype(numpy.float64)
    W = W.astype(numpy.float64)
    sh, sw = _pair(stride)
    ph, pw = _pair(pad)
    dh, dw = _pair(dilate)
    n, c, h, w = x.shape
    _, og, kh, kw = W.shape
    cg = c // groups
    if outsize is None:
        outsize = (sh * (h - 1) + dh * (kh - 1) + 1 - 2 * ph,
                   sw * (w - 1) + dw * (kw - 1) + 1 - 2 * pw)
    oh, ow = outsize
    full = numpy.zeros((n, og * groups,
                        max(oh + 2 * ph, sh * (h - 1) + dh * (kh - 1) + 1),
                        max(ow + 2 * pw, sw * (w - 1) + dw * (kw - 1) + 1)))
    for g in range(groups):
        xg = x[:, g * cg:(g + 1) * cg]
        Wg = W[g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                full[:, g * og:(g + 1) * og,
                     i * dh:i * dh + sh * (h - 1) + 1:sh,
                     j * dw:j * dw + sw * (w - 1) + 1:sw] += numpy.einsum(
                         'nchw,co->nohw', xg, Wg[:, :, i, j])
    y = full[:, :, ph:ph + oh, pw:pw + ow]
    if b is not None:
        y = y + b.astype(numpy.float64).reshape(1, -1, 1, 1)
    return y


def test_parameters():
    d = L.Deconvolution2D(3, 7, 4)
    assert d.W.shape == (3, 7, 4, 4) and d.b.shape == (7,)
    numpy.testing.assert_array_equal(d.b.array, numpy.zeros(7))
    assert d.outsize == (None, None) and d.stride == (1, 1) and d.pad == (0, 0)
    assert [n for n, _ in d.namedparams()] == ['/W', '/b']
    g = L.Deconvolution2D(4, 6, 3, groups=2)
    assert g.W.shape == (4, 3, 3, 3)
    with pytest.raises(ValueError, match='output channels'):
        L.Deconvolution2D(4, 5, 3, groups=2)
    with pytest.raises(ValueError, match='initial_bias'):
        L.Deconvolution2D(3, 7, 4, initial_bias=numpy.zeros(3, numpy.float32))


@pytest.mark.parametrize('make,shape', [
    (lambda: L.Deconvolution2D(3, 7, 4), (1, 7, 13, 13)),
    (lambda: L.Deconvolution2D(7, 4), (1, 7, 13, 13)),
    (lambda: L.Deconvolution2D(None, 7, 4), (1, 7, 13, 13)),
    (lambda: L.Deconvolution2D(None, 7, 4, 2, 1), (1, 7, 20, 20)),
    (lambda: L.Deconvolution2D(7, 4, stride=2, pad=1), (1, 7, 20, 20))])
def test_documented_shapes(make, shape):
    d = make()
    x = numpy.arange(1 * 3 * 10 * 10, dtype=numpy.float32).reshape(1, 3, 10, 10)
    assert d(x).shape == shape and d.W.shape == (3, 7, 4, 4)


@pytest.mark.parametrize('kw', [
    dict(), dict(stride=2), dict(stride=2, pad=1), dict(stride=(2, 3), pad=(1, 0)),
    dict(stride=2, outsize=(12, 12)), dict(dilate=2), dict(groups=2)])
def test_forward_matches_numpy(kw):
    d = L.Deconvolution2D(4, 6, 3, **kw)
    d.b.array[...] = numpy.random.randn(6)
    x = numpy.random.randn(2, 4, 5, 5).astype(numpy.float32)
    y = d(x)
    ref = deconv_ref(x, d.W.array, d.b.array, kw.get('stride', 1), kw.get('pad', 0),
                     kw.get('outsize'), kw.get('dilate', 1), kw.get('groups', 1))
    assert y.shape == ref.shape and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-5)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        d = L.Deconvolution2D(4, 2, 3, stride=2, pad=1)
    d.b.array[...] = numpy.random.randn(2)
    x = numpy.random.randn(2, 4, 3, 4)
    gy = numpy.random.randn(*d(x).shape)
    check_backward(d, x, gy, params=(d.W, d.b))


def test_nobias_and_printed_form():
    d = L.Deconvolution2D(2, 3, 2, nobias=True)
    assert d.b is None and [n for n, _ in d.namedparams()] == ['/W']
    assert str(d) == 'Deconvolution2D()'
