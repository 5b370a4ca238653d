"""F.gaussian_kl_divergence: forward vs a float64 reference for every reduce,
broadcasting, gradients on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _ref(mean, ln_var, reduce):
    mean, ln_var = mean.astype(numpy.float64), ln_var.astype(numpy.float64)
    loss = (mean ** 2 + numpy.exp(ln_var) - ln_var - 1) / 2
    return {'sum': loss.sum(), 'mean': loss.mean(), 'no': loss}[reduce]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('sm,sv', [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))])
def test_forward(dtype, reduce, sm, sv):
    m = numpy.asarray(numpy.random.randn(*sm)).astype(dtype)
    v = numpy.asarray(numpy.random.uniform(-1, 1, sv)).astype(dtype)
    m0, v0 = m.copy(), v.copy()
    y = F.gaussian_kl_divergence(m, v, reduce)
    expect = _ref(m, v, reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(expect)
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(m, m0)
    numpy.testing.assert_array_equal(v, v0)


def test_default_is_sum_and_standard_normal_is_zero():
    z = numpy.zeros((2, 3))
    assert F.gaussian_kl_divergence(z, z).shape == ()
    assert F.gaussian_kl_divergence(z, z).array == 0


@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('sm,sv', [((3, 4), (3, 4)), ((3, 4), (4,))])
def test_backward(reduce, sm, sv):
    m, v = numpy.random.randn(*sm), numpy.random.uniform(-1, 1, sv)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(m, v, reduce))))
    f = lambda a, b: F.gaussian_kl_divergence(a, b, reduce)  # NOQA
    check_backward(f, (m, v), gy)
    check_double_backward(f, (m, v), gy, (numpy.random.randn(*sm), numpy.random.randn(*sv)))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
def test_gradient_formula_on_both_paths(dtype, reduce):
    m = numpy.random.randn(3, 4).astype(dtype)
    v = numpy.random.uniform(-1, 1, (3, 4)).astype(dtype)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(m, v, reduce)))).astype(dtype)
    g = gy.astype(numpy.float64) / (12 if reduce == 'mean' else 1)
    em = g * m
    ev = g * (numpy.exp(v.astype(numpy.float64)) - 1) / 2
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [m, v]]
        outs = [(lambda a, b: F.gaussian_kl_divergence(a, b, reduce))(*vs)]
        fastgrad.backward(outs, [gy.copy()], enable_double_backprop=double)
        gm, gv = [v.grad for v in vs]
        assert gm.dtype == gv.dtype == dtype
        numpy.testing.assert_allclose(gm, em, rtol=TOL[dtype], atol=TOL[dtype])
        numpy.testing.assert_allclose(gv, ev, rtol=TOL[dtype], atol=TOL[dtype])


def test_raw_array_is_cast_to_the_variables_dtype():
    m = Variable(numpy.random.randn(2, 3).astype(numpy.float32))
    y = F.gaussian_kl_divergence(m, numpy.zeros((2, 3)))
    assert y.dtype == numpy.float32


def test_non_contiguous_input():
    m = numpy.random.randn(4, 6)[:, ::2]
    v = numpy.random.randn(3, 4).T
    numpy.testing.assert_allclose(F.gaussian_kl_divergence(m, v).array, _ref(m, v, 'sum'),
                                  rtol=1e-13)
    check_backward(F.gaussian_kl_divergence, (m, v), None)


def test_errors():
    a = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='GaussianKLDivergence'):
        F.gaussian_kl_divergence(a, numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match='GaussianKLDivergence'):
        F.gaussian_kl_divergence(Variable(a), Variable(a.astype(numpy.float32)))
    with pytest.raises(InvalidType, match='GaussianKLDivergence'):
        F.gaussian_kl_divergence(a.astype(numpy.int32), a.astype(numpy.int32))
    with pytest.raises(ValueError, match="'reduce'"):
        F.gaussian_kl_divergence(a, a, reduce='max')


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'reduce': ['sum', 'mean', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestGaussianKLDivergence(testing.FunctionTestCase):
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
        return numpy.asarray(numpy.random.uniform(-1, 1, (3, 4))).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, (3, 4))).astype(self.dtype)

    def forward(self, inputs, device):
        return F.gaussian_kl_divergence(*inputs, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, self.reduce)).astype(self.dtype),
