"""F.sigmoid: stable forward, both backward paths, double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x):
    x = x.astype(numpy.float64)
    return 1 / (1 + numpy.exp(-x))


TOL = {numpy.float16: dict(atol=1e-3, rtol=1e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-6),
       numpy.float64: dict(atol=1e-14, rtol=1e-14)}


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 3, 4)])
def test_forward_matches_numpy(dtype, shape):
    x = numpy.asarray(numpy.random.uniform(-5, 5, shape)).astype(dtype)
    x0 = x.copy()
    y = F.sigmoid(x)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, _ref(x), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_extreme_inputs_do_not_overflow(dtype):
    x = numpy.array([-1e4, -100, -50, 0, 50, 100, 1e4]).astype(dtype)
    with numpy.errstate(all='raise'):
        y = F.sigmoid(x).array
    assert numpy.all(numpy.isfinite(y))
    assert numpy.all((y >= 0) & (y <= 1))
    assert y[0] == 0 and y[-1] == 1 and y[3] == 0.5


def test_backward():
    x = numpy.random.uniform(-3, 3, (3, 4))
    check_backward(F.sigmoid, x, numpy.random.randn(3, 4))


def test_gradient_formula():
    x = numpy.random.uniform(-3, 3, (3, 4))
    gy = numpy.random.randn(3, 4)
    vs = [Variable(a) for a in (x,)]
    g, = [g.array for g in fastgrad.grad([F.sigmoid(*vs)], vs, [gy])]
    s = _ref(x)
    numpy.testing.assert_allclose(g, gy * s * (1 - s), rtol=1e-12)


def test_double_backward():
    x = numpy.random.uniform(-3, 3, (3, 4))
    check_double_backward(F.sigmoid, x, numpy.random.randn(3, 4), numpy.random.randn(3, 4))


def test_non_contiguous_input():
    base = numpy.random.uniform(-3, 3, (4, 10))
    for x in (base[:, ::2], base.T):
        assert not x.flags.c_contiguous
        numpy.testing.assert_allclose(F.sigmoid(x).array, _ref(x), rtol=1e-14)
        check_backward(F.sigmoid, x, numpy.random.randn(*x.shape))


@pytest.mark.parametrize('dtype', [numpy.int32, numpy.int64, numpy.bool_])
def test_non_float_input_is_rejected(dtype):
    with pytest.raises(InvalidType, match='Sigmoid'):
        F.sigmoid(numpy.zeros((2, 3), dtype))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(), (3, 4)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSigmoid(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.random.uniform(-3, 3, self.shape).astype(self.dtype),

    def forward(self, inputs, device):
        return F.sigmoid(inputs[0]),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.asarray(1 / (1 + numpy.exp(-x))).astype(self.dtype),
