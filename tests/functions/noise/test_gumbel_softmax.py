"""F.gumbel_softmax on a 0-d log_pi: one category, so the sample is 1 (as in
Chainer), of log_pi's dtype, with no random draw and a zero gradient."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_zero_dim_is_one(dtype):
    numpy.random.seed(1)
    state = numpy.random.get_state()[1].copy()
    v = Variable(numpy.asarray(0.3, dtype))
    y = F.gumbel_softmax(v, tau=0.5)
    assert y.shape == () and y.dtype == dtype
    assert float(y.array) == 1.0
    numpy.testing.assert_array_equal(numpy.random.get_state()[1], state)
    y.backward()
    numpy.testing.assert_array_equal(v.grad, numpy.zeros((), dtype))


def test_zero_dim_gradient_is_numerically_zero():
    check_backward(lambda x: F.gumbel_softmax(x, tau=2.0), numpy.asarray(-0.7), numpy.asarray(1.3))


@pytest.mark.parametrize('shape', [(3, 2), (2, 4, 3)])
def test_shape_dtype_and_rows_sum_to_one(shape):
    numpy.random.seed(0)
    log_pi = numpy.random.uniform(-1, 1, shape)
    y = F.gumbel_softmax(log_pi, tau=0.7)
    assert y.shape == shape and y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array.sum(axis=1), numpy.ones(shape[:1] + shape[2:]),
                                  rtol=1e-12)
