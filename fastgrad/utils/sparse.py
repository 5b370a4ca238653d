"""Sparse matrices in COO format (Chainer's ``utils.CooMatrix`` / ``to_coo``),
used by :func:`fastgrad.functions.sparse_matmul`."""
import numpy

from fastgrad import utils


class CooMatrix(object):
    """A sparse matrix (or a batch of them) in COO format.

    Args:
        data (``ndarray``): The entries, ``(nnz,)`` or ``(batch, nnz)``.
        row (``ndarray``): Their row indices (same shape); -1 marks padding.
        col (``ndarray``): Their column indices (same shape).
        shape (tuple of int): The dense shape ``(rows, cols)`` of one matrix.
        order ('C', 'F', 'other' or None): whether the entries are sorted by
            row ('C') or by column ('F'); None finds out.
        requires_grad (bool): whether ``data`` (a Variable) gets a gradient.

    >>> from fastgrad import utils
    >>> data = np.array([1., 2.], dtype=np.float32)
    >>> m = utils.CooMatrix(data, np.array([0, 1]), np.array([2, 0]), (2, 3))
    >>> m.order
    'C'
    >>> m.to_dense()
    array([[0., 0., 1.],
           [2., 0., 0.]], dtype=float32)
    """

    def __init__(self, data, row, col, shape, order=None, requires_grad=False):
        from fastgrad import Variable
        if not 1 <= data.ndim <= 2:
            raise ValueError('CooMatrix: ndim of data must be 1 or 2, got {}'.format(data.ndim))
        if not data.ndim == row.ndim == col.ndim:
            raise ValueError('CooMatrix: ndim of data, row and col must be the same, got '
                             '{}, {}, {}'.format(data.ndim, row.ndim, col.ndim))
        if len(shape) != 2:
            raise ValueError('CooMatrix: length of shape must be 2, got {}'.format(shape))
        if not (shape[0] > 0 and shape[1] > 0):
            raise ValueError('CooMatrix: numbers in shape must be greater than 0, got '
                             '{}'.format(shape))
        if order not in ('C', 'F', 'other', None):
            raise ValueError("CooMatrix: order must be 'C', 'F', 'other' or None, got "
                             '{!r}'.format(order))
        self.data = Variable(data, requires_grad=requires_grad)
        self.row = row
        self.col = col
        self.shape = tuple(shape)
        self.order = get_order(row, col) if order is None else order

    def to_dense(self):
        """The dense array: ``shape``, or ``(batch,) + shape``."""
        data = self.data.array
        xp = utils.array_module(data)
        lead = data.shape[:-1]
        out = xp.zeros(lead + self.shape, dtype=data.dtype)
        keep = (self.row >= 0) & (self.col >= 0)
        batch = xp.broadcast_to(xp.arange(data.shape[0]).reshape(-1, 1), data.shape) \
            if lead else None
        index = (self.row[keep], self.col[keep])
        if lead:
            index = (batch[keep],) + index
        if xp is numpy:
            numpy.add.at(out, index, data[keep])
        else:
            import cupyx
            cupyx.scatter_add(out, index, data[keep])
        return out


def to_coo(x, ldnz=None, requires_grad=False):
    """A :class:`CooMatrix` of the nonzeros of a dense matrix or batch.

    Args:
        x (``ndarray``): 2-D (one matrix) or 3-D (a batch).
        ldnz (int): the length of the entry arrays: at least the number of
            nonzeros (of the fullest matrix of a batch); the rest is padding
            (data 0, row and col -1).
        requires_grad (bool): whether the data gets a gradient.

    Returns:
        CooMatrix: Its nonzero entries in row-major order.

    >>> from fastgrad import utils
    >>> m = utils.to_coo(np.array([[0., 1.], [2., 0.]], dtype=np.float32))
    >>> m.data.array
    array([1., 2.], dtype=float32)
    >>> m.row, m.col
    (array([0, 1], dtype=int32), array([1, 0], dtype=int32))
    """
    xp = utils.array_module(x)
    if x.ndim not in (2, 3):
        raise ValueError('to_coo: ndim of x must be 2 or 3, got {}'.format(x.ndim))
    mats = x[None] if x.ndim == 2 else x
    nonzeros = [xp.nonzero(m) for m in mats]
    width = max([len(r) for r, _ in nonzeros] + [ldnz or 0])
    data = xp.zeros((len(mats), width), dtype=x.dtype)
    row = xp.full((len(mats), width), -1, dtype=numpy.int32)
    col = xp.full((len(mats), width), -1, dtype=numpy.int32)
    for i, (r, c) in enumerate(nonzeros):
        data[i, :len(r)] = mats[i][r, c]
        row[i, :len(r)] = r
        col[i, :len(r)] = c
    if x.ndim == 2:
        data, row, col = data[0], row[0], col[0]
    return CooMatrix(data, row, col, x.shape[-2:], requires_grad=requires_grad)


def get_order(row, col):
    """'C' if the entries are sorted by row (then column), 'F' if by column
    (then row), else 'other'.  Padding entries (-1) are ignored.

    >>> from fastgrad import utils
    >>> utils.get_order(np.array([0, 0, 1]), np.array([0, 2, 1]))
    'C'
    >>> utils.get_order(np.array([1, 0]), np.array([0, 1]))
    'F'
    """
    if row.shape != col.shape:
        raise ValueError('get_order: shape of row and col must be the same, got {} and {}'
                         .format(row.shape, col.shape))
    if _sorted(row, col):
        return 'C'
    if _sorted(col, row):
        return 'F'
    return 'other'


def _sorted(major, minor):
    if major.ndim == 2:
        return all(_sorted(a, b) for a, b in zip(major, minor))
    keep = (major >= 0) & (minor >= 0)
    if bool(((major >= 0) != (minor >= 0)).any()):
        raise ValueError('get_order: invalid index combination of row and col '
                         '(one is -1 where the other is not)')
    a, b = major[keep], minor[keep]
    if a.size <= 1:
        return True
    da, db = a[1:] - a[:-1], b[1:] - b[:-1]
    return bool((da >= 0).all() and ((da > 0) | (db >= 0)).all())
