"""Elementwise activations with a scalar parameter: leaky_relu, elu, selu,
hard_sigmoid, softplus, clipped_relu, gelu.  Forward against float64 NumPy
formulas, gradients (numeric, analytic, both backward paths), double backward,
dtypes, non-contiguous inputs, extreme values and errors."""
import math

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
_erf = numpy.vectorize(math.erf)


def _f64(x):
    return numpy.asarray(x, dtype=numpy.float64)


def _away(lo, hi):
    """Values with |x| in [lo, hi] and both signs: kinks at 0 stay away."""
    def make(shape, dtype=numpy.float64, seed=0):
        rng = numpy.random.RandomState(seed)
        x = rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)
        return numpy.asarray(x).astype(dtype)
    return make


def _hard_sigmoid_input(shape, dtype=numpy.float64, seed=0):
    """Values in (-4, 4) at least 0.1 away from the kinks at +-2.5."""
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(-4, 4, shape)
    x = numpy.where(numpy.abs(numpy.abs(x) - 2.5) < 0.1, x * 0.5, x)
    return numpy.asarray(x).astype(dtype)


def _clipped_input(z):
    def make(shape, dtype=numpy.float64, seed=0):
        """Values in (-z, 2z) at least 0.05 * z away from the kinks at 0 and z."""
        rng = numpy.random.RandomState(seed)
        x = rng.uniform(-z, 2 * z, shape)
        x = numpy.where(numpy.abs(x) < 0.05 * z, x + 0.1 * z, x)
        x = numpy.where(numpy.abs(x - z) < 0.05 * z, x + 0.1 * z, x)
        return numpy.asarray(x).astype(dtype)
    return make


def _elu(x, alpha):
    x = _f64(x)
    return numpy.where(x >= 0, x, alpha * (numpy.exp(x) - 1))


def _d_elu(x, alpha):
    x = _f64(x)
    return numpy.where(x >= 0, 1.0, alpha * numpy.exp(x))


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-_f64(x)))


def _cdf(x):
    return 0.5 * (1 + _erf(_f64(x) / math.sqrt(2)))


def _pdf(x):
    return numpy.exp(-_f64(x) ** 2 / 2) / math.sqrt(2 * math.pi)


# id, function, float64 reference, its derivative, input maker, node name
CASES = [
    ('leaky_relu', F.leaky_relu,
     lambda x: numpy.where(_f64(x) >= 0, _f64(x), 0.2 * _f64(x)),
     lambda x: numpy.where(_f64(x) >= 0, 1.0, 0.2), _away(0.1, 3), 'LeakyReLU'),
    ('leaky_relu_slope0.5', lambda x: F.leaky_relu(x, slope=0.5),
     lambda x: numpy.where(_f64(x) >= 0, _f64(x), 0.5 * _f64(x)),
     lambda x: numpy.where(_f64(x) >= 0, 1.0, 0.5), _away(0.1, 3), 'LeakyReLU'),
    ('leaky_relu_slope-0.3', lambda x: F.leaky_relu(x, -0.3),
     lambda x: numpy.where(_f64(x) >= 0, _f64(x), -0.3 * _f64(x)),
     lambda x: numpy.where(_f64(x) >= 0, 1.0, -0.3), _away(0.1, 3), 'LeakyReLU'),
    ('elu', F.elu, lambda x: _elu(x, 1.0), lambda x: _d_elu(x, 1.0),
     _away(0.1, 3), 'ELU'),
    ('elu_alpha0.5', lambda x: F.elu(x, alpha=0.5), lambda x: _elu(x, 0.5),
     lambda x: _d_elu(x, 0.5), _away(0.1, 3), 'ELU'),
    ('selu', F.selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA),
     lambda x: SELU_SCALE * _d_elu(x, SELU_ALPHA), _away(0.1, 3), 'ELU'),
    ('selu_params', lambda x: F.selu(x, alpha=2.0, scale=0.5), lambda x: 0.5 * _elu(x, 2.0),
     lambda x: 0.5 * _d_elu(x, 2.0), _away(0.1, 3), 'ELU'),
    ('hard_sigmoid', F.hard_sigmoid,
     lambda x: numpy.clip(0.2 * _f64(x) + 0.5, 0, 1),
     lambda x: numpy.where(numpy.abs(_f64(x)) < 2.5, 0.2, 0.0),
     _hard_sigmoid_input, 'HardSigmoid'),
    ('softplus', F.softplus, lambda x: numpy.logaddexp(0, _f64(x)),
     lambda x: _sigmoid(x), _away(0, 4), 'Softplus'),
    ('softplus_beta2', lambda x: F.softplus(x, beta=2.0),
     lambda x: numpy.logaddexp(0, 2 * _f64(x)) / 2, lambda x: _sigmoid(2 * _f64(x)),
     _away(0, 4), 'Softplus'),
    ('clipped_relu', F.clipped_relu, lambda x: numpy.clip(_f64(x), 0, 20),
     lambda x: ((_f64(x) > 0) & (_f64(x) < 20)).astype(float), _clipped_input(20.0),
     'ClippedReLU'),
    ('clipped_relu_z1', lambda x: F.clipped_relu(x, z=1.0),
     lambda x: numpy.clip(_f64(x), 0, 1),
     lambda x: ((_f64(x) > 0) & (_f64(x) < 1)).astype(float), _clipped_input(1.0),
     'ClippedReLU'),
    ('gelu', F.gelu, lambda x: _f64(x) * _cdf(x), lambda x: _cdf(x) + _f64(x) * _pdf(x),
     _away(0, 3), 'GELU'),
]
IDS = [c[0] for c in CASES]

TOL = {numpy.float16: dict(atol=2e-3, rtol=4e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-5),
       numpy.float64: dict(atol=1e-14, rtol=1e-13)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 3, 4)])
def test_forward_matches_numpy(name, func, ref, dref, make, label, dtype, shape):
    x = make(shape, dtype)
    x0 = x.copy()
    y = func(x)
    assert isinstance(y, Variable)
    assert y.dtype == dtype and y.shape == shape
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, ref(x), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
def test_backward(name, func, ref, dref, make, label):
    x = make((3, 4))
    check_backward(func, x, numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
def test_gradient_matches_derivative(name, func, ref, dref, make, label):
    x = make((3, 4))
    gy = numpy.random.randn(3, 4)
    vs = [Variable(a) for a in (x,)]
    g, = [g.array for g in fastgrad.grad([func(*vs)], vs, [gy])]
    numpy.testing.assert_allclose(g, gy * dref(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
def test_double_backward(name, func, ref, dref, make, label):
    x = make((3, 4))
    check_double_backward(func, x, numpy.random.randn(3, 4), numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
def test_non_contiguous_input(name, func, ref, dref, make, label):
    base = make((4, 10))
    for x in (base[:, ::2], base.T):
        assert not x.flags.c_contiguous
        numpy.testing.assert_allclose(func(x).array, ref(x), rtol=1e-13, atol=1e-14)
        check_backward(func, x, numpy.random.randn(*x.shape))


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.int32, numpy.int64, numpy.bool_])
def test_non_float_input_is_rejected(name, func, ref, dref, make, label, dtype):
    with pytest.raises(InvalidType, match=label):
        func(numpy.zeros((2, 3), dtype))


@pytest.mark.parametrize('name,func,ref,dref,make,label', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', DTYPES)
def test_large_inputs_stay_finite_and_quiet(name, func, ref, dref, make, label, dtype):
    big = float(numpy.finfo(dtype).max) / 8
    x = numpy.array([-big, -1e4, -100, -30, 0, 30, 100, 1e4, big]).astype(dtype)
    # Underflow (exp of a large negative number) is harmless; overflow is not.
    with numpy.errstate(over='raise', invalid='raise', divide='raise'):
        y = func(x).array
    assert numpy.all(numpy.isfinite(y))
    with numpy.errstate(over='ignore'):
        expect = ref(x)
    numpy.testing.assert_allclose(y, expect, **TOL[dtype])


# -- points the generic tables stay away from -----------------------------------

def test_leaky_relu_gradient_at_zero_is_one():
    # x >= 0 is the identity side, as in Chainer.
    x = Variable(numpy.array([0.0, -0.0, 1.0, -1.0]))
    y = F.leaky_relu(x)
    y.grad = numpy.ones(4)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [1, 1, 1, 0.2])


def test_leaky_relu_slope_scalar_types_keep_dtype():
    x = numpy.array([-1.0, 2.0], numpy.float32)
    for slope in (0.1, numpy.float64(0.1), 1):
        y = F.leaky_relu(x, slope)
        assert y.dtype == numpy.float32


def test_elu_at_zero_and_alpha_zero():
    x = Variable(numpy.array([0.0, -1.0, 2.0]))
    y = F.elu(x, alpha=0.0)
    numpy.testing.assert_array_equal(y.array, [0, 0, 2])
    y.grad = numpy.ones(3)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [1, 0, 1])


def test_selu_fixed_point_constants():
    # The defaults are Chainer's; selu(-inf) -> -scale * alpha.
    y = F.selu(numpy.array([-1e3, 1.0])).array
    numpy.testing.assert_allclose(y, [-SELU_SCALE * SELU_ALPHA, SELU_SCALE], rtol=1e-15)


def test_hard_sigmoid_saturates_with_zero_gradient():
    x = Variable(numpy.array([-10.0, -2.5, 0.0, 2.5, 10.0]))
    y = F.hard_sigmoid(x)
    numpy.testing.assert_allclose(y.array, [0, 0, 0.5, 1, 1])
    y.grad = numpy.ones(5)
    y.backward()
    # The bounds are outside the open interval (-2.5, 2.5).
    numpy.testing.assert_allclose(x.grad, [0, 0, 0.2, 0, 0])


def test_softplus_documented_example():
    x = numpy.arange(-2, 3, 2).astype(numpy.float32)
    y = F.softplus(x, beta=1.0)
    numpy.testing.assert_allclose(y.array, [0.126928, 0.6931472, 2.126928], rtol=1e-6)


def test_clipped_relu_gradient_is_zero_at_both_kinks():
    x = Variable(numpy.array([-1.0, 0.0, 0.5, 1.0, 2.0]))
    y = F.clipped_relu(x, 1.0)
    numpy.testing.assert_array_equal(y.array, [0, 0, 0.5, 1, 1])
    y.grad = numpy.ones(5)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [0, 0, 1, 0, 0])


def test_clipped_relu_rejects_non_positive_cap():
    with pytest.raises(ValueError, match='clipped_relu'):
        F.clipped_relu(numpy.zeros(3), 0.0)


def test_gelu_known_values():
    y = F.gelu(numpy.array([-1.0, 0.0, 1.0, 2.0])).array
    numpy.testing.assert_allclose(
        y, [-0.15865525393145707, 0.0, 0.8413447460685429, 1.9544997361036416],
        rtol=1e-14)


def test_gelu_float16_uses_a_float32_erf():
    x = numpy.linspace(-3, 3, 13).astype(numpy.float16)
    y = F.gelu(x)
    assert y.dtype == numpy.float16
    numpy.testing.assert_allclose(y.array, _f64(x) * _cdf(x), atol=2e-3, rtol=2e-3)


SECOND = [
    ('leaky_relu', F.leaky_relu, lambda x: numpy.zeros_like(x)),
    ('hard_sigmoid', F.hard_sigmoid, lambda x: numpy.zeros_like(x)),
    ('clipped_relu', lambda x: F.clipped_relu(x, 1.0), lambda x: numpy.zeros_like(x)),
    ('elu', lambda x: F.elu(x, 0.5), lambda x: numpy.where(x >= 0, 0, 0.5 * numpy.exp(x))),
    ('selu', F.selu,
     lambda x: numpy.where(x >= 0, 0, SELU_SCALE * SELU_ALPHA * numpy.exp(x))),
    ('softplus', lambda x: F.softplus(x, 2.0),
     lambda x: 2 * _sigmoid(2 * x) * (1 - _sigmoid(2 * x))),
    ('gelu', F.gelu, lambda x: (2 - x * x) * _pdf(x)),
]


@pytest.mark.parametrize('name,func,d2', SECOND, ids=[c[0] for c in SECOND])
def test_second_derivative_matches_formula(name, func, d2):
    # d/dx (dy/dx), through the Variable backward path (fastgrad.grad twice).
    import fastgrad
    x = Variable(_away(0.1, 2)((6,)))
    y = func(x)
    g1, = fastgrad.grad([y], [x], grad_outputs=[Variable(numpy.ones(6))],
                        enable_double_backprop=True)
    g2, = fastgrad.grad([g1], [x], grad_outputs=[Variable(numpy.ones(6))])
    got = numpy.zeros(6) if g2 is None else g2.array
    numpy.testing.assert_allclose(got, d2(x.array), rtol=1e-12, atol=1e-14)


@testing.parameterize(*(
    testing.product({'case': IDS, 'dtype': DTYPES, 'shape': [(3, 4)]})
    + testing.product({'case': IDS, 'dtype': [numpy.float64], 'shape': [()]})))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestElementwiseActivation(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) of every case, on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        _, self.func, self.ref, _, self.make, _ = CASES[IDS.index(self.case)]
        if self.dtype == numpy.float16:
            self.check_forward_options = dict(TOL[numpy.float16])
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = dict(TOL[numpy.float32])
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-3}

    def generate_inputs(self):
        return self.make(self.shape, self.dtype, seed=numpy.random.randint(2 ** 31)),

    def forward(self, inputs, device):
        return self.func(inputs[0]),

    def forward_expected(self, inputs):
        return numpy.asarray(self.ref(inputs[0])).astype(self.dtype),
