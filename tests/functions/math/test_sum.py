"""F.sum: axes, keepdims, both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

AXES = [None, 0, 1, 2, -1, -3, (0, 2), (2, 0), (0, 1, 2), (), (-1, 0)]


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(axis, keepdims, dtype):
    x = numpy.random.uniform(-1, 1, (2, 3, 4)).astype(dtype)
    x0 = x.copy()
    y = F.sum(x, axis=axis, keepdims=keepdims)
    expect = x.astype(numpy.float64).sum(axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == expect.shape
    assert isinstance(y.array, numpy.ndarray)
    tol = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}[dtype]
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
def test_backward(axis, keepdims):
    x = numpy.random.randn(2, 3, 4)
    gy = numpy.asarray(numpy.random.randn(*numpy.sum(x, axis=axis, keepdims=keepdims).shape))
    check_backward(lambda v: F.sum(v, axis=axis, keepdims=keepdims), x, gy)


@pytest.mark.parametrize('axis', [None, 1, (0, 2)])
@pytest.mark.parametrize('keepdims', [False, True])
def test_double_backward(axis, keepdims):
    x = numpy.random.randn(2, 3, 4)
    shape = numpy.sum(x, axis=axis, keepdims=keepdims).shape
    gy = numpy.asarray(numpy.random.randn(*shape))

    def f(v):
        return F.sum(v * v, axis=axis, keepdims=keepdims)
    check_double_backward(f, x, gy, numpy.random.randn(2, 3, 4))


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
def test_both_backward_paths_agree(axis, keepdims):
    x = numpy.random.randn(2, 3, 4).astype(numpy.float32)
    shape = numpy.sum(x, axis=axis, keepdims=keepdims).shape
    gy = numpy.asarray(numpy.random.randn(*shape)).astype(numpy.float32)

    def f(v):
        return F.sum(v, axis=axis, keepdims=keepdims)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.shape == slow.shape == x.shape and fast.dtype == slow.dtype == numpy.float32
    numpy.testing.assert_array_equal(fast, slow)
    kept = numpy.sum(x, axis=axis, keepdims=True).shape
    expect = numpy.broadcast_to(gy.reshape(kept), x.shape)
    numpy.testing.assert_array_equal(fast, expect)


def test_non_contiguous_input():
    base = numpy.random.randn(4, 10)
    for x in (base[:, ::2], base.T):
        for axis in (None, 0, 1):
            numpy.testing.assert_allclose(F.sum(x, axis=axis).array, x.sum(axis=axis),
                                          rtol=1e-13)
            gy = numpy.asarray(numpy.random.randn(*x.sum(axis=axis).shape))
            check_backward(lambda v: F.sum(v, axis=axis), x, gy)


def test_zero_dim_and_empty():
    y = F.sum(numpy.array(3.0))
    assert y.shape == () and y.array == 3.0
    y = F.sum(numpy.zeros((0, 3)), axis=0)
    assert y.shape == (3,)
    numpy.testing.assert_array_equal(y.array, numpy.zeros(3))


@pytest.mark.parametrize('axis', [3, -4, (0, 3), (1, -5)])
def test_bad_axis_is_invalid_type(axis):
    with pytest.raises(InvalidType, match='Sum'):
        F.sum(numpy.zeros((2, 3, 4)), axis=axis)


def test_duplicate_axis_is_value_error():
    with pytest.raises(ValueError, match='duplicate'):
        F.sum(numpy.zeros((2, 3, 4)), axis=(1, -2))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'axis': [None, 1, (0, 2)],
    'keepdims': [False, True],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSum(testing.FunctionTestCase):
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
        return numpy.asarray(numpy.random.uniform(-1, 1, (2, 3, 4))).astype(self.dtype),

    def forward(self, inputs, device):
        return F.sum(inputs[0], axis=self.axis, keepdims=self.keepdims),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.asarray(numpy.sum(x, axis=self.axis, keepdims=self.keepdims)).astype(self.dtype),
