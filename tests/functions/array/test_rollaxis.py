"""F.rollaxis: forward vs numpy.rollaxis for every axis/start, gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [(a, s) for a in range(-4, 4) for s in range(-4, 5)]


@pytest.mark.parametrize('axis,start', CASES)
def test_forward_and_backward(axis, start):
    x = numpy.random.randn(2, 3, 4, 5)
    x0 = x.copy()
    y = F.rollaxis(x, axis, start)
    expect = numpy.rollaxis(x, axis, start)
    assert y.shape == expect.shape
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)
    gy = numpy.random.randn(*expect.shape)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([(lambda v: F.rollaxis(v, axis, start))(*vs)], [gy.copy()],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        # the gradient is gy with the permutation undone
        perm = numpy.rollaxis(numpy.arange(x.size).reshape(x.shape), axis, start).ravel()
        expect_g = numpy.empty(x.size)
        expect_g[perm] = gy.ravel()
        numpy.testing.assert_array_equal(g, expect_g.reshape(x.shape))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_dtypes_and_default_start(dtype):
    x = numpy.random.randn(2, 3, 4).astype(dtype)
    y = F.rollaxis(x, 2)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.rollaxis(x, 2))


def test_check_backward_and_double_backward():
    x = numpy.random.randn(2, 3, 4)
    check_backward(lambda v: F.rollaxis(v, 2, 1), x, numpy.random.randn(2, 4, 3))
    check_double_backward(lambda v: F.rollaxis(v * v, 0, 3), x, numpy.random.randn(3, 4, 2),
                          numpy.random.randn(2, 3, 4))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6, 2)[:, ::2]
    numpy.testing.assert_array_equal(F.rollaxis(x, 2).array, numpy.rollaxis(x, 2))
    check_backward(lambda v: F.rollaxis(v, 2), x, numpy.random.randn(2, 4, 3))


@pytest.mark.parametrize('axis,start', [(3, 0), (-4, 0), (0, 4), (0, -4)])
def test_out_of_range(axis, start):
    with pytest.raises(InvalidType, match='Rollaxis'):
        F.rollaxis(numpy.zeros((2, 3, 4)), axis, start)


def test_type_errors():
    with pytest.raises(TypeError, match='rollaxis'):
        F.rollaxis(numpy.zeros((2, 3)), 0.0)
    with pytest.raises(TypeError, match='rollaxis'):
        F.rollaxis(numpy.zeros((2, 3)), 0, None)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'axis_start': [(0, 3), (-1, 1)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestRollaxis(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.axis, self.start = self.axis_start
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, (2, 3, 4, 5))).astype(self.dtype),

    def forward(self, inputs, device):
        return F.rollaxis(inputs[0], self.axis, self.start),

    def forward_expected(self, inputs):
        return numpy.rollaxis(inputs[0], self.axis, self.start).copy(),
