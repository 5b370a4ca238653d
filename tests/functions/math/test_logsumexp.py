"""F.logsumexp: axes, stability (huge and -inf inputs), both backward paths,
double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

AXES = [None, 0, 1, 2, -1, (0, 2), (2, 0), (0, 1, 2)]


def _ref(x, axis):
    x = numpy.asarray(x, numpy.float64)
    m = x.max(axis=axis, keepdims=True)
    return numpy.log(numpy.exp(x - m).sum(axis=axis)) + m.reshape(
        numpy.sum(x, axis=axis).shape)


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(axis, dtype):
    x = numpy.random.uniform(-3, 3, (2, 3, 4)).astype(dtype)
    x0 = x.copy()
    y = F.logsumexp(x, axis=axis)
    expect = _ref(x, axis)
    assert y.dtype == dtype and y.shape == numpy.shape(expect)
    assert isinstance(y.array, numpy.ndarray)
    tol = {numpy.float16: 3e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_stability(dtype):
    big = float(numpy.finfo(dtype).max) / 2
    x = numpy.array([[big, big / 2], [-big, -big], [1.0, 1.0]]).astype(dtype)
    with numpy.errstate(over='raise', invalid='raise'):
        y = F.logsumexp(x, axis=1).array
    assert numpy.all(numpy.isfinite(y))
    numpy.testing.assert_allclose(y, _ref(x, 1), rtol=1e-3)


def test_all_minus_inf_slice_gives_minus_inf():
    x = numpy.array([[-numpy.inf, -numpy.inf], [0.0, -numpy.inf]])
    with numpy.errstate(divide='ignore'):
        y = F.logsumexp(x, axis=1).array
    numpy.testing.assert_array_equal(y, [-numpy.inf, 0.0])


@pytest.mark.parametrize('axis', AXES)
def test_backward(axis):
    x = numpy.random.randn(2, 3, 4)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, axis))))
    check_backward(lambda v: F.logsumexp(v, axis=axis), x, gy)


@pytest.mark.parametrize('axis', [None, 1, (0, 2)])
def test_double_backward(axis):
    x = numpy.random.randn(2, 3, 4)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, axis))))
    check_double_backward(lambda v: F.logsumexp(v, axis=axis), x, gy,
                          numpy.random.randn(2, 3, 4))


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(axis, dtype):
    x = numpy.random.randn(2, 3, 4).astype(dtype)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, axis)))).astype(dtype)

    def f(v):
        return F.logsumexp(v, axis=axis)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == x.shape
    tol = {numpy.float16: 5e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)
    # the gradient is gy times the softmax over the reduced axes
    x64 = x.astype(numpy.float64)
    e = numpy.exp(x64 - x64.max(axis=axis, keepdims=True))
    soft = e / e.sum(axis=axis, keepdims=True)
    kept = soft.sum(axis=axis, keepdims=True).shape
    numpy.testing.assert_allclose(fast, soft * gy.astype(numpy.float64).reshape(kept),
                                  rtol=tol * 4, atol=tol * 4)


def test_non_contiguous_input():
    x = numpy.random.randn(4, 10)[:, ::2]
    assert not x.flags.c_contiguous
    numpy.testing.assert_allclose(F.logsumexp(x, axis=1).array, _ref(x, 1), rtol=1e-14)
    check_backward(lambda v: F.logsumexp(v, axis=0), x, numpy.random.randn(5))


def test_errors():
    x = numpy.ones((2, 3))
    with pytest.raises(InvalidType, match='LogSumExp'):
        F.logsumexp(x, axis=2)
    with pytest.raises(ValueError, match='duplicate'):
        F.logsumexp(x, axis=(1, -1))
    with pytest.raises(TypeError, match='axis'):
        F.logsumexp(x, axis=[0])
    with pytest.raises(InvalidType, match='LogSumExp'):
        F.logsumexp(numpy.ones(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'axis': [None, 1, (0, 2)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestLogsumexp(testing.FunctionTestCase):
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
        return numpy.asarray(numpy.random.uniform(-2, 2, (2, 3, 4))).astype(self.dtype),

    def forward(self, inputs, device):
        return F.logsumexp(inputs[0], axis=self.axis),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(inputs[0], self.axis)).astype(self.dtype),
