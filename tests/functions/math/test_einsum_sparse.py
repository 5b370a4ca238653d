"""F.einsum and F.sparse_matmul (with utils.CooMatrix / to_coo): forward
against NumPy, numerical gradients and double backward in float64, bad
input."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import utils
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _r(*shape, seed=0):
    return numpy.asarray(numpy.random.RandomState(seed).randn(*shape))


EINSUM = [('ij,jk->ik', [(2, 3), (3, 4)]), ('ij,jk', [(2, 3), (3, 4)]),
          ('ii->i', [(3, 3)]), ('ii', [(3, 3)]), ('ij->', [(2, 3)]), ('ij->j', [(2, 3)]),
          ('ij,ik,jkl->il', [(3, 4), (3, 5), (4, 5, 6)]),
          ('...j,...k,jkl', [(3, 4), (3, 5), (4, 5, 6)]), ('i...->...i', [(2, 3, 4)]),
          ('iij->ji', [(3, 3, 2)]), ('ij,ij->ij', [(2, 3), (2, 3)]), ('i,j', [(2,), (3,)]),
          ('...', [(2, 3)]), ('ij->ji', [(2, 3)]), ('iji->ij', [(2, 3, 2)]),
          (',i->i', [(), (3,)]), ('bij,bjk->bik', [(2, 3, 4), (2, 4, 2)]),
          # contracted pairwise through intermediates larger than any operand
          ('ij,jk,kl,lm->im', [(2, 3), (3, 4), (4, 2), (2, 3)]),
          ('ij,ik,il->jkl', [(5, 2), (5, 3), (5, 2)])]


@pytest.mark.parametrize('spec,shapes', EINSUM)
def test_einsum(spec, shapes):
    xs = [_r(*s, seed=i) for i, s in enumerate(shapes)]
    y = F.einsum(spec, *xs)
    expect = numpy.einsum(spec, *xs)
    assert y.shape == expect.shape and y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12, atol=1e-12)
    gy = _r(*expect.shape, seed=10)
    fn = lambda *v: F.einsum(spec, *v)     # noqa: E731
    check_backward(fn, tuple(xs), gy)
    check_double_backward(fn, tuple(xs), gy, tuple(_r(*s, seed=20 + i)
                                                    for i, s in enumerate(shapes)))


def test_einsum_sublist_form():
    x1, x2, w = _r(3, 4), _r(3, 5, seed=1), _r(4, 5, 6, seed=2)
    expect = numpy.einsum('ij,ik,jkl->il', x1, x2, w)
    y = F.einsum(x1, [0, 1], x2, [0, 2], w, [1, 2, 3], [0, 3])
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12)
    y = F.einsum(x1, [Ellipsis, 1], x2, [Ellipsis, 2], w, [1, 2, 3])
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_einsum_low_precision(dtype):
    a, b = _r(2, 3), _r(3, 4, seed=1)
    y = F.einsum('ij,jk->ik', a.astype(dtype), b.astype(dtype))
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, a @ b, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize('spec,shapes,error,match', [
    ('i,i', [(2,), (3,)], InvalidType, "the same size for every 'i'"),
    ('ii', [(2, 3)], InvalidType, "the same size for every 'i'"),
    ('ij', [(2,)], InvalidType, 'x0.ndim == 2'),
    ('...i,...i', [(2, 2), (1, 2)], InvalidType, 'the same shape for ...'),
    ('i,i', [(2,)], ValueError, '1 operands'),
    ('i,i->j', [(2,), (2,)], ValueError, 'output character j'),
    ('i->ii', [(2,)], ValueError, 'repeats a letter'),
    ('...->', [(2,)], ValueError, 'summing over the ellipsis'),
    ('i->->i', [(2,)], ValueError, "only contain one '->'"),
    ('i$', [(2,)], ValueError, 'not a valid symbol'),
    ('i..', [(2,)], ValueError, 'invalid ellipses')])
def test_einsum_errors(spec, shapes, error, match):
    with pytest.raises(error, match=match):
        F.einsum(spec, *[numpy.zeros(s, numpy.float32) for s in shapes])


def test_einsum_int_raises():
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.einsum('ij->j', numpy.ones((2, 3), numpy.int32))
    with pytest.raises(TypeError, match='einsum: sublists'):
        F.einsum(numpy.ones(3), ['a'])


# -- sparse
def _sparse(*shape, seed=0):
    x = _r(*shape, seed=seed)
    return x * (numpy.random.RandomState(seed + 100).rand(*shape) < 0.5)


def test_to_coo_and_back():
    x = numpy.array([[0, 2, 0], [-1, 0, 0]], numpy.float32)
    c = utils.to_coo(x)
    numpy.testing.assert_array_equal(c.data.array, [2, -1])
    numpy.testing.assert_array_equal(c.row, [0, 1])
    numpy.testing.assert_array_equal(c.col, [1, 0])
    assert c.row.dtype == numpy.int32 and c.shape == (2, 3) and c.order == 'C'
    numpy.testing.assert_array_equal(c.to_dense(), x)
    b = _sparse(3, 4, 5)
    cb = utils.to_coo(b, ldnz=15, requires_grad=True)
    assert cb.data.shape == (3, 15) and cb.data.requires_grad
    numpy.testing.assert_array_equal(cb.to_dense(), b)
    assert utils.get_order(c.col, c.row) == 'F'
    assert utils.get_order(numpy.array([1, 0]), numpy.array([0, 0])) == 'other'


def test_coo_matrix_errors():
    d = numpy.ones(2)
    with pytest.raises(ValueError, match='CooMatrix: ndim of data must be 1 or 2'):
        utils.CooMatrix(numpy.ones((1, 1, 1)), d, d, (2, 2))
    with pytest.raises(ValueError, match='CooMatrix: length of shape'):
        utils.CooMatrix(d, d, d, (2, 2, 2))
    with pytest.raises(ValueError, match='CooMatrix: order'):
        utils.CooMatrix(d, d, d, (2, 2), order='X')
    with pytest.raises(ValueError, match='to_coo: ndim of x must be 2 or 3'):
        utils.to_coo(numpy.ones(3))


def _coo_of(data, coo):
    c = utils.CooMatrix(numpy.zeros_like(coo.data.array), coo.row, coo.col, coo.shape)
    c.data = data
    return c


@pytest.mark.parametrize('batch', [(), (3,)])
@pytest.mark.parametrize('transa', [False, True])
@pytest.mark.parametrize('transb', [False, True])
def test_sparse_dense(batch, transa, transb):
    a = _sparse(*batch, 4, 5)
    a = a.swapaxes(-1, -2) if transa else a
    b = _r(*batch, 5, 6, seed=1)
    b = b.swapaxes(-1, -2) if transb else b
    coo = utils.to_coo(a, ldnz=30)                 # with padding entries
    y = F.sparse_matmul(coo, b, transa, transb)
    expect = (a.swapaxes(-1, -2) if transa else a) @ (b.swapaxes(-1, -2) if transb else b)
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12, atol=1e-12)
    fn = lambda d, x: F.sparse_matmul(_coo_of(d, coo), x, transa, transb)  # noqa: E731
    gy = _r(*y.shape, seed=2)
    check_backward(fn, (coo.data.array.copy(), b), gy)
    check_double_backward(fn, (coo.data.array.copy(), b), gy,
                          (_r(*coo.data.shape, seed=3), _r(*b.shape, seed=4)))


@pytest.mark.parametrize('batch', [(), (2,)])
@pytest.mark.parametrize('transa', [False, True])
@pytest.mark.parametrize('transb', [False, True])
def test_dense_sparse(batch, transa, transb):
    a = _r(*batch, 6, 5)
    a = a.swapaxes(-1, -2) if transa else a
    b = _sparse(*batch, 5, 4, seed=1)
    b = b.swapaxes(-1, -2) if transb else b
    coo = utils.to_coo(b)
    y = F.sparse_matmul(a, coo, transa, transb)
    expect = (a.swapaxes(-1, -2) if transa else a) @ (b.swapaxes(-1, -2) if transb else b)
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12, atol=1e-12)
    fn = lambda d, x: F.sparse_matmul(x, _coo_of(d, coo), transa, transb)  # noqa: E731
    gy = _r(*y.shape, seed=2)
    check_backward(fn, (coo.data.array.copy(), a), gy)
    check_double_backward(fn, (coo.data.array.copy(), a), gy,
                          (_r(*coo.data.shape, seed=3), _r(*a.shape, seed=4)))


def test_sparse_matmul_float32_and_requires_grad():
    a = _sparse(4, 5).astype(numpy.float32)
    coo = utils.to_coo(a, requires_grad=True)
    b = _r(5, 3, seed=1).astype(numpy.float32)
    y = F.sparse_matmul(coo, b)
    assert y.dtype == numpy.float32
    F.sum(y).backward()
    # d sum(A b) / dA_rc = sum_n b[c, n]
    numpy.testing.assert_allclose(coo.data.grad, b.sum(1)[coo.col], rtol=1e-5)


def test_sparse_matmul_errors():
    coo = utils.to_coo(_sparse(4, 5))
    with pytest.raises(ValueError, match='sparse_matmul: this combination'):
        F.sparse_matmul(coo, coo)
    with pytest.raises(ValueError, match='sparse_matmul: this combination'):
        F.sparse_matmul(numpy.ones((5, 3)), numpy.ones((3, 2)))
    with pytest.raises(InvalidType, match=r'self.shape\[1\] == dn.shape'):
        F.sparse_matmul(coo, numpy.ones((4, 3)))
    with pytest.raises(InvalidType, match='dn.ndim <= 3'):
        F.sparse_matmul(coo, numpy.ones(5))
    with pytest.raises(InvalidType, match='sp.ndim == dn.ndim - 1'):
        F.sparse_matmul(coo, numpy.ones((2, 5, 3)))


@pytest.mark.parametrize('batch', [(), (3,)])
def test_sparse_scatter_kernel_matches_scipy(batch):
    # the array-module kernel (CuPy's path) checked on NumPy against SciPy's
    from fastgrad.functions.math import sparse_matmul as module
    coo = utils.to_coo(_sparse(*batch, 6, 5), ldnz=20)
    b = _r(*batch, 5, 3, seed=1)
    got = module._coo_dense_scatter(coo.row, coo.col, coo.data.array, 6, b)
    want = module._coo_dense_scipy(coo.row, coo.col, coo.data.array, 6, b)
    numpy.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_sparse_matmul_float16():
    # SciPy has no float16 sparse matrices: computed in float32, returned float16
    a = _sparse(4, 5)
    b = _r(5, 3, seed=1)
    coo = utils.to_coo(a.astype(numpy.float16), requires_grad=True)
    y = F.sparse_matmul(coo, b.astype(numpy.float16))
    assert y.dtype == numpy.float16
    numpy.testing.assert_allclose(y.array, a @ b, rtol=1e-2, atol=1e-2)
    F.sum(y).backward()
    assert coo.data.grad.dtype == numpy.float16
