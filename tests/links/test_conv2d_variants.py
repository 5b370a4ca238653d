"""L.DilatedConvolution2D, L.DepthwiseConvolution2D, L.MLPConvolution2D:
parameter shapes as in Chainer, lazy init, forward = the functions."""
import numpy
import pytest

import fastgrad.functions as F
import fastgrad.links as L


def test_dilated_convolution_2d():
    link = L.DilatedConvolution2D(3, 4, 3, stride=1, pad=2, dilate=2)
    assert link.W.shape == (4, 3, 3, 3)
    x = numpy.random.RandomState(0).randn(2, 3, 7, 6).astype(numpy.float32)
    numpy.testing.assert_array_equal(
        link(x).array, F.convolution_2d(x, link.W.array, link.b.array, 1, 2,
                                        dilate=2).array)
    lazy = L.DilatedConvolution2D(5, 2, nobias=True)
    assert lazy(x).shape == (2, 5, 6, 5) and lazy.W.shape == (5, 3, 2, 2) and lazy.b is None


def test_depthwise_convolution_2d():
    link = L.DepthwiseConvolution2D(3, 2, 3, pad=1)
    assert link.W.shape == (2, 3, 3, 3) and link.b.shape == (6,)
    link.b.array[...] = numpy.arange(6)
    x = numpy.random.RandomState(1).randn(2, 3, 5, 5).astype(numpy.float32)
    numpy.testing.assert_array_equal(
        link(x).array,
        F.depthwise_convolution_2d(x, link.W.array, link.b.array, 1, 1).array)
    lazy = L.DepthwiseConvolution2D(None, 3, 2, stride=2)
    assert lazy.W.array is None
    assert lazy(x).shape == (2, 9, 2, 2) and lazy.b.shape == (9,)


def test_depthwise_default_initializer_is_scaled_he_normal():
    numpy.random.seed(0)
    W = L.DepthwiseConvolution2D(64, 2, 3).W.array
    # HeNormal(1/sqrt(2)): std = sqrt(2 / fan_in) / sqrt(2) = 1 / sqrt(64 * 9)
    assert abs(W.std() * numpy.sqrt(64 * 9) - 1) < 0.1


def test_mlp_convolution_2d():
    link = L.MLPConvolution2D(3, (4, 5, 6), 3, pad=1, activation=F.tanh)
    assert [layer.W.shape for layer in link] == [(4, 3, 3, 3), (5, 4, 1, 1), (6, 5, 1, 1)]
    x = numpy.random.RandomState(2).randn(2, 3, 4, 4).astype(numpy.float32)
    h = F.tanh(link[0](x))
    h = F.tanh(link[1](h))
    numpy.testing.assert_array_equal(link(x).array, link[2](h).array)
    lazy = L.MLPConvolution2D((2, 3), 1)
    assert lazy(x).shape == (2, 3, 4, 4)


def test_mlp_convolution_2d_errors():
    with pytest.raises(TypeError, match='wscale'):
        L.MLPConvolution2D(3, (4,), 3, 1, 0, F.relu, 1.0)
    with pytest.raises(ValueError, match='wscale'):
        L.MLPConvolution2D(3, (4,), 3, wscale=1.0)
    with pytest.raises(TypeError, match='unexpected'):
        L.MLPConvolution2D(3, (4,), 3, nobias=True)
    with pytest.raises(ValueError, match='at least one'):
        L.MLPConvolution2D(3, (), 3)
