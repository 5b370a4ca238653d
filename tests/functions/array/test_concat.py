"""F.concat: forward vs numpy.concatenate, both backward paths, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [([(2, 3), (2, 5)], 1), ([(2, 3), (4, 3), (1, 3)], 0), ([(2, 3, 4), (2, 1, 4)], -2),
         ([(3,), (2,)], 0), ([(2, 3)], 1), ([(2, 0), (2, 3)], 1)]


@pytest.mark.parametrize('shapes,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shapes, axis, dtype):
    xs = [numpy.random.randn(*s).astype(dtype) for s in shapes]
    copies = [x.copy() for x in xs]
    y = F.concat(xs, axis)
    expect = numpy.concatenate(xs, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


def test_default_axis_is_1():
    a, b = numpy.zeros((2, 3)), numpy.ones((2, 2))
    assert F.concat((a, b)).shape == (2, 5)


@pytest.mark.parametrize('shapes,axis', CASES)
def test_backward_both_paths(shapes, axis):
    xs = [numpy.random.randn(*s) for s in shapes]
    gy = numpy.random.randn(*numpy.concatenate(xs, axis).shape)
    f = lambda *vs: F.concat(vs, axis)  # NOQA
    check_backward(f, tuple(xs), gy)
    ends = numpy.cumsum([x.shape[axis] for x in xs])[:-1]
    expect = numpy.split(gy, ends, axis)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        for g, e in zip([v.grad for v in vs], expect):
            numpy.testing.assert_array_equal(g, e)


def test_gradient_to_one_input_only():
    a, b = Variable(numpy.random.randn(2, 3)), numpy.random.randn(2, 2)
    y = F.concat([a, b])
    y.grad = numpy.arange(10.0).reshape(2, 5)
    y.backward()
    numpy.testing.assert_array_equal(a.grad, [[0, 1, 2], [5, 6, 7]])


def test_double_backward():
    a, b = numpy.random.randn(2, 3), numpy.random.randn(2, 2)
    check_double_backward(lambda x, y: F.concat([x * x, y * y]), (a, b),
                          numpy.random.randn(2, 5), (numpy.random.randn(2, 3),
                                                     numpy.random.randn(2, 2)))


def test_non_contiguous_input():
    a = numpy.random.randn(4, 6)[:, ::2]
    b = numpy.random.randn(3, 4).T
    numpy.testing.assert_array_equal(F.concat([a, b]).array, numpy.concatenate([a, b], 1))
    check_backward(lambda x, y: F.concat([x, y]), (a, b), numpy.random.randn(4, 6))


@pytest.mark.parametrize('xs,axis', [
    ([numpy.zeros((2, 3)), numpy.zeros((3, 3))], 1),              # shape off-axis
    ([numpy.zeros((2, 3)), numpy.zeros((2, 3, 1))], 1),           # ndim
    ([numpy.zeros((2, 3)), numpy.zeros((2, 3), numpy.float32)], 1),   # dtype
    ([numpy.zeros((2, 3))], 2),                                   # axis
    ([], 1),
])
def test_invalid(xs, axis):
    with pytest.raises(InvalidType, match='Concat'):
        F.concat(xs, axis)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 2],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestConcat(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shapes, self.axis = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return tuple(numpy.asarray(numpy.random.uniform(-1, 1, s)).astype(self.dtype) for s in self.shapes)

    def forward(self, inputs, device):
        return F.concat(inputs, self.axis),

    def forward_expected(self, inputs):
        return numpy.concatenate(inputs, self.axis),
