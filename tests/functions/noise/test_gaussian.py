"""F.gaussian: the reparameterized sample from numpy.random, eps kwargs,
gradients to mean and ln_var on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}


@pytest.mark.parametrize('dtype', DTYPES)
def test_sample_from_the_global_rng(dtype):
    m = numpy.random.randn(3, 4).astype(dtype)
    v = numpy.random.uniform(-1, 1, (3, 4)).astype(dtype)
    m0, v0 = m.copy(), v.copy()
    numpy.random.seed(5)
    y, eps = F.gaussian(m, v, return_eps=True)
    numpy.random.seed(5)
    expect_eps = numpy.random.standard_normal((3, 4))
    assert eps.dtype == dtype and y.dtype == dtype and y.shape == (3, 4)
    numpy.testing.assert_array_equal(eps, expect_eps.astype(dtype))
    expect = m.astype(numpy.float64) + numpy.exp(v.astype(numpy.float64) / 2) * eps
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(m, m0)
    numpy.testing.assert_array_equal(v, v0)


def test_samples_in_test_mode_too():
    with fastgrad.using_config('train', False):
        y = F.gaussian(numpy.zeros((100, 100)), numpy.zeros((100, 100)))
    assert abs(y.array.mean()) < 0.05 and abs(y.array.std() - 1) < 0.05


def test_given_eps():
    m, v = numpy.random.randn(2, 3), numpy.random.randn(2, 3)
    eps = numpy.random.randn(2, 3)
    y, e = F.gaussian(m, v, eps=eps, return_eps=True)
    assert e is eps
    numpy.testing.assert_allclose(y.array, m + numpy.exp(v / 2) * eps, rtol=1e-14)


@pytest.mark.parametrize('dtype', DTYPES)
def test_gradients_on_both_paths(dtype):
    m = numpy.random.randn(3, 4).astype(dtype)
    v = numpy.random.uniform(-1, 1, (3, 4)).astype(dtype)
    eps = numpy.random.randn(3, 4).astype(dtype)
    gy = numpy.random.randn(3, 4).astype(dtype)
    f = lambda a, b: F.gaussian(a, b, eps=eps)  # NOQA
    expect_v = gy.astype(numpy.float64) * numpy.exp(v.astype(numpy.float64) / 2) * eps / 2
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [m, v]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        gm, gv = [v.grad for v in vs]
        assert gm.dtype == gv.dtype == dtype
        numpy.testing.assert_array_equal(gm, gy)
        numpy.testing.assert_allclose(gv, expect_v, rtol=5 * TOL[dtype], atol=5 * TOL[dtype])


def test_check_backward_and_double_backward():
    m, v = numpy.random.randn(3, 4), numpy.random.randn(3, 4)
    eps = numpy.random.randn(3, 4)
    f = lambda a, b: F.gaussian(a, b, eps=eps)  # NOQA
    check_backward(f, (m, v), numpy.random.randn(3, 4))
    check_double_backward(f, (m, v), numpy.random.randn(3, 4),
                          (numpy.random.randn(3, 4), numpy.random.randn(3, 4)))


def test_non_contiguous_input():
    m = numpy.random.randn(4, 6)[:, ::2]
    v = numpy.random.randn(3, 4).T
    eps = numpy.random.randn(4, 3)
    y = F.gaussian(m, v, eps=eps)
    numpy.testing.assert_allclose(y.array, m + numpy.exp(v / 2) * eps, rtol=1e-14)
    check_backward(lambda a, b: F.gaussian(a, b, eps=eps), (m, v), numpy.random.randn(4, 3))


def test_errors():
    a = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='Gaussian'):
        F.gaussian(a, numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match='Gaussian'):
        F.gaussian(a, a.astype(numpy.float32))
    with pytest.raises(InvalidType, match='Gaussian'):
        F.gaussian(a.astype(numpy.int32), a.astype(numpy.int32))
    with pytest.raises(ValueError, match='eps'):
        F.gaussian(a, a, eps=numpy.zeros((3,)))
    with pytest.raises(TypeError, match='gaussian'):
        F.gaussian(a, a, foo=1)


@pytest.mark.gpu
def test_gpu_sample_and_gradient():
    import cupy
    m = Variable(cupy.zeros((200, 200), cupy.float32))
    v = Variable(cupy.full((200, 200), numpy.log(4.0), cupy.float32))
    y, eps = F.gaussian(m, v, return_eps=True)
    assert isinstance(eps, cupy.ndarray) and eps.dtype == cupy.float32
    numpy.testing.assert_allclose(cupy.asnumpy(y.array), 2 * cupy.asnumpy(eps), rtol=1e-6)
    assert abs(float(y.array.std()) - 2) < 0.1
    F.sum(y).backward()
    numpy.testing.assert_allclose(cupy.asnumpy(v.grad), cupy.asnumpy(eps), rtol=1e-6)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(3, 4), ()],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestGaussianWithEps(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) with a given eps."""

    def setUp(self):
        self.eps = numpy.asarray(numpy.random.randn(*self.shape)).astype(self.dtype)
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype)

    def forward(self, inputs, device):
        return F.gaussian(*inputs, eps=device.send(self.eps)),

    def forward_expected(self, inputs):
        m, v = (a.astype(numpy.float64) for a in inputs)
        return numpy.asarray(m + numpy.exp(v / 2) * self.eps).astype(self.dtype),
