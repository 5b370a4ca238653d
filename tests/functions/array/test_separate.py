"""F.separate: slices along an axis, gradients (also partial), double backward."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((4,), 0)]


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    ys = F.separate(x, axis)
    assert isinstance(ys, tuple) and len(ys) == x.shape[axis]
    for i, y in enumerate(ys):
        e = numpy.take(x, i, axis=axis)
        assert y.shape == e.shape and y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, e)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward_both_paths(shape, axis):
    x = numpy.random.randn(*shape)
    gys = [numpy.asarray(numpy.random.randn(*numpy.take(x, 0, axis=axis).shape))
           for _ in range(x.shape[axis])]
    f = lambda v: F.separate(v, axis)  # NOQA
    check_backward(f, x, tuple(gys))
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward(list(f(*vs)), [None if g is None else g.copy() for g in gys],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, numpy.stack(gys, axis))


def test_partial_gradients():
    x = numpy.random.randn(3, 2)
    gys = [None, numpy.random.randn(2), None]
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        outs = list((lambda v: F.separate(v))(*vs))
        fastgrad.backward(outs, [None if g is None else g.copy() for g in gys],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, [[0, 0], gys[1], [0, 0]])


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.separate(v * v, 1), x,
                          tuple(numpy.random.randn(2) for _ in range(3)),
                          numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    for i, y in enumerate(F.separate(x, 1)):
        numpy.testing.assert_array_equal(y.array, x[:, i])
    check_backward(lambda v: F.separate(v, 1), x,
                   tuple(numpy.random.randn(4) for _ in range(3)))


@pytest.mark.parametrize('shape,axis', [((2, 3), 2), ((2, 3), -3), ((), 0)])
def test_axis_out_of_range(shape, axis):
    with pytest.raises(InvalidType, match='Separate'):
        F.separate(numpy.zeros(shape), axis)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 2],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSeparate(testing.FunctionTestCase):
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
        return tuple(F.separate(inputs[0], self.axis))

    def forward_expected(self, inputs):
        x = inputs[0]
        return tuple(numpy.take(x, i, axis=self.axis) for i in range(x.shape[self.axis]))
