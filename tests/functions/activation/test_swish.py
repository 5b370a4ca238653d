"""F.swish(x, beta): beta broadcast along axis 1 (Chainer's shape rule),
gradients for x and beta on both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, beta):
    x = numpy.asarray(x, numpy.float64)
    b = numpy.asarray(beta, numpy.float64)
    b = b.reshape((1,) + b.shape + (1,) * (x.ndim - b.ndim - 1))
    return x / (1 + numpy.exp(-b * x))


# x shape, beta shape
SHAPES = [((3, 4), (4,)), ((2, 3, 4), (3,)), ((2, 3, 4), (3, 4)), ((2, 3), ()),
          ((2, 3, 2, 2), (3,)), ((5, 1), (1,))]
TOL = {numpy.float16: dict(atol=3e-3, rtol=3e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-5),
       numpy.float64: dict(atol=1e-14, rtol=1e-13)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('xs,bs', SHAPES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(xs, bs, dtype):
    x = numpy.random.uniform(-3, 3, xs).astype(dtype)
    beta = numpy.asarray(numpy.random.uniform(-2, 2, bs)).astype(dtype)
    x0, b0 = x.copy(), beta.copy()
    y = F.swish(x, beta)
    assert y.shape == xs and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, beta), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(beta, b0)


def test_special_betas():
    # beta = 0 gives x / 2; a large beta gives relu (|x| >= 0.5 keeps it exact)
    x = numpy.random.uniform(0.5, 2, (4, 3)) * numpy.random.choice([-1, 1], (4, 3))
    numpy.testing.assert_allclose(F.swish(x, numpy.zeros(3)).array, x / 2, rtol=1e-15)
    numpy.testing.assert_allclose(F.swish(x, numpy.full(3, 1e3)).array,
                                  numpy.maximum(x, 0), atol=1e-12)


@pytest.mark.parametrize('xs,bs', SHAPES)
def test_backward(xs, bs):
    x = numpy.random.randn(*xs)
    beta = numpy.asarray(numpy.random.uniform(-2, 2, bs))
    check_backward(F.swish, (x, beta), numpy.random.randn(*xs))


@pytest.mark.parametrize('xs,bs', SHAPES[:4])
def test_double_backward(xs, bs):
    x = numpy.random.randn(*xs)
    beta = numpy.asarray(numpy.random.uniform(-2, 2, bs))
    check_double_backward(F.swish, (x, beta), numpy.random.randn(*xs),
                          (numpy.random.randn(*xs), numpy.asarray(numpy.random.randn(*bs))))


def test_gradient_formulas():
    x = numpy.random.randn(2, 3, 4)
    beta = numpy.random.randn(3)
    gy = numpy.random.randn(2, 3, 4)
    vs = [Variable(a) for a in (x, beta,)]
    gx, gb = [g.array for g in fastgrad.grad([F.swish(*vs)], vs, [gy])]
    b = beta.reshape(1, 3, 1)
    s = 1 / (1 + numpy.exp(-b * x))
    numpy.testing.assert_allclose(gx, gy * (s + b * x * s * (1 - s)), rtol=1e-12)
    numpy.testing.assert_allclose(gb, (gy * x * x * s * (1 - s)).sum(axis=(0, 2)),
                                  rtol=1e-12)
    assert gb.shape == beta.shape


def test_beta_as_parameter_gets_gradient_only_x_constant():
    x = numpy.random.randn(2, 3)
    beta = Variable(numpy.ones(3))
    y = F.sum(F.swish(x, beta))
    y.backward()
    assert beta.grad.shape == (3,)


def test_non_contiguous_inputs():
    base = numpy.random.randn(6, 8)
    x = base[::2, ::2]
    beta = numpy.random.randn(8)[::2]
    assert not x.flags.c_contiguous and not beta.flags.c_contiguous
    numpy.testing.assert_allclose(F.swish(x, beta).array, _ref(x, beta), rtol=1e-13)
    check_backward(F.swish, (x, beta), numpy.random.randn(3, 4))


@pytest.mark.parametrize('xs,bs', [((3, 4), (3,)), ((3, 4), (4, 1)), ((3,), (3,)),
                                   ((2, 3, 4), (4,))])
def test_bad_beta_shape_is_rejected(xs, bs):
    with pytest.raises(InvalidType, match='Swish'):
        F.swish(numpy.zeros(xs), numpy.zeros(bs))


def test_dtype_errors():
    with pytest.raises(InvalidType, match='Swish'):
        F.swish(numpy.zeros((2, 3), numpy.float32), numpy.zeros(3, numpy.float64))
    with pytest.raises(InvalidType, match='Swish'):
        F.swish(numpy.zeros((2, 3), numpy.int32), numpy.zeros(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'shapes': [((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((2, 3), ())],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSwish(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) for x and the broadcast parameter."""

    dodge_nondifferentiable = False

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 3e-3, 'rtol': 3e-3}
            # the parameter's gradient is a sum of many float16 terms
            self.check_backward_options = {'atol': 3e-2, 'rtol': 3e-2}
            self.check_double_backward_options = {'atol': 3e-2, 'rtol': 3e-2}
        elif self.dtype == numpy.float32:
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-3}

    def generate_inputs(self):
        xs, ps = self.shapes
        return (numpy.random.uniform(-2, 2, xs).astype(self.dtype),
                numpy.asarray(numpy.random.uniform(-1, 1, ps)).astype(self.dtype))

    def forward(self, inputs, device):
        return F.swish(*inputs),

    def forward_expected(self, inputs):
        return _ref(*inputs).astype(self.dtype),
