"""F.cumsum: any axis or flattened (None), both backward paths, double
backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), 2),
         ((2, 3, 4), -1), ((5,), 0), ((5,), None), ((), None), ((3, 1), 1)]


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, axis, dtype):
    x = numpy.asarray(numpy.random.uniform(-1, 1, shape)).astype(dtype)
    x0 = x.copy()
    y = F.cumsum(x, axis=axis)
    expect = numpy.cumsum(x.astype(numpy.float64), axis=axis)
    assert y.dtype == dtype and y.shape == expect.shape
    tol = {numpy.float16: 5e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)


def test_default_axis_flattens():
    x = numpy.arange(6.0).reshape(2, 3)
    numpy.testing.assert_array_equal(F.cumsum(x).array, [0, 1, 3, 6, 10, 15])


@pytest.mark.parametrize('shape,axis', CASES)
def test_backward(shape, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.cumsum(x, axis=axis).shape))
    check_backward(lambda v: F.cumsum(v, axis=axis), x, gy)


@pytest.mark.parametrize('shape,axis', CASES[:4])
def test_double_backward(shape, axis):
    x = numpy.asarray(numpy.random.randn(*shape))
    gy = numpy.asarray(numpy.random.randn(*numpy.cumsum(x, axis=axis).shape))
    check_double_backward(lambda v: F.cumsum(v * v, axis=axis), x, gy,
                          numpy.random.randn(*shape))


@pytest.mark.parametrize('shape,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(shape, axis, dtype):
    x = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    gy = numpy.asarray(numpy.random.randn(*numpy.cumsum(x, axis=axis).shape)).astype(dtype)

    def f(v):
        return F.cumsum(v, axis=axis)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == x.shape
    numpy.testing.assert_array_equal(fast, slow)
    # reverse cumulative sum of gy, in float64
    g64 = gy.astype(numpy.float64)
    if axis is None:
        expect = numpy.cumsum(g64[::-1])[::-1].reshape(shape)
    else:
        expect = numpy.flip(numpy.cumsum(numpy.flip(g64, axis), axis=axis), axis)
    tol = {numpy.float16: 1e-2, numpy.float32: 1e-5, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(fast, expect, rtol=tol, atol=tol)


def test_non_contiguous_input():
    x = numpy.random.randn(4, 10)[:, ::2]
    assert not x.flags.c_contiguous
    for axis in (None, 0, 1):
        numpy.testing.assert_allclose(F.cumsum(x, axis).array, numpy.cumsum(x, axis),
                                      rtol=1e-14)
    check_backward(lambda v: F.cumsum(v, 1), x, numpy.random.randn(4, 5))


def test_errors():
    x = numpy.ones((2, 3))
    with pytest.raises(InvalidType, match='Cumsum'):
        F.cumsum(x, axis=2)
    with pytest.raises(InvalidType, match='Cumsum'):
        F.cumsum(x, axis=-3)
    with pytest.raises(TypeError, match='axis'):
        F.cumsum(x, axis=(0,))
    with pytest.raises(InvalidType, match='Cumsum'):
        F.cumsum(numpy.ones(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 3, 7],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestCumsum(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.axis = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.cumsum(inputs[0], axis=self.axis),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.cumsum(x, axis=self.axis).astype(self.dtype),
