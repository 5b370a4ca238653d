"""F.broadcast(*args): shapes, values, gradients summed back, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [[(3, 4), (4,)], [(3, 1), (1, 4)], [(2, 3), (2, 3)], [(), (2, 3), (3,)]]


@pytest.mark.parametrize('shapes', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shapes, dtype):
    xs = [numpy.asarray(numpy.random.randn(*s)).astype(dtype) for s in shapes]
    copies = [x.copy() for x in xs]
    ys = F.broadcast(*xs)
    expect = numpy.broadcast_arrays(*xs)
    assert isinstance(ys, tuple) and len(ys) == len(xs)
    for y, e in zip(ys, expect):
        assert isinstance(y, Variable) and y.shape == e.shape and y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, e)
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


def test_mixed_dtypes_keep_their_own():
    a, b = numpy.zeros((2, 1), numpy.float32), numpy.zeros((3,), numpy.float64)
    ya, yb = F.broadcast(a, b)
    assert ya.dtype == numpy.float32 and yb.dtype == numpy.float64


@pytest.mark.parametrize('shapes', CASES)
def test_backward_both_paths(shapes):
    xs = [numpy.asarray(numpy.random.randn(*s)) for s in shapes]
    out = numpy.broadcast_shapes(*shapes)
    gys = [numpy.random.randn(*out) for _ in xs]
    check_backward(F.broadcast, tuple(xs), tuple(gys))
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        fastgrad.backward(list(F.broadcast(*vs)), [None if g is None else g.copy() for g in gys],
                          enable_double_backprop=double)
        gs = [v.grad for v in vs]
        for g, gy, x in zip(gs, gys, xs):
            lead = gy.ndim - x.ndim
            axes = tuple(range(lead)) + tuple(
                lead + i for i, n in enumerate(x.shape) if n == 1 and gy.shape[lead + i] != 1)
            numpy.testing.assert_allclose(g, gy.sum(axis=axes).reshape(x.shape), rtol=1e-12)


def test_only_one_output_used():
    a, b = numpy.random.randn(3, 1), numpy.random.randn(1, 4)
    va, vb = Variable(a), Variable(b)
    ya, yb = F.broadcast(va, vb)
    F.sum(ya * ya).backward()
    numpy.testing.assert_allclose(va.grad, (2 * numpy.broadcast_to(a, (3, 4))).sum(
        axis=1, keepdims=True))
    assert vb.grad is None


def test_double_backward():
    a, b = numpy.random.randn(3, 1), numpy.random.randn(4)
    check_double_backward(lambda x, y: F.broadcast(x * x, y * y), (a, b),
                          (numpy.random.randn(3, 4), numpy.random.randn(3, 4)),
                          (numpy.random.randn(3, 1), numpy.random.randn(4)))


def test_single_argument_returns_a_variable():
    x = numpy.zeros((2, 3))
    y = F.broadcast(x)
    assert isinstance(y, Variable) and y.array is x
    v = Variable(x)
    assert F.broadcast(v) is v


def test_non_contiguous_input():
    a = numpy.random.randn(4, 6)[:, ::2]
    b = numpy.random.randn(3)
    ya, yb = F.broadcast(a, b)
    numpy.testing.assert_array_equal(yb.array, numpy.broadcast_to(b, (4, 3)))
    check_backward(F.broadcast, (a, b), (numpy.random.randn(4, 3), numpy.random.randn(4, 3)))


def test_incompatible_shapes():
    with pytest.raises(InvalidType, match='Broadcast'):
        F.broadcast(numpy.zeros((2, 3)), numpy.zeros((4,)))


def test_f_broadcast_is_the_function():
    from fastgrad.functions.array.broadcast import broadcast_to
    assert callable(F.broadcast) and F.broadcast_to is broadcast_to


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestBroadcast(testing.FunctionTestCase):
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
        return tuple(F.broadcast(*inputs))

    def forward_expected(self, inputs):
        return tuple(a.copy() for a in numpy.broadcast_arrays(*inputs))
