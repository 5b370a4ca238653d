"""inv and batch_inv: matrix inverses."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _linalg_input(a):
    # float16 has no LAPACK routine: compute in float32 (as Chainer does)
    return a.astype(numpy.float32) if a.dtype == numpy.float16 else a


def _inverse(name, a):
    xp = utils.array_module(a)
    try:
        inv = xp.linalg.inv(_linalg_input(a))
    except numpy.linalg.LinAlgError:
        raise ValueError('{}: input has singular matrices'.format(name))
    return utils.force_array(inv.astype(a.dtype, copy=False))


class Inv(Op):
    """Inverse of one square matrix; the gradient is ``-A^-T gy A^-T``."""
    __slots__ = ()
    checks = Checks('a', "a.dtype.kind == 'f'", 'a.ndim == 2',
                    'a.shape[0] == a.shape[1]')

    def forward(self, inputs):
        self.retain_outputs((0,))
        return _inverse('inv', inputs[0]),

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.outputs(self)
        return -ns.matmul(ns.matmul(y, grad_outputs[0], transa=True), y, transb=True),


class BatchInv(Inv):
    """Inverses of a batch of square matrices ``(m, n, n)``."""
    __slots__ = ()
    checks = Checks('a', "a.dtype.kind == 'f'", 'a.ndim == 3',
                    'a.shape[1] == a.shape[2]')

    @property
    def label(self):
        return 'batch_inv'

    def forward(self, inputs):
        self.retain_outputs((0,))
        return _inverse('batch_inv', inputs[0]),


def inv(a):
    """Inverse of a square matrix.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): An ``(n, n)``
            float matrix.

    Returns:
        ~fastgrad.Variable: Its inverse.  A singular ``a`` raises ValueError.

    >>> a = np.array([[2., 1.], [1., 3.]], np.float32)
    >>> np.round(F.inv(a).array, 4)
    array([[ 0.6, -0.2],
           [-0.2,  0.4]], dtype=float32)
    >>> np.round(F.matmul(a, F.inv(a)).array, 4)
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    y, = Inv().apply((a,))
    return y


def batch_inv(a):
    """Inverses of a batch of square matrices.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): ``(m, n, n)``:
            ``m`` float matrices of size ``n x n``.

    Returns:
        ~fastgrad.Variable: The ``m`` inverses.  A singular matrix raises
        ValueError.

    >>> a = np.array([[[2., 0.], [0., 4.]], [[1., 1.], [0., 1.]]], np.float32)
    >>> np.round(F.batch_inv(a).array, 4)
    array([[[ 0.5 ,  0.  ],
            [ 0.  ,  0.25]],
    <BLANKLINE>
           [[ 1.  , -1.  ],
            [ 0.  ,  1.  ]]], dtype=float32)
    """
    y, = BatchInv().apply((a,))
    return y
