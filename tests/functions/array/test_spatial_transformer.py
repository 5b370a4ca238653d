"""F.spatial_transformer_grid / F.spatial_transformer_sampler: identity and
shift transforms, a naive bilinear reference, gradients in float64 (first
and second order), dtypes and errors.  Values against Chainer:
chainer_reference/cases_pool.py."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

IDENTITY = numpy.array([[[1.0, 0, 0], [0, 1.0, 0]]])


def _ref_sample(x, grid):
    b, c, h, w = x.shape
    out = numpy.zeros((b, c) + grid.shape[2:])
    pad = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for n in range(b):
        for i in range(grid.shape[2]):
            for j in range(grid.shape[3]):
                u = min(max((grid[n, 0, i, j] + 1) * (w - 1) / 2 + 1, 0), w + 1)
                v = min(max((grid[n, 1, i, j] + 1) * (h - 1) / 2 + 1, 0), h + 1)
                u0, v0 = min(int(numpy.floor(u)), w), min(int(numpy.floor(v)), h)
                fu, fv = u - u0, v - v0
                out[n, :, i, j] = ((1 - fu) * (1 - fv) * pad[n, :, v0, u0]
                                   + fu * (1 - fv) * pad[n, :, v0, u0 + 1]
                                   + (1 - fu) * fv * pad[n, :, v0 + 1, u0]
                                   + fu * fv * pad[n, :, v0 + 1, u0 + 1])
    return out


def test_identity_grid_samples_the_image():
    x = numpy.random.RandomState(0).randn(1, 2, 5, 6)
    grid = F.spatial_transformer_grid(IDENTITY, (5, 6))
    assert grid.shape == (1, 2, 5, 6)
    numpy.testing.assert_allclose(grid.array[0, 0, 0], numpy.linspace(-1, 1, 6))
    numpy.testing.assert_allclose(grid.array[0, 1, :, 0], numpy.linspace(-1, 1, 5))
    y = F.spatial_transformer_sampler(x, grid)
    numpy.testing.assert_allclose(y.array, x, rtol=1e-12, atol=1e-12)


def test_sampler_against_loop():
    rng = numpy.random.RandomState(1)
    x = rng.randn(2, 3, 4, 5)
    grid = rng.uniform(-1.4, 1.4, (2, 2, 3, 6))
    numpy.testing.assert_allclose(F.spatial_transformer_sampler(x, grid).array,
                                  _ref_sample(x, grid), rtol=1e-12, atol=1e-12)


def test_gradients():
    rng = numpy.random.RandomState(2)
    x = rng.randn(2, 2, 4, 5)
    theta = rng.uniform(-0.7, 0.7, (2, 2, 3))

    def f(x, t):
        return F.spatial_transformer_sampler(x, F.spatial_transformer_grid(t, (3, 4)))
    gy = rng.randn(2, 2, 3, 4)
    check_backward(f, (x, theta), gy, eps=1e-6, atol=1e-6, rtol=1e-5)
    check_double_backward(f, (x, theta), gy, (rng.randn(*x.shape), rng.randn(*theta.shape)),
                          eps=1e-6, atol=1e-6, rtol=1e-5)
    g = lambda t: F.spatial_transformer_grid(t, (3, 4))  # noqa: E731
    check_backward(g, theta, rng.randn(2, 2, 3, 4))
    check_double_backward(g, theta, rng.randn(2, 2, 3, 4), rng.randn(*theta.shape))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_dtypes(dtype):
    rng = numpy.random.RandomState(3)
    x = rng.randn(1, 2, 4, 4)
    grid = rng.uniform(-1, 1, (1, 2, 3, 3))
    y = F.spatial_transformer_sampler(x.astype(dtype), grid.astype(dtype))
    assert y.dtype == dtype
    tol = 2e-2 if dtype == numpy.float16 else 1e-5
    numpy.testing.assert_allclose(y.array, _ref_sample(x, grid), rtol=tol, atol=tol)
    assert F.spatial_transformer_grid(IDENTITY.astype(dtype), (2, 2)).dtype == dtype


def test_errors():
    x = numpy.zeros((2, 1, 3, 3), numpy.float32)
    grid = numpy.zeros((2, 2, 2, 2), numpy.float32)
    with pytest.raises(InvalidType, match=r'SpatialTransformerSampler[\s\S]*x.shape\[0\] =='):
        F.spatial_transformer_sampler(x[:1], grid)
    with pytest.raises(InvalidType, match='grid.dtype == x.dtype'):
        F.spatial_transformer_sampler(x, grid.astype(numpy.float64))
    with pytest.raises(InvalidType, match=r'grid.shape\[1\] == 2'):
        F.spatial_transformer_sampler(x, numpy.zeros((2, 3, 2, 2), numpy.float32))
    with pytest.raises(InvalidType, match=r'SpatialTransformerGrid[\s\S]*theta.shape\[2\] == 3'):
        F.spatial_transformer_grid(numpy.zeros((2, 2, 2)), (3, 3))
    with pytest.raises(ValueError, match='use_cudnn'):
        F.spatial_transformer_grid(IDENTITY, (3, 3), use_cudnn='always')
    with pytest.raises(TypeError):
        F.spatial_transformer_sampler(x, grid, foo=1)
