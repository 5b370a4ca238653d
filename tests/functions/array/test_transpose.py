"""F.transpose, Variable.transpose and Variable.T."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3), None), ((2, 3), (1, 0)), ((2, 3, 4), None), ((2, 3, 4), (1, 2, 0)),
         ((2, 3, 4), (-1, 0, 1)), ((2, 3, 4), (0, 1, 2)), ((5,), None), ((), None)]


@pytest.mark.parametrize('shape,axes', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axes, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.transpose(x, axes)
    expect = numpy.transpose(x, axes)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


def test_variable_methods():
    x = numpy.random.randn(2, 3, 4)
    v = Variable(x)
    numpy.testing.assert_array_equal(v.T.array, x.T)
    numpy.testing.assert_array_equal(v.transpose().array, x.transpose())
    numpy.testing.assert_array_equal(v.transpose(1, 2, 0).array, x.transpose(1, 2, 0))
    numpy.testing.assert_array_equal(v.transpose((2, 0, 1)).array, x.transpose(2, 0, 1))


@pytest.mark.parametrize('shape,axes', CASES)
def test_backward(shape, axes):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.transpose(x, axes).shape))
    check_backward(lambda v: F.transpose(v, axes), x, gy)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.transpose(v, axes))(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.transpose(v, axes))(*vs)], [gy.copy()],
                      enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    inv = None if axes is None else tuple(numpy.argsort([a % len(shape) for a in axes]))
    numpy.testing.assert_array_equal(fast, numpy.transpose(gy, inv))
    numpy.testing.assert_array_equal(slow, numpy.transpose(gy, inv))


def test_double_backward():
    x = numpy.random.randn(2, 3, 4)
    check_double_backward(lambda v: F.transpose(v * v, (2, 0, 1)), x,
                          numpy.random.randn(4, 2, 3), numpy.random.randn(2, 3, 4))


def test_non_contiguous_input():
    base = numpy.random.randn(4, 6)
    x = base[:, ::2]
    numpy.testing.assert_array_equal(F.transpose(x).array, x.T)
    check_backward(F.transpose, x, numpy.random.randn(3, 4))


@pytest.mark.parametrize('axes', [(0, 0), (0,), (0, 1, 2), (0, 2)])
def test_bad_axes_are_invalid_type(axes):
    with pytest.raises(InvalidType, match='Transpose'):
        F.transpose(numpy.zeros((2, 3)), axes)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestTranspose(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.axes = CASES[self.case]
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
        return F.transpose(inputs[0], self.axes),

    def forward_expected(self, inputs):
        return numpy.transpose(inputs[0], self.axes).copy(),
