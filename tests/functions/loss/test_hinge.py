"""F.hinge: L1/L2 and both reduce modes vs a float64 reference, gradients on
both paths, double backward (L2), errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _sign(t, k):
    s = numpy.ones((len(t), k))
    s[numpy.arange(len(t)), t] = -1
    return s


def _ref(x, t, norm, reduce):
    b = numpy.maximum(0, 1 + x.astype(numpy.float64) * _sign(t, x.shape[1]))
    loss = b if norm == 'L1' else b * b
    return loss.sum() / len(x) if reduce == 'mean' else loss


def _data(n, k, dtype=numpy.float64):
    """Scores with 1 + s x kept at least 0.05 away from the kink at 0."""
    x = numpy.random.uniform(-2, 2, (n, k))
    x = numpy.where(abs(abs(x) - 1) < 0.05, x * 1.2, x)
    return x.astype(dtype), numpy.random.randint(0, k, n).astype(numpy.int32)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('norm', ['L1', 'L2'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_forward(dtype, norm, reduce):
    x, t = _data(5, 4, dtype)
    x0, t0 = x.copy(), t.copy()
    y = F.hinge(x, t, norm, reduce)
    expect = _ref(x, t, norm, reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(expect)
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(t, t0)


@pytest.mark.parametrize('norm', ['L1', 'L2'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_backward(norm, reduce):
    x, t = _data(5, 4)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, t, norm, reduce))))
    f = lambda v: F.hinge(v, t, norm, reduce)  # NOQA
    check_backward(f, x, gy)
    check_double_backward(f, x, gy, numpy.random.randn(5, 4))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('norm', ['L1', 'L2'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_gradient_formula_on_both_paths(dtype, norm, reduce):
    x, t = _data(5, 4, dtype)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, t, norm, reduce)))).astype(dtype)
    s = _sign(t, 4)
    b = numpy.maximum(0, 1 + x.astype(numpy.float64) * s)
    expect = ((b > 0) if norm == 'L1' else 2 * b) * s * gy
    if reduce == 'mean':
        expect /= 5
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, t]]
        fastgrad.backward([(lambda a, c: F.hinge(a, c, norm, reduce))(*vs)], [gy.copy()],
                          enable_double_backprop=double)
        gx, gt = [v.grad for v in vs]
        assert gx.dtype == dtype and gt is None
        numpy.testing.assert_allclose(gx, expect, rtol=TOL[dtype], atol=TOL[dtype])


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    t = numpy.array([0, 2, 1, 1, 2, 0, 0, 1])[::2]
    numpy.testing.assert_allclose(F.hinge(x, t).array, _ref(x, t, 'L1', 'mean'), rtol=1e-13)


def test_errors():
    x = numpy.zeros((3, 4))
    t = numpy.zeros(3, numpy.int32)
    with pytest.raises(InvalidType, match='Hinge'):
        F.hinge(x, t.astype(numpy.float32))
    with pytest.raises(InvalidType, match='Hinge'):
        F.hinge(x.astype(numpy.int32), t)
    with pytest.raises(InvalidType, match='Hinge'):
        F.hinge(x, numpy.zeros(4, numpy.int32))
    with pytest.raises(InvalidType, match='Hinge'):
        F.hinge(numpy.zeros((3, 4, 1)), t)
    with pytest.raises(ValueError, match='hinge'):
        F.hinge(x, numpy.array([0, 4, 1]))
    with pytest.raises(NotImplementedError, match='norm'):
        F.hinge(x, t, norm='L3')
    with pytest.raises(ValueError, match="'reduce'"):
        F.hinge(x, t, reduce='sum')


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'norm': ['L1', 'L2'],
    'reduce': ['mean', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestHinge(testing.FunctionTestCase):
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
        return _data(5, 4, self.dtype)

    def forward(self, inputs, device):
        return F.hinge(*inputs, norm=self.norm, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, self.norm, self.reduce)).astype(self.dtype),
