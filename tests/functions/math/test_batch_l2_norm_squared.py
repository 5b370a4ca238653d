"""F.batch_l2_norm_squared: per-sample squared norms, both backward paths,
double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x):
    x = numpy.asarray(x, numpy.float64)
    return (x.reshape(len(x), -1) ** 2).sum(axis=1)


SHAPES = [(4, 3), (2, 3, 4), (3, 1), (1, 5), (2, 0), (2, 2, 2, 2)]


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, dtype):
    x = numpy.random.uniform(-1, 1, shape).astype(dtype)
    x0 = x.copy()
    y = F.batch_l2_norm_squared(x)
    assert y.shape == (shape[0],) and y.dtype == dtype
    tol = {numpy.float16: 5e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(y.array, _ref(x), rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape', SHAPES)
def test_backward_and_double_backward(shape):
    x = numpy.random.randn(*shape)
    gy = numpy.random.randn(shape[0])
    check_backward(F.batch_l2_norm_squared, x, gy)
    check_double_backward(F.batch_l2_norm_squared, x, gy, numpy.random.randn(*shape))


@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(shape, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    gy = numpy.random.randn(shape[0]).astype(dtype)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([F.batch_l2_norm_squared(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([F.batch_l2_norm_squared(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == shape
    numpy.testing.assert_array_equal(fast, slow)
    expect = 2 * x.astype(numpy.float64) * gy.astype(numpy.float64).reshape(
        (shape[0],) + (1,) * (len(shape) - 1))
    numpy.testing.assert_allclose(fast, expect, rtol=2e-3 if dtype == numpy.float16 else 1e-6)


def test_non_contiguous_input():
    x = numpy.random.randn(6, 10)[::2, ::3]
    assert not x.flags.c_contiguous
    numpy.testing.assert_allclose(F.batch_l2_norm_squared(x).array, _ref(x), rtol=1e-14)
    check_backward(F.batch_l2_norm_squared, x, numpy.random.randn(3))


def test_errors():
    with pytest.raises(InvalidType, match='x.ndim >= 2'):
        F.batch_l2_norm_squared(numpy.zeros(3))
    with pytest.raises(InvalidType, match='BatchL2NormSquared'):
        F.batch_l2_norm_squared(numpy.zeros((2, 3), numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(4, 3), (2, 3, 4)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestBatchL2NormSquared(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.batch_l2_norm_squared(inputs[0]),

    def forward_expected(self, inputs):
        return _ref(inputs[0]).astype(self.dtype),
