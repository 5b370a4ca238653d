"""F.repeat: forward vs numpy.repeat (scalar and per-element repeats, axis None),
gradients (runs summed), double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((3, 4), 2, None), ((3, 4), 2, 1), ((3, 4), (1, 0, 3), 0), ((3, 4), (2, 1, 0, 1), -1),
         ((3, 4), [3], 0), ((2, 3), (0, 0, 0), 1), ((2, 2), (1, 2, 0, 1), None), ((), 3, None),
         ((2, 3), 0, 1), ((2, 3, 2), (2, 1, 2), 1),
         # bools count 0 or 1, as in Chainer and numpy.repeat
         ((3, 4), True, 1), ((2, 3), (True, False, True), 1), ((2, 2), numpy.bool_(True), None)]


def _ref_grad(x, repeats, axis, gy):
    g = numpy.zeros(x.size)
    for k in range(x.size):
        e = numpy.zeros(x.size)
        e[k] = 1
        g[k] = (gy * numpy.repeat(e.reshape(x.shape), repeats, axis)).sum()
    return g.reshape(x.shape)


@pytest.mark.parametrize('shape,repeats,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, repeats, axis, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    x0 = x.copy()
    y = F.repeat(x, repeats, axis)
    expect = numpy.repeat(x, repeats, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('shape,repeats,axis', CASES)
def test_backward_both_paths(shape, repeats, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.random.randn(*numpy.repeat(x, repeats, axis).shape)
    f = lambda v: F.repeat(v, repeats, axis)  # NOQA
    check_backward(f, x, gy)
    expect = _ref_grad(x, repeats, axis, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        assert g.shape == x.shape and g.dtype == x.dtype
        numpy.testing.assert_allclose(g, expect, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('repeats,axis', [(2, 1), ((1, 0, 2), 0)])
def test_double_backward(repeats, axis):
    x = numpy.random.randn(3, 2)
    out = numpy.repeat(x, repeats, axis).shape
    check_double_backward(lambda v: F.repeat(v * v, repeats, axis), x,
                          numpy.random.randn(*out), numpy.random.randn(3, 2))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    numpy.testing.assert_array_equal(F.repeat(x, 2, 1).array, numpy.repeat(x, 2, 1))
    check_backward(lambda v: F.repeat(v, (1, 2, 1), 1), x, numpy.random.randn(4, 4))


def test_errors():
    x = numpy.zeros((2, 3))
    with pytest.raises(ValueError, match='repeat'):
        F.repeat(x, -1)
    with pytest.raises(ValueError, match='repeat'):
        F.repeat(x, (1, 2), 1)              # 3 elements along axis 1
    with pytest.raises(TypeError, match='repeat'):
        F.repeat(x, 1.5)
    with pytest.raises(TypeError, match='repeat'):
        F.repeat(x, 2, axis=1.0)
    with pytest.raises(InvalidType, match='Repeat'):
        F.repeat(x, 2, axis=2)


@pytest.mark.gpu
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('repeats,axis', [((1, 0, 3), 0), (2, 1), ((2, 1, 0, 1, 1, 0), None)])
def test_gpu_matches_cpu(dtype, repeats, axis):
    import cupy
    x = numpy.random.randn(3, 2).astype(dtype)
    gy = numpy.random.randn(*numpy.repeat(x, repeats, axis).shape).astype(dtype)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.repeat(v, repeats, axis))(*vs)], [gy.copy()])
    cpu, = [v.grad for v in vs]
    v = Variable(cupy.asarray(x))
    y = F.repeat(v, repeats, axis)
    numpy.testing.assert_array_equal(cupy.asnumpy(y.array), numpy.repeat(x, repeats, axis))
    y.grad = cupy.asarray(gy)
    y.backward()
    assert v.grad.dtype == dtype
    numpy.testing.assert_allclose(cupy.asnumpy(v.grad), cpu, rtol=1e-3, atol=1e-3)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [1, 2, 6],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestRepeat(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.repeats, self.axis = CASES[self.case]
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
        return F.repeat(inputs[0], self.repeats, self.axis),

    def forward_expected(self, inputs):
        return numpy.repeat(inputs[0], self.repeats, self.axis),
