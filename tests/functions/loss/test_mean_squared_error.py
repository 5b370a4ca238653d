"""F.mean_squared_error: forward against NumPy, gradients for both inputs on both
backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

TOL = {numpy.float16: 5e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}


def _inputs(shape, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    return (numpy.asarray(rng.uniform(-1, 1, shape)).astype(dtype),
            numpy.asarray(rng.uniform(-1, 1, shape)).astype(dtype))


def _ref(a, b):
    d = a.astype(numpy.float64) - b.astype(numpy.float64)
    return (d * d).sum() / d.size


@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, dtype):
    a, b = _inputs(shape, dtype)
    a0, b0 = a.copy(), b.copy()
    for y in (F.mean_squared_error(a, b), F.mean_squared_error(Variable(a), b),
              F.mean_squared_error(a, Variable(b))):
        assert y.shape == () and y.dtype == dtype
        assert isinstance(y.array, numpy.ndarray)
        numpy.testing.assert_allclose(y.array, _ref(a, b), rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(a, a0)
    numpy.testing.assert_array_equal(b, b0)


def test_float16_sum_does_not_overflow():
    # the sum of squares (1000 * 100 ** 2 = 1e7) is beyond float16's range but the
    # mean (1e4) is not: the result must be exact, not inf
    a = numpy.full((1000,), 100, numpy.float16)
    y = F.mean_squared_error(a, numpy.zeros(1000, numpy.float16))
    assert y.dtype == numpy.float16 and y.array == numpy.float16(10000)


@pytest.mark.parametrize('shape', [(), (5,), (3, 4)])
def test_backward(shape):
    a, b = _inputs(shape)
    check_backward(F.mean_squared_error, (a, b), numpy.array(numpy.random.randn()))


def test_gradient_formula():
    a, b = _inputs((3, 4))
    vs = [Variable(a.copy()) for a in [a, b]]
    fastgrad.backward([F.mean_squared_error(*vs)], [numpy.array(1.5).copy()])
    ga, gb = [v.grad for v in vs]
    numpy.testing.assert_allclose(ga, 1.5 * 2 * (a - b) / a.size, rtol=1e-14)
    numpy.testing.assert_allclose(gb, -1.5 * 2 * (a - b) / a.size, rtol=1e-14)


def test_double_backward():
    a, b = _inputs((3, 4))
    check_double_backward(F.mean_squared_error, (a, b), numpy.array(numpy.random.randn()),
                          (numpy.random.randn(3, 4), numpy.random.randn(3, 4)))


def test_non_contiguous_inputs():
    a = numpy.random.randn(4, 10)[:, ::2]
    b = numpy.random.randn(5, 4).T
    numpy.testing.assert_allclose(F.mean_squared_error(a, b).array, _ref(a, b), rtol=1e-14)
    check_backward(F.mean_squared_error, (a, b), numpy.array(1.0))


def test_dtype_mismatch_is_invalid_type():
    with pytest.raises(InvalidType, match='MeanSquaredError'):
        F.mean_squared_error(numpy.zeros(3, numpy.float32), numpy.zeros(3, numpy.float64))


def test_shape_mismatch_is_invalid_type():
    with pytest.raises(InvalidType, match='MeanSquaredError'):
        F.mean_squared_error(numpy.zeros((2, 3)), numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match='MeanSquaredError'):
        F.mean_squared_error(numpy.zeros((2, 3)), numpy.zeros(3))


def test_int_input_is_invalid_type():
    with pytest.raises(InvalidType, match='MeanSquaredError'):
        F.mean_squared_error(numpy.zeros(3, numpy.int32), numpy.zeros(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(3, 4), ()],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMeanSquaredError(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 5e-3, 'rtol': 5e-3}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype)

    def forward(self, inputs, device):
        return F.mean_squared_error(*inputs),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs)).astype(self.dtype),
