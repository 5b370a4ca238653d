"""batch_matmul (Chainer's deprecated 3-D batch form of matmul)."""
import warnings

from fastgrad import utils
from fastgrad.functions._util.recipe import Op


def _as_batch_mat(shape):
    """(B, N) is B column vectors (B, N, 1); (B, M, N) stays."""
    return shape if len(shape) == 3 else tuple(shape) + (1,)


def _check(a, b, transa, transb):
    name = 'BatchMatMul'
    for label, x in (('a', a), ('b', b)):
        if x.dtype.kind != 'f':
            raise utils.invalid_type(name, "{}.dtype.kind == 'f'".format(label),
                                     '{}.dtype = {}'.format(label, x.dtype))
        if not 2 <= x.ndim <= 3:
            raise utils.invalid_type(name, '2 <= {0}.ndim <= 3'.format(label),
                                     '{}.ndim = {}'.format(label, x.ndim))
    if a.dtype != b.dtype:
        raise utils.invalid_type(name, 'a.dtype == b.dtype', '{} != {}'.format(a.dtype, b.dtype))
    if a.shape[0] != b.shape[0]:
        raise utils.invalid_type(name, 'a.shape[0] == b.shape[0] (batch size)',
                                 '{} != {}'.format(a.shape[0], b.shape[0]))
    sa, sb = _as_batch_mat(a.shape), _as_batch_mat(b.shape)
    a_in = sa[1] if transa else sa[2]
    b_in = sb[2] if transb else sb[1]
    if a_in != b_in:
        raise utils.invalid_type(
            name, 'inner sizes equal ({} of a == {} of b)'.format(
                'shape[1]' if transa else 'shape[2]', 'shape[2]' if transb else 'shape[1]'),
            '{} != {} (a.shape = {}, b.shape = {}, transa = {}, transb = {})'.format(
                a_in, b_in, a.shape, b.shape, transa, transb))


def _grads(indexes, a, b, gy, transa, transb, mm):
    """Gradients of y = op(a) @ op(b) on the 3-D forms; mm(p, q, tp, tq)."""
    out = []
    for i in indexes:
        if i == 0:
            g = mm(b, gy, transb, True) if transa else mm(gy, b, False, not transb)
        else:
            g = mm(gy, a, True, transa) if transb else mm(a, gy, not transa, False)
        out.append(g)
    return out


class BatchMatMul(Op):
    __slots__ = ('transa', 'transb')

    def __init__(self, transa=False, transb=False):
        self.transa = bool(transa)
        self.transb = bool(transb)

    def forward(self, inputs):
        a, b = inputs
        _check(a, b, self.transa, self.transb)
        self.retain_inputs((0, 1))
        a = a.reshape(_as_batch_mat(a.shape))
        b = b.reshape(_as_batch_mat(b.shape))
        if self.transa:
            a = a.swapaxes(1, 2)
        if self.transb:
            b = b.swapaxes(1, 2)
        return utils.matmul(a, b),

    def gradient(self, ns, indexes, grad_outputs):
        # ns.matmul, not ns.batch_matmul: on Variables that one warns (deprecated)
        a, b = ns.inputs(self)
        gs = _grads(indexes, ns.reshape(a, _as_batch_mat(a.shape)),
                    ns.reshape(b, _as_batch_mat(b.shape)), grad_outputs[0],
                    self.transa, self.transb, ns.matmul)
        return tuple(ns.reshape(g, self.inputs[i].shape) for g, i in zip(gs, indexes))


def batch_matmul(a, b, transa=False, transb=False):
    """Batched matrix products of two sets of matrices (deprecated in Chainer
    since v3; use :func:`matmul`).

    ``a`` and ``b`` are 2-D ``(B, N)`` (read as B column vectors ``N x 1``)
    or 3-D ``(B, M, N)`` (B matrices) with the same batch size ``B``;
    ``transa`` / ``transb`` transpose each matrix first.  The result is
    always 3-D.  Emits a DeprecationWarning, as Chainer does.

    >>> import warnings
    >>> a, b = np.ones((2, 3, 4), np.float32), np.ones((2, 4, 5), np.float32)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     y = F.batch_matmul(a, b)
    >>> y.shape, caught[0].category.__name__
    ((2, 3, 5), 'DeprecationWarning')
    """
    warnings.warn('batch_matmul is deprecated. Use matmul instead.',
                  DeprecationWarning, stacklevel=2)
    y, = BatchMatMul(transa, transb).apply((a, b))
    return y
