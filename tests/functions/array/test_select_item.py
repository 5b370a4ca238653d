"""F.select_item: x[i, t[i]] vs NumPy, gradients (scatter), double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('tdtype', [numpy.int32, numpy.int64])
def test_forward(dtype, tdtype):
    x = numpy.random.randn(4, 3).astype(dtype)
    t = numpy.array([0, 2, 1, 2], tdtype)
    x0, t0 = x.copy(), t.copy()
    y = F.select_item(x, t)
    assert y.shape == (4,) and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, [x[i, t[i]] for i in range(4)])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(t, t0)


def test_backward_both_paths():
    x = numpy.random.randn(4, 3)
    t = numpy.array([0, 2, 1, 2])
    gy = numpy.random.randn(4)
    check_backward(F.select_item, (x, t), gy)
    expect = numpy.zeros((4, 3))
    expect[numpy.arange(4), t] = gy
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, t]]
        fastgrad.backward([F.select_item(*vs)], [gy.copy()], enable_double_backprop=double)
        gx, gt = [v.grad for v in vs]
        numpy.testing.assert_array_equal(gx, expect)
        assert gt is None


def test_double_backward():
    x = numpy.random.randn(4, 3)
    t = numpy.array([1, 0, 2, 2])
    check_double_backward(lambda a, b: F.select_item(a * a, b), (x, t),
                          numpy.random.randn(4), numpy.random.randn(4, 3))


def test_empty_batch():
    y = F.select_item(numpy.zeros((0, 3)), numpy.zeros((0,), numpy.int32))
    assert y.shape == (0,)


def test_non_contiguous_input():
    x = numpy.random.randn(3, 8)[:, ::2]
    t = numpy.array([3, 0, 1, 2, 0, 1])[::2]
    numpy.testing.assert_array_equal(F.select_item(x, t).array, x[numpy.arange(3), t])
    check_backward(F.select_item, (x, t), numpy.random.randn(3))


@pytest.mark.parametrize('x,t', [
    (numpy.zeros((2, 3)), numpy.zeros((2,), numpy.float32)),
    (numpy.zeros((2, 3), numpy.int32), numpy.zeros((2,), numpy.int32)),
    (numpy.zeros((2, 3)), numpy.zeros((3,), numpy.int32)),
    (numpy.zeros((2, 3, 1)), numpy.zeros((2,), numpy.int32)),
    (numpy.zeros((2, 3)), numpy.zeros((2, 1), numpy.int32)),
])
def test_invalid_type(x, t):
    with pytest.raises(InvalidType, match='SelectItem'):
        F.select_item(x, t)


@pytest.mark.parametrize('t', [[0, 3], [-1, 0]])
def test_label_out_of_range(t):
    with pytest.raises(ValueError, match='select_item'):
        F.select_item(numpy.zeros((2, 3)), numpy.array(t))


@pytest.mark.gpu
def test_gpu():
    import cupy
    x = numpy.random.randn(4, 3).astype(numpy.float32)
    t = numpy.array([0, 2, 1, 2], numpy.int32)
    v = Variable(cupy.asarray(x))
    y = F.select_item(v, cupy.asarray(t))
    numpy.testing.assert_array_equal(cupy.asnumpy(y.array), x[numpy.arange(4), t])
    y.grad = cupy.ones(4, cupy.float32)
    y.backward()
    expect = numpy.zeros((4, 3), numpy.float32)
    expect[numpy.arange(4), t] = 1
    numpy.testing.assert_array_equal(cupy.asnumpy(v.grad), expect)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(4, 3), (2, 5)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSelectItem(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        x = numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype)
        t = numpy.random.randint(0, self.shape[1], self.shape[0]).astype(numpy.int32)
        return x, t

    def forward(self, inputs, device):
        return F.select_item(*inputs),

    def forward_expected(self, inputs):
        x, t = inputs
        return x[numpy.arange(len(t)), t],
