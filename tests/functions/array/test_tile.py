"""F.tile: forward vs numpy.tile for every reps form, gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward

CASES = [((3, 4), 2), ((3, 4), (2, 1)), ((3, 4), (2, 1, 3)), ((2, 3, 4), (2,)), ((3,), (2, 2)),
         ((), 3), ((2, 3), 0), ((2, 3), (1, 1))]


def _ref_grad(x, reps, gy):
    g = numpy.zeros(x.size)
    for k in range(x.size):
        e = numpy.zeros(x.size)
        e[k] = 1
        g[k] = (gy * numpy.tile(e.reshape(x.shape), reps)).sum()
    return g.reshape(x.shape)


@pytest.mark.parametrize('shape,reps', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, reps, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.tile(x, reps)
    expect = numpy.tile(x, reps)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,reps', CASES)
def test_backward_both_paths(shape, reps):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.random.randn(*numpy.tile(x, reps).shape)
    f = lambda v: F.tile(v, reps)  # NOQA
    check_backward(f, x, gy)
    expect = _ref_grad(x, reps, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        assert g.shape == x.shape
        numpy.testing.assert_allclose(g, expect, rtol=1e-12, atol=1e-12)


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.tile(v * v, (2, 1, 2)), x, numpy.random.randn(2, 2, 6),
                          numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.tile(x, (1, 2)).array, numpy.tile(x, (1, 2)))
    check_backward(lambda v: F.tile(v, (1, 2)), x, numpy.random.randn(4, 6))


def test_errors():
    with pytest.raises(ValueError, match='tile'):
        F.tile(numpy.zeros(3), -1)
    with pytest.raises(TypeError, match='tile'):
        F.tile(numpy.zeros(3), 1.5)
    with pytest.raises(TypeError, match='tile'):
        F.tile(numpy.zeros(3), (1, 'a'))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestTile(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.reps = CASES[self.case]
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
        return F.tile(inputs[0], self.reps),

    def forward_expected(self, inputs):
        return numpy.tile(inputs[0], self.reps),
