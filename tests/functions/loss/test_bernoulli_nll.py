"""F.bernoulli_nll: forward vs a float64 reference, the three reduce modes,
gradients to x and y on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _ref(x, y, reduce):
    x, y = x.astype(numpy.float64), y.astype(numpy.float64)
    p = 1 / (1 + numpy.exp(-y))
    loss = -(x * numpy.log(p) + (1 - x) * numpy.log(1 - p))
    if reduce == 'sum':
        return loss.sum()
    return loss.mean() if reduce == 'mean' else loss


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('shape', [(5,), (3, 4)])
def test_forward(dtype, reduce, shape):
    x = numpy.random.randint(0, 2, shape).astype(dtype)
    y = numpy.random.uniform(-4, 4, shape).astype(dtype)
    x0, y0 = x.copy(), y.copy()
    z = F.bernoulli_nll(x, y, reduce)
    expect = _ref(x, y, reduce)
    assert z.dtype == dtype and z.shape == numpy.shape(expect)
    numpy.testing.assert_allclose(z.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(y, y0)


def test_extreme_logits_are_finite():
    x = numpy.array([1, 0, 1, 0], numpy.float32)
    y = numpy.array([-1e4, -1e4, 1e4, 1e4], numpy.float32)
    numpy.testing.assert_allclose(F.bernoulli_nll(x, y, 'no').array, [1e4, 0, 0, 1e4])


@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
def test_backward(reduce):
    x, y = numpy.random.rand(3, 4), numpy.random.randn(3, 4)
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, y, reduce))))
    f = lambda a, b: F.bernoulli_nll(a, b, reduce)  # NOQA
    check_backward(f, (x, y), gz)
    check_double_backward(f, (x, y), gz, (numpy.random.randn(3, 4), numpy.random.randn(3, 4)))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
def test_gradient_formula_on_both_paths(dtype, reduce):
    x = numpy.random.rand(3, 4).astype(dtype)
    y = numpy.random.uniform(-3, 3, (3, 4)).astype(dtype)
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, y, reduce)))).astype(dtype)
    yd = y.astype(numpy.float64)
    g = gz / x.size if reduce == 'mean' else gz   # 'mean' divides by the element count
    ex = -g * yd
    ey = g * (1 / (1 + numpy.exp(-yd)) - x)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, y]]
        fastgrad.backward([(lambda a, b: F.bernoulli_nll(a, b, reduce))(*vs)], [gz.copy()],
                          enable_double_backprop=double)
        gx, gy = [v.grad for v in vs]
        assert gx.dtype == gy.dtype == dtype
        numpy.testing.assert_allclose(gx, ex, rtol=TOL[dtype], atol=TOL[dtype])
        numpy.testing.assert_allclose(gy, ey, rtol=TOL[dtype], atol=TOL[dtype])


def test_integer_data_is_cast_to_the_logits_dtype():
    x = numpy.array([[0, 1], [1, 1]], numpy.int32)
    y = Variable(numpy.random.randn(2, 2).astype(numpy.float32))
    z = F.bernoulli_nll(x, y)
    assert z.dtype == numpy.float32
    numpy.testing.assert_allclose(z.array, _ref(x, y.array, 'sum'), rtol=1e-5)


def test_non_contiguous_input():
    x = numpy.random.rand(4, 6)[:, ::2]
    y = numpy.random.randn(3, 4).T
    numpy.testing.assert_allclose(F.bernoulli_nll(x, y).array, _ref(x, y, 'sum'), rtol=1e-13)
    check_backward(F.bernoulli_nll, (x, y), None)


def test_errors():
    a = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='BernoulliNLL'):
        F.bernoulli_nll(a, numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match='BernoulliNLL'):
        F.bernoulli_nll(Variable(a), Variable(a.astype(numpy.float32)))
    with pytest.raises(ValueError, match="'reduce'"):
        F.bernoulli_nll(a, a, reduce='avg')


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'reduce': ['sum', 'mean', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestBernoulliNLL(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

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
        return numpy.asarray(numpy.random.uniform(0, 1, (3, 4))).astype(self.dtype), numpy.asarray(numpy.random.uniform(-3, 3, (3, 4))).astype(self.dtype)

    def forward(self, inputs, device):
        return F.bernoulli_nll(*inputs, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, self.reduce)).astype(self.dtype),
