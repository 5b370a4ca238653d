"""F.convolution_nd / deconvolution_nd (and the 1-D / 3-D wrappers): forward
against a direct float64 definition, deconvolution as the adjoint of
convolution, gradients and double backward in float64, float16, errors."""
import itertools

import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _outsize(size, k, s, p, d, cover_all):
    dk = k + (k - 1) * (d - 1)
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def _conv_ref(x, W, b, stride, pad, dilate, groups, cover_all):
    """y[n, o, l] = sum_{c, k} W[o, c, k] x[n, g Cg + c, l s + k d - p] (zero outside)."""
    nd = x.ndim - 2
    spatial = x.shape[2:]
    out_c, cg = W.shape[:2]
    ks = W.shape[2:]
    outs = [_outsize(spatial[i], ks[i], stride[i], pad[i], dilate[i], cover_all)
            for i in range(nd)]
    og = out_c // groups
    y = numpy.zeros((x.shape[0], out_c) + tuple(outs))
    for o in range(out_c):
        g = o // og
        for pos in itertools.product(*[range(v) for v in outs]):
            acc = numpy.zeros(x.shape[0])
            for k in itertools.product(*[range(v) for v in ks]):
                src = [pos[i] * stride[i] + k[i] * dilate[i] - pad[i] for i in range(nd)]
                if all(0 <= src[i] < spatial[i] for i in range(nd)):
                    acc += x[(slice(None), slice(g * cg, (g + 1) * cg)) + tuple(src)].dot(
                        W[(o, slice(None)) + k])
            y[(slice(None), o) + pos] = acc
    if b is not None:
        y += b.reshape((1, -1) + (1,) * nd)
    return y


# (x shape, W shape, stride, pad, dilate, groups, cover_all)
CASES = [
    ((2, 3, 7), (4, 3, 3), (2,), (1,), (1,), 1, True),
    ((2, 4, 9), (6, 2, 2), (1,), (0,), (3,), 2, False),
    ((1, 2, 4, 5, 3), (3, 2, 2, 3, 2), (1, 2, 1), (1, 0, 1), (1, 1, 2), 1, False),
    ((2, 2, 5, 4, 4), (2, 1, 3, 2, 2), (2, 2, 3), (1, 1, 0), (1, 1, 1), 2, True),
    ((2, 3, 2, 3, 2, 3), (2, 3, 1, 2, 1, 2), (1, 1, 1, 2), (0, 1, 0, 0), (1,) * 4, 1, False),
    # stride 1: gx by the flipped filters (no more output than input channels) ...
    ((2, 4, 6), (3, 4, 3), (1,), (1,), (1,), 1, False),
    ((1, 3, 3, 4, 3), (2, 3, 3, 3, 2), (1, 1, 1), (1, 1, 0), (1, 1, 1), 1, False),
    # ... or by col2im (more output channels)
    ((1, 2, 3, 3, 4), (5, 2, 2, 2, 3), (1, 1, 1), (1, 0, 1), (1, 1, 1), 1, False),
]


@pytest.mark.parametrize('case', CASES)
def test_forward_matches_definition(case):
    xs, Ws, stride, pad, dilate, groups, cover_all = case
    rng = numpy.random.RandomState(0)
    x, W, b = rng.randn(*xs), rng.randn(*Ws), rng.randn(Ws[0])
    y = F.convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)
    numpy.testing.assert_allclose(
        y.array, _conv_ref(x, W, b, stride, pad, dilate, groups, cover_all), rtol=1e-12,
        atol=1e-12)


@pytest.mark.parametrize('case', CASES)
def test_deconvolution_is_the_adjoint(case):
    # <conv(x, W), g> == <x, deconv(g, W)> for every x, g
    xs, Ws, stride, pad, dilate, groups, cover_all = case
    rng = numpy.random.RandomState(1)
    x, W = rng.randn(*xs), rng.randn(*Ws)
    y = F.convolution_nd(x, W, None, stride, pad, cover_all, dilate, groups).array
    g = rng.randn(*y.shape)
    # the same W: deconvolution reads it as (in = conv's out, out / groups, k...)
    gx = F.deconvolution_nd(g, W, None, stride, pad, outsize=xs[2:], dilate=dilate,
                            groups=groups).array
    assert gx.shape == x.shape
    numpy.testing.assert_allclose((y * g).sum(), (x * gx).sum(), rtol=1e-10)


@pytest.mark.parametrize('case', CASES[:4])
def test_gradients(case):
    xs, Ws, stride, pad, dilate, groups, cover_all = case
    rng = numpy.random.RandomState(2)
    x, W, b = rng.randn(*xs), rng.randn(*Ws), rng.randn(Ws[0])

    def f(x, W, b):
        return F.convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)
    gy = rng.randn(*f(x, W, b).shape)
    check_backward(f, (x, W, b), gy)
    check_double_backward(f, (x, W, b), gy, (rng.randn(*xs), rng.randn(*Ws),
                                             rng.randn(Ws[0])))


@pytest.mark.parametrize('case', CASES[:4])
def test_deconvolution_gradients(case):
    xs, Ws, stride, pad, dilate, groups, cover_all = case
    rng = numpy.random.RandomState(3)
    # deconvolve an input of conv's output shape back to xs (explicit outsize)
    W = rng.randn(*Ws)
    g = rng.randn(*F.convolution_nd(rng.randn(*xs), W, None, stride, pad, cover_all,
                                    dilate, groups).shape)
    b = rng.randn(xs[1])

    def f(g, W, b):
        return F.deconvolution_nd(g, W, b, stride, pad, xs[2:], dilate, groups)
    gy = rng.randn(*xs)
    check_backward(f, (g, W, b), gy)
    check_double_backward(f, (g, W, b), gy, (rng.randn(*g.shape), rng.randn(*Ws),
                                             rng.randn(xs[1])))


def test_deconvolution_default_outsize():
    x = numpy.ones((1, 2, 3, 4), numpy.float32)
    W = numpy.ones((2, 5, 3, 2), numpy.float32)
    y = F.deconvolution_nd(x, W, stride=2, pad=1)
    assert y.shape == (1, 5, 2 * 2 + 3 - 2, 3 * 2 + 2 - 2)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_low_precision_forward(dtype):
    rng = numpy.random.RandomState(4)
    x, W, b = rng.randn(2, 3, 4, 5, 3), rng.randn(4, 3, 2, 2, 2), rng.randn(4)
    want = _conv_ref(x, W, b, (1, 1, 1), (1, 0, 1), (1, 1, 1), 1, False)
    y = F.convolution_3d(x.astype(dtype), W.astype(dtype), b.astype(dtype), pad=(1, 0, 1))
    assert y.dtype == dtype
    tol = 2e-2 if dtype == numpy.float16 else 1e-5
    numpy.testing.assert_allclose(y.array, want, rtol=tol, atol=tol * 4)
    d = F.deconvolution_3d(y, W.astype(dtype))
    assert d.dtype == dtype


def test_wrappers_check_rank():
    x3 = numpy.zeros((1, 2, 5), numpy.float32)
    x5 = numpy.zeros((1, 2, 3, 3, 3), numpy.float32)
    with pytest.raises(ValueError, match='convolution_1d'):
        F.convolution_1d(x5, numpy.zeros((1, 2, 1, 1, 1), numpy.float32))
    with pytest.raises(ValueError, match='convolution_3d'):
        F.convolution_3d(x3, numpy.zeros((1, 2, 1), numpy.float32))
    with pytest.raises(ValueError, match='deconvolution_1d'):
        F.deconvolution_1d(x5, numpy.zeros((2, 1, 1, 1, 1), numpy.float32))
    with pytest.raises(ValueError, match='deconvolution_3d'):
        F.deconvolution_3d(x3, numpy.zeros((2, 1, 1), numpy.float32))
    with pytest.raises(ValueError, match='convolution_nd'):
        F.convolution_nd(numpy.zeros((2, 3), numpy.float32), numpy.zeros((1, 3), numpy.float32))


def test_bad_inputs():
    x = numpy.zeros((1, 2, 5, 5), numpy.float32)
    with pytest.raises(InvalidType, match='ConvolutionND'):
        F.convolution_nd(x, numpy.zeros((3, 2, 2), numpy.float32))     # W rank
    with pytest.raises(InvalidType, match='x.shape'):
        F.convolution_nd(x, numpy.zeros((3, 4, 2, 2), numpy.float32))  # channels
    with pytest.raises(InvalidType, match='dtype'):
        F.convolution_nd(x.astype(numpy.int32), numpy.zeros((3, 2, 2, 2), numpy.float32))
    with pytest.raises(InvalidType, match='b.shape'):
        F.convolution_nd(x, numpy.zeros((3, 2, 2, 2), numpy.float32),
                         numpy.zeros(4, numpy.float32))
    with pytest.raises(ValueError, match='convolution_nd: the output'):
        F.convolution_nd(x, numpy.zeros((3, 2, 7, 2), numpy.float32))
    with pytest.raises(ValueError, match='stride'):
        F.convolution_nd(x, numpy.zeros((3, 2, 2, 2), numpy.float32), stride=(1, 1, 1))
    with pytest.raises(ValueError, match='pad must be >= 0'):
        F.convolution_nd(x, numpy.zeros((3, 2, 2, 2), numpy.float32), pad=-1)
    with pytest.raises(InvalidType, match='DeconvolutionND'):
        F.deconvolution_nd(x, numpy.zeros((3, 2, 2, 2), numpy.float32))  # x.shape[1] != W[0]
    with pytest.raises(InvalidType, match='outsize'):
        F.deconvolution_nd(x, numpy.zeros((2, 2, 2, 2), numpy.float32), stride=2,
                           outsize=(20, 10))
    with pytest.raises(ValueError, match='outsize'):
        F.deconvolution_nd(x, numpy.zeros((2, 2, 2, 2), numpy.float32), outsize=(6,))
