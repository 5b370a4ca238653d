"""F.hstack: forward vs numpy.hstack (0-d, 1-D, n-D), both backward paths, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [[(), ()], [(3,), (2,)], [(2, 3), (2, 1)], [(2, 3, 4), (2, 2, 4), (2, 1, 4)], [(2, 3)]]


@pytest.mark.parametrize('shapes', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shapes, dtype):
    xs = [numpy.asarray(numpy.random.randn(*s)).astype(dtype) for s in shapes]
    copies = [x.copy() for x in xs]
    y = F.hstack(xs)
    expect = numpy.hstack(xs)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


@pytest.mark.parametrize('shapes', CASES)
def test_backward_both_paths(shapes):
    xs = [numpy.asarray(numpy.random.randn(*s)) for s in shapes]
    gy = numpy.random.randn(*numpy.hstack(xs).shape)
    f = lambda *vs: F.hstack(vs)  # NOQA
    check_backward(f, tuple(xs), gy)
    axis = 0 if xs[0].ndim <= 1 else 1
    sizes = [1 if x.ndim == 0 else x.shape[axis] for x in xs]
    expect = numpy.split(gy, numpy.cumsum(sizes)[:-1], axis)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        for g, e, x in zip([v.grad for v in vs], expect, xs):
            assert g.shape == x.shape
            numpy.testing.assert_array_equal(g, e.reshape(x.shape))


def test_double_backward():
    a, b = numpy.random.randn(2, 3), numpy.random.randn(2, 2)
    check_double_backward(lambda x, y: F.hstack([x * x, y * y]), (a, b),
                          numpy.random.randn(2, 5), (numpy.random.randn(2, 3),
                                                     numpy.random.randn(2, 2)))


def test_non_contiguous_input():
    a = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.hstack([a, a.copy()]).array, numpy.hstack([a, a]))
    check_backward(lambda x: F.hstack([x, x]), a, numpy.random.randn(4, 6))


@pytest.mark.parametrize('xs', [
    [numpy.zeros((2, 3)), numpy.zeros((3, 3))],
    [numpy.zeros((2, 3)), numpy.zeros((3,))],
    [numpy.zeros((3,)), numpy.zeros((3,), numpy.float32)],
    [],
])
def test_invalid(xs):
    with pytest.raises(InvalidType, match='Hstack'):
        F.hstack(xs)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestHstack(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shapes = CASES[self.case]
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
        return F.hstack(inputs),

    def forward_expected(self, inputs):
        return numpy.hstack(inputs),
