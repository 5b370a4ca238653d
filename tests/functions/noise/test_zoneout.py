"""F.zoneout: the op keeps its masks (Chainer's flag_h / flag_x), mixes h and
x by them, routes the gradient by them (first and second order), draws one
mask per call from the global RNG, and is x outside training."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _seeded(ratio, seed=0):
    def f(h, x):
        numpy.random.seed(seed)
        return F.zoneout(h, x, ratio)
    return f


@pytest.mark.parametrize('ratio', [0.0, 0.3, 1.0])
def test_forward_uses_the_masks(ratio):
    rng = numpy.random.RandomState(1)
    h, x = rng.randn(4, 5).astype(numpy.float32), rng.randn(4, 5).astype(numpy.float32)
    y = _seeded(ratio)(h, x)
    op = y.creator
    assert op.flag_h.dtype == op.flag_x.dtype == numpy.bool_
    numpy.testing.assert_array_equal(op.flag_h, ~op.flag_x)
    numpy.random.seed(0)
    numpy.testing.assert_array_equal(op.flag_x, numpy.random.rand(4, 5) >= ratio)
    numpy.testing.assert_array_equal(y.array, numpy.where(op.flag_x, x, h))
    assert y.dtype == numpy.float32
    if ratio == 0.0:
        numpy.testing.assert_array_equal(y.array, x)
    if ratio == 1.0:
        numpy.testing.assert_array_equal(y.array, h)


def test_ratio_is_the_fraction_kept():
    numpy.random.seed(0)
    y = F.zoneout(numpy.zeros(10000), numpy.ones(10000), ratio=0.3).array
    assert abs((y == 0).mean() - 0.3) < 0.02


def test_gradients():
    rng = numpy.random.RandomState(2)
    h, x, gy, ggh, ggx = (rng.randn(3, 4) for _ in range(5))
    check_backward(_seeded(0.4), (h, x), gy)
    check_double_backward(_seeded(0.4), (h, x), gy, (ggh, ggx))
    hv, xv = fastgrad.Variable(h), fastgrad.Variable(x)
    y = _seeded(0.4)(hv, xv)
    y.grad = gy
    y.backward()
    numpy.testing.assert_array_equal(hv.grad, gy * y.creator.flag_h)
    numpy.testing.assert_array_equal(xv.grad, gy * y.creator.flag_x)


def test_test_mode_returns_x():
    x = numpy.ones((2, 3), numpy.float32)
    with fastgrad.using_config('train', False):
        y = F.zoneout(numpy.zeros((2, 3), numpy.float32), x)
    assert isinstance(y, fastgrad.Variable) and y.creator is None
    numpy.testing.assert_array_equal(y.array, x)


def test_errors():
    h = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match='h.shape == x.shape'):
        F.zoneout(h, numpy.zeros((3, 2), numpy.float32))
    with pytest.raises(InvalidType, match='h.dtype == x.dtype'):
        F.zoneout(h, h.astype(numpy.float64))
    with pytest.raises(ValueError, match='train argument'):
        F.zoneout(h, h, train=False)
    with pytest.raises(TypeError, match='unexpected'):
        F.zoneout(h, h, rate=0.1)
