"""cumprod, tensordot, inv, batch_inv, det, batch_det, cholesky, fft, ifft:
forward against NumPy, numerical gradients and double backward in float64,
float16 forward, bad input."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _r(*shape, seed=0):
    return numpy.asarray(numpy.random.RandomState(seed).randn(*shape))


def _check(fn, xs, seed=1, double=True):
    xs = tuple(xs)
    ys = fn(*xs)
    ys = ys if isinstance(ys, tuple) else (ys,)
    gys = tuple(_r(*y.shape, seed=seed + i) for i, y in enumerate(ys))
    gys = gys[0] if len(gys) == 1 else gys
    check_backward(fn, xs, gys)
    if double:
        ggxs = tuple(_r(*x.shape, seed=seed + 10 + i) for i, x in enumerate(xs))
        check_double_backward(fn, xs, gys, ggxs)


# -- cumprod
CUMPROD = [((3, 4), 1), ((3, 4), 0), ((3, 4), -1), ((3, 4), None), ((2, 3, 4), 1),
           ((5,), 0), ((3, 1), 1), ((), None)]


@pytest.mark.parametrize('shape,axis', CUMPROD)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_cumprod_forward(shape, axis, dtype):
    x = numpy.random.uniform(-1, 1, shape).astype(dtype)
    y = F.cumprod(x, axis)
    expect = numpy.cumprod(x.astype(numpy.float64), axis)
    assert y.dtype == dtype and y.shape == expect.shape
    tol = 5e-3 if dtype == numpy.float16 else 1e-6
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)


@pytest.mark.parametrize('shape,axis', CUMPROD)
def test_cumprod_gradients(shape, axis):
    _check(lambda x: F.cumprod(x, axis), [_r(*shape)])


def test_cumprod_gradient_with_zeros():
    # the gradient divides by nothing: zeros (even two of them) are fine
    x = numpy.array([[2., 0., 3., 0., 5.], [0., 1., 2., 3., 4.]])
    _check(lambda v: F.cumprod(v, 1), [x])
    x = Variable(numpy.array([1., 0., 2.]))
    y = F.cumprod(x)
    y.grad = numpy.ones(3)
    y.backward()
    # the gradient of x0 + x0 x1 + x0 x1 x2
    numpy.testing.assert_allclose(x.grad, [1., 3., 0.])


def test_cumprod_errors():
    with pytest.raises(InvalidType, match='x.dtype.kind'):
        F.cumprod(numpy.arange(3))
    with pytest.raises(InvalidType, match='self.axis'):
        F.cumprod(numpy.ones((2, 3)), 2)
    with pytest.raises(TypeError, match='cumprod'):
        F.cumprod(numpy.ones((2, 3)), 1.0)


# -- inverse, determinant, cholesky
def _square(*batch, seed=0, n=3):
    return _r(*batch, n, n, seed=seed) + 3 * numpy.eye(n)


def test_inv_forward():
    a = _square()
    numpy.testing.assert_allclose(F.inv(a).array, numpy.linalg.inv(a), rtol=1e-12)
    b = _square(4)
    numpy.testing.assert_allclose(F.batch_inv(b).array, numpy.linalg.inv(b), rtol=1e-12)


@pytest.mark.parametrize('fn,batch', [(F.inv, ()), (F.batch_inv, (2,)),
                                      (F.det, ()), (F.batch_det, (3,))])
def test_inv_det_gradients(fn, batch):
    _check(fn, [_square(*batch)])


@pytest.mark.parametrize('fn,batch', [(F.inv, ()), (F.batch_inv, (2,)),
                                      (F.det, ()), (F.batch_det, (3,))])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_inv_det_low_precision(fn, batch, dtype):
    a = _square(*batch)
    y = fn(a.astype(dtype))
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, fn(a).array, rtol=2e-2 if dtype == numpy.float16
                                  else 1e-5, atol=1e-3)


def test_det_forward():
    a = _square(n=4)
    numpy.testing.assert_allclose(F.det(a).array, numpy.linalg.det(a), rtol=1e-12)
    assert F.det(a).shape == ()
    b = _square(5, n=2)
    numpy.testing.assert_allclose(F.batch_det(b).array, numpy.linalg.det(b), rtol=1e-12)


def test_singular_inverse_raises():
    with pytest.raises(ValueError, match='inv: input has singular'):
        F.inv(numpy.ones((3, 3)))
    with pytest.raises(ValueError, match='batch_inv: input has singular'):
        F.batch_inv(numpy.ones((2, 3, 3)))


@pytest.mark.parametrize('fn,shape,match', [
    (F.inv, (3, 4), r'a.shape\[0\] == a.shape\[1\]'), (F.inv, (2, 3, 3), 'a.ndim == 2'),
    (F.batch_inv, (3, 3), 'a.ndim == 3'), (F.batch_inv, (2, 3, 4), r'a.shape\[1\]'),
    (F.batch_det, (3, 3), 'a.ndim == 3'), (F.batch_det, (2, 3, 2), r'a.shape\[1\]'),
    (F.det, (3, 3, 3), 'a.ndim == 2'), (F.det, (3, 2), r'a.shape\[1\]'),
    (F.cholesky, (3,), 'a.ndim == 2'), (F.cholesky, (3, 2), r'a.shape\[0\]')])
def test_linalg_bad_shapes(fn, shape, match):
    with pytest.raises(InvalidType, match=match):
        fn(numpy.ones(shape))


@pytest.mark.parametrize('fn', [F.inv, F.det, F.cholesky])
def test_linalg_int_raises(fn):
    with pytest.raises(InvalidType, match='dtype.kind'):
        fn(numpy.eye(3, dtype=numpy.int32))


def _spd(n=4, seed=0):
    a = _r(n, n, seed=seed)
    return a @ a.T + n * numpy.eye(n)


def test_cholesky_forward():
    a = _spd()
    numpy.testing.assert_allclose(F.cholesky(a).array, numpy.linalg.cholesky(a), rtol=1e-12)
    assert F.cholesky(a.astype(numpy.float16)).dtype == numpy.float16


def test_cholesky_gradients():
    # symmetrize inside: perturbing one triangle alone leaves the SPD set
    _check(lambda a: F.cholesky((a + F.transpose(a)) * 0.5), [_spd()])


def test_cholesky_not_positive_definite():
    with pytest.raises(ValueError, match='cholesky: the matrix is not positive definite'):
        F.cholesky(-numpy.eye(3))


# -- tensordot
TENSORDOT = [((3, 4, 5), (4, 5, 2), 2), ((3, 4, 5), (5, 2, 4), ([2, 1], [0, 2])),
             ((3, 4), (4, 3), ([1, 0], [0, 1])), ((3, 4), (2,), 0),
             ((2, 3, 4), (4, 2, 5), ([0, 2], [1, 0])), ((3, 4, 5), (5,), (2, 0)),
             ((3, 4), (4, 2), 1), ((2, 3), (2, 3), 2), ((3, 4, 5), (4, 2), (-2, 0))]


@pytest.mark.parametrize('sa,sb,axes', TENSORDOT)
def test_tensordot(sa, sb, axes):
    a, b = _r(*sa), _r(*sb, seed=1)
    y = F.tensordot(a, b, axes)
    numpy.testing.assert_allclose(y.array, numpy.tensordot(a, b, axes), rtol=1e-12)
    _check(lambda p, q: F.tensordot(p, q, axes), [a, b])


def test_tensordot_float16():
    a, b = _r(3, 4), _r(4, 2)
    y = F.tensordot(a.astype(numpy.float16), b.astype(numpy.float16), 1)
    assert y.dtype == numpy.float16
    numpy.testing.assert_allclose(y.array, a @ b, rtol=1e-2, atol=1e-2)


def test_tensordot_errors():
    with pytest.raises(ValueError, match='tensordot: shape mismatch'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((5, 4)), 1)
    with pytest.raises(ValueError, match='tensordot: axes count mismatch'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((4, 3)), ([0, 1], [0]))
    with pytest.raises(ValueError, match='tensordot: axes = 3'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((4,)), 3)
    with pytest.raises(ValueError, match='tensordot: axes must be a pair'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((4,)), [0, 1, 2])
    with pytest.raises(TypeError, match='tensordot: axes must be an int'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((4,)), 1.0)
    with pytest.raises(ValueError, match='out of range or repeated for a.ndim = 2'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((4, 3)), ([0, 1, 2], [0, 1, 2]))
    with pytest.raises(ValueError, match='out of range or repeated for b.ndim = 2'):
        F.tensordot(numpy.ones((3, 4)), numpy.ones((4, 3)), ([0], [2]))
    with pytest.raises(InvalidType, match="a.dtype.kind == 'f'"):
        F.tensordot(numpy.ones((3, 4), numpy.int32), numpy.ones((4,)), 1)


# -- fft
@pytest.mark.parametrize('name', ['fft', 'ifft'])
@pytest.mark.parametrize('shape', [(5,), (2, 6), (2, 3, 4)])
def test_fft(name, shape):
    fn = getattr(F, name)
    xr, xi = _r(*shape), _r(*shape, seed=1)
    yr, yi = fn((xr, xi))
    expect = getattr(numpy.fft, name)(xr + 1j * xi)
    numpy.testing.assert_allclose(yr.array, expect.real, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(yi.array, expect.imag, rtol=1e-12, atol=1e-12)
    _check(lambda p, q: fn((p, q)), [xr, xi])
    # one output unused: its gradient is None
    check_backward(lambda p, q: fn((p, q))[1], (xr, xi), _r(*shape, seed=3))


def test_fft_roundtrip_and_dtype():
    xr, xi = _r(2, 8).astype(numpy.float32), _r(2, 8, seed=1).astype(numpy.float32)
    yr, yi = F.ifft(F.fft((xr, xi)))
    assert yr.dtype == numpy.float32
    numpy.testing.assert_allclose(yr.array, xr, atol=1e-5)
    numpy.testing.assert_allclose(yi.array, xi, atol=1e-5)


@pytest.mark.parametrize('name', ['fft', 'ifft'])
def test_fft_float32_against_float64(name):
    # float32 runs through SciPy's complex64 FFT; a long, non-power-of-2 axis
    xr, xi = _r(3, 1000), _r(3, 1000, seed=1)
    yr, yi = getattr(F, name)((xr.astype(numpy.float32), xi.astype(numpy.float32)))
    expect = getattr(numpy.fft, name)(xr + 1j * xi)
    scale = numpy.abs(expect).max()
    assert yr.dtype == yi.dtype == numpy.float32
    numpy.testing.assert_allclose(yr.array, expect.real, atol=1e-5 * scale)
    numpy.testing.assert_allclose(yi.array, expect.imag, atol=1e-5 * scale)


def test_fft_errors():
    with pytest.raises(InvalidType, match='real.shape == imag.shape'):
        F.fft((numpy.ones((2, 3)), numpy.ones((2, 4))))
    with pytest.raises(InvalidType, match='real.dtype == imag.dtype'):
        F.ifft((numpy.ones(3), numpy.ones(3, numpy.float32)))
    with pytest.raises(InvalidType, match='real.ndim > 0'):
        F.fft((numpy.ones(()), numpy.ones(())))
