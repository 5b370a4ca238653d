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
    return c
