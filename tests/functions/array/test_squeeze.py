"""F.squeeze: forward vs NumPy for every axis form, gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((1, 3, 1, 2), None), ((1, 3, 1, 2), 0), ((1, 3, 1, 2), -2), ((1, 3, 1, 2), (0, 2)),
         ((1, 1), None), ((3, 4), None), ((1,), 0), ((), None)]


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.squeeze(x, axis)
    expect = numpy.squeeze(x, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward_both_paths(shape, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.squeeze(x, axis).shape))
    f = lambda v: F.squeeze(v, axis)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, gy.reshape(x.shape))


def test_double_backward():
    x = numpy.random.randn(2, 1, 3)
    check_double_backward(lambda v: F.squeeze(v * v), x, numpy.random.randn(2, 3),
                          numpy.random.randn(2, 1, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 1, 6)[:, :, ::2]
    numpy.testing.assert_array_equal(F.squeeze(x).array, x[:, 0])
    check_backward(F.squeeze, x, numpy.random.randn(4, 3))


@pytest.mark.parametrize('axis', [3, -4, (0, 3)])
def test_axis_out_of_range_is_invalid_type(axis):
    with pytest.raises(InvalidType, match='Squeeze'):
        F.squeeze(numpy.zeros((1, 3, 1)), axis)


@pytest.mark.parametrize('axis', [1, (1,), (0, 1), -2])
def test_axis_longer_than_one_is_value_error(axis):
    # numpy.squeeze's error type, which Chainer's squeeze passes on
    with pytest.raises(ValueError, match=r'squeeze: .* axis 1 of shape \(1, 3, 1\) has length 3'):
        F.squeeze(numpy.zeros((1, 3, 1)), axis)


def test_axis_type_error():
    with pytest.raises(TypeError, match='squeeze'):
        F.squeeze(numpy.zeros((1, 3)), 0.5)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSqueeze(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.axis = CASES[self.case]
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
        return F.squeeze(inputs[0], self.axis),

    def forward_expected(self, inputs):
        return numpy.squeeze(inputs[0], self.axis),
