"""F.stack: forward vs numpy.stack, both backward paths, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3), 2, 0), ((2, 3), 3, 1), ((2, 3), 2, 2), ((2, 3), 2, -1), ((2, 3), 2, -3),
         ((), 3, 0), ((4,), 1, 0)]


@pytest.mark.parametrize('shape,n,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, n, axis, dtype):
    xs = [numpy.asarray(numpy.random.randn(*shape)).astype(dtype) for _ in range(n)]
    copies = [x.copy() for x in xs]
    y = F.stack(xs, axis)
    expect = numpy.stack(xs, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


@pytest.mark.parametrize('shape,n,axis', CASES)
def test_backward_both_paths(shape, n, axis):
    xs = [numpy.asarray(numpy.random.randn(*shape)) for _ in range(n)]
    gy = numpy.random.randn(*numpy.stack(xs, axis).shape)
    f = lambda *vs: F.stack(vs, axis)  # NOQA
    check_backward(f, tuple(xs), gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        for i, g in enumerate([v.grad for v in vs]):
            numpy.testing.assert_array_equal(g, numpy.take(gy, i, axis=axis))


def test_double_backward():
    a, b = numpy.random.randn(2, 3), numpy.random.randn(2, 3)
    check_double_backward(lambda x, y: F.stack([x * x, y * y], 1), (a, b),
                          numpy.random.randn(2, 2, 3), (numpy.random.randn(2, 3),
                                                        numpy.random.randn(2, 3)))


def test_non_contiguous_input():
    a = numpy.random.randn(4, 6)[:, ::2]
    b = numpy.random.randn(3, 4).T
    numpy.testing.assert_array_equal(F.stack([a, b], 1).array, numpy.stack([a, b], 1))
    check_backward(lambda x, y: F.stack([x, y], 1), (a, b), numpy.random.randn(4, 2, 3))


@pytest.mark.parametrize('xs,axis', [
    ([numpy.zeros((2, 3)), numpy.zeros((3, 2))], 0),
    ([numpy.zeros((2, 3)), numpy.zeros((2, 3), numpy.float32)], 0),
    ([numpy.zeros((2, 3))], 3),
    ([numpy.zeros((2, 3))], -4),
    ([], 0),
])
def test_invalid(xs, axis):
    with pytest.raises(InvalidType, match='Stack'):
        F.stack(xs, axis)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestStack(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.n, self.axis = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return tuple(numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype) for _ in range(self.n))

    def forward(self, inputs, device):
        return F.stack(inputs, self.axis),

    def forward_expected(self, inputs):
        return numpy.stack(inputs, self.axis),
