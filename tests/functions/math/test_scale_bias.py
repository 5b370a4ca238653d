"""F.scale and F.bias: y applied to x's axes from ``axis`` on; a shape mismatch
is a ValueError that is also an AssertionError (Chainer asserts it)."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward


@pytest.mark.parametrize('func,ref', [(F.scale, numpy.multiply), (F.bias, numpy.add)])
@pytest.mark.parametrize('yshape,axis', [((3,), 1), ((3, 4), 1), ((2,), 0), ((4,), -1)])
def test_forward_and_gradients(func, ref, yshape, axis):
    rng = numpy.random.RandomState(0)
    x = rng.standard_normal((2, 3, 4))
    y = rng.standard_normal(yshape)
    a = axis % x.ndim
    expected = ref(x, y.reshape((1,) * a + yshape + (1,) * (x.ndim - a - len(yshape))))
    numpy.testing.assert_allclose(func(x, y, axis).array, expected, rtol=1e-12)
    gz = rng.standard_normal(x.shape)
    check_backward(lambda u, v: func(u, v, axis), (x, y), gz)
    check_double_backward(lambda u, v: func(u, v, axis), (x, y), gz,
                          (rng.standard_normal(x.shape), rng.standard_normal(yshape)))


@pytest.mark.parametrize('func', [F.scale, F.bias])
def test_shape_mismatch(func):
    x = numpy.zeros((3, 2, 3), numpy.float32)
    y = numpy.zeros(2, numpy.float32)
    for error in (ValueError, AssertionError):
        with pytest.raises(error, match=r'y.shape \(2,\) must equal x.shape\[0:1\] = \(3,\)'):
            func(x, y, 0)
