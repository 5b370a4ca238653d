"""F.contrastive: forward vs a float64 reference, gradients on both paths,
double backward, margin/reduce, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-12}


def _ref(x0, x1, y, margin, reduce):
    d = numpy.sqrt(((x0.astype(numpy.float64) - x1) ** 2).sum(axis=1))
    loss = (y * d ** 2 + (1 - y) * numpy.maximum(margin - d, 0) ** 2) / 2
    return loss.sum() / len(x0) if reduce == 'mean' else loss


def _data(n, k, margin, dtype=numpy.float64):
    """Pairs whose distance stays at least 0.1 away from the margin (the kink)."""
    x0 = numpy.random.randn(n, k)
    x1 = numpy.random.randn(n, k)
    d = numpy.sqrt(((x0 - x1) ** 2).sum(axis=1))
    near = abs(d - margin) < 0.1
    x1[near] = x0[near] + (x1[near] - x0[near]) * 1.5
    y = numpy.random.randint(0, 2, n).astype(numpy.int32)
    return x0.astype(dtype), x1.astype(dtype), y


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('margin', [1, 2.5])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_forward(dtype, margin, reduce):
    x0, x1, y = _data(6, 3, margin, dtype)
    copies = [x0.copy(), x1.copy(), y.copy()]
    z = F.contrastive(x0, x1, y, margin, reduce)
    expect = _ref(x0, x1, y, margin, reduce)
    assert z.dtype == dtype and z.shape == numpy.shape(expect)
    numpy.testing.assert_allclose(z.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    for a, b in zip((x0, x1, y), copies):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('margin', [1, 2.5])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_backward(margin, reduce):
    x0, x1, y = _data(6, 3, margin)
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x0, x1, y, margin, reduce))))
    f = lambda a, b: F.contrastive(a, b, y, margin, reduce)  # NOQA
    check_backward(f, (x0, x1), gz)
    check_double_backward(f, (x0, x1), gz, (numpy.random.randn(6, 3), numpy.random.randn(6, 3)))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_gradient_formula_on_both_paths(dtype, reduce):
    margin = 2.0
    x0, x1, y = _data(6, 3, margin, dtype)
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x0, x1, y, margin, reduce))))
    gz = gz.astype(dtype)
    diff = x0.astype(numpy.float64) - x1
    d = numpy.sqrt((diff ** 2).sum(axis=1))
    coef = y - (1 - y) * numpy.maximum(margin - d, 0) / d
    alpha = gz / 6 if reduce == 'mean' else gz
    expect = (coef * alpha)[:, None] * diff
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x0, x1, y]]
        outs = [(lambda a, b, c: F.contrastive(a, b, c, margin, reduce))(*vs)]
        fastgrad.backward(outs, [gz.copy()], enable_double_backprop=double)
        g0, g1, gy = [v.grad for v in vs]
        assert g0.dtype == g1.dtype == dtype and gy is None
        numpy.testing.assert_allclose(g0, expect, rtol=TOL[dtype], atol=TOL[dtype])
        numpy.testing.assert_allclose(g1, -expect, rtol=TOL[dtype], atol=TOL[dtype])


def test_identical_pair_has_finite_gradient():
    x = numpy.random.randn(2, 3)
    v0, v1 = Variable(x.copy()), Variable(x.copy())
    F.contrastive(v0, v1, numpy.array([0, 1], numpy.int32)).backward()
    assert numpy.isfinite(v0.grad).all()


def test_non_contiguous_input():
    x0 = numpy.random.randn(4, 6)[:, ::2]
    x1 = numpy.random.randn(3, 4).T
    y = numpy.array([0, 1, 1, 0, 0, 1, 1, 0], numpy.int32)[::2]
    numpy.testing.assert_allclose(F.contrastive(x0, x1, y).array,
                                  _ref(x0, x1, y, 1, 'mean'), rtol=1e-12)


def test_errors():
    x = numpy.zeros((3, 2))
    y = numpy.zeros(3, numpy.int32)
    with pytest.raises(InvalidType, match='Contrastive'):
        F.contrastive(x, x, y.astype(numpy.float32))
    with pytest.raises(InvalidType, match='Contrastive'):
        F.contrastive(x, x.astype(numpy.float32), y)
    with pytest.raises(InvalidType, match='Contrastive'):
        F.contrastive(x, numpy.zeros((3, 3)), y)
    with pytest.raises(InvalidType, match='Contrastive'):
        F.contrastive(x, x, numpy.zeros(2, numpy.int32))
    with pytest.raises(InvalidType, match='Contrastive'):
        F.contrastive(numpy.zeros(3), numpy.zeros(3), y)
    with pytest.raises(ValueError, match='margin'):
        F.contrastive(x, x, y, margin=0)
    with pytest.raises(ValueError, match="'reduce'"):
        F.contrastive(x, x, y, reduce='sum')


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'reduce': ['mean', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestContrastive(testing.FunctionTestCase):
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
        return _data(6, 3, 2.0, self.dtype)

    def forward(self, inputs, device):
        return F.contrastive(*inputs, margin=2.0, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, 2.0, self.reduce)).astype(self.dtype),
