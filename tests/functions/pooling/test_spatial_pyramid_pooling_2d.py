"""F.spatial_pyramid_pooling_2d: levels against max_pooling_2d, gradients in
float64, bad arguments (values against Chainer: chainer_reference/cases_pool.py)."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward


def _x(shape):
    n = int(numpy.prod(shape))
    return numpy.random.RandomState(0).permutation(n).reshape(shape) / n


@pytest.mark.parametrize('shape,height', [((2, 3, 9, 7), 3), ((1, 2, 4, 4), 2),
                                          ((1, 1, 5, 3), 1), ((2, 2, 16, 12), 4)])
def test_levels(shape, height):
    x = _x(shape)
    y = F.spatial_pyramid_pooling_2d(x, height, pooling='max')
    n, c = shape[:2]
    assert y.shape == (n, c * sum(4 ** i for i in range(height)), 1, 1)
    # level 0 is the global max of each channel; the last level has 2**(H-1)
    # bins per axis
    numpy.testing.assert_array_equal(y.array[:, :c, 0, 0], x.max(axis=(2, 3)))
    last = y.array[:, -c * 4 ** (height - 1):, 0, 0].reshape(n, c, 2 ** (height - 1), -1)
    assert last.shape[-1] == 2 ** (height - 1)


def test_gradients():
    x = _x((2, 2, 7, 6))
    f = lambda x: F.spatial_pyramid_pooling_2d(x, 3, pooling='max')  # noqa: E731
    rng = numpy.random.RandomState(1)
    gy = rng.randn(*f(x).shape)
    check_backward(f, x, gy, eps=1e-4)
    check_double_backward(f, x, gy, rng.randn(*x.shape), eps=1e-4)


def test_errors():
    x = _x((1, 1, 4, 4))
    with pytest.raises(ValueError, match="spatial_pyramid_pooling_2d: unsupported pooling"):
        F.spatial_pyramid_pooling_2d(x, 2)
    with pytest.raises(ValueError, match="unsupported pooling 'average'"):
        F.spatial_pyramid_pooling_2d(x, 2, pooling='average')
    with pytest.raises(ValueError, match=r'x must be \(N, C, H, W\)'):
        F.spatial_pyramid_pooling_2d(x[0], 2, pooling='max')
