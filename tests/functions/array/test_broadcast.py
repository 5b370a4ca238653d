"""F.broadcast_to and its adjoint F.sum_to."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((3,), (2, 3)), ((1, 3), (4, 3)), ((2, 1), (2, 5)), ((), (2, 3)), ((1,), (4,)),
         ((2, 1, 4), (3, 2, 5, 4)), ((2, 3), (2, 3))]


def _sum_to_ref(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    return x.sum(axis=axes, keepdims=True).reshape(shape)


@pytest.mark.parametrize('src,dst', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_broadcast_to_forward(src, dst, dtype):
    x = numpy.asarray(numpy.random.randn(*src)).astype(dtype)
    x0 = x.copy()
    y = F.broadcast_to(x, dst)
    assert y.shape == dst and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.broadcast_to(x, dst))
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('src,dst', CASES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_sum_to_forward(src, dst, dtype):
    x = numpy.random.randn(*dst).astype(dtype)
    x0 = x.copy()
    y = F.sum_to(x, src)
    assert y.shape == src and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _sum_to_ref(x.astype(numpy.float64), src),
                                  rtol=1e-5)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('src,dst', CASES)
def test_backward_both(src, dst):
    x = numpy.asarray(numpy.random.randn(*src))
    gy = numpy.random.randn(*dst)
    check_backward(lambda v: F.broadcast_to(v, dst), x, gy)
    z = numpy.random.randn(*dst)
    gz = numpy.asarray(numpy.random.randn(*src))
    check_backward(lambda v: F.sum_to(v, src), z, gz)
    for f, inp, g in ((lambda v: F.broadcast_to(v, dst), x, gy),
                      (lambda v: F.sum_to(v, src), z, gz)):
        vs = [Variable(a.copy()) for a in [inp]]
        fastgrad.backward([f(*vs)], [g.copy()])
        fast, = [v.grad for v in vs]
        vs = [Variable(a.copy()) for a in [inp]]
        fastgrad.backward([f(*vs)], [g.copy()], enable_double_backprop=True)
        slow, = [v.grad for v in vs]
        assert fast.shape == slow.shape == inp.shape
        numpy.testing.assert_allclose(fast, slow, rtol=1e-14)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.broadcast_to(v, dst))(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    numpy.testing.assert_allclose(fast, _sum_to_ref(gy, src), rtol=1e-13)


def test_double_backward():
    x = numpy.random.randn(1, 3)
    check_double_backward(lambda v: F.broadcast_to(v * v, (4, 3)), x,
                          numpy.random.randn(4, 3), numpy.random.randn(1, 3))
    z = numpy.random.randn(4, 3)
    check_double_backward(lambda v: F.sum_to(v * v, (3,)), z,
                          numpy.random.randn(3), numpy.random.randn(4, 3))


def test_same_shape_returns_the_variable():
    v = Variable(numpy.zeros((2, 3)))
    assert F.broadcast_to(v, (2, 3)) is v
    assert F.sum_to(v, (2, 3)) is v


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    check_backward(lambda v: F.sum_to(v, (1, 3)), x, numpy.random.randn(1, 3))
    numpy.testing.assert_allclose(F.sum_to(x, (3,)).array, x.sum(axis=0))


def test_bad_shapes_are_invalid_type():
    with pytest.raises(InvalidType, match='BroadcastTo'):
        F.broadcast_to(numpy.zeros((2, 3)), (3, 3))
    with pytest.raises(InvalidType, match='BroadcastTo'):
        F.broadcast_to(numpy.zeros((2, 3)), (3,))
    with pytest.raises(InvalidType, match='SumTo'):
        F.sum_to(numpy.zeros((2, 3)), (2,))
    with pytest.raises(InvalidType, match='SumTo'):
        F.sum_to(numpy.zeros((3,)), (2, 3))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 5],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestBroadcastTo(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.src, self.dst = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.src)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.broadcast_to(inputs[0], self.dst),

    def forward_expected(self, inputs):
        return numpy.broadcast_to(inputs[0], self.dst).copy(),


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 5],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSumTo(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.src, self.dst = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.dst)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.sum_to(inputs[0], self.src),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.asarray(_sum_to_ref(x, self.src)).astype(self.dtype),
