"""F.mean_absolute_error: forward vs NumPy, gradients on both paths, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}


@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(shape, dtype):
    a = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    b = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    a0, b0 = a.copy(), b.copy()
    y = F.mean_absolute_error(a, b)
    expect = numpy.abs(a.astype(numpy.float64) - b).mean()
    assert y.shape == () and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype])
    numpy.testing.assert_array_equal(a, a0)
    numpy.testing.assert_array_equal(b, b0)


def test_float16_large_sum_does_not_overflow():
    a = numpy.full((300, 300), 100, numpy.float16)
    assert F.mean_absolute_error(a, -a).array == 200


def test_backward():
    a, b = numpy.random.randn(3, 4), numpy.random.randn(3, 4)
    check_backward(F.mean_absolute_error, (a, b), numpy.asarray(numpy.random.randn()))
    check_double_backward(F.mean_absolute_error, (a, b), numpy.asarray(numpy.random.randn()),
                          (numpy.random.randn(3, 4), numpy.random.randn(3, 4)))


@pytest.mark.parametrize('dtype', DTYPES)
def test_gradient_formula_on_both_paths(dtype):
    a = numpy.random.randn(3, 4).astype(dtype)
    b = numpy.random.randn(3, 4).astype(dtype)
    b[0, 0] = a[0, 0]
    gy = numpy.asarray(1.5, dtype)
    expect = numpy.sign(a.astype(numpy.float64) - b) * 1.5 / 12
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [a, b]]
        fastgrad.backward([F.mean_absolute_error(*vs)], [gy.copy()], enable_double_backprop=double)
        ga, gb = [v.grad for v in vs]
        assert ga.dtype == gb.dtype == dtype
        numpy.testing.assert_allclose(ga, expect, rtol=TOL[dtype])
        numpy.testing.assert_allclose(gb, -expect, rtol=TOL[dtype])
        assert ga[0, 0] == 0


def test_non_contiguous_input():
    a = numpy.random.randn(4, 6)[:, ::2]
    b = numpy.random.randn(3, 4).T
    numpy.testing.assert_allclose(F.mean_absolute_error(a, b).array, numpy.abs(a - b).mean(),
                                  rtol=1e-14)
    check_backward(F.mean_absolute_error, (a, b), None)


def test_errors():
    a = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='MeanAbsoluteError'):
        F.mean_absolute_error(a, numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match='MeanAbsoluteError'):
        F.mean_absolute_error(a, a.astype(numpy.float32))
    with pytest.raises(InvalidType, match='MeanAbsoluteError'):
        F.mean_absolute_error(a.astype(numpy.int32), a.astype(numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shape': [(3, 4)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMeanAbsoluteError(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 5e-3, 'rtol': 5e-3}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype)

    def forward(self, inputs, device):
        return F.mean_absolute_error(*inputs),

    def forward_expected(self, inputs):
        a, b = (x.astype(numpy.float64) for x in inputs)
        return numpy.asarray(numpy.abs(a - b).mean()).astype(self.dtype),
