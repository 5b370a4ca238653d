"""Chainer 7.8.1 reference cases for the linear-algebra and array functions
of issue #12 (cumprod, tensordot, inv, det, cholesky, fft, einsum, ...);
format as in cases.py."""
import numpy


def _r(seed, *shape):
    return numpy.asarray(numpy.random.RandomState(seed).randn(*shape))


def _sq(seed, *shape):
    return _r(seed, *shape) + 3 * numpy.eye(shape[-1])


def _cat(F, ys):
    return F.concat([F.reshape(y, (-1,)) for y in ys], axis=0)


def cases(F):
    c = {}
    c['cumprod'] = (lambda x: F.cumprod(x, 1), [_r(0, 3, 4)], 1)
    c['cumprod_none'] = (F.cumprod, [_r(1, 2, 3)], 1)
    c['cumprod_neg'] = (lambda x: F.cumprod(x, -3), [_r(2, 4, 2, 3)], 1)
    c['tensordot'] = (lambda a, b: F.tensordot(a, b, 2), [_r(3, 3, 4, 5), _r(4, 4, 5, 2)], 2)
    c['tensordot_pairs'] = (lambda a, b: F.tensordot(a, b, ([0, 2], [1, 0])),
                            [_r(5, 2, 3, 4), _r(6, 4, 2, 5)], 2)
    c['tensordot_outer'] = (lambda a, b: F.tensordot(a, b, 0), [_r(7, 3), _r(8, 2, 2)], 2)
    c['inv'] = (F.inv, [_sq(9, 3, 3)], 1)
    c['batch_inv'] = (F.batch_inv, [_sq(10, 2, 3, 3)], 1)
    c['det'] = (F.det, [_sq(11, 4, 4)], 1)
    c['batch_det'] = (F.batch_det, [_sq(12, 3, 2, 2)], 1)
    c['cholesky'] = (lambda a: F.cholesky(F.matmul(a, a, transb=True) + 4 * numpy.eye(3)),
                     [_r(13, 3, 3)], 1)
    c['fft'] = (lambda r, i: _cat(F, F.fft((r, i))), [_r(14, 2, 5), _r(15, 2, 5)], 2)
    c['ifft'] = (lambda r, i: _cat(F, F.ifft((r, i))), [_r(16, 3, 4), _r(17, 3, 4)], 2)
    c['einsum'] = (lambda a, b, w: F.einsum('ij,ik,jkl->il', a, b, w),
                   [_r(18, 3, 4), _r(19, 3, 5), _r(20, 4, 5, 2)], 3)
    c['einsum_diag'] = (lambda a: F.einsum('iij->ji', a), [_r(21, 3, 3, 2)], 1)
    c['einsum_ellipsis'] = (lambda a, b: F.einsum('...i,...i', a, b),
                            [_r(22, 2, 3, 4), _r(23, 2, 3, 4)], 2)
    c['einsum_sublist'] = (lambda a, b: F.einsum(a, [0, 1], b, [1, 2], [2, 0]),
                           [_r(24, 2, 3), _r(25, 3, 4)], 2)
    c['sparse_matmul'] = (lambda d, b: F.sparse_matmul(_coo(F, d, _COO_A), b),
                          [_COO_A[0].copy(), _r(26, 5, 3)], 2)
    c['sparse_matmul_t'] = (lambda d, a: F.sparse_matmul(a, _coo(F, d, _COO_B), True, True),
                            [_COO_B[0].copy(), _r(27, 2, 4, 3)], 2)
    c['as_strided'] = (lambda x: F.as_strided(x, (3, 3), (1, 2), 0), [_r(30, 8)], 1,
                       {'double_backward': False})
    c['as_strided_neg'] = (lambda x: F.as_strided(x, (2, 3), (-3, 1), 3), [_r(31, 2, 3)], 1,
                           {'double_backward': False})
    c['scatter_add'] = (lambda a, b: F.scatter_add(a, ([0, 2, 0], slice(1, 3)), b),
                        [_r(32, 4, 3), _r(33, 3, 2)], 2)
    c['rrelu'] = (lambda x, r: F.rrelu(x, r=r), [_r(34, 3, 4),
                                                 numpy.random.RandomState(35).uniform(
                                                     .125, .33, (3, 4))], 1)
    c['forget'] = (lambda a, b: F.forget(lambda p, q: F.tanh(p * q + p), a, b),
                   [_r(36, 3, 4), _r(37, 3, 4)], 2, {'double_backward': False})
    return c


def _sparse(seed, *shape):
    rng = numpy.random.RandomState(seed)
    return rng.randn(*shape) * (rng.rand(*shape) < 0.5)


def _coo_parts(x):
    # (data, row, col, shape) of the nonzeros in row-major order, batched or not
    if x.ndim == 2:
        r, c = numpy.nonzero(x)
        return x[r, c], r.astype(numpy.int32), c.astype(numpy.int32), x.shape
    n = max(numpy.count_nonzero(m) for m in x)
    data, row, col = numpy.zeros((len(x), n)), -numpy.ones((len(x), n), numpy.int32), \
        -numpy.ones((len(x), n), numpy.int32)
    for i, m in enumerate(x):
        d, r, c, _ = _coo_parts(m)
        data[i, :len(d)], row[i, :len(d)], col[i, :len(d)] = d, r, c
    return data, row, col, x.shape[1:]


_COO_A = _coo_parts(_sparse(28, 4, 5))
_COO_B = _coo_parts(_sparse(29, 2, 5, 4))


def _coo(F, data, parts):
    # the same CooMatrix class in Chainer and fastgrad: utils of the F's library
    import importlib
    utils = importlib.import_module(F.__name__.split('.')[0] + '.utils')
    m = utils.CooMatrix(numpy.zeros_like(parts[0]), parts[1], parts[2], parts[3])
    m.data = data
    return m
