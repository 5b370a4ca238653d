"""F.moveaxis: forward vs numpy.moveaxis (ints and tuples), gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [(0, 2), (-1, 0), (1, 1), ((0, 1), (2, 0)), ((0, 2, 1), (1, 0, 2)), ([3, 0], [0, -1]),
         ((), ())]


@pytest.mark.parametrize('src,dst', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(src, dst, dtype):
    x = numpy.random.randn(2, 3, 4, 5).astype(dtype)
    x0 = x.copy()
    y = F.moveaxis(x, src, dst)
    expect = numpy.moveaxis(x, src, dst)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('src,dst', CASES)
def test_backward_both_paths(src, dst):
    x = numpy.random.randn(2, 3, 4, 5)
    gy = numpy.random.randn(*numpy.moveaxis(x, src, dst).shape)
    f = lambda v: F.moveaxis(v, src, dst)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, numpy.moveaxis(gy, dst, src))


def test_double_backward():
    x = numpy.random.randn(2, 3, 4)
    check_double_backward(lambda v: F.moveaxis(v * v, 0, -1), x, numpy.random.randn(3, 4, 2),
                          numpy.random.randn(2, 3, 4))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6, 2)[:, ::2]
    numpy.testing.assert_array_equal(F.moveaxis(x, 0, 2).array, numpy.moveaxis(x, 0, 2))
    check_backward(lambda v: F.moveaxis(v, 0, 2), x, numpy.random.randn(3, 2, 4))


@pytest.mark.parametrize('src,dst', [(3, 0), (0, -4)])
def test_out_of_range(src, dst):
    with pytest.raises(InvalidType, match='Moveaxis'):
        F.moveaxis(numpy.zeros((2, 3, 4)), src, dst)


def test_value_and_type_errors():
    x = numpy.zeros((2, 3, 4))
    with pytest.raises(ValueError, match='same number'):
        F.moveaxis(x, (0, 1), (2,))
    with pytest.raises(ValueError, match='repeated'):
        F.moveaxis(x, (0, 0), (1, 2))
    with pytest.raises(ValueError, match='repeated'):
        F.moveaxis(x, (0, -3), (1, 2))
    with pytest.raises(TypeError, match='moveaxis'):
        F.moveaxis(x, 0.5, 1)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMoveaxis(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.src, self.dst = CASES[self.case]
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
        return F.moveaxis(inputs[0], self.src, self.dst),

    def forward_expected(self, inputs):
        return numpy.moveaxis(inputs[0], self.src, self.dst).copy(),
