"""F.gaussian_nll: forward vs a float64 reference for every reduce,
broadcasting, gradients to all three inputs on both paths, double backward."""
import math

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _ref(x, mean, ln_var, reduce):
    x, mean, ln_var = (a.astype(numpy.float64) for a in (x, mean, ln_var))
    var = numpy.exp(ln_var)
    loss = 0.5 * numpy.log(2 * math.pi * var) + (x - mean) ** 2 / (2 * var)
    return {'sum': loss.sum(), 'mean': loss.mean(), 'no': loss}[reduce]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('shapes', [((3, 4),) * 3, ((3, 4), (4,), (3, 1))])
def test_forward(dtype, reduce, shapes):
    x, m = (numpy.random.randn(*s).astype(dtype) for s in shapes[:2])
    v = numpy.random.uniform(-1, 1, shapes[2]).astype(dtype)
    copies = [a.copy() for a in (x, m, v)]
    z = F.gaussian_nll(x, m, v, reduce)
    expect = _ref(x, m, v, reduce)
    assert z.dtype == dtype and z.shape == numpy.shape(expect)
    numpy.testing.assert_allclose(z.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    for a, b in zip((x, m, v), copies):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
@pytest.mark.parametrize('shapes', [((3, 4),) * 3, ((3, 4), (4,), (3, 1))])
def test_backward(reduce, shapes):
    x, m = (numpy.random.randn(*s) for s in shapes[:2])
    v = numpy.random.uniform(-1, 1, shapes[2])
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, m, v, reduce))))
    f = lambda a, b, c: F.gaussian_nll(a, b, c, reduce)  # NOQA
    check_backward(f, (x, m, v), gz)
    check_double_backward(f, (x, m, v), gz, tuple(numpy.random.randn(*s) for s in shapes))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
def test_gradient_formula_on_both_paths(dtype, reduce):
    x, m = numpy.random.randn(3, 4).astype(dtype), numpy.random.randn(3, 4).astype(dtype)
    v = numpy.random.uniform(-1, 1, (3, 4)).astype(dtype)
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, m, v, reduce)))).astype(dtype)
    g = gz.astype(numpy.float64) / (12 if reduce == 'mean' else 1)
    d = x.astype(numpy.float64) - m
    prec = numpy.exp(-v.astype(numpy.float64))
    expect = (g * d * prec, -g * d * prec, g * (1 - d * d * prec) / 2)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, m, v]]
        fastgrad.backward([(lambda a, b, c: F.gaussian_nll(a, b, c, reduce))(*vs)], [gz.copy()],
                          enable_double_backprop=double)
        grads = [v.grad for v in vs]
        for gr, e in zip(grads, expect):
            assert gr.dtype == dtype
            numpy.testing.assert_allclose(gr, e, rtol=TOL[dtype], atol=TOL[dtype])


def test_data_array_is_cast_to_the_variables_dtype():
    m = Variable(numpy.zeros((2, 2), numpy.float32))
    v = Variable(numpy.zeros((2, 2), numpy.float32))
    z = F.gaussian_nll(numpy.ones((2, 2)), m, v)
    assert z.dtype == numpy.float32
    numpy.testing.assert_allclose(z.array, 4 * (0.5 * math.log(2 * math.pi) + 0.5), rtol=1e-6)


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    m = numpy.random.randn(3, 4).T
    v = numpy.random.randn(4, 3)
    numpy.testing.assert_allclose(F.gaussian_nll(x, m, v).array, _ref(x, m, v, 'sum'),
                                  rtol=1e-13)
    check_backward(F.gaussian_nll, (x, m, v), None)


def test_errors():
    a = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='GaussianNLL'):
        F.gaussian_nll(a, a, numpy.zeros((3, 2)))
    with pytest.raises(InvalidType, match='GaussianNLL'):
        F.gaussian_nll(Variable(a), Variable(a), Variable(a.astype(numpy.float32)))
    with pytest.raises(ValueError, match="'reduce'"):
        F.gaussian_nll(a, a, a, reduce='max')


@pytest.mark.gpu
@pytest.mark.parametrize('reduce', ['sum', 'mean', 'no'])
def test_gpu_matches_cpu(reduce):
    import cupy
    xs = [numpy.random.randn(3, 4).astype(numpy.float32) for _ in range(3)]
    gz = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(*xs, reduce)))).astype(
        numpy.float32)
    f = lambda a, b, c: F.gaussian_nll(a, b, c, reduce)  # NOQA
    vs = [Variable(a.copy()) for a in xs]
    fastgrad.backward([f(*vs)], [gz.copy()])
    cpu = [v.grad for v in vs]
    vs = [Variable(cupy.asarray(x)) for x in xs]
    z = f(*vs)
    numpy.testing.assert_allclose(cupy.asnumpy(z.array), _ref(*xs, reduce), rtol=1e-5)
    z.grad = cupy.asarray(gz)
    z.backward()
    for v, g in zip(vs, cpu):
        numpy.testing.assert_allclose(cupy.asnumpy(v.grad), g, rtol=1e-5, atol=1e-6)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'reduce': ['sum', 'mean', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestGaussianNLL(testing.FunctionTestCase):
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
        return numpy.asarray(numpy.random.uniform(-1, 1, (3, 4))).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, (3, 4))).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, (3, 4))).astype(self.dtype)

    def forward(self, inputs, device):
        return F.gaussian_nll(*inputs, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, self.reduce)).astype(self.dtype),
