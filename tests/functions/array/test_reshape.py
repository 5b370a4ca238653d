"""F.reshape and Variable.reshape."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3, 4), (6, 4)), ((2, 3, 4), (24,)), ((2, 3, 4), (4, -1)), ((2, 3, 4), (-1,)),
         ((6,), (1, 2, 3, 1)), ((1,), ()), ((), (1, 1)), ((0, 3), (3, 0)), ((2, 3), (2, 3))]


@pytest.mark.parametrize('src,dst', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(src, dst, dtype):
    x = numpy.asarray(numpy.random.randn(*src)).astype(dtype)
    x0 = x.copy()
    y = F.reshape(x, dst)
    expect = x.reshape(dst)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


def test_int_shape_and_variable_method():
    x = numpy.arange(6.0)
    assert F.reshape(x, 6).shape == (6,)
    v = Variable(x)
    assert v.reshape(2, 3).shape == (2, 3)
    assert v.reshape((3, 2)).shape == (3, 2)
    assert F.reshape(v, (6,)) is v                   # nothing to do: the same Variable


@pytest.mark.parametrize('src,dst', CASES)
def test_backward(src, dst):
    x = numpy.asarray(numpy.random.randn(*src))
    gy = numpy.asarray(numpy.random.randn(*x.reshape(dst).shape))
    check_backward(lambda v: F.reshape(v, dst), x, gy)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.reshape(v, dst))(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.reshape(v, dst))(*vs)], [gy.copy()],
                      enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.shape == slow.shape == src
    numpy.testing.assert_array_equal(fast, gy.reshape(src))
    numpy.testing.assert_array_equal(slow, gy.reshape(src))


def test_double_backward():
    x = numpy.random.randn(2, 3)
    check_double_backward(lambda v: F.reshape(v * v, (3, 2)), x, numpy.random.randn(3, 2),
                          numpy.random.randn(2, 3))


def test_non_contiguous_input():
    base = numpy.random.randn(4, 6)
    for x in (base[:, ::2], base.T):
        numpy.testing.assert_array_equal(F.reshape(x, (-1,)).array, x.reshape(-1))
        check_backward(lambda v: F.reshape(v, (-1,)), x, numpy.random.randn(x.size))


@pytest.mark.parametrize('dst', [(4, 2), (-1, -1), (5, -1), (0, -1)])
def test_bad_shape_is_invalid_type(dst):
    with pytest.raises(InvalidType, match='Reshape'):
        F.reshape(numpy.zeros((2, 3)), dst)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 4],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestReshape(testing.FunctionTestCase):
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
        return F.reshape(inputs[0], self.dst),

    def forward_expected(self, inputs):
        return inputs[0].reshape(self.dst),
