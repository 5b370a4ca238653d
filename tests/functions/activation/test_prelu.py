"""F.prelu(x, W): W broadcast along axis 1, gradients for x and W on both
backward paths, double backward, the kink at 0, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, W):
    x = numpy.asarray(x, numpy.float64)
    w = numpy.asarray(W, numpy.float64)
    w = w.reshape((1,) + w.shape + (1,) * (x.ndim - w.ndim - 1))
    return numpy.where(x >= 0, x, w * x)


def _away(shape, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(0.1, 2, shape) * rng.choice([-1.0, 1.0], shape)
    return numpy.asarray(x).astype(dtype)


SHAPES = [((3, 4), (4,)), ((2, 3, 4), (3,)), ((2, 3, 4), (3, 4)), ((2, 3), ()),
          ((2, 3, 2, 2), (3,))]
TOL = {numpy.float16: dict(atol=2e-3, rtol=2e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-6),
       numpy.float64: dict(atol=1e-15, rtol=1e-15)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('xs,ws', SHAPES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(xs, ws, dtype):
    x = _away(xs, dtype)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws)).astype(dtype)
    x0, w0 = x.copy(), W.copy()
    y = F.prelu(x, W)
    assert y.shape == xs and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, W), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(W, w0)


@pytest.mark.parametrize('xs,ws', SHAPES)
def test_backward(xs, ws):
    x = _away(xs)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws))
    check_backward(F.prelu, (x, W), numpy.random.randn(*xs))


@pytest.mark.parametrize('xs,ws', SHAPES[:4])
def test_double_backward(xs, ws):
    x = _away(xs)
    W = numpy.asarray(numpy.random.uniform(-1, 1, ws))
    check_double_backward(F.prelu, (x, W), numpy.random.randn(*xs),
                          (numpy.random.randn(*xs), numpy.asarray(numpy.random.randn(*ws))))


def test_gradient_formulas_and_zero_is_identity_side():
    x = numpy.array([[-2.0, 0.0, 3.0], [1.0, -1.0, -0.0]])
    W = numpy.array([0.1, 0.2, 0.3])
    gy = numpy.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    vs = [Variable(a) for a in (x, W,)]
    gx, gW = [g.array for g in fastgrad.grad([F.prelu(*vs)], vs, [gy])]
    numpy.testing.assert_allclose(gx, [[0.1, 2.0, 3.0], [4.0, 1.0, 6.0]])
    numpy.testing.assert_allclose(gW, [-2.0, -5.0, 0.0])


def test_non_contiguous_inputs():
    x = _away((6, 8))[::2, ::2]
    W = numpy.random.randn(8)[::2]
    assert not x.flags.c_contiguous and not W.flags.c_contiguous
    numpy.testing.assert_allclose(F.prelu(x, W).array, _ref(x, W), rtol=1e-15)
    check_backward(F.prelu, (x, W), numpy.random.randn(3, 4))


@pytest.mark.parametrize('xs,ws', [((3, 4), (3,)), ((3,), (3,)), ((2, 3, 4), (4,)),
                                   ((2, 3), (3, 1))])
def test_bad_W_shape_is_rejected(xs, ws):
    with pytest.raises(InvalidType, match='PReLUFunction'):
        F.prelu(numpy.zeros(xs), numpy.zeros(ws))


def test_dtype_errors():
    with pytest.raises(InvalidType, match='W.dtype == x.dtype'):
        F.prelu(numpy.zeros((2, 3), numpy.float32), numpy.zeros(3, numpy.float64))
    with pytest.raises(InvalidType, match='PReLUFunction'):
        F.prelu(numpy.zeros((2, 3), numpy.int32), numpy.zeros(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shapes': [((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((2, 3), ())],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestPReLU(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) for x and the broadcast parameter."""

    dodge_nondifferentiable = True

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 3e-3, 'rtol': 3e-3}
            # the parameter's gradient is a sum of many float16 terms
            self.check_backward_options = {'atol': 3e-2, 'rtol': 3e-2}
            self.check_double_backward_options = {'atol': 3e-2, 'rtol': 3e-2}
        elif self.dtype == numpy.float32:
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-3}

    def generate_inputs(self):
        xs, ps = self.shapes
        return (numpy.random.uniform(-2, 2, xs).astype(self.dtype),
                numpy.asarray(numpy.random.uniform(-1, 1, ps)).astype(self.dtype))

    def forward(self, inputs, device):
        return F.prelu(*inputs),

    def forward_expected(self, inputs):
        return _ref(*inputs).astype(self.dtype),
