"""F.expand_dims: forward vs NumPy, both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3), 0), ((2, 3), 1), ((2, 3), 2), ((2, 3), -1), ((2, 3), -3), ((), 0)]


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.expand_dims(x, axis)
    expect = numpy.expand_dims(x, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward_both_paths(shape, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.random.randn(*numpy.expand_dims(x, axis).shape)
    f = lambda v: F.expand_dims(v, axis)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        assert g.shape == x.shape
        numpy.testing.assert_array_equal(g, gy.reshape(x.shape))


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.expand_dims(v * v, 1), x,
                          numpy.random.randn(2, 1, 3), numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.expand_dims(x, 1).array, x[:, None])
    check_backward(lambda v: F.expand_dims(v, 1), x, numpy.random.randn(4, 1, 3))


@pytest.mark.parametrize('axis', [3, -4])
def test_axis_out_of_range(axis):
    with pytest.raises(InvalidType, match='ExpandDims'):
        F.expand_dims(numpy.zeros((2, 3)), axis)


def test_axis_must_be_int():
    with pytest.raises(TypeError, match='expand_dims'):
        F.expand_dims(numpy.zeros((2, 3)), (0,))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 5],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestExpandDims(testing.FunctionTestCase):
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
        return F.expand_dims(inputs[0], self.axis),

    def forward_expected(self, inputs):
        return numpy.expand_dims(inputs[0], self.axis),
