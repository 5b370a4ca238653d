"""F.copy: device specifiers, a fresh array on the CPU, gradients; GPU round trip."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward


@pytest.mark.parametrize('dst', [-1, '@numpy', fastgrad.backend.CpuDevice(),
                                 fastgrad.backends.cuda.DummyDevice])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_cpu_to_cpu(dst, dtype):
    x = numpy.random.randn(3, 4).astype(dtype)
    x0 = x.copy()
    y = F.copy(x, dst)
    assert isinstance(y.array, numpy.ndarray) and y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_array_equal(y.array, x)
    assert not numpy.shares_memory(y.array, x)      # a copy, even on the same device
    y.array[...] = 0
    numpy.testing.assert_array_equal(x, x0)


def test_backward_both_paths():
    x = numpy.random.randn(3, 4)
    gy = numpy.random.randn(3, 4)
    check_backward(lambda v: F.copy(v, -1), x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([(lambda v: F.copy(v, -1))(*vs)], [gy.copy()],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, gy)


def test_double_backward():
    check_double_backward(lambda v: F.copy(v * v, -1), numpy.random.randn(2, 3),
                          numpy.random.randn(2, 3), numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    y = F.copy(x, -1)
    numpy.testing.assert_array_equal(y.array, x)


def test_bad_device():
    with pytest.raises(ValueError, match='device'):
        F.copy(numpy.zeros(3), '@tpu')


@pytest.mark.gpu
def test_gpu_round_trip():
    import cupy
    x = numpy.random.randn(3, 4).astype(numpy.float32)
    v = Variable(x)
    y = F.copy(v, 0)
    assert isinstance(y.array, cupy.ndarray) and y.array.device.id == 0
    z = F.copy(y * 2, -1)
    assert isinstance(z.array, numpy.ndarray)
    numpy.testing.assert_allclose(z.array, 2 * x)
    z.grad = numpy.ones((3, 4), numpy.float32)
    z.backward()
    assert isinstance(v.grad, numpy.ndarray)
    numpy.testing.assert_allclose(v.grad, numpy.full((3, 4), 2, numpy.float32))
    g = F.copy(cupy.asarray(x), '@cupy:0')
    assert isinstance(g.array, cupy.ndarray)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(3, 4), ()],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestCopy(testing.FunctionTestCase):
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
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.copy(inputs[0], device),

    def forward_expected(self, inputs):
        return inputs[0].copy(),
