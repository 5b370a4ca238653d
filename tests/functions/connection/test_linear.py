"""F.linear: values against x @ W.T + b in every memory layout (BLAS path and
NumPy fallback), batch axes, dtypes, gradients on both backward paths, double
backward and errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad._core import blas
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-12}


def _data(n=4, k=3, m=2, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    return (rng.uniform(-1, 1, (n, k)).astype(dtype), rng.uniform(-1, 1, (m, k)).astype(dtype),
            rng.uniform(-1, 1, m).astype(dtype))


def _ref(x, W, b=None):
    y = x.astype(numpy.float64) @ W.astype(numpy.float64).T
    return y if b is None else y + b.astype(numpy.float64)


def _layouts(a):
    """The same matrix C-ordered, F-ordered, column-strided, row-strided, transposed view."""
    big = numpy.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)
    big[::2, ::3] = a
    wide = numpy.zeros((a.shape[0], a.shape[1] + 5), a.dtype)
    wide[:, :a.shape[1]] = a
    return {'C': numpy.ascontiguousarray(a), 'F': numpy.asfortranarray(a),
            'strided': big[::2, ::3], 'row-slice': wide[:, :a.shape[1]],
            'T-view': numpy.ascontiguousarray(a.T).T}


@pytest.fixture
def numpy_fallback(monkeypatch):
    """Force LinearFunction off the BLAS kernels onto the array module's dot."""
    monkeypatch.setattr(blas, 'supports', lambda x, W: False)


# -- forward -------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('with_bias', [True, False])
def test_forward(dtype, with_bias):
    x, W, b = _data(dtype=dtype)
    b = b if with_bias else None
    saved = [a.copy() for a in (x, W, b) if a is not None]
    y = F.linear(x, W, b)
    assert y.dtype == dtype and y.shape == (4, 2)
    numpy.testing.assert_allclose(y.array, _ref(x, W, b), rtol=TOL[dtype], atol=TOL[dtype])
    for a, s in zip([a for a in (x, W, b) if a is not None], saved):
        numpy.testing.assert_array_equal(a, s)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('x_layout', ['C', 'F', 'strided', 'row-slice', 'T-view'])
@pytest.mark.parametrize('W_layout', ['C', 'F', 'strided', 'row-slice', 'T-view'])
def test_all_layouts_on_blas_path(dtype, x_layout, W_layout):
    x, W, b = _data(7, 5, 3, dtype)
    xl, Wl = _layouts(x)[x_layout], _layouts(W)[W_layout]
    assert blas.supports(xl, Wl)
    y = F.linear(xl, Wl, b)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, W, b), rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_allclose(F.linear(xl, Wl).array, _ref(x, W), rtol=TOL[dtype],
                                  atol=TOL[dtype])
    gy = numpy.random.RandomState(2).uniform(-1, 1, (7, 3)).astype(dtype)
    vs = [Variable(a.copy()) for a in [xl, Wl, b]]
    fastgrad.backward([F.linear(*vs)], [gy.copy()])
    gx, gW, gb = [v.grad for v in vs]
    g64 = gy.astype(numpy.float64)
    numpy.testing.assert_allclose(gx, g64 @ W.astype(numpy.float64), rtol=TOL[dtype],
                                  atol=TOL[dtype])
    numpy.testing.assert_allclose(gW, g64.T @ x.astype(numpy.float64), rtol=TOL[dtype],
                                  atol=TOL[dtype])
    numpy.testing.assert_allclose(gb, g64.sum(axis=0), rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('layout', ['C', 'F', 'strided'])
def test_blas_path_equals_numpy_fallback(dtype, layout, monkeypatch):
    x, W, b = _data(6, 5, 4, dtype)
    xl, Wl = _layouts(x)[layout], _layouts(W)[layout]
    gy = numpy.random.RandomState(3).uniform(-1, 1, (6, 4)).astype(dtype)
    y_blas = F.linear(xl, Wl, b).array
    vs = [Variable(a.copy()) for a in [xl, Wl, b]]
    fastgrad.backward([F.linear(*vs)], [gy.copy()])
    g_blas = [v.grad for v in vs]
    monkeypatch.setattr(blas, 'supports', lambda x, W: False)
    y_np = F.linear(xl, Wl, b).array
    vs = [Variable(a.copy()) for a in [xl, Wl, b]]
    fastgrad.backward([F.linear(*vs)], [gy.copy()])
    g_np = [v.grad for v in vs]
    assert y_blas.dtype == y_np.dtype == dtype
    numpy.testing.assert_allclose(y_blas, y_np, rtol=TOL[dtype], atol=TOL[dtype])
    for a, c in zip(g_blas, g_np):
        assert a.dtype == c.dtype == dtype
        numpy.testing.assert_allclose(a, c, rtol=TOL[dtype], atol=TOL[dtype])


def test_fallback_forward_and_backward(numpy_fallback):
    x, W, b = _data()
    numpy.testing.assert_allclose(F.linear(x, W, b).array, _ref(x, W, b), rtol=1e-12)
    check_backward(F.linear, (x, W, b), numpy.random.randn(4, 2))


def test_x_with_more_axes_is_flattened():
    rng = numpy.random.RandomState(0)
    x = rng.randn(4, 2, 3)
    W = rng.randn(5, 6)
    b = rng.randn(5)
    y = F.linear(x, W, b)
    assert y.shape == (4, 5)
    numpy.testing.assert_allclose(y.array, _ref(x.reshape(4, 6), W, b), rtol=1e-12)
    check_backward(F.linear, (x, W, b), rng.randn(4, 5))


@pytest.mark.parametrize('n_batch_axes,x_shape', [(2, (3, 4, 5)), (3, (2, 3, 4, 5)),
                                                  (2, (3, 4, 1, 5)), (1, (12, 5))])
def test_n_batch_axes(n_batch_axes, x_shape):
    rng = numpy.random.RandomState(0)
    x = rng.randn(*x_shape)
    in_size = int(numpy.prod(x_shape[n_batch_axes:]))
    W = rng.randn(2, in_size)
    b = rng.randn(2)
    y = F.linear(x, W, b, n_batch_axes=n_batch_axes)
    batch = x_shape[:n_batch_axes]
    assert y.shape == batch + (2,)
    expect = _ref(x.reshape(-1, in_size), W, b).reshape(batch + (2,))
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12)
    gy = rng.randn(*(batch + (2,)))
    check_backward(lambda *a: F.linear(*a, n_batch_axes=n_batch_axes), (x, W, b), gy)
    vs = [Variable(a.copy()) for a in [x, W, b]]
    fastgrad.backward([(lambda *a: F.linear(*a, n_batch_axes=n_batch_axes))(*vs)], [gy.copy()])
    fast = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x, W, b]]
    fastgrad.backward([(lambda *a: F.linear(*a, n_batch_axes=n_batch_axes))(*vs)], [gy.copy()],
                      enable_double_backprop=True)
    slow = [v.grad for v in vs]
    for g1, g2, a in zip(fast, slow, (x, W, b)):
        assert g1.shape == a.shape
        numpy.testing.assert_allclose(g1, g2, rtol=1e-12)


@pytest.mark.parametrize('x_dtype,W_dtype', [(numpy.float32, numpy.float64),
                                             (numpy.float64, numpy.float32),
                                             (numpy.float16, numpy.float32),
                                             (numpy.float32, numpy.float16)])
def test_mixed_dtypes_give_x_dtype(x_dtype, W_dtype):
    x, W, b = _data()
    x, W, b = x.astype(x_dtype), W.astype(W_dtype), b.astype(x_dtype)
    vx, vW, vb = Variable(x), Variable(W), Variable(b)
    y = F.linear(vx, vW, vb)
    assert y.dtype == x_dtype
    tol = TOL[numpy.float16] if numpy.float16 in (x_dtype, W_dtype) else TOL[numpy.float32]
    numpy.testing.assert_allclose(y.array, _ref(x, W, b), rtol=tol, atol=tol)
    y.grad = numpy.ones((4, 2), x_dtype)
    y.backward()
    assert vx.grad.dtype == x_dtype and vW.grad.dtype == W_dtype and vb.grad.dtype == x_dtype
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, W, b]]
        fastgrad.backward([F.linear(*vs)], [numpy.ones((4, 2), x_dtype).copy()],
                          enable_double_backprop=double)
        fast = [v.grad for v in vs]
        assert [g.dtype for g in fast] == [x_dtype, W_dtype, x_dtype]


def test_empty_batch():
    x = numpy.zeros((0, 3))
    _, W, b = _data()
    vx, vW, vb = Variable(x), Variable(W), Variable(b)
    y = F.linear(vx, vW, vb)
    assert y.shape == (0, 2) and y.dtype == numpy.float64
    y.grad = numpy.zeros((0, 2))
    y.backward()
    assert vx.grad.shape == (0, 3)
    numpy.testing.assert_array_equal(vW.grad, numpy.zeros_like(W))
    numpy.testing.assert_array_equal(vb.grad, numpy.zeros_like(b))
    x32 = numpy.zeros((0, 3), numpy.float32)
    assert F.linear(x32, W.astype(numpy.float32)).shape == (0, 2)


# -- backward --------------------------------------------------------------------------

@pytest.mark.parametrize('with_bias', [True, False])
def test_backward(with_bias):
    x, W, b = _data()
    args = (x, W, b) if with_bias else (x, W)
    check_backward(F.linear, args, numpy.random.randn(4, 2))


@pytest.mark.parametrize('with_bias', [True, False])
def test_double_backward(with_bias):
    x, W, b = _data()
    args = (x, W, b) if with_bias else (x, W)
    ggs = tuple(numpy.random.randn(*a.shape) for a in args)
    check_double_backward(F.linear, args, numpy.random.randn(4, 2), ggs)


def test_non_contiguous_backward():
    x, W, b = _data(6, 4, 3)
    xs, Ws = _layouts(x)['strided'], numpy.asfortranarray(W)
    check_backward(F.linear, (xs, Ws, b), numpy.random.randn(6, 3))
    check_double_backward(F.linear, (x.T.copy().T, W, b), numpy.random.randn(6, 3),
                          (numpy.random.randn(6, 4), numpy.random.randn(3, 4),
                           numpy.random.randn(3)))


# -- errors ------------------------------------------------------------------------------

def test_in_size_mismatch_is_invalid_type():
    x, W, b = _data()
    with pytest.raises(InvalidType, match='LinearFunction'):
        F.linear(x, W[:, :2], b)


@pytest.mark.parametrize('which', ['x', 'W'])
def test_int_dtype_is_invalid_type(which):
    x, W, b = _data()
    if which == 'x':
        x = x.astype(numpy.int32)
    else:
        W = W.astype(numpy.int32)
    with pytest.raises(InvalidType, match='LinearFunction'):
        F.linear(x, W)


def test_bad_bias_is_invalid_type():
    x, W, b = _data()
    with pytest.raises(InvalidType, match='LinearFunction'):
        F.linear(x, W, numpy.zeros(3))
    with pytest.raises(InvalidType, match='LinearFunction'):
        F.linear(x, W, numpy.zeros((1, 2)))
    with pytest.raises(InvalidType, match='LinearFunction'):
        F.linear(x, W, b.astype(numpy.float32))


def test_W_must_be_2d():
    x, W, b = _data()
    with pytest.raises(InvalidType, match='LinearFunction'):
        F.linear(x, W.reshape(2, 3, 1))


def test_n_batch_axes_must_be_positive():
    x, W, b = _data()
    with pytest.raises(ValueError, match='n_batch_axes'):
        F.linear(x, W, b, n_batch_axes=0)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'batch': [(1, (5, 4)), (2, (3, 2, 4))],
    'nobias': [False, True],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestLinear(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.n_batch_axes, self.x_shape = self.batch
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        x = numpy.asarray(numpy.random.uniform(-1, 1, self.x_shape)).astype(self.dtype)
        W = numpy.asarray(numpy.random.uniform(-1, 1, (3, 4))).astype(self.dtype)
        b = numpy.asarray(numpy.random.uniform(-1, 1, (3,))).astype(self.dtype)
        return (x, W) if self.nobias else (x, W, b)

    def forward(self, inputs, device):
        return F.linear(*inputs, n_batch_axes=self.n_batch_axes),

    def forward_expected(self, inputs):
        x = inputs[0].reshape(-1, 4)
        y = _ref(x, *inputs[1:]).reshape(self.x_shape[:self.n_batch_axes] + (3,))
        return y.astype(self.dtype),
