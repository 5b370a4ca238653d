"""matmul (numpy.matmul semantics, with optional transposes) and its reflection."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.recipe import Op


def _swap(x):
    return x.swapaxes(-1, -2)


def _check(a, b, transa, transb):
    """Chainer's type check for MatMul, with messages naming the function."""
    name = 'MatMul'
    if a.dtype.kind != 'f':
        raise utils.invalid_type(name, "a.dtype.kind == 'f'", 'a.dtype = {}'.format(a.dtype))
    if b.dtype.kind != 'f':
        raise utils.invalid_type(name, "b.dtype.kind == 'f'", 'b.dtype = {}'.format(b.dtype))
    if a.dtype != b.dtype:
        raise utils.invalid_type(name, 'a.dtype == b.dtype',
                                 '{} != {}'.format(a.dtype, b.dtype))
    if a.ndim == 0 or b.ndim == 0:
        raise utils.invalid_type(name, 'a.ndim >= 1 and b.ndim >= 1',
                                 'a.ndim = {}, b.ndim = {}'.format(a.ndim, b.ndim))
    if a.ndim == 1:
        a_in, a_what = a.shape[0], 'a.shape[0]'
    elif transa:
        a_in, a_what = a.shape[-2], 'a.shape[-2]'
    else:
        a_in, a_what = a.shape[-1], 'a.shape[-1]'
    if b.ndim == 1:
        b_in, b_what = b.shape[0], 'b.shape[0]'
    elif transb:
        b_in, b_what = b.shape[-1], 'b.shape[-1]'
    else:
        b_in, b_what = b.shape[-2], 'b.shape[-2]'
    if a_in != b_in:
        raise utils.invalid_type(
            name, '{} == {}'.format(a_what, b_what),
            '{} != {} (a.shape = {}, b.shape = {}, transa = {}, transb = {})'.format(
                a_in, b_in, a.shape, b.shape, transa, transb))
    if a.ndim > 2 or b.ndim > 2:
        try:
            numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise utils.invalid_type(
                name, 'batch shapes a.shape[:-2] and b.shape[:-2] broadcastable',
                '{} and {}'.format(a.shape[:-2], b.shape[:-2])) from None


class MatMul(Op):
    __slots__ = ('transa', 'transb')

    def __init__(self, transa=False, transb=False):
        self.transa = bool(transa)
        self.transb = bool(transb)

    def forward(self, inputs):
        a, b = inputs
        _check(a, b, self.transa, self.transb)
        self.retain_inputs((0, 1))
        if self.transa and a.ndim > 1:
            a = _swap(a)
        if self.transb and b.ndim > 1:
            b = _swap(b)
        return utils.force_array(utils.matmul(a, b)),

    # Backward works on "promoted" operands: a 1-D a becomes (1, k) and a 1-D b
    # becomes (k, 1), as numpy.matmul does internally; gy gets the same axes.
    def _grads(self, indexes, a, b, gy, ops):
        matmul_, reshape_, sum_to_ = ops
        a_shape, b_shape = self.inputs[0].shape, self.inputs[1].shape
        a1 = len(a_shape) == 1
        b1 = len(b_shape) == 1
        ta = self.transa and not a1
        tb = self.transb and not b1
        if a1:
            a = reshape_(a, (1,) + a_shape)
        if b1:
            b = reshape_(b, b_shape + (1,))
        gy_shape = gy.shape
        if a1 and b1:
            gy_shape = (1, 1)
        elif a1:
            gy_shape = gy_shape[:-1] + (1,) + gy_shape[-1:]
        elif b1:
            gy_shape = gy_shape + (1,)
        if gy_shape != gy.shape:
            gy = reshape_(gy, gy_shape)
        out = []
        for i in indexes:
            if i == 0:
                # d(op(a)) = gy @ op(b)^T; ga = d(op(a)) or its transpose
                if ta:
                    g = matmul_(b, gy, tb, True)
                else:
                    g = matmul_(gy, b, False, not tb)
                shape = ((1,) + a_shape) if a1 else a_shape
                g = sum_to_(g, shape)
                if a1:
                    g = reshape_(g, a_shape)
            else:
                # d(op(b)) = op(a)^T @ gy; gb = d(op(b)) or its transpose
                if tb:
                    g = matmul_(gy, a, True, ta)
                else:
                    g = matmul_(a, gy, not ta, False)
                shape = (b_shape + (1,)) if b1 else b_shape
                g = sum_to_(g, shape)
                if b1:
                    g = reshape_(g, b_shape)
            out.append(g)
        return tuple(out)

    def gradient(self, ns, indexes, grad_outputs):
        a, b = ns.inputs(self)
        return self._grads(indexes, a, b, grad_outputs[0], (ns.matmul, ns.reshape, ns.sum_to))


def matmul(a, b, transa=False, transb=False):
    """Matrix product with ``numpy.matmul`` semantics.

    2-D operands multiply as matrices; operands with more axes are stacks of
    matrices in the last two axes, with the leading (batch) axes broadcast; a
    1-D operand is a vector (a row vector on the left, a column vector on the
    right) whose added axis is removed from the result.  ``transa`` / ``transb``
    swap the last two axes of ``a`` / ``b`` first (no effect on 1-D operands).
    Operands of different float dtypes are promoted (NumPy's rule) first;
    their gradients come back in their own dtypes, as in Chainer.

    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.matmul(a, np.ones((3, 2), np.float32)).array
    array([[ 3.,  3.],
           [12., 12.]], dtype=float32)
    >>> F.matmul(a, a, transb=True).shape  # a @ a.T
    (2, 2)
    >>> F.matmul(np.ones((4, 2, 3), np.float32), a.T).shape  # a stack of 4
    (4, 2, 2)
    """
    da, db = getattr(a, 'dtype', None), getattr(b, 'dtype', None)
    if da is not None and db is not None and da != db and da.kind == db.kind == 'f':
        from fastgrad.functions.array.cast import cast
        dtype = numpy.result_type(da, db)
        a = a if da == dtype else cast(a, dtype)
        b = b if db == dtype else cast(b, dtype)
    y, = MatMul(transa, transb).apply((a, b))
    return y


def rmatmul(lhs, rhs):
    """``rhs @ lhs`` (the reflected form used by ``array @ Variable``).

    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> v = Variable(np.ones((3, 1), np.float32))
    >>> F.rmatmul(v, a).array  # a @ v
    array([[ 3.],
           [12.]], dtype=float32)
    """
    if not isinstance(rhs, Variable) and not hasattr(rhs, 'dtype'):
        raise TypeError('matmul: unsupported operand type {}; expected a Variable or '
                        'an ndarray'.format(type(rhs).__name__))
    return matmul(rhs, lhs)
