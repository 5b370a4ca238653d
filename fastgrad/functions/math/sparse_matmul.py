"""sparse_matmul: products of a COO sparse matrix (utils.CooMatrix) and a
dense one, either side, batched or not."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.utils.sparse import CooMatrix


def _entries(row, col, data):
    """Padding entries (index -1) as index 0 with weight 0."""
    xp = utils.array_module(data)
    keep = (row >= 0) & (col >= 0)
    return xp.where(keep, row, 0), xp.where(keep, col, 0), xp.where(keep, data, 0), keep


def _rows(x, index):
    """x[..., index, :] per batch: x ((nb,) r, n), index ((nb,) nnz)."""
    if x.ndim == 2:
        return x[index]
    xp = utils.array_module(x)
    return x[xp.arange(x.shape[0]).reshape(-1, 1), index]


def _coo_dense(row, col, data, m, b):
    """A @ b with A = coo(data, row, col) of m rows; b ((nb,) k, n)."""
    xp = utils.array_module(b)
    if xp is numpy:
        return _coo_dense_scipy(row, col, data, m, b)
    return _coo_dense_scatter(row, col, data, m, b)


def _coo_dense_scatter(row, col, data, m, b):
    """The same on any array module (CuPy): a scatter-add by bincount."""
    xp = utils.array_module(b)
    r, c, w, _ = _entries(row, col, data)
    n = b.shape[-1]
    contrib = w[..., None] * _rows(b, c)
    if b.ndim == 3:
        r = r + xp.arange(b.shape[0]).reshape(-1, 1) * m
    flat = (r[..., None] * n + xp.arange(n)).ravel()
    # bincount sums the entries that share a row (scatter-add, any backend)
    out = xp.bincount(flat, weights=contrib.ravel(), minlength=b.size // b.shape[-2] * m)
    return out.reshape(b.shape[:-2] + (m, n))


def _coo_dense_scipy(row, col, data, m, b):
    from scipy import sparse  # a dependency of fastgrad
    if b.ndim == 3:
        return numpy.stack([_coo_dense_scipy(r, c, d, m, x)
                            for r, c, d, x in zip(row, col, data, b)])
    keep = (row >= 0) & (col >= 0)
    data = data[keep]
    if data.dtype == numpy.float16 or b.dtype == numpy.float16:
        # SciPy has no float16 sparse matrices: float32, cast back by the caller
        data, b = data.astype(numpy.float32), b.astype(numpy.float32)
    a = sparse.csr_matrix((data, (row[keep], col[keep])), shape=(m, b.shape[0]))
    return numpy.asarray(a @ b)


def _sddmm(row, col, p, q):
    """out[j] = p[row_j, :] . q[col_j, :] (0 at padding); p, q ((nb,) ., n)."""
    xp = utils.array_module(p)
    r, c, _, keep = _entries(row, col, xp.zeros(row.shape, p.dtype))
    return xp.where(keep, (_rows(p, r) * _rows(q, c)).sum(-1), 0)


def _t(x, flag):
    return x.swapaxes(-1, -2) if flag else x


class CooMatMul(Op):
    """``C = op(A) @ op(B)``, returned transposed when ``transc``; ``A`` is
    the COO matrix of the first input (its data) on the pattern
    ``(sp_row, sp_col)`` of ``sp_shape`` (Chainer's signature; ``sp_order``
    is a hint only used by Chainer's GPU kernel)."""
    __slots__ = ('row', 'col', 'shape', 'transb', 'transc', 'dtype')
    checks = Checks('sp, dn', "sp.dtype.kind == 'f'", "dn.dtype.kind == 'f'",
                    '2 <= dn.ndim <= 3', 'sp.ndim == dn.ndim - 1',
                    'sp.shape == self.row.shape',
                    'self.shape[1] == dn.shape[-1 if self.transb else -2]',
                    'dn.ndim == 2 or dn.shape[0] == sp.shape[0]')

    def __init__(self, sp_row, sp_col, sp_shape, sp_order='other', transa=False,
                 transb=False, transc=False, dtype=None):
        if sp_row.ndim != sp_col.ndim or sp_row.shape != sp_col.shape:
            raise ValueError('sparse_matmul: shape of sp_row and sp_col must be the same, '
                             'got {} and {}'.format(sp_row.shape, sp_col.shape))
        if sp_row.ndim not in (1, 2):
            raise ValueError('sparse_matmul: ndim of sp_row and sp_col must be one or two, '
                             'got {}'.format(sp_row.ndim))
        if len(sp_shape) != 2:
            raise ValueError('sparse_matmul: len(sp_shape) must be two, got {}'.format(
                sp_shape))
        # A's pattern after its transpose: (row, col) of shape (m, k)
        if transa:
            sp_row, sp_col, sp_shape = sp_col, sp_row, sp_shape[::-1]
        self.row, self.col, self.shape = sp_row, sp_col, tuple(sp_shape)
        self.transb, self.transc, self.dtype = transb, transc, dtype

    @property
    def label(self):
        return 'sparse_matmul'

    def forward(self, inputs):
        sp, dn = inputs
        self.retain_inputs((0, 1))
        dtype = self.dtype or numpy.result_type(sp, dn)
        c = _coo_dense(self.row, self.col, sp, self.shape[0], _t(dn, self.transb))
        return utils.force_array(_t(c, self.transc).astype(dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        sp, dn = ns.inputs(self)
        g, = grad_outputs
        out = []
        for i in indexes:
            if i == 0:
                op = CooMatMulGradSP(self.row, self.col, self.transc, self.transb, sp.dtype)
                out.append(ns.call(op, (g, dn))[0])
            else:
                op = CooMatMul(self.row, self.col, self.shape, transa=True,
                               transb=self.transc, transc=self.transb, dtype=dn.dtype)
                out.append(ns.call(op, (sp, g))[0])
        return tuple(out)


class CooMatMulGradSP(Op):
    """``out_j = op(P)[row_j, :] . op(Q)[col_j, :]``: the gradient of the
    sparse data (``op``: transpose when ``transp`` / ``transq``)."""
    __slots__ = ('row', 'col', 'transp', 'transq', 'dtype')
    checks = Checks('p, q', "p.dtype.kind == 'f'", "q.dtype.kind == 'f'",
                    '2 <= p.ndim <= 3', 'p.ndim == q.ndim')

    def __init__(self, row, col, transp, transq, dtype):
        self.row, self.col = row, col
        self.transp, self.transq, self.dtype = transp, transq, dtype

    @property
    def label(self):
        return 'sparse_matmul'

    def forward(self, inputs):
        p, q = inputs
        self.retain_inputs((0, 1))
        out = _sddmm(self.row, self.col, _t(p, self.transp), _t(q, self.transq))
        return utils.force_array(out.astype(self.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        p, q = ns.inputs(self)
        g, = grad_outputs
        out = []
        for i in indexes:
            if i == 0:   # op(P)[r] += g_j op(Q)[c]: A @ op(Q), A on (row, col)
                shape = (_t(p, self.transp).shape[-2], _t(q, self.transq).shape[-2])
                op = CooMatMul(self.row, self.col, shape, transb=self.transq,
                               transc=self.transp, dtype=p.dtype)
                out.append(ns.call(op, (g, q))[0])
            else:        # op(Q)[c] += g_j op(P)[r]: A^T @ op(P)
                shape = (_t(p, self.transp).shape[-2], _t(q, self.transq).shape[-2])
                op = CooMatMul(self.row, self.col, shape, transa=True, transb=self.transp,
                               transc=self.transq, dtype=q.dtype)
                out.append(ns.call(op, (g, p))[0])
        return tuple(out)


def sparse_matmul(a, b, transa=False, transb=False):
    """Product of a sparse and a dense matrix (or batches of them).

    One operand is a :class:`~fastgrad.utils.CooMatrix` (see
    :func:`~fastgrad.utils.to_coo`), the other a dense 2-D (or, batched,
    3-D) array or variable.  Gradients flow to the dense operand and to the
    sparse one's ``data`` (on its fixed pattern).

    Args:
        a (~fastgrad.Variable, ``ndarray`` or ~fastgrad.utils.CooMatrix):
            The left operand.
        b (~fastgrad.Variable, ``ndarray`` or ~fastgrad.utils.CooMatrix):
            The right operand.
        transa (bool): Transpose each matrix of ``a`` first.
        transb (bool): Transpose each matrix of ``b`` first.

    Returns:
        ~fastgrad.Variable: The dense product.

    >>> a = np.array([[1., 0., 0.], [0., 0., 2.]], np.float32)
    >>> sp = fastgrad.utils.to_coo(a, requires_grad=True)  # 2 nonzeros
    >>> b = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> y = F.sparse_matmul(sp, b)  # a @ b
    >>> y.array
    array([[ 0.,  1.],
           [ 8., 10.]], dtype=float32)
    >>> F.sum(y).backward(); sp.data.grad  # one gradient per stored entry
    array([1., 9.], dtype=float32)
    """
    dense = (Variable, numpy.ndarray) + _cupy_types()
    if isinstance(a, CooMatrix) and isinstance(b, dense):
        y, = CooMatMul(a.row, a.col, a.shape, a.order, transa, transb, False).apply((a.data, b))
        return y
    if isinstance(a, dense) and isinstance(b, CooMatrix):
        # A @ B = (B^T @ A^T)^T
        y, = CooMatMul(b.row, b.col, b.shape, b.order, not transb, not transa,
                       True).apply((b.data, a))
        return y
    raise ValueError('sparse_matmul: this combination of input types is not supported: '
                     'a: {}, b: {} (one CooMatrix and one dense array or Variable)'.format(
                         type(a), type(b)))


def _cupy_types():
    import sys
    cupy = sys.modules.get('cupy')
    return (cupy.ndarray,) if cupy is not None else ()
