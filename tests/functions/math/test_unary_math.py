"""Elementwise math: log1p, expm1, sqrt, rsqrt, square, sin, cos, log2, log10.
Forward against float64 NumPy, gradients (numeric, analytic, both backward
paths), double backward, second derivatives, dtypes, non-contiguous, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _uniform(lo, hi):
    def make(shape, dtype=numpy.float64, seed=0):
        rng = numpy.random.RandomState(seed)
        return numpy.asarray(rng.uniform(lo, hi, shape)).astype(dtype)
    return make


def _f64(x):
    return numpy.asarray(x, numpy.float64)


LN2, LN10 = numpy.log(2.0), numpy.log(10.0)

# id, function, reference, first and second derivative, input maker, node label
# (Chainer's: the function's name)
CASES = [
    ('log1p', F.log1p, numpy.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2,
     _uniform(-0.5, 2), 'log1p'),
    ('expm1', F.expm1, numpy.expm1, numpy.exp, numpy.exp, _uniform(-2, 2), 'expm1'),
    ('sqrt', F.sqrt, numpy.sqrt, lambda x: 0.5 / numpy.sqrt(x),
     lambda x: -0.25 * x ** -1.5, _uniform(0.5, 3), 'sqrt'),
    ('rsqrt', F.rsqrt, lambda x: 1 / numpy.sqrt(x), lambda x: -0.5 * x ** -1.5,
     lambda x: 0.75 * x ** -2.5, _uniform(0.5, 3), 'rsqrt'),
    ('square', F.square, numpy.square, lambda x: 2 * x, lambda x: 2 + 0 * x,
     _uniform(-2, 2), 'square'),
    ('sin', F.sin, numpy.sin, numpy.cos, lambda x: -numpy.sin(x), _uniform(-4, 4), 'sin'),
    ('cos', F.cos, numpy.cos, lambda x: -numpy.sin(x), lambda x: -numpy.cos(x),
     _uniform(-4, 4), 'cos'),
    ('log2', F.log2, numpy.log2, lambda x: 1 / (x * LN2), lambda x: -1 / (x * x * LN2),
     _uniform(0.5, 3), 'log2'),
    ('log10', F.log10, numpy.log10, lambda x: 1 / (x * LN10),
     lambda x: -1 / (x * x * LN10), _uniform(0.5, 3), 'log10'),
]
IDS = [c[0] for c in CASES]
TOL = {numpy.float16: dict(atol=2e-3, rtol=2e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-6),
       numpy.float64: dict(atol=1e-15, rtol=1e-14)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(), (5,), (3, 4), (2, 3, 4)])
def test_forward(name, func, ref, d1, d2, make, label, dtype, shape):
    x = make(shape, dtype)
    x0 = x.copy()
    y = func(x)
    assert isinstance(y, Variable) and isinstance(y.array, numpy.ndarray)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(_f64(x)), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
def test_backward(name, func, ref, d1, d2, make, label):
    check_backward(func, make((3, 4)), numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
def test_double_backward(name, func, ref, d1, d2, make, label):
    check_double_backward(func, make((3, 4)), numpy.random.randn(3, 4),
                          numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
def test_derivatives_match_formulas(name, func, ref, d1, d2, make, label):
    x = Variable(make((6,)))
    gy = numpy.random.randn(6)
    g1, = fastgrad.grad([func(x)], [x], grad_outputs=[Variable(gy)],
                        enable_double_backprop=True)
    numpy.testing.assert_allclose(g1.array, gy * d1(x.array), rtol=1e-13)
    g2, = fastgrad.grad([g1], [x], grad_outputs=[Variable(numpy.ones(6))])
    numpy.testing.assert_allclose(g2.array, gy * d2(x.array), rtol=1e-12)


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(4, 5), ()])
def test_both_backward_paths_agree(name, func, ref, d1, d2, make, label, dtype, shape):
    x = make(shape, dtype)
    gy = numpy.asarray(numpy.random.randn(*shape)).astype(dtype)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([func(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([func(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == x.shape
    numpy.testing.assert_allclose(fast, slow, **TOL[dtype])
    numpy.testing.assert_allclose(fast, _f64(gy) * d1(_f64(x)),
                                  **{numpy.float16: dict(atol=1e-2, rtol=1e-2)}.get(
                                      dtype, TOL[dtype]))


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
def test_non_contiguous_input(name, func, ref, d1, d2, make, label):
    base = make((4, 10))
    for x in (base[:, ::2], base.T):
        assert not x.flags.c_contiguous
        numpy.testing.assert_allclose(func(x).array, ref(x), rtol=1e-15)
        check_backward(func, x, numpy.random.randn(*x.shape))


@pytest.mark.parametrize('name,func,ref,d1,d2,make,label', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.int32, numpy.int64, numpy.bool_])
def test_non_float_input_is_rejected(name, func, ref, d1, d2, make, label, dtype):
    with pytest.raises(InvalidType, match=label):
        func(numpy.ones((2, 3), dtype))


def test_log1p_and_expm1_are_accurate_near_zero():
    x = numpy.array([1e-12, -1e-12, 1e-8], numpy.float64)
    numpy.testing.assert_allclose(F.log1p(x).array, x - x * x / 2, rtol=1e-15)
    numpy.testing.assert_allclose(F.expm1(x).array, x + x * x / 2, rtol=1e-15)


def test_sqrt_and_rsqrt_at_zero_follow_numpy():
    with numpy.errstate(divide='ignore'):
        numpy.testing.assert_array_equal(F.sqrt(numpy.zeros(2)).array, [0, 0])
        numpy.testing.assert_array_equal(F.rsqrt(numpy.zeros(2)).array, [numpy.inf] * 2)


@testing.parameterize(*(
    testing.product({'dtype': DTYPES, 'func': IDS, 'shape': [(4, 5)]})
    + testing.product({'dtype': [numpy.float64], 'func': IDS, 'shape': [()]})))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestUnaryMath(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        _, self.func_, self.ref, _, _, self.make, _ = CASES[IDS.index(self.func)]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return self.make(self.shape, self.dtype, seed=numpy.random.randint(2 ** 31)),

    def forward(self, inputs, device):
        return self.func_(inputs[0]),

    def forward_expected(self, inputs):
        return numpy.asarray(self.ref(inputs[0].astype(numpy.float64))).astype(self.dtype),


@pytest.mark.parametrize('name', ['sin', 'cos', 'tan', 'arcsin', 'arccos', 'arctan', 'sinh',
                                  'cosh', 'arctanh', 'exp', 'log', 'log2', 'log10', 'log1p',
                                  'expm1', 'sqrt', 'rsqrt', 'square'])
def test_label_is_the_function_name(name):
    # Chainer labels these nodes with the function's name
    y = getattr(F, name)(numpy.full((2,), 0.5, numpy.float32))
    assert y.creator.label == name


def test_arctan2_and_fmod_labels():
    x = numpy.full((2,), 0.5, numpy.float32)
    assert F.arctan2(x, x).creator.label == 'arctan2'
    assert F.fmod(x, x).creator.label == 'fmod'
