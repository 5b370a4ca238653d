"""L.ConvolutionND / DeconvolutionND and their 1-D / 3-D forms: parameter
shapes (as Chainer lays them out), lazy in_channels, forward = the function
with the same parameters, gradients, errors."""
import numpy
import pytest

import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def test_convolution_nd_params_and_forward():
    rng = numpy.random.RandomState(0)
    link = L.ConvolutionND(3, 4, 6, 3, stride=2, pad=1, cover_all=True, groups=2)
    assert link.W.shape == (6, 2, 3, 3, 3)
    assert link.b.shape == (6,)
    link.b.array[...] = rng.randn(6)
    x = rng.randn(2, 4, 5, 4, 6).astype(numpy.float32)
    y = link(x)
    want = F.convolution_nd(x, link.W.array, link.b.array, 2, 1, True, groups=2)
    numpy.testing.assert_array_equal(y.array, want.array)


@pytest.mark.parametrize('cls, nd', [(L.Convolution1D, 1), (L.Convolution3D, 3)])
def test_wrappers_and_lazy_init(cls, nd):
    link = cls(5, 2, nobias=True)            # (out_channels, ksize): in inferred
    assert link.W.array is None and link.b is None
    x = numpy.ones((2, 3) + (4,) * nd, numpy.float32)
    y = link(x)
    assert link.W.shape == (5, 3) + (2,) * nd
    assert y.shape == (2, 5) + (3,) * nd


def test_from_params():
    W = numpy.random.RandomState(1).randn(4, 1, 2, 3).astype(numpy.float32)
    link = L.ConvolutionND.from_params(W, numpy.ones(4, numpy.float32), groups=2)
    assert link.W.shape == W.shape and link.groups == 2
    numpy.testing.assert_array_equal(link.W.array, W)
    with pytest.raises(ValueError, match='b.size'):
        L.ConvolutionND.from_params(W, numpy.ones(3, numpy.float32))


def test_deconvolution_nd_params_and_forward():
    rng = numpy.random.RandomState(2)
    link = L.DeconvolutionND(2, 4, 6, (3, 2), stride=2, pad=1, outsize=(7, 6), groups=2)
    assert link.W.shape == (4, 3, 3, 2)
    x = rng.randn(2, 4, 4, 4).astype(numpy.float32)
    y = link(x)
    assert y.shape == (2, 6, 7, 6)
    numpy.testing.assert_array_equal(
        y.array, F.deconvolution_nd(x, link.W.array, link.b.array, 2, 1, (7, 6),
                                    groups=2).array)


@pytest.mark.parametrize('cls, nd', [(L.Deconvolution1D, 1), (L.Deconvolution3D, 3)])
def test_deconvolution_wrappers(cls, nd):
    link = cls(None, 2, 3, stride=2)
    y = link(numpy.ones((1, 4) + (2,) * nd, numpy.float32))
    assert link.W.shape == (4, 2) + (3,) * nd
    assert y.shape == (1, 2) + (5,) * nd


def test_link_gradients():
    rng = numpy.random.RandomState(3)
    link = L.Convolution1D(3, 2, 3, pad=1, initialW=rng.randn(2, 3, 3))
    x = rng.randn(2, 3, 5)
    W, b = link.W.array.astype(numpy.float64), rng.randn(2)
    check_backward(lambda x, W, b: F.convolution_1d(x, W, b, pad=1), (x, W, b),
                   rng.randn(2, 2, 5))
    link.cleargrads()
    y = link(x.astype(numpy.float32))
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert link.W.grad.shape == link.W.shape
    numpy.testing.assert_allclose(link.b.grad, numpy.full(2, 10.0))


def test_group_errors():
    with pytest.raises(ValueError, match='ConvolutionND.*output channels'):
        L.ConvolutionND(2, 4, 5, 3, groups=2)
    with pytest.raises(ValueError, match='DeconvolutionND.*input channels'):
        L.DeconvolutionND(2, 3, 4, 3, groups=2)
