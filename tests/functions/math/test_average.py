"""F.mean and F.average (and Variable.mean): forward against NumPy, weights,
both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

AXES = [None, 0, 1, 2, -1, (0, 2), (2, 0), (0, 1, 2), (-1, 0)]
TOL = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}


def _gy_for(shape):
    return numpy.asarray(numpy.random.randn(*shape))


# -- mean ------------------------------------------------------------------

@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_mean_forward(axis, keepdims, dtype):
    x = numpy.random.uniform(-1, 1, (2, 3, 4)).astype(dtype)
    x0 = x.copy()
    expect = x.astype(numpy.float64).mean(axis=axis, keepdims=keepdims)
    for y in (F.mean(x, axis=axis, keepdims=keepdims),
              F.average(x, axis=axis, keepdims=keepdims),
              Variable(x).mean(axis=axis, keepdims=keepdims)):
        assert y.dtype == dtype and y.shape == expect.shape
        assert isinstance(y.array, numpy.ndarray)
        numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
def test_mean_backward(axis, keepdims):
    x = numpy.random.randn(2, 3, 4)
    gy = _gy_for(x.mean(axis=axis, keepdims=keepdims).shape)
    check_backward(lambda v: F.mean(v, axis=axis, keepdims=keepdims), x, gy)


@pytest.mark.parametrize('axis', [None, 1, (0, 2)])
def test_mean_double_backward(axis):
    x = numpy.random.randn(2, 3, 4)
    gy = _gy_for(x.mean(axis=axis).shape)
    check_double_backward(lambda v: F.mean(v * v, axis=axis), x, gy,
                          numpy.random.randn(2, 3, 4))


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_mean_both_backward_paths_agree(axis, keepdims, dtype):
    x = numpy.random.randn(2, 3, 4).astype(dtype)
    gy = _gy_for(x.mean(axis=axis, keepdims=keepdims).shape).astype(dtype)

    def f(v):
        return F.mean(v, axis=axis, keepdims=keepdims)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == x.shape
    numpy.testing.assert_allclose(fast, slow, rtol=TOL[dtype], atol=TOL[dtype])
    n = x.size // x.mean(axis=axis, keepdims=True).size
    kept = x.mean(axis=axis, keepdims=True).shape
    numpy.testing.assert_allclose(
        fast, numpy.broadcast_to(gy.astype(numpy.float64).reshape(kept) / n, x.shape),
        rtol=TOL[dtype], atol=TOL[dtype])


def test_mean_non_contiguous_input():
    base = numpy.random.randn(4, 10)
    for x in (base[:, ::2], base.T):
        numpy.testing.assert_allclose(F.mean(x, axis=1).array, x.mean(axis=1), rtol=1e-14)
        check_backward(lambda v: F.mean(v, axis=0), x, _gy_for((x.shape[1],)))


def test_mean_of_float16_does_not_overflow():
    x = numpy.full((1000,), 60000, numpy.float16)
    assert F.mean(x).array == numpy.float16(60000)


@pytest.mark.parametrize('axis', [3, -4, (0, 3)])
def test_mean_bad_axis_is_invalid_type(axis):
    with pytest.raises(InvalidType, match='Mean'):
        F.mean(numpy.zeros((2, 3, 4)), axis=axis)


def test_mean_duplicate_axis_is_value_error():
    with pytest.raises(ValueError, match='duplicate'):
        F.mean(numpy.zeros((2, 3, 4)), axis=(0, -3))


def test_mean_bad_axis_type_is_type_error():
    with pytest.raises(TypeError):
        F.mean(numpy.zeros((2, 3)), axis=[0, 1])
    with pytest.raises(TypeError):
        F.mean(numpy.zeros((2, 3)), axis=1.0)


def test_mean_int_input_is_invalid_type():
    with pytest.raises(InvalidType, match='Mean'):
        F.mean(numpy.zeros((2, 3), numpy.int32))


# -- weighted average ----------------------------------------------------------

WEIGHTED = [(None, (2, 3, 4)), (0, (2,)), (1, (3,)), (2, (4,)), (-1, (4,)), ((1,), (3,))]


def _ref_average(x, axis, w, keepdims):
    ax = axis[0] if isinstance(axis, tuple) else axis
    y = numpy.average(x, axis=ax, weights=w)
    if keepdims:
        y = numpy.expand_dims(y, tuple(range(x.ndim)) if ax is None else ax)
    return y


@pytest.mark.parametrize('axis,wshape', WEIGHTED)
@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_average_with_weights_forward(axis, wshape, keepdims, dtype):
    x = numpy.random.uniform(-1, 1, (2, 3, 4)).astype(dtype)
    w = numpy.random.uniform(0.5, 2, wshape).astype(dtype)
    x0, w0 = x.copy(), w.copy()
    expect = _ref_average(x.astype(numpy.float64), axis, w.astype(numpy.float64), keepdims)
    for y in (F.average(x, axis=axis, weights=w, keepdims=keepdims),
              F.average(Variable(x), axis=axis, weights=Variable(w), keepdims=keepdims),
              Variable(x).mean(axis=axis, weights=w, keepdims=keepdims)):
        assert y.dtype == dtype and y.shape == expect.shape
        tol = 5 * TOL[dtype]
        numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize('axis,wshape', WEIGHTED)
@pytest.mark.parametrize('keepdims', [False, True])
def test_average_with_weights_backward_both_inputs(axis, wshape, keepdims):
    x = numpy.random.randn(2, 3, 4)
    w = numpy.random.uniform(0.5, 2, wshape)
    gy = _gy_for(_ref_average(x, axis, w, keepdims).shape)

    def f(v, wv):
        return F.average(v, axis=axis, weights=wv, keepdims=keepdims)
    check_backward(f, (x, w), gy)
    vs = [Variable(a.copy()) for a in [x, w]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x, w]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow = [v.grad for v in vs]
    for a, b in zip(fast, slow):
        numpy.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize('axis,wshape', [(None, (2, 3)), (1, (3,))])
def test_average_with_weights_double_backward(axis, wshape):
    x = numpy.random.randn(2, 3)
    w = numpy.random.uniform(0.5, 2, wshape)
    gy = _gy_for(_ref_average(x, axis, w, False).shape)
    check_double_backward(lambda v, wv: F.average(v * v, axis=axis, weights=wv),
                          (x, w), gy, (numpy.random.randn(2, 3), numpy.random.randn(*wshape)))


def test_average_weights_wrong_shape():
    x = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='average'):
        F.average(x, weights=numpy.ones((3,)))          # axis None: x's shape needed
    with pytest.raises(InvalidType, match='average'):
        F.average(x, axis=1, weights=numpy.ones((2,)))  # length of axis 1 is 3
    with pytest.raises(InvalidType, match='average'):
        F.average(x, axis=1, weights=numpy.ones((2, 3)))


def test_average_weights_dtype_mismatch():
    with pytest.raises(InvalidType, match='average'):
        F.average(numpy.zeros((2, 3)), axis=1, weights=numpy.ones(3, numpy.float32))


def test_average_weights_with_several_axes_is_value_error():
    with pytest.raises(ValueError, match='average'):
        F.average(numpy.zeros((2, 3)), axis=(0, 1), weights=numpy.ones((2, 3)))


def test_average_bad_axis_is_invalid_type():
    with pytest.raises(InvalidType):
        F.average(numpy.zeros((2, 3)), axis=2, weights=numpy.ones(3))
    with pytest.raises(InvalidType):
        F.average(numpy.zeros((2, 3)), axis=2)


def test_average_weights_must_be_an_array():
    with pytest.raises(TypeError, match='average'):
        F.average(numpy.zeros((2, 3)), axis=1, weights=[1.0, 2.0, 3.0])


def test_mean_numpy_integer_axis():
    x = numpy.random.randn(2, 3)
    numpy.testing.assert_allclose(F.mean(x, axis=numpy.int64(1)).array, x.mean(axis=1))
    numpy.testing.assert_allclose(F.mean(x, axis=(numpy.int32(0),)).array, x.mean(axis=0))
    with pytest.raises(TypeError):
        F.mean(x, axis=True)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'axis': [None, (0, 2)],
    'keepdims': [False, True],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMean(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, (2, 3, 4))).astype(self.dtype),

    def forward(self, inputs, device):
        return F.mean(inputs[0], axis=self.axis, keepdims=self.keepdims),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.asarray(x.mean(axis=self.axis, keepdims=self.keepdims)).astype(self.dtype),


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 1, 5],
    'keepdims': [False, True],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestAverageWeighted(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.axis, self.wshape = WEIGHTED[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, (2, 3, 4))).astype(self.dtype), numpy.asarray(numpy.random.uniform(0.5, 2, self.wshape)).astype(self.dtype)

    def forward(self, inputs, device):
        x, w = inputs
        return F.average(x, axis=self.axis, weights=w, keepdims=self.keepdims),

    def forward_expected(self, inputs):
        x, w = (a.astype(numpy.float64) for a in inputs)
        return numpy.asarray(_ref_average(x, self.axis, w, self.keepdims)).astype(self.dtype),
