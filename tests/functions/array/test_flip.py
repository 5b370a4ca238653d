"""F.flip: forward vs numpy.flip, gradients, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((5,), 0)]


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    y = F.flip(x, axis)
    assert y.shape == x.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.flip(x, axis))
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward_both_paths(shape, axis):
    x = numpy.random.randn(*shape)
    gy = numpy.random.randn(*shape)
    f = lambda v: F.flip(v, axis)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, numpy.flip(gy, axis))


def test_double_backward():
    check_double_backward(lambda v: F.flip(v * v, 1), numpy.random.randn(2, 3),
                          numpy.random.randn(2, 3), numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.flip(x, 1).array, x[:, ::-1])
    check_backward(lambda v: F.flip(v, 1), x, numpy.random.randn(4, 3))


@pytest.mark.parametrize('axis', [-3, -2, -1, 0, 1, 2])
def test_array_helper_matches_numpy(axis):
    # the module's _flip, which Flip.forward uses and Chainer's tests call with
    # negative axes too
    from fastgrad.functions.array.flip import _flip
    x = numpy.random.randn(2, 3, 4)
    numpy.testing.assert_array_equal(_flip(x, axis), numpy.flip(x, axis))


def test_errors():
    with pytest.raises(InvalidType, match='Flip'):
        F.flip(numpy.zeros((2, 3)), 2)
    with pytest.raises(InvalidType, match='Flip'):
        F.flip(numpy.zeros(()), 0)
    with pytest.raises(TypeError, match='flip'):
        F.flip(numpy.zeros((2, 3)), None)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 2],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestFlip(testing.FunctionTestCase):
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
        return F.flip(inputs[0], self.axis),

    def forward_expected(self, inputs):
        return numpy.flip(inputs[0], self.axis).copy(),
