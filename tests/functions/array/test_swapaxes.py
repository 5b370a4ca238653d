"""F.swapaxes: forward vs NumPy, both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
CASES = [((2, 3, 4), 0, 2), ((2, 3, 4), -1, 0), ((2, 3), 1, 1), ((5,), 0, -1)]


@pytest.mark.parametrize('shape,a1,a2', CASES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(shape, a1, a2, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    y = F.swapaxes(x, a1, a2)
    expect = numpy.swapaxes(x, a1, a2)
    assert isinstance(y, Variable) and y.dtype == dtype and y.shape == expect.shape
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,a1,a2', CASES)
def test_backward_both_paths(shape, a1, a2):
    x = numpy.random.randn(*shape)
    gy = numpy.random.randn(*numpy.swapaxes(x, a1, a2).shape)
    f = lambda v: F.swapaxes(v, a1, a2)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, numpy.swapaxes(gy, a1, a2))


def test_double_backward():
    x = numpy.random.randn(2, 3, 4)
    check_double_backward(lambda v: F.swapaxes(v * v, 0, 2), x,
                          numpy.random.randn(4, 3, 2), numpy.random.randn(2, 3, 4))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.swapaxes(x, 0, 1).array, x.T)
    check_backward(lambda v: F.swapaxes(v, 0, 1), x, numpy.random.randn(3, 4))


@pytest.mark.parametrize('a1,a2', [(2, 0), (0, -3)])
def test_axis_out_of_range(a1, a2):
    with pytest.raises(InvalidType, match='Swapaxes'):
        F.swapaxes(numpy.zeros((2, 3)), a1, a2)


def test_axis_must_be_int():
    with pytest.raises(TypeError, match='swapaxes'):
        F.swapaxes(numpy.zeros((2, 3)), 0.0, 1)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 1],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSwapaxes(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.a1, self.a2 = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.swapaxes(inputs[0], self.a1, self.a2),

    def forward_expected(self, inputs):
        return numpy.swapaxes(inputs[0], self.a1, self.a2).copy(),
