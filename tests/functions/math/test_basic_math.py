"""Variable's arithmetic operators (basic_math): every operator, including the
reflected and constant forms, against NumPy; gradients on both backward paths;
double backward; broadcasting, dtypes, non-contiguous inputs and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable, testing, utils
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _positive(shape, dtype=numpy.float64, seed=0):
    """Values in [0.5, 2]: safe for division, log and fractional powers."""
    rng = numpy.random.RandomState(seed)
    return numpy.asarray(rng.uniform(0.5, 2.0, shape)).astype(dtype)


def _signed(shape, dtype=numpy.float64, seed=0):
    """Values with |x| in [0.5, 2] and both signs (abs's kink stays far away)."""
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return numpy.asarray(x).astype(dtype)


# name, fastgrad expression, NumPy reference, input maker
BINARY = [
    ('add', lambda a, b: a + b, lambda a, b: a + b, _signed),
    ('sub', lambda a, b: a - b, lambda a, b: a - b, _signed),
    ('mul', lambda a, b: a * b, lambda a, b: a * b, _signed),
    ('div', lambda a, b: a / b, lambda a, b: a / b, _signed),
    ('pow', lambda a, b: a ** b, lambda a, b: a ** b, _positive),
    ('F.add3', lambda a, b: F.add(a, b, a), lambda a, b: a + b + a, _signed),
]

# the Variable meets a constant array (not differentiated), on either side
WITH_ARRAY = [
    ('v+arr', lambda a, c: a + c, lambda a, c: a + c),
    ('arr+v', lambda a, c: c + a, lambda a, c: c + a),
    ('v-arr', lambda a, c: a - c, lambda a, c: a - c),
    ('arr-v', lambda a, c: c - a, lambda a, c: c - a),
    ('v*arr', lambda a, c: a * c, lambda a, c: a * c),
    ('arr*v', lambda a, c: c * a, lambda a, c: c * a),
    ('v/arr', lambda a, c: a / c, lambda a, c: a / c),
    ('arr/v', lambda a, c: c / a, lambda a, c: c / a),
    ('v**arr', lambda a, c: a ** c, lambda a, c: a ** c),
    ('arr**v', lambda a, c: c ** a, lambda a, c: c ** a),
]

UNARY = [
    ('v+2', lambda a: a + 2, lambda a: a + 2, _signed),
    ('2+v', lambda a: 2 + a, lambda a: 2 + a, _signed),
    ('v-2', lambda a: a - 2, lambda a: a - 2, _signed),
    ('2-v', lambda a: 2 - a, lambda a: 2 - a, _signed),
    ('v*3', lambda a: a * 3, lambda a: a * 3, _signed),
    ('3*v', lambda a: 3 * a, lambda a: 3 * a, _signed),
    ('v/4', lambda a: a / 4, lambda a: a / 4, _signed),
    ('4/v', lambda a: 4 / a, lambda a: 4 / a, _signed),
    ('v**2', lambda a: a ** 2, lambda a: a ** 2, _signed),
    ('v**2.5', lambda a: a ** 2.5, lambda a: a ** 2.5, _positive),
    ('v**-1', lambda a: a ** -1, lambda a: a ** -1.0, _signed),
    ('2**v', lambda a: 2 ** a, lambda a: 2.0 ** a, _signed),
    ('1.5**v', lambda a: 1.5 ** a, lambda a: 1.5 ** a, _signed),
    ('-v', lambda a: -a, lambda a: -a, _signed),
    ('+v', lambda a: +a, lambda a: +a, _signed),
    ('abs', lambda a: abs(a), lambda a: abs(a), _signed),
    ('F.absolute', F.absolute, numpy.abs, _signed),
    ('F.neg', F.neg, numpy.negative, _signed),
    ('v+np.float64', lambda a: a + numpy.float64(0.5), lambda a: a + 0.5, _signed),
    ('np.float64*v', lambda a: numpy.float64(1.5) * a, lambda a: 1.5 * a, _signed),
]

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 3, 4), (3, 1))]


# -- forward ------------------------------------------------------------------

@pytest.mark.parametrize('name,op,ref,make', BINARY, ids=[c[0] for c in BINARY])
@pytest.mark.parametrize('sa,sb', SHAPES)
def test_binary_forward(name, op, ref, make, sa, sb):
    a, b = make(sa, seed=1), make(sb, seed=2)
    a0, b0 = a.copy(), b.copy()
    y = op(Variable(a), Variable(b))
    expect = ref(a, b)
    assert y.shape == numpy.shape(expect) and y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-14)
    numpy.testing.assert_array_equal(a, a0)
    numpy.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize('name,op,ref', WITH_ARRAY, ids=[c[0] for c in WITH_ARRAY])
def test_with_array_forward(name, op, ref):
    a, c = _positive((3, 4), seed=1), _positive((3, 4), seed=2)
    y = op(Variable(a), c)
    assert isinstance(y, Variable)
    numpy.testing.assert_allclose(y.array, ref(a, c), rtol=1e-14)


@pytest.mark.parametrize('name,op,ref,make', UNARY, ids=[c[0] for c in UNARY])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_unary_forward_keeps_dtype(name, op, ref, make, dtype):
    a = make((3, 4), dtype)
    a0 = a.copy()
    y = op(Variable(a))
    assert isinstance(y, Variable)
    assert y.dtype == dtype and y.shape == (3, 4)
    tol = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
    numpy.testing.assert_allclose(y.array, ref(a.astype(numpy.float64)), rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(a, a0)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_binary_forward_dtypes(dtype):
    a, b = _positive((3, 4), dtype, 1), _positive((3, 4), dtype, 2)
    for name, op, ref, _ in BINARY:
        y = op(Variable(a), Variable(b))
        assert y.dtype == dtype, name
        tol = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}[dtype]
        numpy.testing.assert_allclose(y.array, ref(a.astype(numpy.float64), b.astype(
            numpy.float64)), rtol=tol, err_msg=name)


def test_floordiv_forward_and_no_gradient():
    a, b = _positive((3, 4), seed=1) * 3, _positive((3, 4), seed=2)
    va, vb = Variable(a), Variable(b)
    numpy.testing.assert_array_equal((va // vb).array, a // b)
    numpy.testing.assert_array_equal((va // 2).array, a // 2)
    numpy.testing.assert_array_equal((7 // va).array, 7 // a)
    numpy.testing.assert_array_equal((b // va).array, b // a)
    numpy.testing.assert_array_equal(F.floordiv(va, vb).array, a // b)
    y = F.sum(va // vb + va)
    y.backward()
    numpy.testing.assert_array_equal(va.grad, numpy.ones_like(a))   # only the + term
    assert vb.grad is None


# -- backward -----------------------------------------------------------------

@pytest.mark.parametrize('name,op,ref,make', BINARY, ids=[c[0] for c in BINARY])
@pytest.mark.parametrize('sa,sb', SHAPES)
def test_binary_backward(name, op, ref, make, sa, sb):
    a, b = make(sa, seed=1), make(sb, seed=2)
    gy = numpy.random.randn(*numpy.broadcast_shapes(sa, sb))
    check_backward(op, (a, b), gy)


@pytest.mark.parametrize('name,op,ref,make', BINARY, ids=[c[0] for c in BINARY])
def test_binary_double_backward(name, op, ref, make):
    a, b = make((3, 4), seed=1), make((4,), seed=2)
    gy = numpy.random.randn(3, 4)
    check_double_backward(op, (a, b), gy, (numpy.random.randn(3, 4), numpy.random.randn(4)))


@pytest.mark.parametrize('name,op,ref', WITH_ARRAY, ids=[c[0] for c in WITH_ARRAY])
def test_with_array_backward_and_double_backward(name, op, ref):
    a, c = _positive((3, 4), seed=1), _positive((3, 4), seed=2)
    gy = numpy.random.randn(3, 4)
    check_backward(lambda v: op(v, c), a, gy)
    check_double_backward(lambda v: op(v, c), a, gy, numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,op,ref,make', UNARY, ids=[c[0] for c in UNARY])
def test_unary_backward(name, op, ref, make):
    a = make((3, 4))
    check_backward(op, a, numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,op,ref,make', UNARY, ids=[c[0] for c in UNARY])
def test_unary_double_backward(name, op, ref, make):
    a = make((3, 4))
    check_double_backward(op, a, numpy.random.randn(3, 4), numpy.random.randn(3, 4))


def test_broadcast_gradients_are_summed_to_input_shapes():
    a, b = _signed((3, 1), seed=1), _signed((1, 4), seed=2)
    va, vb = Variable(a), Variable(b)
    y = va * vb
    y.grad = numpy.ones((3, 4))
    y.backward()
    assert va.grad.shape == (3, 1) and vb.grad.shape == (1, 4)
    numpy.testing.assert_allclose(va.grad, b.sum(axis=1, keepdims=True).repeat(3, 0))
    numpy.testing.assert_allclose(vb.grad, a.sum(axis=0, keepdims=True).repeat(4, 1))


def test_same_variable_on_both_sides():
    a = _signed((3, 4))
    v = Variable(a)
    y = F.sum(v * v + v)
    y.backward()
    numpy.testing.assert_allclose(v.grad, 2 * a + 1)


def test_non_contiguous_operands():
    base_a, base_b = _positive((4, 10), seed=1), _positive((10, 4), seed=2)
    a, b = base_a[:, ::2], base_b.T[:, 1::2]
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    gy = numpy.random.randn(4, 5)
    for name, op, ref, _ in BINARY:
        numpy.testing.assert_allclose(op(Variable(a), Variable(b)).array, ref(a, b),
                                      rtol=1e-14, err_msg=name)
        check_backward(op, (a, b), gy)
    check_backward(lambda v: 2 / v, base_a.T, numpy.random.randn(10, 4))


def test_numpy_scalar_constant_keeps_the_variable_dtype():
    a = _signed((2, 3), numpy.float32)
    for y in (Variable(a) * numpy.float64(2), Variable(a) + numpy.float64(2),
              numpy.float64(2) - Variable(a), Variable(a) / numpy.float64(2),
              Variable(a) ** numpy.float64(2)):
        assert y.dtype == numpy.float32


def test_array_operand_of_another_dtype_is_cast():
    a = _signed((2, 3), numpy.float32)
    c = _signed((2, 3), numpy.float64, seed=3)
    y = Variable(a) + c
    assert y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, a + c.astype(numpy.float32), rtol=1e-6)


@pytest.mark.parametrize('op', [lambda v, c: c ** v, lambda v, c: c - v,
                                lambda v, c: c / v], ids=['arr**v', 'arr-v', 'arr/v'])
@pytest.mark.parametrize('vdtype,cdtype', [(numpy.float64, numpy.float16),
                                           (numpy.float64, numpy.float32),
                                           (numpy.float32, numpy.float64)])
def test_reflected_array_operand_takes_the_variable_dtype(op, vdtype, cdtype):
    # the constant array is cast to the Variable's dtype, as in Chainer
    a = _positive((3, 2), vdtype)
    c = _positive((3, 2), cdtype, seed=5)
    y = op(Variable(a), c)
    assert y.dtype == vdtype
    numpy.testing.assert_allclose(y.array, op(a, c.astype(vdtype)), rtol=1e-6)
    if vdtype == numpy.float64:
        gy = numpy.random.RandomState(1).standard_normal((3, 2))
        ggx = numpy.random.RandomState(2).standard_normal((3, 2))
        check_backward(lambda v: op(v, c), a, gy)
        check_double_backward(lambda v: op(v, c), a, gy, ggx)


# -- labels (Chainer's) ----------------------------------------------------------

def test_labels_name_the_operation():
    from fastgrad.functions.math import basic_math as bm
    x = Variable(_signed((2, 2)))
    cases = [(-x, '__neg__'), (abs(x), '|_|'), (x + x, '_ + _'), (x - x, '_ - _'),
             (x * x, '_ * _'), (x / x, '_ / _'), (abs(x) ** x, '_ ** _'),
             (x + 2, '_ + 2'), (x * 2.5, '_ * 2.5'), (x - 2, '_ + (-2)'),
             (2.0 - x, '2.0 - _'), (3 / x, '3 / _'), (x ** 2, '_ ** 2'),
             (2 ** x, '2 ** _'), (x / 4.0, '_ / 4.0')]
    if utils.LEGACY_PROMOTION:
        # NumPy 1 (value-based promotion): a Python int is cast to x's dtype
        # when the op is made, so it reads as a float there
        as_float = {'_ + 2': '_ + 2.0', '_ + (-2)': '_ + (-2.0)', '3 / _': '3.0 / _',
                    '_ ** 2': '_ ** 2.0', '2 ** _': '2.0 ** _'}
        cases = [(y, as_float.get(label, label)) for y, label in cases]
    for y, label in cases:
        assert y.creator.label == label
    assert bm.PowConstVar(-1.5).label == '(-1.5) ** _'


def test_constant_strings():
    from fastgrad.functions.math.basic_math import _convert_value_to_string as conv
    assert [conv(v) for v in (2, 0, -2, 2.0, -0.5, numpy.float32(2))] == \
        ['2', '0', '(-2)', '2.0', '(-0.5)', '2.0']
    assert conv(numpy.zeros(2)) == conv(Variable(numpy.zeros(2))) == 'constant array'
    with pytest.raises(ValueError, match='expected a Variable, a scalar or an ndarray'):
        conv([1, 2])


# -- errors --------------------------------------------------------------------

@pytest.mark.parametrize('op,name', [
    (lambda a, b: a + b, 'Add'), (lambda a, b: a - b, 'Sub'), (lambda a, b: a * b, 'Mul'),
    (lambda a, b: a / b, 'Div'), (lambda a, b: a ** b, 'Pow')])
def test_dtype_mismatch_between_variables_is_invalid_type(op, name):
    a = Variable(_positive((2, 3), numpy.float32))
    b = Variable(_positive((2, 3), numpy.float64))
    with pytest.raises(InvalidType, match=name):
        op(a, b)


@pytest.mark.parametrize('op,name', [
    (lambda a, b: a + b, 'Add'), (lambda a, b: a - b, 'Sub'), (lambda a, b: a * b, 'Mul'),
    (lambda a, b: a / b, 'Div')])
def test_incompatible_shapes_are_invalid_type(op, name):
    a = Variable(_positive((2, 3)))
    b = Variable(_positive((4,)))
    with pytest.raises(InvalidType, match=name) as e:
        op(a, b)
    assert '(2, 3)' in str(e.value) and '(4,)' in str(e.value)


@pytest.mark.parametrize('op', [lambda a: a + 'x', lambda a: a * [1, 2], lambda a: a - None,
                                lambda a: a / {}])
def test_unsupported_operand_type_is_type_error(op):
    with pytest.raises(TypeError):
        op(Variable(_positive((2,))))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'op': [c[0] for c in BINARY],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestBinaryOperator(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        _, self.op_func, self.ref, self.make = [c for c in BINARY if c[0] == self.op][0]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return (self.make((3, 4), self.dtype, seed=numpy.random.randint(2 ** 31)),
                self.make((3, 1), self.dtype, seed=numpy.random.randint(2 ** 31)))

    def forward(self, inputs, device):
        return self.op_func(*inputs),

    def forward_expected(self, inputs):
        a, b = (x.astype(numpy.float64) for x in inputs)
        return numpy.asarray(self.ref(a, b)).astype(self.dtype),


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'op': [c[0] for c in UNARY],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestUnaryOperator(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        _, self.op_func, self.ref, self.make = [c for c in UNARY if c[0] == self.op][0]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return self.make((3, 4), self.dtype, seed=numpy.random.randint(2 ** 31)),

    def forward(self, inputs, device):
        return self.op_func(inputs[0]),

    def forward_expected(self, inputs):
        return numpy.asarray(self.ref(inputs[0].astype(numpy.float64))).astype(self.dtype),
