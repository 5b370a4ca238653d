"""F.prod: axes, keepdims, exact gradients with zeros (no division), both
backward paths, double backward, dtypes, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

AXES = [None, 0, 1, 2, -1, (0, 2), (2, 0), (0, 1, 2), ()]


def _ref_grad(x, axis, gy):
    """d prod / d x[i] = product of the other elements, by brute force."""
    x = numpy.asarray(x, numpy.float64)
    kept = numpy.prod(x, axis=axis, keepdims=True).shape
    gy = numpy.asarray(gy, numpy.float64).reshape(kept)
    g = numpy.empty_like(x)
    for idx in numpy.ndindex(*x.shape):
        x1 = x.copy()
        x1[idx] = 1.0
        p = numpy.prod(x1, axis=axis, keepdims=True)
        sel = tuple(0 if kept[d] == 1 else idx[d] for d in range(x.ndim))
        g[idx] = p[sel] * gy[sel]
    return g


def _input(shape, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    return numpy.asarray(x).astype(dtype)


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(axis, keepdims, dtype):
    x = _input((2, 3, 4), dtype)
    x0 = x.copy()
    y = F.prod(x, axis=axis, keepdims=keepdims)
    expect = numpy.prod(x.astype(numpy.float64), axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == expect.shape
    assert isinstance(y.array, numpy.ndarray)
    tol = {numpy.float16: 1e-2, numpy.float32: 1e-5, numpy.float64: 1e-13}[dtype]
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
def test_backward(axis, keepdims):
    x = _input((2, 3, 4))
    gy = numpy.asarray(numpy.random.randn(*numpy.prod(x, axis=axis, keepdims=keepdims).shape))
    check_backward(lambda v: F.prod(v, axis=axis, keepdims=keepdims), x, gy)


@pytest.mark.parametrize('axis', [None, 1, (0, 2)])
def test_double_backward(axis):
    x = _input((2, 3, 3))
    gy = numpy.asarray(numpy.random.randn(*numpy.prod(x, axis=axis).shape))
    check_double_backward(lambda v: F.prod(v, axis=axis), x, gy, numpy.random.randn(2, 3, 3))


ZEROS = [numpy.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),
         numpy.array([0.0]), numpy.array([[0.0, 5.0]])]


@pytest.mark.parametrize('x', ZEROS)
@pytest.mark.parametrize('axis', [None, 0, -1])
@pytest.mark.parametrize('double', [False, True])
def test_gradient_with_zeros_is_exact(x, axis, double):
    gy = numpy.asarray(numpy.random.randn(*numpy.prod(x, axis=axis).shape))
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: F.prod(v, axis=axis))(*vs)], [gy.copy()],
                      enable_double_backprop=double)
    g, = [v.grad for v in vs]
    numpy.testing.assert_allclose(g, _ref_grad(x, axis, gy), rtol=1e-14)
    assert numpy.all(numpy.isfinite(g))


@pytest.mark.parametrize('axis', [None, 1])
def test_double_backward_with_zeros(axis):
    x = numpy.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 3.0]])
    gy = numpy.asarray(numpy.random.randn(*numpy.prod(x, axis=axis).shape))
    check_double_backward(lambda v: F.prod(v, axis=axis), x, gy, numpy.random.randn(3, 3))


@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(axis, dtype):
    x = _input((2, 3, 4), dtype)
    gy = numpy.asarray(numpy.random.randn(*numpy.prod(x, axis=axis).shape)).astype(dtype)

    def f(v):
        return F.prod(v, axis=axis)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == x.shape
    tol = {numpy.float16: 1e-2, numpy.float32: 1e-5, numpy.float64: 1e-13}[dtype]
    numpy.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(fast, _ref_grad(x, axis, gy), rtol=tol, atol=tol)


def test_zero_size_axis():
    x = numpy.zeros((2, 0, 3))
    y = F.prod(Variable(x), axis=1)
    numpy.testing.assert_array_equal(y.array, numpy.ones((2, 3)))
    v = Variable(x)
    y = F.prod(v, axis=1)
    y.grad = numpy.ones((2, 3))
    y.backward()
    assert v.grad.shape == (2, 0, 3)


def test_non_contiguous_input():
    x = _input((4, 6))[:, ::2]
    assert not x.flags.c_contiguous
    numpy.testing.assert_allclose(F.prod(x, axis=0).array, x.prod(axis=0), rtol=1e-14)
    check_backward(lambda v: F.prod(v, axis=1), x, numpy.random.randn(4))


def test_errors():
    x = numpy.ones((2, 3))
    with pytest.raises(InvalidType, match='Prod'):
        F.prod(x, axis=2)
    with pytest.raises(ValueError, match='duplicate'):
        F.prod(x, axis=(0, -2))
    with pytest.raises(TypeError, match='axis'):
        F.prod(x, axis=[0])
    with pytest.raises(InvalidType, match='Prod'):
        F.prod(numpy.ones(3, numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'axis': [None, 1, (0, 2)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestProd(testing.FunctionTestCase):
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
        return _input((2, 3, 4), self.dtype, seed=numpy.random.randint(2 ** 31)),

    def forward(self, inputs, device):
        return F.prod(inputs[0], axis=self.axis),

    def forward_expected(self, inputs):
        x = inputs[0].astype(numpy.float64)
        return numpy.asarray(numpy.prod(x, axis=self.axis)).astype(self.dtype),
