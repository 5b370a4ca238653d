"""F.decorrelated_batch_normalization / F.fixed_decorrelated_batch_normalization:
forward and running statistics against NumPy (per group eigh), gradients,
double backward (only the fixed one has it, as in Chainer) and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _groups(x, g):
    """(b, c, ...) -> list of (C, m) matrices, channels of group i."""
    c = x.shape[1]
    return [numpy.moveaxis(xi, 1, 0).reshape(c // g, -1) for xi in numpy.split(x, g, axis=1)]


def _ref(x, g, eps):
    """y, means (g, C), whitening matrices (g, C, C) in float64."""
    x = x.astype(numpy.float64)
    ys, means, projs = [], [], []
    for a in _groups(x, g):
        mean = a.mean(axis=1)
        xc = a - mean[:, None]
        cov = xc @ xc.T / xc.shape[1] + eps * numpy.eye(len(a))
        w, v = numpy.linalg.eigh(cov)
        p = v @ numpy.diag(w ** -0.5) @ v.T
        ys.append(p @ xc)
        means.append(mean)
        projs.append(p)
    return _assemble(ys, x.shape), numpy.array(means), numpy.array(projs)


def _assemble(ys, shape):
    C = shape[1] // len(ys)
    return numpy.concatenate([numpy.moveaxis(y.reshape((C, shape[0]) + shape[2:]), 0, 1)
                              for y in ys], axis=1)


def _well_conditioned(shape, g, seed=0):
    """Inputs whose group covariances have well separated eigenvalues (eigh's
    gradient divides by their differences)."""
    rng = numpy.random.RandomState(seed)
    C = shape[1] // g
    m = shape[0] * int(numpy.prod(shape[2:]))
    a = rng.uniform(-1, 1, (g, C, m))
    a -= a.mean(axis=2, keepdims=True)
    u, s, vh = numpy.linalg.svd(a, full_matrices=False)
    k = min(C, m - 1)
    s[:, :k] += (0.5 + 0.2 * numpy.arange(k))[::-1]
    a = numpy.einsum('bij,bj,bjk->bik', u, s, vh) + rng.uniform(-1, 1, (g, C, 1))
    return _assemble(list(a), shape)


CASES = [((5, 4), 1), ((5, 4), 2), ((3, 6, 2, 2), 2), ((4, 4, 3), 4)]


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape,groups', CASES)
def test_forward_and_running_stats(dtype, shape, groups):
    x = _well_conditioned(shape, groups).astype(dtype)
    C = shape[1] // groups
    rm = numpy.random.RandomState(1).randn(groups, C).astype(dtype)
    rp = numpy.random.RandomState(2).randn(groups, C, C).astype(dtype)
    rm0, rp0 = rm.copy(), rp.copy()
    y = F.decorrelated_batch_normalization(x, groups=groups, eps=1e-3, running_mean=rm,
                                           running_projection=rp, decay=0.7)
    assert y.dtype == dtype and y.shape == shape
    want, mean, proj = _ref(x, groups, 1e-3)
    tol = dict(rtol=2e-2, atol=2e-2) if dtype == numpy.float16 else dict(rtol=1e-4, atol=1e-4)
    if dtype == numpy.float64:
        tol = dict(rtol=1e-10, atol=1e-10)
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), want, **tol)
    m = x.size // shape[1]
    numpy.testing.assert_allclose(rm, 0.7 * rm0 + 0.3 * mean, **tol)
    numpy.testing.assert_allclose(rp, 0.7 * rp0 + 0.3 * m / (m - 1) * proj, **tol)
    # whitened: covariance S (S + eps)^-1 (identity for eps -> 0)
    if dtype == numpy.float64:
        for a, b in zip(_groups(y.array, groups), _groups(x, groups)):
            b = b - b.mean(axis=1, keepdims=True)
            s = b @ b.T / b.shape[1]
            numpy.testing.assert_allclose(a @ a.T / a.shape[1],
                                          s @ numpy.linalg.inv(s + 1e-3 * numpy.eye(len(s))),
                                          atol=1e-10)


@pytest.mark.parametrize('shape,groups', CASES)
def test_backward(shape, groups):
    x = _well_conditioned(shape, groups)
    gy = numpy.random.RandomState(3).randn(*shape)
    check_backward(lambda x: F.decorrelated_batch_normalization(x, groups=groups), (x,), gy,
                   rtol=1e-5, atol=1e-6)


def test_double_backward_not_implemented():
    x = Variable(_well_conditioned((5, 4), 2))
    y = F.decorrelated_batch_normalization(x, groups=2)
    gx, = __import__('fastgrad').grad([F.sum(y * y)], [x], enable_double_backprop=True)
    with pytest.raises(NotImplementedError, match='decorrelated_batch_normalization'):
        F.sum(gx).backward()


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape,groups', CASES)
def test_fixed_forward(dtype, shape, groups):
    rng = numpy.random.RandomState(4)
    C = shape[1] // groups
    x = rng.uniform(-1, 1, shape).astype(dtype)
    mean = rng.uniform(-1, 1, (groups, C)).astype(dtype)
    proj = rng.uniform(.5, 1, (groups, C, C)).astype(dtype)
    y = F.fixed_decorrelated_batch_normalization(x, mean, proj, groups=groups)
    assert y.dtype == dtype and y.shape == shape
    want = _assemble([p.astype(numpy.float64) @ (a - mu[:, None]) for a, mu, p in
                      zip(_groups(x.astype(numpy.float64), groups), mean, proj)], shape)
    tol = {numpy.float16: 1e-2, numpy.float32: 1e-5, numpy.float64: 1e-12}[dtype]
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize('shape,groups', CASES)
def test_fixed_gradients(shape, groups):
    rng = numpy.random.RandomState(5)
    C = shape[1] // groups
    xs = (rng.randn(*shape), rng.randn(groups, C), rng.randn(groups, C, C))

    def f(x, mean, proj):
        return F.fixed_decorrelated_batch_normalization(x, mean, proj, groups=groups)
    check_backward(f, xs, rng.randn(*shape))
    check_double_backward(f, xs, rng.randn(*shape), tuple(rng.randn(*a.shape) for a in xs))


def test_errors():
    x = numpy.zeros((3, 6), numpy.float32)
    with pytest.raises(InvalidType, match='x.shape\\[1\\] % self.groups == 0'):
        F.decorrelated_batch_normalization(x, groups=4)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.decorrelated_batch_normalization(x.astype(numpy.int32), groups=2)
    with pytest.raises(InvalidType, match='x.ndim >= 2'):
        F.decorrelated_batch_normalization(x[0], groups=2)
    with pytest.raises(TypeError, match='groups'):
        F.decorrelated_batch_normalization(x, groups=2.0)
    with pytest.raises(TypeError):
        F.decorrelated_batch_normalization(x, 2)        # keyword-only, as Chainer
    mean = numpy.zeros((2, 3), numpy.float32)
    proj = numpy.zeros((2, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match='mean.shape'):
        F.fixed_decorrelated_batch_normalization(x, mean[:, :2], proj, groups=2)
    with pytest.raises(InvalidType, match='projection.shape'):
        F.fixed_decorrelated_batch_normalization(x, mean, proj[:, :2], groups=2)
    with pytest.raises(InvalidType, match='mean.dtype == x.dtype'):
        F.fixed_decorrelated_batch_normalization(x, mean.astype(numpy.float64), proj, groups=2)
