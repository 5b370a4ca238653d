"""F.huber_loss: forward vs a float64 reference for both reduce modes,
gradients on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _ref(x, t, delta, reduce):
    d = x.astype(numpy.float64) - t
    a = numpy.abs(d)
    loss = numpy.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return loss.sum(axis=1) if reduce == 'sum_along_second_axis' else loss


def _data(shape, delta, dtype=numpy.float64):
    """Differences kept at least 0.05 away from the kink at |d| = delta."""
    t = numpy.random.randn(*shape)
    d = numpy.random.uniform(0.05, 2.5 * delta, shape)
    d = numpy.where(abs(d - delta) < 0.05, d + 0.1, d) * numpy.random.choice([-1, 1], shape)
    return (t + d).astype(dtype), t.astype(dtype)


@pytest.mark.parametrize('shape', [(4, 3), (2, 3, 4)])
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum_along_second_axis', 'no'])
@pytest.mark.parametrize('delta', [0.5, 1.0, 2])
def test_forward(shape, dtype, reduce, delta):
    x, t = _data(shape, delta, dtype)
    x0, t0 = x.copy(), t.copy()
    y = F.huber_loss(x, t, delta, reduce=reduce)
    expect = _ref(x, t, delta, reduce)
    assert y.dtype == dtype and y.shape == expect.shape
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(t, t0)


def test_one_dimensional_with_reduce_no():
    x, t = numpy.array([0.5, 3.0]), numpy.zeros(2)
    numpy.testing.assert_allclose(F.huber_loss(x, t, 1.0, reduce='no').array, [0.125, 2.5])


@pytest.mark.parametrize('reduce', ['sum_along_second_axis', 'no'])
def test_backward(reduce):
    x, t = _data((4, 3), 1.0)
    gy = numpy.random.randn(*_ref(x, t, 1.0, reduce).shape)
    f = lambda a, b: F.huber_loss(a, b, 1.0, reduce)  # NOQA
    check_backward(f, (x, t), gy)
    check_double_backward(f, (x, t), gy, (numpy.random.randn(4, 3), numpy.random.randn(4, 3)))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum_along_second_axis', 'no'])
def test_gradient_formula_on_both_paths(dtype, reduce):
    x, t = _data((4, 3, 2), 1.0, dtype)
    gy = numpy.random.randn(*_ref(x, t, 1.0, reduce).shape).astype(dtype)
    d = x.astype(numpy.float64) - t
    g = gy[:, None] if reduce == 'sum_along_second_axis' else gy
    expect = numpy.clip(d, -1, 1) * g
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, t]]
        fastgrad.backward([(lambda a, b: F.huber_loss(a, b, 1.0, reduce))(*vs)], [gy.copy()],
                          enable_double_backprop=double)
        gx, gt = [v.grad for v in vs]
        assert gx.dtype == gt.dtype == dtype
        numpy.testing.assert_allclose(gx, expect, rtol=TOL[dtype], atol=TOL[dtype])
        numpy.testing.assert_allclose(gt, -expect, rtol=TOL[dtype], atol=TOL[dtype])


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2] * 2
    t = numpy.random.randn(3, 4).T
    numpy.testing.assert_allclose(F.huber_loss(x, t, 1.0).array, _ref(x, t, 1.0,
                                  'sum_along_second_axis'), rtol=1e-13)


def test_errors():
    a = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='HuberLoss'):
        F.huber_loss(a, numpy.zeros((3, 2)), 1.0)
    with pytest.raises(InvalidType, match='HuberLoss'):
        F.huber_loss(a, a.astype(numpy.float32), 1.0)
    with pytest.raises(InvalidType, match='HuberLoss'):
        F.huber_loss(a.astype(numpy.int32), a.astype(numpy.int32), 1.0)
    with pytest.raises(InvalidType, match='HuberLoss'):
        F.huber_loss(numpy.zeros(3), numpy.zeros(3), 1.0)    # nothing to sum along axis 1
    with pytest.raises(ValueError, match="'reduce'"):
        F.huber_loss(a, a, 1.0, reduce='mean')
    with pytest.raises(ValueError, match='delta'):
        F.huber_loss(a, a, -1.0)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'reduce': ['sum_along_second_axis', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestHuberLoss(testing.FunctionTestCase):
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
        return _data((4, 3, 2), 1.0, self.dtype)

    def forward(self, inputs, device):
        return F.huber_loss(*inputs, 1.0, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, 1.0, self.reduce)).astype(self.dtype),
