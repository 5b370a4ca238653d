"""F.maximum / F.minimum: broadcasting, ties (the gradient goes to x1), both
backward paths, double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _pair(sa, sb, dtype=numpy.float64, seed=0):
    """Two inputs whose broadcast elements differ by at least 0.05 (no ties)."""
    rng = numpy.random.RandomState(seed)
    a = numpy.asarray(rng.uniform(-2, 2, sa))
    b = numpy.asarray(rng.uniform(-2, 2, sb))
    close = numpy.abs(numpy.broadcast_to(a, numpy.broadcast_shapes(sa, sb)) - b) < 0.05
    while close.any():
        b = b + 0.07
        close = numpy.abs(numpy.broadcast_to(a, numpy.broadcast_shapes(sa, sb)) - b) < 0.05
    return a.astype(dtype), b.astype(dtype)


FUNCS = [('maximum', F.maximum, numpy.maximum, 'Maximum'),
         ('minimum', F.minimum, numpy.minimum, 'Minimum')]
IDS = [c[0] for c in FUNCS]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((5,), ())]


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('sa,sb', SHAPES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(name, func, ref, label, sa, sb, dtype):
    a, b = _pair(sa, sb, dtype)
    a0, b0 = a.copy(), b.copy()
    y = func(a, b)
    expect = ref(a, b)
    assert y.dtype == dtype and y.shape == expect.shape
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(a, a0)
    numpy.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('sa,sb', SHAPES)
def test_backward(name, func, ref, label, sa, sb):
    a, b = _pair(sa, sb)
    check_backward(func, (a, b), numpy.asarray(numpy.random.randn(
        *numpy.broadcast_shapes(sa, sb))))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
def test_double_backward(name, func, ref, label):
    a, b = _pair((3, 4), (4,))

    def f(x, y):
        return func(x, y) ** 2
    check_double_backward(f, (a, b), numpy.random.randn(3, 4),
                          (numpy.random.randn(3, 4), numpy.random.randn(4)))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('double', [False, True])
def test_ties_send_the_gradient_to_x1(name, func, ref, label, double):
    a = numpy.array([1.0, 2.0, 3.0])
    b = numpy.array([1.0, 0.0, 5.0])
    vs = [Variable(a.copy()) for a in [a, b]]
    fastgrad.backward([func(*vs)], [numpy.array([10.0, 20.0, 30.0]).copy()],
                      enable_double_backprop=double)
    ga, gb = [v.grad for v in vs]
    if name == 'maximum':
        numpy.testing.assert_array_equal(ga, [10, 20, 0])
        numpy.testing.assert_array_equal(gb, [0, 0, 30])
    else:
        numpy.testing.assert_array_equal(ga, [10, 0, 30])
        numpy.testing.assert_array_equal(gb, [0, 20, 0])


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
def test_non_contiguous_inputs(name, func, ref, label):
    a, b = _pair((4, 10), (4, 10))
    a, b = a[:, ::2], numpy.asfortranarray(b[:, ::2])
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    numpy.testing.assert_array_equal(func(a, b).array, ref(a, b))
    check_backward(func, (a, b), numpy.random.randn(4, 5))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
def test_errors(name, func, ref, label):
    with pytest.raises(InvalidType, match=label) as e:
        func(numpy.zeros((2, 3)), numpy.zeros((2, 4)))
    assert '(2, 3) and (2, 4)' in str(e.value)
    with pytest.raises(InvalidType, match='x1.dtype == x2.dtype'):
        func(numpy.zeros(3, numpy.float32), numpy.zeros(3, numpy.float64))
    with pytest.raises(InvalidType, match=label):
        func(numpy.zeros(3, numpy.int32), numpy.zeros(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'func': IDS,
    'shapes': [1, 2],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMaximumMinimum(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        _, self.func_, self.ref, _ = FUNCS[IDS.index(self.func)]
        self.sa, self.sb = SHAPES[self.shapes]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _pair(self.sa, self.sb, self.dtype, seed=numpy.random.randint(2 ** 31))

    def forward(self, inputs, device):
        return self.func_(*inputs),

    def forward_expected(self, inputs):
        return numpy.asarray(self.ref(*inputs)),
