"""F.relu: forward against NumPy, both backward paths, double backward, dtypes."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward


def _away_from_zero(shape, dtype=numpy.float64, seed=0):
    """Values in (-1, -0.1) U (0.1, 1): the kink at 0 spoils numerical gradients."""
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(0.1, 1, shape) * rng.choice([-1, 1], shape)
    return numpy.asarray(x).astype(dtype)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 3, 4)])
def test_forward_matches_numpy(dtype, shape):
    x = _away_from_zero(shape, dtype)
    x0 = x.copy()
    y = F.relu(x)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_array_equal(y.array, numpy.maximum(x.astype(numpy.float64), 0))
    numpy.testing.assert_array_equal(x, x0)


def test_accepts_variable_and_array():
    x = _away_from_zero((3, 4))
    numpy.testing.assert_array_equal(F.relu(Variable(x)).array, F.relu(x).array)


def test_backward():
    x = _away_from_zero((3, 4))
    gy = numpy.random.randn(3, 4)
    check_backward(F.relu, x, gy)


def test_double_backward():
    x = _away_from_zero((3, 4))
    gy = numpy.random.randn(3, 4)
    ggx = numpy.random.randn(3, 4)
    check_double_backward(F.relu, x, gy, ggx)


def test_gradient_is_the_mask():
    x = numpy.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    v = Variable(x)
    y = F.relu(v)
    y.grad = numpy.ones(5)
    y.backward()
    numpy.testing.assert_array_equal(v.grad, [0, 0, 0, 1, 1])


def test_non_contiguous_input():
    base = _away_from_zero((4, 10))
    x = base[:, ::2]
    assert not x.flags.c_contiguous
    gy = numpy.random.randn(*x.shape)
    numpy.testing.assert_array_equal(F.relu(x).array, numpy.maximum(x, 0))
    check_backward(F.relu, x, gy)
    xt = base.T
    numpy.testing.assert_array_equal(F.relu(xt).array, numpy.maximum(xt, 0))
    v = Variable(xt)
    fast, = fastgrad.grad([F.relu(v)], [v], [numpy.ones(xt.shape)])
    numpy.testing.assert_array_equal(fast.array, (xt > 0).astype(numpy.float64))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(), (3, 4)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestReLU(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}

    def generate_inputs(self):
        return numpy.random.uniform(-1, 1, self.shape).astype(self.dtype),

    def forward(self, inputs, device):
        return F.relu(inputs[0]),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.asarray(numpy.maximum(x, 0)).astype(self.dtype),
