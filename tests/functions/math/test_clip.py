"""F.clip: bounds (either may be None), gradient 1 on [x_min, x_max] and 0
outside, both backward paths, double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _input(shape, dtype=numpy.float64, seed=0):
    """Values in (-2, 2) at least 0.05 away from the bounds -1 and 0.5."""
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(-2, 2, shape)
    for b in (-1.0, 0.5):
        x = numpy.where(numpy.abs(x - b) < 0.05, x + 0.1, x)
    return numpy.asarray(x).astype(dtype)


BOUNDS = [(-1.0, 0.5), (None, 0.5), (-1.0, None), (-1, 1), (numpy.float64(-1), 0.5)]


@pytest.mark.parametrize('lo,hi', BOUNDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(), (7,), (3, 4)])
def test_forward(lo, hi, dtype, shape):
    x = _input(shape, dtype)
    x0 = x.copy()
    y = F.clip(x, lo, hi)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_array_equal(y.array, numpy.clip(x, lo, hi).astype(dtype))
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('lo,hi', BOUNDS)
def test_backward_and_double_backward(lo, hi):
    x = _input((3, 4))
    gy = numpy.random.randn(3, 4)
    check_backward(lambda v: F.clip(v, lo, hi), x, gy)
    check_double_backward(lambda v: F.clip(v, lo, hi) ** 2, x, gy, numpy.random.randn(3, 4))


@pytest.mark.parametrize('double', [False, True])
def test_gradient_is_one_on_the_closed_interval(double):
    x = Variable(numpy.array([-2.0, -1.0, 0.0, 0.5, 1.0]))
    y = F.clip(x, -1.0, 0.5)
    y.grad = numpy.arange(1.0, 6.0)
    y.backward(enable_double_backprop=double)
    numpy.testing.assert_array_equal(x.grad, [0, 2, 3, 4, 0])


@pytest.mark.parametrize('lo,hi', BOUNDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(4, 5), ()])
def test_both_backward_paths_agree(lo, hi, dtype, shape):
    x = _input(shape, dtype)
    gy = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    f = lambda v: F.clip(v, lo, hi)  # NOQA
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype
    numpy.testing.assert_array_equal(fast, slow)
    inside = numpy.ones(x.shape, bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    numpy.testing.assert_array_equal(fast, numpy.where(inside, gy, 0))


def test_non_contiguous_input():
    x = _input((4, 10))[:, ::2]
    assert not x.flags.c_contiguous
    numpy.testing.assert_array_equal(F.clip(x, -1.0, 0.5).array, numpy.clip(x, -1, 0.5))
    check_backward(lambda v: F.clip(v, -1.0, 0.5), x, numpy.random.randn(4, 5))


def test_bad_bounds_are_rejected():
    with pytest.raises(ValueError, match='x_min must be less than x_max'):
        F.clip(numpy.zeros(3), 1.0, 1.0)
    with pytest.raises(ValueError, match='x_min must be less than x_max'):
        F.clip(numpy.zeros(3), 2.0, 1.0)
    with pytest.raises(ValueError, match='either'):
        F.clip(numpy.zeros(3), None, None)


def test_non_float_input_is_rejected():
    with pytest.raises(InvalidType, match='Clip'):
        F.clip(numpy.zeros(3, numpy.int32), 0.0, 1.0)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'bounds': [0, 1, 2],
    'shape': [(4, 5), ()],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestClip(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        self.lo, self.hi = BOUNDS[self.bounds]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _input(self.shape, self.dtype, seed=numpy.random.randint(2 ** 31)),

    def forward(self, inputs, device):
        return F.clip(inputs[0], self.lo, self.hi),

    def forward_expected(self, inputs):
        lo = -numpy.inf if self.lo is None else self.lo
        hi = numpy.inf if self.hi is None else self.hi
        return numpy.asarray(numpy.clip(inputs[0].astype(numpy.float64), lo, hi)).astype(self.dtype),
