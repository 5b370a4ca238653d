"""F.softmax and F.log_softmax: any axis, stability, both backward paths,
double backward, dtypes (float16 computed in float32), errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _softmax(x, axis):
    x = numpy.asarray(x, numpy.float64)
    e = numpy.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    x = numpy.asarray(x, numpy.float64)
    z = x - x.max(axis=axis, keepdims=True)
    return z - numpy.log(numpy.exp(z).sum(axis=axis, keepdims=True))


FUNCS = [('softmax', F.softmax, _softmax, 'Softmax'),
         ('log_softmax', F.log_softmax, _log_softmax, 'LogSoftmax')]
IDS = [c[0] for c in FUNCS]
TOL = {numpy.float16: dict(atol=2e-3, rtol=2e-3),
       numpy.float32: dict(atol=1e-6, rtol=1e-5),
       numpy.float64: dict(atol=1e-14, rtol=1e-13)}
DTYPES = [numpy.float16, numpy.float32, numpy.float64]
SHAPE_AXES = [((3, 4), 1), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((2, 3, 4), 2),
              ((2, 3, 4), -3), ((5,), 0), ((2, 1, 3), 1)]


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('shape,axis', SHAPE_AXES)
@pytest.mark.parametrize('dtype', DTYPES)
def test_forward(name, func, ref, label, shape, axis, dtype):
    x = numpy.random.uniform(-3, 3, shape).astype(dtype)
    x0 = x.copy()
    y = func(x, axis=axis)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x, axis), **TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


def test_default_axis_is_1():
    x = numpy.random.randn(2, 3, 4)
    numpy.testing.assert_allclose(F.softmax(x).array, _softmax(x, 1), rtol=1e-14)
    numpy.testing.assert_allclose(F.log_softmax(x).array, _log_softmax(x, 1), rtol=1e-14)


@pytest.mark.parametrize('dtype', DTYPES)
def test_softmax_sums_to_one(dtype):
    x = numpy.random.uniform(-5, 5, (6, 7)).astype(dtype)
    y = F.softmax(x).array
    numpy.testing.assert_allclose(y.astype(numpy.float64).sum(axis=1), numpy.ones(6),
                                  rtol={numpy.float16: 4e-3}.get(dtype, 1e-6))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('dtype', DTYPES)
def test_extreme_inputs_are_stable(name, func, ref, label, dtype):
    big = float(numpy.finfo(dtype).max) / 4
    x = numpy.array([[-big, 0, big], [1000, 1000, 999], [-1e4, -1e4, -1e4]]).astype(dtype)
    with numpy.errstate(over='raise', invalid='raise', divide='raise'):
        y = func(x).array
    assert numpy.all(numpy.isfinite(y))
    numpy.testing.assert_allclose(y, ref(x, 1), **TOL[dtype])


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('shape,axis', SHAPE_AXES)
def test_backward(name, func, ref, label, shape, axis):
    x = numpy.random.randn(*shape)
    check_backward(lambda v: func(v, axis=axis), x, numpy.random.randn(*shape))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('shape,axis', [((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4), 2)])
def test_double_backward(name, func, ref, label, shape, axis):
    x = numpy.random.randn(*shape)
    check_double_backward(lambda v: func(v, axis=axis), x, numpy.random.randn(*shape),
                          numpy.random.randn(*shape))


def test_gradient_formulas():
    x = numpy.random.randn(3, 5)
    gy = numpy.random.randn(3, 5)
    s = _softmax(x, 1)
    vs = [Variable(a) for a in (x,)]
    g, = [g.array for g in fastgrad.grad([F.softmax(*vs)], vs, [gy])]
    numpy.testing.assert_allclose(g, s * (gy - (s * gy).sum(axis=1, keepdims=True)),
                                  rtol=1e-12, atol=1e-14)
    vs = [Variable(a) for a in (x,)]
    g, = [g.array for g in fastgrad.grad([F.log_softmax(*vs)], vs, [gy])]
    numpy.testing.assert_allclose(g, gy - s * gy.sum(axis=1, keepdims=True),
                                  rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
def test_non_contiguous_input(name, func, ref, label):
    base = numpy.random.randn(4, 10)
    for x in (base[:, ::2], base.T):
        assert not x.flags.c_contiguous
        for axis in (0, 1):
            numpy.testing.assert_allclose(func(x, axis).array, ref(x, axis), rtol=1e-13,
                                          atol=1e-15)
        check_backward(func, x, numpy.random.randn(*x.shape))


def test_log_softmax_matches_log_of_softmax_where_that_is_safe():
    x = numpy.random.randn(4, 6)
    numpy.testing.assert_allclose(F.log_softmax(x).array, numpy.log(F.softmax(x).array),
                                  rtol=1e-13)


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.int32, numpy.bool_])
def test_non_float_input_is_rejected(name, func, ref, label, dtype):
    with pytest.raises(InvalidType, match=label):
        func(numpy.zeros((2, 3), dtype))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('axis', [2, -3, 5])
def test_axis_out_of_range_is_rejected(name, func, ref, label, axis):
    with pytest.raises(InvalidType, match=label) as e:
        func(numpy.zeros((2, 3)), axis=axis)
    assert 'axis = {}'.format(axis) in str(e.value)


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('axis', [None, 1.0, (1,), True])
def test_axis_must_be_an_int(name, func, ref, label, axis):
    with pytest.raises(TypeError, match=name):
        func(numpy.zeros((2, 3)), axis=axis)


@testing.parameterize(*testing.product({
    'name': ['softmax', 'log_softmax'],
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'axis': [0, 2],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSoftmaxCase(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) for both functions, any axis."""

    def setUp(self):
        self.func = dict(FUNCS_BY_NAME)[self.name]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 2e-3, 'rtol': 2e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.random.uniform(-2, 2, (2, 3, 4)).astype(self.dtype),

    def forward(self, inputs, device):
        return self.func[0](inputs[0], axis=self.axis),

    def forward_expected(self, inputs):
        return self.func[1](inputs[0], self.axis).astype(self.dtype),


FUNCS_BY_NAME = [(c[0], (c[1], c[2])) for c in FUNCS]
