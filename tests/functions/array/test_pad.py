"""F.pad: forward vs numpy.pad (constant and index modes), gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((3, 4), 1, 'constant', {}), ((3, 4), ((1, 2), (0, 3)), 'constant',
                                       {'constant_values': 2.5}),
         ((2, 3, 4), (1, 2), 'constant', {'constant_values': ((1, 2), (3, 4), (5, 6))}),
         ((5,), (2, 0), 'constant', {}), ((3, 4), 2, 'edge', {}), ((3, 4), (2, 1), 'reflect', {}),
         ((3, 4), ((4, 1), (0, 5)), 'symmetric', {}), ((3, 4), 5, 'wrap', {}),
         ((2, 3), 0, 'constant', {}),
         # a 0-d input has no axis to pad: numpy.pad returns its value
         ((), 1, 'constant', {}), ((), 2, 'edge', {}), ((), 1, 'wrap', {})]


def _ref_grad(x, pad_width, mode, kw, gy):
    """d(sum(gy * pad(x)))/dx by pushing each unit vector through numpy.pad."""
    g = numpy.zeros(x.size)
    for k in range(x.size):
        e = numpy.zeros(x.size)
        e[k] = 1
        kw0 = {} if mode == 'constant' else kw
        g[k] = (gy * numpy.pad(e.reshape(x.shape), pad_width, mode, **kw0)).sum()
    return g.reshape(x.shape)


@pytest.mark.parametrize('shape,pad_width,mode,kw', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, pad_width, mode, kw, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.pad(x, pad_width, mode, **kw)
    expect = numpy.pad(x, pad_width, mode, **kw)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,pad_width,mode,kw', CASES)
def test_backward_both_paths(shape, pad_width, mode, kw):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.pad(x, pad_width, mode).shape))
    f = lambda v: F.pad(v, pad_width, mode, **kw)  # NOQA
    check_backward(f, x, gy)
    expect = _ref_grad(x, pad_width, mode, kw, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        assert g.dtype == x.dtype
        numpy.testing.assert_allclose(g, expect, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('mode', ['constant', 'reflect', 'wrap'])
def test_double_backward(mode):
    x = numpy.random.randn(3, 4)
    check_double_backward(lambda v: F.pad(v * v, 2, mode), x, numpy.random.randn(7, 8),
                          numpy.random.randn(3, 4))


@pytest.mark.parametrize('mode', ['constant', 'edge'])
def test_double_backward_zero_dim(mode):
    x = numpy.asarray(0.7)
    check_double_backward(lambda v: F.pad(v * v, 2, mode), x, numpy.asarray(0.3),
                          numpy.asarray(-1.1))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.pad(x, 1, 'constant').array, numpy.pad(x, 1))
    check_backward(lambda v: F.pad(v, 1, 'edge'), x, numpy.random.randn(6, 5))


def test_errors():
    x = numpy.zeros((2, 3))
    with pytest.raises(ValueError, match='mode'):
        F.pad(x, 1, 'mean')
    with pytest.raises(ValueError, match='pad_width'):
        F.pad(x, ((1, 2, 3),), 'constant')
    with pytest.raises(ValueError, match='pad_width'):
        F.pad(x, -1, 'constant')
    with pytest.raises(ValueError, match='odd'):
        F.pad(x, 1, 'reflect', reflect_type='odd')
    with pytest.raises(TypeError, match='pad'):
        F.pad(x, 1, 'edge', constant_values=1)
    with pytest.raises(InvalidType, match='Pad'):
        F.pad(numpy.zeros((2, 3), numpy.int32), 1, 'constant')


@pytest.mark.gpu
@pytest.mark.parametrize('mode', ['constant', 'edge', 'reflect', 'wrap'])
def test_gpu_matches_cpu(mode):
    import cupy
    x = numpy.random.randn(3, 4).astype(numpy.float32)
    gy = numpy.random.randn(7, 8).astype(numpy.float32)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.pad(v, 2, mode))(*vs)], [gy.copy()])
    cpu, = [v.grad for v in vs]
    v = Variable(cupy.asarray(x))
    y = F.pad(v, 2, mode)
    numpy.testing.assert_array_equal(cupy.asnumpy(y.array), numpy.pad(x, 2, mode))
    y.grad = cupy.asarray(gy)
    y.backward()
    numpy.testing.assert_allclose(cupy.asnumpy(v.grad), cpu, rtol=1e-5, atol=1e-5)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 5, 7],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestPad(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.pad_width, self.mode, self.kw = CASES[self.case]
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
        return F.pad(inputs[0], self.pad_width, self.mode, **self.kw),

    def forward_expected(self, inputs):
        return numpy.pad(inputs[0], self.pad_width, self.mode, **self.kw),
