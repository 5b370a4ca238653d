"""F.flatten: forward vs NumPy's ravel, gradients, double backward."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward


@pytest.mark.parametrize('shape', [(2, 3, 4), (3, 1), (5,), ()])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.flatten(x)
    assert isinstance(y, Variable) and y.shape == (x.size,) and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, x.ravel())
    numpy.testing.assert_array_equal(x, x0)


def test_backward_both_paths():
    x = numpy.random.randn(2, 3, 4)
    gy = numpy.random.randn(24)
    check_backward(F.flatten, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([F.flatten(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, gy.reshape(2, 3, 4))


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.flatten(v * v), x, numpy.random.randn(6),
                          numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2].T
    numpy.testing.assert_array_equal(F.flatten(x).array, x.ravel())
    check_backward(F.flatten, x, numpy.random.randn(12))


def test_one_dimensional_variable_comes_back_as_is():
    v = Variable(numpy.arange(3.0))
    assert F.flatten(v) is v


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(2, 3, 4), (5,)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestFlatten(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
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
        return F.flatten(inputs[0]),

    def forward_expected(self, inputs):
        return inputs[0].ravel(),
